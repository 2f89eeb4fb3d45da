/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_constraints.c - profiles applied to requests. For every profile key a
 * request that passes and one that fails with the exact reason; the JSON
 * differential and normalisation bypasses, each under a profile that forbids
 * what it carries, denied; real corpus bodies (the hardened "web" container
 * passes a strict profile, the others fail it for the right reasons); and no
 * request of the corpus is denied by an empty profile.
 *
 * Profiles are built by hand, as the policy loader would build them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "constraints.h"
#include "policy.h"
#include "requtil.h"

#define LIST(...) { (char *[]){ __VA_ARGS__ }, sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *) }
#define ALLOW(...) { .set = true, .list = LIST(__VA_ARGS__) }
#define NOTHING { .set = true }
#define ANY { .set = true, .any = true }
#define REQUIRED { .set = true, .value = true }

#define CREATE "/v1.41/containers/create"

/* ---------------------------------------------------------------- helpers */

static void check_reasons(const struct decision *d, int rc, int want_rc, va_list ap)
{
	const char *want;
	unsigned i = 0;

	while ((want = va_arg(ap, const char *)) != NULL) {
		size_t len = strlen(want);

		if (i >= d->nreasons)
			fail_msg("missing reason %u: \"%s\" (rc %d)", i, want, rc);
		/* "...*" matches a prefix: the rest is another module's error text */
		if (len > 0 && want[len - 1] == '*' ? strncmp(d->reasons[i], want, len - 1) != 0 :
		    strcmp(d->reasons[i], want) != 0)
			fail_msg("reason %u:\n  got  \"%s\"\n  want \"%s\"", i, d->reasons[i], want);
		i++;
	}
	if (i != d->nreasons)
		fail_msg("unexpected reason %u: \"%s\" (rc %d)", i, d->reasons[i], rc);
	if (rc != want_rc)
		fail_msg("rc %d, want %d (%u reasons)", rc, want_rc, d->nreasons);
}

/* Check METHOD URI BODY (user alice) against P: return code and the exact
 * reasons, NULL-terminated. */
static void expect(const struct profile *p, const char *method, const char *uri, const char *body,
		   int want_rc, ...)
{
	struct decision d;
	struct req r;
	va_list ap;
	int rc;

	assert_int_equal(req_make(&r, "alice", method, uri, body, body ? strlen(body) : 0), 0);
	memset(&d, 0, sizeof(d));
	rc = constraints_check(p, &r.rq, &d);
	req_free(&r);
	va_start(ap, want_rc);
	check_reasons(&d, rc, want_rc, ap);
	va_end(ap);
}

/* The same for the NTH request to URI in the corpus (TLS user alice). */
static void expect_corpus(const struct profile *p, const char *method, const char *uri, int nth,
			  int want_rc, ...)
{
	struct decision d;
	struct req r;
	va_list ap;
	int rc;

	assert_int_equal(req_corpus(&r, "tls-alice.jsonl", method, uri, nth), 0);
	assert_string_equal(r.rq.user, "alice");
	memset(&d, 0, sizeof(d));
	rc = constraints_check(p, &r.rq, &d);
	req_free(&r);
	va_start(ap, want_rc);
	check_reasons(&d, rc, want_rc, ap);
	va_end(ap);
}

/* A create whose HostConfig is HC. */
static const char *hc(char *buf, size_t len, const char *hostconfig)
{
	snprintf(buf, len, "{\"Image\":\"bb\",\"HostConfig\":{%s}}", hostconfig);
	return buf;
}

/* ---------------------------------------------------------------- the empty profile */

/* No key, no constraint: every real request of the corpus passes, except
 * what no profile allows (swarm init). */
static void test_empty_profile_allows_the_corpus(void **state)
{
	const struct profile empty = { .name = "empty" };
	static const char *const files[] = { "unix-socket.jsonl", "tls-alice.jsonl" };
	char path[512], *line = NULL;
	size_t cap = 0, f, n = 0;

	(void)state;
	for (f = 0; f < 2; f++) {
		FILE *fp;

		corpus_path(path, sizeof(path), files[f]);
		fp = fopen(path, "r");
		assert_non_null(fp);
		while (getline(&line, &cap, fp) > 0) {
			cJSON *o = cJSON_Parse(line);
			const cJSON *call = cJSON_GetObjectItemCaseSensitive(o, "call");
			const cJSON *m, *u;
			struct decision d;
			struct req r;
			int rc;

			if (!cJSON_IsString(call) || strcmp(call->valuestring, "AuthZReq") != 0) {
				cJSON_Delete(o);
				continue;
			}
			m = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "request"),
							     "RequestMethod");
			u = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "request"),
							     "RequestUri");
			/* the first request with this method and URI is enough */
			assert_int_equal(req_corpus(&r, files[f], m->valuestring, u->valuestring, 0), 0);
			memset(&d, 0, sizeof(d));
			rc = constraints_check(&empty, &r.rq, &d);
			if (r.rq.action == ACTION_SwarmInit)
				assert_int_equal(rc, 1);
			else if (rc != 0)
				fail_msg("%s %s: rc %d: %s", m->valuestring, u->valuestring, rc,
					 d.nreasons ? d.reasons[0] : "");
			req_free(&r);
			cJSON_Delete(o);
			n++;
		}
		fclose(fp);
	}
	free(line);
	assert_true(n > 100);
}

/* ---------------------------------------------------------------- bodies */

static const struct profile tenant_privileged = { .name = "tenant", .privileged = NOTHING };

static void test_body_missing_or_unreadable_denied(void **state)
{
	char *big;

	(void)state;
	expect(&tenant_privileged, "POST", CREATE, NULL, -1,
	       "ContainerCreate body cannot be checked: the request has no body, which ContainerCreate "
	       "needs (dockerd does not forward chunked or large bodies on some versions) (profile "
	       "tenant)", NULL);
	expect(&tenant_privileged, "POST", "/v1.41/containers/web/update", "", -1,
	       "ContainerUpdate body cannot be checked: the request has no body, which ContainerUpdate "
	       "needs (dockerd does not forward chunked or large bodies on some versions) (profile "
	       "tenant)", NULL);
	expect(&tenant_privileged, "POST", CREATE, "{\"HostConfig\":{\"Privileged\":\"true\"}}", -1,
	       "ContainerCreate body cannot be checked: HostConfig.Privileged must be a boolean "
	       "(dockerd would refuse the request) (profile tenant)", NULL);

	/* CVE-2026-34040: padded past 1 MiB, older engines forward no body */
	big = malloc(2 * BODY_MAX + 1);
	assert_non_null(big);
	memset(big, ' ', 2 * BODY_MAX);
	big[2 * BODY_MAX] = '\0';
	memcpy(big, "{\"HostConfig\":{\"Privileged\":true}}", 34);
	expect(&tenant_privileged, "POST", CREATE, big, -1,
	       "ContainerCreate body cannot be checked: the body is 2097152 bytes; 1 MiB or more is "
	       "refused (dockerd before 29.3.1 does not forward such bodies) (profile tenant)", NULL);
	free(big);

	/* no body needed, none checked */
	expect(&tenant_privileged, "POST", "/v1.41/containers/web/start", NULL, 0, NULL);
	expect(&tenant_privileged, "GET", "/v1.41/containers/json", NULL, 0, NULL);
	expect(&tenant_privileged, "POST", "/v1.41/exec/abc/start", "{\"Detach\":false}", 0, NULL);
	expect(&tenant_privileged, "POST", "/v1.41/secrets/create", "{\"Name\":\"s\"}", 0, NULL);
	expect(&tenant_privileged, "POST", "/v1.41/secrets/create", NULL, -1,
	       "SecretCreate body cannot be checked: the request has no body, which SecretCreate "
	       "needs (dockerd does not forward chunked or large bodies on some versions) (profile "
	       "tenant)", NULL);
}

/* docker/cli#7086 and the lab notes: what dockerd reads as Privileged=true. */
static void test_json_differentials_denied(void **state)
{
	static const char *const priv = "HostConfig.Privileged=true is not allowed (profile tenant)";
	static const char *const ambiguous =
		"ContainerCreate body cannot be checked: the body is not JSON that dockerd reads "
		"unambiguously: object has keys that differ only in case or are repeated (dockerd "
		"would read the last one; refused as ambiguous) (profile tenant)";

	(void)state;
	expect(&tenant_privileged, "POST", CREATE, "{\"hostconfig\":{\"privileged\":true}}", 1, priv, NULL);
	expect(&tenant_privileged, "POST", CREATE, "{\"HostConfig\":{\"\\u0050rivileged\":true}}", 1,
	       priv, NULL);
	expect(&tenant_privileged, "POST", CREATE, "{\"HOSTCONFIG\":{\"PRIVILEGED\":true}}", 1, priv, NULL);
	expect(&tenant_privileged, "POST", CREATE,
	       "{\"HostConfig\":{\"Privileged\":false,\"privileged\":true}}", -1, ambiguous, NULL);
	expect(&tenant_privileged, "POST", CREATE,
	       "{\"HostConfig\":{\"Privileged\":false},\"HostConfig\":{\"Privileged\":true}}", -1,
	       ambiguous, NULL);
	expect(&tenant_privileged, "POST", CREATE, "{\"HostConfig\":{\"Privileged\":false}}", 0, NULL);
}

/* ---------------------------------------------------------------- privileged */

static void test_privileged(void **state)
{
	(void)state;
	expect_corpus(&tenant_privileged, "POST", CREATE "?name=priv", 0, 1,
		      "HostConfig.Privileged=true is not allowed (profile tenant)", NULL);
	expect_corpus(&tenant_privileged, "POST", CREATE "?name=web", 0, 0, NULL);
	/* docker exec --privileged: every capability, whatever the container */
	expect_corpus(&tenant_privileged, "POST", "/v1.41/containers/web/exec", 1, 1,
		      "Privileged=true is not allowed (profile tenant)", NULL);
	expect_corpus(&tenant_privileged, "POST", "/v1.41/containers/web/exec", 0, 0, NULL);
}

