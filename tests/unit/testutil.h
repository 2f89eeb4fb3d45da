/* SPDX-License-Identifier: Apache-2.0 */
/* testutil.h - small helpers shared by the unit tests. */
#ifndef PORTCULLIS_TESTUTIL_H
#define PORTCULLIS_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>

/* ../shared (beside the checkout, as on CI), or $PORTCULLIS_SHARED. */
static inline const char *shared_dir(void)
{
	const char *d = getenv("PORTCULLIS_SHARED");

	return d && *d ? d : "../shared";
}

static inline void corpus_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/corpus/%s", shared_dir(), name);
}

#endif
