/* SPDX-License-Identifier: Apache-2.0 */
/* testutil.h - small helpers shared by the unit tests. */
#ifndef PORTCULLIS_TESTUTIL_H
#define PORTCULLIS_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "base64.h"

/* ../shared (beside the checkout, as on CI), or $PORTCULLIS_SHARED. */
static inline const char *shared_dir(void)
{
	const char *d = getenv("PORTCULLIS_SHARED");

	return d && *d ? d : "../shared";
}

static inline void corpus_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/corpus/%s", shared_dir(), name);
}

/* FN on every line of the real corpus (both files), as the JSON text it is:
 * {"call":..., "request":{...}}. Returns the number of lines; 0 when a file
 * cannot be read (the caller asserts on the count). */
static inline size_t corpus_each(void (*fn)(const char *line, size_t len, void *ctx), void *ctx)
{
	static const char *const files[] = { "unix-socket.jsonl", "tls-alice.jsonl" };
	size_t f, lines = 0;

	for (f = 0; f < 2; f++) {
		char path[4096], *line = NULL;
		size_t cap = 0;
		ssize_t n;
		FILE *fp;

		corpus_path(path, sizeof(path), files[f]);
		fp = fopen(path, "r");
		if (!fp)
			return 0;
		while ((n = getline(&line, &cap, fp)) > 0) {
			fn(line, (size_t)n, ctx);
			lines++;
		}
		free(line);
		fclose(fp);
	}
	return lines;
}

/*
 * An AuthZ envelope as dockerd would post it, as a malloc'd JSON string.
 * USER NULL is anonymous; CONTENT_TYPE, HEADER/HEADER_VALUE and BODY may be
 * NULL. BODY is base64-encoded here, as Go encodes []byte.
 */
static inline char *make_envelope(const char *user, const char *method, const char *uri,
				  const char *content_type, const char *header,
				  const char *header_value, const char *body)
{
	cJSON *o = cJSON_CreateObject(), *h = NULL;
	char *s;

	if (user)
		cJSON_AddStringToObject(o, "User", user);
	cJSON_AddStringToObject(o, "RequestMethod", method);
	cJSON_AddStringToObject(o, "RequestUri", uri);
	if (body) {
		char *enc = base64_encode((const unsigned char *)body, strlen(body));

		cJSON_AddStringToObject(o, "RequestBody", enc);
		free(enc);
	}
	if (content_type || header) {
		h = cJSON_AddObjectToObject(o, "RequestHeaders");
		if (content_type)
			cJSON_AddStringToObject(h, "Content-Type", content_type);
		if (header)
			cJSON_AddStringToObject(h, header, header_value);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

#endif
