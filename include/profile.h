/* SPDX-License-Identifier: Apache-2.0 */
/*
 * profile.h - a profile: the constraints a rule puts on request bodies
 * (contract.md "Profile keys"). Loaded once with the policy, immutable after.
 *
 * Every key is optional; an absent key leaves that aspect unconstrained.
 * The zero value of every member means "absent".
 */
#ifndef PORTCULLIS_PROFILE_H
#define PORTCULLIS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

struct image_pattern;

/* Shell-style glob patterns (fnmatch, flags 0). "{user}" in a pattern stands
 * for the caller's name and is substituted at match time. */
struct patterns {
	char **items;
	size_t n;
};

/*
 * An allowance: a key given as a boolean or as a list of patterns.
 *   absent         set = false                      unconstrained
 *   true           set = true, any = true            anything allowed
 *   false / []     set = true, any = false, n = 0    nothing allowed
 *   [p1, p2]       set = true, any = false, n = 2    only what matches
 */
struct allow {
	bool set;
	bool any;
	struct patterns list;
};

/* A required property: `key: true` makes it required. */
struct require {
	bool set;
	bool value;
};

/* A numeric ceiling; also makes the limit itself required (absent, 0 or
 * negative, which dockerd reads as unlimited, fails it). */
struct limit {
	bool set;
	long long max;		/* bytes for memory, nano-CPUs for cpus, count for pids */
};

struct profile {
	char *name;
	unsigned line, col;		/* where it is defined (0 for built-ins) */

	struct allow privileged;	/* privileged: false */
	struct allow cap_add;		/* capabilities.add: [NET_BIND_SERVICE] (names without CAP_, upper case) */
	struct require cap_drop_all;	/* capabilities.drop_all: true */
	struct allow host_namespaces;	/* host_namespaces: false | [network, pid, ipc, uts, userns, cgroupns] */
	struct allow join_namespaces;	/* join_namespaces: false (container:<x> modes, VolumesFrom) */
	struct require user_non_root;	/* user: non-root */
	struct require no_new_privileges;	/* no_new_privileges: true */
	struct require confinement;	/* confinement: true (no seccomp/apparmor/label opt-outs, masked /proc) */
	struct require read_only_rootfs;	/* read_only_rootfs: true */

	struct {
		struct allow bind;	/* mounts.bind: deny | [host path patterns] */
		struct require bind_read_only;
		struct allow volume_drivers;	/* mounts.volume_drivers: [local] */
		struct patterns deny_paths;	/* added to the built-in sensitive paths */
		bool set;		/* any mounts key given: sensitive paths are then denied */
	} mounts;

	struct allow devices;		/* devices: false | [host device path patterns] */

	struct {
		struct allow publish;	/* ports.publish: false */
		struct allow host_ips;	/* ports.host_ips: [127.0.0.1] */
		struct allow host_ports;	/* ports.host_ports: ["8000-8999"] (ranges as text) */
		struct allow publish_all;	/* ports.publish_all: false */
	} ports;

	struct {
		struct limit memory;	/* resources.memory_max: 512m */
		struct limit cpus;	/* resources.cpus_max: 1.5 (stored as nano-CPUs) */
		struct limit pids;	/* resources.pids_max: 256 */
	} resources;

	struct {
		struct allow allow;	/* networks.allow: [none, "{user}-*"] */
		struct allow drivers;	/* networks.drivers: [bridge] */
		struct require internal;	/* networks.internal: true */
	} networks;

	struct allow log_drivers;	/* log_drivers: [json-file, local] */
	struct allow sysctls;		/* sysctls: false | [net.ipv4.ping_group_range] */
	struct allow runtimes;		/* runtimes: [runc] */
	struct allow images;		/* images: ["bb:*", "registry.example.com/..."] */
	struct image_pattern **images_compiled;	/* images.list[i] compiled at load (image.h);
						 * NULL where it has "{user}" (expanded per
						 * call) or does not compile */
	struct require image_digest;	/* image_digest: required */
	struct allow cgroup_parent;	/* cgroup_parent: false | [patterns] */
	struct allow oom_kill_disable;	/* oom_kill_disable: false */
};

#endif
