/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_profile.c - tests for rules/profile.c and profiles_builtin.c: the
 * "profiles" of a policy, a rule's "profile", and the built-in profiles.
 *
 * Strategy:
 *   - every key lands in the right member of struct profile, in each form it
 *     takes (true / false / list / word), with values normalised as
 *     spec/profiles.md says (tests/unit/policies/good/profiles-everything.yaml
 *     and inline policies); absent keys stay zero;
 *   - sizes, CPU counts, PID counts, ports, addresses and capabilities are
 *     parsed by tables of inputs and results, bad ones included;
 *   - "extends": overrides per key and per sub-key, chains, built-in parents,
 *     any order in the file, a chain too long for recursion;
 *   - the built-ins load with every policy and hold the documented values;
 *   - every mistake gives its exact "FILE:LINE:COL: message" line and no
 *     policy: a table of inline cases, one named test per row;
 *   - the contract's example loads with its profiles, and is refused (for
 *     "owner" alone) as written.
 * Fixtures are found next to this file (run from the repository root, as
 * `make unit` does) or in $POLICY_FIXTURES.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "policy.h"
#include "profile.h"

#define NAME "t.yaml"

#include "policyutil.h"

/* ------------------------------------------------------------------------
 * Helpers
 */

static const struct profile *
profile_named(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nprofiles; i++)
		if (strcmp(p->profiles[i].name, name) == 0)
			return &p->profiles[i];
	fail_msg("no profile named %s", name);
	return NULL;
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

/* The built-in profile NAME, as a rule of a throwaway policy sees it; the
 * policy goes to *P, for the caller to free. */
static const struct profile *
builtin(const char *name, struct policy **p)
{
	char y[256];

	snprintf(y, sizeof(y), "version: 1\nrules:\n"
		 "  - {name: r, users: [u], actions: [\"*\"], profile: %s}\n", name);
	*p = load_ok(y);
	assert_non_null((*p)->rules[0].profile);
	return (*p)->rules[0].profile;
}

/* PATS holds exactly the N strings that follow, in order. */
static void
assert_patterns(const struct patterns *pats, size_t n, ...)
{
	va_list ap;
	size_t i;

	assert_int_equal(pats->n, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(pats->items[i], va_arg(ap, const char *));
	va_end(ap);
}

/* An allowance that is set, not "any", and exactly these patterns. */
#define assert_list(a, ...) do { \
		assert_true((a)->set); \
		assert_false((a)->any); \
		assert_patterns(&(a)->list, __VA_ARGS__); \
	} while (0)
#define assert_any(a) do { \
		assert_true((a)->set); \
		assert_true((a)->any); \
		assert_int_equal((a)->list.n, 0); \
	} while (0)
#define assert_nothing(a) assert_list(a, 0)
#define assert_unset(a) do { \
		assert_false((a)->set); \
		assert_false((a)->any); \
		assert_int_equal((a)->list.n, 0); \
	} while (0)
#define assert_required(r, v) do { \
		assert_true((r)->set); \
		assert_int_equal((r)->value, (v)); \
	} while (0)
#define assert_limit(l, v) do { \
		assert_true((l)->set); \
		assert_int_equal((l)->max, (v)); \
	} while (0)

/* The PSS safe sysctls baseline allows (Kubernetes 1.29). */
static void
assert_safe_sysctls(const struct allow *a)
{
	assert_list(a, 10, "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
		    "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
		    "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
		    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
		    "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes");
}

/* ------------------------------------------------------------------------
 * Keys
 */

/* good/profiles-everything.yaml: every key, every value where it belongs. */
static void
test_profile_every_key(void **state)
{
	struct policy_diag d = { 0 };
	const struct profile *e;
	struct policy *p;
	char path[4200];

	(void)state;
	snprintf(path, sizeof(path), "%s/good/profiles-everything.yaml", fixture_dir());
	p = policy_load(path, &d);
	print_diag(&d);
	assert_non_null(p);
	assert_int_equal(p->nprofiles, 5);
	e = profile_named(p, "everything");
	assert_ptr_equal(rule_named(p, "tenants")->profile, e);
	assert_int_equal(e->line, 8);
	assert_int_equal(e->col, 3);

	assert_nothing(&e->privileged);
	/* dockerd's normalisation: upper case, no CAP_, ALL as is */
	assert_list(&e->cap_add, 4, "NET_BIND_SERVICE", "CHOWN", "KILL", "ALL");
	assert_required(&e->cap_drop_all, true);
	assert_list(&e->host_namespaces, 2, "network", "cgroupns");
	assert_any(&e->join_namespaces);
	assert_required(&e->user_non_root, true);
	assert_required(&e->no_new_privileges, true);
	assert_required(&e->confinement, false);
	assert_required(&e->read_only_rootfs, true);

	assert_true(e->mounts.set);
	assert_list(&e->mounts.bind, 2, "/srv/{user}/**", "/data/shared dir/*");
	assert_required(&e->mounts.bind_read_only, true);
	assert_list(&e->mounts.volume_drivers, 2, "local", "nfs-*");
	assert_patterns(&e->mounts.deny_paths, 2, "/srv/secrets", "/home");
	assert_list(&e->devices, 2, "/dev/fuse", "/dev/dri/*");

	assert_any(&e->ports.publish);
	/* canonical addresses and ports */
	assert_list(&e->ports.host_ips, 3, "127.0.0.1", "::1", "192.0.2.10");
	assert_list(&e->ports.host_ports, 4, "80", "8000-8999", "443", "22");
	assert_nothing(&e->ports.publish_all);

	assert_limit(&e->resources.memory, 1610612736LL);	/* 1.5 GiB */
	assert_limit(&e->resources.cpus, 250000000LL);		/* 0.25 CPU */
	assert_limit(&e->resources.pids, 100);

	assert_list(&e->networks.allow, 2, "none", "{user}-*");
	assert_list(&e->networks.drivers, 1, "bridge");
	assert_required(&e->networks.internal, true);
	assert_list(&e->log_drivers, 2, "json-file", "local");
	assert_list(&e->sysctls, 1, "net.ipv4.*");
	assert_list(&e->runtimes, 1, "runc");
	assert_list(&e->images, 2, "bb:*", "registry.example.com/**");
	assert_required(&e->image_digest, true);
	assert_list(&e->cgroup_parent, 1, "/tenants/{user}");
	assert_nothing(&e->oom_kill_disable);
	policy_free(p);
	policy_diag_free(&d);
}

/* true is "anything", false and [] "nothing", "deny" is false for bind; an
 * absent key, or an empty profile, constrains nothing. */
