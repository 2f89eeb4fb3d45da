/* SPDX-License-Identifier: Apache-2.0 */
/* route.c - dockerd's route table: (method, clean path) -> action + object. */

/*
 * The tables below copy the routes dockerd registers, template for
 * template, in registration order (moby daemon/command/daemon.go
 * buildRouters; cmd/dockerd/daemon.go initRouter in 20.10). gorilla/mux
 * tries routes in that order and runs the first whose method and anchored
 * template both match, so order decides overlaps: the checkpoint router
 * comes before the container router or its DELETE would be masked by
 * "DELETE /containers/{name:.*}". See spec/actions.md.
 *
 * Every template but "OPTIONS /{anyroute:.*}" starts with a literal
 * segment, so routes are grouped by that segment: routes in different
 * groups can never match the same path, and within a group the
 * registration order is kept. A lookup finds the group by its segment,
 * then walks it (29 routes at most) comparing method enums and last bytes
 * before matching a template: no regex engine, no allocation, about a
 * thousand instructions for the largest group.
 *
 * Invariant: a path no route matches gets -1 and ACTION_NONE, which every
 * caller denies.
 */
#include <stdbool.h>
#include <string.h>

#include "route.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* Methods are matched exactly, as mux does: "post" is no POST. */
enum method {
	M_OTHER,	/* a method no route names */
	M_GET,
	M_HEAD,
	M_POST,
	M_PUT,
	M_DELETE,
	M_OPTIONS,
	M_ANY,		/* in a route: every method (20.10's /debug routes) */
};

struct route {
	enum method method;
	const char *tpl;	/* dockerd's template, without "/v{version}" */
	size_t len;		/* strlen(tpl) */
	enum action action;
	enum object_kind kind;	/* what the first parameter names */
};

struct group {
	const char *seg;	/* the first path segment of all its routes */
	size_t seglen;
	const struct route *routes;
	size_t n;
};

#define R(m, t, a, k)	{ M_##m, t, sizeof(t) - 1, ACTION_##a, OBJECT_##k }

/*
 * OPTIONS is registered once, by the system router, for every path (CORS
 * preflight). The routers registered before it have no OPTIONS route, so
 * trying it before any group keeps dockerd's order.
 */
static const struct route any_path[] = {
	R(OPTIONS, "/{anyroute:.*}", SystemOptions, NONE),
};

/*
 * Checkpoint router first (experimental; registered whether or not
 * experimental mode is on, it then answers 501 after the plugin ran),
 * then the container router.
 */
static const struct route containers[] = {
	R(GET, "/containers/{name:.*}/checkpoints", ContainerCheckpointList, CONTAINER),
	R(POST, "/containers/{name:.*}/checkpoints", ContainerCheckpointCreate, CONTAINER),
	R(DELETE, "/containers/{name}/checkpoints/{checkpoint}", ContainerCheckpointDelete, CONTAINER),
	R(HEAD, "/containers/{name:.*}/archive", ContainerArchiveInfo, CONTAINER),
	R(GET, "/containers/json", ContainerList, NONE),
	R(GET, "/containers/{name:.*}/export", ContainerExport, CONTAINER),
	R(GET, "/containers/{name:.*}/changes", ContainerChanges, CONTAINER),
	R(GET, "/containers/{name:.*}/json", ContainerInspect, CONTAINER),
	R(GET, "/containers/{name:.*}/top", ContainerTop, CONTAINER),
	R(GET, "/containers/{name:.*}/logs", ContainerLogs, CONTAINER),
	R(GET, "/containers/{name:.*}/stats", ContainerStats, CONTAINER),
	R(GET, "/containers/{name:.*}/attach/ws", ContainerAttachWebsocket, CONTAINER),
	R(GET, "/containers/{name:.*}/archive", ContainerArchive, CONTAINER),
	R(POST, "/containers/create", ContainerCreate, NONE),
	R(POST, "/containers/{name:.*}/kill", ContainerKill, CONTAINER),
	R(POST, "/containers/{name:.*}/pause", ContainerPause, CONTAINER),
	R(POST, "/containers/{name:.*}/unpause", ContainerUnpause, CONTAINER),
	R(POST, "/containers/{name:.*}/restart", ContainerRestart, CONTAINER),
	R(POST, "/containers/{name:.*}/start", ContainerStart, CONTAINER),
	R(POST, "/containers/{name:.*}/stop", ContainerStop, CONTAINER),
	R(POST, "/containers/{name:.*}/wait", ContainerWait, CONTAINER),
	R(POST, "/containers/{name:.*}/resize", ContainerResize, CONTAINER),
	R(POST, "/containers/{name:.*}/attach", ContainerAttach, CONTAINER),
	R(POST, "/containers/{name:.*}/exec", ContainerExec, CONTAINER),
	R(POST, "/containers/{name:.*}/rename", ContainerRename, CONTAINER),
	R(POST, "/containers/{name:.*}/update", ContainerUpdate, CONTAINER),
	R(POST, "/containers/prune", ContainerPrune, NONE),
	R(PUT, "/containers/{name:.*}/archive", PutContainerArchive, CONTAINER),
	R(DELETE, "/containers/{name:.*}", ContainerDelete, CONTAINER),
};

