/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_policy.c - tests for rules/policy.c: loading, refusing and matching.
 *
 * Strategy:
 *   - good policies load with the documented defaults, and the contract's
 *     example decides as the contract says (tests/unit/policies/good/);
 *   - every kind of mistake gives its exact "FILE:LINE:COL: message" line and
 *     no policy: a table of inline cases below, plus fixture files in
 *     tests/unit/policies/bad/, each NAME.yaml next to NAME.err, the lines
 *     expected (FILE being NAME.yaml);
 *   - patterns: globs, [...] classes and {a,b} alternatives, nested included,
 *     resolve to exactly the actions they should;
 *   - matching: first match in file order, groups, "*" and the
 *     unauthenticated name, users named nowhere, and a 5000-rule policy.
 * Fixtures are found next to this file (run from the repository root, as
 * `make unit` does) or in $POLICY_FIXTURES.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

#define NAME "t.yaml"

#include "policyutil.h"

/* ------------------------------------------------------------------------
 * Helpers
 */

static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (f == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

static const struct rule *
rule_named(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].name, name) == 0)
			return &p->rules[i];
	fail_msg("no rule named %s", name);
	return NULL;
}

/* Name of the rule deciding USER doing A, or "-" when none does. */
static const char *
match(const struct policy *p, const char *user, enum action a)
{
	const struct rule *r = policy_match(p, user, a);

	return r ? r->name : "-";
}

static size_t
count_actions(const struct rule *r)
{
	size_t n = 0;
	int a;

	for (a = 0; a < ACTION_COUNT; a++)
		n += rule_has_action(r, (enum action)a);
	return n;
}

/* ------------------------------------------------------------------------
 * Loading good policies
 */

static void
test_policy_minimal_has_defaults(void **state)
{
	struct policy *p = load_ok("version: 1\n");

	(void)state;
	assert_string_equal(p->file, NAME);
	assert_int_equal(p->version, 1);
	assert_string_equal(p->unauthenticated, "anonymous");
	assert_int_equal(p->default_effect, EFFECT_DENY);
	assert_int_equal(p->mode, MODE_ENFORCE);
	assert_string_equal(p->owner_label, "io.portcullis.owner");
	assert_int_equal(p->nrules, 0);
	assert_null(policy_match(p, "anonymous", ACTION_SystemPing));
	policy_free(p);
}

static void
test_policy_top_level_settings(void **state)
{
	struct policy *p = load_ok("version: 1\n"
				   "unauthenticated: nobody\n"
				   "default: allow\n"
				   "mode: dry-run\n"
				   "owner_label: com.example.owner\n"
				   "rules: []\n");

	(void)state;
	assert_string_equal(p->unauthenticated, "nobody");
	assert_int_equal(p->default_effect, EFFECT_ALLOW);
	assert_int_equal(p->mode, MODE_DRY_RUN);
	assert_string_equal(p->owner_label, "com.example.owner");
	assert_int_equal(p->nrules, 0);
	policy_free(p);
}

static void
test_policy_rule_defaults_and_positions(void **state)
{
	struct policy *p = load_ok("version: 1\n"
				   "mode: dry-run\n"
				   "rules:\n"
				   "  - name: plain\n"
				   "    users: [a]\n"
				   "    actions: [SystemPing]\n"
				   "  - name: strict\n"
				   "    users: [a]\n"
				   "    actions: [SystemPing]\n"
				   "    effect: deny\n"
				   "    mode: enforce\n"
				   "  - {name: flow, users: [a], actions: [SystemPing], effect: allow}\n");

	(void)state;
	assert_int_equal(p->nrules, 3);
	/* rules inherit the policy's mode; effect defaults to allow */
	assert_string_equal(p->rules[0].name, "plain");
	assert_int_equal(p->rules[0].effect, EFFECT_ALLOW);
	assert_int_equal(p->rules[0].mode, MODE_DRY_RUN);
	assert_int_equal(p->rules[0].line, 4);
	assert_int_equal(p->rules[0].col, 5);
	assert_int_equal(p->rules[1].effect, EFFECT_DENY);
	assert_int_equal(p->rules[1].mode, MODE_ENFORCE);
	assert_int_equal(p->rules[1].line, 7);
	assert_int_equal(p->rules[2].effect, EFFECT_ALLOW);
	assert_int_equal(p->rules[2].mode, MODE_DRY_RUN);
	assert_int_equal(p->rules[2].line, 12);
	assert_int_equal(p->rules[2].col, 5);
	policy_free(p);
}

/* Standard tags, quoting and numbers are read as spec/policy.md says. */
static void
test_policy_scalars_and_tags(void **state)
{
	struct policy *p = load_ok("version: \"1\"\n"
				   "unauthenticated: ! nobody\n"
				   "mode: !!str dry-run\n"
				   "rules:\n"
				   "  - {name: 42, users: [!!str 1000, 1001, \"true\", \"~\", yes],\n"
				   "     actions: [\"Container[!CEL]*\"]}\n");
	const struct rule *r;

	(void)state;
	assert_string_equal(p->unauthenticated, "nobody");
	assert_int_equal(p->mode, MODE_DRY_RUN);
	r = rule_named(p, "42");
	assert_string_equal(match(p, "1000", ACTION_ContainerKill), "42");
	assert_string_equal(match(p, "1001", ACTION_ContainerKill), "42");
	assert_string_equal(match(p, "true", ACTION_ContainerKill), "42");
	assert_string_equal(match(p, "~", ACTION_ContainerKill), "42");
	assert_string_equal(match(p, "yes", ACTION_ContainerKill), "42");
	/* [!CEL]: not ContainerCreate, ContainerExec, ContainerList... */
	assert_false(rule_has_action(r, ACTION_ContainerCreate));
	assert_false(rule_has_action(r, ACTION_ContainerExec));
	assert_false(rule_has_action(r, ACTION_ContainerLogs));
	assert_true(rule_has_action(r, ACTION_ContainerStart));
	assert_true(rule_has_action(r, ACTION_ContainerAttach));
	policy_free(p);
}

