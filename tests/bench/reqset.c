/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reqset.c - benchmark requests built from the real-traffic corpus.
 *
 * Each corpus line is what a real dockerd posted; we re-encode the request
 * object compactly, in Go's field order, with the encoder's trailing newline,
 * so the bytes on the socket are what dockerd would send. Overrides change the
 * caller (user=) or turn a listing into a large AuthZRes (res-body=).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "reqset.h"

#define MAX_LINE_INDEX 100000
#define MAX_RES_BODY (64u << 20)

/* Go's field order for authorization.Request (pkg/authorization/api.go). */
static const char *const go_order[] = {
	"User", "UserAuthNMethod", "RequestMethod", "RequestUri", "RequestBody",
	"RequestHeaders", "RequestPeerCertificates", "ResponseStatusCode", "ResponseBody",
	"ResponseHeaders",
};

static int fail(char *err, size_t errlen, const char *what, const char *spec)
{
	snprintf(err, errlen, "%s: %s", spec, what);
	return -1;
}

static char *base64(const unsigned char *in, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = tab[v >> 6 & 63];
		*o++ = tab[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);

		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* A `GET /containers/json` answer of about N bytes: one entry per container. */
static unsigned char *listing(size_t n, size_t *outlen)
{
	unsigned char *buf = malloc(n + 512);
	size_t len = 1;
	unsigned i;

	if (!buf)
		return NULL;
	buf[0] = '[';
	for (i = 0; len + 400 < n; i++)
		len += (size_t)snprintf((char *)buf + len, 512,
			"%s{\"Id\":\"%064x\",\"Names\":[\"/tenant-c%u\"],\"Image\":\"bb:latest\","
			"\"Command\":\"sleep 1000\",\"Created\":1795356057,\"State\":\"running\","
			"\"Status\":\"Up 2 hours\",\"Labels\":{\"io.portcullis.owner\":\"alice\"},"
			"\"HostConfig\":{\"NetworkMode\":\"none\"},\"Mounts\":[]}",
			i ? "," : "", i * 2654435761u, i);
	buf[len++] = ']';
	buf[len++] = '\n';
	*outlen = len;
	return buf;
}

/* Line INDEX (0-based) of FILE, parsed. */
static cJSON *corpus_line(const char *file, long index, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = -1;
	cJSON *j = NULL;
	long i;

	if (!f) {
		snprintf(err, errlen, "cannot open %s", file);
		return NULL;
	}
	for (i = 0; i <= index; i++)
		if ((n = getline(&line, &cap, f)) < 0)
			break;
	if (n < 0)
		snprintf(err, errlen, "%s has no line %ld", file, index);
	else if (!(j = cJSON_ParseWithLength(line, (size_t)n)))
		snprintf(err, errlen, "%s:%ld is not JSON", file, index);
	free(line);
	fclose(f);
	return j;
}

static int set_response(cJSON *req, size_t bytes)
{
	size_t len;
	unsigned char *raw = listing(bytes, &len);
	char *b64 = raw ? base64(raw, len) : NULL;
	cJSON *h = cJSON_CreateObject();

	free(raw);
	if (!b64 || !h) {
		free(b64);
		cJSON_Delete(h);
		return -1;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(req, "ResponseStatusCode");
	cJSON_DeleteItemFromObjectCaseSensitive(req, "ResponseBody");
	cJSON_DeleteItemFromObjectCaseSensitive(req, "ResponseHeaders");
	cJSON_AddNumberToObject(req, "ResponseStatusCode", 200);
	cJSON_AddStringToObject(req, "ResponseBody", b64);
	cJSON_AddStringToObject(h, "Api-Version", "1.41");
	cJSON_AddStringToObject(h, "Content-Type", "application/json");
	cJSON_AddStringToObject(h, "Docker-Experimental", "false");
	cJSON_AddStringToObject(h, "Ostype", "linux");
	cJSON_AddStringToObject(h, "Server", "Docker/20.10.24 (linux)");
	cJSON_AddItemToObject(req, "ResponseHeaders", h);
	free(b64);
	return 0;
}

/* Move REQ's members into a new object in Go's order (others after). */
static cJSON *reorder(cJSON *req)
{
	cJSON *out = cJSON_CreateObject(), *it;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < sizeof(go_order) / sizeof(go_order[0]); i++) {
		it = cJSON_DetachItemFromObjectCaseSensitive(req, go_order[i]);
		if (it)
			cJSON_AddItemToObject(out, go_order[i], it);
	}
	while ((it = req->child)) {
		char *key = it->string;

		cJSON_DetachItemViaPointer(req, it);
		cJSON_AddItemToObject(out, key, it);
	}
	return out;
}

int reqset_load(const char *spec, struct benchreq *r, char *err, size_t errlen)
{
	char *copy = strdup(spec), *opts, *colon, *tok, *save = NULL, *end;
	const char *user = NULL;
	long index, res_bytes = -1;
	cJSON *line = NULL, *req, *call, *ordered;
	char *text;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!copy)
		return fail(err, errlen, "out of memory", spec);
	opts = strchr(copy, ',');
	if (opts)
		*opts++ = '\0';
	colon = strrchr(copy, ':');
	if (!colon) {
		fail(err, errlen, "expected FILE:LINE", spec);
		goto out;
	}
	*colon = '\0';
	index = strtol(colon + 1, &end, 10);
	if (*end || index < 0 || index > MAX_LINE_INDEX) {
		fail(err, errlen, "bad line number", spec);
		goto out;
	}
	for (tok = opts ? strtok_r(opts, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "user=", 5) == 0) {
			user = tok + 5;
		} else if (strncmp(tok, "res-body=", 9) == 0) {
			res_bytes = strtol(tok + 9, &end, 10);
			if (*end || res_bytes < 1 || res_bytes > (long)MAX_RES_BODY) {
				fail(err, errlen, "res-body must be 1..64 MiB", spec);
				goto out;
			}
		} else if (strcmp(tok, "expect=allow") == 0) {
			r->expect = EXPECT_ALLOW;
		} else if (strcmp(tok, "expect=deny") == 0) {
			r->expect = EXPECT_DENY;
		} else {
			fail(err, errlen, "unknown option (user=, res-body=, expect=)", spec);
			goto out;
		}
	}
	line = corpus_line(copy, index, err, errlen);
	if (!line)
		goto out;
	call = cJSON_GetObjectItemCaseSensitive(line, "call");
	req = cJSON_GetObjectItemCaseSensitive(line, "request");
	if (!cJSON_IsString(call) || !cJSON_IsObject(req)) {
		fail(err, errlen, "not a corpus line {\"call\":..,\"request\":{..}}", spec);
		goto out;
	}
	r->res = strcmp(call->valuestring, "AuthZRes") == 0;
	if (user) {
		cJSON_DeleteItemFromObjectCaseSensitive(req, "User");
		cJSON_DeleteItemFromObjectCaseSensitive(req, "UserAuthNMethod");
		if (*user) {
			cJSON_AddStringToObject(req, "User", user);
			cJSON_AddStringToObject(req, "UserAuthNMethod", "TLS");
		}
	}
	if (res_bytes > 0) {
		r->res = true;
		if (set_response(req, (size_t)res_bytes) != 0) {
			fail(err, errlen, "out of memory", spec);
			goto out;
		}
	}
	ordered = reorder(req);
	text = ordered ? cJSON_PrintUnformatted(ordered) : NULL;
	cJSON_Delete(ordered);
	if (!text) {
		fail(err, errlen, "out of memory", spec);
		goto out;
	}
	r->len = strlen(text) + 1;
	r->body = malloc(r->len + 1);
	if (r->body) {
		memcpy(r->body, text, r->len - 1);
		r->body[r->len - 1] = '\n';	/* json.Encoder's newline */
		r->body[r->len] = '\0';
		rc = 0;
	} else {
		fail(err, errlen, "out of memory", spec);
	}
	cJSON_free(text);
out:
	cJSON_Delete(line);
	free(copy);
	return rc;
}

void reqset_free(struct benchreq *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}
