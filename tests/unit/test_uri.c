/* SPDX-License-Identifier: Apache-2.0 */
/* test_uri.c - uri_parse reads a RequestUri as dockerd's Go and gorilla/mux do. */

/*
 * Strategy: two tables. URIs dockerd routes, with the path, API version and
 * query it routes with; URIs dockerd rejects (400), redirects (301) or that
 * we refuse to read differently from it, with the reason we must give.
 * Then the query semantics (first value, '+', order) and the API contract
 * (empty struct after an error, bounded input, uri_free twice).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uri.h"

#define MAXP	4

struct ok_case {
	const char *raw;
	const char *path;
	const char *version;		/* NULL: no prefix */
	size_t nparams;
	const char *params[MAXP][2];	/* expected key, value in order */
};

static const struct ok_case ok_cases[] = {
	{ "/containers/json", "/containers/json", NULL, 0, {{0}} },
	{ "/_ping", "/_ping", NULL, 0, {{0}} },
	{ "/v1.41/containers/create", "/containers/create", "1.41", 0, {{0}} },
	/* percent-encoded letters route (anchors.md §8) */
	{ "/v1.41/containers/%63reate", "/containers/create", "1.41", 0, {{0}} },
	{ "/v1.45/%63ontainers/cr%65ate", "/containers/create", "1.45", 0, {{0}} },
	/* the version pattern is [0-9.]+, not a number */
	{ "/v01.041/containers/create", "/containers/create", "01.041", 0, {{0}} },
	{ "/v1/info", "/info", "1", 0, {{0}} },
	{ "/v1.47.0/info", "/info", "1.47.0", 0, {{0}} },
	{ "/v./info", "/info", ".", 0, {{0}} },
	/* %2F is decoded before routing, so it can end the version */
	{ "/v1.45%2Fcontainers/create", "/containers/create", "1.45", 0, {{0}} },
	{ "/v1.45%2fcontainers/create", "/containers/create", "1.45", 0, {{0}} },
	/* exactly one prefix is stripped */
	{ "/v1.41/v1.40/info", "/v1.40/info", "1.41", 0, {{0}} },
	{ "/v1.41", "/v1.41", NULL, 0, {{0}} },
	{ "/v1.41/", "/", "1.41", 0, {{0}} },
	{ "/v/info", "/v/info", NULL, 0, {{0}} },
	{ "/version", "/version", NULL, 0, {{0}} },
	{ "/volumes/v1.41/x", "/volumes/v1.41/x", NULL, 0, {{0}} },
	/* absolute form: scheme and authority dropped */
	{ "http://evil/v1.41/containers/create", "/containers/create", "1.41", 0, {{0}} },
	{ "HTTP://evil:2375/_ping", "/_ping", NULL, 0, {{0}} },
	{ "unix://user:pw@host/_ping", "/_ping", NULL, 0, {{0}} },
	{ "http://evil/x?a=1", "/x", NULL, 1, {{"a", "1"}} },
	/* Go: "scheme:/path" has no authority and routes its path */
	{ "http:/containers/json", "/containers/json", NULL, 0, {{0}} },
	{ "a+b-c.d:/_ping", "/_ping", NULL, 0, {{0}} },
	/* %2F inside a name is a '/' of the routed path */
	{ "/containers/a%2Fb/json", "/containers/a/b/json", NULL, 0, {{0}} },
	/* trailing slashes are clean (and then usually match no route) */
	{ "/containers/create/", "/containers/create/", NULL, 0, {{0}} },
	{ "/networks/", "/networks/", NULL, 0, {{0}} },
	{ "/", "/", NULL, 0, {{0}} },
	/* '+' is literal in a path, a space in a query */
	{ "/images/a+b/json?q=a+b", "/images/a+b/json", NULL, 1, {{"q", "a b"}} },
	{ "/x?a=b+c%20d%2B", "/x", NULL, 1, {{"a", "b c d+"}} },
	/* '#' is not a fragment in a request target */
	{ "/containers/x#frag/json", "/containers/x#frag/json", NULL, 0, {{0}} },
	{ "/x?a=1#b", "/x", NULL, 1, {{"a", "1#b"}} },
	/* the query starts at the first '?' */
	{ "/containers/x/json?x=/start", "/containers/x/json", NULL, 1, {{"x", "/start"}} },
	{ "/x?a=?b", "/x", NULL, 1, {{"a", "?b"}} },
	{ "/x%3Fa=1", "/x?a=1", NULL, 0, {{0}} },
	{ "/containers/create?name=x", "/containers/create", NULL, 1, {{"name", "x"}} },
	{ "/x?name=a&name=b", "/x", NULL, 2, {{"name", "a"}, {"name", "b"}} },
	{ "/x?&&a=1&&b&", "/x", NULL, 2, {{"a", "1"}, {"b", ""}} },
	{ "/x?=v", "/x", NULL, 1, {{"", "v"}} },
	{ "/x?a=1=2", "/x", NULL, 1, {{"a", "1=2"}} },
	{ "/x?a=%3B", "/x", NULL, 1, {{"a", ";"}} },	/* only a raw ';' fails */
	{ "/x?%41%3d=%26b", "/x", NULL, 1, {{"A=", "&b"}} },
	{ "/x?", "/x", NULL, 0, {{0}} },
	{ "/x?&", "/x", NULL, 0, {{0}} },
	{ "/v1.41/containers/c1/archive?path=%2Fetc%2Fhostname", "/containers/c1/archive",
	    "1.41", 1, {{"path", "/etc/hostname"}} },
	/* non-ASCII names, raw or encoded, when valid UTF-8 */
	{ "/volumes/caf%C3%A9", "/volumes/caf\xc3\xa9", NULL, 0, {{0}} },
	{ "/volumes/caf\xc3\xa9", "/volumes/caf\xc3\xa9", NULL, 0, {{0}} },
	{ "/images/%F0%9F%90%B3/json", "/images/\xf0\x9f\x90\xb3/json", NULL, 0, {{0}} },
	/* dot segments only matter as whole segments */
	{ "/containers/.x/json", "/containers/.x/json", NULL, 0, {{0}} },
	{ "/containers/.../json", "/containers/.../json", NULL, 0, {{0}} },
	{ "/v../info", "/info", "..", 0, {{0}} },
};