/* ---------------------------------------------------------------- capabilities */

static const struct profile restricted_caps = {
	.name = "restricted",
	.cap_add = ALLOW("NET_BIND_SERVICE"),
	.cap_drop_all = REQUIRED,
};

static void test_capabilities(void **state)
{
	static const char *const spellings[] = {
		"sys_admin", "cap_sys_admin", "CAP_SYS_ADMIN", "Cap_Sys_Admin", "SYS_ADMIN",
		"\\u017fys_admin",	/* Go's ToUpper makes the long s an S */
	};
	char body[256], esc[64];
	size_t i;

	(void)state;
	expect_corpus(&restricted_caps, "POST", CREATE "?name=web", 0, 0, NULL);
	expect_corpus(&restricted_caps, "POST", CREATE "?name=bad", 0, 1,
		      "HostConfig.CapAdd contains ALL, allowed: NET_BIND_SERVICE (profile restricted)",
		      "HostConfig.CapAdd contains SYS_ADMIN, allowed: NET_BIND_SERVICE (profile restricted)",
		      "HostConfig.CapDrop does not contain ALL (profile restricted)", NULL);
	for (i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		snprintf(esc, sizeof(esc), "\"CapAdd\":[\"%s\"],\"CapDrop\":[\"all\"]", spellings[i]);
		expect(&restricted_caps, "POST", CREATE, hc(body, sizeof(body), esc), 1,
		       "HostConfig.CapAdd contains SYS_ADMIN, allowed: NET_BIND_SERVICE (profile restricted)",
		       NULL);
	}
	expect(&restricted_caps, "POST", CREATE,
	       hc(body, sizeof(body), "\"CapAdd\":[\"aLL\"],\"CapDrop\":[\"ALL\"]"), 1,
	       "HostConfig.CapAdd contains ALL, allowed: NET_BIND_SERVICE (profile restricted)", NULL);
	/* allowed in any spelling dockerd accepts, dotless i included */
	expect(&restricted_caps, "POST", CREATE,
	       hc(body, sizeof(body),
		  "\"CapAdd\":[\"net_bind_service\",\"cap_net_b\\u0131nd_serv\\u0131ce\"],\"CapDrop\":[\"ALL\"]"),
	       0, NULL);
	/* privileged is every capability; exec --privileged too */
	expect_corpus(&restricted_caps, "POST", CREATE "?name=priv", 0, 1,
		      "HostConfig.Privileged=true grants all capabilities, allowed: NET_BIND_SERVICE "
		      "(profile restricted)", NULL);
	expect_corpus(&restricted_caps, "POST", "/v1.41/containers/web/exec", 1, 1,
		      "Privileged=true grants all capabilities, allowed: NET_BIND_SERVICE (profile "
		      "restricted)", NULL);
	/* services: CapabilityAdd / CapabilityDrop */
	expect_corpus(&restricted_caps, "POST", "/v1.41/services/create", 0, 1,
		      "TaskTemplate.ContainerSpec.CapabilityAdd contains SYS_ADMIN, allowed: "
		      "NET_BIND_SERVICE (profile restricted)",
		      "TaskTemplate.ContainerSpec.CapabilityDrop does not contain ALL (profile restricted)",
		      NULL);
}

static void test_capabilities_drop_all_alone(void **state)
{
	const struct profile p = { .name = "p", .cap_drop_all = REQUIRED };
	char body[256];

	(void)state;
	expect(&p, "POST", CREATE, hc(body, sizeof(body), "\"CapDrop\":[\"all\"],\"CapAdd\":[\"SYS_ADMIN\"]"),
	       0, NULL);
	/* CapAdd ALL wins over CapDrop ALL in TweakCapabilities */
	expect(&p, "POST", CREATE, hc(body, sizeof(body), "\"CapDrop\":[\"ALL\"],\"CapAdd\":[\"all\"]"), 1,
	       "HostConfig.CapAdd contains ALL, which adds back every capability CapDrop ALL removes "
	       "(profile p)", NULL);
	expect(&p, "POST", CREATE, hc(body, sizeof(body), "\"CapDrop\":[\"CAP_ALL\"]"), 1,
	       "HostConfig.CapDrop does not contain ALL (profile p)", NULL);
	expect(&p, "POST", CREATE, hc(body, sizeof(body), "\"Privileged\":true,\"CapDrop\":[\"ALL\"]"), 1,
	       "HostConfig.Privileged=true grants all capabilities; capabilities.drop_all requires "
	       "dropping them (profile p)", NULL);
}

/* ---------------------------------------------------------------- namespaces */

static void test_host_namespaces(void **state)
{
	const struct profile none = { .name = "tenant", .host_namespaces = NOTHING };
	const struct profile net = { .name = "tenant", .host_namespaces = ALLOW("network") };
	char body[256];

	(void)state;
	expect_corpus(&none, "POST", CREATE "?name=web", 0, 0, NULL);
	expect_corpus(&none, "POST", CREATE "?name=priv", 0, 1,
		      "HostConfig.NetworkMode=host is not allowed (profile tenant)",
		      "HostConfig.PidMode=host is not allowed (profile tenant)", NULL);
	expect_corpus(&none, "POST", CREATE "?name=bad", 0, 1,
		      "HostConfig.IpcMode=host is not allowed (profile tenant)",
		      "HostConfig.UTSMode=host is not allowed (profile tenant)",
		      "HostConfig.UsernsMode=host is not allowed (profile tenant)",
		      "HostConfig.CgroupnsMode=host is not allowed (profile tenant)", NULL);
	expect_corpus(&net, "POST", CREATE "?name=priv", 0, 1,
		      "HostConfig.PidMode=host, allowed: network (profile tenant)", NULL);
	/* U+212A KELVIN SIGN folds to k: dockerd reads NetworkMode */
	expect(&none, "POST", CREATE, "{\"HostConfig\":{\"Networ\xe2\x84\xaaMode\":\"host\"}}", 1,
	       "HostConfig.NetworkMode=host is not allowed (profile tenant)", NULL);
	/* compared exactly, as IsHost() does */
	expect(&none, "POST", CREATE, hc(body, sizeof(body), "\"PidMode\":\"HOST\""), 0, NULL);
	expect(&none, "POST", CREATE,
	       "{\"NetworkingConfig\":{\"EndpointsConfig\":{\"host\":{}}}}", 1,
	       "NetworkingConfig.EndpointsConfig[host] is not allowed (profile tenant)", NULL);
	expect(&none, "POST", "/v1.41/build?t=x&networkmode=host", NULL, 1,
	       "networkmode=host is not allowed (profile tenant)", NULL);
	expect(&none, "POST", "/v1.41/build?t=x&networkmode=default", NULL, 0, NULL);
	expect(&none, "POST", "/v1.41/services/create",
	       "{\"TaskTemplate\":{\"Networks\":[{\"Target\":\"host\"}]}}", 1,
	       "TaskTemplate.Networks[0].Target=host is not allowed (profile tenant)", NULL);
	expect(&none, "POST", "/v1.41/networks/host/connect", "{\"Container\":\"c\"}", 1,
	       "connecting to network host is not allowed (profile tenant)", NULL);
	/* API 1.40 on cgroup v1 hosts: an empty CgroupnsMode is host */
	expect(&none, "POST", "/v1.40/containers/create", "{\"HostConfig\":{}}", 1,
	       "HostConfig.CgroupnsMode is empty, which API 1.40 reads as host on cgroup v1 hosts; "
	       "set it to private (profile tenant)", NULL);
	expect(&none, "POST", "/v1.40/containers/create", hc(body, sizeof(body), "\"CgroupnsMode\":\"private\""),
	       0, NULL);
}

static void test_join_namespaces(void **state)
{
	const struct profile none = { .name = "tenant", .join_namespaces = NOTHING };
	const struct profile pid = { .name = "tenant", .join_namespaces = ALLOW("pid", "volumes") };
	char body[256];

	(void)state;
	expect_corpus(&none, "POST", CREATE "?name=web", 0, 0, NULL);
	expect_corpus(&none, "POST", CREATE "?name=bad", 0, 1,
		      "HostConfig.NetworkMode=container:xyz is not allowed (profile tenant)",
		      "HostConfig.VolumesFrom[0]=web2 is not allowed (profile tenant)", NULL);
	expect(&none, "POST", CREATE,
	       hc(body, sizeof(body), "\"PidMode\":\"container:a\",\"IpcMode\":\"container:b\","
				      "\"Cgroup\":\"container:c\""), 1,
	       "HostConfig.PidMode=container:a is not allowed (profile tenant)",
	       "HostConfig.IpcMode=container:b is not allowed (profile tenant)",
	       "HostConfig.Cgroup=container:c is not allowed (profile tenant)", NULL);
	expect(&pid, "POST", CREATE,
	       hc(body, sizeof(body), "\"PidMode\":\"container:a\",\"IpcMode\":\"container:b\","
				      "\"VolumesFrom\":[\"x\"]"), 1,
	       "HostConfig.IpcMode=container:b, allowed: pid, volumes (profile tenant)", NULL);
}

/* ---------------------------------------------------------------- user */

