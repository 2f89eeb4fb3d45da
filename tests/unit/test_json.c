/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_json.c - the strict JSON layer: every gap between cJSON and Go's
 * encoding/json that json.c closes has a case here that fails if it reopens.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/guide_check.h"
#include "base64.h"
#include "json.h"
#include "testutil.h"

static cJSON *parse(const char *s, char *err, size_t errlen)
{
	return json_parse_strict(s, strlen(s), err, errlen);
}

static void assert_refused(const char *s, const char *why)
{
	char err[256];
	cJSON *j = parse(s, err, sizeof(err));

	if (j) {
		cJSON_Delete(j);
		fail_msg("accepted %s", s);
	}
	if (why && !strstr(err, why))
		fail_msg("for %s: error \"%s\" does not mention \"%s\"", s, err, why);
}

static void assert_accepted(const char *s)
{
	char err[256];
	cJSON *j = parse(s, err, sizeof(err));

	if (!j)
		fail_msg("refused %s: %s", s, err);
	cJSON_Delete(j);
}

static void test_nul_escape_refused(void **state)
{
	(void)state;
	/* cJSON would truncate "a\u0000b" to "a"; Go keeps "a\x00b". */
	assert_refused("{\"Image\":\"bb\\u0000:evil\"}", "\\u0000");
	/* an escaped backslash followed by u0000 is plain text, not a NUL */
	assert_accepted("{\"Image\":\"bb\\\\u0000\"}");
}

static void test_invalid_utf8_refused(void **state)
{
	(void)state;
	assert_refused("{\"User\":\"\xff\"}", "UTF-8");
	assert_refused("{\"User\":\"\xc0\xaf\"}", "UTF-8");		/* overlong '/' */
	assert_refused("{\"User\":\"\xed\xa0\x80\"}", "UTF-8");		/* surrogate */
	assert_refused("{\"User\":\"\xf4\x90\x80\x80\"}", "UTF-8");	/* > U+10FFFF */
	assert_refused("{\"User\":\"\xe2\x82\"}", "UTF-8");		/* truncated */
	assert_accepted("{\"User\":\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3\"}");
}

static void test_trailing_content_refused(void **state)
{
	(void)state;
	assert_refused("{\"a\":1}{\"a\":2}", "after");
	assert_refused("{\"a\":1} x", NULL);
	assert_refused("{\"a\":1}\n}", NULL);
	assert_accepted("{\"a\":1}\n");
	assert_accepted(" \t\r\n{\"a\":1} \n");
}

static void test_control_and_whitespace(void **state)
{
	(void)state;
	assert_refused("{\"a\":\"x\ny\"}", "control");
	assert_refused("{\x01\"a\":1}", "invalid character");
	assert_refused("\xef\xbb\xbf{\"a\":1}", NULL);	/* BOM: Go refuses it too */
	assert_refused("", NULL);
	assert_refused("   ", NULL);
}

static void test_number_grammar(void **state)
{
	(void)state;
	assert_refused("{\"a\":01}", "number");
	assert_refused("{\"a\":1.}", "number");
	assert_refused("{\"a\":1.e5}", "number");
	assert_refused("{\"a\":-}", "number");
	assert_refused("{\"a\":+1}", NULL);
	assert_refused("{\"a\":.5}", NULL);
	assert_refused("{\"a\":1e400}", "range");
	assert_accepted("{\"a\":-0.5e-3,\"b\":0,\"c\":10E+2}");
}

static void test_duplicate_keys_refused(void **state)
{
	(void)state;
	/* Each of these is read by dockerd as something a naive reader misses. */
	assert_refused("{\"Privileged\":false,\"privileged\":true}", "case");
	assert_refused("{\"HostConfig\":{\"Privileged\":false,\"Privileged\":true}}", "repeated");
	assert_refused("{\"HostConfig\":{\"Privileged\":true},\"HostConfig\":{\"Memory\":1}}", NULL);
	assert_refused("{\"Binds\":[],\"Bind\\u017f\":[\"/:/h\"]}", NULL);	/* U+017F */
	assert_refused("{\"Binds\":[],\"Bind\xc5\xbf\":[\"/:/h\"]}", NULL);
	assert_refused("{\"NetworkMode\":\"none\",\"Networ\xe2\x84\xaaMode\":\"host\"}", NULL);
	assert_refused("{\"Privileged\":false,\"Pr\xc4\xb1vileged\":true}", NULL); /* dotless i */
	assert_refused("{\"Privileged\":false,\"Privil\\u0065ged\":true}", NULL);
	/* distinct keys in a large object: sorted path */
	{
		char buf[8192];
		size_t n = 0;
		int i;

		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "{");
		for (i = 0; i < 200; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\"k%d\":%d", i ? "," : "", i, i);
		snprintf(buf + n, sizeof(buf) - n, "}");
		assert_accepted(buf);
		buf[n] = '\0';
		snprintf(buf + n, sizeof(buf) - n, ",\"K150\":1}");
		assert_refused(buf, NULL);
	}
}

/*
 * An object of N members "key0000", "key0001", ..., except the members at A
 * and B (if below N), named KA and KB; malloc'd.
 */
