/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_envelope.c - decoding what dockerd posts: the real corpus decodes,
 * and every malformed or ambiguous envelope is refused (never allowed).
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
#include "envelope.h"
#include "json.h"
#include "testutil.h"

static int decode(const char *s, struct envelope *env, char *err, size_t errlen)
{
	return envelope_decode(s, strlen(s), env, err, errlen);
}

static void assert_refused(const char *s, const char *why)
{
	struct envelope env;
	char err[256] = "";

	if (decode(s, &env, err, sizeof(err)) == 0) {
		envelope_free(&env);
		fail_msg("accepted %s", s);
	}
	if (why && !strstr(err, why))
		fail_msg("for %s: \"%s\" does not mention \"%s\"", s, err, why);
	/* nothing to free after a failure */
	assert_null(env.text);
	assert_null(env.headers);
	assert_null(env.body);
}

static void test_protocol_example(void **state)
{
	/* protocol.md 2.2, byte for byte */
	const char *s =
		"{\"User\":\"alice\",\"UserAuthNMethod\":\"TLS\",\"RequestMethod\":\"POST\","
		"\"RequestUri\":\"/v1.47/containers/create?name=web\\u0026platform=linux%2Famd64\","
		"\"RequestBody\":\"eyJJbWFnZSI6ImJ1c3lib3giLCJIb3N0Q29uZmlnIjp7IlByaXZpbGVnZWQiOnRydWUsIkJpbmRzIjpbIi86L2hvc3QiXX19Cg==\","
		"\"RequestHeaders\":{\"Content-Length\":\"74\",\"Content-Type\":\"application/json\",\"User-Agent\":\"Docker-Client/27.0.3 (linux)\"},"
		"\"RequestPeerCertificates\":[\"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIuLi4KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=\"]}\n";
	struct envelope env;
	char err[256];

	(void)state;
	assert_int_equal(decode(s, &env, err, sizeof(err)), 0);
	assert_string_equal(env.user, "alice");
	assert_string_equal(env.authn, "TLS");
	assert_string_equal(env.method, "POST");
	assert_string_equal(env.uri, "/v1.47/containers/create?name=web&platform=linux%2Famd64");
	assert_true(env.has_body);
	assert_int_equal(env.body_len, 73);	/* the doc's Content-Length says 74; the bytes are 73 */
	assert_memory_equal(env.body, "{\"Image\":\"busybox\",\"HostConfig\":{\"Privileged\":true", 50);
	assert_string_equal(envelope_header(&env, "Content-Type"), "application/json");
	assert_null(envelope_header(&env, "content-type"));
	assert_int_equal(env.npeer_certs, 1);
	envelope_free(&env);
}

static void test_anonymous_and_response(void **state)
{
	struct envelope env;
	char err[256];

	(void)state;
	assert_int_equal(decode("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/_ping\","
				"\"RequestHeaders\":{\"User-Agent\":\"x\"}}", &env, err, sizeof(err)), 0);
	assert_null(env.user);
	assert_false(env.has_body);
	envelope_free(&env);

	assert_int_equal(decode("{\"User\":\"\",\"RequestMethod\":\"GET\",\"RequestUri\":\"/info\","
				"\"ResponseStatusCode\":200,\"ResponseBody\":\"e30K\","
				"\"ResponseHeaders\":{\"Api-Version\":\"1.41\"},\"Future\":[1]}",
				&env, err, sizeof(err)), 0);
	assert_null(env.user);	/* empty User is anonymous */
	assert_int_equal(env.response_status, 200);
	assert_true(env.has_response_body);
	envelope_free(&env);
}

/* The status code, read in place when it is plain digits and by json.c
 * otherwise, is the same number either way; what JSON refuses is refused. */
static void test_status_code(void **state)
{
	static const struct {
		const char *text;
		bool ok;
		long long want;
	} cases[] = {
		{ "201", true, 201 }, { "0", true, 0 }, { " 404 ", true, 404 },
		{ "999999999999999", true, 999999999999999LL },
		{ "1234567890123456", true, 1234567890123456LL }, { "2.01e2", true, 201 },
		{ "-5", true, -5 }, { "null", true, 0 }, { "0201", false, 0 }, { "20 1", false, 0 },
		{ "201x", false, 0 }, { "2e", false, 0 }, { "200.5", false, 0 }, { "+1", false, 0 },
	};
	char text[256], err[256];
	struct envelope env;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\","
			 "\"ResponseStatusCode\":%s}", cases[i].text);
		rc = decode(text, &env, err, sizeof(err));
		if (!cases[i].ok) {
			if (rc == 0)
				fail_msg("accepted status %s", cases[i].text);
			continue;
		}
		if (rc != 0)
			fail_msg("status %s: %s", cases[i].text, err);
		assert_int_equal(env.response_status, cases[i].want);
		envelope_free(&env);
	}
}