static void test_user_non_root(void **state)
{
	const struct profile p = { .name = "tenant", .user_non_root = REQUIRED };
	static const char *const roots[] = { "0", "root", "0:0", "root:users", "00", "+0", "-0", "0:1000" };
	static const char *const fine[] = { "1000", "1000:0", "nobody", "app:app", "rooty" };
	char body[128], want[128];
	size_t i;

	(void)state;
	expect_corpus(&p, "POST", CREATE "?name=web", 0, 0, NULL);
	expect_corpus(&p, "POST", CREATE "?name=priv", 0, 1,
		      "User is not set, so the image's user applies, which may be root (profile tenant)",
		      NULL);
	expect_corpus(&p, "POST", "/v1.41/containers/web/exec", 1, 1,
		      "User=root runs as root (profile tenant)", NULL);
	expect_corpus(&p, "POST", "/v1.41/containers/web/exec", 0, 1,
		      "User is not set, so the container's user applies, which may be root (profile "
		      "tenant)", NULL);
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(body, sizeof(body), "{\"User\":\"%s\",\"Cmd\":[\"id\"]}", roots[i]);
		snprintf(want, sizeof(want), "User=%s runs as root (profile tenant)", roots[i]);
		expect(&p, "POST", "/v1.41/containers/web/exec", body, 1, want, NULL);
	}
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		snprintf(body, sizeof(body), "{\"User\":\"%s\",\"Image\":\"bb\"}", fine[i]);
		expect(&p, "POST", CREATE, body, 0, NULL);
	}
	expect(&p, "POST", "/v1.41/services/create",
	       "{\"TaskTemplate\":{\"ContainerSpec\":{\"User\":\"0\"}}}", 1,
	       "TaskTemplate.ContainerSpec.User=0 runs as root (profile tenant)", NULL);
}

/* ---------------------------------------------------------------- no_new_privileges */

static void test_no_new_privileges(void **state)
{
	const struct profile p = { .name = "tenant", .no_new_privileges = REQUIRED };
	static const char *const on[] = {
		"[\"no-new-privileges\"]", "[\"no-new-privileges=true\"]", "[\"no-new-privileges:1\"]",
		"[\"no-new-privileges=TRUE\"]", "[\"no-new-privileges=false\",\"no-new-privileges\"]",
	};
	static const struct {
		const char *opts, *reason;
	} off[] = {
		{ "null", "HostConfig.SecurityOpt does not contain no-new-privileges (profile tenant)" },
		{ "[]", "HostConfig.SecurityOpt does not contain no-new-privileges (profile tenant)" },
		{ "[\"no-new-privileges=false\"]",
		  "HostConfig.SecurityOpt contains no-new-privileges=false (profile tenant)" },
		{ "[\"no-new-privileges=0\"]",
		  "HostConfig.SecurityOpt contains no-new-privileges=0 (profile tenant)" },
		{ "[\"no-new-privileges\",\"no-new-privileges:f\"]",
		  "HostConfig.SecurityOpt contains no-new-privileges:f (profile tenant)" },
		{ "[\"no-new-privileges=yes\"]",
		  "HostConfig.SecurityOpt contains no-new-privileges=yes (profile tenant)" },
		{ "[\"No-New-Privileges\"]",
		  "HostConfig.SecurityOpt does not contain no-new-privileges (profile tenant)" },
	};
	char body[256], opts[128];
	size_t i;

	(void)state;
	expect_corpus(&p, "POST", CREATE "?name=web", 0, 0, NULL);
	for (i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		snprintf(opts, sizeof(opts), "\"SecurityOpt\":%s", on[i]);
		expect(&p, "POST", CREATE, hc(body, sizeof(body), opts), 0, NULL);
	}
	for (i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		snprintf(opts, sizeof(opts), "\"SecurityOpt\":%s", off[i].opts);
		expect(&p, "POST", CREATE, hc(body, sizeof(body), opts), 1, off[i].reason, NULL);
	}
	expect(&p, "POST", "/v1.44/services/create",
	       "{\"TaskTemplate\":{\"ContainerSpec\":{\"Privileges\":{\"NoNewPrivileges\":true}}}}", 0, NULL);
	expect(&p, "POST", "/v1.44/services/create", "{\"TaskTemplate\":{\"ContainerSpec\":{}}}", 1,
	       "TaskTemplate.ContainerSpec.Privileges.NoNewPrivileges is not true (profile tenant)", NULL);
	expect(&p, "POST", "/v1.43/services/create",
	       "{\"TaskTemplate\":{\"ContainerSpec\":{\"Privileges\":{\"NoNewPrivileges\":true}}}}", 1,
	       "TaskTemplate.ContainerSpec.Privileges.NoNewPrivileges is ignored by dockerd for API "
	       "1.43 (1.44 or later needed) (profile tenant)", NULL);
}

/* ---------------------------------------------------------------- confinement */

static const struct profile confined = { .name = "tenant", .confinement = REQUIRED };

static void test_confinement(void **state)
{
	static const struct {
		const char *opt, *reason;
	} off[] = {
		{ "seccomp:unconfined", "HostConfig.SecurityOpt contains seccomp:unconfined (no seccomp "
					"filtering) (profile tenant)" },
		{ "apparmor=unconfined", "HostConfig.SecurityOpt contains apparmor=unconfined (no "
					 "AppArmor profile) (profile tenant)" },
		{ "apparmor:unconfined", "HostConfig.SecurityOpt contains apparmor:unconfined (no "
					 "AppArmor profile) (profile tenant)" },
		{ "label=disable", "HostConfig.SecurityOpt contains label=disable (no SELinux "
				   "confinement) (profile tenant)" },
		{ "label:disable", "HostConfig.SecurityOpt contains label:disable (no SELinux "
				   "confinement) (profile tenant)" },
		{ "disable", "HostConfig.SecurityOpt contains disable (no SELinux confinement) "
			     "(profile tenant)" },
		{ "label=type:spc_t", "HostConfig.SecurityOpt contains label=type:spc_t (not a confined "
				      "SELinux type) (profile tenant)" },
		{ "label=user:system_u", "HostConfig.SecurityOpt contains label=user:system_u (SELinux "
					 "user and role cannot be changed) (profile tenant)" },
		{ "writable-cgroups", "HostConfig.SecurityOpt contains writable-cgroups (writable cgroup "
				      "filesystem) (profile tenant)" },
		{ "writable-cgroups=t", "HostConfig.SecurityOpt contains writable-cgroups=t (writable "
					"cgroup filesystem) (profile tenant)" },
		{ "systempaths=unconfined", "HostConfig.SecurityOpt contains systempaths=unconfined "
					    "(unmasked /proc and /sys) (profile tenant)" },
		{ "seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\"}",
		  "HostConfig.SecurityOpt has a seccomp profile whose defaultAction is SCMP_ACT_ALLOW "
		  "(no filtering) (profile tenant)" },
		{ "seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ERRNO\\\",\\\"defaultaction\\\":\\\"SCMP_ACT_ALLOW\\\"}",
		  "HostConfig.SecurityOpt has a seccomp profile that cannot be checked: object has keys "
		  "that differ only in case or are repeated (dockerd would read the last one; refused as "
		  "ambiguous) (profile tenant)" },
	};
	static const char *const on[] = {
		"seccomp=builtin", "apparmor=docker-default", "label=level:s0:c100,c200",
		"label=type:container_t", "writable-cgroups=false",
		"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ERRNO\\\"}", "no-new-privileges",
	};
	char body[512], opts[256];
	size_t i;

	(void)state;
	expect_corpus(&confined, "POST", CREATE "?name=web", 0, 0, NULL);
	expect_corpus(&confined, "POST", CREATE "?name=bad", 0, 1,
		      "HostConfig.SecurityOpt contains label=disable (no SELinux confinement) (profile tenant)",
		      "HostConfig.SecurityOpt contains seccomp=unconfined (no seccomp filtering) (profile tenant)",
		      "HostConfig.SecurityOpt contains apparmor=unconfined (no AppArmor profile) (profile tenant)",
		      NULL);
	expect_corpus(&confined, "POST", CREATE "?name=priv", 0, 1,
		      "HostConfig.Privileged=true disables seccomp, AppArmor and the masking of /proc "
		      "and /sys (profile tenant)", NULL);
	for (i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		snprintf(opts, sizeof(opts), "\"SecurityOpt\":[\"%s\"]", off[i].opt);
		expect(&confined, "POST", CREATE, hc(body, sizeof(body), opts), 1, off[i].reason, NULL);
	}
	for (i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		snprintf(opts, sizeof(opts), "\"SecurityOpt\":[\"%s\"]", on[i]);
		expect(&confined, "POST", CREATE, hc(body, sizeof(body), opts), 0, NULL);
	}
	/* the last seccomp= wins, as in parseSecurityOpt */
	expect(&confined, "POST", CREATE,
	       hc(body, sizeof(body), "\"SecurityOpt\":[\"seccomp=unconfined\",\"seccomp=builtin\"]"), 0, NULL);
	/* MaskedPaths: [] is systempaths=unconfined; null keeps the defaults */
	expect(&confined, "POST", CREATE, hc(body, sizeof(body), "\"MaskedPaths\":[]"), 1,
	       "HostConfig.MaskedPaths=[] unmasks /proc and /sys paths (profile tenant)", NULL);
	expect(&confined, "POST", CREATE, hc(body, sizeof(body), "\"MaskedPaths\":null,\"ReadonlyPaths\":null"),
	       0, NULL);
	expect(&confined, "POST", CREATE, hc(body, sizeof(body), "\"ReadonlyPaths\":[]"), 1,
	       "HostConfig.ReadonlyPaths=[] makes /proc/sys and other kernel paths writable (profile tenant)",
	       NULL);
	expect(&confined, "POST", CREATE, hc(body, sizeof(body), "\"MaskedPaths\":[\"/proc/kcore\"]"), 1,
	       "HostConfig.MaskedPaths lacks /proc/acpi (profile tenant)", NULL);
	expect(&confined, "POST", CREATE,
	       hc(body, sizeof(body), "\"ReadonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\","
				      "\"/proc/sys\",\"/proc/sysrq-trigger\",\"/extra\"]"), 0, NULL);
	/* exec --privileged adds capabilities only */
	expect_corpus(&confined, "POST", "/v1.41/containers/web/exec", 1, 0, NULL);
}

