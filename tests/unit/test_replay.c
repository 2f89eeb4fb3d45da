/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_replay.c - `portcullis replay`: traffic recorded by the audit trail
 * (with and without envelopes) is decided again under a candidate policy,
 * every changed decision is reported with who and which rules, what cannot
 * be replayed is counted, and a log that is not an audit log stops the
 * replay at FILE:LINE instead of reporting "no change".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "base64.h"
#include "decide.h"
#include "json.h"
#include "replay.h"

/* In dry-run, bob may do containers; the default would deny the rest. */
static const char old_text[] =
	"version: 1\n"
	"unauthenticated: anon\n"
	"mode: dry-run\n"
	"rules:\n"
	"  - name: bob-containers\n"
	"    users: [bob]\n"
	"    actions: [\"Container*\"]\n"
	"  - name: anon-ping\n"
	"    users: [anon]\n"
	"    actions: [\"SystemPing*\"]\n";

/* Tightened and enforced: bob loses ContainerDelete; anonymous callers are
 * now "root" and may ping. */
static const char new_text[] =
	"version: 1\n"
	"unauthenticated: root\n"
	"rules:\n"
	"  - name: bob-runs\n"
	"    users: [bob]\n"
	"    actions: [\"Container{List,Create,Start}\"]\n"
	"  - name: root-ping\n"
	"    users: [root]\n"
	"    actions: [\"SystemPing*\"]\n";

static struct policy *load(const char *text)
{
	struct policy_diag diag = { 0 };
	struct policy *p = policy_load_buffer("p.yaml", text, strlen(text), &diag);

	policy_diag_free(&diag);
	assert_non_null(p);
	return p;
}

