/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_decide.c - whole decisions: envelope -> route -> rule -> decision,
 * the 403 message, dry-run, and the URI bypass forms end to end. Also runs
 * every request of the real corpus through decide().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "decide.h"
#include "explain.h"
#include "json.h"
#include "testutil.h"

static const char policy_text[] =
	"version: 1\n"
	"unauthenticated: root\n"
	"groups:\n"
	"  admins: [root, admin]\n"
	"rules:\n"
	"  - name: admins\n"
	"    users: [\"@admins\"]\n"
	"    actions: [\"*\"]\n"
	"  - name: alice-containers\n"
	"    users: [alice]\n"
	"    actions: [\"Container*\", \"System{Ping,PingHead,Version}\"]\n"
	"  - name: anyone-plugins\n"
	"    users: [\"*\"]\n"
	"    actions: [PluginEnable, PluginList]\n"
	"  - name: no-plugins\n"
	"    users: [\"*\"]\n"
	"    actions: [\"Plugin*\"]\n"
	"    effect: deny\n"
	"  - name: staged\n"
	"    users: [erin]\n"
	"    actions: [ContainerCreate]\n"
	"    profile: baseline\n"
	"    audit_profile: restricted\n"
	"  - name: ci-audit\n"
	"    users: [ci]\n"
	"    actions: [ContainerCreate]\n"
	"    effect: deny\n"
	"    mode: dry-run\n";

static int setup(void **state)
{
	struct policy_diag diag = { 0 };
	struct policy *p = policy_load_buffer("test.yaml", policy_text, strlen(policy_text), &diag);
	size_t i;

	for (i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.lines[i]);
	policy_diag_free(&diag);
	*state = p;
	return p ? 0 : -1;
}

static int teardown(void **state)
{
	policy_free(*state);
	return 0;
}

/* Decide a request described by its parts; USER NULL means anonymous. */
static void run(void **state, const char *user, const char *method, const char *uri,
		const char *content_type, enum phase phase, struct decision *d)
{
	char err[256], *s = make_envelope(user, method, uri, content_type, NULL, NULL, NULL);
	struct envelope env;

	if (envelope_decode(s, strlen(s), &env, err, sizeof(err)) != 0)
		fail_msg("envelope: %s", err);
	decide(*state, &env, phase, d);
	envelope_free(&env);
	free(s);
}

static void message(const struct decision *d, char *buf, size_t len)
{
	decision_message(d, buf, len);
}

/* The message as "rule \"R\": " and the reasons joined by "; ", cut at every
 * buffer size as snprintf would cut it (what decision_message did with a
 * printf per piece, before it was plain copies). */
static void test_message_cut(void **state)
{
	struct decision d;
	const char *full = "rule \"tenants\": HostConfig.Privileged=true is not allowed; "
			   "a second reason; 3";
	char buf[128];
	size_t len, want;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.rule = "tenants";
	decision_add_reason(&d, "HostConfig.Privileged=true is not allowed");
	decision_add_reason(&d, "a second reason");
	decision_add_reason(&d, "%d", 3);
	for (len = 1; len <= sizeof(buf); len++) {
		memset(buf, 'x', sizeof(buf));
		want = strlen(full) < len ? strlen(full) : len - 1;
		assert_int_equal(decision_message(&d, buf, len), want);
		assert_int_equal(strlen(buf), want);
		assert_memory_equal(buf, full, want);
	}
	d.rule = NULL;
	for (len = 1; len <= sizeof(buf); len++) {
		want = strlen(full) - 16 < len ? strlen(full) - 16 : len - 1;
		assert_int_equal(decision_message(&d, buf, len), want);
		assert_int_equal(strlen(buf), want);
		assert_memory_equal(buf, full + 16, want);
	}
	assert_string_equal(buf, "HostConfig.Privileged=true is not allowed; a second reason; 3");
}

static void test_rule_allows(void **state)
{
	struct decision d;

	run(state, "alice", "POST", "/v1.41/containers/create?name=web", "application/json",
	    PHASE_REQUEST, &d);
	assert_true(d.allow);
	assert_int_equal(d.outcome, OUTCOME_ALLOW);
	assert_int_equal(d.action, ACTION_ContainerCreate);
	assert_string_equal(d.rule, "alice-containers");
	assert_string_equal(d.user, "alice");
	assert_string_equal(d.object, "container:web");
	assert_int_equal(d.nreasons, 0);
}