struct bad_case {
	const char *raw;
	const char *reason;		/* must occur in the error text */
};

static const struct bad_case bad_cases[] = {
	{ "", "empty request URI" },
	{ "*", "request target \"*\" names no API route" },
	{ "containers/json", "is not an absolute path" },
	{ "?a=1", "is not an absolute path" },
	/* mux redirects (301) any path path.Clean changes */
	{ "//containers/create",
	    "path \"//containers/create\" is not clean (dockerd redirects it)" },
	{ "/containers/./create", "path \"/containers/./create\" is not clean" },
	{ "/containers/../create", "path \"/containers/../create\" is not clean" },
	{ "/%2e%2e/containers/create", "path \"/../containers/create\" is not clean" },
	{ "/%2E/containers/create", "is not clean" },
	{ "/containers/create/.", "is not clean" },
	{ "/containers/create/..", "is not clean" },
	{ "/containers/create//", "is not clean" },
	{ "/a//b", "is not clean" },
	{ "//", "is not clean" },
	{ "/.", "is not clean" },
	{ "/v1.41//containers/json", "is not clean" },
	{ "/v1.41/../info", "is not clean" },
	{ "/v1.41/./info", "is not clean" },
	{ "/%2F", "path \"//\" is not clean" },
	{ "/containers/a%2F..%2Fb/json", "is not clean" },
	{ "/containers/a%2F%2Fb/json", "is not clean" },
	{ "http://evil//containers/json", "is not clean" },
	/* Go's path unescaping (dockerd answers 400) */
	{ "/containers/%zz/json",
	    "invalid percent-encoding \"%zz\" in path (dockerd answers 400)" },
	{ "/containers/%4", "invalid percent-encoding \"%4\" in path" },
	{ "/containers/%4?x=1", "invalid percent-encoding \"%4\" in path" },
	{ "/containers/%", "invalid percent-encoding \"%\" in path" },
	{ "/containers/%g1/json", "invalid percent-encoding \"%g1\" in path" },
	{ "/x%\xff", "invalid percent-encoding \"%\\xff\" in path" },
	/* bytes a C matcher or Go's regexp could read differently */
	{ "/containers/a%00b/json", "NUL byte (%00) in path" },
	{ "/containers/a%0Ab/json", "control character (%0A) in path" },
	{ "/containers/a%0d/json", "control character (%0D) in path" },
	{ "/containers/a%7F/json", "control character (%7F) in path" },
	{ "/x%ff", "invalid UTF-8 in path" },
	{ "/x\xc3", "invalid UTF-8 in path" },
	{ "/x%C0%AF", "invalid UTF-8 in path" },		/* overlong '/' */
	{ "/x%E0%80%AF", "invalid UTF-8 in path" },		/* overlong '/' */
	{ "/x%ED%A0%80", "invalid UTF-8 in path" },		/* surrogate */
	{ "/x%F4%90%80%80", "invalid UTF-8 in path" },		/* > U+10FFFF */
	{ "/x%C3%28", "invalid UTF-8 in path" },
	/* Go refuses raw control bytes in a URL */
	{ "/x\x01", "control character in request URI" },
	{ "/x\x7f", "control character in request URI" },
	{ "/x?a=\t", "control character in request URI" },
	/* query: ';', bad escapes, NUL */
	{ "/x?a=1;b=2", "';' in query string" },
	{ "/x?a;", "';' in query string" },
	{ "/x?%3B=1&;", "';' in query string" },
	{ "/x?a=%zz", "invalid percent-encoding \"%zz\" in query (dockerd answers 400)" },
	{ "/x?%=1", "invalid percent-encoding \"%\" in query" },	/* key "%" */
	{ "/x?a=%4", "invalid percent-encoding \"%4\" in query" },
	{ "/x?a=%00", "NUL byte (%00) in query" },
	{ "/x?%00=1", "NUL byte (%00) in query" },
	/* absolute forms without a routable path */
	{ "http://evil", "request URI \"http://evil\" has no path (dockerd redirects it)" },
	{ "http://evil?/containers/json", "has no path" },
	{ "http:", "is not an absolute path" },
	{ "http:containers/json", "is not an absolute path" },
	{ "1http://evil/_ping", "is not an absolute path" },
	{ ":/_ping", "missing protocol scheme" },
	/* messages quote user bytes as ASCII */
	{ "//caf%C3%A9", "path \"//caf\\xc3\\xa9\" is not clean" },
	{ "//a\"b", "path \"//a\\\"b\" is not clean" },
};

