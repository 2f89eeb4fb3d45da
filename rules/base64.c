/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base64.c - strict standard base64, as Go's encoding/json writes []byte.
 *
 * Written by hand: none of our libraries exports a decoder (libmicrohttpd's is
 * internal), and Go's StdEncoding rules are narrower than most decoders: the
 * standard alphabet only, padding required, no whitespace, and the unused
 * bits of the last quantum must be zero (Go refuses "YR==", lenient decoders
 * read it as "a"). A lenient decoder would let two different strings carry
 * the same body, or a malformed one decode to something.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "cpu.h"

/* value + 1 for the alphabet; 0 for anything else, including '='. */
static const uint8_t dec[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
	['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
	['Y'] = 25, ['Z'] = 26,
	['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
	['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38,
	['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44,
	['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50,
	['y'] = 51, ['z'] = 52,
	['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58,
	['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

/* The last quantum, where padding may be: "xxxx", "xxx=" or "xx==". */
static long decode_last(const unsigned char *s, unsigned char *out)
{
	uint8_t a = (uint8_t)(dec[s[0]] - 1), b = (uint8_t)(dec[s[1]] - 1);
	uint8_t c = (uint8_t)(dec[s[2]] - 1), d = (uint8_t)(dec[s[3]] - 1);

	if (a == 0xFF || b == 0xFF)
		return -1;
	if (c != 0xFF && d != 0xFF) {
		if (out) {
			out[0] = (unsigned char)(a << 2 | b >> 4);
			out[1] = (unsigned char)(b << 4 | c >> 2);
			out[2] = (unsigned char)(c << 6 | d);
		}
		return 3;
	}
	if (s[3] != '=')
		return -1;
	if (c == 0xFF) {
		/* "xx==": the 4 low bits of b are unused and must be zero */
		if (s[2] != '=' || (b & 0x0F) != 0)
			return -1;
		if (out)
			out[0] = (unsigned char)(a << 2 | b >> 4);
		return 1;
	}
	/* "xxx=": the 2 low bits of c are unused and must be zero */
	if ((c & 0x03) != 0)
		return -1;
	if (out) {
		out[0] = (unsigned char)(a << 2 | b >> 4);
		out[1] = (unsigned char)(b << 4 | c >> 2);
	}
	return 2;
}

/*
 * For the quanta before the last: each character's 6 bits already shifted to
 * where they go in the 24 bits of its quantum, and BAD for a byte outside
 * the alphabet ('=' included), so a quantum is four loads and three ORs, and
 * the check is one test of everything ORed together after the loop.
 */
#define BAD 0xFF000000u
static uint32_t shifted[4][256];

__attribute__((constructor)) static void build_shifted(void)
{
	int c, k;

	for (c = 0; c < 256; c++)
		for (k = 0; k < 4; k++)
			shifted[k][c] = dec[c] ? (uint32_t)(dec[c] - 1) << (18 - 6 * k) : BAD;
}

static inline uint32_t quantum(const unsigned char *s)
{
	return shifted[0][s[0]] | shifted[1][s[1]] | shifted[2][s[2]] | shifted[3][s[3]];
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/*
 * Sixteen characters at a time with SSSE3 (every x86-64 CPU since 2008;
 * checked at run time). A character is classed by its two nibbles: LO_BAD
 * has, for each low nibble, a bit for every high-nibble class in which that
 * low nibble is not in the alphabet; HI_CLASS gives each high nibble its
 * class bit (0x10 for those with no alphabet character, set in every
 * LO_BAD entry). A character is in the alphabet when the two share no bit:
 *   class 0x01  0x2_  only '+' (0x2B) and '/' (0x2F)
 *   class 0x02  0x3_  '0'..'9': low nibble 0..9
 *   class 0x04  0x4_, 0x6_  'A'..'O', 'a'..'o': 1..15
 *   class 0x08  0x5_, 0x7_  'P'..'Z', 'p'..'z': 0..10
 * Its value is the character plus an offset chosen by its high nibble, less
 * one for '/', which shares 0x2_ with '+': ROLL. Four values (6 bits in each
 * byte) become 24 bits in two multiply-adds, and one shuffle puts the bytes
 * of each 32-bit lane in output order. Only blocks before the last quantum
 * come here: they hold no padding, so any other character refuses the whole
 * string, as the scalar loop would.
 */
static const signed char lo_bad_t[16] = { 0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
					 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A };
static const signed char hi_class_t[16] = { 0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08,
					   0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10 };
static const signed char roll_t[16] = { 0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0 };
static const signed char pack_t[16] = { 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1 };

static inline __m128i table(const signed char t[16])
{
	return _mm_loadu_si128((const __m128i *)(const void *)t);
}

/* Twelve bytes of W (a packed lane) to OUT, none past them: OUT is sized
 * for the string only. */
static inline void store12(unsigned char *out, __m128i w)
{
	_mm_storel_epi64((__m128i *)(void *)out, w);
	w = _mm_srli_si128(w, 8);
	memcpy(out + 8, &w, 4);
}

__attribute__((target("ssse3"))) static bool
decode_blocks(const unsigned char *s, size_t *pi, size_t len, unsigned char *out, size_t *po)
{
	const __m128i lo_bad = table(lo_bad_t), hi_class = table(hi_class_t);
	const __m128i roll = table(roll_t), pack = table(pack_t);
	const __m128i nibble = _mm_set1_epi8(0x0F), slash = _mm_set1_epi8('/');
	const __m128i zero = _mm_setzero_si128();
	size_t i = *pi, o = *po;

	/* while a block leaves the last quantum after it */
	for (; len - i > 16; i += 16, o += 12) {
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i hi = _mm_and_si128(_mm_srli_epi32(c, 4), nibble);
		__m128i bad = _mm_and_si128(_mm_shuffle_epi8(lo_bad, _mm_and_si128(c, nibble)),
					    _mm_shuffle_epi8(hi_class, hi));
		__m128i v, w;

		if (_mm_movemask_epi8(_mm_cmpeq_epi8(bad, zero)) != 0xFFFF)
			return false;
		if (!out)
			continue;
		v = _mm_add_epi8(c, _mm_shuffle_epi8(roll, _mm_add_epi8(hi,
						_mm_cmpeq_epi8(c, slash))));
		w = _mm_madd_epi16(_mm_maddubs_epi16(v, _mm_set1_epi32(0x01400140)),
				   _mm_set1_epi32(0x00011000));
		store12(out + o, _mm_shuffle_epi8(w, pack));
	}
	*pi = i;
	*po = o;
	return true;
}

/*
 * The same, thirty-two characters at a time with AVX2 (checked at run time):
 * the same tables in both 128-bit lanes, since its shuffles stay within a
 * lane, and each lane's twelve bytes stored after the other's. A request
 * body is kilobytes of base64; the SSSE3 loop and the scalar one take what
 * is left.
 */
__attribute__((target("avx2"))) static bool
decode_blocks_avx2(const unsigned char *s, size_t *pi, size_t len, unsigned char *out,
		   size_t *po)
{
	const __m256i lo_bad = _mm256_broadcastsi128_si256(table(lo_bad_t));
	const __m256i hi_class = _mm256_broadcastsi128_si256(table(hi_class_t));
	const __m256i roll = _mm256_broadcastsi128_si256(table(roll_t));
	const __m256i pack = _mm256_broadcastsi128_si256(table(pack_t));
	const __m256i nibble = _mm256_set1_epi8(0x0F), slash = _mm256_set1_epi8('/');
	size_t i = *pi, o = *po;

	for (; len - i > 32; i += 32, o += 24) {
		__m256i c = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
		__m256i hi = _mm256_and_si256(_mm256_srli_epi32(c, 4), nibble);
		__m256i bad = _mm256_and_si256(_mm256_shuffle_epi8(lo_bad,
								   _mm256_and_si256(c, nibble)),
					       _mm256_shuffle_epi8(hi_class, hi));
		__m256i v, w;

		if (!_mm256_testz_si256(bad, bad))
			return false;
		if (!out)
			continue;
		v = _mm256_add_epi8(c, _mm256_shuffle_epi8(roll, _mm256_add_epi8(hi,
						_mm256_cmpeq_epi8(c, slash))));
		w = _mm256_madd_epi16(_mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140)),
				      _mm256_set1_epi32(0x00011000));
		w = _mm256_shuffle_epi8(w, pack);
		store12(out + o, _mm256_castsi256_si128(w));
		store12(out + o + 12, _mm256_extracti128_si256(w, 1));
	}
	*pi = i;
	*po = o;
	return true;
}

#endif

long base64_decode(const char *in, size_t len, unsigned char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;
	uint32_t w, bad = 0;
	long last;

	if (len % 4 != 0)
		return -1;
	if (len == 0)
		return 0;
#if defined(__x86_64__) && defined(__GNUC__)
	if (cpu_avx2 && !decode_blocks_avx2(s, &i, len, out, &o))
		return -1;
	if (cpu_ssse3 && !decode_blocks(s, &i, len, out, &o))
		return -1;
#endif
	/* Every quantum but the last has no padding. */
	if (out) {
		for (; i + 4 < len; i += 4, o += 3) {
			w = quantum(s + i);
			bad |= w;
			out[o] = (unsigned char)(w >> 16);
			out[o + 1] = (unsigned char)(w >> 8);
			out[o + 2] = (unsigned char)w;
		}
	} else {
		for (; i + 4 < len; i += 4, o += 3)
			bad |= quantum(s + i);
	}
	if (bad & BAD)
		return -1;
	last = decode_last(s + i, out ? out + o : NULL);
	return last < 0 ? -1 : (long)o + last;
}

/* ---------------------------------------------------------------- encoding */

/* The encoder writes the envelopes Portcullis makes itself (audit records with
 * the request, test cases in short form): only ever the canonical form the
 * decoder above accepts. */
static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const unsigned char *in, size_t len)
{
	char *out, *o;
	size_t i;

	if (len > (((size_t)-1) - 1) / 4 * 3 - 3)
		return NULL;
	out = malloc(base64_encoded_len(len) + 1);
	if (!out)
		return NULL;
	o = out;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];

		*o++ = alphabet[v >> 18 & 63];
		*o++ = alphabet[v >> 12 & 63];
		*o++ = alphabet[v >> 6 & 63];
		*o++ = alphabet[v & 63];
	}
	if (i < len) {
		/* One or two bytes left: the unused bits are zero, as
		 * canonical base64 requires, and padding fills the quantum. */
		unsigned long v = (unsigned long)in[i] << 16;

		if (i + 1 < len)
			v |= (unsigned long)in[i + 1] << 8;
		*o++ = alphabet[v >> 18 & 63];
		*o++ = alphabet[v >> 12 & 63];
		*o++ = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}