static const struct route exec[] = {
	R(GET, "/exec/{id:.*}/json", ExecInspect, EXEC),
	R(POST, "/exec/{name:.*}/start", ExecStart, EXEC),
	R(POST, "/exec/{name:.*}/resize", ExecResize, EXEC),
};

static const struct route commit[] = {
	R(POST, "/commit", ImageCommit, NONE),
};

static const struct route images[] = {
	R(GET, "/images/json", ImageList, NONE),
	R(GET, "/images/search", ImageSearch, NONE),
	R(GET, "/images/get", ImageGetAll, NONE),
	R(GET, "/images/{name:.*}/get", ImageGet, IMAGE),
	R(GET, "/images/{name:.*}/history", ImageHistory, IMAGE),
	R(GET, "/images/{name:.*}/json", ImageInspect, IMAGE),
	R(GET, "/images/{name:.*}/attestations", ImageAttestations, IMAGE),
	R(POST, "/images/load", ImageLoad, NONE),
	R(POST, "/images/create", ImageCreate, NONE),
	R(POST, "/images/{name:.*}/push", ImagePush, IMAGE),
	R(POST, "/images/{name:.*}/tag", ImageTag, IMAGE),
	R(POST, "/images/prune", ImagePrune, NONE),
	R(DELETE, "/images/{name:.*}", ImageDelete, IMAGE),
};

static const struct route ping[] = {
	R(GET, "/_ping", SystemPing, NONE),
	R(HEAD, "/_ping", SystemPingHead, NONE),
};

static const struct route events[] = {
	R(GET, "/events", SystemEvents, NONE),
};

static const struct route info[] = {
	R(GET, "/info", SystemInfo, NONE),
};

static const struct route version[] = {
	R(GET, "/version", SystemVersion, NONE),
};

static const struct route system_df[] = {
	R(GET, "/system/df", SystemDataUsage, NONE),
};

static const struct route auth[] = {
	R(POST, "/auth", SystemAuth, NONE),
};

static const struct route volumes[] = {
	R(GET, "/volumes", VolumeList, NONE),
	R(GET, "/volumes/{name:.*}", VolumeInspect, VOLUME),
	R(POST, "/volumes/create", VolumeCreate, NONE),
	R(POST, "/volumes/prune", VolumePrune, NONE),
	R(PUT, "/volumes/{name:.*}", VolumeUpdate, VOLUME),
	R(DELETE, "/volumes/{name:.*}", VolumeDelete, VOLUME),
};

static const struct route build[] = {
	R(POST, "/build", ImageBuild, NONE),
	R(POST, "/build/prune", BuildPrune, NONE),
	R(POST, "/build/cancel", BuildCancel, NONE),
};

static const struct route session[] = {
	R(POST, "/session", Session, NONE),
};

static const struct route swarm[] = {
	R(POST, "/swarm/init", SwarmInit, NONE),
	R(POST, "/swarm/join", SwarmJoin, NONE),
	R(POST, "/swarm/leave", SwarmLeave, NONE),
	R(GET, "/swarm", SwarmInspect, NONE),
	R(GET, "/swarm/unlockkey", SwarmUnlockkey, NONE),
	R(POST, "/swarm/update", SwarmUpdate, NONE),
	R(POST, "/swarm/unlock", SwarmUnlock, NONE),
};

