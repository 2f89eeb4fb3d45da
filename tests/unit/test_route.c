/* SPDX-License-Identifier: Apache-2.0 */
/* test_route.c - RequestUri + method -> the action dockerd would run. */

/*
 * Strategy:
 *  - the bypass forms of protocol.md §3.7 and anchors.md §8, through
 *    uri_parse and route_lookup, each with the action (or the refusal) and
 *    the object dockerd would act on;
 *  - every route in ../shared/engine-api/dockerd-routes.txt, made concrete,
 *    plain, versioned and percent-encoded, must give the operationId that
 *    endpoints.tsv documents for it (or our name for an undocumented one),
 *    and every documented operationId must be reachable;
 *  - every request of the recorded corpus (the .jsonl files in
 *    ../shared/corpus) must route; a few are checked in detail.
 * PORTCULLIS_SHARED overrides the ../shared directory (tests run from the
 * repository root).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "action.h"
#include "route.h"
#include "uri.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static const char *
shared_dir(void)
{
	const char *d = getenv("PORTCULLIS_SHARED");

	return d != NULL && *d != '\0' ? d : "../shared";
}

static FILE *
open_shared(const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", shared_dir(), name);
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s (set PORTCULLIS_SHARED?)", path);
	return f;
}

/* Compare a (pointer, length) field of a match with an expected string. */
static bool
field_is(const char *s, size_t n, const char *want)
{
	if (want == NULL)
		return s == NULL && n == 0;
	return s != NULL && strlen(want) == n && memcmp(s, want, n) == 0;
}