static void test_confinement_services(void **state)
{
	/* {"defaultAction":"SCMP_ACT_LOG"} */
	static const char *const log_profile = "eyJkZWZhdWx0QWN0aW9uIjoiU0NNUF9BQ1RfTE9HIn0=";
	char body[512];

	(void)state;
	expect(&confined, "POST", "/v1.44/services/create",
	       "{\"TaskTemplate\":{\"ContainerSpec\":{\"Privileges\":{\"Seccomp\":{\"Mode\":\"unconfined\"},"
	       "\"AppArmor\":{\"Mode\":\"disabled\"},\"SELinuxContext\":{\"Disable\":true}}}}}", 1,
	       "TaskTemplate.ContainerSpec.Privileges.Seccomp.Mode=unconfined (no seccomp filtering) "
	       "(profile tenant)",
	       "TaskTemplate.ContainerSpec.Privileges.AppArmor.Mode=disabled (no AppArmor profile) "
	       "(profile tenant)",
	       "TaskTemplate.ContainerSpec.Privileges.SELinuxContext.Disable=true (no SELinux "
	       "confinement) (profile tenant)", NULL);
	snprintf(body, sizeof(body), "{\"TaskTemplate\":{\"ContainerSpec\":{\"Privileges\":{\"Seccomp\":"
		 "{\"Mode\":\"custom\",\"Profile\":\"%s\"}}}}}", log_profile);
	expect(&confined, "POST", "/v1.44/services/create", body, 1,
	       "TaskTemplate.ContainerSpec.Privileges has a seccomp profile whose defaultAction is "
	       "SCMP_ACT_LOG (no filtering) (profile tenant)", NULL);
	/* before API 1.44 dockerd drops Seccomp and AppArmor */
	expect(&confined, "POST", "/v1.43/services/create",
	       "{\"TaskTemplate\":{\"ContainerSpec\":{\"Privileges\":{\"Seccomp\":{\"Mode\":\"unconfined\"}}}}}",
	       0, NULL);
	expect(&confined, "POST", "/v1.44/services/create",
	       "{\"TaskTemplate\":{\"ContainerSpec\":{\"Privileges\":{\"Seccomp\":{\"Mode\":\"default\"}}}}}",
	       0, NULL);
}

static void test_read_only_rootfs(void **state)
{
	const struct profile p = { .name = "tenant", .read_only_rootfs = REQUIRED };

	(void)state;
	expect_corpus(&p, "POST", CREATE "?name=web", 0, 0, NULL);
	expect_corpus(&p, "POST", CREATE "?name=priv", 0, 1,
		      "HostConfig.ReadonlyRootfs is not true (profile tenant)", NULL);
	expect_corpus(&p, "POST", "/v1.41/services/create", 0, 1,
		      "TaskTemplate.ContainerSpec.ReadOnly is not true (profile tenant)", NULL);
	expect(&p, "POST", "/v1.41/services/create",
	       "{\"TaskTemplate\":{\"ContainerSpec\":{\"ReadOnly\":true}}}", 0, NULL);
}

/* ---------------------------------------------------------------- mounts */

static const struct profile tenant_mounts = {
	.name = "tenant",
	.mounts = {
		.set = true,
		.bind = ALLOW("/srv/tenants/{user}/**"),
		.bind_read_only = REQUIRED,
		.volume_drivers = ALLOW("local"),
	},
};

static void test_mounts_sensitive(void **state)
{
	static const char *const etc[] = { "/etc", "/etc/", "//etc", "/var/../etc", "/srv/../etc",
					   "/etc/./ssl/..", };
	char body[256], binds[128];
	size_t i;

	(void)state;
	expect_corpus(&tenant_mounts, "POST", CREATE "?name=priv", 0, 1,
		      "HostConfig.Binds[0] mounts /run/docker.sock (sensitive host path *", NULL);
	for (i = 0; i < sizeof(etc) / sizeof(etc[0]); i++) {
		snprintf(binds, sizeof(binds), "\"Binds\":[\"%s:/h:ro\"]", etc[i]);
		expect(&tenant_mounts, "POST", CREATE, hc(body, sizeof(body), binds), 1,
		       "HostConfig.Binds[0] mounts /etc (sensitive host path /etc) (profile tenant)", NULL);
	}
	/* Bind + U+017F is Binds to dockerd */
	expect(&tenant_mounts, "POST", CREATE, "{\"HostConfig\":{\"Bind\xc5\xbf\":[\"/etc:/h\"]}}", 1,
	       "HostConfig.Binds[0] mounts /etc (sensitive host path /etc) (profile tenant)", NULL);
	expect(&tenant_mounts, "POST", CREATE, hc(body, sizeof(body), "\"Binds\":[\"/:/h:ro\"]"), 1,
	       "HostConfig.Binds[0] mounts / (sensitive host path /) (profile tenant)", NULL);
	/* --mount type=bind,src=/etc,readonly */
	expect_corpus(&tenant_mounts, "POST", CREATE, 1, 1,
		      "HostConfig.Mounts[0] mounts /etc (sensitive host path /etc) (profile tenant)", NULL);
	/* an inline local volume binding /etc is a bind of /etc */
	expect_corpus(&tenant_mounts, "POST", CREATE, 3, 1,
		      "HostConfig.Mounts[0].VolumeOptions.DriverConfig mounts /etc (sensitive host path "
		      "/etc) (profile tenant)", NULL);
	/* docker volume create --opt type=none --opt o=bind --opt device=/etc evil */
	expect_corpus(&tenant_mounts, "POST", "/v1.41/volumes/create", 0, 1,
		      "DriverOpts mounts /etc (sensitive host path /etc) (profile tenant)", NULL);
	/* docker service create --mount type=bind,src=/etc --cap-add SYS_ADMIN */
	expect_corpus(&tenant_mounts, "POST", "/v1.41/services/create", 0, 1,
		      "TaskTemplate.ContainerSpec.Mounts[0] mounts /etc (sensitive host path /etc) "
		      "(profile tenant)", NULL);
	/* -v evil:/x names a volume, checked when it was created */
	expect_corpus(&tenant_mounts, "POST", CREATE, 2, 0, NULL);
}

static void test_mounts_allowlist(void **state)
{
	const struct profile nobind = { .name = "tenant", .mounts = { .set = true, .bind = NOTHING } };
	char body[512];

	(void)state;
	expect(&tenant_mounts, "POST", CREATE,
	       hc(body, sizeof(body), "\"Binds\":[\"/srv/tenants/alice/data:/d:ro\",\"named:/n\",\"/anon\"],"
				      "\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv/tenants/alice/x\","
				      "\"Target\":\"/x\",\"ReadOnly\":true},{\"Type\":\"tmpfs\",\"Target\":\"/t\"},"
				      "{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/v\"}]"), 0, NULL);
	expect_corpus(&tenant_mounts, "POST", CREATE "?name=web", 0, 1,
		      "HostConfig.Binds[0] mounts /srv/data, allowed: /srv/tenants/alice/** (profile tenant)",
		      NULL);
	expect(&tenant_mounts, "POST", CREATE,
	       hc(body, sizeof(body), "\"Binds\":[\"/srv/tenants/bob/x:/x:ro\",\"/srv/tenants/alice/y:/y\"]"), 1,
	       "HostConfig.Binds[0] mounts /srv/tenants/bob/x, allowed: /srv/tenants/alice/** (profile tenant)",
	       "HostConfig.Binds[1] mounts /srv/tenants/alice/y read-write; bind mounts must be read-only "
	       "(profile tenant)", NULL);
	expect(&tenant_mounts, "POST", CREATE,
	       hc(body, sizeof(body), "\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv/tenants/alice/x\"}]"), 1,
	       "HostConfig.Mounts[0] mounts /srv/tenants/alice/x read-write; bind mounts must be "
	       "read-only (profile tenant)", NULL);
	expect(&nobind, "POST", CREATE, hc(body, sizeof(body), "\"Binds\":[\"/srv/x:/x:ro\"]"), 1,
	       "HostConfig.Binds[0] mounts host path /srv/x; bind mounts are not allowed (profile tenant)",
	       NULL);
	expect(&nobind, "POST", CREATE, hc(body, sizeof(body), "\"Binds\":[\"vol:/x\"]"), 0, NULL);
	/* CIS 5.20: shared propagation sends mounts back to the host */
	expect(&tenant_mounts, "POST", CREATE,
	       hc(body, sizeof(body), "\"Binds\":[\"/srv/tenants/alice/a:/a:ro,rshared\"],\"Mounts\":"
				      "[{\"Type\":\"bind\",\"Source\":\"/srv/tenants/alice/b\",\"ReadOnly\":true,"
				      "\"BindOptions\":{\"Propagation\":\"shared\"}},{\"Type\":\"bind\",\"Source\":"
				      "\"/srv/tenants/alice/c\",\"ReadOnly\":true,\"BindOptions\":{\"Propagation\":"
				      "\"rslave\"}}]"), 1,
	       "HostConfig.Binds[0] uses rshared propagation (mounts made in the container would reach "
	       "the host) (profile tenant)",
	       "HostConfig.Mounts[0] uses shared propagation (mounts made in the container would reach "
	       "the host) (profile tenant)", NULL);
}

