/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.c - cJSON, made strict: read JSON as Go's encoding/json reads it, or refuse.
 *
 * dockerd decodes every body with Go's encoding/json. cJSON is fast (3.4 us
 * on a real create request, against 22 us for the other C library measured)
 * and keeps every object member in order, duplicates included, but it is lenient where Go is not, or
 * reads differently. Each gap is closed here, before or after cJSON runs:
 *
 *   gap in cJSON                                  what we do
 *   \u0000 in a string truncates it (Go keeps it)  refuse
 *   invalid UTF-8 kept (Go turns it into U+FFFD)   refuse
 *   raw control characters inside strings, any    refuse (Go refuses too)
 *     byte <= 0x20 as whitespace
 *   numbers: strtod accepts 01, 1., 1.e5          refuse anything outside the
 *                                                  JSON number grammar
 *   content after the first value                 refuse
 *   duplicate keys kept, lookups fold ASCII only  refuse two keys of one object
 *     and take the first match                     that Go's folding makes equal
 *
 * Invariant: a tree returned by json_parse_strict has, in every object, keys
 * that are pairwise distinct under Go's folding, so "the" member a Go struct
 * field would receive is well defined and json_get_fold finds exactly it.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "cpu.h"
#include "json.h"
#include "keyword.h"
#include "thread_end.h"

/* ---------------------------------------------------------------- folding */

/*
 * Go (encoding/json, fold.go) matches a key to a struct field when their
 * folded forms are equal: ASCII letters fold case, and every other rune r
 * folds to ToUpper(ToLower(r)). The only non-ASCII runes that fold onto ASCII
 * are U+017F (long s -> S), U+212A (Kelvin sign -> K), U+0130 and U+0131
 * (dotted capital and dotless small i -> I). Go before 1.21 folded only the
 * first two; folding all four is never laxer.
 *
 * next_folded returns the folded byte at *p and advances *p past it.
 */
static unsigned char next_folded(const unsigned char **p)
{
	const unsigned char *s = *p;

	if (s[0] == 0xC5 && s[1] == 0xBF) {		/* U+017F */
		*p += 2;
		return 's';
	}
	if (s[0] == 0xC4 && (s[1] == 0xB0 || s[1] == 0xB1)) {	/* U+0130, U+0131 */
		*p += 2;
		return 'i';
	}
	if (s[0] == 0xE2 && s[1] == 0x84 && s[2] == 0xAA) {	/* U+212A */
		*p += 3;
		return 'k';
	}
	*p += 1;
	return (s[0] >= 'A' && s[0] <= 'Z') ? (unsigned char)(s[0] + 32) : s[0];
}

/* strcmp of two keys under Go's folding. Keys are valid UTF-8 (checked). */
static int fold_cmp(const char *a, const char *b)
{
	const unsigned char *pa = (const unsigned char *)a;
	const unsigned char *pb = (const unsigned char *)b;

	for (;;) {
		unsigned char ca = *pa ? next_folded(&pa) : 0;
		unsigned char cb = *pb ? next_folded(&pb) : 0;

		if (ca != cb || ca == 0)
			return (int)ca - (int)cb;
	}
}

int json_fold_key(const char *key, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)key;
	size_t n = 0;

	while (*p) {
		if (n + 1 >= outlen)
			goto toolong;
		out[n++] = (char)next_folded(&p);
	}
	if (outlen == 0)
		return -1;
	out[n] = '\0';
	return 0;
toolong:
	if (outlen)
		out[0] = '\0';
	return -1;
}

/* ---------------------------------------------------------------- pre-scan */

static void set_err(char *err, size_t errlen, size_t off, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s at byte %zu", what, off);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid.
 * Rejects overlong forms, UTF-16 surrogates and code points above U+10FFFF,
 * exactly the sequences Go would replace with U+FFFD. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
	if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (s[0] == 0xE0 && s[1] < 0xA0)	/* overlong */
			return 0;
		if (s[0] == 0xED && s[1] >= 0xA0)	/* surrogate */
			return 0;
		return 3;
	}
	if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if (s[0] == 0xF0 && s[1] < 0x90)	/* overlong */
			return 0;
		if (s[0] == 0xF4 && s[1] >= 0x90)	/* > U+10FFFF */
			return 0;
		return 4;
	}
	return 0;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Length of a JSON number at s, 0 if it does not follow RFC 8259's grammar
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? (Go's grammar too). */
static size_t number_len(const unsigned char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && is_digit(s[i]))
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		size_t start = ++i;

		while (i < n && is_digit(s[i]))
			i++;
		if (i == start)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t start;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		start = i;
		while (i < n && is_digit(s[i]))
			i++;
		if (i == start)
			return 0;
	}
	/* A number directly followed by more number characters ("01", "1.") */
	if (i < n && (is_digit(s[i]) || s[i] == '.' || s[i] == '+' || s[i] == '-' ||
		      s[i] == 'e' || s[i] == 'E'))
		return 0;
	return i;
}

/*
 * What prescan does with each byte, one table load to decide. Outside
 * strings a byte opens a string, starts a number, passes (structure is
 * cJSON's to judge), or is refused: there JSON is ASCII, and whitespace is
 * exactly these four (cJSON would skip any byte <= 0x20). STR_PLAIN marks
 * the bytes a string holds with nothing to check: not '"' or '\\', not a
 * control character, not part of a multi-byte sequence.
 */
enum { OUT_PASS, OUT_STRING, OUT_NUMBER, OUT_BAD, OUT_MASK = 3, STR_PLAIN = 4 };

