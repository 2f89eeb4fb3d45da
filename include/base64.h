/* SPDX-License-Identifier: Apache-2.0 */
/* base64.h - strict standard base64 (RFC 4648, padded), as Go's []byte JSON encoding. */
#ifndef PORTCULLIS_BASE64_H
#define PORTCULLIS_BASE64_H

#include <stddef.h>

/* Bytes needed to decode LEN characters of base64. */
static inline size_t base64_decoded_max(size_t len) { return len / 4 * 3 + 3; }

/*
 * base64_decode - decode IN[0..LEN) into OUT (base64_decoded_max(len) bytes).
 * Returns the decoded length, or -1 for anything Go's StdEncoding rejects:
 * wrong alphabet, missing or misplaced padding, non-zero trailing bits.
 * OUT may be NULL to validate only.
 */
long base64_decode(const char *in, size_t len, unsigned char *out)
	__attribute__((warn_unused_result));

/* Characters base64_encode writes for LEN bytes, without the NUL. */
static inline size_t base64_encoded_len(size_t len) { return (len + 2) / 3 * 4; }

/* Encode IN[0..LEN) as Go's StdEncoding: a malloc'd NUL-terminated string,
 * or NULL when out of memory. */
char *base64_encode(const unsigned char *in, size_t len) __attribute__((warn_unused_result));

#endif
