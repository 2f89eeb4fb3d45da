/* SPDX-License-Identifier: Apache-2.0 */
/*
 * profile.c - load a policy's "profiles" into struct profile (include/
 * profile.h), the built-in profiles too: they are policy text
 * (profiles_builtin.c) and go through the same code. The language is
 * specified in spec/profiles.md; policy.c calls in here with the primitives
 * of loader.h.
 *
 * Invariants (each one is a test in tests/unit/test_profile.c):
 *   1. A profile is checked as strictly as the rest of the policy. A value of
 *      the wrong type, an unknown key, a capability Linux does not have, a
 *      size in an unknown unit, a relative host path, a reversed port range:
 *      each is a "FILE:LINE:COL: message" naming the value and what was
 *      expected, and the policy is refused. Nothing is dropped or guessed,
 *      since a constraint that quietly vanished would allow what its author
 *      meant to deny.
 *   2. Values are stored the way the checkers compare them: capabilities as
 *      dockerd normalises them (upper case, without CAP_), memory in bytes,
 *      CPUs in nano-CPUs, IP addresses and port ranges in canonical form.
 *      Patterns are kept as written, "{user}" included: it is substituted at
 *      match time.
 *   3. "extends" is resolved here, once: every profile comes out complete, with
 *      its parents' keys merged in, so nothing downstream follows a chain. A
 *      key the child gives replaces the parent's wholesale; inside
 *      capabilities, mounts, ports, resources and networks, sub-key by
 *      sub-key. An unknown parent and a cycle are errors.
 *   4. Each profile owns all its memory, copied from its parent rather than
 *      shared, so freeing is one walk and nothing is freed twice. After
 *      loading nothing is written, like the rest of the policy.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "loader.h"

#define ITEM_MAX	1024		/* bytes in one entry of a list */
#define PATH_KEY_MAX	64		/* "resources.memory_max" and the like */
#define NO_PARENT	SIZE_MAX

/* ------------------------------------------------------------------------
 * Fields: the members of struct profile a key can set. "given" bitsets are
 * indexed by them, and merging walks them.
 */

enum field {
	F_NONE,
	F_PRIVILEGED, F_CAP_ADD, F_CAP_DROP_ALL, F_HOST_NAMESPACES, F_JOIN_NAMESPACES,
	F_USER, F_NO_NEW_PRIVILEGES, F_CONFINEMENT, F_READ_ONLY_ROOTFS,
	F_MOUNTS, F_BIND, F_BIND_READ_ONLY, F_VOLUME_DRIVERS, F_DENY_PATHS,
	F_DEVICES, F_PUBLISH, F_HOST_IPS, F_HOST_PORTS, F_PUBLISH_ALL,
	F_MEMORY, F_CPUS, F_PIDS, F_NET_ALLOW, F_NET_DRIVERS, F_NET_INTERNAL,
	F_LOG_DRIVERS, F_SYSCTLS, F_RUNTIMES, F_IMAGES, F_IMAGE_DIGEST,
	F_CGROUP_PARENT, F_OOM_KILL_DISABLE,
	F_COUNT
};
_Static_assert(F_COUNT <= 64, "a given bitset is a uint64_t");

enum fkind {
	FK_ALLOW,		/* struct allow */
	FK_REQUIRE,		/* struct require */
	FK_LIMIT,		/* struct limit */
	FK_PATTERNS,		/* struct patterns */
	FK_FLAG,		/* bool */
};

#define FIELD(member, kind) { offsetof(struct profile, member), kind }

static const struct {
	size_t off;
	enum fkind kind;
} fields[F_COUNT] = {
	[F_NONE] = { 0, FK_FLAG },	/* never used */
	[F_PRIVILEGED] = FIELD(privileged, FK_ALLOW),
	[F_CAP_ADD] = FIELD(cap_add, FK_ALLOW),
	[F_CAP_DROP_ALL] = FIELD(cap_drop_all, FK_REQUIRE),
	[F_HOST_NAMESPACES] = FIELD(host_namespaces, FK_ALLOW),
	[F_JOIN_NAMESPACES] = FIELD(join_namespaces, FK_ALLOW),
	[F_USER] = FIELD(user_non_root, FK_REQUIRE),
	[F_NO_NEW_PRIVILEGES] = FIELD(no_new_privileges, FK_REQUIRE),
	[F_CONFINEMENT] = FIELD(confinement, FK_REQUIRE),
	[F_READ_ONLY_ROOTFS] = FIELD(read_only_rootfs, FK_REQUIRE),
	[F_MOUNTS] = FIELD(mounts.set, FK_FLAG),
	[F_BIND] = FIELD(mounts.bind, FK_ALLOW),
	[F_BIND_READ_ONLY] = FIELD(mounts.bind_read_only, FK_REQUIRE),
	[F_VOLUME_DRIVERS] = FIELD(mounts.volume_drivers, FK_ALLOW),
	[F_DENY_PATHS] = FIELD(mounts.deny_paths, FK_PATTERNS),
	[F_DEVICES] = FIELD(devices, FK_ALLOW),
	[F_PUBLISH] = FIELD(ports.publish, FK_ALLOW),
	[F_HOST_IPS] = FIELD(ports.host_ips, FK_ALLOW),
	[F_HOST_PORTS] = FIELD(ports.host_ports, FK_ALLOW),
	[F_PUBLISH_ALL] = FIELD(ports.publish_all, FK_ALLOW),
	[F_MEMORY] = FIELD(resources.memory, FK_LIMIT),
	[F_CPUS] = FIELD(resources.cpus, FK_LIMIT),
	[F_PIDS] = FIELD(resources.pids, FK_LIMIT),
	[F_NET_ALLOW] = FIELD(networks.allow, FK_ALLOW),
	[F_NET_DRIVERS] = FIELD(networks.drivers, FK_ALLOW),
	[F_NET_INTERNAL] = FIELD(networks.internal, FK_REQUIRE),
	[F_LOG_DRIVERS] = FIELD(log_drivers, FK_ALLOW),
	[F_SYSCTLS] = FIELD(sysctls, FK_ALLOW),
	[F_RUNTIMES] = FIELD(runtimes, FK_ALLOW),
	[F_IMAGES] = FIELD(images, FK_ALLOW),
	[F_IMAGE_DIGEST] = FIELD(image_digest, FK_REQUIRE),
	[F_CGROUP_PARENT] = FIELD(cgroup_parent, FK_ALLOW),
	[F_OOM_KILL_DISABLE] = FIELD(oom_kill_disable, FK_ALLOW),
};