/* The contract's example (less profiles and owner) decides as it says. */
static void
test_policy_contract_example(void **state)
{
	struct policy_diag d = { 0 };
	struct policy *p;
	char path[4200];

	(void)state;
	snprintf(path, sizeof(path), "%s/good/contract.yaml", fixture_dir());
	p = policy_load(path, &d);
	print_diag(&d);
	assert_non_null(p);
	assert_int_equal(d.n, 0);
	assert_string_equal(p->file, path);
	assert_string_equal(p->unauthenticated, "root");
	assert_int_equal(p->nrules, 4);

	/* admins: everything, plugins included (first match wins) */
	assert_string_equal(match(p, "alice", ACTION_ContainerCreate), "admins");
	assert_string_equal(match(p, "alice", ACTION_PluginDisable), "admins");
	/* root without TLS is "root" by unauthenticated, and an admin */
	assert_string_equal(match(p, p->unauthenticated, ACTION_SwarmLeave), "admins");
	/* tenants: their actions, nothing else */
	assert_string_equal(match(p, "bob", ACTION_ContainerCreate), "tenants");
	assert_string_equal(match(p, "carol", ACTION_ExecStart), "tenants");
	assert_string_equal(match(p, "bob", ACTION_ImageList), "tenants");
	assert_string_equal(match(p, "bob", ACTION_ImageInspect), "tenants");
	assert_string_equal(match(p, "bob", ACTION_NetworkInspect), "tenants");
	assert_string_equal(match(p, "bob", ACTION_ImageCreate), "-");
	assert_string_equal(match(p, "bob", ACTION_NetworkCreate), "-");
	assert_string_equal(match(p, "bob", ACTION_PluginList), "no-plugins-for-anyone-else");
	/* ci: dry-run */
	assert_string_equal(match(p, "ci", ACTION_ImageBuild), "ci");
	assert_int_equal(rule_named(p, "ci")->mode, MODE_DRY_RUN);
	assert_int_equal(rule_named(p, "tenants")->mode, MODE_ENFORCE);
	/* a stranger only meets the "*" rule */
	assert_string_equal(match(p, "mallory", ACTION_PluginEnable), "no-plugins-for-anyone-else");
	assert_string_equal(match(p, "mallory", ACTION_ContainerCreate), "-");
	assert_int_equal(rule_named(p, "no-plugins-for-anyone-else")->effect, EFFECT_DENY);
	policy_free(p);
	policy_diag_free(&d);
}

