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

#include "base64.h"
#include "json.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nul_escape_refused),
		cmocka_unit_test(test_invalid_utf8_refused),
		cmocka_unit_test(test_trailing_content_refused),
		cmocka_unit_test(test_control_and_whitespace),
		cmocka_unit_test(test_number_grammar),
		cmocka_unit_test(test_duplicate_keys_refused),
		cmocka_unit_test(test_fold_lookup),
		cmocka_unit_test(test_fold_key),
		cmocka_unit_test(test_int64),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_base64),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