/* Route METHOD and RAW as the plugin does; -1 when either step refuses. */
static int
route_raw(const char *method, const char *raw, struct uri *u,
    struct route_match *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (uri_parse(raw, u, err, errlen) == -1)
		return -1;
	if (route_lookup(method, u->path, m) == -1) {
		snprintf(err, errlen, "no route");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Bypass forms and ordering                                           */

#define NOROUTE	ACTION_NONE	/* uri_parse accepts, route_lookup -1 */
#define REFUSED	ACTION_COUNT	/* uri_parse refuses */

struct rcase {
	const char *method;
	const char *raw;
	enum action action;
	enum object_kind kind;
	const char *object;	/* NULL: none */
	const char *sub;	/* NULL: none */
};

#define C(m, r, a, k, o, s)	{ m, r, ACTION_##a, OBJECT_##k, o, s }
#define NO(m, r)		{ m, r, NOROUTE, OBJECT_NONE, NULL, NULL }
#define BAD(m, r)		{ m, r, REFUSED, OBJECT_NONE, NULL, NULL }

static const struct rcase rcases[] = {
	/* encoded, versioned and absolute forms all reach create */
	C("POST", "/v1.41/containers/%63reate", ContainerCreate, NONE, NULL, NULL),
	C("POST", "/v1.45/%63ontainers/cr%65ate", ContainerCreate, NONE, NULL, NULL),
	C("POST", "/v01.041/containers/create", ContainerCreate, NONE, NULL, NULL),
	C("POST", "/v1.47.0/containers/create", ContainerCreate, NONE, NULL, NULL),
	C("POST", "http://evil/v1.41/containers/create", ContainerCreate, NONE, NULL, NULL),
	C("POST", "http:/containers/create", ContainerCreate, NONE, NULL, NULL),
	C("POST", "/v1.45%2Fcontainers/create", ContainerCreate, NONE, NULL, NULL),
	C("POST", "/containers/create?name=x", ContainerCreate, NONE, NULL, NULL),
	C("POST", "/containers/create?x=/auth", ContainerCreate, NONE, NULL, NULL),
	/* dockerd 404s a trailing slash: no strict-slash routes */
	NO("POST", "/containers/create/"),
	NO("GET", "/containers/json/"),
	NO("GET", "/info/"),
	/* dockerd 301s these without running anything */
	BAD("POST", "//containers/create"),
	BAD("POST", "/containers/./create"),
	BAD("POST", "/containers/../create"),
	BAD("POST", "/%2e%2e/containers/create"),
	BAD("POST", "/v1.41/containers/x/../create"),
	/* dockerd 400s these */
	BAD("POST", "/containers/%zz/start"),
	BAD("POST", "/containers/x%00/start"),
	BAD("POST", "/containers/x/start%4"),
	BAD("POST", "/containers/create?a=1;b=2"),
	/* %2F is a '/' inside the greedy name */
	C("GET", "/containers/a%2Fb/json", ContainerInspect, CONTAINER, "a/b", NULL),
	/* a suffix in the query is not a suffix of the path */
	C("GET", "/containers/x/json?x=/start", ContainerInspect, CONTAINER, "x", NULL),
	C("POST", "/containers/x/start?x=/json", ContainerStart, CONTAINER, "x", NULL),
	/* "{name:.*}" is greedy and crosses '/': the last segment decides */
	C("GET", "/containers/x/start/json", ContainerInspect, CONTAINER, "x/start", NULL),
	C("POST", "/containers/x/json/start", ContainerStart, CONTAINER, "x/json", NULL),
	C("GET", "/containers/a/json/json", ContainerInspect, CONTAINER, "a/json", NULL),
	C("GET", "/containers/json/json", ContainerInspect, CONTAINER, "json", NULL),
	C("POST", "/containers/create/start", ContainerStart, CONTAINER, "create", NULL),
	C("POST", "/containers/x/exec", ContainerExec, CONTAINER, "x", NULL),
	/* static routes registered first win */
	C("GET", "/containers/json", ContainerList, NONE, NULL, NULL),
	C("POST", "/containers/prune", ContainerPrune, NONE, NULL, NULL),
	C("GET", "/images/json", ImageList, NONE, NULL, NULL),
	C("GET", "/images/get", ImageGetAll, NONE, NULL, NULL),
	C("GET", "/images/json/json", ImageInspect, IMAGE, "json", NULL),
	C("GET", "/plugins/privileges", GetPluginPrivileges, NONE, NULL, NULL),
	C("POST", "/plugins/pull/enable", PluginEnable, PLUGIN, "pull", NULL),
	C("POST", "/plugins/pull", PluginPull, NONE, NULL, NULL),
	C("PUT", "/volumes/create", VolumeUpdate, VOLUME, "create", NULL),
	/* checkpoint routes are registered before the container router */
	C("DELETE", "/containers/x/checkpoints/y", ContainerCheckpointDelete, CONTAINER, "x", "y"),
	C("DELETE", "/v1.41/containers/x/checkpoints/y", ContainerCheckpointDelete, CONTAINER, "x", "y"),
	C("DELETE", "/containers/a%2Fb/checkpoints/y", ContainerDelete, CONTAINER, "a/b/checkpoints/y", NULL),
	C("DELETE", "/containers/x/checkpoints/y/z", ContainerDelete, CONTAINER, "x/checkpoints/y/z", NULL),
	C("DELETE", "/containers/x/checkpoints", ContainerDelete, CONTAINER, "x/checkpoints", NULL),
	C("GET", "/containers/a/b/checkpoints", ContainerCheckpointList, CONTAINER, "a/b", NULL),
	C("POST", "/containers/x/checkpoints", ContainerCheckpointCreate, CONTAINER, "x", NULL),
	C("DELETE", "/containers/x?force=1", ContainerDelete, CONTAINER, "x", NULL),
	/* "{name:.*}" matches the empty name too */
	C("DELETE", "/containers/", ContainerDelete, CONTAINER, "", NULL),
	C("GET", "/volumes/", VolumeInspect, VOLUME, "", NULL),
	C("DELETE", "/networks/", NetworkDelete, NETWORK, "", NULL),
	/* image references with registry ports, paths, tags and digests */
	C("GET", "/images/registry.example.com:5000/team/app:1.0/json", ImageInspect, IMAGE,
	    "registry.example.com:5000/team/app:1.0", NULL),
	C("GET", "/v1.41/images/registry.example.com%3A5000%2Fteam%2Fapp%3A1.0/json",
	    ImageInspect, IMAGE, "registry.example.com:5000/team/app:1.0", NULL),
	C("DELETE", "/images/registry.example.com:5000/team/app:1.0", ImageDelete, IMAGE,
	    "registry.example.com:5000/team/app:1.0", NULL),
	C("POST", "/images/team/app@sha256:abc/push", ImagePush, IMAGE, "team/app@sha256:abc", NULL),
	C("POST", "/images/a/tag?repo=b&tag=c", ImageTag, IMAGE, "a", NULL),
	C("GET", "/images/x/get", ImageGet, IMAGE, "x", NULL),
	C("GET", "/distribution/docker.io/library/bb:latest/json", DistributionInspect,
	    DISTRIBUTION, "docker.io/library/bb:latest", NULL),
	C("GET", "/plugins/vieux/sshfs:latest/json", PluginInspect, PLUGIN, "vieux/sshfs:latest", NULL),
	C("DELETE", "/plugins/vieux/sshfs:latest", PluginDelete, PLUGIN, "vieux/sshfs:latest", NULL),
	/* networks: "/networks/" is its own route, "{id:.+}" crosses '/' */
	C("GET", "/networks", NetworkList, NONE, NULL, NULL),
	C("GET", "/networks/", NetworkList, NONE, NULL, NULL),
	C("GET", "/networks/a/b", NetworkInspect, NETWORK, "a/b", NULL),
	C("POST", "/networks/n1/connect", NetworkConnect, NETWORK, "n1", NULL),
	C("POST", "/networks/create", NetworkCreate, NONE, NULL, NULL),
	/* "{id}" is one segment */
	C("GET", "/services/abc", ServiceInspect, SERVICE, "abc", NULL),
	C("GET", "/services/abc/logs", ServiceLogs, SERVICE, "abc", NULL),
	NO("GET", "/services/a%2Fb"),
	NO("DELETE", "/nodes/"),
	C("GET", "/tasks/t1/logs", TaskLogs, TASK, "t1", NULL),
	C("POST", "/secrets/s1/update", SecretUpdate, SECRET, "s1", NULL),
	C("GET", "/configs/c1", ConfigInspect, CONFIG, "c1", NULL),
	C("POST", "/nodes/n1/update", NodeUpdate, NODE, "n1", NULL),
	/* exec IDs */
	C("GET", "/exec/e1/json", ExecInspect, EXEC, "e1", NULL),
	C("POST", "/v1.41/exec/e1/start", ExecStart, EXEC, "e1", NULL),
	C("POST", "/exec/e1/resize?h=1&w=2", ExecResize, EXEC, "e1", NULL),
	/* ping */
	C("HEAD", "/_ping", SystemPingHead, NONE, NULL, NULL),
	C("GET", "/_ping", SystemPing, NONE, NULL, NULL),
	C("HEAD", "/v1.41/_ping", SystemPingHead, NONE, NULL, NULL),
	NO("POST", "/_ping"),
	NO("HEAD", "/containers/json"),
	/* method and path are case-sensitive */
	NO("post", "/containers/create"),
	NO("Post", "/containers/create"),
	NO("GET", "/Containers/json"),
	NO("GET", "/containers/JSON"),
	NO("PATCH", "/containers/x/update"),
	NO("GET", "/containers/create"),
	/* OPTIONS runs a CORS handler on any path (plugin is asked) */
	C("OPTIONS", "/containers/create", SystemOptions, NONE, NULL, "containers/create"),
	C("OPTIONS", "/", SystemOptions, NONE, NULL, ""),
	C("OPTIONS", "/v1.41/no/such/route", SystemOptions, NONE, NULL, "no/such/route"),
	C("OPTIONS", "/debug/vars", SystemOptions, NONE, NULL, "debug/vars"),
	NO("options", "/"),
	/* undocumented routes */
	C("POST", "/build/cancel", BuildCancel, NONE, NULL, NULL),
	C("POST", "/build/prune", BuildPrune, NONE, NULL, NULL),
	C("POST", "/build", ImageBuild, NONE, NULL, NULL),
	NO("POST", "/build/"),
	C("POST", "/grpc", SystemGrpc, NONE, NULL, NULL),
	C("POST", "/session", Session, NONE, NULL, NULL),
	C("GET", "/debug/vars", DebugVars, NONE, NULL, NULL),
	C("GET", "/debug/pprof/", DebugPprof, NONE, NULL, NULL),
	C("GET", "/debug/pprof/cmdline", DebugPprof, NONE, NULL, NULL),
	C("GET", "/debug/pprof/heap", DebugPprof, NONE, NULL, "heap"),
	C("GET", "/v1.41/debug/pprof/goroutine?debug=2", DebugPprof, NONE, NULL, "goroutine"),
	/* 20.10 registered the debug routes for every method */
	C("POST", "/debug/vars", DebugVars, NONE, NULL, NULL),
	C("DELETE", "/debug/pprof/heap", DebugPprof, NONE, NULL, "heap"),
	NO("GET", "/debug/pprof"),
	NO("GET", "/debug/pprof/a/b"),
	NO("GET", "/debug/"),
	/* 20.10's deprecated "POST /containers/{name}/copy" has no action */
	NO("POST", "/v1.23/containers/x/copy"),
	/* a version alone, or where no version may be, is no route */
	NO("GET", "/v1.41"),
	NO("GET", "/v1.41/v1.41/info"),
	NO("GET", "/vx/info"),
	NO("GET", "/"),
	NO("GET", "/nosuch"),
};

static void
test_route_bypass_forms(void **state)
{
	char err[256];
	struct route_match m;
	struct uri u;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		const struct rcase *c = &rcases[i];

		memset(&u, 0, sizeof(u));
		rc = uri_parse(c->raw, &u, err, sizeof(err));
		if (c->action == REFUSED) {
			if (rc != -1)
				fail_msg("%s %s: accepted as \"%s\"", c->method, c->raw, u.path);
			continue;
		}
		if (rc != 0)
			fail_msg("%s %s: uri_parse: %s", c->method, c->raw, err);
		rc = route_lookup(c->method, u.path, &m);
		if (c->action == NOROUTE) {
			if (rc != -1 || m.action != ACTION_NONE)
				fail_msg("%s %s: routed to %s", c->method, c->raw,
				    action_name(m.action));
			uri_free(&u);
			continue;
		}
		if (rc != 0)
			fail_msg("%s %s: no route, want %s", c->method, c->raw,
			    action_name(c->action));
		if (m.action != c->action)
			fail_msg("%s %s: %s, want %s", c->method, c->raw,
			    action_name(m.action), action_name(c->action));
		if (m.kind != c->kind)
			fail_msg("%s %s: kind %s, want %s", c->method, c->raw,
			    object_kind_name(m.kind), object_kind_name(c->kind));
		if (!field_is(m.object, m.object_len, c->object))
			fail_msg("%s %s: object \"%.*s\", want \"%s\"", c->method,
			    c->raw, (int)m.object_len, m.object ? m.object : "",
			    c->object ? c->object : "(none)");
		if (!field_is(m.sub, m.sub_len, c->sub))
			fail_msg("%s %s: sub \"%.*s\", want \"%s\"", c->method,
			    c->raw, (int)m.sub_len, m.sub ? m.sub : "",
			    c->sub ? c->sub : "(none)");
		/* object and sub point into the routed path */
		if (m.object != NULL)
			assert_true(m.object >= u.path &&
			    m.object + m.object_len <= u.path + strlen(u.path));
		uri_free(&u);
	}
}

/* The query survives routing: create's name, and the smuggled suffix. */
static void
test_route_query_kept(void **state)
{
	char err[256];
	struct route_match m;
	struct uri u;

	(void)state;
	assert_int_equal(route_raw("POST", "/v1.41/containers/create?name=x&name=y",
	    &u, &m, err, sizeof(err)), 0);
	assert_int_equal(m.action, ACTION_ContainerCreate);
	assert_string_equal(u.version, "1.41");
	assert_string_equal(uri_query_get(&u, "name"), "x");
	uri_free(&u);
}

static void
test_route_bad_arguments(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(route_lookup(NULL, "/info", &m), -1);
	assert_int_equal(route_lookup("GET", NULL, &m), -1);
	assert_int_equal(route_lookup("GET", "info", &m), -1);
	assert_int_equal(route_lookup("GET", "", &m), -1);
	assert_int_equal(m.action, ACTION_NONE);
	assert_null(m.object);
	assert_null(m.sub);
}

/* A 64 KiB name without '/' against the two-parameter checkpoint route. */
static void
test_route_long_path(void **state)
{
	struct route_match m;
	char *p;
	size_t n = 65536;

	(void)state;
	p = malloc(n + 1);
	assert_non_null(p);
	memcpy(p, "/containers/", 12);
	memset(p + 12, 'a', n - 12);
	p[n] = '\0';
	assert_int_equal(route_lookup("DELETE", p, &m), 0);
	assert_int_equal(m.action, ACTION_ContainerDelete);
	assert_int_equal(m.object_len, n - 12);
	memcpy(p + n - 5, "/json", 5);
	assert_int_equal(route_lookup("GET", p, &m), 0);
	assert_int_equal(m.action, ACTION_ContainerInspect);
	assert_int_equal(m.object_len, n - 17);
	free(p);
}

/* ------------------------------------------------------------------ */
/* Names                                                               */

static void
test_action_names(void **state)
{
	int a;

	(void)state;
	assert_string_equal(action_name(ACTION_NONE), "");
	assert_string_equal(action_name(ACTION_COUNT), "");
	assert_string_equal(action_name((enum action)-1), "");
	assert_string_equal(action_name(ACTION_ContainerCreate), "ContainerCreate");
	assert_string_equal(action_name(ACTION_DebugVars), "DebugVars");
	assert_int_equal(action_by_name("ContainerCreate"), ACTION_ContainerCreate);
	assert_int_equal(action_by_name("BuildPrune"), ACTION_BuildPrune);
	assert_int_equal(action_by_name("SystemOptions"), ACTION_SystemOptions);
	assert_int_equal(action_by_name("containercreate"), ACTION_NONE);
	assert_int_equal(action_by_name("ContainerCreat"), ACTION_NONE);
	assert_int_equal(action_by_name("ContainerCreatex"), ACTION_NONE);
	assert_int_equal(action_by_name(""), ACTION_NONE);
	assert_int_equal(action_by_name(NULL), ACTION_NONE);
	for (a = ACTION_NONE + 1; a < ACTION_COUNT; a++) {
		assert_true(action_name((enum action)a)[0] != '\0');
		assert_int_equal(action_by_name(action_name((enum action)a)), a);
	}
}

static void
test_object_kind_names(void **state)
{
	(void)state;
	assert_string_equal(object_kind_name(OBJECT_NONE), "");
	assert_string_equal(object_kind_name(OBJECT_CONTAINER), "container");
	assert_string_equal(object_kind_name(OBJECT_EXEC), "exec");
	assert_string_equal(object_kind_name(OBJECT_IMAGE), "image");
	assert_string_equal(object_kind_name(OBJECT_NETWORK), "network");
	assert_string_equal(object_kind_name(OBJECT_VOLUME), "volume");
	assert_string_equal(object_kind_name(OBJECT_PLUGIN), "plugin");
	assert_string_equal(object_kind_name(OBJECT_SERVICE), "service");
	assert_string_equal(object_kind_name(OBJECT_TASK), "task");
	assert_string_equal(object_kind_name(OBJECT_NODE), "node");
	assert_string_equal(object_kind_name(OBJECT_SECRET), "secret");
	assert_string_equal(object_kind_name(OBJECT_CONFIG), "config");
	assert_string_equal(object_kind_name(OBJECT_DISTRIBUTION), "distribution");
	assert_string_equal(object_kind_name((enum object_kind)99), "");
	assert_string_equal(object_kind_name((enum object_kind)-1), "");
}

/* ------------------------------------------------------------------ */
/* Every registered route, every documented endpoint                   */

#define MAXROUTES	256

struct endpoint {
	char key[256];		/* "GET /containers/{}/json" */
	enum action action;
	bool reached;
};

/* Our names for the routes endpoints.tsv does not document. */
static const struct {
	const char *key;
	enum action action;
} undocumented[] = {
	{ "GET /containers/{}/checkpoints", ACTION_ContainerCheckpointList },
	{ "POST /containers/{}/checkpoints", ACTION_ContainerCheckpointCreate },
	{ "DELETE /containers/{}/checkpoints/{}", ACTION_ContainerCheckpointDelete },
	{ "POST /build/cancel", ACTION_BuildCancel },
	{ "POST /grpc", ACTION_SystemGrpc },
	{ "OPTIONS /{}", ACTION_SystemOptions },
	{ "GET /networks/", ACTION_NetworkList },
	{ "GET /debug/vars", ACTION_DebugVars },
	{ "GET /debug/pprof/", ACTION_DebugPprof },
	{ "GET /debug/pprof/cmdline", ACTION_DebugPprof },
	{ "GET /debug/pprof/profile", ACTION_DebugPprof },
	{ "GET /debug/pprof/symbol", ACTION_DebugPprof },
	{ "GET /debug/pprof/trace", ACTION_DebugPprof },
	{ "GET /debug/pprof/{}", ACTION_DebugPprof },
};

/* "METHOD /a/{x:.*}/b" -> "METHOD /a/{}/b", the method upper-cased. */
static void
route_key(char *key, size_t size, const char *method, const char *tpl)
{
	size_t o = 0;

	for (; *method != '\0' && o + 1 < size; method++)
		key[o++] = (char)toupper((unsigned char)*method);
	key[o++] = ' ';
	for (; *tpl != '\0' && o + 3 < size; tpl++) {
		key[o++] = *tpl;
		if (*tpl == '{') {
			key[o++] = '}';
			tpl = strchr(tpl, '}');
			assert_non_null(tpl);
		}
	}
	key[o] = '\0';
}

/*
 * Substitute SAMPLES into the template: a "{x:.*}" or "{x:.+}" parameter
 * gets a name with '/' and ':', a "{x}" one a plain name. With ENCODE the
 * names' '/' and ':' are percent-encoded, as a client may send them.
 */
static void
concrete(char *out, size_t size, const char *tpl, bool encode,
    const char *samples[2], size_t *nsamples)
{
	const char *name;
	size_t o = 0, k;

	*nsamples = 0;
	for (; *tpl != '\0' && o + 64 < size; tpl++) {
		if (*tpl != '{') {
			out[o++] = *tpl;
			continue;
		}
		if (tpl[strcspn(tpl, ":}")] == ':')
			name = "team/app:1.0";
		else
			name = *nsamples == 0 ? "abc1" : "cp1";
		assert_true(*nsamples < 2);
		samples[(*nsamples)++] = name;
		for (k = 0; name[k] != '\0'; k++) {
			if (encode && name[k] == '/')
				o += (size_t)snprintf(out + o, size - o, "%%2F");
			else if (encode && name[k] == ':')
				o += (size_t)snprintf(out + o, size - o, "%%3a");
			else
				out[o++] = name[k];
		}
		tpl = strchr(tpl, '}');
	}
	out[o] = '\0';
}

static size_t
load_endpoints(struct endpoint *ep, size_t max)
{
	char line[1024], method[16], path[512], op[128];
	size_t n = 0;
	FILE *f = open_shared("engine-api/endpoints.tsv");

	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%15s\t%511s\t%127s", method, path, op) != 3 ||
		    strcmp(method, "method") == 0)
			continue;
		assert_true(n < max);
		route_key(ep[n].key, sizeof(ep[n].key), method, path);
		ep[n].action = action_by_name(op);
		if (ep[n].action == ACTION_NONE)
			fail_msg("endpoints.tsv: operationId %s is not in actions.def", op);
		ep[n].reached = false;
		n++;
	}
	fclose(f);
	return n;
}

