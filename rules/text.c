/* SPDX-License-Identifier: Apache-2.0 */
/*
 * text.c - strings put together without printf.
 *
 * snprintf parses its format on every call: about 800 instructions for
 * "%s[%zu]", more than some whole checks cost. A field name or a number in
 * every allowed create's path is built here instead; messages, which only a
 * denial formats, keep printf.
 */
#include <stdarg.h>
#include <string.h>

#include "text.h"

void text_copy(char *buf, size_t len, const char *s, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

size_t text_append(char *buf, size_t len, size_t n, const char *s)
{
	size_t k = strlen(s);

	text_copy(buf + n, len - n, s, k);
	return n + k;
}

char *text_join(char *buf, size_t len, ...)
{
	size_t w = 0;
	const char *s;
	va_list ap;

	buf[0] = '\0';
	va_start(ap, len);
	while (w + 1 < len && (s = va_arg(ap, const char *)) != NULL)
		w = text_append(buf, len, w, s);
	va_end(ap);
	return buf;
}

const char *text_decimal(char buf[24], long long v)
{
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	char *p = buf + 23;

	*p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	return p;
}