static void *
field_at(struct profile *p, enum field f)
{
	return (char *)p + fields[f].off;
}

static const void *
cfield_at(const struct profile *p, enum field f)
{
	return (const char *)p + fields[f].off;
}

/* ------------------------------------------------------------------------
 * Keys: what each profile key's value is, and where it goes.
 */

enum vkind {
	V_EXTENDS,		/* a profile's name */
	V_BOOL,			/* true | false, into a struct allow */
	V_ALLOW,		/* true | false | [entries] (| WORD, meaning false) */
	V_LIST,			/* [entries], into a struct patterns */
	V_REQUIRE,		/* true | false, into a struct require */
	V_WORD,			/* exactly WORD: the struct require is set and true */
	V_SIZE,			/* bytes, with a unit: struct limit */
	V_CPUS,			/* CPUs, stored as nano-CPUs: struct limit */
	V_COUNT,		/* a positive whole number: struct limit */
	V_MAP,			/* a mapping of the keys in SUB */
};

enum item {
	I_NONE,
	I_CAPABILITY,		/* a Linux capability or ALL, normalised */
	I_NAMESPACE,		/* network, pid, ipc, uts, userns, cgroupns */
	I_PATH_PATTERN,		/* an absolute host path pattern */
	I_PATH,			/* an absolute host path, no pattern characters */
	I_PATTERN,		/* a name pattern: no whitespace */
	I_IP,			/* an IP address, stored canonical */
	I_PORTS,		/* a port or a port range, stored canonical */
};

struct value {
	enum vkind kind;
	enum field field;	/* where it goes (F_NONE: V_EXTENDS, most V_MAPs) */
	enum item item;		/* V_ALLOW, V_LIST: what each entry is */
	const char *expect;	/* V_ALLOW, V_LIST: what the entries are, e.g. "...";
				 * V_SIZE, V_CPUS, V_COUNT, V_MAP: what the value is */
	const char *word;	/* V_WORD: the value; V_ALLOW: a word meaning false */
	const struct key *sub;	/* V_MAP */
	size_t nsub;
};

#define V(...)		(&(const struct value){ __VA_ARGS__ })
#define NKEYS(t)	(sizeof(t) / sizeof((t)[0]))

static const struct key capability_keys[] = {
	{ "add", 0, NULL, V(.kind = V_ALLOW, .field = F_CAP_ADD, .item = I_CAPABILITY,
			    .expect = "capabilities, e.g. [NET_BIND_SERVICE]") },
	{ "drop_all", 0, NULL, V(.kind = V_REQUIRE, .field = F_CAP_DROP_ALL) },
};

static const struct key mount_keys[] = {
	{ "bind", 0, NULL, V(.kind = V_ALLOW, .field = F_BIND, .item = I_PATH_PATTERN,
			     .word = "deny",
			     .expect = "absolute host path patterns, e.g. [\"/srv/{user}/**\"]") },
	{ "bind_read_only", 0, NULL, V(.kind = V_REQUIRE, .field = F_BIND_READ_ONLY) },
	{ "volume_drivers", 0, NULL, V(.kind = V_ALLOW, .field = F_VOLUME_DRIVERS,
				       .item = I_PATTERN,
				       .expect = "volume driver names, e.g. [local]") },
	{ "deny_paths", 0, NULL, V(.kind = V_LIST, .field = F_DENY_PATHS, .item = I_PATH,
				   .expect = "absolute host paths, e.g. [/srv/secrets]") },
};

static const struct key port_keys[] = {
	{ "publish", 0, NULL, V(.kind = V_BOOL, .field = F_PUBLISH) },
	{ "host_ips", 0, NULL, V(.kind = V_ALLOW, .field = F_HOST_IPS, .item = I_IP,
				 .expect = "IP addresses, e.g. [127.0.0.1]") },
	{ "host_ports", 0, NULL, V(.kind = V_ALLOW, .field = F_HOST_PORTS, .item = I_PORTS,
				   .expect = "ports or port ranges, e.g. [\"8000-8999\"]") },
	{ "publish_all", 0, NULL, V(.kind = V_BOOL, .field = F_PUBLISH_ALL) },
};

static const struct key resource_keys[] = {
	{ "memory_max", 0, NULL, V(.kind = V_SIZE, .field = F_MEMORY,
				   .expect = "a positive size with an optional unit b, k, m, g "
					     "or t, e.g. 512m") },
	{ "cpus_max", 0, NULL, V(.kind = V_CPUS, .field = F_CPUS,
				 .expect = "a positive number of CPUs with at most 9 decimals, "
					   "e.g. 1.5") },
	{ "pids_max", 0, NULL, V(.kind = V_COUNT, .field = F_PIDS,
				 .expect = "a positive whole number, e.g. 256") },
};

static const struct key network_keys[] = {
	{ "allow", 0, NULL, V(.kind = V_ALLOW, .field = F_NET_ALLOW, .item = I_PATTERN,
			      .expect = "network name patterns, e.g. [none, \"{user}-*\"]") },
	{ "drivers", 0, NULL, V(.kind = V_ALLOW, .field = F_NET_DRIVERS, .item = I_PATTERN,
				.expect = "network driver names, e.g. [bridge]") },
	{ "internal", 0, NULL, V(.kind = V_REQUIRE, .field = F_NET_INTERNAL) },
};