static void test_default_deny_message(void **state)
{
	struct decision d;
	char msg[512];

	run(state, "bob", "POST", "/v1.41/containers/create", "application/json", PHASE_REQUEST, &d);
	assert_false(d.allow);
	assert_int_equal(d.outcome, OUTCOME_DENY);
	assert_null(d.rule);
	message(&d, msg, sizeof(msg));
	assert_string_equal(msg, "no rule allows ContainerCreate for user \"bob\" (default: deny)");
}

static void test_deny_rule_message(void **state)
{
	struct decision d;
	char msg[512];

	/* first match wins: admins comes before no-plugins */
	run(state, "admin", "POST", "/v1.41/plugins/portcullis/disable", NULL, PHASE_REQUEST, &d);
	assert_true(d.allow);
	assert_string_equal(d.rule, "admins");

	run(state, "alice", "POST", "/v1.41/plugins/portcullis/disable", NULL, PHASE_REQUEST, &d);
	assert_false(d.allow);
	assert_int_equal(d.action, ACTION_PluginDisable);
	assert_string_equal(d.object, "plugin:portcullis");
	message(&d, msg, sizeof(msg));
	assert_string_equal(msg, "rule \"no-plugins\": PluginDisable is denied to user \"alice\"");
}

/* Plugin changes can take Portcullis out of dockerd's chain: never through "*". */
static void test_plugin_changes_need_a_named_user(void **state)
{
	struct decision d;
	char msg[512];

	run(state, "frank", "POST", "/v1.41/plugins/portcullis/enable?timeout=0", NULL,
	    PHASE_REQUEST, &d);
	assert_false(d.allow);
	assert_string_equal(d.rule, "anyone-plugins");
	decision_message(&d, msg, sizeof(msg));
	assert_non_null(strstr(msg, "allowed only to users a rule names"));
	run(state, "frank", "GET", "/v1.41/plugins", NULL, PHASE_REQUEST, &d);
	assert_true(d.allow);	/* reading is not changing */
	run(state, "admin", "POST", "/v1.41/plugins/portcullis/disable", NULL, PHASE_REQUEST, &d);
	assert_true(d.allow);	/* admins are named, through @admins */
}

static void test_unauthenticated_name(void **state)
{
	struct decision d;

	/* unix socket callers carry no User: the policy maps them to root */
	run(state, NULL, "GET", "/v1.41/info", NULL, PHASE_REQUEST, &d);
	assert_true(d.allow);
	assert_string_equal(d.user, "root");
	assert_string_equal(d.rule, "admins");
}

static void test_dry_run_would_deny(void **state)
{
	struct decision d;

	run(state, "ci", "POST", "/containers/create", "application/json", PHASE_REQUEST, &d);
	assert_true(d.allow);
	assert_int_equal(d.outcome, OUTCOME_WOULD_DENY);
	assert_int_equal(d.mode, MODE_DRY_RUN);
	assert_string_equal(d.rule, "ci-audit");
	assert_int_equal(d.nreasons, 1);
	/* structural denials are not softened by dry-run */
	run(state, "ci", "POST", "//containers/create", "application/json", PHASE_REQUEST, &d);
	assert_false(d.allow);
	assert_int_equal(d.outcome, OUTCOME_DENY);
}

/* Each form routes to ContainerCreate, so bob is denied by the default. */
static void test_uri_bypass_forms_denied(void **state)
{
	static const char *forms[] = {
		"/v1.41/containers/%63reate",
		"/v1.41/%63ontainers/cr%65ate",
		"/v01.041/containers/create",
		"/v1.41.0/containers/create",
		"http://evil/v1.41/containers/create",
		"/v1.45%2Fcontainers/create",
		"/containers/create?x=/auth",
	};
	struct decision d;
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		run(state, "bob", "POST", forms[i], "application/json", PHASE_REQUEST, &d);
		if (d.allow || d.action != ACTION_ContainerCreate)
			fail_msg("%s: allow=%d action=%s", forms[i], d.allow, action_name(d.action));
		/* and alice, who may create, is allowed through every form */
		run(state, "alice", "POST", forms[i], "application/json", PHASE_REQUEST, &d);
		if (!d.allow)
			fail_msg("%s: alice denied", forms[i]);
	}
}