static enum action
expected_action(const char *key, struct endpoint *ep, size_t nep)
{
	size_t i;

	for (i = 0; i < nep; i++) {
		if (strcmp(ep[i].key, key) == 0) {
			ep[i].reached = true;
			return ep[i].action;
		}
	}
	for (i = 0; i < sizeof(undocumented) / sizeof(undocumented[0]); i++)
		if (strcmp(undocumented[i].key, key) == 0)
			return undocumented[i].action;
	fail_msg("route %s: neither documented nor named in this test", key);
	return ACTION_NONE;
}

/* Route one concrete form of a template and check action and parameters. */
static void
check_form(const char *method, const char *raw, enum action want,
    const char *samples[2], size_t nsamples)
{
	char err[256];
	struct route_match m;
	struct uri u;

	if (route_raw(method, raw, &u, &m, err, sizeof(err)) != 0)
		fail_msg("%s %s: %s, want %s", method, raw, err, action_name(want));
	if (m.action != want)
		fail_msg("%s %s: %s, want %s", method, raw, action_name(m.action),
		    action_name(want));
	if (m.kind != OBJECT_NONE) {
		if (!field_is(m.object, m.object_len, samples[0]) ||
		    !field_is(m.sub, m.sub_len, nsamples > 1 ? samples[1] : NULL))
			fail_msg("%s %s: object \"%.*s\" sub \"%.*s\"", method, raw,
			    (int)m.object_len, m.object ? m.object : "",
			    (int)m.sub_len, m.sub ? m.sub : "");
	} else if (m.object != NULL ||
	    !field_is(m.sub, m.sub_len, nsamples > 0 ? samples[0] : NULL)) {
		fail_msg("%s %s: unexpected object or sub", method, raw);
	}
	uri_free(&u);
}