static void test_malformed_refused(void **state)
{
	(void)state;
	/* the empty body of dockerd's retry after a transport error */
	assert_refused("", "empty");
	assert_refused("null", "object");
	assert_refused("[]", "object");
	assert_refused("{\"RequestMethod\":\"GET\"}", "RequestUri is missing");
	assert_refused("{\"RequestUri\":\"/_ping\"}", "RequestMethod is missing");
	/* the docs' spelling is not what dockerd sends; a Go reader would take it */
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestURI\":\"/_ping\"}", "spelt");
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/_ping\",\"requesturi\":\"/x\"}", NULL);
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":5}", "string");
	assert_refused("{\"RequestMethod\":\"POST\",\"RequestUri\":\"/x\",\"RequestBody\":\"e30\"}",
		       "base64");
	assert_refused("{\"RequestMethod\":\"POST\",\"RequestUri\":\"/x\",\"RequestBody\":true}", NULL);
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\",\"RequestHeaders\":{\"A\":1}}",
		       "non-string");
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\",\"RequestHeaders\":[]}", NULL);
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\",\"RequestPeerCertificates\":[\"!\",1]}",
		       "base64");
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\",\"ResponseStatusCode\":200.5}",
		       "integer");
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\"} {}", NULL);
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\",\"User\":\"a\\u0000b\"}", NULL);
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\",\"User\":\"alice\",\"User\":\"root\"}",
		       NULL);
}

#define GET_X "\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\""

/* Strings the scanner cannot read in place (escapes, UTF-8) read as Go reads
 * them; where the scanner gives way to the strict parser, nothing changes. */
static void test_escapes_and_utf8(void **state)
{
	struct envelope env;
	char err[256], *big;
	int i;

	(void)state;
	assert_int_equal(decode("{\"User\":\"\\u00e5lice\",\"RequestMethod\":\"G\\u0045T\","
				"\"RequestUri\":\"\\/v1.41\\/info\",\"UserAuthNMethod\":\"TLS\"}",
				&env, err, sizeof(err)), 0);
	assert_string_equal(env.user, "\xc3\xa5lice");
	assert_string_equal(env.method, "GET");
	assert_string_equal(env.uri, "/v1.41/info");
	assert_string_equal(env.authn, "TLS");
	envelope_free(&env);

	/* base64 with an escaped '/' and '=': the same body as without */
	assert_int_equal(decode("{" GET_X ",\"RequestBody\":\"P\\/8\\u003d\"}", &env, err,
				sizeof(err)), 0);
	assert_int_equal(env.body_len, 2);
	assert_memory_equal(env.body, "\x3f\xff", 2);
	envelope_free(&env);

	/* whitespace anywhere JSON allows it, pretty-printed as jq would */
	assert_int_equal(decode(" \n{\n\t\"RequestMethod\" : \"GET\" ,\r\n \"RequestUri\":\"/x\",\n"
				"  \"RequestPeerCertificates\" : [ \"Y2VydA==\" , null ],\n"
				"  \"ResponseStatusCode\" : 404 , \"RequestHeaders\" : { }\n} \n",
				&env, err, sizeof(err)), 0);
	assert_int_equal(env.npeer_certs, 2);
	assert_int_equal(env.response_status, 404);
	assert_non_null(env.headers);
	envelope_free(&env);

	/* header objects the one-pass reader gives up on (a surrogate pair, a
	 * header bigger than its arena) are read on their own, with the same
	 * result, and the fields after them still read; so is one it takes */
	big = malloc(20000);
	assert_non_null(big);
	memset(big, 'x', 19999);
	big[19999] = '\0';
	for (i = 0; i < 3; i++) {
		char text[20200];

		snprintf(text, sizeof(text), "{" GET_X ",\"RequestHeaders\":{\"X-A\":\"%s\","
			 "\"User-Agent\":\"cli\"},\"User\":\"bob\"}",
			 i == 0 ? "\\ud83d\\ude00" : i == 1 ? "v\\u00e9" : big);
		assert_int_equal(decode(text, &env, err, sizeof(err)), 0);
		assert_string_equal(envelope_header(&env, "User-Agent"), "cli");
		assert_string_equal(env.user, "bob");
		assert_int_equal(strlen(envelope_header(&env, "X-A")),
				 i == 0 ? 4 : i == 1 ? 3 : 19999);	/* U+1F600; "v\xc3\xa9" */
		envelope_free(&env);
	}
	free(big);

	/* null reads as absent, for every known key */
	assert_int_equal(decode("{" GET_X ",\"User\":null,\"RequestBody\":null,\"RequestHeaders\":null,"
				"\"RequestPeerCertificates\":null,\"ResponseStatusCode\":null,"
				"\"ResponseBody\":null,\"ResponseHeaders\":null}", &env, err, sizeof(err)), 0);
	assert_null(env.user);
	assert_false(env.has_body);
	assert_null(env.headers);
	envelope_free(&env);
}

