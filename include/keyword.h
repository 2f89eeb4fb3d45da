/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keyword.h - JSON keys as 64-bit words: loaded eight bytes at a time and
 * folded as Go folds ASCII, for json.c's key hash and for every comparison
 * of a key read from a body with a field's folded name (json.c, body.c),
 * which runs for each key of each object read: inline, without a call.
 */
#ifndef PORTCULLIS_KEYWORD_H
#define PORTCULLIS_KEYWORD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HIGH_BITS 0x8080808080808080ull

/* 'A'..'Z' to 'a'..'z' in each byte of W, whose bytes are all ASCII: a byte
 * plus 0x3f reaches 0x80 from 'A' on, plus 0x25 from past 'Z' on, and no
 * ASCII byte carries into the next. */
static inline uint64_t fold8(uint64_t w)
{
	uint64_t upper = (w + 0x3f3f3f3f3f3f3f3full) & ~(w + 0x2525252525252525ull) & HIGH_BITS;

	return w | upper >> 2;
}

/* Eight bytes at P as a little-endian word, whatever the host's order, so
 * that a word means the same bytes to every path that builds one. */
static inline uint64_t load8(const char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

static inline uint64_t load4(const char *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap32(w);
#endif
	return w;
}

/* The N bytes at P (0 < N < 8) as a little-endian word, zero-padded, read
 * without a byte past P + N: two overlapping loads (or three bytes) whose
 * overlap holds the same bytes in the same places. */
static inline uint64_t load_tail(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;

	if (n >= 4)
		return load4(p) | load4(p + n - 4) << 8 * (n - 4);
	return (uint64_t)u[0] | (uint64_t)u[n / 2] << 8 * (n / 2) |
	       (uint64_t)u[n - 1] << 8 * (n - 1);
}

/* Bytes S[I..N) (1 to 7 of them) of a string of N bytes, as load_tail
 * reads them; past eight bytes, one load that ends at the string's end. */
static inline uint64_t tail_word(const char *s, size_t i, size_t n)
{
	if (n >= 8)
		return load8(s + n - 8) >> 8 * (8 - (n - i));
	return load_tail(s + i, n - i);
}

/* Do the N ASCII bytes at A and B fold alike? B_FOLDED: B is already
 * folded (a field's name), so only A's words are folded. Always inlined,
 * so the flag is a constant in each caller. */
static inline __attribute__((always_inline)) bool
ascii_words_fold_equal(const char *a, const char *b, size_t n, bool b_folded)
{
	size_t i;

	for (i = 0; i + 8 <= n; i += 8)
		if (fold8(load8(a + i)) != (b_folded ? load8(b + i) : fold8(load8(b + i))))
			return false;
	return i == n || fold8(tail_word(a, i, n)) ==
			 (b_folded ? tail_word(b, i, n) : fold8(tail_word(b, i, n)));
}

/* Does KEY, N bytes of ASCII, fold to FOLDED, N bytes already folded? */
static inline bool key_ascii_equal(const char *key, const char *folded, size_t n)
{
	return ascii_words_fold_equal(key, folded, n, true);
}

#endif