#define OUT_CLASS(c) ((c) == '"' ? OUT_STRING :					\
		      (c) == '-' || ((c) >= '0' && (c) <= '9') ? OUT_NUMBER :	\
		      (c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r' ||	\
		      ((c) > 0x20 && (c) < 0x7F) ? OUT_PASS : OUT_BAD)
#define STR_CLASS(c) ((c) >= 0x20 && (c) < 0x80 && (c) != '"' && (c) != '\\' ? STR_PLAIN : 0)
#define CLASS1(c) (OUT_CLASS(c) | STR_CLASS(c))
#define CLASS4(c) CLASS1(c), CLASS1((c) + 1), CLASS1((c) + 2), CLASS1((c) + 3)
#define CLASS16(c) CLASS4(c), CLASS4((c) + 4), CLASS4((c) + 8), CLASS4((c) + 12)
#define CLASS64(c) CLASS16(c), CLASS16((c) + 16), CLASS16((c) + 32), CLASS16((c) + 48)

static const unsigned char byte_class[256] = {
	CLASS64(0x00), CLASS64(0x40), CLASS64(0x80), CLASS64(0xC0)
};

#undef CLASS64
#undef CLASS16
#undef CLASS4
#undef CLASS1
#undef STR_CLASS
#undef OUT_CLASS

#define BYTES_01 0x0101010101010101ull
#define BYTES_80 0x8080808080808080ull

/*
 * Nonzero when one of the 8 bytes in V is not STR_PLAIN. Each term is the
 * classic test for a zero byte ((x - 0x01..) & ~x & 0x80..), or for a byte
 * below 0x20. A borrow only runs from a matching byte to the bytes above
 * it: bytes may be marked after the first match, never before it, and
 * never when there is no match.
 */
static uint64_t has_special(uint64_t v)
{
	uint64_t q = v ^ (BYTES_01 * '"'), b = v ^ (BYTES_01 * '\\');

	return (((v - BYTES_01 * 0x20) & ~v) | ((q - BYTES_01) & ~q) |
		((b - BYTES_01) & ~b) | v) & BYTES_80;
}

/*
 * Index of the first byte from s[i] that is not STR_PLAIN, or n. Base64
 * blobs and names are long plain runs: they go 8 bytes per test. Where
 * memory byte k is bits 8k..8k+7 of the word, the lowest mark is the first
 * special byte; elsewhere the byte loop finds it.
 */
#if defined(__SSE2__)
/* The bytes of C that end a plain run, one bit each: '"', '\\' and, read as
 * signed bytes, those less than 0x20, which are the control characters and
 * every byte from 0x80 up. SSE2 is the baseline of every x86-64. */
static inline unsigned plain_stops16(__m128i c)
{
	__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8('"')),
						_mm_cmpeq_epi8(c, _mm_set1_epi8('\\'))),
				   _mm_cmplt_epi8(c, _mm_set1_epi8(0x20)));

	return (unsigned)_mm_movemask_epi8(hit);
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
/* The bytes of the 32 at P that end a plain run, as plain_stops16 marks them. */
__attribute__((target("avx2"))) static inline __m256i plain_stops32(const unsigned char *p)
{
	__m256i c = _mm256_loadu_si256((const __m256i *)(const void *)p);

	return _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(c, _mm256_set1_epi8('"')),
					       _mm256_cmpeq_epi8(c, _mm256_set1_epi8('\\'))),
			       _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), c));
}

/* Sixty-four at a time where the CPU has AVX2 (checked at run time): the
 * base64 of a body or a certificate is kilobytes of one plain run, and one
 * test of two blocks' stops halves the branches. */
__attribute__((target("avx2"))) static size_t plain_run_avx2(const unsigned char *s, size_t i,
							    size_t n)
{
	unsigned mask;

	while (n - i >= 64) {
		__m256i lo = plain_stops32(s + i), hi = plain_stops32(s + i + 32);

		if (!_mm256_testz_si256(_mm256_or_si256(lo, hi), _mm256_or_si256(lo, hi))) {
			mask = (unsigned)_mm256_movemask_epi8(lo);
			if (mask)
				return i + (size_t)__builtin_ctz(mask);
			return i + 32 + (size_t)__builtin_ctz((unsigned)_mm256_movemask_epi8(hi));
		}
		i += 64;
	}
	if (n - i >= 32) {
		mask = (unsigned)_mm256_movemask_epi8(plain_stops32(s + i));
		if (mask)
			return i + (size_t)__builtin_ctz(mask);
		i += 32;
	}
	return i;
}

#endif

static size_t plain_run(const unsigned char *s, size_t i, size_t n)
{
	uint64_t v, m;

#if defined(__SSE2__)
	size_t start = i;

	/* sixteen at a time */
	while (n - i >= 16) {
		unsigned mask = plain_stops16(_mm_loadu_si128((const __m128i *)(const void *)(s + i)));

		if (mask)
			return i + (size_t)__builtin_ctz(mask);
		i += 16;
#if defined(__x86_64__) && defined(__GNUC__)
		/* 32 plain bytes in, a long run is likely (a base64 blob): on
		 * with AVX2, back here for the last bytes or the byte it stops at */
		if (i - start == 32 && cpu_avx2 && n - i >= 64)
			i = plain_run_avx2(s, i, n);
#endif
	}
#endif
	while (n - i >= 8) {
		memcpy(&v, s + i, sizeof(v));
		m = has_special(v);
		if (m) {
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return i + (size_t)__builtin_ctzll(m) / 8;
#else
			break;
#endif
		}
		i += 8;
	}
	while (i < n && (byte_class[s[i]] & STR_PLAIN))
		i++;
	return i;
}

size_t json_plain_run(const char *s, size_t i, size_t n)
{
	return plain_run((const unsigned char *)s, i, n);
}

/* The string whose opening quote is just before s[*pos]; on success *pos
 * is just past its closing quote. Only non-plain bytes reach the tests. */
static int scan_string(const unsigned char *s, size_t n, size_t *pos, char *err,
		       size_t errlen)
{
	size_t i = *pos, l;

	for (;;) {
		i = plain_run(s, i, n);
		if (i >= n) {
			set_err(err, errlen, i, "unterminated string");
			return -1;
		}
		if (s[i] == '"') {
			*pos = i + 1;
			return 0;
		}
		if (s[i] < 0x20) {
			set_err(err, errlen, i, "control character in string");
			return -1;
		}
		if (s[i] == '\\') {
			if (i + 1 >= n) {
				set_err(err, errlen, i, "unterminated escape");
				return -1;
			}
			/* cJSON ends the string at \u0000; Go keeps going. */
			if (s[i + 1] == 'u' && i + 5 < n && memcmp(s + i + 2, "0000", 4) == 0) {
				set_err(err, errlen, i, "\\u0000 in string");
				return -1;
			}
			i += 2;	/* the escaped byte unchecked: cJSON judges escapes */
			continue;
		}
		l = utf8_len(s + i, n - i);	/* s[i] >= 0x80 */
		if (l == 0) {
			set_err(err, errlen, i, "invalid UTF-8");
			return -1;
		}
		i += l;
	}
}

