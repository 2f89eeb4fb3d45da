/* SPDX-License-Identifier: Apache-2.0 */
/* engine.h - which authorization weaknesses the running dockerd has. */
#ifndef PORTCULLIS_ENGINE_H
#define PORTCULLIS_ENGINE_H

#include <stdbool.h>
#include "docker.h"

struct engine_version {
	int major, minor, patch;
};

/* "20.10.24+dfsg1" -> 20, 10, 24. -1 when it is not major.minor.patch. */
int engine_parse_version(const char *s, struct engine_version *v);

/* One LINE per weakness of V that matters to authorization, with the rule
 * Portcullis applies for it. */
void engine_report(const struct engine_version *v, void (*line)(void *ctx, const char *text),
		   void *ctx);

/* Ask C for dockerd's version in the background (it may not be up yet) and
 * log the report to stderr. C must outlive the process's serving. */
void engine_watch_start(const struct docker_client *c);

#endif
