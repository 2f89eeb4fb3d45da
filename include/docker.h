/* SPDX-License-Identifier: Apache-2.0 */
/* docker.h - ask dockerd a question, never waiting longer than a deadline. */
#ifndef PORTCULLIS_DOCKER_H
#define PORTCULLIS_DOCKER_H

#include <stddef.h>

#include "lookup.h"	/* LOOKUP_TOKEN_HEADER */

struct docker_client {
	char path[108];		/* unix socket path, or "" for TCP */
	char host[256];		/* TCP host (numeric), when path is "" */
	unsigned short port;
	char token[65];		/* per-process secret sent with every call (hex) */
	int timeout_ms;		/* whole call: connect, send, receive */
};

/*
 * docker_client_init - URL is unix:///path or tcp://HOST:PORT (HOST numeric).
 * Generates the per-process token from getrandom(2). -1 with a reason.
 */
int docker_client_init(struct docker_client *c, const char *url, int timeout_ms,
		       char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * docker_get - GET PATH from dockerd with the token header. On 0, *status is
 * the HTTP status and *body a malloc'd, NUL-terminated body (chunked bodies
 * decoded). -1 with a reason on a transport error, a timeout, or a response
 * over 4 MiB: the caller must then deny.
 */
int docker_get(const struct docker_client *c, const char *path, int *status, char **body,
	       size_t *len, char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
