/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_json.c - libFuzzer target: the strict JSON layer and base64.
 * Invariants: every object in an accepted tree has keys distinct under Go's
 * folding, so a folded lookup of each key finds that very member; the
 * one-pass reader accepts only what json_parse_strict accepts, and builds
 * the very same tree; the word-at-a-time key hash and comparison agree with
 * json_fold_key, the byte-at-a-time folding they stand in for. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "json.h"

/* KEY against OTHER, an earlier key of the same object (or NULL): a key
 * hashes as its folding does and equals it; two keys of one object (distinct
 * under folding) are never equal. */
static void check_key(const char *key, const char *other)
{
	char folded[256], folded_other[256];
	size_t alen, flen;
	uint64_t h = json_key_hash(key, &alen);

	if (json_fold_key(key, folded, sizeof(folded)) != 0)
		return;
	if (json_key_hash(folded, &flen) != h || !json_key_equal(key, alen, folded, strlen(folded)))
		abort();
	if (alen != SIZE_MAX && (flen != alen || alen != strlen(folded)))
		abort();	/* all ASCII: folding keeps the length */
	if (other && json_fold_key(other, folded_other, sizeof(folded_other)) == 0 &&
	    json_key_equal(key, alen, folded_other, strlen(folded_other)))
		abort();
}

static void walk(const cJSON *item)
{
	const cJSON *it;

	for (it = item->child; it; it = it->next) {
		if (cJSON_IsObject(item)) {
			if (json_get_fold(item, it->string) != it)
				abort();
			check_key(it->string, it == item->child ? NULL : it->prev->string);
		}
		walk(it);
	}
}

/* The hash the one-pass reader left before each key is json_key_hash's. */
static void hashes_as_computed(const cJSON *item)
{
	const cJSON *it;
	size_t a, b;

	for (it = item->child; it; it = it->next) {
		if (cJSON_IsObject(item) &&
		    (json_member_key_hash(it, &a) != json_key_hash(it->string, &b) || a != b))
			abort();
		hashes_as_computed(it);
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
	if (fast) {
		same_tree(fast, j);
		hashes_as_computed(fast);
	}
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
