/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine.c - know the engine: read dockerd's version once it is up and say,
 * loudly, which of its authorization weaknesses apply and what Portcullis
 * does about each (protocol.md 1.5, 3.1-3.2, 3.8-3.9).
 *
 * The plugin starts before dockerd (dockerd refuses to start without it), so
 * a background thread asks GET /version until dockerd answers or a bounded
 * number of attempts ran out. The answer comes back through the plugin too,
 * carrying the lookup token (decide.c allows exactly that read). Decisions
 * never wait for any of this.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "json.h"

#define ATTEMPTS 120		/* one a second: dockerd takes a few seconds to start */

int engine_parse_version(const char *s, struct engine_version *v)
{
	int n = 0;

	memset(v, 0, sizeof(*v));
	if (*s == 'v')
		s++;
	/* "20.10.24+dfsg1", "29.3.1", "27.1.1-rc.1": three numbers, then anything */
	if (sscanf(s, "%d.%d.%d%n", &v->major, &v->minor, &v->patch, &n) != 3 || n == 0 ||
	    v->major < 0 || v->minor < 0 || v->patch < 0)
		return -1;
	return 0;
}

static int cmp(const struct engine_version *v, int major, int minor, int patch)
{
	if (v->major != major)
		return v->major < major ? -1 : 1;
	if (v->minor != minor)
		return v->minor < minor ? -1 : 1;
	return v->patch < patch ? -1 : v->patch > patch;
}

/* V in [LO, HI) */
static bool in(const struct engine_version *v, int a, int b, int c, int x, int y, int z)
{
	return cmp(v, a, b, c) >= 0 && cmp(v, x, y, z) < 0;
}

/* CVE-2024-41110: chunked bodies (and URIs ending in /auth) reach the plugin
 * without RequestBody. Fixed in 18.09.1, regressed in 19.03, fixed again in
 * 23.0.15, 25.0.6, 26.1.5 and 27.1.1. */
static bool chunked_bodies_dropped(const struct engine_version *v)
{
	if (cmp(v, 18, 9, 1) < 0)
		return true;
	if (in(v, 18, 9, 1, 19, 3, 0) || in(v, 23, 0, 15, 24, 0, 0) ||
	    in(v, 25, 0, 6, 26, 0, 0) || in(v, 26, 1, 5, 27, 0, 0) || cmp(v, 27, 1, 1) >= 0)
		return false;
	return true;
}

/* CVE-2026-34040: bodies of 1 MiB or more reach the plugin without
 * RequestBody. Fixed in 29.3.1 and 25.0.16. */
static bool large_bodies_dropped(const struct engine_version *v)
{
	return cmp(v, 29, 3, 1) < 0 && !in(v, 25, 0, 16, 26, 0, 0);
}

void engine_report(const struct engine_version *v, void (*line)(void *ctx, const char *text),
		   void *ctx)
{
	char buf[640];

	if (chunked_bodies_dropped(v)) {
		snprintf(buf, sizeof(buf),
			 "WARNING: engine %d.%d.%d is in the CVE-2024-41110 range by version "
			 "(chunked request bodies are not forwarded to plugins; distribution "
			 "builds may carry the fix): compensating rule: every endpoint whose body "
			 "a profile reads is denied when the body is missing",
			 v->major, v->minor, v->patch);
		line(ctx, buf);
	}
	if (large_bodies_dropped(v)) {
		snprintf(buf, sizeof(buf),
			 "WARNING: engine %d.%d.%d drops request bodies of 1 MiB or more before "
			 "they reach plugins (CVE-2026-34040, fixed in 29.3.1): compensating "
			 "rule: such requests arrive without a body and are denied wherever a "
			 "profile reads the body", v->major, v->minor, v->patch);
		line(ctx, buf);
	}
	if (cmp(v, 29, 3, 1) < 0) {
		snprintf(buf, sizeof(buf),
			 "WARNING: engine %d.%d.%d does not check plugin privileges fully "
			 "(CVE-2026-33997, fixed in 29.3.1): compensating rule: plugin installs "
			 "and upgrades are denied under every profile", v->major, v->minor,
			 v->patch);
		line(ctx, buf);
	}
	if (cmp(v, 29, 2, 0) >= 0) {
		snprintf(buf, sizeof(buf),
			 "WARNING: engine %d.%d.%d serves BuildKit's gRPC API on its sockets "
			 "outside authorization (29.2 and later): no plugin can see those builds; "
			 "deny SystemGrpc, Session and ImageBuild to users who must not build, "
			 "and keep untrusted users off the API socket", v->major, v->minor,
			 v->patch);
		line(ctx, buf);
	}
	if (cmp(v, 29, 5, 1) < 0) {
		snprintf(buf, sizeof(buf),
			 "WARNING: engine %d.%d.%d runs decompressors from the container for "
			 "docker cp into it (CVE-2026-41567, fixed in 29.5.1): allow "
			 "PutContainerArchive only to trusted users", v->major, v->minor,
			 v->patch);
		line(ctx, buf);
	}
}

static void log_line(void *ctx, const char *text)
{
	(void)ctx;
	fprintf(stderr, "portcullis: %s\n", text);
}

/* Ask once; 0 when dockerd answered with a version. */
static int ask(const struct docker_client *c, char *err, size_t errlen)
{
	struct engine_version v;
	const cJSON *ver, *api;
	char *body = NULL;
	cJSON *root = NULL;
	size_t len;
	int status, rc = -1;

	if (docker_get(c, "/version", &status, &body, &len, err, errlen) != 0)
		return -1;
	if (status != 200) {
		snprintf(err, errlen, "dockerd answered HTTP %d", status);
		goto out;
	}
	root = json_parse_strict(body, len, err, errlen);
	ver = json_get(root, "Version");
	api = json_get(root, "ApiVersion");
	if (!cJSON_IsString(ver) || engine_parse_version(ver->valuestring, &v) != 0) {
		snprintf(err, errlen, "dockerd's /version has no version Portcullis can read");
		goto out;
	}
	fprintf(stderr, "portcullis: engine %s (API %s)\n", ver->valuestring,
		cJSON_IsString(api) ? api->valuestring : "?");
	engine_report(&v, log_line, NULL);
	rc = 0;
out:
	cJSON_Delete(root);
	free(body);
	return rc;
}

static void *watch(void *arg)
{
	const struct docker_client *c = arg;
	char err[256] = "";
	int i;

	for (i = 0; i < ATTEMPTS; i++) {
		if (ask(c, err, sizeof(err)) == 0)
			return NULL;
		sleep(1);
	}
	fprintf(stderr, "portcullis: cannot read dockerd's version (%s); engine weaknesses "
		"were not checked\n", err);
	return NULL;
}

void engine_watch_start(const struct docker_client *c)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, watch, (void *)c) != 0)
		fprintf(stderr, "portcullis: cannot start the engine version check\n");
	pthread_attr_destroy(&attr);
}
