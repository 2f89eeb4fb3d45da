/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cases.c - `portcullis test`: case files are read strictly (every
 * problem at FILE:LINE:COL, nothing runs), the short form becomes exactly
 * the envelope dockerd would post, each case is decided as the server
 * decides, and the case files shipped in contrib/policies pass against
 * their policies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "cases.h"
#include "json.h"

static const char policy_text[] =
	"version: 1\n"
	"unauthenticated: anon\n"
	"rules:\n"
	"  - name: admins\n"
	"    users: [admin]\n"
	"    actions: [\"*\"]\n"
	"  - name: bob-containers\n"
	"    users: [bob]\n"
	"    actions: [\"Container{List,Create}\"]\n"
	"  - name: ci-watch\n"
	"    users: [ci]\n"
	"    actions: [ImageCreate]\n"
	"    effect: deny\n"
	"    mode: dry-run\n";

static int setup(void **state)
{
	struct policy_diag diag = { 0 };

	*state = policy_load_buffer("p.yaml", policy_text, strlen(policy_text), &diag);
	policy_diag_free(&diag);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	policy_free(*state);
	return 0;
}

static struct case_file *load(const char *text, struct policy_diag *diag)
{
	return cases_load_buffer("t.yaml", text, strlen(text), diag);
}

/* Run TEXT against the policy; the output in *OUT (caller frees). */
static struct case_totals run(void **state, const char *text, char **out)
{
	struct policy_diag diag = { 0 };
	struct case_totals t = { 0, 0 };
	struct case_file *cf = load(text, &diag);
	size_t len;
	FILE *f;

	if (!cf) {
		size_t i;

		for (i = 0; i < diag.n; i++)
			fprintf(stderr, "%s\n", diag.lines[i]);
		fail_msg("case file refused");
	}
	policy_diag_free(&diag);
	f = open_memstream(out, &len);
	assert_non_null(f);
	cases_run(cf, *state, true, f, &t);
	fclose(f);
	cases_free(cf);
	return t;
}

static void test_cases_pass_and_fail(void **state)
{
	char *out = NULL;
	struct case_totals t = run(state,
		"cases:\n"
		"  - name: admin pulls\n"
		"    user: admin\n"
		"    method: POST\n"
		"    uri: /v1.41/images/create?fromImage=bb\n"
		"    expect: allow\n"
		"    rule: admins\n"
		"    action: ImageCreate\n"
		"  - name: bob may not pull\n"
		"    user: bob\n"
		"    method: POST\n"
		"    uri: /v1.41/images/create?fromImage=bb\n"
		"    expect: deny\n"
		"    reason: no rule allows ImageCreate for user \"bob\"\n"
		"    rule: null\n"
		"  - name: ci pull is only logged\n"
		"    user: ci\n"
		"    method: POST\n"
		"    uri: /images/create?fromImage=bb\n"
		"    expect: would-deny\n"
		"    rule: ci-watch\n"
		"  - name: wrong decision\n"
		"    method: GET\n"
		"    uri: /v1.41/containers/json\n"
		"    expect: allow\n"
		"  - name: wrong reason, rule and action\n"
		"    user: bob\n"
		"    method: GET\n"
		"    uri: /containers/json\n"
		"    expect: allow\n"
		"    reason: nope\n"
		"    rule: admins\n"
		"    action: ImageList\n",
		&out);

	assert_int_equal(t.passed, 3);
	assert_int_equal(t.failed, 2);
	assert_non_null(strstr(out, "ok - t.yaml:2: admin pulls\n"));
	assert_non_null(strstr(out, "not ok - t.yaml:22: wrong decision: expected allow, got deny: "
			       "no rule allows ContainerList for user \"anon\" (default: deny)\n"));
	assert_non_null(strstr(out, "not ok - t.yaml:26: wrong reason, rule and action: "
			       "expected a reason containing \"nope\", got none; "
			       "expected rule \"admins\", got \"bob-containers\"; "
			       "expected action ImageList, got ContainerList\n"));
	free(out);
}