static char *object_with(int n, int a, const char *ka, int b, const char *kb)
{
	size_t cap = (size_t)n * 24 + 64, len = 0;
	char *buf = malloc(cap);
	int i;

	assert_non_null(buf);
	len += (size_t)snprintf(buf + len, cap - len, "{");
	for (i = 0; i < n; i++) {
		const char *sep = i ? "," : "";

		if (i == a || i == b)
			len += (size_t)snprintf(buf + len, cap - len, "%s\"%s\":%d", sep,
						i == a ? ka : kb, i);
		else
			len += (size_t)snprintf(buf + len, cap - len, "%s\"key%04d\":%d", sep, i, i);
	}
	snprintf(buf + len, cap - len, "}");
	return buf;
}

static void check_big_object(int n, int a, const char *ka, int b, const char *kb, int refused)
{
	char *s = object_with(n, a, ka, b, kb);

	if (refused)
		assert_refused(s, "case");
	else
		assert_accepted(s);
	free(s);
}

static void test_duplicate_keys_large_objects(void **state)
{
	(void)state;
	/* distinct keys at the sizes around the in-place set (128 keys) */
	check_big_object(127, -1, NULL, -1, NULL, 0);
	check_big_object(128, -1, NULL, -1, NULL, 0);
	check_big_object(129, -1, NULL, -1, NULL, 0);
	check_big_object(1000, -1, NULL, -1, NULL, 0);
	/* a fold-equal pair: both in the set, across its end, both past it */
	check_big_object(100, 3, "Privileged", 99, "pRIVILEGED", 1);
	check_big_object(128, 0, "s", 127, "\xc5\xbf", 1);		/* U+017F */
	check_big_object(129, 0, "s", 128, "\xc5\xbf", 1);
	check_big_object(129, 127, "Memory", 128, "memory", 1);
	check_big_object(1000, 0, "s", 999, "\xc5\xbf", 1);
	check_big_object(1000, 500, "k", 999, "\xe2\x84\xaa", 1);	/* U+212A Kelvin */
	check_big_object(1000, 998, "Binds", 999, "bind\\u017f", 1);
	check_big_object(1000, 5, "x", 6, "X", 1);
	/* keys that fold to different strings stay distinct */
	check_big_object(1000, 0, "s", 999, "\xc3\x9f", 0);		/* U+00DF sharp s */
	check_big_object(100, 0, "k", 99, "\xce\xba", 0);		/* U+03BA kappa */
}

/* json_parse_strict on LEN bytes of S refuses with exactly WANT. */
static void assert_error(const char *s, size_t len, const char *want)
{
	char err[256];
	cJSON *j = json_parse_strict(s, len, err, sizeof(err));

	if (j) {
		cJSON_Delete(j);
		fail_msg("accepted, wanted \"%s\"", want);
	}
	if (strcmp(err, want) != 0)
		fail_msg("error \"%s\", wanted \"%s\"", err, want);
}

/*
 * A 300-byte plain string with BAD (BADLEN bytes) at each offset from 0
 * to 40 and further on: the scan goes 8 bytes at a time through plain
 * runs, and must stop at the very byte it stops at one byte at a time,
 * byte ERRAT of BAD.
 */
static void check_bad_in_run(const char *bad, size_t badlen, size_t errat, const char *what)
{
	const char head[] = "{\"k\":\"";
	char buf[512], want[128];
	size_t at, len;

	for (at = 0; at < 300; at = at < 40 ? at + 1 : at + 37) {
		len = 0;
		memcpy(buf, head, sizeof(head) - 1);
		len += sizeof(head) - 1;
		memset(buf + len, 'A', at);
		len += at;
		memcpy(buf + len, bad, badlen);
		len += badlen;
		memset(buf + len, 'b', 300 - at);
		len += 300 - at;
		memcpy(buf + len, "\"}", 2);
		len += 2;
		snprintf(want, sizeof(want), "%s at byte %zu", what, sizeof(head) - 1 + at + errat);
		assert_error(buf, len, want);
	}
}

static void test_prescan_offsets_in_long_runs(void **state)
{
	char buf[512], want[64];
	size_t at;

	(void)state;
	check_bad_in_run("\x01", 1, 0, "control character in string");
	check_bad_in_run("\x00", 1, 0, "control character in string");
	check_bad_in_run("\x1f", 1, 0, "control character in string");
	check_bad_in_run("\n", 1, 0, "control character in string");
	check_bad_in_run("\xff", 1, 0, "invalid UTF-8");
	check_bad_in_run("\x80", 1, 0, "invalid UTF-8");
	check_bad_in_run("\xc0\xaf", 2, 0, "invalid UTF-8");
	check_bad_in_run("\xed\xa0\x80", 3, 0, "invalid UTF-8");
	check_bad_in_run("\\u0000", 6, 0, "\\u0000 in string");
	/* the string ends early: what follows is outside it */
	check_bad_in_run("\"\x7f", 2, 1, "invalid character");
	/* a run up to the end of the input: no closing quote, or a lone '\\' */
	for (at = 0; at < 40; at++) {
		memcpy(buf, "[\"", 2);
		memset(buf + 2, 'x', at);
		snprintf(want, sizeof(want), "unterminated string at byte %zu", 2 + at);
		assert_error(buf, 2 + at, want);
		buf[2 + at] = '\\';
		snprintf(want, sizeof(want), "unterminated escape at byte %zu", 2 + at);
		assert_error(buf, 3 + at, want);
	}
	/* after a long string, the bytes outside it are checked at their offset */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "[\"", 2);
	memset(buf + 2, 'x', 100);
	memcpy(buf + 102, "\",\x01]", 4);
	assert_error(buf, 106, "invalid character at byte 104");
}

