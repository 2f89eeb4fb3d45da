/* SPDX-License-Identifier: Apache-2.0 */
/* image.h - image references normalised as dockerd normalises them. */
#ifndef PORTCULLIS_IMAGE_H
#define PORTCULLIS_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

struct image_ref {
	char domain[256];	/* "docker.io" when none is given */
	char path[512];		/* "library/busybox" for official images */
	char tag[129];		/* "" when none (then "latest" applies unless a digest is given) */
	char digest[160];	/* "sha256:<64 hex>" or "" */
};

/*
 * image_parse - parse REF as distribution/reference.ParseNormalizedNamed does:
 * lower-case repository, "docker.io" and "library/" defaults, tag and digest
 * syntax. A 64-hex string is an image ID, refused here (-1) as it names no
 * repository. -1 with a reason for anything dockerd would refuse.
 */
int image_parse(const char *ref, struct image_ref *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* "docker.io/library/busybox:latest", "registry.example.com/a/b@sha256:..." */
void image_canonical(const struct image_ref *r, char *buf, size_t len);

/*
 * image_pattern_match - does allowlist PATTERN allow REF? The pattern is
 * normalised like a reference ("bb:*" is docker.io/library/bb:*), then matched
 * against the canonical name: "*" within a path component or tag, "**" across
 * components. A pattern without tag or digest allows every tag and digest of
 * exactly that repository: "busybox" never matches "busyboxevil".
 */
bool image_pattern_match(const char *pattern, const struct image_ref *ref);
/*
 * image_pattern_compile - PATTERN split and checked once, for matching many
 * references (a policy's images are compiled when it loads): NULL when the
 * pattern is not valid, which matches nothing, or memory ran out. The
 * result points into PATTERN, which must outlive it; free() frees it.
 * image_pattern_matches(compiled, ref) == image_pattern_match(pattern, ref).
 */
struct image_pattern;
struct image_pattern *image_pattern_compile(const char *pattern);
bool image_pattern_matches(const struct image_pattern *pattern, const struct image_ref *ref);

#endif
