/* SPDX-License-Identifier: Apache-2.0 */
/* action.c - names of the actions listed in rules/actions.def. */
#include <string.h>

#include "action.h"

/* Indexed by enum action; built from the same X-macro list as the enum. */
static const char *const action_names[ACTION_COUNT] = {
	[ACTION_NONE] = "",
#define ACTION(n) [ACTION_##n] = #n,
#include "actions.def"
#undef ACTION
};

const char *
action_name(enum action a)
{
	if ((int)a <= ACTION_NONE || a >= ACTION_COUNT)
		return "";
	return action_names[a];
}

/*
 * A linear scan over ~120 short names: policies resolve names once, at load
 * time, and the router yields enum values without looking names up.
 */
enum action
action_by_name(const char *name)
{
	int a;

	if (name == NULL || *name == '\0')
		return ACTION_NONE;
	for (a = ACTION_NONE + 1; a < ACTION_COUNT; a++)
		if (strcmp(action_names[a], name) == 0)
			return (enum action)a;
	return ACTION_NONE;
}