/* The byte-level checks cJSON does not make; structure is left to cJSON. */
static int prescan(const unsigned char *s, size_t n, char *err, size_t errlen)
{
	size_t i = 0, l;

	while (i < n) {
		/* punctuation, whitespace, literals: the most frequent, tested first */
		unsigned char k = byte_class[s[i]] & OUT_MASK;

		if (k == OUT_PASS) {
			i++;
		} else if (k == OUT_STRING) {
			i++;
			if (scan_string(s, n, &i, err, errlen) != 0)
				return -1;
		} else if (k == OUT_NUMBER) {
			l = number_len(s + i, n - i);
			if (l == 0) {
				set_err(err, errlen, i, "invalid number");
				return -1;
			}
			i += l;
		} else {
			set_err(err, errlen, i, "invalid character");
			return -1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- tree checks */

/* A key with the hash of its folded form: each key is folded once. */
struct folded_key {
	uint64_t hash;
	const char *key;
};

/*
 * Keys are hashed as the words of their folded bytes, eight at a time: a
 * Docker key is ASCII, and eight ASCII bytes fold at once (fold8, in
 * keyword.h). A key with a non-ASCII byte is folded byte by byte
 * (next_folded) into the same words, so both paths give one hash for one
 * folded text.
 */
static inline uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9E3779B97F4A7C15ull;
	return h ^ h >> 29;
}

static uint64_t hash_end(uint64_t h, size_t len)
{
	return mix(h, len) * 0xBF58476D1CE4E5B9ull;
}

/* KEY has a non-ASCII byte: fold it byte by byte into the same words. */
static uint64_t fold_hash_slow(const char *key)
{
	const unsigned char *p = (const unsigned char *)key;
	unsigned char b[8];
	uint64_t h = 0;
	size_t fill = 0, total = 0;

	while (*p) {
		b[fill++] = next_folded(&p);
		total++;
		if (fill == 8) {
			h = mix(h, load8((const char *)b));
			fill = 0;
		}
	}
	if (fill) {
		memset(b + fill, 0, 8 - fill);
		h = mix(h, load8((const char *)b));
	}
	return hash_end(h, total);
}

/* json_key_hash of KEY, whose length N is known. */
static uint64_t key_hash_n(const char *key, size_t n, size_t *ascii_len)
{
	size_t i;
	uint64_t h = 0, w;

	for (i = 0; i + 8 <= n; i += 8) {
		w = load8(key + i);
		if (w & HIGH_BITS)
			goto slow;
		h = mix(h, fold8(w));
	}
	if (i < n) {
		w = tail_word(key, i, n);
		if (w & HIGH_BITS)
			goto slow;
		h = mix(h, fold8(w));
	}
	*ascii_len = n;
	return hash_end(h, n);
slow:
	*ascii_len = SIZE_MAX;
	return fold_hash_slow(key);
}

uint64_t json_key_hash(const char *key, size_t *ascii_len)
{
	return key_hash_n(key, strlen(key), ascii_len);
}

bool json_key_equal(const char *key, size_t ascii_len, const char *folded, size_t folded_len)
{
	if (ascii_len == SIZE_MAX)
		return fold_cmp(key, folded) == 0;
	/* ASCII folds byte for byte: lengths must agree */
	return ascii_len == folded_len && key_ascii_equal(key, folded, folded_len);
}

/*
 * A key the one-pass reader copies carries its json_key_hash just before its
 * text: hashed once, as it is read, for the distinct-key check and again
 * for every lookup of a field by that key (body.c), with no strlen.
 */
struct key_head {
	uint64_t hash;
	size_t ascii_len;
};
_Static_assert(sizeof(struct key_head) % 16 == 0, "the text after a head stays 16-aligned");

/* json_key_hash of MEMBER's key: read where the one-pass reader left it,
 * else computed (below, with the arenas). */
static inline uint64_t member_hash(const cJSON *member, size_t *ascii_len);

static int folded_key_cmp(const void *a, const void *b)
{
	const struct folded_key *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/*
 * The first KEYS_STACK keys of an object (no Docker body comes near: the
 * largest object, HostConfig, has about 65): dense in member order, found
 * through an open-addressing index of their positions + 1 (0: empty slot)
 * at most half full. One byte per slot keeps clearing the index for each
 * object to 256 bytes.
 */
#define KEYS_STACK 128

struct key_set {
	size_t n;
	unsigned char index[2 * KEYS_STACK];
	struct folded_key keys[KEYS_STACK];
};
_Static_assert(2 * KEYS_STACK == 256, "key_slot() gives 8 bits, one of 256 slots");

/* Slot of H: the top bits of H times an odd constant, which depend on all
 * of H (FNV-1a's own top bits barely see the last byte). */
static size_t key_slot(uint64_t h)
{
	return (size_t)((h * 0x9E3779B97F4A7C15ull) >> 56);
}

/* Add KEY to S (not full); -1 if a key there folds equal to it. Keys are
 * compared only when their 64-bit hashes are equal. */
static int key_set_add(struct key_set *s, const char *key, uint64_t h)
{
	size_t j;

	for (j = key_slot(h); s->index[j]; j = (j + 1) % sizeof(s->index)) {
		const struct folded_key *k = &s->keys[s->index[j] - 1];

		if (k->hash == h && fold_cmp(k->key, key) == 0)
			return -1;
	}
	s->keys[s->n].hash = h;
	s->keys[s->n++].key = key;
	s->index[j] = (unsigned char)s->n;
	return 0;
}

/*
 * The rest of an object of more than KEYS_STACK members: FIRST holds its
 * first NFIRST keys, already hashed, REST is the member after them. All
 * hashes are sorted, and only keys of equal hash compared. Such objects
 * come from no Docker client; sorting keeps them n log n even when the
 * keys are crafted to share the few index bits a hash table would use.
 */
static int big_object_keys_distinct(const struct folded_key *first, size_t nfirst,
				    const cJSON *rest)
{
	struct folded_key *keys;
	size_t n = nfirst, i, j, ascii_len;
	const cJSON *it;
	int rc = -1;

	for (it = rest; it; it = it->next)
		n++;
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return -1;
	memcpy(keys, first, nfirst * sizeof(*keys));
	for (i = nfirst, it = rest; it; it = it->next, i++) {
		keys[i].key = it->string;
		keys[i].hash = member_hash(it, &ascii_len);
	}
	qsort(keys, n, sizeof(*keys), folded_key_cmp);
	for (i = 0; i + 1 < n; i++)
		for (j = i + 1; j < n && keys[j].hash == keys[i].hash; j++)
			if (fold_cmp(keys[i].key, keys[j].key) == 0)
				goto out;
	rc = 0;
out:
	free(keys);
	return rc;
}

/*
 * Refuse an object with two keys equal under Go's folding. Each key is
 * folded and hashed once, and checked against the keys before it in a
 * hash set: no member count first, no sort, no malloc. Never inlined: its
 * 2.3 KiB frame must not multiply along check_tree's recursion (depth up
 * to 1000, on 512 KiB server thread stacks).
 */
static __attribute__((noinline)) int object_keys_distinct(const cJSON *obj, bool heads)
{
	struct key_set s;
	const cJSON *it;
	size_t ascii_len;
	uint64_t h;

	if (!obj->child || !obj->child->next)
		return 0;	/* fewer than two keys: nothing to compare */
	s.n = 0;
	memset(s.index, 0, sizeof(s.index));
	for (it = obj->child; it; it = it->next) {
		if (s.n == KEYS_STACK)
			return big_object_keys_distinct(s.keys, s.n, it);
		/* HEADS: the one-pass reader's keys, each with its hash before it */
		h = heads ? ((const struct key_head *)(const void *)it->string - 1)->hash
			  : member_hash(it, &ascii_len);
		if (key_set_add(&s, it->string, h) != 0)
			return -1;
	}
	return 0;
}

/* Walk the tree: distinct keys, finite numbers. Depth is bounded by cJSON's
 * CJSON_NESTING_LIMIT (1000), so recursion is bounded too. */
static int check_tree(const cJSON *item, char *err, size_t errlen)
{
	const cJSON *it;

	if (cJSON_IsNumber(item) && !isfinite(item->valuedouble)) {
		if (err && errlen)
			snprintf(err, errlen, "number out of range");
		return -1;
	}
	if (cJSON_IsObject(item) && object_keys_distinct(item, false) != 0) {
		if (err && errlen)
			snprintf(err, errlen,
				 "object has keys that differ only in case or are repeated "
				 "(dockerd would read the last one; refused as ambiguous)");
		return -1;
	}
	for (it = item->child; it; it = it->next)
		if (check_tree(it, err, errlen) != 0)
			return -1;
	return 0;
}

cJSON *json_parse_strict(const char *buf, size_t len, char *err, size_t errlen)
{
	const char *end = NULL;
	cJSON *root;
	size_t off;

	if (err && errlen)
		err[0] = '\0';
	if (prescan((const unsigned char *)buf, len, err, errlen) != 0)
		return NULL;
	/* Never cJSON_GetErrorPtr: it is a process-wide global, racy across
	 * threads. The end pointer returned here is ours. */
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (!root) {
		off = end ? (size_t)(end - buf) : 0;
		set_err(err, errlen, off, "invalid JSON");
		return NULL;
	}
	for (off = (size_t)(end - buf); off < len; off++) {
		char c = buf[off];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			set_err(err, errlen, off, "content after the JSON value");
			goto fail;
		}
	}
	if (check_tree(root, err, errlen) != 0)
		goto fail;
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

/* ---------------------------------------------------------------- arenas */

/*
 * A request body's tree, allocated in one block instead of a malloc per node
 * and per string (~300 for a container create, and as many frees): the
 * largest single cost of a decision once the parsing itself is fast. cJSON
 * allocates only through its hooks, installed once before main(); they bump
 * into the arena the current thread is filling, if any, and otherwise are
 * malloc and free. A free of arena memory does nothing (the arena goes in
 * one piece), which the hook recognises by address among this thread's live
 * arenas: a tree is built, read and freed by the thread deciding its call.
 */
struct json_arena {
	struct json_arena *next;	/* this thread's live arenas */
	size_t size, used;
	bool spilled;			/* a node went to malloc: the tree must be deleted */
	bool keys_hashed;		/* every key here has a key_head: the one-pass reader's */
	_Alignas(16) char base[];
};

static _Thread_local struct json_arena *live_arenas;
static _Thread_local struct json_arena *filling;

static bool in_arena(const struct json_arena *a, const void *p)
{
	uintptr_t u = (uintptr_t)p, b = (uintptr_t)a->base;

	return u >= b && u < b + a->size;
}

/* N bytes, 16-aligned, from A; NULL when A is full. */
static void *bump(struct json_arena *a, size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;
	void *p;

	if (need < n || need > a->size - a->used)
		return NULL;
	p = a->base + a->used;
	a->used += need;
	return p;
}

static void *arena_alloc(size_t n)
{
	struct json_arena *a = filling;
	void *p = a ? bump(a, n) : NULL;

	if (p)
		return p;
	if (a)
		a->spilled = true;
	return malloc(n);
}

static void arena_free(void *p)
{
	const struct json_arena *a;

	for (a = live_arenas; a; a = a->next)
		if (in_arena(a, p))
			return;
	free(p);
}

__attribute__((constructor)) static void install_hooks(void)
{
	cJSON_Hooks hooks = { arena_alloc, arena_free };

	cJSON_InitHooks(&hooks);
}

/* A tree takes a few times its text: nodes of 64 bytes, keys and strings
 * copied. Past the cap, nodes spill to malloc. */
#define ARENA_PER_BYTE 6
#define ARENA_MIN 4096
#define ARENA_MAX (4u << 20)

/*
 * Under AddressSanitizer every node gets its own malloc again: in one block,
 * a read past a string's end into the next node would go unseen, and the
 * sanitizer builds (make asan, the fuzz targets) are where such reads in the
 * code that walks these trees are caught.
 */
#define ARENA_ENABLED KEEP_BETWEEN_CALLS

/*
 * Arenas this thread freed, kept for its next parses: each call parses a
 * body and a header object or two of much the same sizes as the call
 * before, and a malloc and a free of a 20 KB block cost more than the
 * header object's whole parse. At most ARENA_KEEP of at most
 * ARENA_KEEP_SIZE bytes, freed when the thread exits (or, for the thread
 * that calls exit(), then).
 */
#define ARENA_KEEP 3
#define ARENA_KEEP_SIZE (64u << 10)

static _Thread_local struct json_arena *kept_arenas[ARENA_KEEP];

static void kept_drop(void)
{
	size_t i;

	for (i = 0; i < ARENA_KEEP; i++) {
		free(kept_arenas[i]);
		kept_arenas[i] = NULL;
	}
}

/* Keep A for this thread's next parse; false: free it instead. */
static bool arena_keep(struct json_arena *a)
{
	size_t i;

	if (a->size > ARENA_KEEP_SIZE)
		return false;
	for (i = 0; i < ARENA_KEEP; i++)
		if (kept_arenas[i] == NULL) {
			if (!thread_end_call(kept_drop))
				return false;
			kept_arenas[i] = a;
			return true;
		}
	return false;
}

/* A kept arena of at least SIZE bytes, or NULL. */
static struct json_arena *arena_reuse(size_t size)
{
	struct json_arena *a;
	size_t i;

	for (i = 0; i < ARENA_KEEP; i++)
		if (kept_arenas[i] && kept_arenas[i]->size >= size) {
			a = kept_arenas[i];
			kept_arenas[i] = NULL;
			return a;
		}
	return NULL;
}

static struct json_arena *arena_new(size_t len)
{
	size_t size = len < (ARENA_MAX - ARENA_MIN) / ARENA_PER_BYTE ?
		      ARENA_MIN + len * ARENA_PER_BYTE : ARENA_MAX;
	struct json_arena *a = arena_reuse(size);

	if (a) {
		size = a->size;
	} else if ((a = malloc(sizeof(*a) + size)) == NULL) {
		return NULL;
	}
	a->size = size;
	a->used = 0;
	a->spilled = false;
	a->keys_hashed = true;		/* until anything but the one-pass reader fills it */
	a->next = live_arenas;
	live_arenas = a;
	return a;
}


static inline uint64_t member_hash(const cJSON *member, size_t *ascii_len)
{
	const struct json_arena *a;
	const struct key_head *head;

	for (a = live_arenas; a; a = a->next)
		if (in_arena(a, member->string)) {
			if (!a->keys_hashed)
				break;
			head = (const struct key_head *)(const void *)member->string - 1;
			*ascii_len = head->ascii_len;
			return head->hash;
		}
	return json_key_hash(member->string, ascii_len);
}

uint64_t json_member_key_hash(const cJSON *member, size_t *ascii_len)
{
	return member_hash(member, ascii_len);
}

/* ---------------------------------------------------------------- one pass */

/*
 * The body of nearly every create is read three times on the way to a tree:
 * prescan, cJSON's parser, check_tree. This builds the same tree (cJSON's
 * nodes, linked as cJSON links them) in one pass, into the arena, for what
 * Docker clients send: plain and escaped ASCII and UTF-8 strings, integers,
 * the three literals, objects and arrays. It never refuses: anything it does
 * not handle the same way for sure (a surrogate escape, a fraction or an
 * exponent, a 16-digit integer, a full arena, an error of any kind) makes it
 * give up, and json_parse_strict reads the text again and decides, with its
 * own messages. fuzz_json checks that every tree built here is the tree
 * json_parse_strict builds, and that every text accepted here it accepts.
 */
struct onepass {
	const unsigned char *p, *end;
	struct json_arena *a;
	unsigned depth;
};

#define ONEPASS_DEPTH 1000	/* cJSON's CJSON_NESTING_LIMIT */

/* Full: give up rather than spill (a spilled node would outlive a give-up). */
static void *op_alloc(struct onepass *o, size_t n)
{
	return bump(o->a, n);
}

/* Whitespace: none at all between the tokens of what Docker clients send,
 * so one compare settles nearly every call. */
static inline void op_ws(struct onepass *o)
{
	if (o->p < o->end && *o->p > ' ')
		return;
	while (o->p < o->end && (*o->p == ' ' || *o->p == '\n' || *o->p == '\r' || *o->p == '\t'))
		o->p++;
}

/* At byte C, after any whitespace? Compact text is at C already: one
 * compare, where op_ws and then a look at C would be two. */
static inline bool op_at(struct onepass *o, unsigned char c)
{
	if (o->p < o->end && *o->p == c)
		return true;
	op_ws(o);
	return o->p < o->end && *o->p == c;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* A string from the opening quote at o->p: its text, NUL-terminated, in the
 * arena. NULL: give up. */
static char *op_text(struct onepass *o, size_t cap, bool key)
{
	char *p = op_alloc(o, (key ? sizeof(struct key_head) : 0) + cap);

	return p && key ? p + sizeof(struct key_head) : p;
}

/* KEY (LEN bytes) was allocated by op_text(..., true): hash it into its head. */
static char *op_key_done(char *key, size_t len)
{
	struct key_head *head = (struct key_head *)(void *)key - 1;

	head->hash = key_hash_n(key, len, &head->ascii_len);
	return key;
}

/*
 * The plain string at o->p (its opening quote), copied straight into the
 * arena's free space sixteen bytes at a time as it is scanned, HDR bytes
 * after the free space's start, then allocated: one pass over the bytes
 * instead of a scan and a copy. NULL when it is not plain or is near the end
 * of the text or of the arena: op_string's other paths then.
 */
#if defined(__SSE2__)
/* 16 bytes of 0xFF then 16 of 0: the 16 at (16 - N) keep N bytes of a block. */
static const unsigned char keep_bytes[32] = {
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
};

/* key_hash_n of the N (< 16) plain ASCII bytes at the start of C, which is
 * the block they were read in: the same words, already in a register. */
static inline __attribute__((always_inline)) uint64_t block_key_hash(__m128i c, size_t n)
{
	__m128i kept = _mm_and_si128(c, _mm_loadu_si128((const __m128i *)(const void *)
							 (keep_bytes + 16 - n)));
	uint64_t w0 = (uint64_t)_mm_cvtsi128_si64(kept);
	uint64_t w1 = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(kept, kept));
	uint64_t h = 0;

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "block_key_hash reads x86's little-endian lanes"
#endif
	if (n > 0)
		h = mix(h, fold8(w0));
	if (n > 8)
		h = mix(h, fold8(w1));
	return hash_end(h, n);
}
#endif

static char *op_plain_copy(struct onepass *o, bool key, size_t *lenp)
{
#if defined(__SSE2__)
	size_t hdr = key ? sizeof(struct key_head) : 0;
	struct json_arena *a = o->a;
	const unsigned char *q = o->p + 1;
	size_t left = (size_t)(o->end - q), room = a->size - a->used, k = 0, len;
	char *dst = a->base + a->used + hdr;

	if (room < hdr)
		return NULL;
	room -= hdr;
	/* every store (16 bytes at k) and the NUL stay inside the free space */
	while (k + 16 <= left && k + 17 <= room) {
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(q + k));
		unsigned mask = plain_stops16(c);

		_mm_storeu_si128((__m128i *)(void *)(dst + k), c);
		if (mask) {
			len = k + (size_t)__builtin_ctz(mask);
			if (q[len] != '"' || bump(a, hdr + len + 1) != dst - hdr)
				return NULL;	/* an escape, a control or UTF-8 byte */
			dst[len] = '\0';
			o->p = q + len + 1;
			*lenp = len;
			if (!key)
				return dst;
			if (k > 0)
				return op_key_done(dst, len);
			/* a key of one block, as nearly all are: hashed from the
			 * register; plain bytes are ASCII, so its length is kept */
			((struct key_head *)(void *)dst - 1)->hash = block_key_hash(c, len);
			((struct key_head *)(void *)dst - 1)->ascii_len = len;
			return dst;
		}
		k += 16;
	}
#else
	(void)o;
	(void)key;
	(void)lenp;
#endif
	return NULL;
}

/* Where the string at o->p (its opening quote) closes, as an index from
 * o->p, when every byte to there is plain; 0 otherwise. */
static inline size_t op_plain_end(const struct onepass *o)
{
	size_t n = (size_t)(o->end - o->p), plain = plain_run(o->p, 1, n);

	return plain < n && o->p[plain] == '"' ? plain : 0;
}

static char *op_string(struct onepass *o, bool key)
{
	const unsigned char *q = o->p + 1, *run;
	size_t cap, plain;
	char *out, *w;

	out = op_plain_copy(o, key, &plain);
	if (out)
		return out;

	/* Nearly every string is plain bytes to its quote: found sixteen at a
	 * time (prescan's plain_run), copied at once. */
	if ((plain = op_plain_end(o)) != 0) {
		out = op_text(o, plain, key);
		if (!out)
			return NULL;
		memcpy(out, q, plain - 1);
		out[plain - 1] = '\0';
		o->p += plain + 1;
		return key ? op_key_done(out, plain - 1) : out;
	}
	/* an escape only ever shortens: the raw length bounds the text */
	run = q;
	while (run < o->end && *run != '"')
		run += *run == '\\' && run + 1 < o->end ? 2 : 1;
	if (run >= o->end)
		return NULL;
	cap = (size_t)(run - q) + 1;
	out = w = op_text(o, cap, key);
	if (!out)
		return NULL;
	while (q < o->end) {
		unsigned char c = *q;

		if (c == '"') {
			*w = '\0';
			o->p = q + 1;
			return key ? op_key_done(out, (size_t)(w - out)) : out;
		}
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			unsigned v;
			int i, h;

			if (q + 1 >= o->end)
				return NULL;
			switch (q[1]) {
			case '"': case '\\': case '/':
				*w++ = (char)q[1]; q += 2; continue;
			case 'b': *w++ = '\b'; q += 2; continue;
			case 'f': *w++ = '\f'; q += 2; continue;
			case 'n': *w++ = '\n'; q += 2; continue;
			case 'r': *w++ = '\r'; q += 2; continue;
			case 't': *w++ = '\t'; q += 2; continue;
			case 'u':
				break;
			default:
				return NULL;
			}
			if (q + 6 > o->end)
				return NULL;
			for (v = 0, i = 2; i < 6; i++) {
				if ((h = hexval(q[i])) < 0)
					return NULL;
				v = v << 4 | (unsigned)h;
			}
			/* \u0000 is refused, surrogates are cJSON's to judge */
			if (v == 0 || (v >= 0xD800 && v <= 0xDFFF))
				return NULL;
			if (v < 0x80) {
				*w++ = (char)v;
			} else if (v < 0x800) {
				*w++ = (char)(0xC0 | v >> 6);
				*w++ = (char)(0x80 | (v & 0x3F));
			} else {
				*w++ = (char)(0xE0 | v >> 12);
				*w++ = (char)(0x80 | ((v >> 6) & 0x3F));
				*w++ = (char)(0x80 | (v & 0x3F));
			}
			q += 6;
			continue;
		}
		if (c >= 0x80) {
			size_t l = utf8_len(q, (size_t)(o->end - q));

			if (l == 0)
				return NULL;
			memcpy(w, q, l);
			w += l;
			q += l;
			continue;
		}
		*w++ = (char)c;
		q++;
	}
	return NULL;
}

/* An integer of at most 15 digits, exact as a double; anything else: give up
 * (cJSON's strtod reads it). */
static inline int op_number(struct onepass *o, cJSON *item)
{
	const unsigned char *q = o->p;
	size_t l = number_len(q, (size_t)(o->end - q)), i = 0;
	double v = 0;
	bool neg = false;

	if (l == 0 || l > 16)
		return -1;
	if (q[0] == '-') {
		neg = true;
		i = 1;
	}
	if (l - i > 15)
		return -1;
	for (; i < l; i++) {
		if (!is_digit(q[i]))
			return -1;	/* a fraction or an exponent */
		v = v * 10 + (q[i] - '0');
	}
	v = neg ? -v : v;
	item->type = cJSON_Number;
	item->valuedouble = v;
	item->valueint = v >= INT_MAX ? INT_MAX : v <= (double)INT_MIN ? INT_MIN : (int)v;
	o->p = q + l;
	return 0;
}

static inline int op_literal(struct onepass *o, const char *word, int type, cJSON *item)
{
	size_t n = strlen(word);

	if ((size_t)(o->end - o->p) < n || memcmp(o->p, word, n) != 0)
		return -1;
	item->type = type;
	if (type == cJSON_True)
		item->valueint = 1;
	o->p += n;
	return 0;
}

/* CHILD after LAST among ITEM's members, linked as cJSON links them: next
 * forward, the first member's prev the last. */
static inline void op_link(cJSON *item, cJSON **last, cJSON *child)
{
	if (*last) {
		(*last)->next = child;
		child->prev = *last;
	} else {
		item->child = child;
	}
	*last = child;
	item->child->prev = child;
}

/* The ':' after a key, whitespace around it allowed; -1 if it is not there. */
static inline int op_colon(struct onepass *o)
{
	if (!op_at(o, ':'))
		return -1;
	o->p++;
	return 0;
}

/* After a member: 1 at a ',' (another follows), 0 at CLOSE (the last), -1
 * at anything else; past it either way. */
static inline int op_after_member(struct onepass *o, unsigned char close)
{
	if (op_at(o, ',')) {
		o->p++;
		return 1;
	}
	if (o->p < o->end && *o->p == close) {
		o->p++;
		return 0;
	}
	return -1;
}

static inline __attribute__((always_inline)) int op_value(struct onepass *o, cJSON *item);

/* The members of an array or object, from just past its bracket. The only
 * recursion: a scalar member is read inline (op_value), without a call. */
static __attribute__((noinline)) int op_members(struct onepass *o, cJSON *item, bool object)
{
	unsigned char close = object ? '}' : ']';
	cJSON *last = NULL, *child;
	int rc;

	if (++o->depth > ONEPASS_DEPTH)
		return -1;
	item->type = object ? cJSON_Object : cJSON_Array;
	op_ws(o);
	if (o->p < o->end && *o->p == close) {
		o->p++;
		o->depth--;
		return 0;
	}
	for (;;) {
		child = op_alloc(o, sizeof(*child));
		if (!child)
			return -1;
		memset(child, 0, sizeof(*child));
		if (object) {
			if (!op_at(o, '"') || !(child->string = op_string(o, true)) ||
			    op_colon(o) != 0)
				return -1;
		}
		op_ws(o);
		if (op_value(o, child) != 0)
			return -1;
		op_link(item, &last, child);
		if ((rc = op_after_member(o, close)) <= 0) {
			if (rc < 0)
				return -1;
			break;
		}
	}
	o->depth--;
	/* after the members, in a frame of its own: not held across recursion */
	return object && object_keys_distinct(item, true) != 0 ? -1 : 0;
}

static int op_guided_members(struct onepass *o, cJSON *item, struct json_guide *g);

static inline __attribute__((always_inline)) int op_value(struct onepass *o, cJSON *item)
{
	if (o->p >= o->end)
		return -1;
	switch (*o->p) {
	case '"':
		item->type = cJSON_String;
		return (item->valuestring = op_string(o, false)) ? 0 : -1;
	case '{':
	case '[':
		o->p++;
		return op_members(o, item, o->p[-1] == '{');
	case 't':
		return op_literal(o, "true", cJSON_True, item);
	case 'f':
		return op_literal(o, "false", cJSON_False, item);
	case 'n':
		return op_literal(o, "null", cJSON_NULL, item);
	default:
		return op_number(o, item);
	}
}

/*
 * Guided objects (json_parse_strict_guided): of the 62 members of a
 * container's HostConfig, Portcullis reads 33; of the 19 around it, 4.
 * A guided object's members are built only where its guide keeps them;
 * every other value is read all the same, into the arena's free space, and
 * that space is given back. Keys must be plain ASCII here (anything else:
 * give up, and the unguided reader or json_parse_strict decides); that
 * makes Go's folding plain ASCII case, checked against every key before,
 * kept or not.
 */
struct seen_key {
	uint64_t hash;
	const char *key;	/* in the text: not NUL-terminated */
	size_t len;
};

struct seen_keys {
	size_t n;
	unsigned char index[2 * KEYS_STACK];
	struct seen_key keys[KEYS_STACK];
};

/* Add KEY (N plain ASCII bytes, hash H) to S; -1 if S is full or holds a
 * key that folds alike. */
static int seen_add(struct seen_keys *s, const char *key, size_t n, uint64_t h)
{
	size_t j;

	if (s->n == KEYS_STACK)
		return -1;	/* no Docker object is that large: unguided, then */
	for (j = key_slot(h); s->index[j]; j = (j + 1) % sizeof(s->index)) {
		const struct seen_key *k = &s->keys[s->index[j] - 1];

		if (k->hash == h && k->len == n && ascii_words_fold_equal(k->key, key, n, false))
			return -1;
	}
	s->keys[s->n] = (struct seen_key){ h, key, n };
	s->index[j] = (unsigned char)++s->n;
	return 0;
}

/* The key at o->p (its opening quote), if plain ASCII: *KEY, *LEN, *H
 * (json_key_hash) and o->p past its closing quote; -1 otherwise. */
static inline int op_plain_key(struct onepass *o, const char **key, size_t *len, uint64_t *h)
{
	const unsigned char *q = o->p + 1;
	size_t n = (size_t)(o->end - o->p), plain;
	size_t ascii_len;

#if defined(__SSE2__)
	if (n >= 17) {
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)q);
		unsigned mask = plain_stops16(c);

		if (mask) {
			plain = (size_t)__builtin_ctz(mask);
			if (q[plain] != '"')
				return -1;
			*key = (const char *)q;
			*len = plain;
			*h = block_key_hash(c, plain);
			o->p = q + plain + 1;
			return 0;
		}
	}
