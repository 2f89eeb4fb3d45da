/* SPDX-License-Identifier: Apache-2.0 */
/* request.h - one AuthZ call after decoding: who, which action, on what. */
#ifndef PORTCULLIS_REQUEST_H
#define PORTCULLIS_REQUEST_H

#include "action.h"
#include "envelope.h"
#include "route.h"
#include "uri.h"

struct facts;
struct lookup;

struct request {
	const struct envelope *env;	/* body: env->body / env->body_len / env->has_body */
	const char *user;		/* effective user name ({user} in patterns) */
	enum action action;
	struct route_match route;	/* object named in the path (points into uri.path) */
	struct uri uri;			/* decoded path and query (uri_query_get) */
	const struct facts *facts;	/* the body, read once by decide() for the checks that
					 * need it; NULL: each check reads it (body_facts) */
	const char *facts_error;	/* why the body could not be read, when facts is NULL */
	const struct lookup *lookup;	/* resolves named objects (volumes), or NULL offline */
};

#endif