#define SUB(t)	.sub = (t), .nsub = NKEYS(t)

/* The order is the order "valid keys" lists them in: spec/profiles.md's. */
static const struct key profile_keys[] = {
	{ "extends", 0, NULL, V(.kind = V_EXTENDS) },
	{ "privileged", 0, NULL, V(.kind = V_BOOL, .field = F_PRIVILEGED) },
	{ "capabilities", 0, NULL, V(.kind = V_MAP, SUB(capability_keys),
				     .expect = "a mapping, e.g. {drop_all: true, add: "
					       "[NET_BIND_SERVICE]}") },
	{ "host_namespaces", 0, NULL, V(.kind = V_ALLOW, .field = F_HOST_NAMESPACES,
					.item = I_NAMESPACE,
					.expect = "namespaces (network, pid, ipc, uts, userns, "
						  "cgroupns)") },
	{ "join_namespaces", 0, NULL, V(.kind = V_BOOL, .field = F_JOIN_NAMESPACES) },
	{ "user", 0, NULL, V(.kind = V_WORD, .field = F_USER, .word = "non-root") },
	{ "no_new_privileges", 0, NULL, V(.kind = V_REQUIRE, .field = F_NO_NEW_PRIVILEGES) },
	{ "confinement", 0, NULL, V(.kind = V_REQUIRE, .field = F_CONFINEMENT) },
	{ "read_only_rootfs", 0, NULL, V(.kind = V_REQUIRE, .field = F_READ_ONLY_ROOTFS) },
	{ "mounts", 0, NULL, V(.kind = V_MAP, .field = F_MOUNTS, SUB(mount_keys),
			       .expect = "a mapping, e.g. {bind: deny, volume_drivers: "
					 "[local]}") },
	{ "devices", 0, NULL, V(.kind = V_ALLOW, .field = F_DEVICES, .item = I_PATH_PATTERN,
				.expect = "host device path patterns, e.g. [/dev/fuse]") },
	{ "ports", 0, NULL, V(.kind = V_MAP, SUB(port_keys),
			      .expect = "a mapping, e.g. {host_ips: [127.0.0.1]}") },
	{ "resources", 0, NULL, V(.kind = V_MAP, SUB(resource_keys),
				  .expect = "a mapping, e.g. {memory_max: 512m, cpus_max: 1, "
					    "pids_max: 256}") },
	{ "networks", 0, NULL, V(.kind = V_MAP, SUB(network_keys),
				 .expect = "a mapping, e.g. {drivers: [bridge]}") },
	{ "log_drivers", 0, NULL, V(.kind = V_ALLOW, .field = F_LOG_DRIVERS, .item = I_PATTERN,
				    .expect = "log driver names, e.g. [json-file, local]") },
	{ "sysctls", 0, NULL, V(.kind = V_ALLOW, .field = F_SYSCTLS, .item = I_PATTERN,
				.expect = "sysctl name patterns, e.g. "
					  "[net.ipv4.ping_group_range]") },
	{ "runtimes", 0, NULL, V(.kind = V_ALLOW, .field = F_RUNTIMES, .item = I_PATTERN,
				 .expect = "runtime names, e.g. [runc]") },
	{ "images", 0, NULL, V(.kind = V_ALLOW, .field = F_IMAGES, .item = I_PATTERN,
			       .expect = "image patterns, e.g. [\"registry.example.com/**\"]") },
	{ "image_digest", 0, NULL, V(.kind = V_WORD, .field = F_IMAGE_DIGEST,
				     .word = "required") },
	{ "cgroup_parent", 0, NULL, V(.kind = V_ALLOW, .field = F_CGROUP_PARENT,
				      .item = I_PATTERN,
				      .expect = "cgroup parent patterns, e.g. "
						"[\"/tenants/{user}\"]") },
	{ "oom_kill_disable", 0, NULL, V(.kind = V_BOOL, .field = F_OOM_KILL_DISABLE) },
};

_Static_assert(NKEYS(profile_keys) <= KEYS_MAX, "KEYS_MAX");

/* Linux capabilities (linux/capability.h, 0 to CAP_LAST_CAP), as dockerd
 * knows them, without the CAP_ prefix. */
static const char *const capability_names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
	"NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
	"SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
	"AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE", NULL
};

/* The namespaces host_namespaces names, one per HostConfig mode that can be
 * "host": NetworkMode, PidMode, IpcMode, UTSMode, UsernsMode, CgroupnsMode. */
static const char *const namespace_names[] = {
	"network", "pid", "ipc", "uts", "userns", "cgroupns", NULL
};

/* ------------------------------------------------------------------------
 * Patterns and profiles: copying and freeing.
 */

static void
patterns_free(struct patterns *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->items[i]);
	free(p->items);
	p->items = NULL;
	p->n = 0;
}

static int
patterns_copy(struct patterns *dst, const struct patterns *src)
{
	size_t i;

	dst->items = NULL;
	dst->n = 0;
	if (src->n == 0)
		return 0;
	dst->items = calloc(src->n, sizeof(*dst->items));
	if (dst->items == NULL)
		return -1;
	for (i = 0; i < src->n; i++) {
		dst->items[i] = strdup(src->items[i]);
		if (dst->items[i] == NULL)
			return -1;	/* the caller frees what was copied */
		dst->n++;
	}
	return 0;
}

/* Free what P owns and zero it. */
static void
profile_clear(struct profile *p)
{
	size_t i;
	int f;

	for (i = 0; p->images_compiled && i < p->images.list.n; i++)
		free(p->images_compiled[i]);
	free(p->images_compiled);
	for (f = F_NONE + 1; f < F_COUNT; f++) {
		if (fields[f].kind == FK_ALLOW)
			patterns_free(&((struct allow *)field_at(p, (enum field)f))->list);
		else if (fields[f].kind == FK_PATTERNS)
			patterns_free(field_at(p, (enum field)f));
	}
	free(p->name);
	memset(p, 0, sizeof(*p));
}