static void test_unroutable_denied_even_for_admin(void **state)
{
	static const char *uris[] = {
		"//containers/create",
		"/containers/./create",
		"/v1.41/containers/../containers/create",
		"/v1.41/%2e%2e/containers/create",
		"/containers/create%00",
		"/containers/%zz",
		"/containers/json?all=1;x=2",
		"*",
		"containers/create",
	};
	struct decision d;
	char msg[512];
	size_t i;

	for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		run(state, "admin", "POST", uris[i], "application/json", PHASE_REQUEST, &d);
		if (d.allow || d.action != ACTION_NONE)
			fail_msg("%s: allow=%d", uris[i], d.allow);
		message(&d, msg, sizeof(msg));
		assert_non_null(strstr(msg, "not what dockerd routes"));
	}
	/* no such endpoint */
	run(state, "admin", "POST", "/v1.41/containers/create/", NULL, PHASE_REQUEST, &d);
	assert_false(d.allow);
	message(&d, msg, sizeof(msg));
	assert_string_equal(msg, "POST /containers/create/ is not a Docker Engine API endpoint");
	run(state, "admin", "GET", "/v1.41/nosuch", NULL, PHASE_REQUEST, &d);
	assert_false(d.allow);
}

/*
 * A thread keeps the last call it routed (dockerd asks twice about each):
 * the same URI again is routed as before, and anything else in the key, the
 * method or one byte of the URI, is routed afresh, whatever came just before.
 */
static void test_routing_kept_per_call(void **state)
{
	static const struct {
		const char *method, *uri;
		enum action action;	/* ACTION_NONE: not an endpoint */
		const char *object;
	} calls[] = {
		{ "POST", "/v1.41/containers/create?name=a", ACTION_ContainerCreate, "container:a" },
		{ "POST", "/v1.41/containers/create?name=a", ACTION_ContainerCreate, "container:a" },
		{ "GET", "/v1.41/containers/create?name=a", ACTION_NONE, "" },
		{ "PUT", "/v1.41/containers/create?name=a", ACTION_NONE, "" },
		{ "POST", "/v1.41/containers/create?name=b", ACTION_ContainerCreate, "container:b" },
		{ "POST", "/v1.41/containers/create?name=a", ACTION_ContainerCreate, "container:a" },
		{ "GET", "/v1.41/containers/a/json", ACTION_ContainerInspect, "container:a" },
		{ "GET", "/v1.41/containers/b/json", ACTION_ContainerInspect, "container:b" },
		{ "GET", "/v1.41/containers/b/json", ACTION_ContainerInspect, "container:b" },
		{ "GET", "/v1.41/containers/%2e%2e/json", ACTION_NONE, "" },
		{ "GET", "/v1.41/containers/b/json", ACTION_ContainerInspect, "container:b" },
		{ "HEAD", "/_ping", ACTION_SystemPingHead, "" },
		{ "GET", "/_ping", ACTION_SystemPing, "" },
	};
	struct decision d;
	size_t i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		run(state, "alice", calls[i].method, calls[i].uri, NULL, PHASE_REQUEST, &d);
		if (d.action != calls[i].action || strcmp(d.object, calls[i].object) != 0 ||
		    d.allow != (calls[i].action != ACTION_NONE))
			fail_msg("call %zu, %s %s: action %s, object \"%s\", allow=%d", i,
				 calls[i].method, calls[i].uri, action_name(d.action), d.object,
				 d.allow);
		/* and its response phase, as dockerd sends it next */
		run(state, "alice", calls[i].method, calls[i].uri, NULL, PHASE_RESPONSE, &d);
		if (d.action != calls[i].action || strcmp(d.object, calls[i].object) != 0)
			fail_msg("call %zu, response phase: action %s", i, action_name(d.action));
	}
}

static void test_form_body_denied(void **state)
{
	struct decision d;

	/* protocol.md 3.5: networkmode=host in a form body overrides the query */
	run(state, "admin", "POST", "/v1.41/build?networkmode=bridge",
	    "application/x-www-form-urlencoded", PHASE_REQUEST, &d);
	assert_false(d.allow);
	assert_int_equal(d.action, ACTION_ImageBuild);
	run(state, "admin", "POST", "/v1.41/containers/x/kill",
	    " Multipart/Form-Data; boundary=x", PHASE_REQUEST, &d);
	assert_false(d.allow);
	run(state, "admin", "POST", "/v1.41/build", "application/x-tar", PHASE_REQUEST, &d);
	assert_true(d.allow);
	/* a GET with a form type reads nothing from the body */
	run(state, "admin", "GET", "/v1.41/info", "application/x-www-form-urlencoded",
	    PHASE_REQUEST, &d);
	assert_true(d.allow);
}

/* Enforce baseline while auditing restricted: what passes the one and fails
 * the other is allowed and recorded as would-deny, with restricted's reasons. */