static void test_cases_envelope_form(void **state)
{
	char *out = NULL;
	struct case_totals t = run(state,
		"cases:\n"
		"  - name: mapping\n"
		"    envelope: {User: bob, RequestMethod: GET, RequestUri: /v1.41/containers/json}\n"
		"    expect: allow\n"
		"  - name: JSON text, as copied from an audit record\n"
		"    envelope: '{\"User\":\"bob\",\"RequestMethod\":\"DELETE\",\"RequestUri\":\"/containers/x\"}'\n"
		"    expect: deny\n"
		"    action: ContainerDelete\n"
		"  - name: an envelope dockerd never sends is an error\n"
		"    envelope: '{\"RequestMethod\":\"GET\",\"RequestURI\":\"/_ping\"}'\n"
		"    expect: error\n"
		"    reason: not spelt as dockerd spells it\n"
		"  - name: invalid JSON is an error\n"
		"    envelope: '{\"RequestMethod\":'\n"
		"    expect: error\n"
		"  - name: response phase\n"
		"    user: bob\n"
		"    phase: response\n"
		"    method: GET\n"
		"    uri: /containers/json\n"
		"    expect: allow\n",
		&out);

	assert_int_equal(t.failed, 0);
	assert_int_equal(t.passed, 5);
	free(out);
}

/* The short form is the envelope dockerd would post, body in base64. */
static void test_cases_short_form_envelope(void **state)
{
	static const char text[] =
		"cases:\n"
		"  - name: body as YAML\n"
		"    user: bob\n"
		"    method: POST\n"
		"    uri: /containers/create\n"
		"    body: {Image: bb, Memory: 9223372036854775807, Tty: true, X: null,\n"
		"           Cmd: [sh, '-c', \"1\"], F: -1.5e3, Y: yes, V: 20.10.24}\n"
		"    expect: allow\n"
		"  - name: body as text, sent as is\n"
		"    method: POST\n"
		"    uri: /containers/create\n"
		"    headers: {Content-Type: application/json; charset=utf-8}\n"
		"    body: '{\"Image\": \"bb\",\"image\":1}'\n"
		"    expect: deny\n";
	struct policy_diag diag = { 0 };
	struct case_file *cf = load(text, &diag);
	unsigned char body[512];
	const cJSON *b, *h;
	cJSON *e;
	long n;

	(void)state;
	assert_non_null(cf);
	assert_int_equal(cases_count(cf), 2);

	e = cJSON_Parse(cases_envelope(cf, 0));
	assert_string_equal(json_get(e, "User")->valuestring, "bob");
	assert_string_equal(json_get(e, "UserAuthNMethod")->valuestring, "TLS");
	assert_string_equal(json_get(e, "RequestMethod")->valuestring, "POST");
	b = json_get(e, "RequestBody");
	n = base64_decode(b->valuestring, strlen(b->valuestring), body);
	assert_true(n > 0);
	body[n] = '\0';
	/* Numbers are copied as written: no double in between. */
	assert_string_equal((char *)body,
			    "{\"Image\":\"bb\",\"Memory\":9223372036854775807,\"Tty\":true,\"X\":null,"
			    "\"Cmd\":[\"sh\",\"-c\",\"1\"],\"F\":-1.5e3,\"Y\":\"yes\",\"V\":\"20.10.24\"}");
	h = json_get(e, "RequestHeaders");
	assert_string_equal(json_get(h, "Content-Type")->valuestring, "application/json");
	cJSON_Delete(e);

	e = cJSON_Parse(cases_envelope(cf, 1));
	assert_null(json_get(e, "User"));
	b = json_get(e, "RequestBody");
	n = base64_decode(b->valuestring, strlen(b->valuestring), body);
	body[n] = '\0';
	assert_string_equal((char *)body, "{\"Image\": \"bb\",\"image\":1}");
	h = json_get(e, "RequestHeaders");
	assert_string_equal(json_get(h, "Content-Type")->valuestring,
			    "application/json; charset=utf-8");
	assert_int_equal(cJSON_GetArraySize(h), 1);
	cJSON_Delete(e);
	cases_free(cf);
	policy_diag_free(&diag);
}