void
ld_profiles_free(struct profile *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		profile_clear(&v[i]);
	free(v);
}

/* Copy field F from SRC into DST (whose field is empty). */
static int
field_copy(struct profile *dst, const struct profile *src, enum field f)
{
	const void *from = cfield_at(src, f);
	void *to = field_at(dst, f);

	switch (fields[f].kind) {
	case FK_ALLOW: {
		const struct allow *a = from;
		struct allow *b = to;

		b->set = a->set;
		b->any = a->any;
		return patterns_copy(&b->list, &a->list);
	}
	case FK_PATTERNS:
		return patterns_copy(to, from);
	case FK_REQUIRE:
		memcpy(to, from, sizeof(struct require));
		return 0;
	case FK_LIMIT:
		memcpy(to, from, sizeof(struct limit));
		return 0;
	case FK_FLAG:
		memcpy(to, from, sizeof(bool));
		return 0;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Loading one profile.
 */

/* One entry of "profiles" while loading. */
struct def {
	const yaml_node_t *name;	/* its key */
	const yaml_node_t *extends;	/* the "extends" value, or NULL */
	struct profile own;		/* the keys the profile gives itself */
	uint64_t given;			/* bit F: own's field F was given */
	size_t parent;			/* its parent in the same mapping, or NO_PARENT */
	const struct profile *base;	/* or its built-in parent, or NULL */
	enum { D_NEW, D_VISITING, D_DONE, D_BROKEN } state;
};

/* How a message shows the value N: quoted if it is text, else what it is. */
static const char *
shown(char *buf, const yaml_node_t *n)
{
	const char *s;
	size_t len;

	if (n->type == YAML_SCALAR_NODE) {
		enum scalar_kind k = ld_scalar_kind(n);

		if (k == SK_STRING || k == SK_NUMBER) {
			s = ld_scalar(n, &len);
			return ld_quote(buf, s, len);
		}
	}
	return ld_what(n);
}

/* The boolean N holds: 1 for true, 0 for false, -1 when N is none. */
static int
boolean(const yaml_node_t *n)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };
	const char *s;
	size_t len, i;

	if (n->type != YAML_SCALAR_NODE || ld_scalar_kind(n) != SK_BOOL)
		return -1;
	s = ld_scalar(n, &len);
	for (i = 0; i < 3; i++) {
		if (ld_is(s, len, yes[i]))
			return 1;
		if (ld_is(s, len, no[i]))
			return 0;
	}
	return -1;	/* "!!bool maybe" */
}

/* The text of N if it is a string (not a number, boolean or null), else NULL. */
static const char *
word(const yaml_node_t *n, size_t *len)
{
	if (n->type != YAML_SCALAR_NODE || ld_scalar_kind(n) != SK_STRING)
		return NULL;
	return ld_scalar(n, len);
}

/* A capability as dockerd normalises it (caps.NormalizeLegacyCapabilities):
 * upper case, "ALL" as is, CAP_ added when missing; stored without CAP_.
 * NULL with *BAD after reporting an unknown one; NULL alone: out of memory. */
static char *
load_capability(struct loader *ld, const yaml_node_t *n, const char *s, size_t len,
		const char *path, bool *bad)
{
	char up[ITEM_MAX + 1], q[QUOTE_BUF];
	const char *name = up;
	size_t i;

	for (i = 0; i < len; i++)
		up[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
	up[len] = '\0';
	if (strcmp(up, "ALL") == 0)
		return strdup("ALL");
	if (strncmp(up, "CAP_", 4) == 0)
		name = up + 4;	/* "CAP_ALL" is not a capability: dockerd refuses it too */
	for (i = 0; capability_names[i] != NULL; i++)
		if (strcmp(name, capability_names[i]) == 0)
			return strdup(name);
	ld_diag(ld, n, "unknown capability %s in \"%s\" (expected a Linux capability such as "
		"NET_BIND_SERVICE, with or without CAP_, or ALL)", ld_quote(q, s, len), path);
	*bad = true;
	return NULL;
}

/* Braces only as the placeholder "{user}": "{usr}" is a typo, not text. */
static bool
placeholders_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '{' && len - i >= 6 && memcmp(s + i, "{user}", 6) == 0)
			i += 5;
		else if (s[i] == '{' || s[i] == '}')
			return false;
	}
	return true;
}

/* Check an absolute path (pattern): "/" first, no "." or ".." component. */
static bool
path_ok(struct loader *ld, const yaml_node_t *n, const char *s, size_t len, const char *path)
{
	char q[QUOTE_BUF];
	size_t i = 0, j;

	if (s[0] != '/') {
		ld_diag(ld, n, "an entry of \"%s\" must be an absolute path (starting with \"/\"), "
			"not %s", path, ld_quote(q, s, len));
		return false;
	}
	while (i < len) {
		for (; i < len && s[i] == '/'; i++)
			;
		for (j = i; j < len && s[j] != '/'; j++)
			;
		if ((j - i == 1 && s[i] == '.') || (j - i == 2 && s[i] == '.' && s[i + 1] == '.')) {
			ld_diag(ld, n, "an entry of \"%s\" must not have \".\" or \"..\" "
				"components: %s", path, ld_quote(q, s, len));
			return false;
		}
		i = j;
	}
	return true;
}

/* One port of a range: 1 to 65535, from S[*I]. */
static bool
port(const char *s, size_t len, size_t *i, unsigned long *v)
{
	size_t start = *i;

	for (*v = 0; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++) {
		*v = *v * 10 + (unsigned long)(s[*i] - '0');
		if (*v > 65535)
			return false;
	}
	return *i > start && *v > 0;
}

/* "80" or "8000-8999", lower first; stored without leading zeros, and a
 * range of one port as that port. NULL with *BAD when S is neither. */