static void test_audit_profile(void **state)
{
	static const struct {
		const char *body;
		bool allow;
		enum outcome outcome;
	} cases[] = {
		{ "{\"Image\":\"bb\"}", true, OUTCOME_WOULD_DENY },
		{ "{\"Image\":\"bb\",\"User\":\"1000\",\"HostConfig\":{\"CapDrop\":[\"ALL\"],"
		  "\"SecurityOpt\":[\"no-new-privileges\"]}}", true, OUTCOME_ALLOW },
		{ "{\"Image\":\"bb\",\"HostConfig\":{\"Privileged\":true}}", false, OUTCOME_DENY },
	};
	struct envelope env;
	struct decision d;
	char err[256], msg[2048];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = make_envelope("erin", "POST", "/v1.41/containers/create",
					"application/json", NULL, NULL, cases[i].body);

		assert_int_equal(envelope_decode(s, strlen(s), &env, err, sizeof(err)), 0);
		decide(*state, &env, PHASE_REQUEST, &d);
		decision_message(&d, msg, sizeof(msg));
		if (d.allow != cases[i].allow || d.outcome != cases[i].outcome)
			fail_msg("%s: allow=%d outcome=%s: %s", cases[i].body, d.allow,
				 outcome_name(d.outcome), msg);
		if (cases[i].outcome == OUTCOME_WOULD_DENY)
			assert_non_null(strstr(msg, "(profile restricted)"));
		if (cases[i].outcome == OUTCOME_DENY)
			assert_non_null(strstr(msg, "(profile baseline)"));
		envelope_free(&env);
		free(s);
	}
}

/* eval --explain: the same decision, traced rule by rule and key by key. */
static void test_explain(void **state)
{
	char err[256], *trace = NULL, *s = make_envelope("erin", "POST", "/v1.41/containers/create",
						      "application/json", NULL, NULL,
						      "{\"Image\":\"bb\",\"HostConfig\":"
						      "{\"Privileged\":true}}");
	struct envelope env;
	struct decision d;
	size_t len = 0;
	FILE *out = open_memstream(&trace, &len);

	assert_non_null(out);
	assert_int_equal(envelope_decode(s, strlen(s), &env, err, sizeof(err)), 0);
	decide(*state, &env, PHASE_REQUEST, &d);
	explain(out, *state, &env, PHASE_REQUEST, &d);
	fclose(out);
	assert_non_null(strstr(trace, "action: ContainerCreate"));
	assert_non_null(strstr(trace, "admins"));
	assert_non_null(strstr(trace, "staged"));
	assert_non_null(strstr(trace, "<- decides"));
	assert_non_null(strstr(trace, "profile \"baseline\":"));
	assert_non_null(strstr(trace, "privileged             VIOLATED"));
	assert_non_null(strstr(trace, "host_namespaces        ok"));
	assert_non_null(strstr(trace, "audit profile \"restricted\":"));
	assert_non_null(strstr(trace, "decision: deny"));
	free(trace);
	envelope_free(&env);
	free(s);
}

/* A header claiming an identity changes nothing and is noted for the audit. */
static void test_identity_header_ignored(void **state)
{
	char err[256], line[4096], *s = make_envelope("bob", "POST", "/v1.41/containers/create",
						      "application/json", "Authz-User", "admin",
						      "{}");
	struct envelope env;
	struct decision d;

	assert_int_equal(envelope_decode(s, strlen(s), &env, err, sizeof(err)), 0);
	decide(*state, &env, PHASE_REQUEST, &d);
	assert_false(d.allow);
	assert_string_equal(d.user, "bob");
	assert_int_equal(d.nnotes, 1);
	assert_non_null(strstr(d.notes[0], "ignored the Authz-User header"));
	assert_true(audit_format(&d, &env, 1, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "\"notes\":[\"ignored the Authz-User header"));
	envelope_free(&env);
	free(s);

	/* the one claim not named "...-User"; and a look-alike that is none */
	s = make_envelope("bob", "POST", "/v1.41/containers/create", "application/json",
			  "X-Forwarded-Email", "admin@example.com", "{}");
	assert_int_equal(envelope_decode(s, strlen(s), &env, err, sizeof(err)), 0);
	decide(*state, &env, PHASE_REQUEST, &d);
	assert_int_equal(d.nnotes, 1);
	assert_non_null(strstr(d.notes[0], "ignored the X-Forwarded-Email header"));
	envelope_free(&env);
	free(s);
	s = make_envelope("bob", "POST", "/v1.41/containers/create", "application/json",
			  "X-Not-A-User", "admin", "{}");
	assert_int_equal(envelope_decode(s, strlen(s), &env, err, sizeof(err)), 0);
	decide(*state, &env, PHASE_REQUEST, &d);
	assert_int_equal(d.nnotes, 0);
	envelope_free(&env);
	free(s);
}

