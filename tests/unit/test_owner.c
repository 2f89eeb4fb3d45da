/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_owner.c - ownership under `owner: required`, with a fake dockerd that
 * resolves names as dockerd does (full ID, name, unique ID prefix): bob can
 * touch only his own objects, by any name; lookups that fail deny; our own
 * lookups are recognised by the token and a forged token is denied.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "lookup.h"
#include "testutil.h"

static const char policy_text[] =
	"version: 1\n"
	"groups: {admins: [admin]}\n"
	"rules:\n"
	"  - {name: admins, users: [\"@admins\"], actions: [\"*\"]}\n"
	"  - {name: tenants, users: [alice, bob], actions: [\"Container*\", \"Exec*\", "
	"\"Volume*\", \"Network*\", \"System*\"]}\n"
	"  - {name: hardened, users: [carol], actions: [\"Container*\"], profile: restricted}\n";

/* The fake dockerd's objects. */
static const struct fake_object {
	enum object_kind kind;
	const char *id, *name, *owner, *container;
	const char *device;	/* volumes: what a bind-backed local volume mounts */
} objects[] = {
	{ OBJECT_CONTAINER, "a1a1a1a1a1a1b2b2b2b2", "alice-web", "alice", NULL, NULL },
	{ OBJECT_CONTAINER, "b0b0b0b0b0b0c3c3c3c3", "bob-web", "bob", NULL, NULL },
	{ OBJECT_CONTAINER, "c0c0c0c0c0c0d4d4d4d4", "legacy", NULL, NULL, NULL },
	{ OBJECT_EXEC, "e1e1e1e1", NULL, NULL, "a1a1a1a1a1a1b2b2b2b2", NULL },
	{ OBJECT_EXEC, "e2e2e2e2", NULL, NULL, "b0b0b0b0b0b0c3c3c3c3", NULL },
	{ OBJECT_VOLUME, "alice-data", "alice-data", "alice", NULL, NULL },
	{ OBJECT_NETWORK, "n1n1n1n1", "alice-net", "alice", NULL, NULL },
	{ OBJECT_VOLUME, "etc-vol", "etc-vol", NULL, NULL, "/etc" },
};

static int lookups;
static enum lookup_result fail_with;	/* LOOKUP_FOUND: behave; else return it */

static enum lookup_result fake_inspect(void *ctx, enum object_kind kind, const char *name,
				       const char *owner_label, struct object_info *out,
				       char *err, size_t errlen)
{
	size_t i;

	(void)ctx;
	if (*owner_label)	/* constraints look volumes up without a label */
		assert_string_equal(owner_label, "io.portcullis.owner");
	lookups++;
	memset(out, 0, sizeof(*out));
	if (fail_with == LOOKUP_ERROR) {
		snprintf(err, errlen, "dockerd did not answer within the deadline");
		return LOOKUP_ERROR;
	}
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		const struct fake_object *o = &objects[i];

		if (o->kind != kind)
			continue;
		/* dockerd: exact name, else full ID, else a unique ID prefix */
		if ((o->name && strcmp(o->name, name) == 0) ||
		    strncmp(o->id, name, strlen(name)) == 0) {
			snprintf(out->id, sizeof(out->id), "%s", o->id);
			out->has_owner = o->owner != NULL;
			snprintf(out->owner, sizeof(out->owner), "%s", o->owner ? o->owner : "");
			snprintf(out->container, sizeof(out->container), "%s",
				 o->container ? o->container : "");
			snprintf(out->driver, sizeof(out->driver), "local");
			out->host_mount = o->device != NULL;
			snprintf(out->device, sizeof(out->device), "%s", o->device ? o->device : "");
			return LOOKUP_FOUND;
		}
	}
	return LOOKUP_NOT_FOUND;
}

static const struct lookup fake = { fake_inspect, NULL, "s3cr3t-token" };

static int setup(void **state)
{
	struct policy_diag diag = { 0 };
	struct policy *p = policy_load_buffer("t.yaml", policy_text, strlen(policy_text), &diag);

	policy_diag_free(&diag);
	if (!p)
		return -1;
	p->rules[1].owner_required = true;	/* "owner: required" on tenants */
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	policy_free(*state);
	return 0;
}