static char *
load_ports(const char *s, size_t len, bool *bad)
{
	unsigned long lo, hi;
	size_t i = 0;
	char buf[16];

	*bad = true;
	if (!port(s, len, &i, &lo))
		return NULL;
	hi = lo;
	if (i < len && (s[i++] != '-' || !port(s, len, &i, &hi)))
		return NULL;
	if (i != len || lo > hi)
		return NULL;
	*bad = false;
	if (lo == hi)
		snprintf(buf, sizeof(buf), "%lu", lo);
	else
		snprintf(buf, sizeof(buf), "%lu-%lu", lo, hi);
	return strdup(buf);
}

/* An IPv4 or IPv6 address, stored as inet_ntop writes it ("::1"). NULL with
 * *BAD when S is none. */
static char *
load_ip(const char *s, size_t len, bool *bad)
{
	char in[INET6_ADDRSTRLEN], out[INET6_ADDRSTRLEN];
	unsigned char addr[sizeof(struct in6_addr)];
	int af = AF_INET;

	*bad = true;
	if (len >= sizeof(in))
		return NULL;
	memcpy(in, s, len);
	in[len] = '\0';
	if (inet_pton(AF_INET, in, addr) != 1) {
		af = AF_INET6;
		if (inet_pton(AF_INET6, in, addr) != 1)
			return NULL;
	}
	*bad = false;
	if (inet_ntop(af, addr, out, sizeof(out)) == NULL)
		return NULL;
	return strdup(out);
}

/*
 * load_item - one entry of a list: checked as ITEM says, and returned as
 * stored (malloc'd), or NULL after reporting.
 */
static char *
load_item(struct loader *ld, enum item item, const yaml_node_t *n, const char *path)
{
	char what[PATH_KEY_MAX + 32], q[QUOTE_BUF];
	const char *s;
	size_t len, i;
	bool paths = item == I_PATH_PATTERN || item == I_PATH, bad = false;
	char *out = NULL;

	snprintf(what, sizeof(what), "an entry of \"%s\"", path);
	s = ld_text(ld, n, what, &len);
	if (s == NULL)
		return NULL;
	if (len == 0) {
		ld_diag(ld, n, "%s must not be empty", what);
		return NULL;
	}
	if (len > ITEM_MAX) {
		ld_diag(ld, n, "%s is longer than %d bytes", what, ITEM_MAX);
		return NULL;
	}
	/* Host paths may hold spaces; names and patterns may not. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || (c == ' ' && !paths)) {
			ld_diag(ld, n, "%s must not contain %s: %s", what,
				paths ? "control characters" : "whitespace or control characters",
				ld_quote(q, s, len));
			return NULL;
		}
	}
	if ((item == I_PATTERN || item == I_PATH_PATTERN) && !placeholders_ok(s, len)) {
		ld_diag(ld, n, "%s may use braces only in the placeholder {user}: %s", what,
			ld_quote(q, s, len));
		return NULL;
	}
	switch (item) {
	case I_CAPABILITY:
		out = load_capability(ld, n, s, len, path, &bad);
		if (bad)
			return NULL;
		break;
	case I_NAMESPACE:
		for (i = 0; namespace_names[i] != NULL; i++)
			if (ld_is(s, len, namespace_names[i]))
				break;
		if (namespace_names[i] == NULL) {
			ld_diag(ld, n, "unknown namespace %s in \"%s\" (valid: network, pid, ipc, "
				"uts, userns, cgroupns)", ld_quote(q, s, len), path);
			return NULL;
		}
		out = strndup(s, len);
		break;
	case I_PATH:
		/* Compared as paths (equal, under, or an ancestor), not matched.
		 * libyaml ends every scalar with a NUL, and there is none before
		 * it: control characters were refused above. */
		if (strcspn(s, "*?[]{}") < len) {
			ld_diag(ld, n, "%s is a path, not a pattern: %s (*, ?, [, ], { and } are "
				"not allowed)", what, ld_quote(q, s, len));
			return NULL;
		}
		/* fall through */
	case I_PATH_PATTERN:
		if (!path_ok(ld, n, s, len, path))
			return NULL;
		out = strndup(s, len);
		break;
	case I_PATTERN:
		out = strndup(s, len);
		break;
	case I_IP:
		out = load_ip(s, len, &bad);
		if (bad) {
			ld_diag(ld, n, "%s must be an IP address such as 127.0.0.1 or ::1, not %s",
				what, ld_quote(q, s, len));
			return NULL;
		}
		break;
	case I_PORTS:
		out = load_ports(s, len, &bad);
		if (bad) {
			ld_diag(ld, n, "%s must be a port from 1 to 65535 or a range such as "
				"\"8000-8999\" (lower port first), not %s", what,
				ld_quote(q, s, len));
			return NULL;
		}
		break;
	case I_NONE:
		break;
	}
	/* Every NULL is reported: an entry must never just go missing. */
	if (out == NULL)
		ld_diag_file(ld, "out of memory");
	return out;
}

/* Load the entries of sequence SEQ into OUT. */
static void
load_items(struct loader *ld, const struct value *v, const yaml_node_t *seq, const char *path,
	   struct patterns *out)
{
	const yaml_node_item_t *it;
	size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	char *s;

	if (n == 0)
		return;
	out->items = calloc(n, sizeof(*out->items));
	if (out->items == NULL) {
		ld_diag_file(ld, "out of memory");
		return;
	}
	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		s = load_item(ld, v->item, ld_node(ld, *it), path);
		if (s != NULL)
			out->items[out->n++] = s;
	}
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * parse_size - S as dockerd reads a memory size (go-units RAMInBytes): a
 * decimal number, an optional space, then an optional unit b, k, m, g or t,
 * any case, the last four optionally followed by "b" or "ib"; binary
 * multiples (1k = 1024), fractions truncated to whole bytes. Stricter than
 * dockerd only in wanting a digit on both sides of a decimal point.
 */
