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

char *text_join(char *buf, size_t len, ...)
{
	size_t w = 0, n;
	const char *s;
	va_list ap;

	va_start(ap, len);
	while ((s = va_arg(ap, const char *)) != NULL && w + 1 < len) {
		n = strlen(s);
		if (n > len - 1 - w)
			n = len - 1 - w;
		memcpy(buf + w, s, n);
		w += n;
	}
	va_end(ap);
	buf[w] = '\0';
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