static void decide_as(void **state, const char *user, const char *method, const char *uri,
		      const char *body, const char *header, const char *value,
		      const struct lookup *lk, struct decision *d)
{
	char err[256], *s = make_envelope(user, method, uri, body ? "application/json" : NULL,
					  header, value, body);
	struct envelope env;

	if (envelope_decode(s, strlen(s), &env, err, sizeof(err)) != 0)
		fail_msg("envelope: %s", err);
	decide_with(*state, &env, PHASE_REQUEST, lk, d);
	envelope_free(&env);
	free(s);
}

static void expect(void **state, const char *user, const char *method, const char *uri,
		   bool allow, const char *reason)
{
	struct decision d;
	char msg[1024];

	fail_with = LOOKUP_FOUND;
	decide_as(state, user, method, uri, NULL, NULL, NULL, &fake, &d);
	decision_message(&d, msg, sizeof(msg));
	if (d.allow != allow)
		fail_msg("%s %s %s: allow=%d (%s)", user, method, uri, d.allow, msg);
	if (reason && !strstr(msg, reason))
		fail_msg("%s %s %s: \"%s\" lacks \"%s\"", user, method, uri, msg, reason);
}

static void test_other_tenants_container_by_every_name(void **state)
{
	static const char *names[] = { "alice-web", "a1a1a1a1a1a1b2b2b2b2", "a1a1" };
	static const char *calls[][2] = {	/* method, what follows the name */
		{ "POST", "/stop" },
		{ "POST", "/exec" },
		{ "GET", "/logs" },
		{ "GET", "/archive?path=/etc" },
		{ "POST", "/rename?name=x" },
		{ "GET", "/json" },
		{ "DELETE", "?force=1" },
		{ "POST", "/update" },
	};
	char uri[256];
	size_t i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < sizeof(calls) / sizeof(calls[0]); j++) {
			snprintf(uri, sizeof(uri), "/v1.41/containers/%s%s", names[i], calls[j][1]);
			expect(state, "bob", calls[j][0], uri, false, "belongs to \"alice\"");
			expect(state, "alice", calls[j][0], uri, true, NULL);
			expect(state, "admin", calls[j][0], uri, true, NULL);
		}
	/* a container without the label belongs to nobody */
	expect(state, "bob", "POST", "/v1.41/containers/legacy/start", false, "belongs to nobody");
	/* a name dockerd will not find: it answers 404 itself */
	expect(state, "bob", "POST", "/v1.41/containers/nosuch/start", true, NULL);
}

static void test_exec_resolves_to_its_container(void **state)
{
	expect(state, "bob", "POST", "/v1.41/exec/e1e1e1e1/start", false, "belongs to \"alice\"");
	expect(state, "bob", "POST", "/v1.41/exec/e2e2e2e2/start", true, NULL);
	expect(state, "alice", "GET", "/v1.41/exec/e1e1e1e1/json", true, NULL);
}

static void test_volumes_and_networks(void **state)
{
	expect(state, "bob", "DELETE", "/v1.41/volumes/alice-data", false, "belongs to");
	expect(state, "bob", "GET", "/v1.41/networks/alice-net", false, "belongs to");
	expect(state, "alice", "GET", "/v1.41/networks/n1n1", true, NULL);
}

static void test_create_needs_owner_label(void **state)
{
	struct decision d;
	char msg[512];

	fail_with = LOOKUP_FOUND;
	decide_as(state, "bob", "POST", "/v1.41/containers/create",
		  "{\"Image\":\"bb\",\"Labels\":{}}", NULL, NULL, &fake, &d);
	assert_false(d.allow);
	decision_message(&d, msg, sizeof(msg));
	assert_string_equal(msg, "rule \"tenants\": ContainerCreate must carry the label "
			    "io.portcullis.owner=bob (add --label io.portcullis.owner=bob)");
	decide_as(state, "bob", "POST", "/v1.41/containers/create",
		  "{\"Image\":\"bb\",\"labels\":{\"io.portcullis.owner\":\"bob\"}}", NULL, NULL,
		  &fake, &d);
	assert_true(d.allow);	/* "labels": Go matches the field case-insensitively */
	decide_as(state, "bob", "POST", "/v1.41/volumes/create",
		  "{\"Name\":\"v\",\"Labels\":{\"io.portcullis.owner\":\"alice\"}}", NULL, NULL,
		  &fake, &d);
	assert_false(d.allow);
	/* a label key is a map key: exact, not folded */
	decide_as(state, "bob", "POST", "/v1.41/networks/create",
		  "{\"Name\":\"n\",\"Labels\":{\"IO.portcullis.owner\":\"bob\"}}", NULL, NULL,
		  &fake, &d);
	assert_false(d.allow);
	decide_as(state, "bob", "POST", "/v1.41/containers/create", NULL, NULL, NULL, &fake, &d);
	assert_false(d.allow);
}