static const struct route services[] = {
	R(GET, "/services", ServiceList, NONE),
	R(GET, "/services/{id}", ServiceInspect, SERVICE),
	R(POST, "/services/create", ServiceCreate, NONE),
	R(POST, "/services/{id}/update", ServiceUpdate, SERVICE),
	R(DELETE, "/services/{id}", ServiceDelete, SERVICE),
	R(GET, "/services/{id}/logs", ServiceLogs, SERVICE),
};

static const struct route nodes[] = {
	R(GET, "/nodes", NodeList, NONE),
	R(GET, "/nodes/{id}", NodeInspect, NODE),
	R(DELETE, "/nodes/{id}", NodeDelete, NODE),
	R(POST, "/nodes/{id}/update", NodeUpdate, NODE),
};

static const struct route tasks[] = {
	R(GET, "/tasks", TaskList, NONE),
	R(GET, "/tasks/{id}", TaskInspect, TASK),
	R(GET, "/tasks/{id}/logs", TaskLogs, TASK),
};

static const struct route secrets[] = {
	R(GET, "/secrets", SecretList, NONE),
	R(POST, "/secrets/create", SecretCreate, NONE),
	R(DELETE, "/secrets/{id}", SecretDelete, SECRET),
	R(GET, "/secrets/{id}", SecretInspect, SECRET),
	R(POST, "/secrets/{id}/update", SecretUpdate, SECRET),
};

static const struct route configs[] = {
	R(GET, "/configs", ConfigList, NONE),
	R(POST, "/configs/create", ConfigCreate, NONE),
	R(DELETE, "/configs/{id}", ConfigDelete, CONFIG),
	R(GET, "/configs/{id}", ConfigInspect, CONFIG),
	R(POST, "/configs/{id}/update", ConfigUpdate, CONFIG),
};

static const struct route plugins[] = {
	R(GET, "/plugins", PluginList, NONE),
	R(GET, "/plugins/{name:.*}/json", PluginInspect, PLUGIN),
	R(GET, "/plugins/privileges", GetPluginPrivileges, NONE),
	R(DELETE, "/plugins/{name:.*}", PluginDelete, PLUGIN),
	R(POST, "/plugins/{name:.*}/enable", PluginEnable, PLUGIN),
	R(POST, "/plugins/{name:.*}/disable", PluginDisable, PLUGIN),
	R(POST, "/plugins/pull", PluginPull, NONE),
	R(POST, "/plugins/{name:.*}/push", PluginPush, PLUGIN),
	R(POST, "/plugins/{name:.*}/upgrade", PluginUpgrade, PLUGIN),
	R(POST, "/plugins/{name:.*}/set", PluginSet, PLUGIN),
	R(POST, "/plugins/create", PluginCreate, NONE),
};

static const struct route distribution[] = {
	R(GET, "/distribution/{name:.*}/json", DistributionInspect, DISTRIBUTION),
};

static const struct route networks[] = {
	R(GET, "/networks", NetworkList, NONE),
	R(GET, "/networks/", NetworkList, NONE),	/* registered as is */
	R(GET, "/networks/{id:.+}", NetworkInspect, NETWORK),
	R(POST, "/networks/create", NetworkCreate, NONE),
	R(POST, "/networks/{id:.*}/connect", NetworkConnect, NETWORK),
	R(POST, "/networks/{id:.*}/disconnect", NetworkDisconnect, NETWORK),
	R(POST, "/networks/prune", NetworkPrune, NONE),
	R(DELETE, "/networks/{id:.*}", NetworkDelete, NETWORK),
};

/*
 * Current moby registers these as GET routes, with and without the version
 * prefix. dockerd 20.10 registered them after every other route, without
 * the prefix and without a method: any method but OPTIONS (the anyroute
 * above comes first) ran them. Matching any method covers both daemons;
 * where a daemon has no such route it never asks the plugin.
 */
