/* SPDX-License-Identifier: Apache-2.0 */
/* text.h - strings put together without printf, for the paths every decision takes. */
#ifndef PORTCULLIS_TEXT_H
#define PORTCULLIS_TEXT_H

#include <stdarg.h>
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

/*
 * text_vformat - vsnprintf, for the conversions messages use: %s, %.Ns,
 * %.*s, %c, %%, and %d %i %u with no length, l, ll or z. A format with any
 * other (a flag, a width, %x, %f...) is handed to vsnprintf whole. Same
 * result, same return value, same cut as vsnprintf; about a tenth of its
 * instructions, since nothing but the format's own text is parsed.
 */
int text_vformat(char *buf, size_t len, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int text_format(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