#endif
	if ((plain = op_plain_end(o)) == 0)
		return -1;
	*key = (const char *)q;
	*len = plain - 1;
	*h = key_hash_n(*key, *len, &ascii_len);
	o->p += plain + 1;
	return 0;
}

/* A kept member's node, its key copied with its head (hash already known). */
static cJSON *op_kept_member(struct onepass *o, const char *key, size_t len, uint64_t h)
{
	cJSON *child = op_alloc(o, sizeof(*child));
	char *copy = op_text(o, len + 1, true);
	struct key_head *head;

	if (!child || !copy)
		return NULL;
	memset(child, 0, sizeof(*child));
	memcpy(copy, key, len);
	copy[len] = '\0';
	head = (struct key_head *)(void *)copy - 1;
	head->hash = h;
	head->ascii_len = len;
	child->string = copy;
	return child;
}

/* A member G leaves out: its value read and checked, its space given back.
 * A plain string is only scanned to its quote: plain bytes are a valid
 * string whatever they are. */
static int op_skipped_value(struct onepass *o)
{
	size_t mark = o->a->used, plain;
	cJSON scratch;
	int rc;

	if (o->p < o->end && *o->p == '"' && (plain = op_plain_end(o)) != 0) {
		o->p += plain + 1;
		return 0;
	}
	memset(&scratch, 0, sizeof(scratch));
	rc = op_value(o, &scratch);
	o->a->used = mark;
	return rc;
}