static void test_scanner_refuses(void **state)
{
	(void)state;
	/* bytes JSON does not allow, inside and outside strings */
	assert_refused("{" GET_X ",\"User\":\"a\tb\"}", "control character");
	assert_refused("{" GET_X ",\"User\":\"\xc3\x28\"}", "UTF-8");
	assert_refused("{" GET_X ",\"User\":\"\xed\xa0\x80\"}", "UTF-8");	/* a surrogate */
	assert_refused("{" GET_X ",\"User\":\"a\\x\"}", NULL);
	assert_refused("{" GET_X ",\"RequestUri\":\"/y\"}", "repeated");
	assert_refused("{" GET_X "\f}", NULL);
	assert_refused("{" GET_X ",}", NULL);
	assert_refused("{," GET_X "}", NULL);
	assert_refused("{" GET_X " \"User\":\"a\"}", NULL);
	assert_refused("{" GET_X ",\"User\" \"a\"}", "':'");
	assert_refused("{" GET_X ",5:1}", "key");
	assert_refused("{" GET_X ",\"RequestBody\":\"e30K", NULL);
	assert_refused("{" GET_X ",\"RequestBody\":\"e30K\\\"}", NULL);
	assert_refused("{" GET_X ",\"RequestBody\":\"e3\\u00300K\"}", "base64");
	assert_refused("{" GET_X ",\"RequestPeerCertificates\":[\"Y2VydA==\",]}", NULL);
	assert_refused("{" GET_X ",\"RequestPeerCertificates\":[\"Y2VydA==\" \"Y2VydA==\"]}", NULL);
	assert_refused("{" GET_X ",\"RequestPeerCertificates\":\"Y2VydA==\"}", "array");
	assert_refused("{" GET_X ",\"RequestPeerCertificates\":[1]}", "base64");
	assert_refused("{" GET_X ",\"ResponseBody\":\"e30\"}", "base64");
	assert_refused("{" GET_X ",\"ResponseStatusCode\":\"200\"}", "integer");
	assert_refused("{" GET_X ",\"ResponseStatusCode\":02}", NULL);
	assert_refused("{" GET_X ",\"ResponseStatusCode\":1e400}", NULL);
	assert_refused("{" GET_X ",\"RequestHeaders\":{\"A\":\"1\",\"a\":\"2\"}}", "case");
	assert_refused("{" GET_X ",\"User\":nul}", NULL);
	assert_refused("{" GET_X ",\"User\":nulll}", NULL);
	assert_refused("{" GET_X ",\"User\":true}", "string");
	/* keys dockerd never sends: ignored as Go ignores them, but ambiguity
	 * anywhere in them is still refused */
	assert_refused("{" GET_X ",\"Future\":{\"a\":1,\"A\":2}}", "case");
	assert_refused("{" GET_X ",\"Future\":1,\"future\":2}", "case");
	assert_refused("{" GET_X ",\"Future\":[01]}", "number");
	assert_refused("{" GET_X ",\"Future\":\"\\u0000\"}", "u0000");
	assert_refused("{" GET_X ",\"Fut\\u0000ure\":1}", "u0000");
	assert_refused("{" GET_X ",\"Future\":{\"a\":[1,2}}", NULL);
	/* a key that folds to a known one, written with an escape */
	assert_refused("{" GET_X ",\"\\u0055ser\":\"a\",\"User\":\"b\"}", "repeated");
	assert_refused("{" GET_X ",\"U\\u017fer\":\"a\"}", "spelt");
}