/* Every good/NAME.yaml loads without a word. */
static void
test_policy_good_fixtures_load(void **state)
{
	char dir[4200], path[8400];
	struct dirent *e;
	size_t seen = 0;
	DIR *dp;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/good", fixture_dir());
	dp = opendir(dir);
	assert_non_null(dp);
	while ((e = readdir(dp)) != NULL) {
		struct policy_diag d = { 0 };
		struct policy *p;
		size_t len = strlen(e->d_name);

		if (len < 5 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		p = policy_load(path, &d);
		if (p == NULL || d.n != 0) {
			print_diag(&d);
			fail_msg("%s did not load", path);
		}
		policy_free(p);
		policy_diag_free(&d);
		seen++;
	}
	closedir(dp);
	assert_true(seen >= 3);
}

static void
test_policy_everything_fixture(void **state)
{
	struct policy_diag d = { 0 };
	struct policy *p;
	char path[4200];

	(void)state;
	snprintf(path, sizeof(path), "%s/good/everything.yaml", fixture_dir());
	p = policy_load(path, &d);
	print_diag(&d);
	assert_non_null(p);
	assert_string_equal(p->unauthenticated, "nobody");
	assert_int_equal(p->default_effect, EFFECT_ALLOW);
	assert_int_equal(p->mode, MODE_DRY_RUN);
	assert_string_equal(p->owner_label, "com.example.owner");
	/* groups after the rules that use them */
	assert_string_equal(match(p, "frank", ACTION_ExecInspect), "ops");
	assert_string_equal(match(p, "dave", ACTION_ImageList), "ops");
	/* numbers are names as written; an empty group adds nobody */
	assert_string_equal(match(p, "1000", ACTION_VolumeList), "readers");
	assert_string_equal(match(p, "1001", ACTION_SystemPing), "readers");
	assert_string_equal(match(p, "1001", ACTION_VolumeCreate), "nobody-else");
	assert_int_equal(rule_named(p, "readers")->mode, MODE_ENFORCE);
	assert_int_equal(rule_named(p, "ops")->mode, MODE_DRY_RUN);
	policy_free(p);
	policy_diag_free(&d);
}

/* Only LEN bytes are read: the buffer need not be NUL-terminated. */
static void
test_policy_buffer_is_length_bounded(void **state)
{
	const char text[] = "version: 1\nrules: [oops";
	struct policy_diag d = { 0 };
	struct policy *p;

	(void)state;
	p = policy_load_buffer(NAME, text, strlen("version: 1\n"), &d);
	assert_non_null(p);
	assert_int_equal(d.n, 0);
	policy_free(p);
	/* a NULL name still gives a usable FILE, and NULL DIAG is allowed */
	p = policy_load_buffer(NULL, "version: 1\n", 11, NULL);
	assert_non_null(p);
	assert_string_equal(p->file, "<policy>");
	policy_free(p);
	assert_null(policy_load_buffer(NAME, "version: 2\n", 11, NULL));
}

/* ------------------------------------------------------------------------
 * Patterns
 */

static void
test_policy_glob_prefix(void **state)
{
	struct policy *p = load_ok("version: 1\nrules:\n"
				   "  - {name: c, users: [a], actions: [\"Container*\"]}\n");
	size_t n = 0;
	int a;

	(void)state;
	assert_true(rule_has_action(&p->rules[0], ACTION_ContainerCreate));
	assert_true(rule_has_action(&p->rules[0], ACTION_ContainerCheckpointDelete));
	assert_false(rule_has_action(&p->rules[0], ACTION_ImageList));
	assert_false(rule_has_action(&p->rules[0], ACTION_PutContainerArchive));
	assert_false(rule_has_action(&p->rules[0], ACTION_NONE));
	for (a = ACTION_NONE + 1; a < ACTION_COUNT; a++)
		n += strncmp(action_name((enum action)a), "Container", 9) == 0;
	assert_int_equal(count_actions(&p->rules[0]), n);
	policy_free(p);
}

static void
test_policy_braces(void **state)
{
	struct policy *p = load_ok(
		"version: 1\nrules:\n"
		"  - {name: two, users: [a], actions: [\"Image{List,Inspect}\"]}\n"
		"  - {name: prefix, users: [a], actions: [\"{Container,Exec}*\"]}\n"
		"  - {name: nested, users: [a], actions: [\"{Container{Create,Start},Exec*}\"]}\n"
		"  - {name: empty-alt, users: [a], actions: [\"SwarmUnlock{,key}\"]}\n"
		"  - {name: one, users: [a], actions: [\"{SystemPing}\"]}\n"
		"  - {name: all, users: [a], actions: [\"*\"]}\n"
		"  - {name: classes, users: [a], actions: [\"Container[KW]*\", \"Image?ag\"]}\n");
	const struct rule *r;

	(void)state;
	r = rule_named(p, "two");
	assert_int_equal(count_actions(r), 2);
	assert_true(rule_has_action(r, ACTION_ImageList));
	assert_true(rule_has_action(r, ACTION_ImageInspect));

	r = rule_named(p, "prefix");
	assert_true(rule_has_action(r, ACTION_ContainerWait));
	assert_true(rule_has_action(r, ACTION_ExecResize));
	assert_false(rule_has_action(r, ACTION_ImageList));
	assert_false(rule_has_action(r, ACTION_PutContainerArchive));

	/* the comma inside the inner group does not split the outer one */
	r = rule_named(p, "nested");
	assert_int_equal(count_actions(r), 5);
	assert_true(rule_has_action(r, ACTION_ContainerCreate));
	assert_true(rule_has_action(r, ACTION_ContainerStart));
	assert_true(rule_has_action(r, ACTION_ExecInspect));
	assert_true(rule_has_action(r, ACTION_ExecResize));
	assert_true(rule_has_action(r, ACTION_ExecStart));

	r = rule_named(p, "empty-alt");
	assert_int_equal(count_actions(r), 2);
	assert_true(rule_has_action(r, ACTION_SwarmUnlock));
	assert_true(rule_has_action(r, ACTION_SwarmUnlockkey));

	r = rule_named(p, "one");
	assert_int_equal(count_actions(r), 1);
	assert_true(rule_has_action(r, ACTION_SystemPing));

	/* "*" is every action there is, and never ACTION_NONE */
	r = rule_named(p, "all");
	assert_int_equal(count_actions(r), ACTION_COUNT - 1);
	assert_false(rule_has_action(r, ACTION_NONE));

	r = rule_named(p, "classes");
	assert_int_equal(count_actions(r), 3);
	assert_true(rule_has_action(r, ACTION_ContainerKill));
	assert_true(rule_has_action(r, ACTION_ContainerWait));
	assert_true(rule_has_action(r, ACTION_ImageTag));
	policy_free(p);
}

/* Action names are exact and case-sensitive; no pattern matches a prefix. */
static void
test_policy_exact_names(void **state)
{
	struct policy *p = load_ok("version: 1\nrules:\n"
				   "  - {name: x, users: [a], actions: [ContainerStart, ExecStart]}\n");

	(void)state;
	assert_int_equal(count_actions(&p->rules[0]), 2);
	assert_true(rule_has_action(&p->rules[0], ACTION_ContainerStart));
	assert_true(rule_has_action(&p->rules[0], ACTION_ExecStart));
	assert_false(rule_has_action(&p->rules[0], ACTION_ContainerStats));
	policy_free(p);
}

/* ------------------------------------------------------------------------
 * Matching
 */

static void
test_policy_first_match_wins(void **state)
{
	struct policy *p = load_ok("version: 1\nrules:\n"
				   "  - {name: no-exec, users: [bob], actions: [\"Exec*\", ContainerExec], effect: deny}\n"
				   "  - {name: bob-all, users: [bob], actions: [\"*\"]}\n"
				   "  - {name: bob-exec, users: [bob], actions: [ExecStart]}\n");

	(void)state;
	assert_string_equal(match(p, "bob", ACTION_ExecStart), "no-exec");
	assert_int_equal(policy_match(p, "bob", ACTION_ExecStart)->effect, EFFECT_DENY);
	assert_string_equal(match(p, "bob", ACTION_ContainerExec), "no-exec");
	assert_string_equal(match(p, "bob", ACTION_ContainerList), "bob-all");
	assert_ptr_equal(policy_match(p, "bob", ACTION_ContainerList), &p->rules[1]);
	policy_free(p);
}

/* File order holds across the lists a user's candidates come from: a "*"
 * rule before a named one wins, and after it loses. */
static void
test_policy_star_and_named_interleave(void **state)
{
	struct policy *p = load_ok("version: 1\n"
				   "groups: {ops: [olga]}\n"
				   "rules:\n"
				   "  - {name: star-ping, users: [\"*\"], actions: [SystemPing], effect: deny}\n"
				   "  - {name: olga, users: [olga], actions: [SystemPing, SystemInfo, ImageList]}\n"
				   "  - {name: star-info, users: [\"*\"], actions: [SystemInfo, ImageList]}\n"
				   "  - {name: ops, users: [\"@ops\"], actions: [ImageList, VolumeList]}\n"
				   "  - {name: star-volume, users: [\"*\", olga], actions: [VolumeList, VolumeCreate]}\n");

	(void)state;
	assert_string_equal(match(p, "olga", ACTION_SystemPing), "star-ping");
	assert_string_equal(match(p, "olga", ACTION_SystemInfo), "olga");
	assert_string_equal(match(p, "olga", ACTION_ImageList), "olga");
	assert_string_equal(match(p, "olga", ACTION_VolumeList), "ops");
	assert_string_equal(match(p, "olga", ACTION_VolumeCreate), "star-volume");
	assert_string_equal(match(p, "olga", ACTION_NetworkList), "-");
	assert_string_equal(match(p, "zed", ACTION_SystemInfo), "star-info");
	assert_string_equal(match(p, "zed", ACTION_VolumeList), "star-volume");
	policy_free(p);
}

static void
test_policy_groups(void **state)
{
	struct policy *p = load_ok("version: 1\n"
				   "groups:\n"
				   "  devs: [dora, eve]\n"
				   "  ops: [eve, otto]\n"
				   "  empty: []\n"
				   "rules:\n"
				   "  - {name: ops-volumes, users: [\"@ops\"], actions: [\"Volume*\"]}\n"
				   "  - {name: devs-containers, users: [\"@devs\"], actions: [\"Container*\", VolumeList]}\n"
				   "  - {name: nobody, users: [\"@empty\"], actions: [\"*\"]}\n"
				   "  - {name: twice, users: [\"@devs\", dora, \"@devs\"], actions: [ImageList]}\n");

	(void)state;
	/* eve is in both groups: she gets both rules, in file order */
	assert_string_equal(match(p, "eve", ACTION_VolumeList), "ops-volumes");
	assert_string_equal(match(p, "eve", ACTION_ContainerCreate), "devs-containers");
	assert_string_equal(match(p, "dora", ACTION_VolumeList), "devs-containers");
	assert_string_equal(match(p, "dora", ACTION_VolumeCreate), "-");
	assert_string_equal(match(p, "otto", ACTION_VolumeCreate), "ops-volumes");
	assert_string_equal(match(p, "otto", ACTION_ContainerCreate), "-");
	assert_string_equal(match(p, "dora", ACTION_ImageList), "twice");
	/* the group's name is not a user */
	assert_string_equal(match(p, "devs", ACTION_ContainerCreate), "-");
	assert_string_equal(match(p, "@devs", ACTION_ContainerCreate), "-");
	policy_free(p);
}

static void
test_policy_star_and_unauthenticated(void **state)
{
	struct policy *p = load_ok("version: 1\n"
				   "rules:\n"
				   "  - {name: anon-ping, users: [anonymous], actions: [SystemPing]}\n"
				   "  - {name: anyone-info, users: [\"*\"], actions: [SystemInfo]}\n");

	(void)state;
	assert_string_equal(p->unauthenticated, "anonymous");
	/* "*" is anyone, the unauthenticated name included */
	assert_string_equal(match(p, p->unauthenticated, ACTION_SystemInfo), "anyone-info");
	assert_string_equal(match(p, "carl", ACTION_SystemInfo), "anyone-info");
	/* the unauthenticated name is a name like any other */
	assert_string_equal(match(p, p->unauthenticated, ACTION_SystemPing), "anon-ping");
	assert_string_equal(match(p, "carl", ACTION_SystemPing), "-");
	/* an empty name is nobody in particular */
	assert_string_equal(match(p, "", ACTION_SystemPing), "-");
	assert_string_equal(match(p, "", ACTION_SystemInfo), "anyone-info");
	policy_free(p);
}

static void
test_policy_user_not_in_policy(void **state)
{
	struct policy *p = load_ok("version: 1\n"
				   "default: allow\n"
				   "rules:\n"
				   "  - {name: a, users: [alice], actions: [\"*\"]}\n");

	(void)state;
	/* no rule for him: the caller applies the default */
	assert_null(policy_match(p, "bob", ACTION_ContainerCreate));
	assert_null(policy_match(p, "alic", ACTION_ContainerCreate));
	assert_null(policy_match(p, "alicee", ACTION_ContainerCreate));
	assert_non_null(policy_match(p, "alice", ACTION_ContainerCreate));
	policy_free(p);
}

/* No rule ever holds ACTION_NONE, nor anything out of range. */
static void
test_policy_match_bad_arguments(void **state)
{
	struct policy *p = load_ok("version: 1\n"
				   "rules:\n"
				   "  - {name: all, users: [\"*\"], actions: [\"*\"]}\n");

	(void)state;
	assert_null(policy_match(p, "a", ACTION_NONE));
	assert_null(policy_match(p, "a", ACTION_COUNT));
	assert_null(policy_match(p, "a", (enum action)-1));
	assert_null(policy_match(p, NULL, ACTION_SystemPing));
	assert_null(policy_match(NULL, "a", ACTION_SystemPing));
	assert_non_null(policy_match(p, "a", ACTION_SystemPing));
	assert_non_null(policy_match(p, "a", (enum action)(ACTION_COUNT - 1)));
	policy_free(p);
}

/*
 * 5000 users each with their own rule, 50 groups of 100, "*" rules at both
 * ends. Every user gets the right rule; the index is what keeps this fast
 * (see policy_match), correctness is what is asserted here.
 */
static void
test_policy_large(void **state)
{
	enum { USERS = 5000, GROUPS = 50 };
	size_t cap = 1 << 20, n = 0, i;
	char *y = malloc(cap), user[32], rule[32];
	struct policy *p;

	(void)state;
	assert_non_null(y);
#define ADD(...) do { \
		n += (size_t)snprintf(y + n, cap - n, __VA_ARGS__); \
		assert_true(n < cap); \
	} while (0)
	ADD("version: 1\ngroups:\n");
	for (i = 0; i < GROUPS; i++) {
		size_t u;

		ADD("  g%zu: [", i);
		for (u = i * (USERS / GROUPS); u < (i + 1) * (USERS / GROUPS); u++)
			ADD("%su%zu", u % (USERS / GROUPS) ? ", " : "", u);
		ADD("]\n");
	}
	ADD("rules:\n  - {name: no-plugins, users: [\"*\"], actions: [\"Plugin*\"], effect: deny}\n");
	for (i = 0; i < USERS; i++)
		ADD("  - {name: r%zu, users: [u%zu], actions: [%s]}\n", i, i,
		    i % 2 ? "ImageList" : "ContainerList");
	for (i = 0; i < GROUPS; i++)
		ADD("  - {name: g%zu, users: [\"@g%zu\"], actions: [\"Volume*\", ContainerList]}\n", i, i);
	ADD("  - {name: catch-all, users: [\"*\"], actions: [\"*\"], effect: deny}\n");
#undef ADD
	p = load_ok(y);
	free(y);
	assert_int_equal(p->nrules, 1 + USERS + GROUPS + 1);
	for (i = 0; i < USERS; i++) {
		snprintf(user, sizeof(user), "u%zu", i);
		snprintf(rule, sizeof(rule), "r%zu", i);
		assert_string_equal(match(p, user, i % 2 ? ACTION_ImageList : ACTION_ContainerList), rule);
		snprintf(rule, sizeof(rule), "g%zu", i / (USERS / GROUPS));
		assert_string_equal(match(p, user, ACTION_VolumeCreate), rule);
		if (i % 2)
			assert_string_equal(match(p, user, ACTION_ContainerList), rule);
		assert_string_equal(match(p, user, ACTION_PluginList), "no-plugins");
		assert_string_equal(match(p, user, ACTION_NetworkList), "catch-all");
	}
	assert_string_equal(match(p, "stranger", ACTION_ContainerList), "catch-all");
	assert_string_equal(match(p, "stranger", ACTION_PluginList), "no-plugins");
	assert_string_equal(match(p, "u5000", ACTION_ImageList), "catch-all");
	policy_free(p);
}

