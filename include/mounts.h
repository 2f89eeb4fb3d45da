/* SPDX-License-Identifier: Apache-2.0 */
/* mounts.h - host paths as dockerd and mount(2) will see them. */
#ifndef PORTCULLIS_MOUNTS_H
#define PORTCULLIS_MOUNTS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "profile.h"

enum mount_type {
	MOUNT_NONE = 0,
	MOUNT_BIND,
	MOUNT_VOLUME,
	MOUNT_TMPFS,
	MOUNT_NPIPE,
	MOUNT_CLUSTER,
	MOUNT_IMAGE,
};

/* One HostConfig.Binds entry, parsed as dockerd's linux parser does
 * (daemon/volume/mounts/linux_parser.go). */
struct bind_spec {
	enum mount_type type;		/* MOUNT_BIND (absolute source) or MOUNT_VOLUME */
	char source[PATH_MAX];		/* host path, volume name, or "" (anonymous volume) */
	char target[PATH_MAX];
	bool read_only;			/* "ro" in the mode list */
	char propagation[16];		/* "", "shared", "rshared", "slave", ... */
};

/*
 * mount_parse_bind - parse "src:dst[:mode]" or "dst" exactly as dockerd
 * (SplitN on ':' into at most 3 parts, absolute source = bind, mode list with
 * at most one of each option). Returns 0, or -1 with a reason for anything
 * dockerd would refuse or read differently.
 */
int mount_parse_bind(const char *raw, struct bind_spec *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * mount_resolve_host_path - the host path a mount of PATH would reach: cleaned
 * as Go's path.Clean, then with symlinks resolved in the longest prefix that
 * exists on this host (mount(2) follows them at container start: /var/run ->
 * /run). OUT is absolute and clean. -1 with a reason if PATH is not absolute
 * or too long.
 */
int mount_resolve_host_path(const char *path, char *out, size_t outlen, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * mount_path_sensitive - true when the resolved host path RESOLVED equals, is
 * under, or is an ancestor of a sensitive host path (controls.md 4.2: /, /etc,
 * /proc, any docker.sock, /run/containerd, /var/lib/docker, ...) or of one of
 * EXTRA (a profile's mounts.deny_paths, may be NULL). *which names the
 * sensitive path that matched.
 */
bool mount_path_sensitive(const char *resolved, const struct patterns *extra, const char **which);

/*
 * mount_local_opts_host - true when the local volume driver's options OPTS
 * (an object of strings: type, o, device; Go-case as sent) would mount
 * something from the host: o containing "bind", or a device that is a path
 * (block device, or any type other than tmpfs with a device), or a network
 * filesystem (nfs, cifs...). *device gets the device value (may be NULL).
 */
bool mount_local_opts_host(const cJSON *opts, const char **device);

/*
 * path_pattern_match - match host path PATH against an allowlist PATTERN:
 * "*" within one path component, "**" across components, "{user}" replaced by
 * USER. The pattern is cleaned first; both must be absolute.
 */
bool path_pattern_match(const char *pattern, const char *user, const char *path);
/* For tests: path_pattern_match without its quick no (the same answer). */
bool path_pattern_match_whole(const char *pattern, const char *user, const char *path);

#endif
