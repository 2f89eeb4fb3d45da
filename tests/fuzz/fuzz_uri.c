/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_uri.c - libFuzzer target: RequestUri parsing and dockerd's routing.
 * Invariants: a parsed path is clean and absolute; a route's object points
 * inside the path; the one block a parse reserves always holds what it
 * decodes (a parse never fails for want of room in it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "uri.h"

static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_match m;
	struct uri u;
	char err[256], *raw;
	size_t i;

	if (size == 0)
		return 0;
	raw = malloc(size);
	if (!raw)
		return 0;
	memcpy(raw, data + 1, size - 1);
	raw[size - 1] = '\0';
	if (uri_parse(raw, &u, err, sizeof(err)) == 0) {
		if (u.path[0] != '/' || strstr(u.path, "//") || strstr(u.path, "/./") ||
		    strstr(u.path, "/../"))
			abort();
		for (i = 0; i < u.nparams; i++)
			(void)uri_query_get(&u, u.params[i].key);
		if (route_lookup(methods[data[0] % 6], u.path, &m) == 0 && m.object &&
		    (m.object < u.path || m.object + m.object_len > u.path + strlen(u.path)))
			abort();
		uri_free(&u);
	} else if (strcmp(err, "out of memory") == 0) {
		abort();	/* reserve() bounded the block too tightly */
	}
	free(raw);
	return 0;
}