static void test_plain_runs_accepted(void **state)
{
	/* everything a string holds as it is, DEL included, with escapes and
	 * multi-byte sequences; placed at every alignment of the 8-byte steps */
	static const char mid[] = "\\\"\\\\\x7f" "\xc3\xa9" "\xe2\x82\xac" "\xf0\x9f\x90\xb3"
				  " ~!#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}";
	char buf[512];
	size_t at, len;

	(void)state;
	for (at = 0; at < 24; at++) {
		memcpy(buf, "{\"k\":\"", 6);
		len = 6;
		memset(buf + len, '=', at);
		len += at;
		memcpy(buf + len, mid, sizeof(mid) - 1);
		len += sizeof(mid) - 1;
		memset(buf + len, '+', 64 - at);
		len += 64 - at;
		memcpy(buf + len, "\"}", 3);
		assert_accepted(buf);
	}
}

/* json_plain_run against a byte loop: every stop byte at every position of
 * runs long enough for every block size (8, 16, 32 and 64 at a time), from
 * several starting offsets, and runs with no stop at all. */
static size_t plain_run_reference(const unsigned char *s, size_t i, size_t n)
{
	while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
		i++;
	return i;
}

static void test_plain_run_reference(void **state)
{
	static const unsigned char stops[] = { '"', '\\', 0x00, 0x1f, 0x7f, 0x80, 0xff };
	unsigned char buf[300];
	size_t n, start, at, k;

	(void)state;
	for (k = 0; k < sizeof(buf); k++)
		buf[k] = (unsigned char)(0x20 + k % 0x60);	/* plain, DEL and quotes aside */
	for (k = 0; k < sizeof(buf); k++)
		if (buf[k] == '"' || buf[k] == '\\' || buf[k] == 0x7f)
			buf[k] = 'x';
	for (n = 0; n <= sizeof(buf); n += n < 140 ? 1 : 7)
		for (start = 0; start < 4 && start <= n; start++) {
			assert_int_equal(json_plain_run((const char *)buf, start, n), n);
			for (at = start; at < n; at++)
				for (k = 0; k < sizeof(stops); k++) {
					unsigned char was = buf[at];

					buf[at] = stops[k];
					if (json_plain_run((const char *)buf, start, n) !=
					    plain_run_reference(buf, start, n))
						fail_msg("n=%zu start=%zu stop 0x%02x at %zu: %zu", n,
							 start, stops[k], at,
							 json_plain_run((const char *)buf, start, n));
					buf[at] = was;
				}
		}
}

static void test_fold_lookup(void **state)
{
	char err[256];
	cJSON *j;

	(void)state;
	j = parse("{\"hostconfig\":{\"bind\xc5\xbf\":[\"/:/h\"],\"Networ\xe2\x84\xaaMode\":\"host\"}}",
		  err, sizeof(err));
	assert_non_null(j);
	/* json_get is exact; json_get_fold is what Go's field matching does */
	assert_null(json_get(j, "HostConfig"));
	const cJSON *hc = json_get_fold(j, "HostConfig");
	assert_non_null(hc);
	assert_non_null(json_get_fold(hc, "Binds"));
	assert_string_equal(json_get_fold(hc, "NetworkMode")->valuestring, "host");
	assert_null(json_get_fold(hc, "Bind"));
	cJSON_Delete(j);
}

static void test_fold_key(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(json_fold_key("Bind\xc5\xbf", out, sizeof(out)), 0);
	assert_string_equal(out, "binds");
	assert_int_equal(json_fold_key("\xe2\x84\xaa\xc4\xb0", out, sizeof(out)), 0);
	assert_string_equal(out, "ki");
	assert_int_equal(json_fold_key("toolongforthebuffer", out, 8), -1);
}

/* Keys that Go folds alike hash alike and are equal, whichever path the hash
 * takes (eight ASCII bytes at a time, or byte by byte past a non-ASCII one),
 * at every length around the word size; keys that fold apart are not equal. */
static void test_key_hash(void **state)
{
	static const char *const pairs[][2] = {
		{ "", "" }, { "a", "A" }, { "binds", "Bind\xc5\xbf" }, { "networkmode", "Networ\xe2\x84\xaaMode" },
		{ "privileged", "Priv\xc4\xb1leged" }, { "privileged", "PR\xc4\xb0VILEGED" },
		{ "readonlyrootfs", "ReadonlyRootfs" }, { "seccompprofile", "Seccomp\xe1\xb9\xa0rofile" },
		{ "abcdefgh", "ABCDEFGH" }, { "abcdefghi", "ABCDEFGH\xc4\xb0" },
		{ "abcdefghijklmnopq", "ABCDEFGHIJKLMNOPQ" }, { "k", "\xe2\x84\xaa" },
		{ "[\\]^_`@{", "[\\]^_`@{" },
	};
	size_t i, la, lb, lf;
	uint64_t ha, hb;
	char folded[64];

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const char *a = pairs[i][0], *b = pairs[i][1];

		ha = json_key_hash(a, &la);
		hb = json_key_hash(b, &lb);
		assert_int_equal(la, strlen(a));	/* all ASCII */
		assert_int_equal(json_fold_key(b, folded, sizeof(folded)), 0);
		lf = strlen(folded);
		if (strcmp(folded, a) != 0) {
			/* U+1E60 is no fold of 'p': a different key */
			assert_true(ha != hb || !json_key_equal(b, lb, a, la));
			assert_false(json_key_equal(b, lb, a, la));
			continue;
		}
		assert_true(ha == hb);
		assert_true(json_key_equal(b, lb, a, lf));
		assert_true(json_key_equal(a, la, a, la));
	}
	/* every length near a word, one letter off at every position */
	for (la = 1; la <= 24; la++) {
		char x[32], y[32];

		memset(x, 'q', la);
		x[la] = '\0';
		for (i = 0; i < la; i++) {
			memcpy(y, x, la + 1);
			y[i] = 'Q';
			assert_true(json_key_hash(y, &lb) == json_key_hash(x, &lf));
			assert_true(json_key_equal(y, lb, x, la));
			y[i] = 'r';
			assert_false(json_key_equal(y, lb, x, la));
			y[i] = 'q';
			y[la - 1] = '\0';	/* a prefix is another key */
			assert_false(json_key_equal(y, la - 1, x, la));
		}
	}
	/* '@' (0x40) and '[' (0x5b) sit either side of the letters: not folded */
	assert_false(json_key_equal("@[", 2, "`{", 2));
}