/* The members of a guided object, from just past its '{': op_members, with
 * each key put to G. Its own frame holds the seen keys: guides nest only
 * as deep as body.c's tables, never as deep as the text. */
static __attribute__((noinline)) int op_guided_members(struct onepass *o, cJSON *item,
						       struct json_guide *g)
{
	struct seen_keys seen;
	struct json_guide *inner;
	cJSON *last = NULL, *child;
	const cJSON **store;
	const char *key;
	size_t len;
	uint64_t h;
	int rc;

	if (++o->depth > ONEPASS_DEPTH)
		return -1;
	item->type = cJSON_Object;
	g->read = true;
	seen.n = 0;
	memset(seen.index, 0, sizeof(seen.index));
	op_ws(o);
	if (o->p < o->end && *o->p == '}') {
		o->p++;
		o->depth--;
		return 0;
	}
	for (;;) {
		if (!op_at(o, '"') || op_plain_key(o, &key, &len, &h) != 0 ||
		    op_colon(o) != 0)
			return -1;
		op_ws(o);
		inner = NULL;
		store = g->keep(g, key, len, h, &inner);
		/* Two keys that fold alike are both kept, in one place, or both
		 * left out: a filled place is a duplicate, and only the keys
		 * left out need the set. */
		if (!store) {
			if (seen_add(&seen, key, len, h) != 0 || op_skipped_value(o) != 0)
				return -1;
		} else if (*store) {
			return -1;
		} else {
			if (!(child = op_kept_member(o, key, len, h)))
				return -1;
			if (inner && o->p < o->end && *o->p == '{') {
				o->p++;
				rc = op_guided_members(o, child, inner);
			} else {
				rc = op_value(o, child);
			}
			if (rc != 0)
				return -1;
			op_link(item, &last, child);
			*store = child;
		}
		if ((rc = op_after_member(o, '}')) <= 0) {
			if (rc < 0)
				return -1;
			break;
		}
	}
	o->depth--;
	return 0;
}