static void
test_profile_forms_and_absence(void **state)
{
	struct policy_diag d = { 0 };
	const struct profile *x;
	struct profile zero;
	struct policy *p;
	char path[4200];

	(void)state;
	snprintf(path, sizeof(path), "%s/good/profiles-everything.yaml", fixture_dir());
	p = policy_load(path, &d);
	print_diag(&d);
	assert_non_null(p);

	/* nothing: all zero but its name and place */
	x = profile_named(p, "nothing");
	memcpy(&zero, x, sizeof(zero));
	assert_string_equal(zero.name, "nothing");
	assert_int_equal(zero.line, 48);
	zero.name = NULL;
	zero.line = zero.col = 0;
	{
		static const struct profile empty;

		assert_memory_equal(&zero, &empty, sizeof(empty));
	}
	/* "mounts: {}" sets mounts.set and nothing else */
	x = profile_named(p, "only-mounts");
	assert_true(x->mounts.set);
	assert_unset(&x->mounts.bind);
	assert_unset(&x->mounts.volume_drivers);
	assert_int_equal(x->mounts.deny_paths.n, 0);
	assert_unset(&x->privileged);

	x = profile_named(p, "anything");
	assert_any(&x->privileged);
	assert_any(&x->host_namespaces);
	assert_nothing(&x->join_namespaces);
	assert_any(&x->devices);
	assert_any(&x->sysctls);
	assert_any(&x->cgroup_parent);
	assert_true(x->mounts.set);
	assert_any(&x->mounts.bind);
	assert_nothing(&x->mounts.volume_drivers);	/* [] */
	assert_nothing(&x->images);			/* false */
	assert_nothing(&x->ports.publish);
	assert_nothing(&x->ports.host_ports);
	assert_unset(&x->ports.host_ips);
	assert_required(&x->no_new_privileges, false);	/* set, not required */
	assert_false(x->resources.memory.set);
	assert_false(x->image_digest.set);
	assert_false(x->user_non_root.set);

	x = profile_named(p, "no-binds");
	assert_nothing(&x->mounts.bind);		/* deny */
	assert_any(&x->oom_kill_disable);
	assert_nothing(&x->cap_add);
	assert_required(&x->cap_drop_all, false);
	policy_free(p);
	policy_diag_free(&d);
}

static void
test_profile_capabilities_normalised(void **state)
{
	struct policy *p = load_ok(
		"version: 1\nprofiles:\n"
		"  c:\n"
		"    capabilities:\n"
		"      add: [sys_admin, Cap_Net_Raw, CAP_CHECKPOINT_RESTORE, chown, All, BPF,\n"
		"            audit_read, \"cap_audit_write\"]\n");
	const struct profile *c = profile_named(p, "c");

	(void)state;
	assert_list(&c->cap_add, 8, "SYS_ADMIN", "NET_RAW", "CHECKPOINT_RESTORE", "CHOWN",
		    "ALL", "BPF", "AUDIT_READ", "AUDIT_WRITE");
	assert_false(c->cap_drop_all.set);
	policy_free(p);
}

/* Every Linux capability dockerd knows (up to CAP_CHECKPOINT_RESTORE, 40),
 * with and without CAP_, is taken; near misses are not. */
static void
test_profile_capabilities_all_known(void **state)
{
	static const char *const caps[] = {
		"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
		"SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
		"NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE",
		"SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT",
		"SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
		"AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN",
		"SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
		"CHECKPOINT_RESTORE",
	};
	static const char *const wrong[] = {
		"SYS_ADMINS", "NET", "CAP_CAP_CHOWN", "CAPCHOWN", "CAP_ALL", "ALLL", "SETPCAPS",
		"CAP_SYS-ADMIN", "SYS_ADMIN_", "_CHOWN",
	};
	size_t cap = 8192, n = 0, i;
	char *y = malloc(cap), one[256];
	struct policy_diag d = { 0 };
	const struct profile *c;
	struct policy *p;

	(void)state;
	assert_non_null(y);
	assert_int_equal(sizeof(caps) / sizeof(caps[0]), 41);
	n += (size_t)snprintf(y + n, cap - n, "version: 1\nprofiles:\n  c: {capabilities: {add: [");
	for (i = 0; i < 41; i++)
		n += (size_t)snprintf(y + n, cap - n, "%s%s, cap_%s", i ? ", " : "", caps[i],
				      caps[i]);
	n += (size_t)snprintf(y + n, cap - n, "]}}\n");
	assert_true(n < cap);
	p = load_ok(y);
	free(y);
	c = profile_named(p, "c");
	assert_int_equal(c->cap_add.list.n, 82);
	for (i = 0; i < 41; i++) {
		assert_string_equal(c->cap_add.list.items[2 * i], caps[i]);
		assert_string_equal(c->cap_add.list.items[2 * i + 1], caps[i]);
	}
	policy_free(p);
	for (i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		snprintf(one, sizeof(one),
			 "version: 1\nprofiles:\n  c: {capabilities: {add: [%s]}}\n", wrong[i]);
		p = policy_load_buffer(NAME, one, strlen(one), &d);
		if (p != NULL || d.n != 1 || strstr(d.lines[0], "unknown capability") == NULL)
			fail_msg("capability %s was not refused", wrong[i]);
		policy_diag_free(&d);
	}
}

struct number_case {
	const char *text;	/* as the YAML holds it */
	long long want;		/* 0: refused */
};

/* Load "KEY: TEXT" under resources; the limit, or 0 if the value is refused. */
static long long
resource(const char *key, const char *text)
{
	struct policy_diag d = { 0 };
	struct policy *p;
	char y[512];
	long long v = 0;

	snprintf(y, sizeof(y), "version: 1\nprofiles:\n  r:\n    resources:\n      %s: %s\n",
		 key, text);
	p = policy_load_buffer(NAME, y, strlen(y), &d);
	if (p != NULL) {
		const struct profile *r = &p->profiles[0];

		v = strcmp(key, "memory_max") == 0 ? r->resources.memory.max :
		    strcmp(key, "cpus_max") == 0 ? r->resources.cpus.max : r->resources.pids.max;
		assert_int_equal(d.n, 0);
	} else {
		assert_int_equal(d.n, 1);
	}
	policy_free(p);
	policy_diag_free(&d);
	return v;
}

static void
check_numbers(const char *key, const struct number_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		long long got = resource(key, c[i].text);

		if (got != c[i].want)
			fail_msg("%s: %s gave %lld, want %lld", key, c[i].text, got, c[i].want);
	}
}

