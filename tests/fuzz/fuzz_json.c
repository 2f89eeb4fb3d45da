/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_json.c - libFuzzer target: the strict JSON layer and base64.
 * Invariants: every object in an accepted tree has keys distinct under Go's
 * folding, so a folded lookup of each key finds that very member; the
 * one-pass reader accepts only what json_parse_strict accepts, and builds
 * the very same tree. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "json.h"

static void walk(const cJSON *item)
{
	const cJSON *it;

	for (it = item->child; it; it = it->next) {
		if (cJSON_IsObject(item) && json_get_fold(item, it->string) != it)
			abort();
		walk(it);
	}
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Node for node: type, key, string, number (sign of zero included), links. */
static void same_tree(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if (a->type != b->type || !same_str(a->string, b->string) ||
	    !same_str(a->valuestring, b->valuestring) || a->valueint != b->valueint ||
	    memcmp(&a->valuedouble, &b->valuedouble, sizeof(double)) != 0)
		abort();
	if ((a->child == NULL) != (b->child == NULL))
		abort();
	if (a->child && ((a->child->prev == NULL) != (b->child->prev == NULL)))
		abort();
	for (x = a->child, y = b->child; x && y; x = x->next, y = y->next) {
		if (x != a->child && (x->prev == NULL || y->prev == NULL))
			abort();
		same_tree(x, y);
	}
	if (x || y)
		abort();
	if (a->child && (a->child->prev->next != NULL || b->child->prev->next != NULL))
		abort();	/* the head's prev is the last member in both */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	cJSON *j = json_parse_strict((const char *)data, size, err, sizeof(err));
	struct json_arena *arena;
	cJSON *fast = json_parse_onepass((const char *)data, size, &arena);
	unsigned char *out;

	if (fast && !j)
		abort();	/* the one-pass reader took what the strict parser refuses */
	if (fast)
		same_tree(fast, j);
	json_arena_free(arena, fast);
	if (j) {
		walk(j);
		cJSON_Delete(j);
	}
	out = malloc(base64_decoded_max(size) + 1);
	if (out) {
		long n = base64_decode((const char *)data, size, out);

		/* a decoded length never exceeds the bound callers allocate */
		if (n > (long)base64_decoded_max(size))
			abort();
		free(out);
	}
	return 0;
}