static void test_int64(void **state)
{
	char err[256];
	long long v;
	cJSON *j;

	(void)state;
	j = parse("[201, 1.5, 9223372036854775808, -9223372036854775808, 1e3, \"7\"]",
		  err, sizeof(err));
	assert_non_null(j);
	assert_int_equal(json_int64(cJSON_GetArrayItem(j, 0), &v), 0);
	assert_int_equal(v, 201);
	assert_int_equal(json_int64(cJSON_GetArrayItem(j, 1), &v), -1);
	assert_int_equal(json_int64(cJSON_GetArrayItem(j, 2), &v), -1);
	assert_int_equal(json_int64(cJSON_GetArrayItem(j, 3), &v), 0);
	assert_int_equal(json_int64(cJSON_GetArrayItem(j, 4), &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(json_int64(cJSON_GetArrayItem(j, 5), &v), -1);
	cJSON_Delete(j);
}

static void test_quote(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(json_quote(buf, sizeof(buf), "a\"b\\c\n<&>\x01"), 35);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\u003c\\u0026\\u003e\\u0001\"");
	assert_true(json_quote(buf, sizeof(buf), "\xff") > 0);
	assert_string_equal(buf, "\"\\ufffd\"");
	assert_int_equal(json_quote(buf, 4, "abcdef"), -1);
	assert_string_equal(buf, "");
	/* json_quote_n reads LEN bytes, whatever follows them */
	assert_int_equal(json_quote_n(buf, sizeof(buf), "a<bcdef", 3), 10);
	assert_string_equal(buf, "\"a\\u003cb\"");
	assert_int_equal(json_quote_n(buf, sizeof(buf), "ab\0cd", 5), 12);
	assert_string_equal(buf, "\"ab\\u0000cd\"");
	assert_int_equal(json_quote_n(buf, sizeof(buf), "abc", 0), 2);
	assert_string_equal(buf, "\"\"");
}

/* The hash the one-pass reader leaves before a key, however it read the key
 * (one block, several, escaped, non-ASCII), is json_key_hash's. */
static void test_member_hash(void **state)
{
	struct json_arena *arena;
	char doc[4096], key[48];
	size_t n = 0, len, a, b;
	const cJSON *it;
	cJSON *root;

	(void)state;
	n += (size_t)snprintf(doc + n, sizeof(doc) - n, "{");
	for (len = 0; len <= 40; len++) {
		memset(key, 'A' + (int)(len % 26), len);
		key[len] = '\0';
		if (len == 3)
			strcpy(key, "K\\u00e9y");	/* escaped: the slow path */
		if (len == 5)
			strcpy(key, "Bind\xc5\xbf");	/* U+017F */
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%s\"%s\":%zu", len ? "," : "", key, len);
	}
	snprintf(doc + n, sizeof(doc) - n, "}");
	root = json_parse_onepass(doc, strlen(doc), &arena);
	assert_non_null(root);
	for (it = root->child, n = 0; it; it = it->next, n++) {
		if (json_member_key_hash(it, &a) != json_key_hash(it->string, &b) || a != b)
			fail_msg("key \"%s\": the reader's hash is not json_key_hash's", it->string);
	}
	assert_int_equal(n, 41);
	json_arena_free(arena, root);
}

/* json_quote against the obvious one-byte-at-a-time quoting, on strings long
 * enough for its sixteen-byte runs, with every kind of byte it escapes at
 * every position: a valid two-byte sequence (kept), an invalid byte
 * (U+FFFD), controls, DEL, '"', '\\' and Go's three HTML escapes. */