/* Memory sizes as dockerd reads them (RAMInBytes): binary units, any case. */
static void
test_profile_memory_sizes(void **state)
{
	static const struct number_case cases[] = {
		{ "1", 1 }, { "4096", 4096 }, { "1b", 1 }, { "1B", 1 },
		{ "1k", 1024 }, { "1K", 1024 }, { "1kb", 1024 }, { "1KiB", 1024 },
		{ "512m", 512LL << 20 }, { "512M", 512LL << 20 }, { "512mb", 512LL << 20 },
		{ "512MiB", 512LL << 20 }, { "\"512 m\"", 512LL << 20 },
		{ "1.5g", 3LL << 29 }, { "2G", 2LL << 30 }, { "2gib", 2LL << 30 },
		{ "1t", 1LL << 40 }, { "0.5k", 512 }, { "1.0000001k", 1024 },
		{ "\"8388607t\"", 8388607LL << 40 },
		/* refused */
		{ "0", 0 }, { "0k", 0 }, { "0.1b", 0 }, { "512x", 0 }, { "1p", 0 },
		{ "1pb", 0 }, { "m", 0 }, { "\"\"", 0 }, { "-1", 0 }, { "+1", 0 },
		{ "1e3", 0 }, { "1.", 0 }, { ".5g", 0 }, { "1..5g", 0 }, { "1kk", 0 },
		{ "1bb", 0 }, { "1kbb", 0 }, { "1ki", 0 }, { "1ib", 0 }, { "\"1 \"", 0 },
		{ "\"1  m\"", 0 }, { "8388608t", 0 }, { "99999999999999999999", 0 },
		{ "true", 0 }, { "~", 0 }, { "[1]", 0 },
	};

	(void)state;
	check_numbers("memory_max", cases, sizeof(cases) / sizeof(cases[0]));
}

