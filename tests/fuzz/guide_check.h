/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guide_check.h - for fuzz_json.c and test_json.c: a json_guide that keeps
 * members by key, and the checks that hold the readers to json_parse_strict:
 * same_tree (node for node) and guided_as_strict (a guided read is the
 * strict tree with the members its guides leave out taken away).
 */
#ifndef PORTCULLIS_GUIDE_CHECK_H
#define PORTCULLIS_GUIDE_CHECK_H
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "json.h"

#define TEST_GUIDE_KEYS 3

/* Keeps the members whose keys fold to KEYS[i] (lower-case ASCII), storing
 * each in SLOTS[i]; the value of KEYS[INNER_AT] is read under INNER. BAD:
 * the reader passed a key with a hash other than json_key_hash's. */
struct test_guide {
	struct json_guide g;
	const char *keys[TEST_GUIDE_KEYS];
	const cJSON *slots[TEST_GUIDE_KEYS];
	int inner_at;
	struct test_guide *inner;
	bool bad;
};

static const cJSON **test_guide_keep(struct json_guide *jg, const char *key, size_t len,
				     uint64_t h, struct json_guide **inner)
{
	struct test_guide *t = (struct test_guide *)(void *)jg;
	char copy[256];
	size_t alen;
	int i;

	if (len < sizeof(copy)) {
		memcpy(copy, key, len);
		copy[len] = '\0';
		if (json_key_hash(copy, &alen) != h || alen != len)
			t->bad = true;
	}
	for (i = 0; i < TEST_GUIDE_KEYS; i++)
		if (t->keys[i] && strlen(t->keys[i]) == len && strncasecmp(key, t->keys[i], len) == 0) {
			if (i == t->inner_at && t->inner)
				*inner = &t->inner->g;
			return &t->slots[i];
		}
	return NULL;
}

static void test_guide_init(struct test_guide *t, const char *k0, const char *k1, const char *k2,
			    int inner_at, struct test_guide *inner)
{
	memset(t, 0, sizeof(*t));
	t->g.keep = test_guide_keep;
	t->keys[0] = k0;
	t->keys[1] = k1;
	t->keys[2] = k2;
	t->inner_at = inner_at;
	t->inner = inner;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The head's prev is its last member, as cJSON links them. */
static bool linked(const cJSON *item)
{
	const cJSON *it;

	for (it = item->child; it; it = it->next)
		if (it != item->child && it->prev == NULL)
			return false;
	return !item->child || item->child->prev->next == NULL;
}

/* Node for node: type, key, string, number (sign of zero included), links. */
static bool same_tree(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if (a->type != b->type || !same_str(a->string, b->string) ||
	    !same_str(a->valuestring, b->valuestring) || a->valueint != b->valueint ||
	    memcmp(&a->valuedouble, &b->valuedouble, sizeof(double)) != 0 || !linked(a) ||
	    !linked(b))
		return false;
	for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
		if (!same_tree(x, y))
			return false;
	return !x && !y;
}

/* Which of T's keys KEY folds to, or -1. */
static int test_guide_index(const struct test_guide *t, const char *key)
{
	char folded[256];
	int i;

	if (json_fold_key(key, folded, sizeof(folded)) != 0)
		return -1;
	for (i = 0; i < TEST_GUIDE_KEYS; i++)
		if (t->keys[i] && strcmp(folded, t->keys[i]) == 0)
			return i;
	return -1;
}

/*
 * GUIDED, read under T, is STRICT without the members T left out: the kept
 * ones in order, each the strict one (or, for T's inner key, itself read
 * under the inner guide), each in its slot, and no slot filled otherwise.
 */
static bool guided_as_strict(const cJSON *guided, const cJSON *strict, const struct test_guide *t)
{
	const cJSON *x = guided->child, *s;
	int i, kept = 0, filled = 0;

	if (!cJSON_IsObject(strict) || !t->g.read)
		return !t->g.read && same_tree(guided, strict);
	if (guided->type != strict->type || !same_str(guided->string, strict->string) ||
	    !linked(guided))
		return false;
	for (s = strict->child; s; s = s->next) {
		if ((i = test_guide_index(t, s->string)) < 0)
			continue;
		if (!x || t->slots[i] != x)
			return false;
		if (i == t->inner_at && t->inner && cJSON_IsObject(s) ?
		    !guided_as_strict(x, s, t->inner) : !same_tree(x, s))
			return false;
		x = x->next;
		kept++;
	}
	for (i = 0; i < TEST_GUIDE_KEYS; i++)
		filled += t->slots[i] != NULL;
	return x == NULL && kept == filled;
}

#endif