static void test_quote_against_reference(void **state)
{
	static const char *const pool[] = {
		"a", "Z", "~", " ", "/", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f", "<", ">",
		"&", "=", "\xc3\xa9", "\xff",
	};
	char in[160], want[1024], got[1024];
	unsigned seed = 777;
	size_t i, k, n, w;
	int t;

	(void)state;
	for (t = 0; t < 20000; t++) {
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 70;
		in[0] = '\0';
		for (i = 0, k = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly plain letters: long runs, a stranger now and then */
			strcat(in, (seed >> 16) % 8 ? "m" : pool[(seed >> 20) % (sizeof(pool) / sizeof(pool[0]))]);
		}
		w = 0;
		want[w++] = '"';
		for (k = 0; in[k]; k++) {
			unsigned char c = (unsigned char)in[k];

			if (c == '"' || c == '\\') {
				want[w++] = '\\';
				want[w++] = (char)c;
			} else if (c == '\n') {
				want[w++] = '\\';
				want[w++] = 'n';
			} else if (c < 0x20 || c == 0x7F || c == '<' || c == '>' || c == '&') {
				w += (size_t)sprintf(want + w, "\\u%04x", c);
			} else if (c == 0xc3 && (unsigned char)in[k + 1] == 0xa9) {
				want[w++] = (char)c;
				want[w++] = in[++k];
			} else if (c >= 0x80) {
				memcpy(want + w, "\\ufffd", 6);
				w += 6;
			} else {
				want[w++] = (char)c;
			}
		}
		want[w++] = '"';
		want[w] = '\0';
		assert_int_equal(json_quote(got, sizeof(got), in), (int)w);
		if (strcmp(got, want) != 0)
			fail_msg("quoted \"%s\" as %s, want %s", in, got, want);
	}
}

static void test_base64(void **state)
{
	unsigned char out[16];

	(void)state;
	assert_int_equal(base64_decode("YWJj", 4, out), 3);
	assert_memory_equal(out, "abc", 3);
	assert_int_equal(base64_decode("YQ==", 4, out), 1);
	assert_int_equal(out[0], 'a');
	assert_int_equal(base64_decode("YWI=", 4, out), 2);
	assert_int_equal(base64_decode("", 0, out), 0);
	assert_int_equal(base64_decode("YQ", 2, out), -1);	/* padding required */
	assert_int_equal(base64_decode("YR==", 4, out), -1);	/* non-zero trailing bits */
	assert_int_equal(base64_decode("YWJ=", 4, out), -1);
	assert_int_equal(base64_decode("YQ==YWJj", 8, out), -1);	/* padding mid-stream */
	assert_int_equal(base64_decode("YW\nJj", 5, out), -1);
	assert_int_equal(base64_decode("YW-_", 4, out), -1);	/* URL alphabet */
	assert_int_equal(base64_decode("Y===", 4, out), -1);
	assert_int_equal(base64_decode("=YWJ", 4, out), -1);
}

/* The obvious decoder of Go's StdEncoding, one character at a time: what
 * base64_decode must agree with on any input. */
static long reference_decode(const char *in, size_t len, unsigned char *out)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned bits = 0, nbits = 0, v;
	size_t i, pad = 0;
	long o = 0;

	if (len % 4)
		return -1;
	for (i = 0; i < len; i++) {
		const char *p = in[i] ? strchr(alpha, in[i]) : NULL;

		if (in[i] == '=') {
			/* only as the last one or two characters */
			if (i + 2 < len || (i + 2 == len && in[i + 1] != '='))
				return -1;
			pad++;
			continue;
		}
		if (!p || pad)
			return -1;
		v = (unsigned)(p - alpha);
		bits = bits << 6 | v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (unsigned char)(bits >> nbits);
			bits &= (1u << nbits) - 1;
		}
	}
	if (pad > 2 || (pad && bits != 0))
		return -1;	/* the unused bits must be zero */
	return o;
}

/*
 * TRIES random strings of up to MAX_QUANTA quanta, a character in STRANGER
 * not from the alphabet: base64_decode against reference_decode. Returns
 * how many decoded, and how many of those ended in padding, in *PADDED.
 */
static long base64_random_against_reference(int tries, unsigned max_quanta, unsigned stranger,
					    long *padded)
{
	/* the alphabet's edges and its neighbours ('@' '[' '`' '{' ':' '.' ',' '*'),
	 * padding, the URL alphabet, whitespace and bytes past ASCII */
	static const char pool[] = "AQZaqz09+/=-_ \\n\x80@[`{:.,*~\x7f\xff\x2f\x30";
	unsigned char a[256], b[256];
	char in[256];
	unsigned seed = 12345;
	long valid = 0;
	int t, i, n;
	long x, y;

	*padded = 0;
	for (t = 0; t < tries; t++) {
		seed = seed * 1103515245u + 12345u;
		/* several of the decoder's sixteen- and thirty-two-character
		 * blocks, a stranger anywhere in them; now and then not x4 */
		n = (int)((seed >> 16) % (max_quanta + 1)) * 4 + ((seed >> 8) % 16 == 0);
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly the alphabet, sometimes '=' or a stranger */
			in[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
				[(seed >> 8) % 64];
			if ((seed >> 16) % stranger == 0) {
				seed = seed * 1103515245u + 12345u;	/* a draw of its own */
				in[i] = pool[(seed >> 16) % (sizeof(pool) - 1)];
			}
		}
		/* a third end in padding, as Go writes it, trailing bits or not */
		seed = seed * 1103515245u + 12345u;
		if (n >= 4 && (seed >> 16) % 3 == 0)
			in[n - 1] = '=';
		if (n >= 4 && (seed >> 16) % 6 == 0)
			in[n - 2] = '=';
		x = base64_decode(in, (size_t)n, a);
		y = reference_decode(in, (size_t)n, b);
		if (x != y || (x > 0 && memcmp(a, b, (size_t)x) != 0))
			fail_msg("\"%.*s\": %ld against the reference's %ld", n, in, x, y);
		assert_int_equal(base64_decode(in, (size_t)n, NULL), x);
		valid += x > 0;
		*padded += x > 0 && in[n - 1] == '=';
	}
	return valid;
}

