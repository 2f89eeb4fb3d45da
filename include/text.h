/* SPDX-License-Identifier: Apache-2.0 */
/* text.h - strings put together without printf, for the paths every decision takes. */
#ifndef PORTCULLIS_TEXT_H
#define PORTCULLIS_TEXT_H

#include <stddef.h>

/* The N bytes at S into BUF (LEN > 0 bytes), cut to fit, NUL-terminated. */
void text_copy(char *buf, size_t len, const char *s, size_t n);

/* S after the N bytes already in BUF (N < LEN), cut to fit; returns the
 * length the text would have uncut, as snprintf counts. */
size_t text_append(char *buf, size_t len, size_t n, const char *s);

/* The strings after LEN, up to a NULL, one after another in BUF (LEN > 0
 * bytes), cut to fit as snprintf would; returns BUF. */
char *text_join(char *buf, size_t len, ...) __attribute__((sentinel));

/* V in decimal in BUF (24 bytes hold any long long); returns where it starts. */
const char *text_decimal(char buf[24], long long v);

#endif