static void test_mounts_drivers_and_types(void **state)
{
	char body[512];

	(void)state;
	expect(&tenant_mounts, "POST", CREATE,
	       hc(body, sizeof(body), "\"Mounts\":[{\"Type\":\"Bind\",\"Source\":\"/etc\"},{\"Target\":\"/x\"},"
				      "{\"Type\":\"npipe\",\"Source\":\"x\"}]"), 1,
	       "HostConfig.Mounts[0].Type=Bind is not a mount type dockerd knows (profile tenant)",
	       "HostConfig.Mounts[1] has no Type (profile tenant)",
	       "HostConfig.Mounts[2] mounts a host named pipe (Type=npipe) (profile tenant)", NULL);
	expect(&tenant_mounts, "POST", CREATE,
	       hc(body, sizeof(body), "\"VolumeDriver\":\"convoy\",\"VolumesFrom\":[\"web2:ro\"],"
				      "\"Mounts\":[{\"Type\":\"volume\",\"VolumeOptions\":{\"DriverConfig\":"
				      "{\"Name\":\"nfsplugin\"}}}]"), 1,
	       "HostConfig.Mounts[0].VolumeOptions.DriverConfig.Name=nfsplugin, allowed: local (profile tenant)",
	       "HostConfig.VolumeDriver=convoy, allowed: local (profile tenant)",
	       "HostConfig.VolumesFrom[0]=web2:ro inherits that container's mounts, which cannot be "
	       "checked here (profile tenant)", NULL);
	expect(&tenant_mounts, "POST", CREATE,
	       hc(body, sizeof(body), "\"Mounts\":[{\"Type\":\"bind\",\"Target\":\"/x\"},"
				      "{\"Type\":\"bind\",\"Source\":\"relative\",\"ReadOnly\":true}]"), 1,
	       "HostConfig.Mounts[0] has no host path (Source) to check (profile tenant)",
	       "HostConfig.Mounts[1] mounts relative, which cannot be checked: *", NULL);
	/* local options that stay local are fine; read-only binds in disguise pass */
	expect(&tenant_mounts, "POST", CREATE,
	       hc(body, sizeof(body), "\"Mounts\":[{\"Type\":\"volume\",\"VolumeOptions\":{\"DriverConfig\":"
				      "{\"Options\":{\"type\":\"tmpfs\",\"device\":\"tmpfs\"}}}}]"), 0, NULL);
	expect(&tenant_mounts, "POST", "/v1.41/volumes/create",
	       "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind,ro\",\"device\":"
	       "\"/srv/tenants/alice/v\"}}", 0, NULL);
	expect(&tenant_mounts, "POST", "/v1.41/volumes/create",
	       "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"ro,bind,rw\",\"device\":"
	       "\"/srv/tenants/alice/v\"}}", 1,
	       "DriverOpts mounts /srv/tenants/alice/v read-write; bind mounts must be read-only "
	       "(profile tenant)", NULL);
	expect(&tenant_mounts, "POST", "/v1.41/volumes/create",
	       "{\"Name\":\"v\",\"Driver\":\"convoy\"}", 1,
	       "Driver=convoy, allowed: local (profile tenant)", NULL);
	expect(&tenant_mounts, "POST", "/v1.41/volumes/create", "{\"Name\":\"v\"}", 0, NULL);
	/* a bind dockerd would refuse cannot be checked */
	expect(&tenant_mounts, "POST", CREATE, hc(body, sizeof(body), "\"Binds\":[\"/a:/b:c:d\"]"), -1,
	       "HostConfig.Binds[0]=/a:/b:c:d cannot be read as dockerd reads it: *", NULL);
}

/* ---------------------------------------------------------------- devices */

static void test_devices(void **state)
{
	const struct profile none = { .name = "tenant", .devices = NOTHING };
	const struct profile fuse = { .name = "tenant", .devices = ALLOW("/dev/fuse") };
	const struct profile any = { .name = "tenant", .devices = ANY };
	char body[256];

	(void)state;
	expect_corpus(&none, "POST", CREATE "?name=web", 0, 0, NULL);
	expect_corpus(&none, "POST", CREATE "?name=bad", 0, 1,
		      "HostConfig.Devices[0].PathOnHost=/dev/null is not allowed (profile tenant)", NULL);
	expect_corpus(&fuse, "POST", CREATE "?name=bad", 0, 1,
		      "HostConfig.Devices[0].PathOnHost=/dev/null, allowed: /dev/fuse (profile tenant)", NULL);
	expect(&fuse, "POST", CREATE, hc(body, sizeof(body), "\"Devices\":[{\"PathOnHost\":\"/dev/fuse\"}]"),
	       0, NULL);
	expect(&fuse, "POST", CREATE,
	       hc(body, sizeof(body), "\"DeviceCgroupRules\":[\"a *:* rwm\"],\"DeviceRequests\":[{\"Count\":-1}]"),
	       1, "HostConfig.DeviceCgroupRules[0]=a *:* rwm is not allowed (only devices: true allows "
		  "cgroup rules) (profile tenant)",
	       "HostConfig.DeviceRequests[0] is not allowed (only devices: true allows device requests) "
	       "(profile tenant)", NULL);
	expect_corpus(&fuse, "POST", CREATE "?name=priv", 0, 1,
		      "HostConfig.Privileged=true exposes every host device (profile tenant)", NULL);
	expect_corpus(&any, "POST", CREATE "?name=bad", 0, 0, NULL);
}

/* ---------------------------------------------------------------- ports */

static void test_ports(void **state)
{
	const struct profile nopub = { .name = "tenant", .ports = { .publish = NOTHING } };
	const struct profile local = {
		.name = "tenant",
		.ports = {
			.host_ips = ALLOW("127.0.0.1"),
			.host_ports = ALLOW("8000-8999", "9443"),
			.publish_all = NOTHING,
		},
	};
	const struct profile gaps = {
		.name = "tenant", .ports = { .host_ports = ALLOW("8000-8005", "8006-8010", "8020-8030") },
	};
	char body[256];

	(void)state;
	expect_corpus(&nopub, "POST", CREATE "?name=web", 0, 0, NULL);
	expect_corpus(&nopub, "POST", CREATE "?name=ports", 0, 1,
		      "HostConfig.PortBindings[443/tcp][0] publishes a port, which is not allowed (profile tenant)",
		      "HostConfig.PortBindings[80/tcp][0] publishes a port, which is not allowed (profile tenant)",
		      "HostConfig.PublishAllPorts=true is not allowed (profile tenant)", NULL);
	/* -p 443:443 binds all interfaces and a port outside the range; -P is refused */
	expect_corpus(&local, "POST", CREATE "?name=ports", 0, 1,
		      "HostConfig.PortBindings[443/tcp][0] binds host IP 0.0.0.0 (all interfaces), allowed: "
		      "127.0.0.1 (profile tenant)",
		      "HostConfig.PortBindings[443/tcp][0] binds host port 443, allowed: 8000-8999, 9443 "
		      "(profile tenant)",
		      "HostConfig.PublishAllPorts=true is not allowed (profile tenant)", NULL);
	expect(&local, "POST", CREATE,
	       hc(body, sizeof(body), "\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":"
				      "\"8000-8999\"},{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"9443\"}]}"), 0, NULL);
	expect(&local, "POST", CREATE,
	       hc(body, sizeof(body), "\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":"
				      "\"8990-9010\"}]}"), 1,
	       "HostConfig.PortBindings[80/tcp][0] binds host IP 0.0.0.0, allowed: 127.0.0.1 (profile tenant)",
	       "HostConfig.PortBindings[80/tcp][0] binds host ports 8990-9010, allowed: 8000-8999, 9443 "
	       "(profile tenant)", NULL);
	expect(&local, "POST", CREATE,
	       hc(body, sizeof(body), "\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\"}],"
				      "\"81/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"80x\"}]}"), 1,
	       "HostConfig.PortBindings[80/tcp][0] binds an ephemeral host port, allowed: 8000-8999, 9443 "
	       "(profile tenant)",
	       "HostConfig.PortBindings[81/tcp][0] has HostPort=80x, which is not a port or range "
	       "(profile tenant)", NULL);
	/* addresses compare as the profile stores them (inet_ntop) */
	expect(&local, "POST", CREATE,
	       hc(body, sizeof(body), "\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":"
				      "\"8080\"}],\"81/tcp\":[{\"HostIp\":\"::ffff:127.0.0.1\",\"HostPort\":\"8081\"}]}"), 1,
	       "HostConfig.PortBindings[81/tcp][0] binds host IP ::ffff:127.0.0.1, allowed: 127.0.0.1 "
	       "(profile tenant)", NULL);
	{
		const struct profile v6 = { .name = "tenant", .ports = { .host_ips = ALLOW("::1") } };

		expect(&v6, "POST", CREATE,
		       hc(body, sizeof(body), "\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"0:0:0::1\"}]}"),
		       0, NULL);
	}
	/* a range must lie inside the union of the allowed ranges, gaps included */
	expect(&gaps, "POST", CREATE,
	       hc(body, sizeof(body), "\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8001-8009\"}]}"), 0, NULL);
	expect(&gaps, "POST", CREATE,
	       hc(body, sizeof(body), "\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8009-8021\"}]}"), 1,
	       "HostConfig.PortBindings[80/tcp][0] binds host ports 8009-8021, allowed: 8000-8005, "
	       "8006-8010, 8020-8030 (profile tenant)", NULL);
	/* services publish on every interface of every node */
	expect(&local, "POST", "/v1.41/services/create",
	       "{\"EndpointSpec\":{\"Ports\":[{\"TargetPort\":80,\"PublishedPort\":8080}]}}", 1,
	       "EndpointSpec.Ports[0] binds all interfaces of every node, allowed: 127.0.0.1 (profile tenant)",
	       NULL);
	expect(&nopub, "POST", "/v1.41/services/create",
	       "{\"EndpointSpec\":{\"Ports\":[{\"TargetPort\":80}]}}", 1,
	       "EndpointSpec.Ports[0] publishes a port, which is not allowed (profile tenant)", NULL);
}

/* ---------------------------------------------------------------- resources */

static const struct profile limited = {
	.name = "tenant",
	.resources = {
		.memory = { true, 512LL << 20 },
		.cpus = { true, 1500000000LL },
		.pids = { true, 256 },
	},
};