static void test_base64_against_reference(void **state)
{
	long valid, padded;

	(void)state;
	/* up to 80 characters, a stranger one in 64 */
	valid = base64_random_against_reference(200000, 20, 64, &padded);
	assert_true(valid > 10000 && padded > 1000 && valid < 190000);
	/* up to 240: the AVX2 blocks, then SSSE3's, then the scalar tail */
	valid = base64_random_against_reference(100000, 60, 1024, &padded);
	assert_true(valid > 10000 && padded > 1000 && valid < 95000);
}

/* A tree parsed into an arena is the tree json_parse_strict builds; a tree
 * too big for its arena spills to malloc and is still freed whole (the
 * ASan and valgrind runs of this suite see any leak); a failed parse leaves
 * nothing behind; two live arenas free in either order. */
static void test_arena(void **state)
{
	const char *doc = "{\"Image\":\"bb\",\"HostConfig\":{\"Binds\":[\"/a:/b\"],\"Privileged\":true,"
			  "\"Memory\":67108864,\"CapDrop\":[\"ALL\"]},\"Env\":null,\"\\u00e9\":\"\\n\"}";
	struct json_arena *a, *b;
	cJSON *plain, *in_arena, *other;
	char err[128], *x, *y, *big;
	size_t i, n = 20000;

	(void)state;
	plain = json_parse_strict(doc, strlen(doc), err, sizeof(err));
	in_arena = json_parse_strict_arena(doc, strlen(doc), &a, err, sizeof(err));
	assert_non_null(plain);
	assert_non_null(in_arena);	/* A is NULL under ASan: a malloc per node */
	x = cJSON_PrintUnformatted(plain);
	y = cJSON_PrintUnformatted(in_arena);
	assert_string_equal(x, y);
	free(x);
	free(y);
	cJSON_Delete(plain);

	/* "[1,1,...]": 2 bytes of text per 64-byte node, far past the arena */
	big = malloc(2 * n + 2);
	assert_non_null(big);
	big[0] = '[';
	for (i = 0; i < n; i++) {
		big[1 + 2 * i] = '1';
		big[2 + 2 * i] = i + 1 < n ? ',' : ']';
	}
	big[2 * n + 1] = '\0';
	other = json_parse_strict_arena(big, strlen(big), &b, err, sizeof(err));
	assert_non_null(other);
	assert_int_equal(cJSON_GetArraySize(other), (int)n);
	json_arena_free(a, in_arena);	/* the older one first */
	json_arena_free(b, other);

	/* refused: no tree, the arena still to free */
	assert_null(json_parse_strict_arena("{\"a\":1,\"A\":2}", 13, &a, err, sizeof(err)));
	json_arena_free(a, NULL);
	big[n] = '\0';		/* cut: not JSON */
	assert_null(json_parse_strict_arena(big, strlen(big), &a, err, sizeof(err)));
	json_arena_free(a, NULL);
	free(big);
}

/* The one-pass reader: the tree json_parse_strict builds, printed the same,
 * for every request body of the real corpus and for the shapes it handles;
 * it gives up (NULL) on what it leaves to json_parse_strict. */
static void same_as_strict(const char *text, bool want_fast)
{
	char err[128], *x, *y;
	struct json_arena *a;
	cJSON *strict = json_parse_strict(text, strlen(text), err, sizeof(err));
	cJSON *fast = json_parse_onepass(text, strlen(text), &a);

	if (!want_fast) {
		if (fast)
			fail_msg("the one-pass reader took %s", text);
		json_arena_free(a, NULL);
		cJSON_Delete(strict);
		return;
	}
	if (!fast || !strict)
		fail_msg("%s: one-pass %p, strict %p (%s)", text, (void *)fast, (void *)strict, err);
	x = cJSON_PrintUnformatted(strict);
	y = cJSON_PrintUnformatted(fast);
	assert_string_equal(x, y);
	free(x);
	free(y);
	json_arena_free(a, fast);
	cJSON_Delete(strict);
}

/* BODY read under guides of a create's shape: kept as the strict tree has it. */
static void guided_corpus_body(const char *body)
{
	struct test_guide top, inner;
	struct json_arena *a;
	char err[128];
	cJSON *strict = json_parse_strict(body, strlen(body), err, sizeof(err));
	cJSON *tree;

	test_guide_init(&inner, "binds", "privileged", "capadd", -1, NULL);
	test_guide_init(&top, "image", "hostconfig", "labels", 1, &inner);
	tree = json_parse_onepass_guided(body, strlen(body), &a, &top.g);
	if (!tree || !strict || !guided_as_strict(tree, strict, &top) || top.bad || inner.bad)
		fail_msg("guided read of %s", body);
	json_arena_free(a, tree);
	cJSON_Delete(strict);
}

/* The request body of one corpus line, if any, read both ways. */
static void onepass_body(const char *line, size_t len, void *ctx)
{
	char err[128];
	cJSON *o = json_parse_strict(line, len, err, sizeof(err));
	const cJSON *b = json_get(json_get(o, "request"), "RequestBody");

	if (cJSON_IsString(b) && b->valuestring[0]) {
		size_t n = strlen(b->valuestring);
		unsigned char *body = malloc(base64_decoded_max(n) + 1);
		long k;

		assert_non_null(body);
		k = base64_decode(b->valuestring, n, body);
		assert_true(k > 0);
		body[k] = '\0';
		same_as_strict((char *)body, true);
		guided_corpus_body((char *)body);
		free(body);
		(*(size_t *)ctx)++;
	}
	cJSON_Delete(o);
}