static bool
parse_size(const char *s, size_t len, long long *out)
{
	unsigned long long whole = 0, frac = 0, scale = 1, mul = 1, total;
	size_t i = 0, start;

	for (start = i; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (whole > (unsigned long long)LLONG_MAX / 10)
			return false;
		whole = whole * 10 + (unsigned long long)(s[i] - '0');
	}
	if (i == start)
		return false;
	if (i < len && s[i] == '.') {
		for (start = ++i; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (scale < 1000000) {	/* a millionth of a terabyte is a byte */
				frac = frac * 10 + (unsigned long long)(s[i] - '0');
				scale *= 10;
			}
		}
		if (i == start)
			return false;
	}
	if (i < len && s[i] == ' ' && i + 1 < len)
		i++;	/* "512 m", but not "512 " */
	if (i < len) {
		switch (lower(s[i++])) {
		case 'b': mul = 1; break;
		case 'k': mul = 1ull << 10; break;
		case 'm': mul = 1ull << 20; break;
		case 'g': mul = 1ull << 30; break;
		case 't': mul = 1ull << 40; break;
		default: return false;
		}
		if (mul > 1 && len - i == 1 && lower(s[i]) == 'b')
			i += 1;		/* "mb" */
		else if (mul > 1 && len - i == 2 && lower(s[i]) == 'i' && lower(s[i + 1]) == 'b')
			i += 2;		/* "mib" */
	}
	if (i != len || whole > (unsigned long long)LLONG_MAX / mul)
		return false;
	total = whole * mul + frac * mul / scale;
	if (total == 0 || total > (unsigned long long)LLONG_MAX)
		return false;
	*out = (long long)total;
	return true;
}

/* S as dockerd reads --cpus (opts.NanoCPUs): exact, at most 9 decimals. */
static bool
parse_cpus(const char *s, size_t len, long long *out)
{
	long long whole = 0, frac = 0;
	size_t i, start, decimals = 0;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (whole > LLONG_MAX / 1000000000)
			return false;	/* and cannot overflow below */
		whole = whole * 10 + (s[i] - '0');
	}
	if (i == 0 || whole > (LLONG_MAX - 999999999) / 1000000000)
		return false;
	if (i < len && s[i] == '.') {
		for (start = ++i; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (++decimals > 9)
				return false;
			frac = frac * 10 + (s[i] - '0');
		}
		if (i == start)
			return false;
	}
	if (i != len)
		return false;
	for (; decimals < 9; decimals++)
		frac *= 10;
	*out = whole * 1000000000 + frac;
	return *out > 0;
}

static bool
parse_count(const char *s, size_t len, long long *out)
{
	long long v = 0;
	size_t i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (LLONG_MAX - (s[i] - '0')) / 10)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0 || i != len || v == 0)
		return false;
	*out = v;
	return true;
}

static void load_map(struct loader *ld, struct def *d, const struct key *table, size_t nkeys,
		     const yaml_node_t *map, const char *path);

/* Load the value N of key K (PARENT.K when PARENT is not NULL) into D. */
static void
load_value(struct loader *ld, struct def *d, const struct key *k, const yaml_node_t *n,
	   const char *parent)
{
	const struct value *v = k->value;
	char path[PATH_KEY_MAX], q[QUOTE_BUF];
	const char *s;
	size_t len;
	int b;
	long long max = 0;
	bool ok = false;

	snprintf(path, sizeof(path), "%s%s%s", parent ? parent : "", parent ? "." : "", k->name);
	if (v->field != F_NONE)
		d->given |= (uint64_t)1 << v->field;
	switch (v->kind) {
	case V_EXTENDS:
		if (ld_text(ld, n, "\"extends\"", &len) != NULL)
			d->extends = n;
		return;
	case V_BOOL:
	case V_ALLOW: {
		struct allow *a = field_at(&d->own, v->field);

		if ((b = boolean(n)) >= 0) {
			a->set = true;
			a->any = b == 1;
		} else if (v->word != NULL && (s = word(n, &len)) != NULL &&
			   ld_is(s, len, v->word)) {
			a->set = true;
		} else if (v->kind == V_ALLOW && n->type == YAML_SEQUENCE_NODE) {
			a->set = true;
			load_items(ld, v, n, path, &a->list);
		} else if (v->kind == V_BOOL) {
			ld_diag(ld, n, "\"%s\" must be true or false, not %s", path, shown(q, n));
		} else {
			ld_diag(ld, n, "\"%s\" must be %s%strue, false or a sequence of %s, not %s",
				path, v->word ? v->word : "", v->word ? ", " : "", v->expect,
				shown(q, n));
		}
		return;
	}
	case V_LIST:
		if (n->type == YAML_SEQUENCE_NODE)
			load_items(ld, v, n, path, field_at(&d->own, v->field));
		else
			ld_diag(ld, n, "\"%s\" must be a sequence of %s, not %s", path, v->expect,
				shown(q, n));
		return;
	case V_REQUIRE:
	case V_WORD: {
		struct require *r = field_at(&d->own, v->field);

		if (v->kind == V_REQUIRE && (b = boolean(n)) >= 0) {
			r->set = true;
			r->value = b == 1;
		} else if (v->kind == V_WORD && (s = word(n, &len)) != NULL &&
			   ld_is(s, len, v->word)) {
			r->set = true;
			r->value = true;
		} else if (v->kind == V_REQUIRE) {
			ld_diag(ld, n, "\"%s\" must be true or false, not %s", path, shown(q, n));
		} else {
			ld_diag(ld, n, "\"%s\" must be %s, not %s", path, v->word, shown(q, n));
		}
		return;
	}
	case V_SIZE:
	case V_CPUS:
	case V_COUNT: {
		struct limit *l = field_at(&d->own, v->field);

		if (n->type == YAML_SCALAR_NODE && ld_scalar_kind(n) != SK_NULL &&
		    ld_scalar_kind(n) != SK_BOOL) {
			s = ld_scalar(n, &len);
			ok = v->kind == V_SIZE ? parse_size(s, len, &max) :
			     v->kind == V_CPUS ? parse_cpus(s, len, &max) :
			     parse_count(s, len, &max);
		}
		if (ok) {
			l->set = true;
			l->max = max;
		} else {
			ld_diag(ld, n, "\"%s\" must be %s, not %s", path, v->expect, shown(q, n));
		}
		return;
	}
	case V_MAP:
		if (v->field == F_MOUNTS)
			d->own.mounts.set = true;	/* "mounts: {}" too: sensitive paths */
		if (n->type != YAML_MAPPING_NODE) {
			ld_diag(ld, n, "\"%s\" must be %s, not %s", path, v->expect, shown(q, n));
			return;
		}
		load_map(ld, d, v->sub, v->nsub, n, path);
		return;
	}
}