static void
test_route_every_dockerd_route(void **state)
{
	static struct endpoint ep[MAXROUTES];
	char line[1024], method[16], tpl[512], key[600], raw[1024], vraw[1100];
	const char *samples[2];
	size_t nep, nroutes = 0, nsamples, i;
	enum action want;
	bool encode;
	FILE *f;

	(void)state;
	nep = load_endpoints(ep, MAXROUTES);
	assert_true(nep >= 100);
	f = open_shared("engine-api/dockerd-routes.txt");
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%15s %511s", method, tpl) != 2)
			continue;
		route_key(key, sizeof(key), method, tpl);
		/* "Delete" in the file, "DELETE" on the wire */
		memcpy(method, key, strcspn(key, " "));
		method[strcspn(key, " ")] = '\0';
		want = expected_action(key, ep, nep);
		for (i = 0; i < 2; i++) {
			encode = i == 1;
			concrete(raw, sizeof(raw), tpl, encode, samples, &nsamples);
			check_form(method, raw, want, samples, nsamples);
			snprintf(vraw, sizeof(vraw), "/v1.41%s", raw);
			check_form(method, vraw, want, samples, nsamples);
		}
		nroutes++;
	}
	fclose(f);
	assert_true(nroutes >= 120);
	for (i = 0; i < nep; i++)
		if (!ep[i].reached)
			fail_msg("endpoints.tsv: %s (%s) has no dockerd route", ep[i].key,
			    action_name(ep[i].action));
}