static void test_resources_create(void **state)
{
	char body[256];

	(void)state;
	expect_corpus(&limited, "POST", CREATE "?name=web", 0, 0, NULL);
	expect_corpus(&limited, "POST", CREATE "?name=priv", 0, 1,
		      "HostConfig.Memory is unlimited, limit 512m (profile tenant)",
		      "HostConfig.NanoCpus is unlimited, limit 1.5 CPUs (profile tenant)",
		      "HostConfig.PidsLimit=0 is unlimited, limit 256 (profile tenant)", NULL);
	expect(&limited, "POST", CREATE,
	       hc(body, sizeof(body), "\"Memory\":1073741824,\"NanoCpus\":2000000000,\"PidsLimit\":1000"), 1,
	       "HostConfig.Memory=1g is above the limit 512m (profile tenant)",
	       "HostConfig.NanoCpus=2 CPUs is above the limit 1.5 CPUs (profile tenant)",
	       "HostConfig.PidsLimit=1000 is above the limit 256 (profile tenant)", NULL);
	expect(&limited, "POST", CREATE,
	       hc(body, sizeof(body), "\"Memory\":536870912,\"CpuQuota\":150000,\"PidsLimit\":256"), 0, NULL);
	expect(&limited, "POST", CREATE,
	       hc(body, sizeof(body), "\"Memory\":-1,\"CpuQuota\":200000,\"CpuPeriod\":100000,\"PidsLimit\":-1"), 1,
	       "HostConfig.Memory=-1 is not a limit, limit 512m (profile tenant)",
	       "HostConfig.CpuQuota=200000 over HostConfig.CpuPeriod=100000 is 2 CPUs, above the limit "
	       "1.5 CPUs (profile tenant)",
	       "HostConfig.PidsLimit=-1 is unlimited, limit 256 (profile tenant)", NULL);
	expect(&limited, "POST", CREATE, hc(body, sizeof(body), "\"Memory\":1,\"CpuQuota\":-1,\"PidsLimit\":1"), 1,
	       "HostConfig.CpuQuota=-1 removes the CPU limit, limit 1.5 CPUs (profile tenant)",
	       "HostConfig.NanoCpus is unlimited, limit 1.5 CPUs (profile tenant)", NULL);
	expect(&limited, "POST", "/v1.41/services/create", "{\"TaskTemplate\":{}}", 1,
	       "TaskTemplate.Resources.Limits.MemoryBytes is unlimited, limit 512m (profile tenant)",
	       "TaskTemplate.Resources.Limits.NanoCPUs is unlimited, limit 1.5 CPUs (profile tenant)",
	       "TaskTemplate.Resources.Limits.Pids is unlimited, limit 256 (profile tenant)", NULL);
	expect(&limited, "POST", "/v1.41/services/create",
	       "{\"TaskTemplate\":{\"Resources\":{\"Limits\":{\"MemoryBytes\":1048576,\"NanoCPUs\":1000000000,"
	       "\"Pids\":100}}}}", 0, NULL);
}

/* docker update: fields absent (or 0, for dockerd "unchanged") keep their
 * limit; a field present must not lift it. */
static void test_resources_update(void **state)
{
	(void)state;
	expect_corpus(&limited, "POST", "/v1.41/containers/web/update", 0, 0, NULL);
	expect(&limited, "POST", "/v1.41/containers/web/update", "{\"Memory\":0,\"PidsLimit\":-1}", 1,
	       "PidsLimit=-1 is unlimited, limit 256 (profile tenant)", NULL);
	expect(&limited, "POST", "/v1.41/containers/web/update", "{\"PidsLimit\":0}", 1,
	       "PidsLimit=0 is unlimited, limit 256 (profile tenant)", NULL);
	expect(&limited, "POST", "/v1.41/containers/web/update", "{\"Memory\":1073741824}", 1,
	       "Memory=1g is above the limit 512m (profile tenant)", NULL);
	expect(&limited, "POST", "/v1.41/containers/web/update", "{\"Memory\":-1}", 1,
	       "Memory=-1 is not a limit, limit 512m (profile tenant)", NULL);
	expect(&limited, "POST", "/v1.41/containers/web/update", "{\"CpuQuota\":-1}", 1,
	       "CpuQuota=-1 removes the CPU limit, limit 1.5 CPUs (profile tenant)", NULL);
	expect(&limited, "POST", "/v1.41/containers/web/update", "{\"CpuQuota\":50000}", 1,
	       "CpuQuota and CpuPeriod must be updated together to be checked against the limit 1.5 "
	       "CPUs (profile tenant)", NULL);
	expect(&limited, "POST", "/v1.41/containers/web/update", "{\"CpuPeriod\":1000}", 1,
	       "CpuQuota and CpuPeriod must be updated together to be checked against the limit 1.5 "
	       "CPUs (profile tenant)", NULL);
	expect(&limited, "POST", "/v1.41/containers/web/update", "{\"CpuQuota\":100000,\"CpuPeriod\":100000}",
	       0, NULL);
	expect(&limited, "POST", "/v1.41/containers/web/update", "{\"NanoCpus\":3000000000}", 1,
	       "NanoCpus=3 CPUs is above the limit 1.5 CPUs (profile tenant)", NULL);
	expect(&limited, "POST", "/v1.41/containers/web/update",
	       "{\"Memory\":0,\"NanoCpus\":0,\"PidsLimit\":null,\"RestartPolicy\":{\"Name\":\"always\"}}", 0, NULL);
}

/* ---------------------------------------------------------------- networks */

static const struct profile tenant_networks = {
	.name = "tenant",
	.networks = {
		.allow = ALLOW("none", "{user}-*"),
		.drivers = ALLOW("bridge"),
		.internal = REQUIRED,
	},
};

static void test_networks(void **state)
{
	char body[256];

	(void)state;
	expect_corpus(&tenant_networks, "POST", CREATE "?name=web", 0, 0, NULL);
	expect_corpus(&tenant_networks, "POST", CREATE "?name=ports", 0, 1,
		      "HostConfig.NetworkMode=default, allowed: none, alice-* (profile tenant)",
		      "NetworkingConfig.EndpointsConfig[default], allowed: none, alice-* (profile tenant)", NULL);
	expect(&tenant_networks, "POST", CREATE, hc(body, sizeof(body), "\"NetworkMode\":\"alice-net\""), 0, NULL);
	expect(&tenant_networks, "POST", CREATE, "{\"HostConfig\":{}}", 1,
	       "HostConfig.NetworkMode=\"\" (bridge), allowed: none, alice-* (profile tenant)", NULL);
	/* container:<x> is join_namespaces' business */
	expect(&tenant_networks, "POST", CREATE, hc(body, sizeof(body), "\"NetworkMode\":\"container:x\""), 0, NULL);
	/* a build runs on its own default network unless told otherwise */
	expect(&tenant_networks, "POST", "/v1.41/build?t=x", NULL, 0, NULL);
	expect(&tenant_networks, "POST", "/v1.41/build?t=x&networkmode=default", NULL, 0, NULL);
	expect(&tenant_networks, "POST", "/v1.41/build?t=x&networkmode=bob-net", NULL, 1,
	       "networkmode=bob-net, allowed: none, alice-* (profile tenant)", NULL);
	expect(&tenant_networks, "POST", "/v1.41/networks/bob-net/connect", "{\"Container\":\"c\"}", 1,
	       "connecting to network bob-net, allowed: none, alice-* (profile tenant)", NULL);
	expect(&tenant_networks, "POST", "/v1.41/networks/alice-net/connect", "{\"Container\":\"c\"}", 0, NULL);
	/* docker network create --internal tenant-a */
	expect_corpus(&tenant_networks, "POST", "/v1.41/networks/create", 0, 1,
		      "Name=tenant-a, allowed: none, alice-* (profile tenant)", NULL);
	expect(&tenant_networks, "POST", "/v1.41/networks/create",
	       "{\"Name\":\"alice-l2\",\"Driver\":\"macvlan\",\"Options\":{\"parent\":\"eth0\"}}", 1,
	       "Driver=macvlan, allowed: bridge (profile tenant)",
	       "Internal is not true; networks must be internal (profile tenant)", NULL);
	expect(&tenant_networks, "POST", "/v1.41/networks/create", "{\"Name\":\"alice-n\",\"Internal\":true}",
	       0, NULL);
	expect(&tenant_networks, "POST", "/v1.41/services/create",
	       "{\"TaskTemplate\":{\"Networks\":[{\"Target\":\"alice-a\"},{\"Target\":\"bob\"}]}}", 1,
	       "TaskTemplate.Networks[1].Target=bob, allowed: none, alice-* (profile tenant)", NULL);
}

/* {user} is substituted literally: a name with glob characters cannot widen
 * a pattern. */
