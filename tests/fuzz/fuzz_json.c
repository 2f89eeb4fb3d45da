/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_json.c - libFuzzer target: the strict JSON layer and base64.
 * Invariants: every object in an accepted tree has keys distinct under Go's
 * folding, so a folded lookup of each key finds that very member; the
 * one-pass reader accepts only what json_parse_strict accepts, and builds
 * the very same tree, or under guides that tree less what they leave out
 * (guide_check.h), and a value read where it stands in a longer text is
 * the value read on its own; the word-at-a-time key hash and comparison agree with
 * json_fold_key, the byte-at-a-time folding they stand in for. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "guide_check.h"
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

/*
 * The guided reader against the strict tree: top-level members "a", "b"
 * and "c" kept, and of "b" (an object) only "x" and "y". It accepts only
 * what json_parse_strict accepts, passes each key with json_key_hash's
 * hash, and builds the strict tree less what it leaves out. And
 * json_parse_strict_guided gives json_parse_strict's verdict.
 */
static void check_guided(const uint8_t *data, size_t size, const cJSON *strict)
{
	struct test_guide top, inner;
	struct json_arena *arena;
	cJSON *g;
	bool guided;
	char err[256];

	test_guide_init(&inner, "x", "y", NULL, -1, NULL);
	test_guide_init(&top, "a", "b", "c", 1, &inner);
	g = json_parse_onepass_guided((const char *)data, size, &arena, &top.g);
	if (g && (!strict || !guided_as_strict(g, strict, &top) || top.bad || inner.bad))
		abort();
	json_arena_free(arena, g);

	test_guide_init(&inner, "x", "y", NULL, -1, NULL);
	test_guide_init(&top, "a", "b", "c", 1, &inner);
	g = json_parse_strict_guided((const char *)data, size, &arena, &top.g, &guided, err,
				     sizeof(err));
	if ((g == NULL) != (strict == NULL) || (g && guided && !guided_as_strict(g, strict, &top)))
		abort();
	json_arena_free(arena, g);
}

/* The value at the start of DATA, read where it stands: what it took,
 * read on its own, is accepted and is the same tree. */
static void check_value_at(const uint8_t *data, size_t size)
{
	struct json_arena *arena;
	size_t used = 0;
	char err[256];
	cJSON *at = json_parse_onepass_at((const char *)data, size, 64, &arena, &used), *alone;

	if (!at) {
		if (arena)
			abort();	/* given up: nothing left to free */
		return;
	}
	if (used == 0 || used > size)
		abort();
	alone = json_parse_strict((const char *)data, used, err, sizeof(err));
	if (!alone || !same_tree(at, alone))
		abort();
	cJSON_Delete(alone);
	json_arena_free(arena, at);
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
		if (!same_tree(fast, j))
			abort();
		hashes_as_computed(fast);
	}
	json_arena_free(arena, fast);
	check_guided(data, size, j);
	check_value_at(data, size);
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