/* ------------------------------------------------------------------ */
/* Recorded traffic                                                    */

struct corpus_stats {
	size_t lines, ping_head, create, exec_start, dist, delete_force;
};

static void
check_corpus_request(const char *where, const cJSON *req, struct corpus_stats *st)
{
	const cJSON *jm = cJSON_GetObjectItemCaseSensitive(req, "RequestMethod");
	const cJSON *ju = cJSON_GetObjectItemCaseSensitive(req, "RequestUri");
	char err[256];
	struct route_match m;
	struct uri u;

	if (!cJSON_IsString(jm) || !cJSON_IsString(ju))
		fail_msg("%s: no RequestMethod/RequestUri", where);
	if (route_raw(jm->valuestring, ju->valuestring, &u, &m, err, sizeof(err)) != 0)
		fail_msg("%s: %s %s: %s", where, jm->valuestring, ju->valuestring, err);
	assert_int_not_equal(m.action, ACTION_NONE);
	if (strcmp(ju->valuestring, "/_ping") == 0 &&
	    strcmp(jm->valuestring, "HEAD") == 0) {
		assert_int_equal(m.action, ACTION_SystemPingHead);
		st->ping_head++;
	}
	if (strcmp(ju->valuestring, "/v1.41/containers/create") == 0) {
		assert_int_equal(m.action, ACTION_ContainerCreate);
		assert_string_equal(u.version, "1.41");
		st->create++;
	}
	if (strncmp(ju->valuestring, "/v1.41/exec/", 12) == 0 &&
	    strcmp(jm->valuestring, "POST") == 0) {
		assert_int_equal(m.action, ACTION_ExecStart);
		assert_int_equal(m.kind, OBJECT_EXEC);
		assert_int_equal(m.object_len, 64);
		st->exec_start++;
	}
	if (strcmp(ju->valuestring, "/v1.41/distribution/bb:latest/json") == 0) {
		assert_int_equal(m.action, ACTION_DistributionInspect);
		assert_int_equal(m.kind, OBJECT_DISTRIBUTION);
		assert_true(field_is(m.object, m.object_len, "bb:latest"));
		st->dist++;
	}
	if (strcmp(ju->valuestring, "/v1.41/containers/priv?force=1") == 0) {
		assert_int_equal(m.action, ACTION_ContainerDelete);
		assert_true(field_is(m.object, m.object_len, "priv"));
		assert_string_equal(uri_query_get(&u, "force"), "1");
		st->delete_force++;
	}
	uri_free(&u);
	st->lines++;
}