/* ------------------------------------------------------------------------
 * Refusing bad policies
 */

static void
test_policy_cannot_open(void **state)
{
	struct policy_diag d = { 0 };
	char path[4200], want[4300];
	const char *lines[1] = { want };

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such-policy.yaml", fixture_dir());
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	assert_null(policy_load(path, &d));
	assert_diag(&d, lines, 1);
	policy_diag_free(&d);
	assert_int_equal(d.n, 0);
	assert_null(d.lines);

	snprintf(path, sizeof(path), "%s/good", fixture_dir());
	snprintf(want, sizeof(want), "%s: cannot read: Is a directory", path);
	assert_null(policy_load(path, &d));
	assert_diag(&d, lines, 1);
	policy_diag_free(&d);
}

/* 4 MiB is the limit, whether from a file or from memory. */
static void
test_policy_too_large(void **state)
{
	size_t len = (4u << 20) + 1;
	char *big = malloc(len), path[] = "/tmp/test_policy.XXXXXX", want[128];
	const char *lines[1] = { want };
	struct policy_diag d = { 0 };
	struct policy *p;
	int fd;

	(void)state;
	assert_non_null(big);
	/* a comment line and padding: valid YAML of exactly the limit */
	memset(big, ' ', len);
	memcpy(big, "version: 1\n#", 12);
	big[len - 2] = '\n';
	p = policy_load_buffer(NAME, big, len - 1, &d);
	assert_non_null(p);
	policy_free(p);

	snprintf(want, sizeof(want), "%s: policy is larger than 4 MiB; refusing to load it", NAME);
	assert_null(policy_load_buffer(NAME, big, len, &d));
	assert_diag(&d, lines, 1);
	policy_diag_free(&d);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, big, len), (ssize_t)len);
	close(fd);
	snprintf(want, sizeof(want), "%s: policy is larger than 4 MiB; refusing to load it", path);
	assert_null(policy_load(path, &d));
	assert_diag(&d, lines, 1);
	policy_diag_free(&d);
	unlink(path);
	free(big);
}