/* CPUs as dockerd reads --cpus: exact, stored as nano-CPUs. */
static void
test_profile_cpus(void **state)
{
	static const struct number_case cases[] = {
		{ "1", 1000000000 }, { "1.5", 1500000000 }, { "\"2\"", 2000000000 },
		{ "0.001", 1000000 }, { "0.000000001", 1 }, { "64", 64000000000LL },
		{ "9223372035", 9223372035000000000LL },
		/* refused */
		{ "0", 0 }, { "0.0", 0 }, { "1.0000000001", 0 }, { "-1", 0 }, { "1e2", 0 },
		{ ".5", 0 }, { "1.", 0 }, { "1/2", 0 }, { "one", 0 }, { "9223372036", 0 },
		{ "false", 0 },
	};

	(void)state;
	check_numbers("cpus_max", cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_profile_pids(void **state)
{
	static const struct number_case cases[] = {
		{ "1", 1 }, { "256", 256 }, { "\"4096\"", 4096 },
		{ "9223372036854775807", 9223372036854775807LL },
		/* refused */
		{ "0", 0 }, { "-1", 0 }, { "1.5", 0 }, { "1k", 0 }, { "9223372036854775808", 0 },
		{ "\"\"", 0 },
	};

	(void)state;
	check_numbers("pids_max", cases, sizeof(cases) / sizeof(cases[0]));
}

/* Ports and addresses: which are taken, and how they are stored. */
static void
test_profile_ports_and_addresses(void **state)
{
	struct policy *p = load_ok(
		"version: 1\nprofiles:\n"
		"  n:\n"
		"    ports:\n"
		"      host_ports: [1, 65535, \"1-65535\", \"1024-65535\", 00080, \"0080-00081\"]\n"
		"      host_ips: [0.0.0.0, \"::\", \"fe80::1\", \"2001:DB8:0:0::1\",\n"
		"                 \"::ffff:10.0.0.1\"]\n");
	const struct profile *n = profile_named(p, "n");
	struct policy_diag d = { 0 };
	static const char *const bad_ports[] = {
		"0", "65536", "\"0-80\"", "\"80-\"", "\"-80\"", "\"9000-8000\"", "\"1-2-3\"",
		"\"8o\"", "\"80/tcp\"", "\"1-65536\"", "99999999999999999999",
	};
	static const char *const bad_ips[] = {
		"localhost", "\"127.0.0.1:80\"", "\"[::1]\"", "\"127.1\"", "\"1.2.3.256\"",
		"\"::1%lo\"", "\"01.2.3.4\"", "0",
	};
	char y[256];
	size_t i;

	(void)state;
	assert_list(&n->ports.host_ports, 6, "1", "65535", "1-65535", "1024-65535", "80", "80-81");
	assert_list(&n->ports.host_ips, 5, "0.0.0.0", "::", "fe80::1", "2001:db8::1",
		    "::ffff:10.0.0.1");
	policy_free(p);
	for (i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		snprintf(y, sizeof(y), "version: 1\nprofiles:\n  n: {ports: {host_ports: [%s]}}\n",
			 bad_ports[i]);
		p = policy_load_buffer(NAME, y, strlen(y), &d);
		if (p != NULL || d.n != 1)
			fail_msg("host port %s was not refused once", bad_ports[i]);
		assert_non_null(strstr(d.lines[0], "must be a port from 1 to 65535"));
		policy_diag_free(&d);
	}
	for (i = 0; i < sizeof(bad_ips) / sizeof(bad_ips[0]); i++) {
		snprintf(y, sizeof(y), "version: 1\nprofiles:\n  n: {ports: {host_ips: [%s]}}\n",
			 bad_ips[i]);
		p = policy_load_buffer(NAME, y, strlen(y), &d);
		if (p != NULL || d.n != 1)
			fail_msg("host IP %s was not refused once", bad_ips[i]);
		assert_non_null(strstr(d.lines[0], "must be an IP address"));
		policy_diag_free(&d);
	}
}

/* A profile's image patterns are compiled when it loads, each matching as
 * its text does; one with {user} is left to be expanded per call, and an
 * inherited list is compiled for the child too. */
static void
test_profile_images_compiled(void **state)
{
	struct policy *p = load_ok(
		"version: 1\nprofiles:\n"
		"  base:\n"
		"    images: [\"bb:*\", \"registry.example.com/{user}/**\", \"ghcr.io/org/*:1.*\"]\n"
		"  child:\n"
		"    extends: base\n"
		"    privileged: false\n");
	const char *names[] = { "base", "child" };
	struct image_ref bb, other, tagged;
	size_t i;

	(void)state;
	assert_int_equal(image_parse("bb:latest", &bb, NULL, 0), 0);
	assert_int_equal(image_parse("alpine", &other, NULL, 0), 0);
	assert_int_equal(image_parse("ghcr.io/org/app:1.2", &tagged, NULL, 0), 0);
	for (i = 0; i < 2; i++) {
		const struct profile *x = profile_named(p, names[i]);

		assert_non_null(x->images_compiled);
		assert_non_null(x->images_compiled[0]);
		assert_null(x->images_compiled[1]);	/* {user}: per call */
		assert_non_null(x->images_compiled[2]);
		assert_true(image_pattern_matches(x->images_compiled[0], &bb));
		assert_false(image_pattern_matches(x->images_compiled[0], &other));
		assert_true(image_pattern_matches(x->images_compiled[2], &tagged));
		assert_false(image_pattern_matches(x->images_compiled[2], &bb));
	}
	policy_free(p);
}

/* ------------------------------------------------------------------------
 * extends
 */

static void
test_profile_extends_merges(void **state)
{
	/* children before their parents: order in the file does not matter */
	struct policy *p = load_ok(
		"version: 1\nprofiles:\n"
		"  child:\n"
		"    extends: parent\n"
		"    images: [\"mine/*\"]\n"
		"    mounts: {bind: [\"/srv/{user}\"]}\n"
		"    ports: {host_ips: [10.0.0.1]}\n"
		"    resources: {memory_max: 1g}\n"
		"    capabilities: {add: [KILL]}\n"
		"    privileged: true\n"
		"  parent:\n"
		"    extends: grandparent\n"
		"    images: [\"parent/*\", \"other/*\"]\n"
		"    mounts: {bind: deny, volume_drivers: [local], deny_paths: [/x]}\n"
		"    ports: {host_ips: [127.0.0.1], host_ports: [\"1024-65535\"]}\n"
		"    resources: {memory_max: 512m, pids_max: 100}\n"
		"    capabilities: {add: [CHOWN], drop_all: true}\n"
		"    networks: {drivers: [bridge]}\n"
		"  grandparent:\n"
		"    privileged: false\n"
		"    runtimes: [runc]\n"
		"    networks: {allow: [none], internal: true}\n"
		"    log_drivers: [local]\n");
	const struct profile *c = profile_named(p, "child"), *par = profile_named(p, "parent");
	const struct profile *g = profile_named(p, "grandparent");

	(void)state;
	/* a top-level key replaces the parent's wholesale */
	assert_list(&c->images, 1, "mine/*");
	assert_any(&c->privileged);
	/* inside mounts, ports, resources, capabilities: sub-key by sub-key */
	assert_list(&c->mounts.bind, 1, "/srv/{user}");
	assert_list(&c->mounts.volume_drivers, 1, "local");
	assert_patterns(&c->mounts.deny_paths, 1, "/x");
	assert_true(c->mounts.set);
	assert_list(&c->ports.host_ips, 1, "10.0.0.1");
	assert_list(&c->ports.host_ports, 1, "1024-65535");
	assert_limit(&c->resources.memory, 1LL << 30);
	assert_limit(&c->resources.pids, 100);
	assert_false(c->resources.cpus.set);
	assert_list(&c->cap_add, 1, "KILL");
	assert_required(&c->cap_drop_all, true);
	/* networks: drivers from the parent, the rest from the grandparent */
	assert_list(&c->networks.drivers, 1, "bridge");
	assert_list(&c->networks.allow, 1, "none");
	assert_required(&c->networks.internal, true);
	/* from the grandparent, through the parent */
	assert_list(&c->runtimes, 1, "runc");
	assert_list(&c->log_drivers, 1, "local");
	/* the parents are complete themselves, and keep their own values */
	assert_list(&par->images, 2, "parent/*", "other/*");
	assert_nothing(&par->privileged);
	assert_list(&par->runtimes, 1, "runc");
	assert_nothing(&par->mounts.bind);
	assert_false(g->mounts.set);
	assert_unset(&g->images);
	/* each keeps its own name and place */
	assert_string_equal(c->name, "child");
	assert_int_equal(c->line, 3);
	assert_string_equal(par->name, "parent");
	assert_int_equal(par->line, 11);
	/* copies, not shared: a child's list is not its parent's */
	assert_true(c->mounts.volume_drivers.list.items != par->mounts.volume_drivers.list.items);
	policy_free(p);
}

/* A parent's "mounts" (sensitive paths denied) holds in its children, even
 * those that give no mounts key; and a child can lift a parent's limit only
 * by saying so. */
static void
test_profile_extends_builtins(void **state)
{
	struct policy *p = load_ok(
		"version: 1\nprofiles:\n"
		"  web:\n"
		"    extends: cis\n"
		"    ports: {host_ips: [192.0.2.10]}\n"
		"    resources: {memory_max: 8g}\n"
		"    read_only_rootfs: false\n"
		"  gpu:\n"
		"    extends: baseline\n"
		"    devices: [\"/dev/nvidia*\"]\n"
		"  ro-tenant:\n"
		"    extends: restricted\n"
		"    mounts: {bind_read_only: true}\n"
		"rules:\n"
		"  - {name: w, users: [a], actions: [\"*\"], profile: web}\n"
		"  - {name: c, users: [a], actions: [\"*\"], profile: cis}\n");
	const struct profile *web = profile_named(p, "web"), *cis = rule_named(p, "c")->profile;
	const struct profile *gpu = profile_named(p, "gpu"), *t = profile_named(p, "ro-tenant");

	(void)state;
	assert_ptr_equal(rule_named(p, "w")->profile, web);
	assert_true(web->mounts.set);
	assert_list(&web->ports.host_ips, 1, "192.0.2.10");
	assert_list(&web->ports.host_ports, 1, "1024-65535");
	assert_nothing(&web->ports.publish_all);
	assert_limit(&web->resources.memory, 8LL << 30);
	assert_limit(&web->resources.cpus, 2000000000LL);
	assert_required(&web->read_only_rootfs, false);
	assert_nothing(&web->privileged);
	/* the built-in is not changed by its child */
	assert_list(&cis->ports.host_ips, 2, "127.0.0.1", "::1");
	assert_limit(&cis->resources.memory, 4LL << 30);
	assert_required(&cis->read_only_rootfs, true);

	assert_list(&gpu->devices, 1, "/dev/nvidia*");
	assert_nothing(&gpu->host_namespaces);
	assert_safe_sysctls(&gpu->sysctls);

	/* restricted's bind: deny and volume_drivers survive a mounts key */
	assert_nothing(&t->mounts.bind);
	assert_list(&t->mounts.volume_drivers, 1, "local");
	assert_required(&t->mounts.bind_read_only, true);
	assert_required(&t->user_non_root, true);
	assert_list(&t->cap_add, 1, "NET_BIND_SERVICE");
	policy_free(p);
}

/* A chain of 3000, listed child first: resolved without recursion, each
 * level adding its own key and keeping its parent's. */
static void
test_profile_extends_long_chain(void **state)
{
	enum { N = 3000 };
	size_t cap = 1 << 20, n = 0, i;
	char *y = malloc(cap);
	const struct profile *top;
	struct policy *p;

	(void)state;
	assert_non_null(y);
	n += (size_t)snprintf(y + n, cap - n, "version: 1\nprofiles:\n");
	for (i = N; i-- > 1;)
		n += (size_t)snprintf(y + n, cap - n, "  p%zu: {extends: p%zu%s}\n", i, i - 1,
				      i == N / 2 ? ", resources: {pids_max: 7}" : "");
	n += (size_t)snprintf(y + n, cap - n, "  p0: {extends: restricted, images: [\"x\"]}\n");
	assert_true(n < cap);
	p = load_ok(y);
	free(y);
	assert_int_equal(p->nprofiles, N);
	top = profile_named(p, "p2999");
	assert_list(&top->images, 1, "x");
	assert_limit(&top->resources.pids, 7);
	assert_required(&top->user_non_root, true);
	assert_false(profile_named(p, "p1")->resources.pids.set);
	policy_free(p);
}

/* ------------------------------------------------------------------------
 * Built-in profiles
 */

/* They load with every policy, even one that names none. */
static void
test_profile_builtins_load(void **state)
{
	struct policy_diag d = { 0 };
	struct policy *p;

	(void)state;
	p = policy_load_buffer(NAME, "version: 1\n", 11, &d);
	print_diag(&d);
	assert_non_null(p);
	assert_int_equal(d.n, 0);
	assert_int_equal(p->nprofiles, 0);
	policy_free(p);
}

static void
test_profile_builtin_baseline(void **state)
{
	struct policy *p;
	const struct profile *b = builtin("baseline", &p);

	(void)state;
	assert_string_equal(b->name, "baseline");
	assert_int_equal(b->line, 0);
	assert_int_equal(b->col, 0);
	assert_nothing(&b->privileged);
	assert_list(&b->cap_add, 13, "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID",
		    "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID",
		    "SYS_CHROOT");
	assert_false(b->cap_drop_all.set);
	assert_nothing(&b->host_namespaces);
	assert_unset(&b->join_namespaces);
	assert_required(&b->confinement, true);
	assert_true(b->mounts.set);
	assert_nothing(&b->mounts.bind);
	assert_unset(&b->mounts.volume_drivers);
	assert_nothing(&b->devices);
	assert_safe_sysctls(&b->sysctls);
	/* not baseline's business */
	assert_false(b->user_non_root.set);
	assert_false(b->no_new_privileges.set);
	assert_false(b->read_only_rootfs.set);
	assert_unset(&b->ports.publish);
	assert_false(b->resources.memory.set);
	assert_unset(&b->images);
	policy_free(p);
}

static void
test_profile_builtin_restricted(void **state)
{
	struct policy *p;
	const struct profile *r = builtin("restricted", &p);

	(void)state;
	assert_string_equal(r->name, "restricted");
	assert_int_equal(r->line, 0);
	/* baseline's */
	assert_nothing(&r->privileged);
	assert_nothing(&r->host_namespaces);
	assert_required(&r->confinement, true);
	assert_nothing(&r->devices);
	assert_safe_sysctls(&r->sysctls);
	/* and restricted's own */
	assert_required(&r->cap_drop_all, true);
	assert_list(&r->cap_add, 1, "NET_BIND_SERVICE");
	assert_required(&r->user_non_root, true);
	assert_required(&r->no_new_privileges, true);
	assert_nothing(&r->join_namespaces);
	assert_true(r->mounts.set);
	assert_nothing(&r->mounts.bind);
	assert_list(&r->mounts.volume_drivers, 1, "local");
	assert_false(r->read_only_rootfs.set);
	policy_free(p);
}

static void
test_profile_builtin_cis(void **state)
{
	struct policy *p;
	const struct profile *c = builtin("cis", &p);

	(void)state;
	assert_string_equal(c->name, "cis");
	assert_required(&c->confinement, true);				/* 5.2, 5.3, 5.22 */
	assert_list(&c->cap_add, 14, "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",
		    "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "NET_RAW", "SETFCAP",
		    "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");		/* 5.4 */
	assert_nothing(&c->privileged);					/* 5.5 */
	assert_true(c->mounts.set);					/* 5.6, 5.32 */
	assert_unset(&c->mounts.bind);
	assert_list(&c->ports.host_ports, 1, "1024-65535");		/* 5.8 */
	assert_list(&c->ports.host_ips, 2, "127.0.0.1", "::1");		/* 5.14 */
	assert_nothing(&c->ports.publish_all);
	assert_nothing(&c->host_namespaces);		/* 5.10, 5.16, 5.17, 5.21, 5.31 */
	assert_limit(&c->resources.memory, 4LL << 30);			/* 5.11 */
	assert_limit(&c->resources.cpus, 2000000000LL);			/* 5.12 */
	assert_limit(&c->resources.pids, 1024);				/* 5.29 */
	assert_required(&c->read_only_rootfs, true);			/* 5.13 */
	assert_nothing(&c->devices);					/* 5.18 */
	assert_required(&c->user_non_root, true);			/* 5.24 */
	assert_nothing(&c->cgroup_parent);				/* 5.25 */
	assert_required(&c->no_new_privileges, true);			/* 5.26 */
	assert_unset(&c->sysctls);
	assert_false(c->cap_drop_all.set);
	policy_free(p);
}

/* One copy per policy, shared by its rules; freeing one policy leaves
 * another's intact (ASan and valgrind would see it otherwise). */
static void
test_profile_builtins_per_policy(void **state)
{
	static const char y[] =
		"version: 1\nrules:\n"
		"  - {name: a, users: [a], actions: [\"*\"], profile: restricted}\n"
		"  - {name: b, users: [b], actions: [\"*\"], profile: restricted}\n"
		"  - {name: c, users: [c], actions: [\"*\"], profile: baseline}\n"
		"  - {name: d, users: [d], actions: [\"*\"]}\n";
	struct policy *p1 = load_ok(y), *p2 = load_ok(y);

	(void)state;
	assert_ptr_equal(p1->rules[0].profile, p1->rules[1].profile);
	assert_true(p1->rules[0].profile != p1->rules[2].profile);
	assert_null(p1->rules[3].profile);
	assert_true(p1->rules[0].profile != p2->rules[0].profile);
	policy_free(p1);
	assert_string_equal(p2->rules[0].profile->name, "restricted");
	assert_list(&p2->rules[0].profile->mounts.volume_drivers, 1, "local");
	policy_free(p2);
}

/* ------------------------------------------------------------------------
 * The contract's example
 */

static void
test_profile_contract_example(void **state)
{
	struct policy_diag d = { 0 };
	const struct profile *t;
	struct policy *p;
	char path[4200];

	(void)state;
	/* as written, owner rule and all: loads */
	snprintf(path, sizeof(path), "%s/good/contract-full.yaml", fixture_dir());
	p = policy_load(path, &d);
	print_diag(&d);
	assert_non_null(p);
	assert_true(rule_named(p, "tenants")->owner_required);
	assert_false(rule_named(p, "admins")->owner_required);
	assert_string_equal(p->owner_label, "io.portcullis.owner");
	policy_free(p);
	policy_diag_free(&d);

	/* without that line: loads, profiles and all */
	snprintf(path, sizeof(path), "%s/good/contract-profiles.yaml", fixture_dir());
	p = policy_load(path, &d);
	print_diag(&d);
	assert_non_null(p);
	assert_int_equal(p->nprofiles, 1);
	t = profile_named(p, "tenant");
	assert_ptr_equal(rule_named(p, "tenants")->profile, t);
	assert_list(&t->images, 2, "bb:*", "registry.example.com/**");
	assert_list(&t->mounts.bind, 1, "/srv/tenants/{user}/**");
	assert_list(&t->mounts.volume_drivers, 1, "local");	/* restricted's */
	assert_limit(&t->resources.memory, 512LL << 20);
	assert_limit(&t->resources.cpus, 1000000000LL);
	assert_limit(&t->resources.pids, 256);
	assert_list(&t->networks.allow, 2, "none", "{user}-*");
	assert_list(&t->networks.drivers, 1, "bridge");
	assert_required(&t->user_non_root, true);		/* restricted's */
	assert_required(&t->cap_drop_all, true);
	assert_string_equal(rule_named(p, "ci")->profile->name, "restricted");
	assert_null(rule_named(p, "admins")->profile);
	assert_null(rule_named(p, "no-plugins-for-anyone-else")->profile);
	policy_free(p);
	policy_diag_free(&d);
}

/* ------------------------------------------------------------------------
 * Refusing bad profiles: one row per mistake, each its exact lines.
 */

struct bad_case {
	const char *name;
	const char *yaml;
	const char *want[6];
};

#define P "version: 1\nprofiles:\n  p:\n"	/* a profile "p" at line 3; keys on line 4 */
#define RULE(profile) "rules:\n  - {name: r, users: [a], actions: [\"*\"], profile: " profile "}\n"
#define PROFILE_KEYS "(valid keys: extends, privileged, capabilities, host_namespaces, " \
	"join_namespaces, user, no_new_privileges, confinement, read_only_rootfs, mounts, " \
	"devices, ports, resources, networks, log_drivers, sysctls, runtimes, images, " \
	"image_digest, cgroup_parent, oom_kill_disable)"
#define NOT_A_PROFILE "(neither a built-in profile (baseline, restricted, cis) nor one " \
	"defined under \"profiles\")"
#define CAP_EXPECTED "(expected a Linux capability such as NET_BIND_SERVICE, with or " \
	"without CAP_, or ALL)"
#define SIZE_EXPECTED "a positive size with an optional unit b, k, m, g or t, e.g. 512m"
#define PORT_EXPECTED "a port from 1 to 65535 or a range such as \"8000-8999\" " \
	"(lower port first)"

static const struct bad_case bad_cases[] = {
	/* the mapping of profiles, and each profile */
	{ "profiles_sequence", "version: 1\nprofiles: [tenant]\n",
	  { "t.yaml:2:11: \"profiles\" must be a mapping of profile names to profiles, not a "
	    "sequence" } },
	{ "profiles_null_then_rule", "version: 1\nprofiles:\n" RULE("tenant"),
	  { "t.yaml:2:10: \"profiles\" must be a mapping of profile names to profiles, not "
	    "null" } },
	{ "profile_null", "version: 1\nprofiles:\n  tenant:\n",
	  { "t.yaml:3:10: profile \"tenant\" must be a mapping, e.g. {extends: restricted}, not "
	    "null" } },
	{ "profile_string", "version: 1\nprofiles:\n  tenant: restricted\n",
	  { "t.yaml:3:11: profile \"tenant\" must be a mapping, e.g. {extends: restricted}, not "
	    "\"restricted\"" } },
	{ "profile_name_space", "version: 1\nprofiles:\n  \"my profile\": {}\n",
	  { "t.yaml:3:3: invalid profile name \"my profile\": names cannot contain whitespace or "
	    "control characters" } },
	{ "profile_name_empty", "version: 1\nprofiles:\n  \"\": {}\n",
	  { "t.yaml:3:3: invalid profile name \"\": it is empty" } },
	{ "profile_name_null", "version: 1\nprofiles:\n  ~: {}\n",
	  { "t.yaml:3:3: a profile name must be a string, not null" } },
	{ "profile_name_builtin", "version: 1\nprofiles:\n  restricted: {privileged: true}\n",
	  { "t.yaml:3:3: \"restricted\" is the name of a built-in profile: choose another name "
	    "(a profile can extend it)" } },
	{ "profile_duplicate", "version: 1\nprofiles:\n  a: {}\n  b: {}\n  a: {}\n",
	  { "t.yaml:5:3: duplicate key \"a\" (first at line 3)" } },
	{ "unknown_key", P "    privileges: false\n",
	  { "t.yaml:4:5: unknown key \"privileges\" in a profile " PROFILE_KEYS } },
	{ "unknown_sub_key", P "    mounts: {binds: deny}\n",
	  { "t.yaml:4:14: unknown key \"binds\" in \"mounts\" (valid keys: bind, bind_read_only, "
	    "volume_drivers, deny_paths)" } },
	{ "duplicate_key", P "    privileged: false\n    privileged: true\n",
	  { "t.yaml:5:5: duplicate key \"privileged\" (first at line 4)" } },

	/* types */
	{ "bool_yes", P "    privileged: yes\n",
	  { "t.yaml:4:17: \"privileged\" must be true or false, not \"yes\"" } },
	{ "bool_sequence", P "    join_namespaces: [container]\n",
	  { "t.yaml:4:22: \"join_namespaces\" must be true or false, not a sequence" } },
	{ "bool_null", P "    ports: {publish_all: }\n",
	  { "t.yaml:4:26: \"ports.publish_all\" must be true or false, not null" } },
	{ "require_quoted", P "    no_new_privileges: \"true\"\n",
	  { "t.yaml:4:24: \"no_new_privileges\" must be true or false, not \"true\"" } },
	{ "require_number", P "    capabilities: {drop_all: 1}\n",
	  { "t.yaml:4:30: \"capabilities.drop_all\" must be true or false, not \"1\"" } },
	{ "allow_string", P "    devices: /dev/fuse\n",
	  { "t.yaml:4:14: \"devices\" must be true, false or a sequence of host device path "
	    "patterns, e.g. [/dev/fuse], not \"/dev/fuse\"" } },
	{ "allow_mapping", P "    images: {bb: latest}\n",
	  { "t.yaml:4:13: \"images\" must be true, false or a sequence of image patterns, e.g. "
	    "[\"registry.example.com/**\"], not a mapping" } },
	{ "bind_allow", P "    mounts: {bind: allow}\n",
	  { "t.yaml:4:20: \"mounts.bind\" must be deny, true, false or a sequence of absolute "
	    "host path patterns, e.g. [\"/srv/{user}/**\"], not \"allow\"" } },
	{ "deny_paths_string", P "    mounts: {deny_paths: /srv}\n",
	  { "t.yaml:4:26: \"mounts.deny_paths\" must be a sequence of absolute host paths, e.g. "
	    "[/srv/secrets], not \"/srv\"" } },
	{ "map_string", P "    mounts: deny\n",
	  { "t.yaml:4:13: \"mounts\" must be a mapping, e.g. {bind: deny, volume_drivers: "
	    "[local]}, not \"deny\"" } },
	{ "map_sequence", P "    resources: [1g]\n",
	  { "t.yaml:4:16: \"resources\" must be a mapping, e.g. {memory_max: 512m, cpus_max: 1, "
	    "pids_max: 256}, not a sequence" } },
	{ "user_root", P "    user: root\n",
	  { "t.yaml:4:11: \"user\" must be non-root, not \"root\"" } },
	{ "user_true", P "    user: true\n",
	  { "t.yaml:4:11: \"user\" must be non-root, not a boolean" } },
	{ "image_digest_true", P "    image_digest: true\n",
	  { "t.yaml:4:19: \"image_digest\" must be required, not a boolean" } },
	{ "image_digest_word", P "    image_digest: pinned\n",
	  { "t.yaml:4:19: \"image_digest\" must be required, not \"pinned\"" } },

	/* entries */
	{ "entry_null", P "    runtimes: [runc, ~]\n",
	  { "t.yaml:4:22: an entry of \"runtimes\" must be a string, not null" } },
	{ "entry_mapping", P "    networks: {allow: [{name: x}]}\n",
	  { "t.yaml:4:24: an entry of \"networks.allow\" must be a string, not a mapping" } },
	{ "entry_empty", P "    log_drivers: [\"\"]\n",
	  { "t.yaml:4:19: an entry of \"log_drivers\" must not be empty" } },
	{ "entry_whitespace", P "    sysctls: [\"net.ipv4.* \"]\n",
	  { "t.yaml:4:15: an entry of \"sysctls\" must not contain whitespace or control "
	    "characters: \"net.ipv4.* \"" } },
	{ "entry_control", P "    mounts: {bind: [\"/srv/a\\tb\"]}\n",
	  { "t.yaml:4:21: an entry of \"mounts.bind\" must not contain control characters: "
	    "\"/srv/a\\x09b\"" } },
	{ "placeholder_typo", P "    images: [\"reg/{usr}/*\"]\n",
	  { "t.yaml:4:14: an entry of \"images\" may use braces only in the placeholder {user}: "
	    "\"reg/{usr}/*\"" } },
	{ "placeholder_unclosed", P "    cgroup_parent: [\"/t/{user\"]\n",
	  { "t.yaml:4:21: an entry of \"cgroup_parent\" may use braces only in the placeholder "
	    "{user}: \"/t/{user\"" } },
	{ "unknown_capability", P "    capabilities: {add: [NET_ADMIN, NET_ADMINN]}\n",
	  { "t.yaml:4:37: unknown capability \"NET_ADMINN\" in \"capabilities.add\" "
	    CAP_EXPECTED } },
	{ "cap_all_prefixed", P "    capabilities: {add: [CAP_ALL]}\n",
	  { "t.yaml:4:26: unknown capability \"CAP_ALL\" in \"capabilities.add\" " CAP_EXPECTED } },
	{ "cap_prefix_alone", P "    capabilities: {add: [CAP_]}\n",
	  { "t.yaml:4:26: unknown capability \"CAP_\" in \"capabilities.add\" " CAP_EXPECTED } },
	{ "unknown_namespace", P "    host_namespaces: [net]\n",
	  { "t.yaml:4:23: unknown namespace \"net\" in \"host_namespaces\" (valid: network, pid, "
	    "ipc, uts, userns, cgroupns)" } },
	{ "namespace_case", P "    host_namespaces: [PID]\n",
	  { "t.yaml:4:23: unknown namespace \"PID\" in \"host_namespaces\" (valid: network, pid, "
	    "ipc, uts, userns, cgroupns)" } },
	{ "bind_relative", P "    mounts: {bind: [srv/data]}\n",
	  { "t.yaml:4:21: an entry of \"mounts.bind\" must be an absolute path (starting with "
	    "\"/\"), not \"srv/data\"" } },
	{ "bind_user_relative", P "    mounts: {bind: [\"{user}/data\"]}\n",
	  { "t.yaml:4:21: an entry of \"mounts.bind\" must be an absolute path (starting with "
	    "\"/\"), not \"{user}/data\"" } },
	{ "bind_dotdot", P "    mounts: {bind: [\"/srv/{user}/../../etc\"]}\n",
	  { "t.yaml:4:21: an entry of \"mounts.bind\" must not have \".\" or \"..\" components: "
	    "\"/srv/{user}/../../etc\"" } },
	{ "bind_dot", P "    mounts: {bind: [/srv/./x]}\n",
	  { "t.yaml:4:21: an entry of \"mounts.bind\" must not have \".\" or \"..\" components: "
	    "\"/srv/./x\"" } },
	{ "device_relative", P "    devices: [dev/fuse]\n",
	  { "t.yaml:4:15: an entry of \"devices\" must be an absolute path (starting with "
	    "\"/\"), not \"dev/fuse\"" } },
	{ "deny_path_relative", P "    mounts: {deny_paths: [secrets]}\n",
	  { "t.yaml:4:27: an entry of \"mounts.deny_paths\" must be an absolute path (starting "
	    "with \"/\"), not \"secrets\"" } },
	{ "deny_path_pattern", P "    mounts: {deny_paths: [\"/srv/*\"]}\n",
	  { "t.yaml:4:27: an entry of \"mounts.deny_paths\" is a path, not a pattern: \"/srv/*\" "
	    "(*, ?, [, ], { and } are not allowed)" } },
	{ "deny_path_user", P "    mounts: {deny_paths: [\"/home/{user}\"]}\n",
	  { "t.yaml:4:27: an entry of \"mounts.deny_paths\" is a path, not a pattern: "
	    "\"/home/{user}\" (*, ?, [, ], { and } are not allowed)" } },
	{ "port_range_reversed", P "    ports: {host_ports: [\"9000-8000\"]}\n",
	  { "t.yaml:4:26: an entry of \"ports.host_ports\" must be " PORT_EXPECTED ", not "
	    "\"9000-8000\"" } },
	{ "port_zero", P "    ports: {host_ports: [0]}\n",
	  { "t.yaml:4:26: an entry of \"ports.host_ports\" must be " PORT_EXPECTED ", not "
	    "\"0\"" } },
	{ "port_too_high", P "    ports: {host_ports: [\"80-65536\"]}\n",
	  { "t.yaml:4:26: an entry of \"ports.host_ports\" must be " PORT_EXPECTED ", not "
	    "\"80-65536\"" } },
	{ "host_ip_name", P "    ports: {host_ips: [localhost]}\n",
	  { "t.yaml:4:24: an entry of \"ports.host_ips\" must be an IP address such as 127.0.0.1 "
	    "or ::1, not \"localhost\"" } },

	/* numbers */
	{ "memory_unit", P "    resources: {memory_max: 512x}\n",
	  { "t.yaml:4:29: \"resources.memory_max\" must be " SIZE_EXPECTED ", not \"512x\"" } },
	{ "memory_petabytes", P "    resources: {memory_max: 1p}\n",
	  { "t.yaml:4:29: \"resources.memory_max\" must be " SIZE_EXPECTED ", not \"1p\"" } },
	{ "memory_zero", P "    resources: {memory_max: 0}\n",
	  { "t.yaml:4:29: \"resources.memory_max\" must be " SIZE_EXPECTED ", not \"0\"" } },
	{ "memory_negative", P "    resources: {memory_max: -1g}\n",
	  { "t.yaml:4:29: \"resources.memory_max\" must be " SIZE_EXPECTED ", not \"-1g\"" } },
	{ "cpus_precise", P "    resources: {cpus_max: 0.0000000001}\n",
	  { "t.yaml:4:27: \"resources.cpus_max\" must be a positive number of CPUs with at most 9 "
	    "decimals, e.g. 1.5, not \"0.0000000001\"" } },
	{ "pids_zero", P "    resources: {pids_max: 0}\n",
	  { "t.yaml:4:27: \"resources.pids_max\" must be a positive whole number, e.g. 256, not "
	    "\"0\"" } },
	{ "pids_boolean", P "    resources: {pids_max: true}\n",
	  { "t.yaml:4:27: \"resources.pids_max\" must be a positive whole number, e.g. 256, not "
	    "a boolean" } },

	/* names of profiles */
	{ "rule_unknown_profile", "version: 1\nprofiles:\n  tenant: {}\n" RULE("tennant"),
	  { "t.yaml:5:52: unknown profile \"tennant\" " NOT_A_PROFILE } },
	{ "rule_profile_case", "version: 1\n" RULE("Restricted"),
	  { "t.yaml:3:52: unknown profile \"Restricted\" " NOT_A_PROFILE } },
	{ "rule_profile_sequence", "version: 1\n" RULE("[restricted]"),
	  { "t.yaml:3:52: \"profile\" must be a string, not a sequence" } },
	{ "rule_profile_inline", "version: 1\nrules:\n  - name: r\n    users: [a]\n"
	  "    actions: [\"*\"]\n    profile: {privileged: false}\n",
	  { "t.yaml:6:14: \"profile\" must be a string, not a mapping" } },
	{ "extends_unknown", P "    extends: restrictd\n",
	  { "t.yaml:4:14: unknown profile \"restrictd\" in \"extends\" " NOT_A_PROFILE } },
	{ "extends_sequence", P "    extends: [baseline, cis]\n",
	  { "t.yaml:4:14: \"extends\" must be a string, not a sequence" } },
	{ "extends_self", P "    extends: p\n",
	  { "t.yaml:4:14: \"extends\" makes a cycle: \"p\" -> \"p\"" } },
	{ "extends_cycle", "version: 1\nprofiles:\n"
	  "  a: {extends: b}\n  b: {extends: c}\n  c: {extends: a}\n  d: {extends: c}\n"
	  "  e: {extends: restricted}\n" RULE("d"),
	  { "t.yaml:3:16: \"extends\" makes a cycle: \"a\" -> \"b\" -> \"c\" -> \"a\"" } },
	{ "extends_cycle_found_late", "version: 1\nprofiles:\n"
	  "  d: {extends: c}\n  a: {extends: b}\n  b: {extends: c}\n  c: {extends: a}\n",
	  { "t.yaml:6:16: \"extends\" makes a cycle: \"c\" -> \"a\" -> \"b\" -> \"c\"" } },
	{ "extends_broken_parent", "version: 1\nprofiles:\n"
	  "  child: {extends: parent, images: [x]}\n  parent: {privileged: maybe}\n",
	  { "t.yaml:4:24: \"privileged\" must be true or false, not \"maybe\"" } },

	/* a deny rule denies whatever the request holds: its profile would be ignored */
	{ "profile_on_deny_rule", "version: 1\n"
	  "rules:\n  - {name: r, users: [a], actions: [\"*\"], profile: cis, effect: deny}\n",
	  { "t.yaml:3:52: \"profile\" has no effect in a rule with \"effect: deny\"; remove one "
	    "of them" } },

	/* several problems, in file order */
	{ "several", "version: 1\nprofiles:\n"
	  "  t:\n"
	  "    extends: restricted\n"
	  "    user: root\n"
	  "    capabilities: {add: [SYS_ADMINN], drop_all: no}\n"
	  "    resources: {memory_max: 1q, pids_max: -5}\n"
	  "    mounts: {bind: [relative]}\n"
	  "rules:\n"
	  "  - {name: r, users: [a], actions: [\"*\"], profile: t}\n",
	  { "t.yaml:5:11: \"user\" must be non-root, not \"root\"",
	    "t.yaml:6:26: unknown capability \"SYS_ADMINN\" in \"capabilities.add\" " CAP_EXPECTED,
	    "t.yaml:6:49: \"capabilities.drop_all\" must be true or false, not \"no\"",
	    "t.yaml:7:29: \"resources.memory_max\" must be " SIZE_EXPECTED ", not \"1q\"",
	    "t.yaml:7:43: \"resources.pids_max\" must be a positive whole number, e.g. 256, not "
	    "\"-5\"",
	    "t.yaml:8:21: an entry of \"mounts.bind\" must be an absolute path (starting with "
	    "\"/\"), not \"relative\"" } },
};

#define NBAD (sizeof(bad_cases) / sizeof(bad_cases[0]))

static void
test_profile_error(void **state)
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
		cmocka_unit_test(test_profile_every_key),
		cmocka_unit_test(test_profile_forms_and_absence),
		cmocka_unit_test(test_profile_capabilities_normalised),
		cmocka_unit_test(test_profile_capabilities_all_known),
		cmocka_unit_test(test_profile_memory_sizes),
		cmocka_unit_test(test_profile_cpus),
		cmocka_unit_test(test_profile_pids),
		cmocka_unit_test(test_profile_ports_and_addresses),
		cmocka_unit_test(test_profile_extends_merges),
		cmocka_unit_test(test_profile_extends_builtins),
		cmocka_unit_test(test_profile_extends_long_chain),
		cmocka_unit_test(test_profile_builtins_load),
		cmocka_unit_test(test_profile_builtin_baseline),
		cmocka_unit_test(test_profile_builtin_restricted),
		cmocka_unit_test(test_profile_builtin_cis),
		cmocka_unit_test(test_profile_builtins_per_policy),
		cmocka_unit_test(test_profile_contract_example),
		cmocka_unit_test(test_profile_images_compiled),
	};
	static struct CMUnitTest errors[NBAD];
	static char names[NBAD][64];
	size_t i;
	int failed;

	for (i = 0; i < NBAD; i++) {
		snprintf(names[i], sizeof(names[i]), "test_profile_error_%s", bad_cases[i].name);
		errors[i].name = names[i];
		errors[i].test_func = test_profile_error;
		errors[i].initial_state = (void *)&bad_cases[i];
	}
	failed = cmocka_run_group_tests_name("profile", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("profile errors", errors, NULL, NULL);
	return failed != 0;
}
