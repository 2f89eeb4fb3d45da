/* SPDX-License-Identifier: Apache-2.0 */
/* errorf.h - the one way a function reports why it failed: into a caller's buffer. */
#ifndef PORTCULLIS_ERRORF_H
#define PORTCULLIS_ERRORF_H

#include <stddef.h>

/* Format into ERR (ERRLEN bytes; ERR may be NULL) and return -1, so a
 * failing path reads `return errorf(err, errlen, "...", ...);`. */
int errorf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
