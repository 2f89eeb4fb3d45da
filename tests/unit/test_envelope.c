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
	assert_null(env.root);
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
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\",\"RequestPeerCertificates\":[\"!\"]}",
		       NULL);
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\",\"ResponseStatusCode\":200.5}",
		       "integer");
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\"} {}", NULL);
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\",\"User\":\"a\\u0000b\"}", NULL);
	assert_refused("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\",\"User\":\"alice\",\"User\":\"root\"}",
		       NULL);
}

/* Every request in the real corpus decodes; bodies are where they should be. */
static void test_corpus_decodes(void **state)
{
	const char *files[] = { "unix-socket.jsonl", "tls-alice.jsonl" };
	size_t f, lines = 0, bodies = 0, users = 0;

	(void)state;
	for (f = 0; f < 2; f++) {
		char path[4096], *line = NULL;
		size_t cap = 0;
		ssize_t n;
		FILE *fp;

		corpus_path(path, sizeof(path), files[f]);
		fp = fopen(path, "r");
		if (!fp)
			fail_msg("cannot open corpus file %s", path);
		while ((n = getline(&line, &cap, fp)) > 0) {
			char err[256];
			cJSON *root = json_parse_strict(line, (size_t)n, err, sizeof(err));
			cJSON *req;
			struct envelope env;

			if (!root)
				fail_msg("corpus line %zu: %s", lines + 1, err);
			req = cJSON_DetachItemFromObject(root, "request");
			cJSON_Delete(root);
			if (envelope_from_json(req, &env, err, sizeof(err)) != 0)
				fail_msg("corpus line %zu: %s", lines + 1, err);
			lines++;
			bodies += env.has_body;
			users += env.user != NULL;
			if (env.user)
				assert_string_equal(env.user, "alice");
			envelope_free(&env);
		}
		free(line);
		fclose(fp);
	}
	assert_true(lines > 100);
	assert_true(bodies > 10);
	assert_true(users > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol_example),
		cmocka_unit_test(test_anonymous_and_response),
		cmocka_unit_test(test_malformed_refused),
		cmocka_unit_test(test_corpus_decodes),
	};

	return cmocka_run_group_tests_name("envelope", tests, NULL, NULL);
}