/* Each broken file is refused whole, with the position of the problem. */
static void test_cases_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} bad[] = {
		{ "cases: [\n", "t.yaml:2:1: YAML: did not find expected node content" },
		{ "", "t.yaml:1:1: a case file is a mapping with the key \"cases\"" },
		{ "cases: []\n", "t.yaml:1:8: cases must be a sequence of at least one case" },
		{ "tests: []\n", "t.yaml:1:1: unknown or repeated top-level key \"tests\"" },
		{ "cases:\n  - {name: a, method: GET, uri: /_ping, expect: allw}\n",
		  "t.yaml:2:49: expect must be allow, deny, would-deny or error, not \"allw\"" },
		{ "cases:\n  - {name: a, method: GET, uri: /_ping, expect: deny, expct: x}\n",
		  "t.yaml:2:55: unknown key \"expct\" in a case (valid: " },
		{ "cases:\n  - {name: a, method: GET, expect: deny}\n",
		  "t.yaml:2:5: a case needs method and uri (or an envelope)" },
		{ "cases:\n  - {method: GET, uri: /, expect: deny}\n", "t.yaml:2:5: a case needs a name" },
		{ "cases:\n  - {name: a, user: true, method: GET, uri: /, expect: deny}\n",
		  "t.yaml:2:21: user must be a string, not a boolean (quote it to make it a string)" },
		{ "cases:\n  - {name: a, user: ~, method: GET, uri: /, expect: deny}\n",
		  "t.yaml:2:21: user must be a string, not null" },
		{ "cases:\n  - {name: a, method: POST, uri: /, expect: deny, body: {M: 0x10}}\n",
		  "t.yaml:2:61: 0x10 is a number in YAML but not in JSON" },
		{ "cases:\n  - {name: a, method: POST, uri: /, expect: deny, body: {M: +1}}\n",
		  "t.yaml:2:61: +1 is a number in YAML but not in JSON" },
		{ "cases:\n  - {name: a, method: POST, uri: /, expect: deny, body: {M: .5}}\n",
		  "t.yaml:2:61: .5 is a number in YAML but not in JSON" },
		{ "cases:\n  - {name: a, method: POST, uri: /, expect: deny, body: {M: 1, M: 2}}\n",
		  "t.yaml:2:64: key \"M\" is repeated" },
		{ "cases:\n  - {name: a, method: POST, uri: /, expect: deny, body: {M: *x}}\n",
		  "t.yaml:2:61: aliases (*x) are not allowed" },
		{ "cases:\n  - &a {name: a, method: POST, uri: /, expect: deny}\n",
		  "t.yaml:2:5: anchors (&a) are not allowed" },
		{ "cases:\n  - {name: a, method: !!binary eA==, uri: /, expect: deny}\n",
		  "t.yaml:2:23: tag tag:yaml.org,2002:binary is not allowed here (only !!str)" },
		{ "cases:\n  - {name: a, user: u, envelope: {}, expect: deny}\n",
		  "t.yaml:2:21: user cannot be combined with envelope" },
		{ "cases:\n  - {name: a, method: GET, uri: /, expect: deny, action: Nope}\n",
		  "t.yaml:2:58: unknown action \"Nope\"" },
		{ "cases:\n  - {name: a, method: GET, uri: /, expect: deny, phase: later}\n",
		  "t.yaml:2:57: phase must be request or response, not \"later\"" },
		{ "cases:\n  - {name: a, method: GET, uri: /, expect: deny}\n"
		  "  - {name: a, method: GET, uri: /, expect: deny}\n",
		  "t.yaml:3:5: case name \"a\" is already used at line 2" },
		{ "cases:\n  - {name: a, method: GET, uri: /, expect: deny, headers: [x]}\n",
		  "t.yaml:2:59: headers must be a mapping of names to strings" },
		{ "cases:\n  - {name: a, method: GET, uri: /, expect: deny}\n---\ncases: []\n",
		  "t.yaml:3:1: a case file holds one YAML document" },
		{ "cases:\n  - {name: a, method: GET, uri: /, expect: deny, body: true}\n",
		  "t.yaml:2:56: body must be a mapping, a sequence or a string of JSON text" },
		{ "cases:\n  - [a]\n", "t.yaml:2:5: a case must be a mapping, not a sequence" },
	};
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct policy_diag diag = { 0 };
		struct case_file *cf = load(bad[i].text, &diag);

		if (cf || diag.n == 0 ||
		    strncmp(diag.lines[0], bad[i].want, strlen(bad[i].want)) != 0) {
			print_error("case %zu: want \"%s\", got \"%s\"\n", i, bad[i].want,
				    diag.n ? diag.lines[0] : "(nothing)");
			failed++;
		}
		cases_free(cf);
		policy_diag_free(&diag);
	}
	assert_int_equal(failed, 0);
}