/* The tree of BUF in arena A, or NULL: give up (A is then as it was).
 * GUIDE, if not NULL, guides the value when it is an object. */
static cJSON *onepass_to(const char *buf, size_t len, struct json_arena *a,
			 struct json_guide *guide, size_t *used)
{
	struct onepass o = { (const unsigned char *)buf, (const unsigned char *)buf + len, a, 0 };
	size_t mark = a->used;
	cJSON *root = op_alloc(&o, sizeof(*root));
	int rc;

	if (root) {
		memset(root, 0, sizeof(*root));
		op_ws(&o);
		if (guide && o.p < o.end && *o.p == '{') {
			o.p++;
			rc = op_guided_members(&o, root, guide);
		} else {
			rc = op_value(&o, root);
		}
		if (rc == 0 && used) {
			*used = (size_t)(o.p - (const unsigned char *)buf);
			return root;
		}
		if (rc == 0) {
			op_ws(&o);
			if (o.p == o.end)
				return root;
		}
	}
	a->used = mark;		/* nothing of it spilled: op_alloc never mallocs */
	return NULL;
}

/* The one value that is all of BUF. */
static cJSON *onepass(const char *buf, size_t len, struct json_arena *a, struct json_guide *guide)
{
	return onepass_to(buf, len, a, guide, NULL);
}