/* Decide ENVELOPE (JSON) with P and audit it into A, as the server does. */
static void serve_one(struct audit *a, const struct policy *p, const char *json, enum phase ph)
{
	struct envelope env;
	struct decision d;
	char err[256];

	if (envelope_decode(json, strlen(json), &env, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	decide(p, &env, ph, &d);
	audit_record(a, &d, &env, 7);
	envelope_free(&env);
}

/* A log of real-looking traffic under the old policy. ENVELOPES as --audit-envelopes. */
static char *record_log(bool envelopes)
{
	static const char create[] = "{\"Image\":\"bb\",\"Env\":[\"K=v\"]}";
	char path[] = "/tmp/portcullis-replay-XXXXXX", err[256], *body, *json;
	struct policy *old = load(old_text);
	struct decision d;
	struct audit *a;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	a = audit_open(path, err, sizeof(err));
	assert_non_null(a);
	audit_set_envelopes(a, envelopes);
	body = base64_encode((const unsigned char *)create, strlen(create));
	assert_true(asprintf(&json, "{\"User\":\"bob\",\"UserAuthNMethod\":\"TLS\","
			     "\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.41/containers/create\","
			     "\"RequestBody\":\"%s\",\"RequestHeaders\":{\"Content-Type\":"
			     "\"application/json\"}}", body) > 0);
	serve_one(a, old, json, PHASE_REQUEST);		/* allow -> allow */
	serve_one(a, old, json, PHASE_RESPONSE);	/* skipped */
	serve_one(a, old, "{\"User\":\"bob\",\"UserAuthNMethod\":\"TLS\",\"RequestMethod\":"
		  "\"DELETE\",\"RequestUri\":\"/v1.41/containers/web?force=1\"}",
		  PHASE_REQUEST);			/* allow -> deny */
	serve_one(a, old, "{\"User\":\"bob\",\"UserAuthNMethod\":\"TLS\",\"RequestMethod\":"
		  "\"POST\",\"RequestUri\":\"/v1.41/images/create?fromImage=bb\"}",
		  PHASE_REQUEST);			/* would-deny -> deny */
	serve_one(a, old, "{\"RequestMethod\":\"HEAD\",\"RequestUri\":\"/_ping\"}",
		  PHASE_REQUEST);			/* anon -> root: allow */
	serve_one(a, old, "{\"RequestMethod\":\"GET\",\"RequestUri\":\"/v1.41/info\"}",
		  PHASE_REQUEST);			/* would-deny -> deny */
	serve_one(a, old, "{\"User\":\"bob\",\"RequestMethod\":\"GET\",\"RequestUri\":"
		  "\"//containers/json\"}", PHASE_REQUEST);	/* deny -> deny */
	decide_error(&d, PHASE_REQUEST, "envelope: empty request body");
	audit_record(a, &d, NULL, 1);			/* skipped */
	audit_reload(a, "p.yaml", true, NULL);		/* an event */
	audit_close(a);
	policy_free(old);
	free(body);
	free(json);
	return strdup(path);
}

/* Replay the file at PATH under NEW; output in *OUT. */
static int replay_path(const char *path, bool json, char **out, struct replay_totals *t,
		       struct policy_diag *diag)
{
	struct policy *p = load(new_text);
	struct replay *r;
	size_t len;
	FILE *f = open_memstream(out, &len);
	int rc;

	r = replay_new(p, json, f);
	assert_non_null(r);
	rc = replay_file(r, path, diag);
	if (rc == 0)
		replay_report(r);
	replay_totals(r, t);
	replay_free(r);
	fclose(f);
	policy_free(p);
	return rc;
}

static void has(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("missing \"%s\" in:\n%s", want, text);
}

static void test_replay_with_envelopes(void **state)
{
	struct policy_diag diag = { 0 };
	struct replay_totals t;
	char *path = record_log(true), *out = NULL;

	(void)state;
	assert_int_equal(replay_path(path, false, &out, &t, &diag), 0);
	assert_int_equal(t.replayed, 6);
	assert_int_equal(t.changed, 3);
	assert_int_equal(t.without_envelope, 0);
	assert_int_equal(t.skipped_response, 1);
	assert_int_equal(t.skipped_error, 1);
	assert_int_equal(t.events, 1);
	has(out, ":3: bob DELETE /v1.41/containers/web?force=1 (ContainerDelete): allow "
		 "(rule \"bob-containers\") -> deny (no rule): no rule allows ContainerDelete for "
		 "user \"bob\" (default: deny)\n");
	has(out, ":4: bob POST /v1.41/images/create?fromImage=bb (ImageCreate): would-deny "
		 "(no rule) -> deny (no rule): ");
	has(out, ":6: anon GET /v1.41/info (SystemInfo): would-deny (no rule) -> deny (no rule): "
		 "no rule allows SystemInfo for user \"root\" (default: deny)\n");
	has(out, "changes by rule (recorded -> candidate):\n"
		 "  (no rule) -> (no rule): 2 (would-deny -> deny: 2)\n"
		 "  \"bob-containers\" -> (no rule): 1 (allow -> deny: 1)\n");
	has(out, "changes by user:\n"
		 "  \"bob\": 2 (allow -> deny: 1, would-deny -> deny: 1)\n"
		 "  \"anon\": 1 (would-deny -> deny: 1)\n");
	has(out, "6 replayed, 3 changed, 3 unchanged, 2 skipped (1 response phase, "
		 "1 not replayable)\n");
	assert_null(strstr(out, "note:"));
	free(out);
	unlink(path);
	free(path);
}

/* Without envelopes, user/method/URI are enough for action rules. */
static void test_replay_without_envelopes(void **state)
{
	struct policy_diag diag = { 0 };
	struct replay_totals t;
	char *path = record_log(false), *out = NULL;

	(void)state;
	assert_int_equal(replay_path(path, false, &out, &t, &diag), 0);
	assert_int_equal(t.replayed, 6);
	assert_int_equal(t.changed, 3);
	assert_int_equal(t.without_envelope, 6);
	has(out, "note: 6 request(s) had no recorded envelope");
	free(out);
	unlink(path);
	free(path);
}

static void test_replay_json(void **state)
{
	struct policy_diag diag = { 0 };
	struct replay_totals t;
	char *path = record_log(true), *out = NULL, *line, *next, err[256];
	int changes = 0;
	cJSON *o;

	(void)state;
	assert_int_equal(replay_path(path, true, &out, &t, &diag), 0);
	for (line = out; *line; line = next) {
		next = strchr(line, '\n');
		assert_non_null(next);
		*next++ = '\0';
		o = json_parse_strict(line, strlen(line), err, sizeof(err));
		assert_non_null(o);
		if (json_get(o, "old")) {
			changes++;
			assert_string_equal(json_get(json_get(o, "new"), "decision")->valuestring,
					    "deny");
			assert_true(cJSON_IsNumber(json_get(o, "line")));
		} else {
			assert_int_equal(json_get(o, "changed")->valueint, 3);
			assert_int_equal(cJSON_GetArraySize(json_get(o, "by_rule")), 2);
			assert_int_equal(cJSON_GetArraySize(json_get(o, "by_user")), 2);
		}
		cJSON_Delete(o);
	}
	assert_int_equal(changes, 3);
	free(out);
	unlink(path);
	free(path);
}

/* A log that is not an audit log stops the replay where it stops being one. */
static void test_replay_errors(void **state)
{
	static const struct {
		const char *log;
		const char *want;
	} bad[] = {
		{ "{\"decision\":\"allow\",\"phase\":\"response\"}\nnot json\n",
		  "log:2: not a JSON audit record: invalid JSON at byte 0" },
		{ "[1]\n", "log:1: not a JSON audit record: not an object" },
		{ "{\"user\":\"bob\"}\n", "log:1: not an audit record: no valid \"decision\"" },
		{ "{\"decision\":\"maybe\",\"phase\":\"request\"}\n",
		  "log:1: not an audit record: no valid \"decision\"" },
		{ "\n{\"decision\":\"allow\",\"phase\":\"request\",\"envelope\":{\"RequestMethod\":1}}\n",
		  "log:2: the recorded request cannot be decoded: envelope: RequestMethod is not a string" },
		{ "{\"decision\":\"allow\",\"phase\":\"request\",\"user\":\"a\",\"method\":\"GET\","
		  "\"uri\":\"/x\",\"Decision\":\"deny\"}\n",
		  "log:1: not a JSON audit record: object has keys that differ only in case" },
	};
	struct policy *p = load(new_text);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct policy_diag diag = { 0 };
		char *out = NULL;
		size_t len;
		FILE *o = open_memstream(&out, &len);
		FILE *in = fmemopen((void *)bad[i].log, strlen(bad[i].log), "r");
		struct replay *r = replay_new(p, false, o);

		if (replay_stream(r, "log", in, &diag) == 0)
			fail_msg("case %zu was replayed", i);
		if (diag.n != 1 || strncmp(diag.lines[0], bad[i].want, strlen(bad[i].want)) != 0)
			fail_msg("case %zu: got \"%s\"", i, diag.n ? diag.lines[0] : "(nothing)");
		replay_free(r);
		fclose(in);
		fclose(o);
		free(out);
		policy_diag_free(&diag);
	}
	policy_free(p);
}

/* Lines are bounded; a record without method/URI is not replayable. */
static void test_replay_limits(void **state)
{
	struct policy *p = load(new_text);
	struct policy_diag diag = { 0 };
	struct replay_totals t;
	size_t n = (4u << 20) + 10, len;
	char *big = malloc(n + 1), *out = NULL;
	struct replay *r;
	FILE *o, *in;

	(void)state;
	memset(big, 'x', n);
	big[n] = '\0';
	o = open_memstream(&out, &len);
	r = replay_new(p, false, o);
	in = fmemopen(big, n, "r");
	assert_int_not_equal(replay_stream(r, "log", in, &diag), 0);
	assert_non_null(strstr(diag.lines[0], "log:1: line longer than 4194304 bytes"));
	fclose(in);
	policy_diag_free(&diag);

	snprintf(big, n, "{\"decision\":\"deny\",\"phase\":\"request\",\"method\":null,"
		 "\"uri\":null}\n{\"decision\":\"deny\",\"phase\":\"request\",\"method\":\"GET\","
		 "\"uri\":\"(too long to record)\"}\n");
	in = fmemopen(big, strlen(big), "r");
	assert_int_equal(replay_stream(r, "log", in, &diag), 0);
	replay_totals(r, &t);
	assert_int_equal(t.skipped_error, 2);
	assert_int_equal(t.replayed, 0);
	fclose(in);
	replay_free(r);
	fclose(o);
	free(out);
	free(big);
	policy_free(p);

	assert_int_not_equal(replay_file(NULL, "/nonexistent/audit.log", &diag), 0);
	assert_string_equal(diag.lines[0], "/nonexistent/audit.log: cannot open: No such file or "
			    "directory");
	policy_diag_free(&diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_with_envelopes),
		cmocka_unit_test(test_replay_without_envelopes),
		cmocka_unit_test(test_replay_json),
		cmocka_unit_test(test_replay_errors),
		cmocka_unit_test(test_replay_limits),
	};

	return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