static void
test_uri_routed_forms(void **state)
{
	char err[256];
	struct uri u;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];

		if (uri_parse(c->raw, &u, err, sizeof(err)) != 0)
			fail_msg("%s: unexpected error: %s", c->raw, err);
		if (strcmp(u.path, c->path) != 0)
			fail_msg("%s: path \"%s\", want \"%s\"", c->raw, u.path, c->path);
		if (c->version == NULL && u.version != NULL)
			fail_msg("%s: version \"%s\", want none", c->raw, u.version);
		if (c->version != NULL &&
		    (u.version == NULL || strcmp(u.version, c->version) != 0))
			fail_msg("%s: version \"%s\", want \"%s\"", c->raw,
			    u.version ? u.version : "(none)", c->version);
		if (u.nparams != c->nparams)
			fail_msg("%s: %zu params, want %zu", c->raw, u.nparams, c->nparams);
		for (j = 0; j < c->nparams; j++) {
			if (strcmp(u.params[j].key, c->params[j][0]) != 0 ||
			    strcmp(u.params[j].value, c->params[j][1]) != 0)
				fail_msg("%s: param %zu is \"%s\"=\"%s\", want \"%s\"=\"%s\"",
				    c->raw, j, u.params[j].key, u.params[j].value,
				    c->params[j][0], c->params[j][1]);
		}
		uri_free(&u);
	}
}

static void
test_uri_refused_forms(void **state)
{
	char err[256];
	struct uri u;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		err[0] = '\0';
		if (uri_parse(c->raw, &u, err, sizeof(err)) != -1) {
			fail_msg("%s: accepted as path \"%s\", want error \"%s\"",
			    c->raw, u.path, c->reason);
		}
		if (strstr(err, c->reason) == NULL)
			fail_msg("%s: error \"%s\", want \"%s\"", c->raw, err, c->reason);
		/* on error *u is empty */
		assert_null(u.path);
		assert_null(u.version);
		assert_null(u.params);
		assert_int_equal(u.nparams, 0);
	}
}

static void
test_uri_query_first_value_wins(void **state)
{
	char err[128];
	struct uri u;

	(void)state;
	assert_int_equal(uri_parse("/containers/create?name=a&Name=c&name=b",
	    &u, err, sizeof(err)), 0);
	assert_string_equal(uri_query_get(&u, "name"), "a");
	/* keys are case-sensitive */
	assert_string_equal(uri_query_get(&u, "Name"), "c");
	assert_null(uri_query_get(&u, "NAME"));
	assert_null(uri_query_get(&u, "nam"));
	assert_null(uri_query_get(&u, NULL));
	assert_null(uri_query_get(NULL, "name"));
	uri_free(&u);

	/* an empty first value still wins, as r.Form.Get returns it */
	assert_int_equal(uri_parse("/x?force=&force=1", &u, err, sizeof(err)), 0);
	assert_string_equal(uri_query_get(&u, "force"), "");
	uri_free(&u);

	/* keys are decoded before they are compared */
	assert_int_equal(uri_parse("/x?na%6De=a+b&name=c", &u, err, sizeof(err)), 0);
	assert_string_equal(uri_query_get(&u, "name"), "a b");
	uri_free(&u);
}

static void
test_uri_no_query(void **state)
{
	char err[128];
	struct uri u;

	(void)state;
	assert_int_equal(uri_parse("/info", &u, err, sizeof(err)), 0);
	assert_int_equal(u.nparams, 0);
	assert_null(uri_query_get(&u, "a"));
	uri_free(&u);
}