static void
check_corpus_file(const char *path, struct corpus_stats *st)
{
	char where[8300];
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	cJSON *doc;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s", path);
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		if ((doc = cJSON_Parse(line)) == NULL)
			fail_msg("%s: not JSON", where);
		check_corpus_request(where,
		    cJSON_GetObjectItemCaseSensitive(doc, "request"), st);
		cJSON_Delete(doc);
	}
	free(line);
	fclose(f);
}

static void
test_route_corpus(void **state)
{
	struct corpus_stats st = { 0 };
	char dir[4096], path[8192];
	struct dirent *de;
	size_t n, files = 0;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/corpus", shared_dir());
	if ((d = opendir(dir)) == NULL)
		fail_msg("cannot open %s (set PORTCULLIS_SHARED?)", dir);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 6, ".jsonl") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		check_corpus_file(path, &st);
		files++;
	}
	closedir(d);
	assert_true(files >= 1);
	assert_true(st.lines >= 100);
	assert_true(st.ping_head > 0);
	assert_true(st.create > 0);
	assert_true(st.exec_start > 0);
	assert_true(st.dist > 0);
	assert_true(st.delete_force > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_bypass_forms),
		cmocka_unit_test(test_route_query_kept),
		cmocka_unit_test(test_route_bad_arguments),
		cmocka_unit_test(test_route_long_path),
		cmocka_unit_test(test_action_names),
		cmocka_unit_test(test_object_kind_names),
		cmocka_unit_test(test_route_every_dockerd_route),
		cmocka_unit_test(test_route_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