/* Load mapping MAP of TABLE's keys (those of a profile when PATH is NULL). */
static void
load_map(struct loader *ld, struct def *d, const struct key *table, size_t nkeys,
	 const yaml_node_t *map, const char *path)
{
	yaml_node_t *v[KEYS_MAX];
	char where[PATH_KEY_MAX + 8];
	size_t i;

	if (path != NULL)
		snprintf(where, sizeof(where), " in \"%s\"", path);
	else
		snprintf(where, sizeof(where), " in a profile");
	ld_sort_keys(ld, map, table, nkeys, where, v);
	for (i = 0; i < nkeys; i++)
		if (v[i] != NULL)
			load_value(ld, d, &table[i], v[i], path);
}

/* ------------------------------------------------------------------------
 * Names, "extends" and merging.
 */

static const struct profile *
find_builtin(const struct loader *ld, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < ld->nbuiltins; i++)
		if (ld->builtins[i].name != NULL && ld_is(s, len, ld->builtins[i].name))
			return &ld->builtins[i];
	return NULL;
}

static void
unknown_profile(struct loader *ld, const yaml_node_t *n, const char *s, size_t len,
		const char *where)
{
	char q[QUOTE_BUF], names[128];
	size_t i, w = 0;

	names[0] = '\0';
	for (i = 0; i < ld->nbuiltins && w < sizeof(names); i++)
		if (ld->builtins[i].name != NULL)
			w += (size_t)snprintf(names + w, sizeof(names) - w, "%s%s", w ? ", " : "",
					      ld->builtins[i].name);
	ld_diag(ld, n, "unknown profile %s%s (neither a built-in profile (%s) nor one defined "
		"under \"profiles\")", ld_quote(q, s, len), where, w ? names : "none");
}

/* Check the name of profile I and enter it; false when it is unusable. */
static bool
load_name(struct loader *ld, struct def *defs, size_t i)
{
	const yaml_node_t *n = defs[i].name;
	char q[QUOTE_BUF];
	const char *s;
	size_t len, old, j;
	int rc;

	s = ld_text(ld, n, "a profile name", &len);
	if (s == NULL)
		return false;
	for (j = 0; j < len && (unsigned char)s[j] > ' ' && s[j] != 0x7f; j++)
		;
	if (len == 0 || len > POLICY_NAME_MAX || j < len) {
		ld_diag(ld, n, "invalid profile name %s: %s", ld_quote(q, s, len),
			len == 0 ? "it is empty" : len > POLICY_NAME_MAX ?
			"it is longer than 256 bytes" :
			"names cannot contain whitespace or control characters");
		return false;
	}
	if (find_builtin(ld, s, len) != NULL) {
		ld_diag(ld, n, "%s is the name of a built-in profile: choose another name (a "
			"profile can extend it)", ld_quote(q, s, len));
		return false;
	}
	rc = ld_strtab_put(&ld->profile_names, s, len, i, &old);
	if (rc < 0) {
		ld_diag_file(ld, "out of memory");
		return false;
	}
	if (rc > 0) {
		ld_diag(ld, n, "duplicate key %s (first at line %u)", ld_quote(q, s, len),
			(unsigned)defs[old].name->start_mark.line + 1);
		return false;
	}
	return true;
}

/* Find the parent each "extends" names. */
static void
link_parents(struct loader *ld, struct def *defs, size_t n)
{
	const struct slot *slot;
	const char *s;
	size_t i, len;

	for (i = 0; i < n; i++) {
		defs[i].parent = NO_PARENT;
		if (defs[i].extends == NULL)
			continue;
		s = ld_scalar(defs[i].extends, &len);
		slot = ld_strtab_find(&ld->profile_names, s, len);
		if (slot != NULL)
			defs[i].parent = slot->val;
		else if ((defs[i].base = find_builtin(ld, s, len)) == NULL) {
			unknown_profile(ld, defs[i].extends, s, len, " in \"extends\"");
			defs[i].state = D_BROKEN;
		}
	}
}

/* Report the cycle through profile J, at its "extends". */
static void
report_cycle(struct loader *ld, const struct def *defs, size_t j)
{
	char buf[512], q[QUOTE_BUF];
	size_t k = j, w = 0, len;
	const char *s;

	do {
		s = ld_scalar(defs[k].name, &len);
		if (sizeof(buf) - w < QUOTE_BUF + 8) {
			w += (size_t)snprintf(buf + w, sizeof(buf) - w, " -> ...");
			break;
		}
		w += (size_t)snprintf(buf + w, sizeof(buf) - w, "%s -> ", ld_quote(q, s, len));
		k = defs[k].parent;
	} while (k != j);
	if (k == j) {
		s = ld_scalar(defs[j].name, &len);
		snprintf(buf + w, sizeof(buf) - w, "%s", ld_quote(q, s, len));
	}
	ld_diag(ld, defs[j].extends, "\"extends\" makes a cycle: %s", buf);
}