static void
test_uri_length_bound(void **state)
{
	char err[128];
	struct uri u;
	char *raw;

	(void)state;
	raw = malloc(65538);
	assert_non_null(raw);
	raw[0] = '/';
	memset(raw + 1, 'a', 65535);
	raw[65536] = '\0';
	assert_int_equal(uri_parse(raw, &u, err, sizeof(err)), 0);
	assert_int_equal(strlen(u.path), 65536);
	uri_free(&u);

	raw[65536] = 'a';
	raw[65537] = '\0';
	assert_int_equal(uri_parse(raw, &u, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 65536 bytes"));
	free(raw);
}

/* Many pairs: every one kept, in order. */
static void
test_uri_many_params(void **state)
{
	char err[128], key[16];
	struct uri u;
	char *raw, *p;
	size_t i;

	(void)state;
	raw = malloc(3 + 1000 * 12);
	assert_non_null(raw);
	p = raw + sprintf(raw, "/x?");
	for (i = 0; i < 1000; i++)
		p += sprintf(p, "k%zu=%zu&", i, i);
	assert_int_equal(uri_parse(raw, &u, err, sizeof(err)), 0);
	assert_int_equal(u.nparams, 1000);
	for (i = 0; i < 1000; i += 111) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_string_equal(u.params[i].key, key);
		assert_string_equal(uri_query_get(&u, key), key + 1);
	}
	uri_free(&u);
	free(raw);
}

/*
 * What fills uri_parse's one block the most: a version as long as the path
 * allows, and pairs that decode to more than they are ("k" alone is "k", ""
 * and two NULs). A block too small for them would refuse these as "out of
 * memory".
 */
static void
test_uri_block_bound(void **state)
{
	char raw[2048], err[128], *p;
	struct uri u;
	size_t i;

	(void)state;
	p = raw + sprintf(raw, "/v");
	for (i = 0; i < 200; i++)
		*p++ = (char)('0' + i % 10);
	p += sprintf(p, "/x?");
	for (i = 0; i < 300; i++)
		p += sprintf(p, i % 2 ? "%c&" : "%c=&", 'a' + (int)(i % 26));
	for (i = 0; i < 300; i++)
		p += sprintf(p, "%s%c", i ? "&" : "", 'a' + (int)(i % 26));
	if (uri_parse(raw, &u, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(strlen(u.version), 200);
	assert_string_equal(u.path, "/x");
	assert_int_equal(u.nparams, 600);
	assert_string_equal(u.params[299].key, "n");
	assert_string_equal(u.params[599].key, "n");
	assert_string_equal(u.params[599].value, "");
	uri_free(&u);
}

static void
test_uri_error_buffer(void **state)
{
	char err[8];
	struct uri u;

	(void)state;
	/* NULL or tiny buffers are fine: the message is cut, never overrun */
	assert_int_equal(uri_parse("//x", &u, NULL, 0), -1);
	memset(err, 'z', sizeof(err));
	assert_int_equal(uri_parse("//x", &u, err, sizeof(err)), -1);
	assert_int_equal(err[sizeof(err) - 1], '\0');
	assert_string_equal(err, "path \"/");
	assert_int_equal(uri_parse(NULL, &u, NULL, 0), -1);
	assert_null(u.path);
}

static void
test_uri_long_message_is_cut(void **state)
{
	char err[1024], raw[600];
	struct uri u;

	(void)state;
	/* a not-clean path of 590 bytes: quoted up to 128 bytes, then "..." */
	memset(raw, 'a', sizeof(raw));
	raw[0] = raw[1] = '/';
	raw[590] = '\0';
	assert_int_equal(uri_parse(raw, &u, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "aaa\"... is not clean"));
	assert_true(strlen(err) < 200);
}

static void
test_uri_free_twice(void **state)
{
	char err[128];
	struct uri u;

	(void)state;
	assert_int_equal(uri_parse("/v1.41/x?a=1", &u, err, sizeof(err)), 0);
	uri_free(&u);
	assert_null(u.path);
	assert_null(u.params);
	uri_free(&u);
	uri_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_routed_forms),
		cmocka_unit_test(test_uri_refused_forms),
		cmocka_unit_test(test_uri_query_first_value_wins),
		cmocka_unit_test(test_uri_no_query),
		cmocka_unit_test(test_uri_length_bound),
		cmocka_unit_test(test_uri_many_params),
		cmocka_unit_test(test_uri_block_bound),
		cmocka_unit_test(test_uri_error_buffer),
		cmocka_unit_test(test_uri_long_message_is_cut),
		cmocka_unit_test(test_uri_free_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