/* A create whose body names another tenant's objects. */
static void test_create_body_references(void **state)
{
	static const struct {
		const char *hostconfig;
		bool allow;
	} cases[] = {
		{ "\"VolumesFrom\":[\"alice-web:ro\"]", false },
		{ "\"VolumesFrom\":[\"bob-web\"]", true },
		{ "\"NetworkMode\":\"container:a1a1\"", false },
		{ "\"PidMode\":\"container:alice-web\"", false },
		{ "\"IpcMode\":\"container:alice-web\"", false },
		{ "\"PidMode\":\"container:bob-web\"", true },
		{ "\"Binds\":[\"alice-data:/x\"]", false },
		{ "\"Binds\":[\"/srv/x:/x\", \"/y\"]", true },
		{ "\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"alice-data\",\"Target\":\"/x\"}]", false },
		{ "\"NetworkMode\":\"alice-net\"", false },
		{ "\"NetworkMode\":\"none\"", true },
	};
	char body[512], msg[512];
	struct decision d;
	size_t i;

	fail_with = LOOKUP_FOUND;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "{\"Image\":\"bb\",\"Labels\":"
			 "{\"io.portcullis.owner\":\"bob\"},\"HostConfig\":{%s}}",
			 cases[i].hostconfig);
		decide_as(state, "bob", "POST", "/v1.41/containers/create", body, NULL, NULL,
			  &fake, &d);
		decision_message(&d, msg, sizeof(msg));
		if (d.allow != cases[i].allow)
			fail_msg("%s: allow=%d (%s)", cases[i].hostconfig, d.allow, msg);
		if (!d.allow && !strstr(msg, "belongs to \"alice\""))
			fail_msg("%s: %s", cases[i].hostconfig, msg);
	}
	/* network connect: the network and the container must both be bob's */
	decide_as(state, "bob", "POST", "/v1.41/networks/alice-net/connect",
		  "{\"Container\":\"bob-web\"}", NULL, NULL, &fake, &d);
	assert_false(d.allow);
	decide_as(state, "alice", "POST", "/v1.41/networks/alice-net/connect",
		  "{\"Container\":\"bob-web\"}", NULL, NULL, &fake, &d);
	assert_false(d.allow);
	decide_as(state, "alice", "POST", "/v1.41/networks/alice-net/connect",
		  "{\"Container\":\"alice-web\"}", NULL, NULL, &fake, &d);
	assert_true(d.allow);
}

/* A named volume is as dangerous as its options: an admin's bind-backed
 * volume of /etc is /etc, whoever mounts it by name. */
static void test_named_volume_options_checked(void **state)
{
	static const char base[] = "{\"Image\":\"bb\",\"User\":\"1000\",\"HostConfig\":{"
		"\"CapDrop\":[\"ALL\"],\"SecurityOpt\":[\"no-new-privileges\"],";
	char body[512], msg[1024];
	struct decision d;

	fail_with = LOOKUP_FOUND;
	snprintf(body, sizeof(body), "%s\"Binds\":[\"etc-vol:/x:ro\"]}}", base);
	decide_as(state, "carol", "POST", "/v1.41/containers/create", body, NULL, NULL, &fake, &d);
	decision_message(&d, msg, sizeof(msg));
	assert_false(d.allow);
	assert_non_null(strstr(msg, "HostConfig.Binds[0]"));
	assert_non_null(strstr(msg, "/etc"));
	snprintf(body, sizeof(body), "%s\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"etc-vol\","
		 "\"Target\":\"/x\"}]}}", base);
	decide_as(state, "carol", "POST", "/v1.41/containers/create", body, NULL, NULL, &fake, &d);
	assert_false(d.allow);
	snprintf(body, sizeof(body), "%s\"Binds\":[\"alice-data:/x\"]}}", base);
	decide_as(state, "carol", "POST", "/v1.41/containers/create", body, NULL, NULL, &fake, &d);
	decision_message(&d, msg, sizeof(msg));
	if (!d.allow)
		fail_msg("alice-data: %s", msg);
	/* the lookup failing denies */
	fail_with = LOOKUP_ERROR;
	decide_as(state, "carol", "POST", "/v1.41/containers/create", body, NULL, NULL, &fake, &d);
	assert_false(d.allow);
	fail_with = LOOKUP_FOUND;
}