static void test_user_substitution_is_literal(void **state)
{
	struct decision d;
	struct req r;

	(void)state;
	assert_int_equal(req_make(&r, "*", "POST", "/v1.41/networks/bob-net/connect", "{}", 2), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(constraints_check(&tenant_networks, &r.rq, &d), 1);
	assert_string_equal(d.reasons[0], "connecting to network bob-net, allowed: none, *-* (profile tenant)");
	req_free(&r);

	assert_int_equal(req_make(&r, "*", "POST", "/v1.41/networks/%2A-net/connect", "{}", 2), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(constraints_check(&tenant_networks, &r.rq, &d), 0);
	req_free(&r);
}

/* ---------------------------------------------------------------- named things */

static void test_log_drivers_sysctls_runtimes(void **state)
{
	const struct profile p = {
		.name = "tenant",
		.log_drivers = ALLOW("json-file", "local"),
		.sysctls = ALLOW("net.ipv4.ping_group_range"),
		.runtimes = ALLOW("runc"),
	};
	const struct profile nosysctl = { .name = "tenant", .sysctls = NOTHING };
	char body[512];

	(void)state;
	expect_corpus(&p, "POST", CREATE "?name=ports", 0, 0, NULL);
	expect_corpus(&p, "POST", CREATE "?name=bad", 0, 1,
		      "HostConfig.Sysctls[net.ipv4.ip_forward], allowed: net.ipv4.ping_group_range (profile tenant)",
		      NULL);
	expect_corpus(&nosysctl, "POST", CREATE "?name=bad", 0, 1,
		      "HostConfig.Sysctls[net.ipv4.ip_forward] is not allowed (profile tenant)", NULL);
	expect(&p, "POST", CREATE,
	       hc(body, sizeof(body), "\"LogConfig\":{\"Type\":\"syslog\",\"Config\":{\"syslog-address\":"
				      "\"tcp://x:514\"}},\"Runtime\":\"runsc\",\"Sysctls\":"
				      "{\"net.ipv4.ping_group_range\":\"0 1\"}"), 1,
	       "HostConfig.LogConfig.Type=syslog, allowed: json-file, local (profile tenant)",
	       "HostConfig.Runtime=runsc, allowed: runc (profile tenant)", NULL);
	/* endpoint driver options reach sysctls too */
	expect(&p, "POST", CREATE,
	       "{\"NetworkingConfig\":{\"EndpointsConfig\":{\"n\":{\"DriverOpts\":{"
	       "\"com.docker.network.endpoint.sysctls\":\"net.ipv4.conf.IFNAME.forwarding=1,"
	       "net.ipv4.ping_group_range=0 1\"}}}}}", 1,
	       "NetworkingConfig.EndpointsConfig[n] DriverOpts sets sysctl net.ipv4.conf.IFNAME.forwarding, "
	       "allowed: net.ipv4.ping_group_range (profile tenant)", NULL);
	expect(&p, "POST", "/v1.41/services/create",
	       "{\"TaskTemplate\":{\"LogDriver\":{\"Name\":\"gelf\"},\"ContainerSpec\":{\"Sysctls\":"
	       "{\"kernel.shm_rmid_forced\":\"1\"}}}}", 1,
	       "TaskTemplate.LogDriver.Name=gelf, allowed: json-file, local (profile tenant)",
	       "TaskTemplate.ContainerSpec.Sysctls[kernel.shm_rmid_forced], allowed: "
	       "net.ipv4.ping_group_range (profile tenant)", NULL);
}

static void test_cgroup_parent_oom(void **state)
{
	const struct profile p = {
		.name = "tenant", .cgroup_parent = NOTHING, .oom_kill_disable = NOTHING,
	};
	const struct profile some = { .name = "tenant", .cgroup_parent = ALLOW("/tenants/{user}") };
	char body[128];

	(void)state;
	expect_corpus(&p, "POST", CREATE "?name=web", 0, 0, NULL);
	expect_corpus(&p, "POST", CREATE "?name=bad", 0, 1,
		      "HostConfig.CgroupParent=/evil is not allowed (profile tenant)",
		      "HostConfig.OomKillDisable=true is not allowed (profile tenant)", NULL);
	expect(&some, "POST", CREATE, hc(body, sizeof(body), "\"CgroupParent\":\"/tenants/alice\""), 0, NULL);
	expect(&p, "POST", "/v1.41/build?cgroupparent=/evil", NULL, 1,
	       "cgroupparent=/evil is not allowed (profile tenant)", NULL);
}

/* ---------------------------------------------------------------- images */

static void test_images(void **state)
{
	const struct profile p = { .name = "tenant", .images = ALLOW("busybox", "bb:*") };
	const struct profile pinned = { .name = "tenant", .image_digest = REQUIRED };
	static const char digest[] =
		"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char body[512], want[512];

	(void)state;
	expect_corpus(&p, "POST", CREATE "?name=web", 0, 0, NULL);
	expect(&p, "POST", CREATE, "{\"Image\":\"busybox\"}", 0, NULL);
	expect(&p, "POST", CREATE, "{\"Image\":\"docker.io/library/busybox:1.36\"}", 0, NULL);
	expect(&p, "POST", CREATE, "{\"Image\":\"busyboxevil\"}", 1,
	       "Image=busyboxevil (docker.io/library/busyboxevil:latest), allowed: busybox, bb:* "
	       "(profile tenant)", NULL);
	expect(&p, "POST", CREATE, "{\"Image\":\"evil.example.com/busybox\"}", 1,
	       "Image=evil.example.com/busybox (evil.example.com/busybox:latest), allowed: busybox, bb:* "
	       "(profile tenant)", NULL);
	expect(&p, "POST", CREATE, "{}", 1, "Image is empty (profile tenant)", NULL);
	snprintf(body, sizeof(body), "{\"Image\":\"%s\"}", digest + 7);
	snprintf(want, sizeof(want), "Image=%s is an image ID, which cannot be checked against the "
		 "allowed images; use a name (profile tenant)", digest + 7);
	expect(&p, "POST", CREATE, body, 1, want, NULL);
	expect(&p, "POST", "/v1.41/images/create?fromImage=busyboxevil&tag=latest", NULL, 1,
	       "fromImage=busyboxevil with tag=latest (docker.io/library/busyboxevil:latest), allowed: "
	       "busybox, bb:* (profile tenant)", NULL);
	expect(&p, "POST", "/v1.41/images/create?fromImage=busybox&tag=latest", NULL, 0, NULL);
	expect(&p, "POST", "/v1.41/images/create?fromImage=busybox:", NULL, 0, NULL);
	/* content under an allowed name of the caller's choosing: laundering */
	expect(&p, "POST", "/v1.41/images/create?fromSrc=-&repo=x", NULL, 0, NULL);
	expect(&p, "POST", "/v1.41/images/create?fromSrc=-&repo=bb", NULL, 1,
	       "importing an image as bb is not allowed: it would put any content under a name "
	       "the allowed images include (profile tenant)", NULL);
	expect(&p, "POST", "/v1.41/images/evil/tag?repo=bb&tag=latest", NULL, 1,
	       "tagging an image as bb:latest is not allowed: it would put any content under a "
	       "name the allowed images include (profile tenant)", NULL);
	expect(&p, "POST", "/v1.41/images/evil/tag?repo=mine&tag=latest", NULL, 0, NULL);
	expect(&p, "POST", "/v1.41/build?t=mine:1&t=busybox", NULL, 0, NULL);	/* see launders_image */
	expect(&p, "POST", "/v1.41/commit?container=x&repo=busybox&tag=2", NULL, 1,
	       "committing a container as busybox:2 is not allowed: it would put any content "
	       "under a name the allowed images include (profile tenant)", NULL);
	expect(&p, "POST", "/v1.41/images/load", NULL, 1,
	       "loading images is not allowed while images are limited to an allowlist: the "
	       "names come from the tarball, unseen (profile tenant)", NULL);
	/* a short all-hex name may be resolved by dockerd as an ID prefix */
	expect(&p, "POST", CREATE, "{\"Image\":\"4ac2\"}", 1,
	       "Image=4ac2 may be read by dockerd as an image ID prefix; name it with a tag "
	       "(4ac2:latest) (profile tenant)", NULL);
	expect(&p, "POST", CREATE, "{\"Image\":\"bb:1\"}", 0, NULL);
	expect(&p, "POST", CREATE,
	       "{\"Image\":\"busybox\",\"HostConfig\":{\"Mounts\":[{\"Type\":\"image\",\"Source\":\"busyboxevil\","
	       "\"Target\":\"/i\"}]}}", 1,
	       "HostConfig.Mounts[0].Source=busyboxevil (docker.io/library/busyboxevil:latest), allowed: "
	       "busybox, bb:* (profile tenant)", NULL);
	expect_corpus(&p, "POST", "/v1.41/services/create", 0, 0, NULL);
	{
		/* {user} in an image pattern: only a name that is a path component */
		const struct profile mine = { .name = "tenant", .images = ALLOW("registry.example.com/{user}/**") };
		struct decision d;
		struct req r;

		expect(&mine, "POST", CREATE, "{\"Image\":\"registry.example.com/alice/app:1\"}", 0, NULL);
		expect(&mine, "POST", CREATE, "{\"Image\":\"registry.example.com/bob/app:1\"}", 1,
		       "Image=registry.example.com/bob/app:1 (registry.example.com/bob/app:1), allowed: "
		       "registry.example.com/alice/** (profile tenant)", NULL);
		const char *bob = "{\"Image\":\"registry.example.com/bob/app:1\"}";

		assert_int_equal(req_make(&r, "**", "POST", CREATE, bob, strlen(bob)), 0);
		memset(&d, 0, sizeof(d));
		assert_int_equal(constraints_check(&mine, &r.rq, &d), 1);
		req_free(&r);
	}

	expect(&pinned, "POST", CREATE, "{\"Image\":\"busybox:1.36\"}", 1,
	       "Image=busybox:1.36 is not pinned by a digest (image_digest: required) (profile tenant)", NULL);
	snprintf(body, sizeof(body), "{\"Image\":\"busybox@%s\"}", digest);
	expect(&pinned, "POST", CREATE, body, 0, NULL);
	snprintf(body, sizeof(body), "/v1.41/images/create?fromImage=busybox&tag=%s", digest);
	expect(&pinned, "POST", body, NULL, 0, NULL);
	expect(&pinned, "POST", "/v1.41/images/create?fromImage=busybox&tag=1", NULL, 1,
	       "fromImage=busybox with tag=1 is not pinned by a digest (image_digest: required) (profile "
	       "tenant)", NULL);
}

/* ---------------------------------------------------------------- plugins, swarm */

static void test_plugins_and_swarm_refused(void **state)
{
	const struct profile any = { .name = "x" };
	static const char *const plugin_uris[][2] = {
		{ "POST", "/v1.41/plugins/pull?remote=evil/plugin" },
		{ "POST", "/v1.41/plugins/portcullis/disable" },
		{ "POST", "/v1.41/plugins/portcullis/enable" },
		{ "POST", "/v1.41/plugins/portcullis/set" },
		{ "POST", "/v1.41/plugins/portcullis/upgrade?remote=x" },
		{ "DELETE", "/v1.41/plugins/portcullis" },
		{ "POST", "/v1.41/plugins/create?name=x" },
		{ "POST", "/v1.41/plugins/x/push" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(plugin_uris) / sizeof(plugin_uris[0]); i++)
		expect(&any, plugin_uris[i][0], plugin_uris[i][1], "[]", 1,
		       "plugin management is not allowed under a profile (profile x); use a rule without "
		       "a profile for administrators", NULL);
	expect(&any, "GET", "/v1.41/plugins", NULL, 0, NULL);
	expect_corpus(&any, "POST", "/v1.41/swarm/init", 0, 1,
		      "creating or joining a swarm is not allowed under a profile (profile x); use a rule "
		      "without a profile for administrators", NULL);
	expect(&any, "POST", "/v1.41/swarm/join", "{\"RemoteAddrs\":[\"evil:2377\"]}", 1,
	       "creating or joining a swarm is not allowed under a profile (profile x); use a rule "
	       "without a profile for administrators", NULL);
	expect(&any, "POST", "/v1.41/services/create",
	       "{\"TaskTemplate\":{\"Runtime\":\"plugin\",\"PluginSpec\":{\"Name\":\"evil\"}}}", 1,
	       "TaskTemplate.PluginSpec installs a plugin on every node, which is not allowed under a "
	       "profile (profile x)", NULL);
	expect(&any, "POST", "/v1.41/services/create", "{\"TaskTemplate\":{\"Runtime\":\"attachment\"}}", 1,
	       "TaskTemplate.Runtime=attachment is not allowed under a profile (profile x)", NULL);
	expect(&any, "POST", "/v1.41/services/create", "{\"TaskTemplate\":{\"Runtime\":\"container\"}}", 0,
	       NULL);
}

/* ---------------------------------------------------------------- whole profiles */

static const struct profile strict = {
	.name = "strict",
	.privileged = NOTHING,
	.cap_add = ALLOW("NET_BIND_SERVICE"),
	.cap_drop_all = REQUIRED,
	.host_namespaces = NOTHING,
	.join_namespaces = NOTHING,
	.user_non_root = REQUIRED,
	.no_new_privileges = REQUIRED,
	.confinement = REQUIRED,
	.read_only_rootfs = REQUIRED,
	.mounts = { .set = true, .bind = ALLOW("/srv/data"), .bind_read_only = REQUIRED,
		    .volume_drivers = ALLOW("local") },
	.devices = NOTHING,
	.ports = { .publish = NOTHING },
	.resources = { .memory = { true, 512LL << 20 }, .cpus = { true, 1000000000LL },
		       .pids = { true, 256 } },
	.networks = { .allow = ALLOW("none") },
	.log_drivers = ALLOW("json-file", "local"),
	.sysctls = NOTHING,
	.runtimes = ALLOW("runc"),
	.images = ALLOW("bb:*"),
	.cgroup_parent = NOTHING,
	.oom_kill_disable = NOTHING,
};

/* The corpus's hardened container meets every key at once; the others do
 * not, and a request breaking more rules than a decision holds still denies. */
static void test_strict_profile_on_real_requests(void **state)
{
	struct decision d;
	struct req r;

	(void)state;
	expect_corpus(&strict, "POST", CREATE "?name=web", 0, 0, NULL);
	expect_corpus(&strict, "POST", "/v1.41/containers/web/update", 0, 0, NULL);

	assert_int_equal(req_corpus(&r, "tls-alice.jsonl", "POST", CREATE "?name=bad", 0), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(constraints_check(&strict, &r.rq, &d), 1);
	assert_int_equal(d.nreasons, DECISION_MAX_REASONS);
	req_free(&r);

	/* a refused Privileged=true is one reason, not four */
	expect_corpus(&strict, "POST", "/v1.41/containers/web/exec", 1, 1,
		      "Privileged=true is not allowed (profile strict)",
		      "User=root runs as root (profile strict)", NULL);
	expect(&strict, "POST", CREATE,
	       "{\"Image\":\"bb:1\",\"User\":\"1\",\"HostConfig\":{\"Privileged\":true,\"CapDrop\":[\"ALL\"],"
	       "\"SecurityOpt\":[\"no-new-privileges\"],\"ReadonlyRootfs\":true,\"NetworkMode\":\"none\","
	       "\"Memory\":1048576,\"NanoCpus\":1000000,\"PidsLimit\":1}}", 1,
	       "HostConfig.Privileged=true is not allowed (profile strict)", NULL);
}

/* The built-in profiles, as the policy loader builds them, on real requests:
 * outcomes only, the reasons are tested key by key above. */
static void test_builtin_profiles_on_the_corpus(void **state)
{
	static const char text[] =
		"version: 1\n"
		"rules:\n"
		"  - {name: b, users: [b], actions: [\"*\"], profile: baseline}\n"
		"  - {name: r, users: [r], actions: [\"*\"], profile: restricted}\n"
		"  - {name: c, users: [c], actions: [\"*\"], profile: cis}\n";
	static const struct {
		const char *uri;
		int nth, baseline, restricted, cis;
	} cases[] = {
		{ CREATE "?name=web", 0, 1, 1, 0 },	/* a bind mount; cis allows it */
		{ CREATE "?name=priv", 0, 1, 1, 1 },
		{ CREATE "?name=bad", 0, 1, 1, 1 },
		{ CREATE "?name=ports", 0, 0, 1, 1 },	/* baseline leaves ports alone */
		{ CREATE, 1, 1, 1, 1 },			/* --mount type=bind,src=/etc */
		{ CREATE, 2, 0, 1, 1 },			/* -v evil:/x, a named volume */
		{ "/v1.41/services/create", 0, 1, 1, 1 },
		{ "/v1.41/volumes/create", 0, 1, 1, 1 },
		{ "/v1.41/networks/create", 0, 0, 0, 0 },
		{ "/v1.41/containers/web/update", 0, 0, 0, 0 },
		{ "/v1.41/containers/web/exec", 0, 0, 1, 1 },	/* exec without -u */
		{ "/v1.41/containers/web/exec", 1, 1, 1, 1 },	/* exec -u root --privileged */
	};
	static const char *const users[] = { "b", "r", "c" };
	struct policy_diag diag = { 0 };
	struct policy *p = policy_load_buffer("builtin.yaml", text, sizeof(text) - 1, &diag);
	size_t i, u;

	(void)state;
	for (i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.lines[i]);
	assert_non_null(p);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const int want[] = { cases[i].baseline, cases[i].restricted, cases[i].cis };

		for (u = 0; u < 3; u++) {
			const struct rule *r = policy_match(p, users[u], ACTION_ContainerCreate);
			struct decision d;
			struct req q;
			int rc;

			assert_non_null(r);
			assert_non_null(r->profile);
			assert_int_equal(req_corpus(&q, "tls-alice.jsonl", "POST", cases[i].uri,
						    cases[i].nth), 0);
			memset(&d, 0, sizeof(d));
			rc = constraints_check(r->profile, &q.rq, &d);
			if (rc != want[u])
				fail_msg("%s #%d under %s: rc %d, want %d (%s)", cases[i].uri, cases[i].nth,
					 r->profile->name, rc, want[u], d.nreasons ? d.reasons[0] : "");
			req_free(&q);
		}
	}
	policy_free(p);
	policy_diag_free(&diag);
}

/* Reasons stay within DECISION_REASON_LEN, show request values without
 * control characters, and always end with the profile's name. */
static void test_long_values_keep_the_profile_name(void **state)
{
	const struct profile p = { .name = "tenant", .networks = { .allow = ALLOW("none") } };
	const struct profile ports = {
		.name = "tenant",
		.ports = { .host_ports = ALLOW("1000-1001", "2000-2001", "3000-3001", "4000-4001",
					       "5000-5001", "6000-6001", "7000-7001", "8000-8001",
					       "9000-9001", "10000-10001", "11000-11001", "12000-12001",
					       "13000-13001", "14000-14001", "15000-15001") },
	};
	char body[2048], name[1200], key[200];
	struct decision d;
	struct req r;
	size_t len;

	(void)state;
	expect(&p, "POST", CREATE, "{\"HostConfig\":{\"NetworkMode\":\"a\\nb\\u007f\"}}", 1,
	       "HostConfig.NetworkMode=a?b?, allowed: none (profile tenant)", NULL);

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(body, sizeof(body), "{\"HostConfig\":{\"NetworkMode\":\"%s\"}}", name);
	assert_int_equal(req_make(&r, "alice", "POST", CREATE, body, strlen(body)), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(constraints_check(&p, &r.rq, &d), 1);
	assert_non_null(strstr(d.reasons[0], "nnn..., allowed: none (profile tenant)"));
	req_free(&r);

	/* a reason longer than a decision holds is cut before the profile's name */
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	snprintf(body, sizeof(body), "{\"HostConfig\":{\"PortBindings\":{\"%s\":[{\"HostPort\":"
		 "\"1000-65535\"}]}}}", key);
	assert_int_equal(req_make(&r, "alice", "POST", CREATE, body, strlen(body)), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(constraints_check(&ports, &r.rq, &d), 1);
	len = strlen(d.reasons[0]);
	assert_true(len < DECISION_REASON_LEN);
	assert_true(len > DECISION_REASON_LEN - 8);
	assert_string_equal(d.reasons[0] + len - strlen("... (profile tenant)"), "... (profile tenant)");
	req_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_profile_allows_the_corpus),
		cmocka_unit_test(test_body_missing_or_unreadable_denied),
		cmocka_unit_test(test_json_differentials_denied),
		cmocka_unit_test(test_privileged),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_capabilities_drop_all_alone),
		cmocka_unit_test(test_host_namespaces),
		cmocka_unit_test(test_join_namespaces),
		cmocka_unit_test(test_user_non_root),
		cmocka_unit_test(test_no_new_privileges),
		cmocka_unit_test(test_confinement),
		cmocka_unit_test(test_confinement_services),
		cmocka_unit_test(test_read_only_rootfs),
		cmocka_unit_test(test_mounts_sensitive),
		cmocka_unit_test(test_mounts_allowlist),
		cmocka_unit_test(test_mounts_drivers_and_types),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_resources_create),
		cmocka_unit_test(test_resources_update),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_user_substitution_is_literal),
		cmocka_unit_test(test_log_drivers_sysctls_runtimes),
		cmocka_unit_test(test_cgroup_parent_oom),
		cmocka_unit_test(test_images),
		cmocka_unit_test(test_plugins_and_swarm_refused),
		cmocka_unit_test(test_strict_profile_on_real_requests),
		cmocka_unit_test(test_builtin_profiles_on_the_corpus),
		cmocka_unit_test(test_long_values_keep_the_profile_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