cJSON *json_parse_value_at(const char *buf, size_t len, size_t hint, struct json_arena **arena,
			   size_t *used)
{
	if (!ARENA_ENABLED) {
		*arena = NULL;
		return NULL;	/* a malloc per node for the sanitizer: the other path */
	}
	return json_parse_onepass_at(buf, len, hint, arena, used);
}

cJSON *json_parse_onepass_at(const char *buf, size_t len, size_t hint, struct json_arena **arena,
			     size_t *used)
{
	cJSON *root;

	*arena = arena_new(hint < len ? hint : len);
	if (!*arena)
		return NULL;
	root = onepass_to(buf, len, *arena, NULL, used);
	if (!root) {
		json_arena_free(*arena, NULL);
		*arena = NULL;
	}
	return root;
}

cJSON *json_parse_strict_guided(const char *buf, size_t len, struct json_arena **arena,
				struct json_guide *guide, bool *guided, char *err, size_t errlen)
{
	struct json_arena *a = ARENA_ENABLED ? arena_new(len) : NULL;
	cJSON *root;

	*arena = a;
	*guided = false;
	if (!a)
		return json_parse_strict(buf, len, err, errlen);
	if (err && errlen)
		err[0] = '\0';
	if (guide && (root = onepass(buf, len, a, guide)) != NULL) {
		*guided = true;
		return root;
	}
	root = onepass(buf, len, a, NULL);
	if (root)
		return root;
	filling = a;
	a->keys_hashed = false;		/* cJSON's keys have no head */
	root = json_parse_strict(buf, len, err, errlen);
	filling = NULL;
	return root;
}

