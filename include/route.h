/* SPDX-License-Identifier: Apache-2.0 */
/* route.h - dockerd's route table: (method, clean path) -> action + object. */
#ifndef PORTCULLIS_ROUTE_H
#define PORTCULLIS_ROUTE_H

#include <stddef.h>
#include "action.h"

enum object_kind {
	OBJECT_NONE = 0,
	OBJECT_CONTAINER,
	OBJECT_EXEC,
	OBJECT_IMAGE,
	OBJECT_NETWORK,
	OBJECT_VOLUME,
	OBJECT_PLUGIN,
	OBJECT_SERVICE,
	OBJECT_TASK,
	OBJECT_NODE,
	OBJECT_SECRET,
	OBJECT_CONFIG,
	OBJECT_DISTRIBUTION,	/* an image reference inspected in a registry */
};

struct route_match {
	enum action action;
	enum object_kind kind;
	const char *object;	/* the path parameter naming the object, points into path */
	size_t object_len;	/* may be 0: dockerd's {name:.*} matches empty names */
	const char *sub;	/* second parameter (checkpoint id, pprof name), or NULL */
	size_t sub_len;
};

/*
 * route_lookup - find the route dockerd's router will run for METHOD and PATH
 * (PATH as produced by uri_parse: decoded, clean, without /vX.Y). Routes are
 * tried in dockerd's registration order, first match wins, templates anchored
 * at both ends. Returns 0 and fills *m, or -1 when dockerd has no such route.
 */
int route_lookup(const char *method, const char *path, struct route_match *m)
	__attribute__((warn_unused_result));

/* Lower-case name of an object kind ("container"), "" for OBJECT_NONE. */
const char *object_kind_name(enum object_kind k);

#endif
