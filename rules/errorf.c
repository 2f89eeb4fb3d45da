/* SPDX-License-Identifier: Apache-2.0 */
/* errorf.c - format a reason into a caller's error buffer. */
#include <stdarg.h>
#include <stdio.h>

#include "errorf.h"

int errorf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}