/* OUT = BASE with the keys D gives replacing BASE's; named after D. A
 * parent's "mounts" (sensitive paths denied) thus holds in every child: a
 * child's own mounts.set, when it gives "mounts", is true too. */
static int
merge(struct loader *ld, struct profile *out, const struct profile *base, const struct def *d)
{
	const struct profile *src;
	size_t len;
	const char *s = ld_scalar(d->name, &len);
	int f;

	out->name = strndup(s, len);
	if (out->name == NULL)
		return -1;
	if (!ld->builtin) {
		out->line = (unsigned)d->name->start_mark.line + 1;
		out->col = (unsigned)d->name->start_mark.column + 1;
	}
	for (f = F_NONE + 1; f < F_COUNT; f++) {
		src = (d->given >> f) & 1 ? &d->own : base;
		if (src != NULL && field_copy(out, src, (enum field)f) != 0)
			return -1;
	}
	return 0;
}

/*
 * resolve - merge every profile with its ancestors, each once, in an order
 * where a parent comes before its children: from each profile not yet done,
 * walk up to the first ancestor that is (or to the top), then merge back
 * down. Iterative, so a long chain cannot exhaust the stack.
 */
static void
resolve(struct loader *ld, struct def *defs, size_t n)
{
	size_t *chain, depth, i, j, k;
	const struct profile *base;
	bool broken;

	chain = malloc(n * sizeof(*chain));
	if (chain == NULL) {
		ld_diag_file(ld, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		depth = 0;
		for (j = i; j != NO_PARENT && defs[j].state == D_NEW; j = defs[j].parent) {
			defs[j].state = D_VISITING;
			chain[depth++] = j;
		}
		if (j != NO_PARENT && defs[j].state == D_VISITING)
			report_cycle(ld, defs, j);
		broken = j != NO_PARENT && defs[j].state != D_DONE;
		while (depth > 0) {
			k = chain[--depth];
			defs[k].state = D_BROKEN;
			if (broken)
				continue;	/* reported where it broke */
			base = defs[k].parent != NO_PARENT ? &ld->profiles[defs[k].parent] :
			       defs[k].base;
			if (merge(ld, &ld->profiles[k], base, &defs[k]) != 0) {
				ld_diag_file(ld, "out of memory");
				broken = true;
				continue;
			}
			defs[k].state = D_DONE;
		}
	}
	free(chain);
}

/*
 * Compile P's image patterns once, here, rather than split and check each
 * one on every create (image_pattern_compile). A pattern with "{user}" is
 * left to be expanded per call; one that does not compile, to
 * image_pattern_match, which refuses it the same way.
 */
static int
compile_images(struct profile *p)
{
	const struct patterns *l = &p->images.list;
	size_t i;

	if (l->n == 0)
		return 0;
	p->images_compiled = calloc(l->n, sizeof(*p->images_compiled));
	if (p->images_compiled == NULL)
		return -1;
	for (i = 0; i < l->n; i++)
		if (strstr(l->items[i], "{user}") == NULL)
			p->images_compiled[i] = image_pattern_compile(l->items[i]);
	return 0;
}

/* ------------------------------------------------------------------------
 * The interface (loader.h).
 */

void
ld_load_profiles(struct loader *ld, const yaml_node_t *map)
{
	const yaml_node_pair_t *pair;
	struct def *defs;
	char q[QUOTE_BUF], q2[QUOTE_BUF];
	size_t n, i;

	if (map->type != YAML_MAPPING_NODE) {
		ld_diag(ld, map, "\"profiles\" must be a mapping of profile names to profiles, "
			"not %s", ld_what(map));
		ld->profiles_broken = true;
		return;
	}
	n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	if (n == 0)
		return;
	ld->profiles = calloc(n, sizeof(*ld->profiles));
	defs = calloc(n, sizeof(*defs));
	if (ld->profiles == NULL || defs == NULL) {
		free(defs);
		ld_diag_file(ld, "out of memory");
		ld->profiles_broken = true;
		return;
	}
	ld->nprofiles = n;	/* all of them, so that freeing sees every one */
	for (pair = map->data.mapping.pairs.start, i = 0; i < n; pair++, i++) {
		const yaml_node_t *v = ld_node(ld, pair->value);

		defs[i].name = ld_node(ld, pair->key);
		if (!load_name(ld, defs, i))
			defs[i].state = D_BROKEN;
		/* The body is checked even under a bad name: every problem counts. */
		if (v->type != YAML_MAPPING_NODE) {
			size_t len;
			const char *s = defs[i].name->type == YAML_SCALAR_NODE ?
					ld_scalar(defs[i].name, &len) : (len = 0, "");

			ld_diag(ld, v, "profile %s must be a mapping, e.g. {extends: restricted}, "
				"not %s", ld_quote(q, s, len), shown(q2, v));
			defs[i].state = D_BROKEN;
			continue;
		}
		load_map(ld, &defs[i], profile_keys, NKEYS(profile_keys), v, NULL);
	}
	link_parents(ld, defs, n);
	resolve(ld, defs, n);
	for (i = 0; i < n; i++) {
		profile_clear(&defs[i].own);
		if (compile_images(&ld->profiles[i]) != 0)
			ld_diag_file(ld, "out of memory");
	}
	free(defs);
}

const struct profile *
ld_rule_profile(struct loader *ld, const yaml_node_t *n)
{
	const struct profile *p;
	const struct slot *slot;
	const char *s;
	size_t len;

	s = ld_text(ld, n, "\"profile\"", &len);
	if (s == NULL)
		return NULL;
	slot = ld_strtab_find(&ld->profile_names, s, len);
	if (slot != NULL)
		return &ld->profiles[slot->val];
	p = find_builtin(ld, s, len);
	if (p == NULL && !ld->profiles_broken)
		unknown_profile(ld, n, s, len, "");
	return p;
}