static const struct route debug[] = {
	R(ANY, "/debug/vars", DebugVars, NONE),
	R(ANY, "/debug/pprof/", DebugPprof, NONE),
	R(ANY, "/debug/pprof/cmdline", DebugPprof, NONE),
	R(ANY, "/debug/pprof/profile", DebugPprof, NONE),
	R(ANY, "/debug/pprof/symbol", DebugPprof, NONE),
	R(ANY, "/debug/pprof/trace", DebugPprof, NONE),
	R(ANY, "/debug/pprof/{name}", DebugPprof, NONE),
};

static const struct route grpc[] = {
	R(POST, "/grpc", SystemGrpc, NONE),
};

#define G(s, r)	{ s, sizeof(s) - 1, r, nitems(r) }

/* Most used first; the order of groups does not change any match. */
static const struct group groups[] = {
	G("containers", containers),
	G("exec", exec),
	G("_ping", ping),
	G("images", images),
	G("version", version),
	G("info", info),
	G("events", events),
	G("networks", networks),
	G("volumes", volumes),
	G("distribution", distribution),
	G("commit", commit),
	G("build", build),
	G("session", session),
	G("grpc", grpc),
	G("auth", auth),
	G("system", system_df),
	G("swarm", swarm),
	G("services", services),
	G("tasks", tasks),
	G("nodes", nodes),
	G("secrets", secrets),
	G("configs", configs),
	G("plugins", plugins),
	G("debug", debug),
};

#undef G
#undef R

/* ------------------------------------------------------------------ */
/* Template matching                                                   */

struct capture {
	const char *s;
	size_t n;
};

enum param_class {
	PARAM_SEGMENT,	/* "{id}": [^/]+, mux's default */
	PARAM_ANY,	/* "{name:.*}": anything, '/' and "" included */
	PARAM_SOME,	/* "{id:.+}": anything, at least one byte */
	PARAM_BAD,	/* another regexp: not in dockerd's table */
};

/* param_class - class of the parameter "{...}" at T; *end just past '}'. */
static enum param_class
param_class(const char *t, const char **end)
{
	const char *close = strchr(t, '}');
	const char *colon = memchr(t, ':', close != NULL ? (size_t)(close - t) : 0);

	if (close == NULL)
		return PARAM_BAD;
	*end = close + 1;
	if (colon == NULL)
		return PARAM_SEGMENT;
	if (close - colon == 3 && colon[1] == '.' && colon[2] == '*')
		return PARAM_ANY;
	if (close - colon == 3 && colon[1] == '.' && colon[2] == '+')
		return PARAM_SOME;
	return PARAM_BAD;
}

/* param_fits - may the N bytes at P be a parameter of class C? */
static bool
param_fits(enum param_class c, const char *p, size_t n)
{
	switch (c) {
	case PARAM_ANY:
		return true;
	case PARAM_SOME:
		return n > 0;
	case PARAM_SEGMENT:
		return n > 0 && memchr(p, '/', n) == NULL;
	default:
		return false;
	}
}

/*
 * tpl_match - match the path P..PEND against template T, anchored at both
 * ends like mux's "^...$" regexp. Parameters are greedy, as in Go's
 * leftmost-first regexp, so "/containers/a/json/json" names the container
 * "a/json". Records up to NCAP parameters in CAP. Paths reaching here never
 * hold '\n', the one byte Go's '.' would refuse (uri_parse rejects it).
 */