cJSON *json_parse_strict_arena(const char *buf, size_t len, struct json_arena **arena,
			       char *err, size_t errlen)
{
	bool guided;

	return json_parse_strict_guided(buf, len, arena, NULL, &guided, err, errlen);
}

cJSON *json_parse_onepass(const char *buf, size_t len, struct json_arena **arena)
{
	return json_parse_onepass_guided(buf, len, arena, NULL);
}

cJSON *json_parse_onepass_guided(const char *buf, size_t len, struct json_arena **arena,
				 struct json_guide *guide)
{
	*arena = arena_new(len);
	return *arena ? onepass(buf, len, *arena, guide) : NULL;
}

void *json_arena_zalloc(struct json_arena *a, size_t n)
{
	void *p = a ? bump(a, n) : NULL;

	if (p)
		memset(p, 0, n);
	return p;
}

bool json_arena_holds(const struct json_arena *a, const void *p)
{
	return a && p && in_arena(a, p);
}

void json_arena_free(struct json_arena *a, cJSON *root)
{
	struct json_arena **pp;

	if (!a) {
		cJSON_Delete(root);
		return;
	}
	/* Only what spilled to malloc needs the walk; the rest goes at once. */
	if (a->spilled)
		cJSON_Delete(root);
	for (pp = &live_arenas; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	if (!arena_keep(a))
		free(a);
}

/* ---------------------------------------------------------------- lookups */

const cJSON *json_get(const cJSON *obj, const char *name)
{
	const cJSON *it;

	if (!cJSON_IsObject(obj))
		return NULL;
	for (it = obj->child; it; it = it->next)
		if (strcmp(it->string, name) == 0)
			return it;
	return NULL;
}

const cJSON *json_get_fold(const cJSON *obj, const char *name)
{
	const cJSON *it;

	if (!cJSON_IsObject(obj))
		return NULL;
	for (it = obj->child; it; it = it->next)
		if (fold_cmp(it->string, name) == 0)
			return it;
	return NULL;
}

int json_int64(const cJSON *item, long long *out)
{
	double d;

	if (!cJSON_IsNumber(item))
		return -1;
	d = item->valuedouble;
	/* Go refuses 1.5 or 1e19 for an int64 field. 2^63 is exactly
	 * representable, so the upper bound is exclusive. */
	if (d != floor(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
		return -1;
	*out = (long long)d;
	return 0;
}

/* ---------------------------------------------------------------- output */

/* Append K bytes to buf at *n, keeping room for the NUL; -1 when full. */
static int put(char *buf, size_t buflen, size_t *n, const char *s, size_t k)
{
	if (*n + k >= buflen)
		return -1;
	memcpy(buf + *n, s, k);
	*n += k;
	return 0;
}

/* Bytes json_quote copies as they are: printable ASCII but '"', '\\' and
 * the three Go escapes for HTML. */
static int quote_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

#if defined(__SSE2__)
/* The bytes of C that end a run json_quote copies as it is: what ends a
 * plain run of JSON text, and DEL and Go's three HTML escapes. */
static inline unsigned quote_stops16(__m128i c)
{
	const __m128i del = _mm_set1_epi8(0x7F), lt = _mm_set1_epi8('<');
	const __m128i gt = _mm_set1_epi8('>'), amp = _mm_set1_epi8('&');
	__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(c, del), _mm_cmpeq_epi8(c, lt)),
				   _mm_or_si128(_mm_cmpeq_epi8(c, gt), _mm_cmpeq_epi8(c, amp)));

	return plain_stops16(c) | (unsigned)_mm_movemask_epi8(hit);
}
#endif

/* The end of the run of quote_plain bytes from P (before END). Inlined:
 * out of line, a call per run of every audit field shows. */
static inline __attribute__((always_inline)) const unsigned char *
quote_run(const unsigned char *p, const unsigned char *end)
{
#if defined(__SSE2__)
	unsigned char tail[16];
	unsigned mask;
	size_t n;

	/* sixteen at a time */
	while (end - p >= 16) {
		mask = quote_stops16(_mm_loadu_si128((const __m128i *)(const void *)p));
		if (mask)
			return p + __builtin_ctz(mask);
		p += 16;
	}
	/* the last 8 to 15 (many of an audit record's fields are that short):
	 * copied into a block of their own, the bytes past them not counted;
	 * fewer, a byte at a time */
	n = (size_t)(end - p);
	if (n < 8) {
		while (p < end && quote_plain(*p))
			p++;
		return p;
	}
	memset(tail, 0, sizeof(tail));
	memcpy(tail, p, n);
	mask = quote_stops16(_mm_loadu_si128((const __m128i *)(const void *)tail)) &
	       ((1u << n) - 1);
	return mask ? p + __builtin_ctz(mask) : end;
#else
	while (p < end && quote_plain(*p))
		p++;
	return p;
#endif
}

int json_quote_n(char *buf, size_t buflen, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;
	size_t n = 0;
	int rc = 0;

	rc |= put(buf, buflen, &n, "\"", 1);
	while (p < end && rc == 0) {
		const unsigned char *run = p;
		unsigned char c;
		char esc[6];
		size_t l;

		/* a run of plain bytes, copied at once: most of every record */
		p = quote_run(p, end);
		if (p > run) {
			rc |= put(buf, buflen, &n, (const char *)run, (size_t)(p - run));
			continue;
		}
		c = *p;
		esc[0] = '\\';
		esc[1] = 'u';
		esc[2] = '0';
		esc[3] = '0';
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			rc |= put(buf, buflen, &n, esc, 2);
		} else if (c == '\n') {
			rc |= put(buf, buflen, &n, "\\n", 2);
		} else if (c < 0x20 || c == 0x7F || c == '<' || c == '>' || c == '&') {
			/* Go escapes <, > and & too; so do we, logs stay HTML-safe. */
			rc |= put(buf, buflen, &n, esc, 6);
		} else if ((l = utf8_len(p, (size_t)(end - p))) > 0) {
			rc |= put(buf, buflen, &n, (const char *)p, l);
			p += l;
			continue;
		} else {
			/* Invalid UTF-8: write U+FFFD, as Go's encoder does. */
			rc |= put(buf, buflen, &n, "\\ufffd", 6);
		}
		p++;
	}
	rc |= put(buf, buflen, &n, "\"", 1);
	if (rc != 0) {
		if (buflen)
			buf[0] = '\0';
		return -1;
	}
	buf[n] = '\0';
	return (int)n;
}
