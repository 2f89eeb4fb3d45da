/* SPDX-License-Identifier: Apache-2.0 */
/* uri.h - read a RequestUri the way dockerd's Go net/url + gorilla/mux do. */
#ifndef PORTCULLIS_URI_H
#define PORTCULLIS_URI_H

#include <stdbool.h>
#include <stddef.h>

struct query_param {
	char *key;		/* decoded (QueryUnescape: %XX and '+' -> ' ') */
	char *value;		/* decoded */
};

struct uri {
	char *path;		/* percent-decoded, clean, API version prefix removed */
	char *version;		/* "1.41" when a /v1.41 prefix was present, else NULL */
	struct query_param *params;	/* in order of appearance */
	size_t nparams;
	char *mem;		/* uri.c's: one block holds all of the above */
	size_t mem_used, mem_size;
};

/*
 * uri_parse - parse RequestUri as dockerd will route it.
 * Accepts origin-form ("/v1.41/containers/create?name=x") and absolute-form
 * ("http://host/containers/create"). Returns 0, or -1 with a reason in err
 * (e.g. "path is not clean", "invalid percent-encoding", "';' in query") for
 * anything dockerd would route differently or not at all. On -1 *u is empty.
 */
int uri_parse(const char *raw, struct uri *u, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* First value of a query parameter (Go's r.Form.Get), or NULL. Keys are case-sensitive. */
const char *uri_query_get(const struct uri *u, const char *key);

void uri_free(struct uri *u);

#endif