static void test_response_phase(void **state)
{
	struct decision d;

	run(state, "alice", "GET", "/v1.41/containers/json", NULL, PHASE_RESPONSE, &d);
	assert_true(d.allow);
	assert_int_equal(d.phase, PHASE_RESPONSE);
	run(state, "bob", "GET", "/v1.41/images/json", NULL, PHASE_RESPONSE, &d);
	assert_false(d.allow);
}

static void test_audit_record_format(void **state)
{
	struct decision d;
	char line[4096];
	cJSON *j;
	char err[128];

	(void)state;
	run(state, "alice", "POST", "/v1.41/plugins/x/disable", NULL, PHASE_REQUEST, &d);
	/* audit_format needs the envelope for method and uri */
	{
		const char *s = "{\"User\":\"alice\",\"UserAuthNMethod\":\"TLS\",\"RequestMethod\":\"POST\","
				"\"RequestUri\":\"/v1.41/plugins/x/disable\"}";
		struct envelope env;

		assert_int_equal(envelope_decode(s, strlen(s), &env, err, sizeof(err)), 0);
		assert_true(audit_format(&d, &env, 12, line, sizeof(line)) > 0);
		envelope_free(&env);
	}
	j = json_parse_strict(line, strlen(line), err, sizeof(err));
	assert_non_null(j);
	assert_string_equal(json_get(j, "user")->valuestring, "alice");
	assert_string_equal(json_get(j, "authn")->valuestring, "TLS");
	assert_string_equal(json_get(j, "method")->valuestring, "POST");
	assert_string_equal(json_get(j, "uri")->valuestring, "/v1.41/plugins/x/disable");
	assert_string_equal(json_get(j, "action")->valuestring, "PluginDisable");
	assert_string_equal(json_get(j, "object")->valuestring, "plugin:x");
	assert_string_equal(json_get(j, "phase")->valuestring, "request");
	assert_string_equal(json_get(j, "decision")->valuestring, "deny");
	assert_string_equal(json_get(j, "rule")->valuestring, "no-plugins");
	assert_string_equal(json_get(j, "mode")->valuestring, "enforce");
	assert_int_equal(cJSON_GetArraySize(json_get(j, "reasons")), 1);
	assert_int_equal(json_get(j, "latency_us")->valueint, 12);
	assert_non_null(strstr(json_get(j, "time")->valuestring, "Z"));
	cJSON_Delete(j);
}

/* Every request dockerd really sent routes to an action and is decided. */
static void route_line(const char *line, size_t len, void *policy)
{
	char err[256];
	cJSON *root = json_parse_strict(line, len, err, sizeof(err));
	cJSON *call, *req;
	struct envelope env;
	struct decision d;

	assert_non_null(root);
	call = (cJSON *)json_get(root, "call");
	req = cJSON_DetachItemFromObject(root, "request");
	assert_int_equal(envelope_from_json(req, &env, err, sizeof(err)), 0);
	decide(policy, &env,
	       strcmp(call->valuestring, "AuthZRes") == 0 ? PHASE_RESPONSE : PHASE_REQUEST, &d);
	if (d.action == ACTION_NONE)
		fail_msg("%s %s does not route: %s", env.method, env.uri, d.reasons[0]);
	/* alice (TLS) and root (socket) both have rules for these */
	if (env.user && strcmp(env.user, "alice") == 0 &&
	    strncmp(action_name(d.action), "Container", 9) == 0)
		assert_true(d.allow);
	if (!env.user)
		assert_true(d.allow);
	envelope_free(&env);
	cJSON_Delete(root);
}

static void test_corpus_routes(void **state)
{
	assert_true(corpus_each(route_line, *state) > 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_message_cut),
		cmocka_unit_test(test_rule_allows),
		cmocka_unit_test(test_default_deny_message),
		cmocka_unit_test(test_deny_rule_message),
		cmocka_unit_test(test_plugin_changes_need_a_named_user),
		cmocka_unit_test(test_unauthenticated_name),
		cmocka_unit_test(test_dry_run_would_deny),
		cmocka_unit_test(test_uri_bypass_forms_denied),
		cmocka_unit_test(test_unroutable_denied_even_for_admin),
		cmocka_unit_test(test_routing_kept_per_call),
		cmocka_unit_test(test_form_body_denied),
		cmocka_unit_test(test_audit_profile),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_identity_header_ignored),
		cmocka_unit_test(test_response_phase),
		cmocka_unit_test(test_audit_record_format),
		cmocka_unit_test(test_corpus_routes),
	};

	return cmocka_run_group_tests_name("decide", tests, setup, teardown);
}
