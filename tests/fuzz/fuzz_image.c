/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_image.c - libFuzzer target for image references and allowlist
 * patterns.
 *
 * "make fuzz" runs it under libFuzzer, "make replay" replays the seeds in
 * tests/fuzz/corpus/image/ with gcc.
 *
 * The input is a reference, and, cut at the first '\n', a pattern and a
 * reference. Properties: a parsed reference's canonical form parses to the
 * same reference (with "latest" made explicit), and matches itself as a
 * pattern, as does its bare repository name; a compiled pattern matches
 * what its text matches, and one that does not compile matches nothing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_ref(const struct image_ref *r)
{
	char canon[1024], name[1024];
	struct image_ref again;

	image_canonical(r, canon, sizeof(canon));
	if (image_parse(canon, &again, NULL, 0) != 0)
		abort();
	if (strcmp(again.domain, r->domain) != 0 || strcmp(again.path, r->path) != 0 ||
	    strcmp(again.digest, r->digest) != 0)
		abort();
	if (strcmp(again.tag, r->tag) != 0 &&
	    !(r->tag[0] == '\0' && r->digest[0] == '\0' && strcmp(again.tag, "latest") == 0))
		abort();
	if (!image_pattern_match(canon, r))
		abort();
	snprintf(name, sizeof(name), "%s/%s", r->domain, r->path);
	if (!image_pattern_match(name, r))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_ref r;
	char *s, *ref;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (image_parse(s, &r, NULL, 0) == 0)
		check_ref(&r);
	ref = strchr(s, '\n');
	if (ref != NULL) {
		*ref++ = '\0';
		if (image_parse(ref, &r, NULL, 0) == 0) {
			/* compiled once, as a policy's patterns are: the same answer */
			struct image_pattern *compiled = image_pattern_compile(s);
			bool match = image_pattern_match(s, &r);

			if (compiled ? image_pattern_matches(compiled, &r) != match : match)
				abort();
			free(compiled);
		}
	}
	free(s);
	return 0;
}