static void test_onepass(void **state)
{
	size_t bodies = 0;
	char *deep;
	int i;

	(void)state;
	same_as_strict("{\"Cmd\":[\"sh\",\"-c\",\"a \\u0026\\u0026 b\"],\"\\u00e9\":\"\\u20ac\\n\\t\\\\\\/\"}", true);
	same_as_strict("[0,-0,1,-1,999999999999999,-999999999999999,true,false,null,{},[],\"\"]", true);
	same_as_strict(" {\"a\" : { \"b\" : [ 1 , 2 ] } } \n", true);
	same_as_strict("\"caf\xc3\xa9\"", true);
	same_as_strict("1.5", false);			/* strtod's to read */
	same_as_strict("1e3", false);
	same_as_strict("9999999999999999", false);	/* 16 digits */
	same_as_strict("\"\\ud83d\\ude00\"", false);	/* a surrogate pair */
	same_as_strict("{\"a\":1,\"A\":2}", false);	/* refused: by json_parse_strict */
	same_as_strict("{\"a\":1}x", false);
	same_as_strict("\"\\u0000\"", false);
	same_as_strict("\"\xc3\x28\"", false);
	same_as_strict("[01]", false);
	deep = malloc(2 * 1001 + 1);
	assert_non_null(deep);
	for (i = 0; i < 1001; i++) {
		deep[i] = '[';
		deep[1001 + i] = ']';
	}
	deep[2002] = '\0';
	same_as_strict(deep, false);			/* past cJSON's nesting limit */
	for (i = 0; i < 50; i++) {
		deep[i] = '[';
		deep[50 + i] = ']';
	}
	deep[100] = '\0';
	same_as_strict(deep, true);			/* 50 deep */
	free(deep);

	assert_true(corpus_each(onepass_body, &bodies) > 100);
	assert_true(bodies > 10);
}

/*
 * The guided reader (json_parse_onepass_guided): of the top object only
 * "a", "b" and "c" kept, and of "b" only "x" and "y", each in its slot;
 * the rest read, checked, and left out.
 */
struct guided_read {
	struct test_guide top, inner;
	struct json_arena *arena;
	cJSON *tree, *strict;
};

static void guided_read(struct guided_read *r, const char *text)
{
	char err[128];

	test_guide_init(&r->inner, "x", "y", NULL, -1, NULL);
	test_guide_init(&r->top, "a", "b", "c", 1, &r->inner);
	r->tree = json_parse_onepass_guided(text, strlen(text), &r->arena, &r->top.g);
	r->strict = json_parse_strict(text, strlen(text), err, sizeof(err));
	assert_false(r->top.bad || r->inner.bad);
}

static void guided_done(struct guided_read *r)
{
	json_arena_free(r->arena, r->tree);
	cJSON_Delete(r->strict);
}

/* TEXT is read under the guides, as the strict tree less what they leave out. */
static void guided_kept(const char *text)
{
	struct guided_read r;

	guided_read(&r, text);
	if (!r.tree || !r.strict || !guided_as_strict(r.tree, r.strict, &r.top))
		fail_msg("guided read of %s: %p, strict %p", text, (void *)r.tree, (void *)r.strict);
	guided_done(&r);
}

/* The guided reader gives TEXT up (NULL); json_parse_strict_guided then
 * gives json_parse_strict's verdict, STRICT_OK, with the whole tree. */
static void guided_gives_up(const char *text, bool strict_ok)
{
	struct guided_read r;
	struct json_arena *a;
	char err[128];
	bool guided = true;
	cJSON *whole;

	guided_read(&r, text);
	if (r.tree)
		fail_msg("the guided reader took %s", text);
	assert_int_equal(r.strict != NULL, strict_ok);
	test_guide_init(&r.inner, "x", "y", NULL, -1, NULL);
	test_guide_init(&r.top, "a", "b", "c", 1, &r.inner);
	whole = json_parse_strict_guided(text, strlen(text), &a, &r.top.g, &guided, err,
					 sizeof(err));
	assert_false(guided);
	assert_int_equal(whole != NULL, strict_ok);
	if (whole)
		assert_true(same_tree(whole, r.strict));
	else
		assert_true(err[0] != '\0');
	json_arena_free(a, whole);
	guided_done(&r);
}