/* The response phase steps over both bodies: nothing of them is decoded or
 * kept, but the envelope around them is read exactly as before, and an
 * escaped quote inside a skipped string does not end it. */
static void test_response_skips_bodies(void **state)
{
	const char *s = "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/containers/create\","
			"\"RequestBody\":\"e30K\",\"ResponseStatusCode\":201,"
			"\"ResponseBody\":\"eyJJZCI6ImFiYyJ9Cg==\",\"ResponseHeaders\":{\"A\":\"b\"}}";
	struct envelope env;
	char err[256];

	(void)state;
	assert_int_equal(envelope_decode_flags(s, strlen(s), ENVELOPE_SKIP_BODIES, &env, err,
					       sizeof(err)), 0);
	assert_false(env.has_body);
	assert_true(env.body_skipped);
	assert_null(env.body);
	assert_true(env.has_response_body);
	assert_int_equal(env.response_status, 201);
	assert_non_null(env.response_headers);
	envelope_free(&env);

	s = "{" GET_X ",\"ResponseBody\":\"a\\\"b\",\"User\":\"u\"}";
	assert_int_equal(envelope_decode_flags(s, strlen(s), ENVELOPE_SKIP_BODIES, &env, err,
					       sizeof(err)), 0);
	assert_string_equal(env.user, "u");
	envelope_free(&env);
	/* the same envelope, bodies read: "a\"b" is not base64 */
	assert_refused(s, "base64");

	/* skipped, not unchecked: the JSON around and inside them still counts */
	s = "{" GET_X ",\"ResponseBody\":5}";
	assert_int_not_equal(envelope_decode_flags(s, strlen(s), ENVELOPE_SKIP_BODIES, &env, err,
						   sizeof(err)), 0);
	s = "{" GET_X ",\"RequestBody\":\"a\\u0000\"}";
	assert_int_not_equal(envelope_decode_flags(s, strlen(s), ENVELOPE_SKIP_BODIES, &env, err,
						   sizeof(err)), 0);
	s = "{" GET_X ",\"ResponseBody\":\"e30K\xc3" "(e30K\"}";	/* invalid UTF-8 */
	assert_int_not_equal(envelope_decode_flags(s, strlen(s), ENVELOPE_SKIP_BODIES, &env, err,
						   sizeof(err)), 0);
	s = "{" GET_X ",\"RequestBody\":\"e30Ke30Ke30K\x01\"}";	/* a control byte */
	assert_int_not_equal(envelope_decode_flags(s, strlen(s), ENVELOPE_SKIP_BODIES, &env, err,
						   sizeof(err)), 0);
	s = "{" GET_X ",\"RequestBody\":\"e30K}";
	assert_int_not_equal(envelope_decode_flags(s, strlen(s), ENVELOPE_SKIP_BODIES, &env, err,
						   sizeof(err)), 0);
}

/* Every prefix of a real envelope is refused: the scanner never takes a cut
 * envelope for a whole one (dockerd's body arrives in pieces). */
static void test_every_prefix_refused(void **state)
{
	const char *s = "{\"User\":\"alice\",\"UserAuthNMethod\":\"TLS\",\"RequestMethod\":\"POST\","
			"\"RequestUri\":\"/v1.41/containers/create?name=w\",\"RequestBody\":\"eyJJbWFnZSI6ImJiIn0K\","
			"\"RequestHeaders\":{\"Content-Type\":\"application/json\"},"
			"\"RequestPeerCertificates\":[\"Y2VydA==\"],\"ResponseStatusCode\":201}";
	size_t n, len = strlen(s);
	struct envelope env;
	char err[256];

	(void)state;
	for (n = 0; n < len; n++) {
		char *cut = malloc(n + 1);

		assert_non_null(cut);
		memcpy(cut, s, n);
		if (envelope_decode(cut, n, &env, err, sizeof(err)) == 0)
			fail_msg("a prefix of %zu bytes was accepted", n);
		free(cut);
	}
	assert_int_equal(envelope_decode(s, len, &env, err, sizeof(err)), 0);
	envelope_free(&env);
}

/* Every request in the real corpus decodes; bodies are where they should be. */
struct corpus_counts {
	size_t bodies, users;
};

