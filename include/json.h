/* SPDX-License-Identifier: Apache-2.0 */
/* json.h - cJSON, made strict: read JSON as Go's encoding/json reads it, or refuse. */
#ifndef PORTCULLIS_JSON_H
#define PORTCULLIS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cjson/cJSON.h>

/*
 * json_parse_strict - parse exactly one JSON value from BUF[0..LEN).
 * Refuses (NULL, reason and byte offset in err) what cJSON would accept but
 * Go would read differently: invalid UTF-8, \u0000 in a string, content after
 * the value, and objects with two keys that Go's case folding makes equal
 * ("Privileged"/"privileged", "Binds"/"Bind\u017f"): Go takes the last one,
 * or merges duplicate objects, and we refuse rather than guess.
 */
cJSON *json_parse_strict(const char *buf, size_t len, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * json_parse_strict_arena - json_parse_strict, with the tree in one block
 * (*ARENA) rather than a malloc per node: free it with json_arena_free, on
 * the thread that parsed it, and nothing else (never cJSON_Delete). *ARENA
 * is set even when parsing fails.
 */
struct json_arena;
cJSON *json_parse_strict_arena(const char *buf, size_t len, struct json_arena **arena,
			       char *err, size_t errlen) __attribute__((warn_unused_result));
void json_arena_free(struct json_arena *arena, cJSON *root);

/* N zeroed bytes (16-aligned) of ARENA's free space, given back with its tree
 * by json_arena_free; NULL when ARENA is NULL (the sanitizer builds have
 * none) or full: the caller then mallocs. */
void *json_arena_zalloc(struct json_arena *arena, size_t n);

/* Whether P is memory of ARENA (NULL holds nothing). */
bool json_arena_holds(const struct json_arena *arena, const void *p);

/*
 * json_parse_value_at - the value at the start of BUF, which LEN bytes of
 * a larger text follow (an object inside the envelope), read by the
 * one-pass reader into an arena sized for HINT bytes: *USED, the bytes the
 * value took, without finding its end first. NULL when the reader gives up
 * (never a verdict; *ARENA is then NULL): find the value's end and call
 * json_parse_strict_arena on exactly it. What it accepts, that accepts too.
 */
cJSON *json_parse_value_at(const char *buf, size_t len, size_t hint, struct json_arena **arena,
			   size_t *used) __attribute__((warn_unused_result));
/* For tests: json_parse_value_at, under sanitizers too. */
cJSON *json_parse_onepass_at(const char *buf, size_t len, size_t hint, struct json_arena **arena,
			     size_t *used) __attribute__((warn_unused_result));
/* For tests: the one-pass reader json_parse_strict_arena tries first, alone
 * (and under sanitizers too). NULL when it gives up, which is never a verdict:
 * json_parse_strict then decides. Free with json_arena_free. */
cJSON *json_parse_onepass(const char *buf, size_t len, struct json_arena **arena);

/*
 * A guide for the reader (json_parse_strict_guided): which members of one
 * object to build. keep() is asked about each key of that object as it is
 * read, KEY being LEN bytes of plain ASCII in the text (no NUL after it)
 * and H its json_key_hash. NULL: the member's value is read and checked
 * like any other, then left out of the tree. Otherwise the member is built
 * and its node stored where keep() points; *INNER, if keep() sets it,
 * guides the value when that is an object. keep() must point keys that
 * fold alike to one place, NULL until the reader stores there: a second
 * key to a filled place is refused as a duplicate. READ is set when the
 * object was read under the guide.
 */
struct json_guide {
	const cJSON **(*keep)(struct json_guide *g, const char *key, size_t len, uint64_t h,
			      struct json_guide **inner);
	bool read;
};
/*
 * json_parse_strict_guided - json_parse_strict_arena, leaving out of the
 * tree what GUIDE does not keep of the object BUF holds. Same verdicts:
 * every value is read and checked, and two keys that fold alike are
 * refused whether kept or not. *GUIDED: the guides were followed; false
 * (a key with an escape or a non-ASCII byte, say, or a sanitizer build):
 * the whole tree was built, and no READ flag or stored node of the guides
 * means anything.
 */
cJSON *json_parse_strict_guided(const char *buf, size_t len, struct json_arena **arena,
				struct json_guide *guide, bool *guided, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* For tests: the guided one-pass reader alone (NULL: it gave up). */
cJSON *json_parse_onepass_guided(const char *buf, size_t len, struct json_arena **arena,
				 struct json_guide *guide);
/* Index of the first byte of S[I..N) that a JSON string cannot hold as it
 * is: '"', '\\', a control character or a non-ASCII byte; N if none. Eight
 * bytes at a time: the fast path of every reader of plain strings. */
size_t json_plain_run(const char *s, size_t i, size_t n);

/* Member NAME of OBJ by exact key (keys are unique after json_parse_strict), or NULL. */
const cJSON *json_get(const cJSON *obj, const char *name);

/* Member of OBJ whose key matches ASCII NAME under Go's field-name folding. */
const cJSON *json_get_fold(const cJSON *obj, const char *name);

/* Go's key folding: ASCII case, U+017F -> s, U+212A -> k, U+0130/U+0131 -> i.
 * Writes a NUL-terminated folded key into out; -1 if it does not fit. */
int json_fold_key(const char *key, char *out, size_t outlen);

/*
 * json_key_hash - a hash of KEY's Go folding (json_fold_key's bytes): keys
 * that fold alike hash alike. *ASCII_LEN is KEY's length when it is all
 * ASCII (folding then keeps the length), SIZE_MAX otherwise. Not keyed:
 * a match of hashes is a hint, never a verdict; json_key_equal decides.
 */
uint64_t json_key_hash(const char *key, size_t *ascii_len);

/* json_key_hash of MEMBER's key (MEMBER is in an object of a parsed tree):
 * the one the one-pass reader computed as it read the key, where it did. */
uint64_t json_member_key_hash(const cJSON *member, size_t *ascii_len);

/* Does KEY (its ASCII_LEN from json_key_hash) fold to FOLDED, an already
 * folded key of FOLDED_LEN bytes? */
bool json_key_equal(const char *key, size_t ascii_len, const char *folded, size_t folded_len);

/* An integer field: a number that is integral and within int64. */
int json_int64(const cJSON *item, long long *out) __attribute__((warn_unused_result));

/* Append the LEN bytes at S to BUF as a JSON string literal (quotes
 * included), escaping as Go does. Returns bytes written excluding NUL, or -1
 * if it does not fit (buf then holds ""). */
int json_quote_n(char *buf, size_t buflen, const char *s, size_t len);

/* json_quote_n of the string S: inline, so that a caller pays one call. */
static inline int json_quote(char *buf, size_t buflen, const char *s)
{
	return json_quote_n(buf, buflen, s, strlen(s));
}

#endif
