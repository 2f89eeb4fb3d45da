/* SPDX-License-Identifier: Apache-2.0 */
/* action.h - the action vocabulary: Engine API operationIds plus our names for
 * the undocumented routes. Policies name these; the router produces them. */
#ifndef PORTCULLIS_ACTION_H
#define PORTCULLIS_ACTION_H

#include <stddef.h>

enum action {
	ACTION_NONE = 0,	/* no route: always denied */
#define ACTION(n) ACTION_##n,
#include "../rules/actions.def"
#undef ACTION
	ACTION_COUNT
};

/* Name of an action ("ContainerCreate"); "" for ACTION_NONE. */
const char *action_name(enum action a);

/* Exact, case-sensitive lookup; ACTION_NONE when unknown. */
enum action action_by_name(const char *name);

#endif