/* Every bad/NAME.yaml gives exactly the lines of bad/NAME.err. */
static void
test_policy_bad_fixtures(void **state)
{
	char dir[4200], path[8400];
	struct dirent *e;
	size_t seen = 0;
	DIR *dp;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/bad", fixture_dir());
	dp = opendir(dir);
	assert_non_null(dp);
	while ((e = readdir(dp)) != NULL) {
		struct policy_diag d = { 0 };
		const char *want[64];
		char *err, *line, *save = NULL;
		size_t len = strlen(e->d_name), n = 0, i;

		if (len < 5 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%.*s.err", dir, (int)(len - 5), e->d_name);
		err = read_text(path);
		for (line = strtok_r(err, "\n", &save); line != NULL && n < 64;
		     line = strtok_r(NULL, "\n", &save)) {
			/* the .err names the file as NAME.yaml; we load DIR/NAME.yaml */
			char *full = malloc(strlen(dir) + strlen(line) + 2);

			assert_non_null(full);
			sprintf(full, "%s/%s", dir, line);
			want[n++] = full;
		}
		assert_true(n > 0);
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		assert_null(policy_load(path, &d));
		assert_diag(&d, want, n);
		for (i = 0; i < n; i++)
			free((char *)want[i]);
		free(err);
		policy_diag_free(&d);
		seen++;
	}
	closedir(dp);
	assert_true(seen >= 5);
}

/* A diag that already holds lines is appended to, not overwritten. */
static void
test_policy_diag_appends(void **state)
{
	struct policy_diag d = { 0 };
	const char *want[] = {
		"t.yaml:1:10: unsupported policy version \"2\": this version of portcullis reads version 1",
		"t.yaml:1:1: missing required key \"version\"",
	};

	(void)state;
	assert_null(policy_load_buffer(NAME, "version: 2\n", 11, &d));
	assert_null(policy_load_buffer(NAME, "mode: enforce\n", 14, &d));
	assert_diag(&d, want, 2);
	policy_diag_free(&d);
	policy_diag_free(&d);	/* twice is harmless */
	policy_diag_free(NULL);
	policy_free(NULL);
}

static void
test_policy_too_many_errors(void **state)
{
	size_t cap = 1 << 16, n = 0, i;
	char *y = malloc(cap);
	struct policy_diag d = { 0 };

	(void)state;
	assert_non_null(y);
	n += (size_t)snprintf(y + n, cap - n, "version: 1\n");
	for (i = 0; i < 150; i++)
		n += (size_t)snprintf(y + n, cap - n, "k%zu: 1\n", i);
	assert_null(policy_load_buffer(NAME, y, n, &d));
	assert_int_equal(d.n, 101);
	assert_string_equal(d.lines[0], "t.yaml:2:1: unknown key \"k0\" (valid keys: version, "
			    "unauthenticated, default, mode, owner_label, owner_list, groups, profiles, rules)");
	assert_string_equal(d.lines[99], "t.yaml:101:1: unknown key \"k99\" (valid keys: version, "
			    "unauthenticated, default, mode, owner_label, owner_list, groups, profiles, rules)");
	assert_string_equal(d.lines[100], "t.yaml: too many errors; stopped reporting after 100");
	policy_diag_free(&d);
	free(y);
}

/* Bytes the YAML itself refuses, and ones it lets through in quotes. */
static void
test_policy_control_bytes(void **state)
{
	const char nul[] = "version: 1\nrules: [\0]\n";
	const char *want_nul[] = {
		"t.yaml:2:9: invalid input: control characters are not allowed (0x00)",
	};
	const char *want_esc[] = {
		"t.yaml:2:18: invalid user name \"a\\x0ab\\\"\": names cannot contain "
		"whitespace or control characters",
	};
	const char *esc = "version: 1\nunauthenticated: \"a\\nb\\\"\"\n";
	struct policy_diag d = { 0 };

	(void)state;
	assert_null(policy_load_buffer(NAME, nul, sizeof(nul) - 1, &d));
	assert_diag(&d, want_nul, 1);
	policy_diag_free(&d);
	/* escaped in the message, so that one problem stays one line */
	assert_null(policy_load_buffer(NAME, esc, strlen(esc), &d));
	assert_diag(&d, want_esc, 1);
	policy_diag_free(&d);
}

/* ------------------------------------------------------------------------
 * The table of mistakes: input, and every line expected (FILE is t.yaml).
 */

struct bad_case {
	const char *name;
	const char *yaml;
	const char *want[6];
};

#define RULE_HEAD "version: 1\nrules:\n  - name: r\n"
#define UNSUPPORTED(key, why) "\"" key "\" is not supported by this version of portcullis (" \
	why "); refusing to load a policy whose constraints would be ignored"
#define TOP_KEYS "(valid keys: version, unauthenticated, default, mode, owner_label, " \
	"owner_list, groups, profiles, rules)"
#define RULE_KEYS "(valid keys: name, users, actions, effect, mode, profile, audit_profile, owner)"
#define NOT_A_PATTERN "names are matched exactly; only \"*\" alone, in a rule's users, means anyone"

static const struct bad_case bad_cases[] = {
	/* YAML */
	{ "syntax_error", "version: 1\nrules: [a, b\n",
	  { "t.yaml:3:1: YAML syntax error: did not find expected ',' or ']' "
	    "(while parsing a flow sequence at line 2, column 8)" } },
	{ "bad_indentation", "version: 1\n  mode: enforce\n",
	  { "t.yaml:2:7: YAML syntax error: mapping values are not allowed in this context" } },
	{ "invalid_utf8", "version: 1\nunauthenticated: caf\xe9\n",
	  { "t.yaml:2:21: invalid input: incomplete UTF-8 octet sequence" } },
	{ "invalid_utf8_lead", "version: 1\nx: \xff\n",
	  { "t.yaml:2:4: invalid input: invalid leading UTF-8 octet (0xFF)" } },
	{ "empty_file", "", { "t.yaml:1:1: empty policy: expected a mapping with \"version: 1\"" } },
	{ "only_comments", "# nothing yet\n",
	  { "t.yaml:1:1: empty policy: expected a mapping with \"version: 1\"" } },
	{ "top_level_sequence", "- version: 1\n",
	  { "t.yaml:1:1: a policy must be a mapping (version, rules, ...), not a sequence" } },
	{ "top_level_string", "version 1\n",
	  { "t.yaml:1:1: a policy must be a mapping (version, rules, ...), not a string" } },
	{ "alias", "version: 1\ngroups:\n  a: &u [x]\n  b: *u\n",
	  { "t.yaml:3:6: YAML anchors are not supported (&u): write the value out in full",
	    "t.yaml:4:6: YAML aliases are not supported (*u): write the value out in full" } },
	{ "anchor_alone", "version: &v 1\n",
	  { "t.yaml:1:10: YAML anchors are not supported (&v): write the value out in full" } },
	{ "custom_tag", "version: 1\nrules: !rules []\n",
	  { "t.yaml:2:8: YAML tag \"!rules\" is not supported (only the standard ones, such as "
	    "!!str, are)" } },
	{ "python_tag", "version: !!python/object:os.system 1\n",
	  { "t.yaml:1:10: YAML tag \"tag:yaml.org,2002:python/object:os.system\" is not "
	    "supported (only the standard ones, such as !!str, are)" } },
	{ "second_document", "version: 1\n...\n---\nversion: 1\n",
	  { "t.yaml:3:1: a second YAML document: a policy file holds exactly one" } },
	{ "too_deep", "version: 1\nx: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	  { "t.yaml:2:35: nested deeper than 32 levels" } },
	{ "key_not_a_string", "version: 1\n[a]: 1\n",
	  { "t.yaml:2:1: a key must be a string, not a sequence" } },

	/* top level */
	{ "missing_version", "default: deny\n",
	  { "t.yaml:1:1: missing required key \"version\"" } },
	{ "version_2", "version: 2\n",
	  { "t.yaml:1:10: unsupported policy version \"2\": this version of portcullis reads "
	    "version 1" } },
	{ "version_1_0", "version: 1.0\n",
	  { "t.yaml:1:10: unsupported policy version \"1.0\": this version of portcullis reads "
	    "version 1" } },
	{ "version_sequence", "version: [1]\n",
	  { "t.yaml:1:10: \"version\" must be 1, not a sequence" } },
	{ "unknown_key", "version: 1\nrulez: []\n",
	  { "t.yaml:2:1: unknown key \"rulez\" " TOP_KEYS } },
	{ "duplicate_key", "version: 1\nmode: enforce\nmode: dry-run\n",
	  { "t.yaml:3:1: duplicate key \"mode\" (first at line 2)" } },
	{ "default_permit", "version: 1\ndefault: permit\n",
	  { "t.yaml:2:10: \"default\" must be deny or allow, not \"permit\"" } },
	{ "default_null", "version: 1\ndefault:\n",
	  { "t.yaml:2:9: \"default\" must be deny or allow, not null" } },
	{ "mode_audit", "version: 1\nmode: audit\n",
	  { "t.yaml:2:7: \"mode\" must be enforce or dry-run, not \"audit\"" } },
	{ "unauthenticated_two_words", "version: 1\nunauthenticated: \"two words\"\n",
	  { "t.yaml:2:18: invalid user name \"two words\": names cannot contain whitespace or "
	    "control characters" } },
	{ "unauthenticated_boolean", "version: 1\nunauthenticated: true\n",
	  { "t.yaml:2:18: \"unauthenticated\" must be a string, not a boolean" } },
	{ "unauthenticated_star", "version: 1\nunauthenticated: \"*\"\n",
	  { "t.yaml:2:18: invalid user name \"*\": " NOT_A_PATTERN } },
	{ "owner_label_empty", "version: 1\nowner_label: \"\"\n",
	  { "t.yaml:2:14: \"owner_label\" must be a label key: 1 to 256 bytes, without "
	    "whitespace or control characters" } },
	/* profiles themselves: tests/unit/test_profile.c */
	{ "profiles_sequence", "version: 1\nprofiles: [tenant]\n",
	  { "t.yaml:2:11: \"profiles\" must be a mapping of profile names to profiles, not a "
	    "sequence" } },

	/* groups */
	{ "groups_sequence", "version: 1\ngroups: [a]\nrules:\n  - {name: r, users: [\"@a\"], actions: [\"*\"]}\n",
	  { "t.yaml:2:9: \"groups\" must be a mapping of group names to lists of user names, "
	    "not a sequence" } },
	{ "group_scalar", "version: 1\ngroups:\n  ops: bob\n",
	  { "t.yaml:3:8: group \"ops\" must be a sequence of user names, e.g. [alice, bob], "
	    "not a string" } },
	{ "group_duplicate", "version: 1\ngroups:\n  ops: [a]\n  ops: [b]\n",
	  { "t.yaml:4:3: duplicate key \"ops\" (first at line 3)" } },
	{ "group_name_invalid", "version: 1\ngroups:\n  \"my group\": [a]\n  \"@ops\": [b]\n",
	  { "t.yaml:3:3: invalid group name \"my group\": names cannot contain whitespace or "
	    "control characters",
	    "t.yaml:4:3: invalid group name \"@ops\": \"@\" marks a group reference" } },
	{ "group_members_invalid", "version: 1\ngroups:\n  ops: [\"@admins\", \"a b\", \"*\", \"\", ~]\n",
	  { "t.yaml:3:9: invalid user name \"@admins\": a group lists users, not other groups",
	    "t.yaml:3:20: invalid user name \"a b\": names cannot contain whitespace or control "
	    "characters",
	    "t.yaml:3:27: invalid user name \"*\": " NOT_A_PATTERN,
	    "t.yaml:3:32: invalid user name \"\": it is empty",
	    "t.yaml:3:36: a group member must be a string, not null" } },

	/* rules */
	{ "rules_mapping", "version: 1\nrules:\n  name: r\n",
	  { "t.yaml:3:3: \"rules\" must be a sequence of rules, not a mapping" } },
	{ "rule_string", "version: 1\nrules:\n  - admins\n",
	  { "t.yaml:3:5: a rule must be a mapping (name, users, actions, ...), not a string" } },
	{ "rule_missing_keys", "version: 1\nrules:\n  - effect: deny\n",
	  { "t.yaml:3:5: missing required key \"name\"",
	    "t.yaml:3:5: missing required key \"users\"",
	    "t.yaml:3:5: missing required key \"actions\"" } },
	{ "rule_unknown_key", RULE_HEAD "    users: [a]\n    actions: [\"*\"]\n    user: [b]\n",
	  { "t.yaml:6:5: unknown key \"user\" in a rule " RULE_KEYS } },
	{ "rule_duplicate_key", RULE_HEAD "    users: [a]\n    actions: [\"*\"]\n    users: [b]\n",
	  { "t.yaml:6:5: duplicate key \"users\" (first at line 4)" } },
	{ "rule_duplicate_name", RULE_HEAD "    users: [a]\n    actions: [\"*\"]\n"
	  "  - name: r\n    users: [b]\n    actions: [\"*\"]\n",
	  { "t.yaml:6:11: duplicate rule name \"r\" (first at line 3)" } },
	{ "rule_name_empty", "version: 1\nrules:\n  - {name: \"\", users: [a], actions: [\"*\"]}\n",
	  { "t.yaml:3:12: \"name\" must not be empty" } },
	{ "rule_name_null", "version: 1\nrules:\n  - {name: , users: [a], actions: [\"*\"]}\n",
	  { "t.yaml:3:12: \"name\" must be a string, not null" } },
	{ "rule_name_control", "version: 1\nrules:\n  - {name: \"a\\tb\", users: [a], actions: [\"*\"]}\n",
	  { "t.yaml:3:12: rule name \"a\\x09b\" contains a control character" } },
	{ "rule_effect", RULE_HEAD "    users: [a]\n    actions: [\"*\"]\n    effect: permit\n",
	  { "t.yaml:6:13: \"effect\" must be deny or allow, not \"permit\"" } },
	{ "rule_mode", RULE_HEAD "    users: [a]\n    actions: [\"*\"]\n    mode: [dry-run]\n",
	  { "t.yaml:6:11: \"mode\" must be enforce or dry-run, not a sequence" } },
	{ "rule_profile_unknown", RULE_HEAD "    users: [a]\n    actions: [\"*\"]\n    profile: restrictd\n",
	  { "t.yaml:6:14: unknown profile \"restrictd\" (neither a built-in profile (baseline, "
	    "restricted, cis) nor one defined under \"profiles\")" } },
	{ "rule_profile_on_deny", RULE_HEAD "    users: [a]\n    actions: [\"*\"]\n    effect: deny\n"
	  "    profile: cis\n",
	  { "t.yaml:7:14: \"profile\" has no effect in a rule with \"effect: deny\"; remove one of "
	    "them" } },
	{ "rule_audit_profile", RULE_HEAD "    users: [a]\n    actions: [\"*\"]\n    effect: deny\n"
	  "    audit_profile: cis\n",
	  { "t.yaml:7:20: \"audit_profile\" has no effect in a rule with \"effect: deny\"; "
	    "remove one of them" } },
	{ "rule_owner", RULE_HEAD "    users: [a]\n    actions: [\"*\"]\n    owner: yes\n",
	  { "t.yaml:6:12: \"owner\" must be required or none, not \"yes\"" } },
	{ "rule_owner_on_deny", RULE_HEAD "    users: [a]\n    actions: [\"*\"]\n    effect: deny\n"
	  "    owner: required\n",
	  { "t.yaml:7:12: \"owner\" has no effect in a rule with \"effect: deny\"; remove one of them" } },
	{ "owner_list", "version: 1\nowner_list: all\n",
	  { "t.yaml:2:13: \"owner_list\" must be filtered or any, not \"all\"" } },

	/* users */
	{ "users_empty", RULE_HEAD "    users: []\n    actions: [\"*\"]\n",
	  { "t.yaml:4:12: \"users\" is empty: a rule must name at least one user, @group or \"*\"" } },
	{ "users_string", RULE_HEAD "    users: alice\n    actions: [\"*\"]\n",
	  { "t.yaml:4:12: \"users\" must be a sequence, e.g. [alice, \"@admins\"], not a string" } },
	{ "undefined_group", RULE_HEAD "    users: [\"@nope\"]\n    actions: [\"*\"]\n",
	  { "t.yaml:4:13: undefined group \"nope\"" } },
	{ "bare_at", RULE_HEAD "    users: [\"@\"]\n    actions: [\"*\"]\n",
	  { "t.yaml:4:13: \"@\" must be followed by a group name" } },
	{ "user_pattern", RULE_HEAD "    users: [\"contractor-*\"]\n    actions: [\"*\"]\n    effect: deny\n",
	  { "t.yaml:4:13: invalid user name \"contractor-*\": " NOT_A_PATTERN } },
	{ "user_null", RULE_HEAD "    users: [~, a]\n    actions: [\"*\"]\n",
	  { "t.yaml:4:13: an entry of \"users\" must be a string, not null" } },
	{ "user_too_long", RULE_HEAD "    users: [aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n"
	  "    actions: [\"*\"]\n",
	  { "t.yaml:4:13: invalid user name \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaa...\": it is longer than 256 bytes" } },

	/* actions */
	{ "actions_empty", RULE_HEAD "    users: [a]\n    actions: []\n",
	  { "t.yaml:5:14: \"actions\" is empty: a rule must name at least one action pattern "
	    "(\"*\" for all)" } },
	{ "actions_string", RULE_HEAD "    users: [a]\n    actions: ContainerList\n",
	  { "t.yaml:5:14: \"actions\" must be a sequence, e.g. [\"Container*\"], not a string" } },
	{ "unknown_action", RULE_HEAD "    users: [a]\n    actions: [ContainerCreat]\n",
	  { "t.yaml:5:15: unknown action \"ContainerCreat\" (matches no action)" } },
	{ "action_wrong_case", RULE_HEAD "    users: [a]\n    actions: [containercreate]\n",
	  { "t.yaml:5:15: unknown action \"containercreate\" (matches no action)" } },
	{ "glob_matches_nothing", RULE_HEAD "    users: [a]\n    actions: [\"Contianer*\"]\n",
	  { "t.yaml:5:15: unknown action \"Contianer*\" (matches no action)" } },
	{ "one_alternative_matches_nothing", RULE_HEAD "    users: [a]\n    actions: [\"Image{List,Inspekt,Pul}\"]\n",
	  { "t.yaml:5:15: unknown action \"ImageInspekt\" in \"Image{List,Inspekt,Pul}\" "
	    "(matches no action)",
	    "t.yaml:5:15: unknown action \"ImagePul\" in \"Image{List,Inspekt,Pul}\" "
	    "(matches no action)" } },
	{ "comma_outside_braces", RULE_HEAD "    users: [a]\n    actions: [\"ImageList,ImageInspect\"]\n",
	  { "t.yaml:5:15: unknown action \"ImageList,ImageInspect\" (matches no action)" } },
	{ "unbalanced_open", RULE_HEAD "    users: [a]\n    actions: [\"Image{List\"]\n",
	  { "t.yaml:5:15: unbalanced braces in action pattern \"Image{List\"" } },
	{ "unbalanced_close", RULE_HEAD "    users: [a]\n    actions: [\"Image}List{\"]\n",
	  { "t.yaml:5:15: unbalanced braces in action pattern \"Image}List{\"" } },
	{ "too_many_alternatives", RULE_HEAD "    users: [a]\n"
	  "    actions: [\"{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}\"]\n",
	  { "t.yaml:5:15: action pattern \"{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"
	    "{a,b}\" expands to more than 1024 alternatives" } },
	{ "empty_pattern", RULE_HEAD "    users: [a]\n    actions: [\"\"]\n",
	  { "t.yaml:5:15: empty action pattern" } },
	{ "pattern_mapping", RULE_HEAD "    users: [a]\n    actions: [{Container: x}]\n",
	  { "t.yaml:5:15: an action pattern must be a string, not a mapping" } },

	/* one file, several problems, reported in file order */
	{ "several", "rules:\n"
	  "  - {name: a, users: [\"@x\"], actions: [Nope]}\n"
	  "  - {name: a, users: [b], actions: [\"*\"], owner: required}\n"
	  "mode: loud\n",
	  { "t.yaml:1:1: missing required key \"version\"",
	    "t.yaml:2:23: undefined group \"x\"",
	    "t.yaml:2:40: unknown action \"Nope\" (matches no action)",
	    "t.yaml:3:12: duplicate rule name \"a\" (first at line 2)",
	    "t.yaml:4:7: \"mode\" must be enforce or dry-run, not \"loud\"" } },
};

#define NBAD (sizeof(bad_cases) / sizeof(bad_cases[0]))

static void
test_policy_error(void **state)
{
	const struct bad_case *c = *state;
	struct policy_diag d = { 0 };
	size_t n;

	for (n = 0; n < 6 && c->want[n] != NULL; n++)
		;
	assert_null(policy_load_buffer(NAME, c->yaml, strlen(c->yaml), &d));
	assert_diag(&d, c->want, n);
	policy_diag_free(&d);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_minimal_has_defaults),
		cmocka_unit_test(test_policy_top_level_settings),
		cmocka_unit_test(test_policy_rule_defaults_and_positions),
		cmocka_unit_test(test_policy_scalars_and_tags),
		cmocka_unit_test(test_policy_contract_example),
		cmocka_unit_test(test_policy_good_fixtures_load),
		cmocka_unit_test(test_policy_everything_fixture),
		cmocka_unit_test(test_policy_buffer_is_length_bounded),
		cmocka_unit_test(test_policy_glob_prefix),
		cmocka_unit_test(test_policy_braces),
		cmocka_unit_test(test_policy_exact_names),
		cmocka_unit_test(test_policy_first_match_wins),
		cmocka_unit_test(test_policy_star_and_named_interleave),
		cmocka_unit_test(test_policy_groups),
		cmocka_unit_test(test_policy_star_and_unauthenticated),
		cmocka_unit_test(test_policy_user_not_in_policy),
		cmocka_unit_test(test_policy_match_bad_arguments),
		cmocka_unit_test(test_policy_large),
		cmocka_unit_test(test_policy_cannot_open),
		cmocka_unit_test(test_policy_too_large),
		cmocka_unit_test(test_policy_bad_fixtures),
		cmocka_unit_test(test_policy_diag_appends),
		cmocka_unit_test(test_policy_too_many_errors),
		cmocka_unit_test(test_policy_control_bytes),
	};
	static struct CMUnitTest errors[NBAD];
	static char names[NBAD][64];
	size_t i;
	int failed;

	/* one named test per row of the table, so a failure says which */
	for (i = 0; i < NBAD; i++) {
		snprintf(names[i], sizeof(names[i]), "test_policy_error_%s", bad_cases[i].name);
		errors[i].name = names[i];
		errors[i].test_func = test_policy_error;
		errors[i].initial_state = (void *)&bad_cases[i];
	}
	failed = cmocka_run_group_tests_name("policy", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("policy errors", errors, NULL, NULL);
	return failed != 0;
}
