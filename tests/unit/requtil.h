/* SPDX-License-Identifier: Apache-2.0 */
/* requtil.h - build struct request values for unit tests: by hand, or from
 * a request of the real corpus (the exact envelope dockerd posted). */
#ifndef PORTCULLIS_REQUTIL_H
#define PORTCULLIS_REQUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "request.h"
#include "route.h"
#include "testutil.h"
#include "uri.h"

struct req {
	struct envelope env;
	struct request rq;
	bool decoded;		/* env came from envelope_decode */
};

/* Route RQ's URI as decide() does; the caller asserts on the result. */
static inline int req_route(struct req *r, const char *user)
{
	char err[256];

	if (uri_parse(r->env.uri, &r->rq.uri, err, sizeof(err)) != 0) {
		fprintf(stderr, "uri_parse(%s): %s\n", r->env.uri, err);
		return -1;
	}
	if (route_lookup(r->env.method, r->rq.uri.path, &r->rq.route) != 0) {
		fprintf(stderr, "route_lookup(%s %s) failed\n", r->env.method, r->rq.uri.path);
		return -1;
	}
	r->rq.action = r->rq.route.action;
	r->rq.env = &r->env;
	r->rq.user = user ? user : "anonymous";
	return 0;
}

/* METHOD URI with BODY (LEN bytes; NULL: no RequestBody at all). */
static inline int req_make(struct req *r, const char *user, const char *method, const char *uri,
			   const char *body, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->env.method = method;
	r->env.uri = uri;
	r->env.user = user;
	if (body) {
		r->env.body = malloc(len + 1);
		if (r->env.body == NULL)
			return -1;
		memcpy(r->env.body, body, len);
		r->env.body[len] = '\0';
		r->env.body_len = len;
		r->env.has_body = true;
	}
	return req_route(r, user);
}

/*
 * The NTH (0-based) AuthZReq of corpus FILE whose method is METHOD and whose
 * RequestUri is URI, decoded exactly as the plugin decodes it.
 */
static inline int req_corpus(struct req *r, const char *file, const char *method, const char *uri,
			     int nth)
{
	char path[512], err[256], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;
	int rc = -1, want = nth;

	memset(r, 0, sizeof(*r));
	corpus_path(path, sizeof(path), file);
	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: cannot open\n", path);
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) > 0) {
		cJSON *o = cJSON_Parse(line);
		const cJSON *call = cJSON_GetObjectItemCaseSensitive(o, "call");
		cJSON *rqj = cJSON_DetachItemFromObjectCaseSensitive(o, "request");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(rqj, "RequestMethod");
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(rqj, "RequestUri");

		if (cJSON_IsString(call) && strcmp(call->valuestring, "AuthZReq") == 0 &&
		    cJSON_IsString(m) && strcmp(m->valuestring, method) == 0 &&
		    cJSON_IsString(u) && strcmp(u->valuestring, uri) == 0 && nth-- == 0) {
			/* takes rqj */
			rc = envelope_from_json(rqj, &r->env, err, sizeof(err));
			if (rc != 0)
				fprintf(stderr, "envelope_from_json: %s\n", err);
			r->decoded = rc == 0;
			cJSON_Delete(o);
			break;
		}
		cJSON_Delete(rqj);
		cJSON_Delete(o);
	}
	free(line);
	fclose(fp);
	if (rc != 0) {
		fprintf(stderr, "%s: no request %d for %s %s\n", path, want, method, uri);
		return -1;
	}
	return req_route(r, r->env.user);
}

static inline void req_free(struct req *r)
{
	uri_free(&r->rq.uri);
	if (r->decoded)
		envelope_free(&r->env);
	else
		free(r->env.body);
	memset(r, 0, sizeof(*r));
}

#endif
