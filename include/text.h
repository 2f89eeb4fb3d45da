/* SPDX-License-Identifier: Apache-2.0 */
/* text.h - strings put together without printf, for the paths every decision takes. */
#ifndef PORTCULLIS_TEXT_H
#define PORTCULLIS_TEXT_H

#include <stddef.h>

/* The strings after LEN, up to a NULL, one after another in BUF (LEN > 0
 * bytes), cut to fit as snprintf would; returns BUF. */
char *text_join(char *buf, size_t len, ...) __attribute__((sentinel));

/* V in decimal in BUF (24 bytes hold any long long); returns where it starts. */
const char *text_decimal(char buf[24], long long v);

#endif
