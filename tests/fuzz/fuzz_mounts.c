/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_mounts.c - libFuzzer target for Binds parsing, host path resolution,
 * sensitive paths, local volume options and allowlist patterns.
 *
 * "make fuzz" runs it under libFuzzer, "make replay" replays the seeds in
 * tests/fuzz/corpus/mounts/ with gcc.
 *
 * The input is read whole as a Binds string and as volume options (JSON),
 * and cut at '\n' into PATTERN, USER, PATH for the matcher. Besides the
 * sanitizers, it checks properties: a resolved path is absolute and clean
 * and resolves to itself; the pattern /srv/t/{user} followed by a "**"
 * component never matches outside /srv/t/<user>, whatever the user name;
 * path_pattern_match's quick no answers as the whole match does.
 * The resolver only reads the host filesystem (realpath, lstat).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mounts.h"

#define USER_PATTERN	"/srv/t/{user}/" "**"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_resolved(const char *out)
{
	char again[PATH_MAX];
	const char *which = "unset";
	size_t n = strlen(out);

	if (out[0] != '/' || n >= PATH_MAX || strstr(out, "//") != NULL ||
	    strstr(out, "/./") != NULL || strstr(out, "/../") != NULL ||
	    (n > 1 && out[n - 1] == '/') ||
	    (n >= 2 && strcmp(out + n - 2, "/.") == 0) ||
	    (n >= 3 && strcmp(out + n - 3, "/..") == 0))
		abort();
	if (mount_resolve_host_path(out, again, sizeof(again), NULL, 0) != 0 ||
	    strcmp(again, out) != 0)
		abort();
	if (!mount_path_sensitive(out, NULL, &which) && which != NULL)
		abort();
}

/* USER_PATTERN may only match /srv/t/USER and below. */
static void
check_user(const char *user, const char *path)
{
	size_t base = strlen("/srv/t/"), ul = strlen(user);

	if (!path_pattern_match(USER_PATTERN, user, path))
		return;
	if (strncmp(path, "/srv/t/", base) != 0 || strncmp(path + base, user, ul) != 0 ||
	    (path[base + ul] != '\0' && path[base + ul] != '/') || strchr(user, '/') != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *user, *path, out[PATH_MAX];
	struct bind_spec b;
	const char *device;
	cJSON *opts;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (mount_parse_bind(s, &b, NULL, 0) == 0 && b.type == MOUNT_BIND &&
	    mount_resolve_host_path(b.source, out, sizeof(out), NULL, 0) == 0)
		check_resolved(out);
	if (mount_resolve_host_path(s, out, sizeof(out), NULL, 0) == 0)
		check_resolved(out);

	opts = cJSON_ParseWithLength((const char *)data, size);
	/* a device without a tmpfs type is never benign */
	if (!mount_local_opts_host(opts, &device) && device != NULL &&
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(opts, "type")))
		abort();
	cJSON_Delete(opts);

	user = strchr(s, '\n');
	if (user != NULL) {
		*user++ = '\0';
		path = strchr(user, '\n');
		if (path != NULL) {
			*path++ = '\0';
			/* the quick no answers as the whole match would */
			if (path_pattern_match(s, user, path) != path_pattern_match_whole(s, user, path))
				abort();
			check_user(user, path);
			if (mount_resolve_host_path(path, out, sizeof(out), NULL, 0) == 0 &&
			    path_pattern_match(s, user, out) != path_pattern_match_whole(s, user, out))
				abort();
		}
	}
	free(s);
	return 0;
}