/* Every problem of a file is reported, in file order. */
static void test_cases_errors_sorted(void **state)
{
	struct policy_diag diag = { 0 };
	struct case_file *cf = load(
		"foo: 1\n"
		"cases:\n"
		"  - {name: a, method: GET, uri: /, expect: maybe}\n"
		"  - {name: b, method: GET, expect: deny}\n", &diag);

	(void)state;
	assert_null(cf);
	assert_int_equal(diag.n, 3);
	assert_non_null(strstr(diag.lines[0], "t.yaml:1:1:"));
	assert_non_null(strstr(diag.lines[1], "t.yaml:3:44:"));
	assert_non_null(strstr(diag.lines[2], "t.yaml:4:5:"));
	policy_diag_free(&diag);
}

static void test_cases_file_io(void **state)
{
	struct policy_diag diag = { 0 };
	char path[] = "/tmp/portcullis-cases-XXXXXX";
	struct case_file *cf;
	FILE *f;
	int fd;

	(void)state;
	assert_null(cases_load("/nonexistent/x.yaml", &diag));
	assert_int_equal(diag.n, 1);
	assert_string_equal(diag.lines[0], "/nonexistent/x.yaml: cannot open: No such file or directory");
	policy_diag_free(&diag);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("cases:\n  - {name: a, method: GET, uri: /_ping, expect: deny}\n", f);
	fclose(f);
	cf = cases_load(path, &diag);
	assert_non_null(cf);
	assert_int_equal(diag.n, 0);
	assert_int_equal(cases_count(cf), 1);
	cases_free(cf);
	unlink(path);
}

/* contrib/policies/X.cases.yaml passes against contrib/policies/X.yaml. */
static void test_cases_contrib(void **state)
{
	glob_t g;
	size_t i, files = 0;

	(void)state;
	if (glob("contrib/policies/*.cases.yaml", 0, NULL, &g) != 0)
		skip();
	for (i = 0; i < g.gl_pathc; i++) {
		struct policy_diag diag = { 0 };
		struct case_totals t = { 0, 0 };
		char policy[4096], *out = NULL;
		struct case_file *cf;
		struct policy *p;
		size_t len, j;
		FILE *f;

		snprintf(policy, sizeof(policy), "%.*s.yaml",
			 (int)(strlen(g.gl_pathv[i]) - strlen(".cases.yaml")), g.gl_pathv[i]);
		p = policy_load(policy, &diag);
		cf = cases_load(g.gl_pathv[i], &diag);
		for (j = 0; j < diag.n; j++)
			fprintf(stderr, "%s\n", diag.lines[j]);
		if (!p || !cf)
			fail_msg("%s or %s does not load", policy, g.gl_pathv[i]);
		f = open_memstream(&out, &len);
		cases_run(cf, p, false, f, &t);
		fclose(f);
		if (t.failed)
			fail_msg("%s:\n%s", g.gl_pathv[i], out);
		assert_true(t.passed > 0);
		free(out);
		cases_free(cf);
		policy_free(p);
		policy_diag_free(&diag);
		files++;
	}
	globfree(&g);
	assert_true(files > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases_pass_and_fail),
		cmocka_unit_test(test_cases_envelope_form),
		cmocka_unit_test(test_cases_short_form_envelope),
		cmocka_unit_test(test_cases_errors),
		cmocka_unit_test(test_cases_errors_sorted),
		cmocka_unit_test(test_cases_file_io),
		cmocka_unit_test(test_cases_contrib),
	};

	return cmocka_run_group_tests_name("cases", tests, setup, teardown);
}