static void test_guided(void **state)
{
	struct guided_read r;
	char *big;
	size_t n, i;

	(void)state;
	guided_read(&r, "{\"A\":1,\"z\":{\"q\":[1,\"s\"]},\"B\":{\"X\":\"s\",\"w\":5,\"y\":null},"
			"\"zz\":\"left\",\"c\":[true]}");
	assert_non_null(r.tree);
	assert_true(guided_as_strict(r.tree, r.strict, &r.top));
	assert_true(r.top.g.read && r.inner.g.read);
	assert_string_equal(r.top.slots[0]->string, "A");
	assert_int_equal(r.top.slots[0]->valueint, 1);
	assert_string_equal(r.inner.slots[0]->valuestring, "s");
	assert_true(cJSON_IsNull(r.inner.slots[1]));
	assert_true(cJSON_IsArray(r.top.slots[2]));
	assert_int_equal(cJSON_GetArraySize(r.tree), 3);	/* z, zz and w left out */
	assert_int_equal(cJSON_GetArraySize(r.top.slots[1]), 2);
	guided_done(&r);

	/* the inner guide only for an object; no slot for an absent key */
	guided_read(&r, "{\"b\":[{\"x\":1}]}");
	assert_non_null(r.tree);
	assert_false(r.inner.g.read);
	assert_true(cJSON_IsArray(r.top.slots[1]));
	assert_null(r.top.slots[0]);
	assert_true(guided_as_strict(r.tree, r.strict, &r.top));
	guided_done(&r);
	guided_kept("{}");
	guided_kept("{ \"a\" : 1 , \"q\" : { } , \"b\" : { \"y\" : [ ] } }\n");
	guided_kept("[{\"a\":1}]");				/* not an object: built whole */
	guided_kept("{\"averyveryverylongkeyname\":1,\"a\":2}");	/* past one block */

	/* every key counts for duplicates, kept or left out */
	guided_gives_up("{\"a\":1,\"A\":2}", false);
	guided_gives_up("{\"z\":1,\"Z\":2}", false);
	guided_gives_up("{\"b\":{\"w\":1,\"W\":2}}", false);
	guided_gives_up("{\"z\":{\"q\":1,\"Q\":2}}", false);	/* inside a left-out value */
	/* values left out are read all the same */
	guided_gives_up("{\"z\":\"\xc3\x28\"}", false);
	guided_gives_up("{\"z\":\"\\u0000\"}", false);
	guided_gives_up("{\"z\":[01]}", false);
	guided_gives_up("{\"z\":1,}", false);
	/* keys the guided reader leaves to the others, which read them whole */
	guided_gives_up("{\"\\u0061\":1}", true);
	guided_gives_up("{\"caf\xc3\xa9\":1}", true);
	guided_gives_up("{\"z\":1.5}", true);

	/* more keys than a guided object holds: read whole */
	n = 200 * 12 + 3;
	big = malloc(n);
	assert_non_null(big);
	strcpy(big, "{");
	for (i = 0; i < 200; i++)
		sprintf(big + strlen(big), "%s\"k%03zu\":%zu", i ? "," : "", i, i);
	strcat(big, "}");
	guided_gives_up(big, true);
	free(big);
}

/* A value read where it stands in a longer text (the envelope's header
 * objects): it ends where the value does, and anything the one-pass reader
 * gives up on comes back NULL with nothing to free. */
static void test_value_at(void **state)
{
	static const struct {
		const char *text;
		size_t used;		/* 0: given up */
	} cases[] = {
		{ "{\"Content-Type\":\"application/json\",\"User-Agent\":\"x\"},\"Next\":1}", 52 },
		{ "{}]", 2 },
		{ "null,", 4 },
		{ "[1,2] ", 5 },
		{ "{\"a\":\"\\ud83d\\ude00\"},", 0 },	/* a surrogate pair: cJSON's */
		{ "{\"a\":1.5}", 0 },
		{ "{\"a\":1,\"A\":2},", 0 },		/* refused later, by the strict parser */
		{ "{\"a\":", 0 },
		{ "{\"a\"", 0 },
	};
	struct json_arena *a;
	char err[128], *big;
	size_t i, used, n;
	cJSON *v, *alone;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		used = 0;
		v = json_parse_onepass_at(cases[i].text, strlen(cases[i].text), 64, &a, &used);
		if (cases[i].used == 0) {
			if (v || a)
				fail_msg("took %s", cases[i].text);
			continue;
		}
		if (!v || used != cases[i].used)
			fail_msg("%s: %p, %zu bytes", cases[i].text, (void *)v, used);
		alone = json_parse_strict(cases[i].text, used, err, sizeof(err));
		assert_non_null(alone);
		assert_true(same_tree(v, alone));
		cJSON_Delete(alone);
		json_arena_free(a, v);
	}
	/* more than the arena sized for the hint holds: given up, not spilled */
	n = 40000;
	big = malloc(n + 8);
	assert_non_null(big);
	strcpy(big, "{\"k\":\"");
	memset(big + 6, 'x', n - 8);
	strcpy(big + n - 2, "\"}");
	assert_null(json_parse_onepass_at(big, strlen(big), 64, &a, &used));
	assert_null(a);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nul_escape_refused),
		cmocka_unit_test(test_invalid_utf8_refused),
		cmocka_unit_test(test_trailing_content_refused),
		cmocka_unit_test(test_control_and_whitespace),
		cmocka_unit_test(test_number_grammar),
		cmocka_unit_test(test_duplicate_keys_refused),
		cmocka_unit_test(test_duplicate_keys_large_objects),
		cmocka_unit_test(test_prescan_offsets_in_long_runs),
		cmocka_unit_test(test_plain_runs_accepted),
		cmocka_unit_test(test_plain_run_reference),
		cmocka_unit_test(test_fold_lookup),
		cmocka_unit_test(test_key_hash),
		cmocka_unit_test(test_fold_key),
		cmocka_unit_test(test_int64),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_quote_against_reference),
		cmocka_unit_test(test_member_hash),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_base64_against_reference),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_onepass),
		cmocka_unit_test(test_guided),
		cmocka_unit_test(test_value_at),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
