/* SPDX-License-Identifier: Apache-2.0 */
/* request.h - one AuthZ call after decoding: who, which action, on what. */
#ifndef PORTCULLIS_REQUEST_H
#define PORTCULLIS_REQUEST_H

#include "action.h"
#include "envelope.h"
#include "route.h"
#include "uri.h"

struct request {
	const struct envelope *env;	/* body: env->body / env->body_len / env->has_body */
	const char *user;		/* effective user name ({user} in patterns) */
	enum action action;
	struct route_match route;	/* object named in the path (points into uri.path) */
	struct uri uri;			/* decoded path and query (uri_query_get) */
};

#endif