static void test_listing_must_be_filtered(void **state)
{
	expect(state, "bob", "GET", "/v1.41/containers/json", false,
	       "add --filter label=io.portcullis.owner=bob");
	expect(state, "bob", "GET",
	       "/v1.41/containers/json?filters=%7B%22label%22%3A%7B%22io.portcullis.owner%3Dbob%22%3Atrue%7D%7D",
	       true, NULL);
	expect(state, "bob", "GET",
	       "/v1.41/containers/json?filters=%7B%22label%22%3A%5B%22io.portcullis.owner%3Dbob%22%5D%7D",
	       true, NULL);
	expect(state, "bob", "GET",
	       "/v1.41/containers/json?filters=%7B%22label%22%3A%7B%22io.portcullis.owner%3Dalice%22%3Atrue%7D%7D",
	       false, NULL);
	expect(state, "bob", "POST", "/v1.41/containers/prune", false, NULL);
	expect(state, "bob", "GET", "/v1.41/system/df", false, NULL);
	expect(state, "admin", "GET", "/v1.41/containers/json", true, NULL);
}

static void test_lookup_failure_denies_even_in_dry_run(void **state)
{
	struct policy *p = *state;
	struct decision d;

	p->rules[1].mode = MODE_DRY_RUN;
	fail_with = LOOKUP_ERROR;
	decide_as(state, "bob", "POST", "/v1.41/containers/bob-web/stop", NULL, NULL, NULL,
		  &fake, &d);
	p->rules[1].mode = MODE_ENFORCE;
	assert_false(d.allow);
	assert_non_null(strstr(d.reasons[0], "within the deadline"));
	/* and without any lookup configured */
	decide_as(state, "bob", "POST", "/v1.41/containers/bob-web/stop", NULL, NULL, NULL,
		  NULL, &d);
	assert_false(d.allow);
	assert_non_null(strstr(d.reasons[0], "--docker-host"));
}

static void test_token(void **state)
{
	struct decision d;
	int before;

	fail_with = LOOKUP_FOUND;
	/* our own lookup: anonymous (unix socket), GET inspect, right token */
	before = lookups;
	decide_as(state, NULL, "GET", "/containers/alice-web/json", NULL, LOOKUP_TOKEN_HEADER,
		  "s3cr3t-token", &fake, &d);
	assert_true(d.allow);
	assert_int_equal(lookups, before);	/* no lookup to allow a lookup */
	/* a client forging the header: wrong value, or the right one on a write */
	decide_as(state, "admin", "GET", "/containers/alice-web/json", NULL, LOOKUP_TOKEN_HEADER,
		  "guess", &fake, &d);
	assert_false(d.allow);
	decide_as(state, "bob", "POST", "/containers/alice-web/stop", NULL, LOOKUP_TOKEN_HEADER,
		  "s3cr3t-token", &fake, &d);
	assert_false(d.allow);
	decide_as(state, NULL, "GET", "/containers/alice-web/json", NULL, LOOKUP_TOKEN_HEADER,
		  "s3cr3t-token", NULL, &d);
	assert_false(d.allow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_tenants_container_by_every_name),
		cmocka_unit_test(test_exec_resolves_to_its_container),
		cmocka_unit_test(test_volumes_and_networks),
		cmocka_unit_test(test_create_needs_owner_label),
		cmocka_unit_test(test_create_body_references),
		cmocka_unit_test(test_named_volume_options_checked),
		cmocka_unit_test(test_listing_must_be_filtered),
		cmocka_unit_test(test_lookup_failure_denies_even_in_dry_run),
		cmocka_unit_test(test_token),
	};

	return cmocka_run_group_tests_name("owner", tests, setup, teardown);
}