static bool
tpl_match(const char *t, const char *p, const char *pend, struct capture *cap,
    size_t ncap)
{
	enum param_class c;
	const char *rest;
	size_t len, rlen;

	for (; *t != '{'; t++, p++) {
		if (*t == '\0')
			return p == pend;
		if (p == pend || *t != *p)
			return false;
	}
	if ((c = param_class(t, &rest)) == PARAM_BAD)
		return false;
	if (strchr(rest, '{') == NULL) {
		/* The rest is literal: it must end the path, which fixes the
		 * parameter's length. All of dockerd's templates but one. */
		rlen = strlen(rest);
		if ((size_t)(pend - p) < rlen || memcmp(pend - rlen, rest, rlen) != 0)
			return false;
		len = (size_t)(pend - p) - rlen;
		if (!param_fits(c, p, len))
			return false;
	} else {
		/* Another parameter follows: longest first. A segment
		 * parameter cannot reach past the next '/'. */
		len = (size_t)(pend - p);
		if (c == PARAM_SEGMENT)
			len = strcspn(p, "/");
		for (;; len--) {
			if (len == 0 && c != PARAM_ANY)
				return false;
			if (tpl_match(rest, p + len, pend, ncap > 1 ? cap + 1 : NULL,
			    ncap > 1 ? ncap - 1 : 0))
				break;
			if (len == 0)
				return false;
		}
	}
	if (ncap > 0) {
		cap->s = p;
		cap->n = len;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Lookup                                                              */

/* method_of - the method enum of an HTTP method name, M_OTHER if unknown. */
static enum method
method_of(const char *name)
{
	static const struct {
		const char *name;
		enum method m;
	} methods[] = {
		{ "GET", M_GET }, { "POST", M_POST }, { "HEAD", M_HEAD },
		{ "DELETE", M_DELETE }, { "PUT", M_PUT }, { "OPTIONS", M_OPTIONS },
	};
	size_t i;

	for (i = 0; i < nitems(methods); i++)
		if (strcmp(methods[i].name, name) == 0)
			return methods[i].m;
	return M_OTHER;
}

/*
 * try_routes - the first of N routes matching METHOD and PATH, in order.
 * The first SKIP bytes of PATH ("/" and the group's segment) are known to
 * match every template. The first parameter names the object of an
 * object-scoped route, the second is sub; a route with no object kind
 * reports its parameter (pprof profile, OPTIONS path) as sub.
 */
static int
try_routes(const struct route *r, size_t n, enum method method,
    const char *path, size_t skip, struct route_match *m)
{
	const char *pend = path + strlen(path);
	struct capture cap[2];
	size_t i;

	for (i = 0; i < n; i++, r++) {
		if (r->method != method && r->method != M_ANY)
			continue;
		/* a template ending in a literal byte needs the same last
		 * byte in the path: rejects most candidates at once */
		if (r->tpl[r->len - 1] != '}' && r->tpl[r->len - 1] != pend[-1])
			continue;
		memset(cap, 0, sizeof(cap));
		if (!tpl_match(r->tpl + skip, path + skip, pend, cap, nitems(cap)))
			continue;
		m->action = r->action;
		m->kind = r->kind;
		if (r->kind != OBJECT_NONE) {
			m->object = cap[0].s;
			m->object_len = cap[0].n;
			m->sub = cap[1].s;
			m->sub_len = cap[1].n;
		} else {
			m->sub = cap[0].s;
			m->sub_len = cap[0].n;
		}
		return 0;
	}
	return -1;
}

int
route_lookup(const char *method, const char *path, struct route_match *m)
{
	const struct group *g;
	enum method meth;
	size_t seglen;

	memset(m, 0, sizeof(*m));
	if (method == NULL || path == NULL || path[0] != '/')
		return -1;
	meth = method_of(method);
	if (try_routes(any_path, nitems(any_path), meth, path, 0, m) == 0)
		return 0;
	seglen = strcspn(path + 1, "/");
	for (g = groups; g < groups + nitems(groups); g++) {
		if (g->seglen == seglen && memcmp(g->seg, path + 1, seglen) == 0)
			return try_routes(g->routes, g->n, meth, path,
			    1 + seglen, m);
	}
	return -1;
}

const char *
object_kind_name(enum object_kind k)
{
	static const char *const names[] = {
		[OBJECT_NONE] = "",
		[OBJECT_CONTAINER] = "container",
		[OBJECT_EXEC] = "exec",
		[OBJECT_IMAGE] = "image",
		[OBJECT_NETWORK] = "network",
		[OBJECT_VOLUME] = "volume",
		[OBJECT_PLUGIN] = "plugin",
		[OBJECT_SERVICE] = "service",
		[OBJECT_TASK] = "task",
		[OBJECT_NODE] = "node",
		[OBJECT_SECRET] = "secret",
		[OBJECT_CONFIG] = "config",
		[OBJECT_DISTRIBUTION] = "distribution",
	};

	if ((int)k < 0 || (size_t)k >= nitems(names) || names[k] == NULL)
		return "";
	return names[k];
}