static void decode_line(const char *line, size_t len, void *ctx)
{
	struct corpus_counts *c = ctx;
	char err[256];
	cJSON *root = json_parse_strict(line, len, err, sizeof(err));
	cJSON *req;
	struct envelope env;

	if (!root)
		fail_msg("corpus line: %s", err);
	req = cJSON_DetachItemFromObject(root, "request");
	cJSON_Delete(root);
	if (envelope_from_json(req, &env, err, sizeof(err)) != 0)
		fail_msg("corpus line: %s", err);
	c->bodies += env.has_body;
	c->users += env.user != NULL;
	if (env.user)
		assert_string_equal(env.user, "alice");
	envelope_free(&env);
}

static void test_corpus_decodes(void **state)
{
	struct corpus_counts c = { 0, 0 };

	(void)state;
	assert_true(corpus_each(decode_line, &c) > 100);
	assert_true(c.bodies > 10);
	assert_true(c.users > 50);
}

/* An envelope from USER whose RequestBody is the N bytes FILL, FILL+1, ...
 * (any bytes: the envelope does not read its body); BAD: invalid base64. */
static char *envelope_with(const char *user, size_t n, unsigned fill, bool bad)
{
	unsigned char *raw = malloc(n + 1);
	char *b64, *s;
	size_t i, len;

	assert_non_null(raw);
	for (i = 0; i < n; i++)
		raw[i] = (unsigned char)(fill + i);
	b64 = base64_encode(raw, n);
	assert_non_null(b64);
	if (bad && n)
		b64[0] = '*';
	len = strlen(b64) + strlen(user) + 200;
	s = malloc(len);
	assert_non_null(s);
	snprintf(s, len, "{\"User\":\"%s\",\"UserAuthNMethod\":\"TLS\",\"RequestMethod\":\"POST\","
		 "\"RequestUri\":\"/v1.41/containers/create\",\"RequestBody\":\"%s\"}", user, b64);
	free(b64);
	free(raw);
	return s;
}

static void assert_body(const struct envelope *env, const char *user, size_t n, unsigned fill)
{
	size_t i;

	assert_string_equal(env->user, user);
	assert_string_equal(env->uri, "/v1.41/containers/create");
	assert_int_equal(env->body_len, n);
	for (i = 0; i < n; i++)
		assert_int_equal(env->body[i], (unsigned char)(fill + i));
	assert_int_equal(env->body[n], 0);
}

/*
 * The body and the strings come from blocks a thread keeps from one call
 * for the next (envelope.c): bodies growing and shrinking across the kept
 * size, a refused body in between, and two envelopes alive at once, each
 * read back whole after the other was decoded. A block handed out too
 * small, or to two envelopes, fails here or under valgrind.
 */
static void test_kept_blocks_reused_safely(void **state)
{
	static const size_t sizes[] = { 100, 2000, 1, 16383, 16384, 40000, 3, 2500, 0, 7000 };
	static const char *const users[] = { "a", "alice-with-a-much-longer-name", "bo" };
	struct envelope env, other;
	char err[256], *s, *t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const char *user = users[i % 3];

		s = envelope_with(user, sizes[i], (unsigned)i * 37, false);
		assert_int_equal(decode(s, &env, err, sizeof(err)), 0);
		assert_body(&env, user, sizes[i], (unsigned)i * 37);
		free(s);
		if (i % 3 == 1) {	/* a refused body gives its block back */
			s = envelope_with("x", sizes[i] + 30, 0, true);
			assert_int_not_equal(decode(s, &other, err, sizeof(err)), 0);
			free(s);
		}
		if (i % 2 == 0) {	/* another envelope while this one lives */
			t = envelope_with(users[(i + 1) % 3], sizes[(i + 1) % 10], 200, false);
			assert_int_equal(decode(t, &other, err, sizeof(err)), 0);
			assert_body(&env, user, sizes[i], (unsigned)i * 37);
			assert_body(&other, users[(i + 1) % 3], sizes[(i + 1) % 10], 200);
			free(t);
			envelope_free(&other);
		}
		assert_body(&env, user, sizes[i], (unsigned)i * 37);
		envelope_free(&env);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol_example),
		cmocka_unit_test(test_anonymous_and_response),
		cmocka_unit_test(test_status_code),
		cmocka_unit_test(test_malformed_refused),
		cmocka_unit_test(test_escapes_and_utf8),
		cmocka_unit_test(test_scanner_refuses),
		cmocka_unit_test(test_response_skips_bodies),
		cmocka_unit_test(test_every_prefix_refused),
		cmocka_unit_test(test_corpus_decodes),
		cmocka_unit_test(test_kept_blocks_reused_safely),
	};

	return cmocka_run_group_tests_name("envelope", tests, NULL, NULL);
}
