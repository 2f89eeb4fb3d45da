/* SPDX-License-Identifier: Apache-2.0 */
/* lookup.h - what the rules engine may ask dockerd about existing objects. */
#ifndef PORTCULLIS_LOOKUP_H
#define PORTCULLIS_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include "route.h"

/* The header our own lookups carry, with the per-process secret. */
#define LOOKUP_TOKEN_HEADER "X-Portcullis-Token"

struct object_info {
	char id[129];			/* full ID (or name, for volumes and networks) */
	char owner[256];		/* the owner label's value */
	bool has_owner;			/* false when the object has no owner label */
	char container[129];		/* for an exec: the ID of its container */
	char driver[64];		/* for a volume: its driver ("local") */
	bool host_mount;		/* for a volume: the local driver's options mount
					 * from the host (a bind in disguise) */
	char device[4096];		/* ... and what they mount, "" if unknown */
};

enum lookup_result { LOOKUP_ERROR = -1, LOOKUP_FOUND = 0, LOOKUP_NOT_FOUND = 1 };

/*
 * A resolver of object references, as dockerd will resolve them (full ID,
 * name, unique ID prefix). The daemon implements it over dockerd's API with a
 * deadline; tests implement it with a table. OWNER_LABEL is the policy's.
 */
struct lookup {
	enum lookup_result (*inspect)(void *ctx, enum object_kind kind, const char *name,
				      const char *owner_label, struct object_info *out,
				      char *err, size_t errlen);
	void *ctx;
	const char *token;		/* the secret our own lookups carry, or NULL */
};

#endif
