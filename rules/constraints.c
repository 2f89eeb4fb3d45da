/* SPDX-License-Identifier: Apache-2.0 */
/*
 * constraints.c - check what a request would configure (body.c's facts)
 * against the profile of the rule that matched. spec/constraints.md lists
 * every key, the fields it reads on each endpoint, and the exact messages.
 *
 * One function per profile key, run in table order; each adds one reason per
 * violation, naming the field as the API spells it, the value and the limit,
 * and ending with "(profile NAME)". Invariants (each is a test):
 *   - a body the endpoint needs that cannot be read as dockerd reads it
 *     denies (-1): missing, oversized, not JSON, ambiguous, mistyped;
 *   - values are compared after dockerd's own normalisation (capabilities
 *     upper-cased with CAP_ optional, SecurityOpt "=" and ":" forms with
 *     last-wins, host paths cleaned and symlinks resolved), never as sent;
 *   - what cannot be decided from the request (a lookup, the image's user)
 *     fails the constraint rather than passing it;
 *   - plugin management and swarm membership are denied under any profile.
 * Work is linear in the body: every loop runs over a parsed array, and
 * pattern matching is O(pattern x value) with no backtracking blow-up.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "body.h"
#include "constraints.h"
#include "lookup.h"
#include "image.h"
#include "json.h"
#include "mounts.h"
#include "text.h"

#define SHOW_MAX	80	/* bytes of a request value quoted in a reason */
#define SHOW_BUF	(SHOW_MAX + 8)
#define LIST_BUF	160	/* an allowlist as shown in a reason */
#define PATTERN_BUF	512	/* a pattern with {user} substituted */
#define CAP_BUF		64

struct check {
	const struct profile *p;
	const struct request *rq;
	const struct facts *f;
	const struct fact_names *n;
	struct decision *d;
	const char *user;	/* {user} in patterns */
	unsigned violations;
	bool unreadable;	/* a value dockerd would refuse or read otherwise */
	char suffix[96];	/* " (profile NAME)", built at the first reason */
	size_t suffix_len;
};

/* ---------------------------------------------------------------- reasons */

/* Cut BUF at LEN bytes (LEN < strlen) without splitting a UTF-8 sequence and
 * mark the cut with "...": BUF must have room for LEN + 4 bytes. */
static void cut(char *buf, size_t len)
{
	while (len > 0 && ((unsigned char)buf[len] & 0xC0) == 0x80)
		len--;
	memcpy(buf + len, "...", 4);
}

/* A request value made fit for a reason: bounded, control bytes as '?'. The
 * body is valid UTF-8 (json_parse_strict), so other bytes are kept. */
static const char *show(char buf[SHOW_BUF], const char *s)
{
	size_t i;

	if (s == NULL)
		s = "";
	for (i = 0; s[i] && i < SHOW_BUF - 1; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7F) ? '?' : s[i];
	buf[i] = '\0';
	if (i > SHOW_MAX)
		cut(buf, SHOW_MAX);
	return buf;
}

static void vreason(struct check *c, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vreason(struct check *c, const char *fmt, va_list ap)
{
	char *reason = decision_next_reason(c->d), name[65];
	size_t room, len;
	int n;

	if (reason == NULL)
		return;		/* past the reasons a decision keeps */
	if (c->suffix_len == 0) {
		text_join(name, sizeof(name), c->p->name ? c->p->name : "", NULL);
		text_join(c->suffix, sizeof(c->suffix), " (profile ", name, ")", NULL);
		c->suffix_len = strlen(c->suffix);
	}
	/* the suffix always survives: the message is cut instead */
	room = DECISION_REASON_LEN - c->suffix_len;
	n = text_vformat(reason, room, fmt, ap);
	if (n < 0) {
		reason[0] = '\0';
		len = 0;
	} else if ((size_t)n >= room) {
		cut(reason, room - 4);
		len = strlen(reason);
	} else {
		len = (size_t)n;
	}
	memcpy(reason + len, c->suffix, c->suffix_len + 1);
}

/* One violation of the profile. */
static void violate(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void violate(struct check *c, const char *fmt, ...)
{
	va_list ap;

	c->violations++;
	va_start(ap, fmt);
	vreason(c, fmt, ap);
	va_end(ap);
}

/* A value dockerd would refuse or could read differently: cannot be checked. */
static void unreadable(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void unreadable(struct check *c, const char *fmt, ...)
{
	va_list ap;

	c->unreadable = true;
	va_start(ap, fmt);
	vreason(c, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- patterns */

/* One pattern element at P against byte C: '?', '[...]', '\x' or a literal.
 * *LEN gets the element's length in P. */
static bool elem_match(const char *p, unsigned char c, size_t *len)
{
	const char *q;
	bool neg = false, hit = false;

	switch (*p) {
	case '\0':
		return false;
	case '?':
		*len = 1;
		return true;
	case '\\':
		if (p[1] == '\0')
			break;
		*len = 2;
		return (unsigned char)p[1] == c;
	case '[':
		q = p + 1;
		if (*q == '!' || *q == '^') {
			neg = true;
			q++;
		}
		for (const char *first = q; *q && (*q != ']' || q == first); q++) {
			unsigned char lo = (unsigned char)*q, hi = lo;

			if (q[1] == '-' && q[2] && q[2] != ']') {
				hi = (unsigned char)q[2];
				q += 2;
			}
			if (c >= lo && c <= hi)
				hit = true;
		}
		if (*q != ']')
			break;		/* no closing bracket: a literal '[' */
		*len = (size_t)(q + 1 - p);
		return hit != neg;
	}
	*len = 1;
	return (unsigned char)*p == c;
}

/*
 * glob - does S match shell pattern P ('*', '?', '[...]', '\' escapes), as
 * fnmatch(P, S, 0)? Greedy with one backtrack point, so O(|P| * |S|) on any
 * input, where fnmatch backtracks exponentially in the number of '*'.
 */
static bool glob(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;
	size_t len;

	while (*s) {
		if (*p == '*') {
			star = ++p;
			resume = s;
		} else if (elem_match(p, (unsigned char)*s, &len)) {
			p += len;
			s++;
		} else if (star) {
			p = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* PAT with "{user}" replaced by USER into OUT; with ESCAPE, glob characters
 * of the user name are escaped so a name can never widen a pattern. */
static int expand(const char *pat, const char *user, bool escape, char *out, size_t outlen)
{
	size_t w = 0;

	while (*pat) {
		if (*pat == '{' && strncmp(pat, "{user}", 6) == 0) {
			const char *u;

			for (u = user ? user : ""; *u; u++) {
				if (escape && strchr("*?[]\\", *u) && w + 1 < outlen)
					out[w++] = '\\';
				if (w + 1 >= outlen)
					return -1;
				out[w++] = *u;
			}
			pat += 6;
			continue;
		}
		if (w + 1 >= outlen)
			return -1;
		out[w++] = *pat++;
	}
	out[w] = '\0';
	return 0;
}

static bool forbids(const struct allow *a)
{
	return a->set && !a->any;
}

/* Does allowance A allow name S? Unconstrained and "true" allow everything. */
static bool allowed(const struct check *c, const struct allow *a, const char *s)
{
	char pat[PATTERN_BUF];
	size_t i;

	if (!forbids(a))
		return true;
	for (i = 0; i < a->list.n; i++)
		if (expand(a->list.items[i], c->user, true, pat, sizeof(pat)) == 0 && glob(pat, s))
			return true;
	return false;
}

/* The allowlist as shown to the user: "a, b", or "none". */
static const char *list_text(const struct check *c, const struct allow *a, char buf[LIST_BUF])
{
	char item[PATTERN_BUF];
	size_t i, w = 0;

	buf[0] = '\0';
	for (i = 0; i < a->list.n; i++) {
		int n;

		if (expand(a->list.items[i], c->user, false, item, sizeof(item)) != 0)
			text_join(item, sizeof(item), a->list.items[i], NULL);
		n = text_format(buf + w, LIST_BUF - w, "%s%s", i ? ", " : "", item);
		if (n < 0 || (size_t)n >= LIST_BUF - w) {
			cut(buf, LIST_BUF - 4);
			return buf;
		}
		w += (size_t)n;
	}
	return w ? buf : "none";
}

/* SUBJECT against allowance A: "SUBJECT is not allowed" when A allows
 * nothing, "SUBJECT, allowed: x, y" otherwise. */
static void refuse(struct check *c, const struct allow *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void refuse(struct check *c, const struct allow *a, const char *fmt, ...)
{
	char subject[DECISION_REASON_LEN], list[LIST_BUF];
	va_list ap;

	va_start(ap, fmt);
	text_vformat(subject, sizeof(subject), fmt, ap);
	va_end(ap);
	if (a->list.n == 0)
		violate(c, "%s is not allowed", subject);
	else
		violate(c, "%s, allowed: %s", subject, list_text(c, a, list));
}

/* ---------------------------------------------------------------- Go and dockerd semantics */

/* versions.LessThan(v, "MAJOR.MINOR"): dot-separated numbers compared in
 * turn. No version prefix means the daemon's own API, never older. */
static bool api_before(const char *v, long major, long minor)
{
	long want[2] = { major, minor };
	int i;

	if (v == NULL)
		return false;
	for (i = 0; i < 2; i++) {
		char *end;
		long got = strtol(v, &end, 10);

		if (got != want[i])
			return got < want[i];
		v = *end == '.' ? end + 1 : end;
	}
	return false;
}

/* strconv.ParseBool. */
static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* strconv.Atoi: optional sign, decimal digits, within int64. */
static bool go_atoi(const char *s, size_t len, long long *out)
{
	size_t i = 0;
	long long v = 0;
	bool neg = false;

	if (len > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i++;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (LLONG_MAX - 9) / 10)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = neg ? -v : v;
	return true;
}

/*
 * A capability as dockerd normalises it (caps.NormalizeLegacyCapabilities):
 * Go's strings.ToUpper, then "CAP_" added when missing; we keep the name
 * without the prefix, as profiles store it. ToUpper maps two non-ASCII runes
 * onto ASCII: U+017F (long s) to S and U+0131 (dotless i) to I, so
 * "\u017fys_admin" is SYS_ADMIN to dockerd and to us. "ALL" stays "ALL".
 */
static int cap_normalize(const char *in, char out[CAP_BUF])
{
	const unsigned char *s = (const unsigned char *)in;
	size_t w = 0;

	while (*s) {
		unsigned char c = *s++;

		if (c == 0xC5 && *s == 0xBF) {
			c = 'S';
			s++;
		} else if (c == 0xC4 && *s == 0xB1) {
			c = 'I';
			s++;
		} else if (c >= 'a' && c <= 'z') {
			c = (unsigned char)(c - 32);
		}
		if (w + 1 >= CAP_BUF)
			return -1;
		out[w++] = (char)c;
	}
	out[w] = '\0';
	if (strncmp(out, "CAP_", 4) == 0)
		memmove(out, out + 4, w - 3);
	return 0;
}

/* Does a CapAdd/CapDrop list hold dockerd's magic "ALL" (any case)? */
static bool caps_have_all(const cJSON *caps)
{
	const cJSON *it;
	char name[CAP_BUF];

	for (it = caps ? caps->child : NULL; it; it = it->next)
		if (strlen(it->valuestring) == 3 && cap_normalize(it->valuestring, name) == 0 &&
		    strcmp(name, "ALL") == 0)
			return true;
	return false;
}

/*
 * One SecurityOpt entry split as parseSecurityOpt does: the bare options
 * "no-new-privileges", "writable-cgroups" and "disable" first, then the key
 * before the first '=', or else before the first ':' (deprecated, still
 * accepted). Keys are case-sensitive. VALUE is NULL for bare options.
 */
struct secopt {
	const char *key;
	size_t klen;
	const char *value;
};

static void secopt_split(const char *opt, struct secopt *o)
{
	const char *sep = NULL;

	if (strcmp(opt, "no-new-privileges") != 0 && strcmp(opt, "writable-cgroups") != 0 &&
	    strcmp(opt, "disable") != 0) {
		sep = strchr(opt, '=');
		if (sep == NULL)
			sep = strchr(opt, ':');
	}
	o->key = opt;
	o->klen = sep ? (size_t)(sep - opt) : strlen(opt);
	o->value = sep ? sep + 1 : NULL;
}

static bool key_is(const struct secopt *o, const char *key)
{
	return o->klen == strlen(key) && strncmp(o->key, key, o->klen) == 0;
}

/* 536870912 -> "512m", as docker's --memory spells sizes. */
static const char *human_bytes(char buf[32], long long v)
{
	static const struct {
		long long unit;
		char suffix;
	} units[] = { { 1LL << 40, 't' }, { 1LL << 30, 'g' }, { 1LL << 20, 'm' }, { 1LL << 10, 'k' } };
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (v > 0 && v % units[i].unit == 0) {
			text_format(buf, 32, "%lld%c", v / units[i].unit, units[i].suffix);
			return buf;
		}
	text_format(buf, 32, "%lld", v);
	return buf;
}

/* 1500000000 nano-CPUs -> "1.5". */
static const char *human_cpus(char buf[32], long long nano)
{
	long long frac = nano % 1000000000LL;
	char digits[24], point[11];
	size_t n = text_append(buf, 32, 0, text_decimal(digits, nano / 1000000000LL)), i;

	if (frac > 0) {
		point[0] = '.';
		for (i = 9; i >= 1; i--, frac /= 10)
			point[i] = (char)('0' + frac % 10);
		for (i = 10; point[i - 1] == '0'; i--)
			;	/* no trailing zeros: "1.5", not "1.500000000" */
		point[i] = '\0';
		text_append(buf, 32, n, point);
	}
	return buf;
}

/* Field of a facts or names struct by offset (the namespace tables). */
#define STR_AT(base, off) (*(const char *const *)((const char *)(base) + (off)))

/* ---------------------------------------------------------------- refused outright */

/* A plugin is root code with the privileges it asks for, and swarm
 * membership lets another manager schedule tasks here that this plugin never
 * sees (protocol.md 3.8, 3.9): no profile can make either safe. */
static const char *forbidden_action(enum action a)
{
	switch (a) {
	case ACTION_PluginPull:
	case ACTION_PluginUpgrade:
	case ACTION_PluginSet:
	case ACTION_PluginEnable:
	case ACTION_PluginDisable:
	case ACTION_PluginDelete:
	case ACTION_PluginCreate:
	case ACTION_PluginPush:
		return "plugin management is";
	case ACTION_SwarmInit:
	case ACTION_SwarmJoin:
		return "creating or joining a swarm is";
	default:
		return NULL;
	}
}

/* A service whose tasks are plugins installs one on every node. */
static void check_task_runtime(struct check *c)
{
	const struct facts *f = c->f;
	char v[SHOW_BUF];

	if (f->kind != BODY_SERVICE)
		return;
	if (f->plugin_spec)
		violate(c, "TaskTemplate.PluginSpec installs a plugin on every node, which is not "
			"allowed under a profile");
	else if (f->task_runtime && *f->task_runtime && strcmp(f->task_runtime, "container") != 0)
		violate(c, "TaskTemplate.Runtime=%s is not allowed under a profile",
			show(v, f->task_runtime));
}

/* ---------------------------------------------------------------- privileged, capabilities */

static bool privileged(const struct check *c)
{
	return c->n->privileged && c->f->privileged.value;
}

/* Privileged=true also means every capability, no confinement and every
 * device. When the profile refuses Privileged itself, that one reason says
 * it all: the others would only crowd independent ones out of the decision. */
static bool privileged_unreported(const struct check *c)
{
	return privileged(c) && !forbids(&c->p->privileged);
}

static void check_privileged(struct check *c)
{
	if (forbids(&c->p->privileged) && privileged(c))
		violate(c, "%s=true is not allowed", c->n->privileged);
}

/*
 * capabilities.add: every CapAdd entry, normalised, must be allowed;
 * Privileged=true means every capability (TweakCapabilities ignores CapAdd
 * and CapDrop then). capabilities.drop_all: CapDrop must hold ALL, and CapAdd
 * ALL (which dockerd applies over any drop) defeats it.
 */
static void check_capabilities(struct check *c)
{
	const struct allow *add = &c->p->cap_add;
	const cJSON *it;
	char list[LIST_BUF], name[CAP_BUF], v[SHOW_BUF];
	bool add_refuses_all = false;

	if (forbids(add)) {
		add_refuses_all = !allowed(c, add, "ALL");
		if (privileged(c)) {
			if (privileged_unreported(c))
				violate(c, "%s=true grants all capabilities, allowed: %s",
					c->n->privileged, list_text(c, add, list));
		} else if (c->n->cap_add)
			for (it = c->f->cap_add ? c->f->cap_add->child : NULL; it; it = it->next) {
				/* too long for any capability: dockerd refuses it, so do we */
				if (cap_normalize(it->valuestring, name) != 0)
					text_format(name, sizeof(name), "%.*s...", CAP_BUF - 8,
						    it->valuestring);
				else if (allowed(c, add, name))
					continue;
				violate(c, "%s contains %s, allowed: %s", c->n->cap_add, show(v, name),
					list_text(c, add, list));
			}
	}
	if (!c->p->cap_drop_all.set || !c->p->cap_drop_all.value)
		return;
	if (privileged(c)) {
		if (!forbids(add) && privileged_unreported(c))	/* else reported already */
			violate(c, "%s=true grants all capabilities; capabilities.drop_all requires "
				"dropping them", c->n->privileged);
		return;
	}
	if (c->n->cap_drop && !caps_have_all(c->f->cap_drop))
		violate(c, "%s does not contain ALL", c->n->cap_drop);
	if (c->n->cap_add && caps_have_all(c->f->cap_add) && !add_refuses_all)
		violate(c, "%s contains ALL, which adds back every capability CapDrop ALL removes",
			c->n->cap_add);
}

/* ---------------------------------------------------------------- namespaces */

static const struct nsmode {
	const char *ns;		/* the name a profile's list uses */
	size_t name, value;	/* offsets in struct fact_names and struct facts */
} host_modes[] = {
	{ "network", offsetof(struct fact_names, network_mode), offsetof(struct facts, network_mode) },
	{ "pid", offsetof(struct fact_names, pid_mode), offsetof(struct facts, pid_mode) },
	{ "ipc", offsetof(struct fact_names, ipc_mode), offsetof(struct facts, ipc_mode) },
	{ "uts", offsetof(struct fact_names, uts_mode), offsetof(struct facts, uts_mode) },
	{ "userns", offsetof(struct fact_names, userns_mode), offsetof(struct facts, userns_mode) },
	{ "cgroupns", offsetof(struct fact_names, cgroupns_mode), offsetof(struct facts, cgroupns_mode) },
}, join_modes[] = {
	{ "network", offsetof(struct fact_names, network_mode), offsetof(struct facts, network_mode) },
	{ "pid", offsetof(struct fact_names, pid_mode), offsetof(struct facts, pid_mode) },
	{ "ipc", offsetof(struct fact_names, ipc_mode), offsetof(struct facts, ipc_mode) },
	{ "cgroup", offsetof(struct fact_names, cgroup), offsetof(struct facts, cgroup) },
};

/* How a network joined by the request is named in reasons. */
static const char *net_subject(const struct check *c, size_t i, char *buf, size_t len)
{
	const struct fact_net *net = &c->f->nets[i];
	char v[SHOW_BUF];

	switch (c->f->kind) {
	case BODY_SERVICE:
		text_format(buf, len, "%s[%zu].Target=%s", net->legacy ? "Networks" : "TaskTemplate.Networks",
			    net->index, show(v, net->name));
		break;
	case BODY_CONNECT:
		text_format(buf, len, "connecting to network %s", show(v, net->name));
		break;
	default:
		text_format(buf, len, "%s[%s]", c->n->endpoints, show(v, net->name));
		break;
	}
	return buf;
}

/* Mode values are compared exactly, as dockerd's IsHost() does ("host"). */
static void check_host_namespaces(struct check *c)
{
	const struct allow *a = &c->p->host_namespaces;
	const struct facts *f = c->f;
	char sub[DECISION_REASON_LEN];
	size_t i;

	if (!forbids(a))
		return;
	for (i = 0; i < sizeof(host_modes) / sizeof(host_modes[0]); i++) {
		const char *name = STR_AT(c->n, host_modes[i].name);
		const char *v = STR_AT(f, host_modes[i].value);

		if (name && v && strcmp(v, "host") == 0 && !allowed(c, a, host_modes[i].ns))
			refuse(c, a, "%s=host", name);
	}
	/* API < 1.41 on a cgroup v1 host reads an empty CgroupnsMode as host */
	if (f->kind == BODY_CONTAINER && (f->cgroupns_mode == NULL || *f->cgroupns_mode == '\0') &&
	    api_before(c->rq->uri.version, 1, 41) && !allowed(c, a, "cgroupns"))
		violate(c, "%s is empty, which API %s reads as host on cgroup v1 hosts; set it to "
			"private", c->n->cgroupns_mode, c->rq->uri.version);
	/* joining the network named "host" is host networking */
	for (i = 0; i < f->nnets; i++)
		if (strcmp(f->nets[i].name, "host") == 0 && !allowed(c, a, "network"))
			refuse(c, a, "%s", net_subject(c, i, sub, sizeof(sub)));
}

static void check_join_namespaces(struct check *c)
{
	const struct allow *a = &c->p->join_namespaces;
	const cJSON *it;
	char v[SHOW_BUF];
	size_t i;

	if (!forbids(a))
		return;
	for (i = 0; i < sizeof(join_modes) / sizeof(join_modes[0]); i++) {
		const char *name = STR_AT(c->n, join_modes[i].name);
		const char *val = STR_AT(c->f, join_modes[i].value);

		if (name && val && strncmp(val, "container:", 10) == 0 && !allowed(c, a, join_modes[i].ns))
			refuse(c, a, "%s=%s", name, show(v, val));
	}
	if (c->n->volumes_from && !allowed(c, a, "volumes"))
		for (i = 0, it = c->f->volumes_from ? c->f->volumes_from->child : NULL; it;
		     it = it->next, i++)
			refuse(c, a, "%s[%zu]=%s", c->n->volumes_from, i, show(v, it->valuestring));
}

/* ---------------------------------------------------------------- user, privileges */

/*
 * user: non-root. "" leaves the image's (or, for exec, the container's) user,
 * which may be root and is not in the request. Otherwise the part before ':'
 * is a UID when strconv.Atoi reads it (so "0", "00", "+0" are root), else a
 * name resolved in the image's /etc/passwd, which we cannot read: "root" is
 * refused, any other name allowed (spec/constraints.md, "user").
 */
static void check_user(struct check *c)
{
	const char *u = c->f->user, *colon;
	long long uid;
	size_t len;
	char v[SHOW_BUF];

	if (!c->p->user_non_root.set || !c->p->user_non_root.value || !c->n->user)
		return;
	if (u == NULL || *u == '\0') {
		violate(c, "%s is not set, so the %s user applies, which may be root", c->n->user,
			c->f->kind == BODY_EXEC ? "container's" : "image's");
		return;
	}
	colon = strchr(u, ':');
	len = colon ? (size_t)(colon - u) : strlen(u);
	if (go_atoi(u, len, &uid) ? uid <= 0 : (len == 4 && strncmp(u, "root", 4) == 0))
		violate(c, "%s=%s runs as root", c->n->user, show(v, u));
}

/* no-new-privileges: the last no-new-privileges entry of SecurityOpt decides;
 * bare means true, "=" or ":" takes a strconv.ParseBool value. */
static void check_no_new_privileges(struct check *c)
{
	const cJSON *it;
	const char *last_false = NULL;
	bool on = false;
	char v[SHOW_BUF];

	if (!c->p->no_new_privileges.set || !c->p->no_new_privileges.value)
		return;
	if (c->f->kind == BODY_SERVICE) {
		/* dockerd drops Privileges.NoNewPrivileges for API < 1.44 */
		if (!c->f->priv.no_new_privileges.value)
			violate(c, "%s.NoNewPrivileges is not true", c->n->privileges);
		else if (api_before(c->rq->uri.version, 1, 44))
			violate(c, "%s.NoNewPrivileges is ignored by dockerd for API %s (1.44 or later "
				"needed)", c->n->privileges, c->rq->uri.version);
		return;
	}
	if (!c->n->security_opt)
		return;
	for (it = c->f->security_opt ? c->f->security_opt->child : NULL; it; it = it->next) {
		struct secopt o;
		bool b;

		secopt_split(it->valuestring, &o);
		if (!key_is(&o, "no-new-privileges"))
			continue;
		if (o.value == NULL)
			b = true;
		else if (parse_bool(o.value, &b) != 0)
			b = false;	/* dockerd refuses the request */
		on = b;
		last_false = b ? NULL : it->valuestring;
	}
	if (last_false)
		violate(c, "%s contains %s", c->n->security_opt, show(v, last_false));
	else if (!on)
		violate(c, "%s does not contain no-new-privileges", c->n->security_opt);
}

/* ---------------------------------------------------------------- confinement */

/* oci.DefaultSpec: a MaskedPaths or ReadonlyPaths list replaces these. */
static const char *const masked_defaults[] = {
	"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
	"/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware",
};
static const char *const readonly_defaults[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* SELinux types of confined containers (Pod Security Standards, baseline). */
static const char *const confined_types[] = {
	"container_t", "container_init_t", "container_kvm_t", "container_engine_t",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* A non-null list must keep every default entry; [] drops them all. */
static void check_default_paths(struct check *c, const char *field, const cJSON *arr,
				const char *const *defaults, size_t n, const char *what)
{
	const cJSON *it;
	size_t i;

	if (field == NULL || arr == NULL)
		return;
	if (arr->child == NULL) {
		violate(c, "%s=[] %s", field, what);
		return;
	}
	for (i = 0; i < n; i++) {
		for (it = arr->child; it; it = it->next)
			if (strcmp(it->valuestring, defaults[i]) == 0)
				break;
		if (it == NULL) {
			violate(c, "%s lacks %s", field, defaults[i]);
			return;
		}
	}
}

/* A custom seccomp profile (JSON, read by Go's encoding/json) that allows
 * every system call by default filters nothing. One we cannot read as Go
 * would fails the check. */
static void check_seccomp_profile(struct check *c, const char *field, const char *json, size_t len)
{
	char err[128];
	cJSON *prof = json_parse_strict(json, len, err, sizeof(err));
	const cJSON *da;

	if (prof == NULL) {
		violate(c, "%s has a seccomp profile that cannot be checked: %s", field, err);
		return;
	}
	da = json_get_fold(prof, "defaultAction");
	if (cJSON_IsString(da) && (strcmp(da->valuestring, "SCMP_ACT_ALLOW") == 0 ||
				   strcmp(da->valuestring, "SCMP_ACT_LOG") == 0))
		violate(c, "%s has a seccomp profile whose defaultAction is %s (no filtering)", field,
			da->valuestring);
	cJSON_Delete(prof);
}

/* One SELinux label option (go-selinux InitLabels): "disable", or key:value
 * with type, user, role, level or filetype. */
static void check_label(struct check *c, const char *field, const char *raw, const char *v)
{
	const char *colon = strchr(v, ':');
	char s[SHOW_BUF];

	if (strcmp(v, "disable") == 0)
		violate(c, "%s contains %s (no SELinux confinement)", field, show(s, raw));
	else if (colon && colon - v == 4 && strncmp(v, "type", 4) == 0 &&
		 !in_list(colon + 1, confined_types, sizeof(confined_types) / sizeof(confined_types[0])))
		violate(c, "%s contains %s (not a confined SELinux type)", field, show(s, raw));
	else if (colon && colon - v == 4 && (strncmp(v, "user", 4) == 0 || strncmp(v, "role", 4) == 0))
		violate(c, "%s contains %s (SELinux user and role cannot be changed)", field, show(s, raw));
}

static void check_security_opts(struct check *c)
{
	const char *field = c->n->security_opt;
	const char *seccomp = NULL, *seccomp_raw = NULL, *apparmor_raw = NULL, *cgroups_raw = NULL;
	const cJSON *it;
	char v[SHOW_BUF];

	for (it = c->f->security_opt ? c->f->security_opt->child : NULL; it; it = it->next) {
		struct secopt o;
		bool b;

		secopt_split(it->valuestring, &o);
		if (o.value == NULL && key_is(&o, "disable")) {
			check_label(c, field, it->valuestring, "disable");
		} else if (o.value && key_is(&o, "label")) {
			check_label(c, field, it->valuestring, o.value);
		} else if (o.value && key_is(&o, "seccomp")) {
			seccomp = o.value;		/* the last one wins */
			seccomp_raw = it->valuestring;
		} else if (o.value && key_is(&o, "apparmor")) {
			apparmor_raw = strcmp(o.value, "unconfined") == 0 ? it->valuestring : NULL;
		} else if (key_is(&o, "writable-cgroups")) {
			if (o.value == NULL || (parse_bool(o.value, &b) == 0 && b))
				cgroups_raw = it->valuestring;
			else if (parse_bool(o.value, &b) == 0)
				cgroups_raw = NULL;
		} else if (o.value && key_is(&o, "systempaths")) {
			/* a CLI option; dockerd refuses it raw, but never let it pass */
			violate(c, "%s contains %s (unmasked /proc and /sys)", field, show(v, it->valuestring));
		}
	}
	if (seccomp && strcmp(seccomp, "unconfined") == 0)
		violate(c, "%s contains %s (no seccomp filtering)", field, show(v, seccomp_raw));
	else if (seccomp && *seccomp && strcmp(seccomp, "builtin") != 0)
		check_seccomp_profile(c, field, seccomp, strlen(seccomp));
	if (apparmor_raw)
		violate(c, "%s contains %s (no AppArmor profile)", field, show(v, apparmor_raw));
	if (cgroups_raw)
		violate(c, "%s contains %s (writable cgroup filesystem)", field, show(v, cgroups_raw));
}

/* Services: Privileges become SecurityOpt entries on each node
 * (executor/container applyPrivileges); modes are compared exactly. */
static void check_service_privileges(struct check *c)
{
	const struct facts *f = c->f;
	const char *field = c->n->privileges;
	char v[SHOW_BUF];

	if (!f->priv.set)
		return;
	/* dockerd drops Seccomp and AppArmor for API < 1.44: nothing applies */
	if (!api_before(c->rq->uri.version, 1, 44)) {
		const char *mode = f->priv.seccomp_mode;

		if (mode && strcmp(mode, "unconfined") == 0)
			violate(c, "%s.Seccomp.Mode=unconfined (no seccomp filtering)", field);
		else if (mode && strcmp(mode, "custom") == 0 && f->priv.seccomp_profile) {
			const char *b64 = f->priv.seccomp_profile;
			unsigned char *json = malloc(base64_decoded_max(strlen(b64)) + 1);
			long n = json ? base64_decode(b64, strlen(b64), json) : -1;

			if (n < 0)
				violate(c, "%s.Seccomp.Profile cannot be checked", field);
			else
				check_seccomp_profile(c, field, (const char *)json, (size_t)n);
			free(json);
		}
		if (f->priv.apparmor_mode && strcmp(f->priv.apparmor_mode, "disabled") == 0)
			violate(c, "%s.AppArmor.Mode=disabled (no AppArmor profile)", field);
	}
	if (f->priv.selinux_disable.value)
		violate(c, "%s.SELinuxContext.Disable=true (no SELinux confinement)", field);
	if (f->priv.selinux_type && *f->priv.selinux_type &&
	    !in_list(f->priv.selinux_type, confined_types, sizeof(confined_types) / sizeof(confined_types[0])))
		violate(c, "%s.SELinuxContext.Type=%s (not a confined SELinux type)", field,
			show(v, f->priv.selinux_type));
	if ((f->priv.selinux_user && *f->priv.selinux_user) ||
	    (f->priv.selinux_role && *f->priv.selinux_role))
		violate(c, "%s.SELinuxContext sets a user or role (SELinux user and role cannot be "
			"changed)", field);
}

static void check_confinement(struct check *c)
{
	if (!c->p->confinement.set || !c->p->confinement.value)
		return;
	if (c->f->kind == BODY_SERVICE) {
		check_service_privileges(c);
		return;
	}
	if (!c->n->security_opt)
		return;		/* exec --privileged adds capabilities only (exec_linux.go) */
	if (privileged_unreported(c))
		violate(c, "%s=true disables seccomp, AppArmor and the masking of /proc and /sys",
			c->n->privileged);
	check_security_opts(c);
	check_default_paths(c, c->n->masked_paths, c->f->masked_paths, masked_defaults,
			    sizeof(masked_defaults) / sizeof(masked_defaults[0]),
			    "unmasks /proc and /sys paths");
	check_default_paths(c, c->n->readonly_paths, c->f->readonly_paths, readonly_defaults,
			    sizeof(readonly_defaults) / sizeof(readonly_defaults[0]),
			    "makes /proc/sys and other kernel paths writable");
}

static void check_read_only_rootfs(struct check *c)
{
	if (c->p->read_only_rootfs.set && c->p->read_only_rootfs.value && c->n->readonly_rootfs &&
	    !c->f->readonly_rootfs.value)
		violate(c, "%s is not true", c->n->readonly_rootfs);
}

/* ---------------------------------------------------------------- mounts */

/* The last of "ro" / "rw" in a mount option list wins, as mount flags do. */
static bool options_read_only(const cJSON *opts)
{
	const cJSON *o = json_get(opts, "o");
	const char *s, *end;
	bool ro = false;

	if (!cJSON_IsString(o))
		return false;
	for (s = o->valuestring; *s; s = *end ? end + 1 : end) {
		end = s + strcspn(s, ",");
		if (end - s == 2 && strncmp(s, "ro", 2) == 0)
			ro = true;
		else if (end - s == 2 && strncmp(s, "rw", 2) == 0)
			ro = false;
	}
	return ro;
}

/*
 * A host path a mount would expose: resolved as mount(2) will reach it
 * (cleaned, symlinks followed), then refused when sensitive (always, once any
 * mounts key is set), outside mounts.bind, or writable under bind_read_only.
 */
static void check_host_source(struct check *c, const char *field, const char *source, bool ro)
{
	const struct allow *bind = &c->p->mounts.bind;
	char resolved[PATH_MAX], err[160], list[LIST_BUF], v[SHOW_BUF];
	const char *which = NULL;
	size_t i;

	if (source == NULL || *source == '\0') {
		violate(c, "%s has no host path (Source) to check", field);
		return;
	}
	if (mount_resolve_host_path(source, resolved, sizeof(resolved), err, sizeof(err)) != 0) {
		violate(c, "%s mounts %s, which cannot be checked: %s", field, show(v, source), err);
		return;
	}
	if (mount_path_sensitive(resolved, &c->p->mounts.deny_paths, &which)) {
		violate(c, "%s mounts %s (sensitive host path %s)", field, show(v, resolved),
			which ? which : resolved);
		return;
	}
	if (forbids(bind)) {
		for (i = 0; i < bind->list.n; i++)
			if (path_pattern_match(bind->list.items[i], c->user, resolved))
				break;
		if (bind->list.n == 0)
			violate(c, "%s mounts host path %s; bind mounts are not allowed", field,
				show(v, resolved));
		else if (i == bind->list.n)
			violate(c, "%s mounts %s, allowed: %s", field, show(v, resolved),
				list_text(c, bind, list));
	}
	if (c->p->mounts.bind_read_only.set && c->p->mounts.bind_read_only.value && !ro)
		violate(c, "%s mounts %s read-write; bind mounts must be read-only", field,
			show(v, resolved));
}

/* A bind mount: its host path, then its propagation. Shared propagation
 * (CIS 5.20) sends mounts made inside the container back to the host. */
static void check_bind(struct check *c, const char *field, const char *source, bool ro,
		       const char *propagation)
{
	check_host_source(c, field, source, ro);
	if (propagation && (strcmp(propagation, "shared") == 0 || strcmp(propagation, "rshared") == 0))
		violate(c, "%s uses %s propagation (mounts made in the container would reach the host)",
			field, propagation);
}

/* A volume driver: "" is the default, local. */
static void check_volume_driver(struct check *c, const char *subject, const char *driver)
{
	char v[SHOW_BUF];

	if (!allowed(c, &c->p->mounts.volume_drivers, driver && *driver ? driver : "local"))
		refuse(c, &c->p->mounts.volume_drivers, "%s=%s", subject,
		       show(v, driver && *driver ? driver : "local"));
}

/* Options for the local driver that mount something from the host are a
 * bind mount in disguise (type=none,o=bind,device=/etc): the device is then
 * checked as a bind source. */
static void check_local_options(struct check *c, const char *field, const cJSON *opts, bool ro)
{
	const char *device = NULL;

	if (!mount_local_opts_host(opts, &device))
		return;
	if (device == NULL)
		violate(c, "%s would have the local driver mount from the host in a way that cannot "
			"be checked", field);
	else
		check_host_source(c, field, device, ro || options_read_only(opts));
}

/*
 * A named volume is as dangerous as the options it was created with: one an
 * administrator made with type=none,o=bind,device=/etc is /etc. With a lookup
 * (serve --docker-host) the volume is inspected as dockerd will mount it;
 * offline (eval, test) it was checked when it was created.
 */
static void check_named_volume(struct check *c, const char *field, const char *name, bool ro)
{
	const struct lookup *lk = c->rq->lookup;
	struct object_info info;
	char err[256];

	if (!lk || !lk->inspect || !name || !*name)
		return;
	switch (lk->inspect(lk->ctx, OBJECT_VOLUME, name, "", &info, err, sizeof(err))) {
	case LOOKUP_NOT_FOUND:
		return;		/* dockerd creates it now: an empty local volume */
	case LOOKUP_ERROR:
		unreadable(c, "%s names volume %s, which cannot be looked up: %s", field, name, err);
		return;
	case LOOKUP_FOUND:
		break;
	}
	check_volume_driver(c, field, info.driver);
	if (!info.host_mount || (info.driver[0] && strcmp(info.driver, "local") != 0))
		return;
	if (!info.device[0])
		violate(c, "%s names volume %s, whose local driver mounts from the host in a way "
			"that cannot be checked", field, name);
	else
		check_host_source(c, field, info.device, ro);
}

static void check_mount_entries(struct check *c)
{
	const struct facts *f = c->f;
	char field[128], sub[160], v[SHOW_BUF], num[24];
	size_t i;

	for (i = 0; i < f->nmounts; i++) {
		const struct fact_mount *m = &f->mounts[i];

		text_join(field, sizeof(field), c->n->mounts, "[", text_decimal(num, (long long)i), "]",
			  NULL);
		if (m->type == NULL) {
			violate(c, "%s has no Type", field);
		} else if (strcmp(m->type, "bind") == 0) {
			check_bind(c, field, m->source, m->read_only, m->propagation);
		} else if (strcmp(m->type, "volume") == 0) {
			if (!m->driver_config) {
				check_named_volume(c, field, m->source, m->read_only);
				continue;
			}
			text_format(sub, sizeof(sub), "%s.VolumeOptions.DriverConfig.Name", field);
			check_volume_driver(c, sub, m->driver);
			text_format(sub, sizeof(sub), "%s.VolumeOptions.DriverConfig", field);
			if (m->driver == NULL || *m->driver == '\0' || strcmp(m->driver, "local") == 0)
				check_local_options(c, sub, m->driver_opts, m->read_only);
		} else if (strcmp(m->type, "npipe") == 0) {
			violate(c, "%s mounts a host named pipe (Type=npipe)", field);
		} else if (strcmp(m->type, "tmpfs") != 0 && strcmp(m->type, "image") != 0 &&
			   strcmp(m->type, "cluster") != 0) {
			/* types are case-sensitive: "Bind" is refused by dockerd */
			violate(c, "%s.Type=%s is not a mount type dockerd knows", field,
				show(v, m->type));
		}
	}
}

static void check_mounts(struct check *c)
{
	const struct facts *f = c->f;
	const cJSON *it;
	char field[128], err[160], v[SHOW_BUF], num[24];
	size_t i;

	if (!c->p->mounts.set)
		return;
	for (i = 0, it = c->n->binds && f->binds ? f->binds->child : NULL; it; it = it->next, i++) {
		struct bind_spec spec;

		text_join(field, sizeof(field), c->n->binds, "[", text_decimal(num, (long long)i), "]",
			  NULL);
		if (mount_parse_bind(it->valuestring, &spec, err, sizeof(err)) != 0)
			unreadable(c, "%s=%s cannot be read as dockerd reads it: %s", field,
				   show(v, it->valuestring), err);
		else if (spec.type == MOUNT_BIND)
			check_bind(c, field, spec.source, spec.read_only, spec.propagation);
		else
			check_named_volume(c, field, spec.source, spec.read_only);
	}
	if (c->n->mounts)
		check_mount_entries(c);
	if (c->n->volume_driver && f->volume_driver && *f->volume_driver)
		check_volume_driver(c, c->n->volume_driver, f->volume_driver);
	for (i = 0, it = c->n->volumes_from && f->volumes_from ? f->volumes_from->child : NULL; it;
	     it = it->next, i++)
		violate(c, "%s[%zu]=%s inherits that container's mounts, which cannot be checked here",
			c->n->volumes_from, i, show(v, it->valuestring));
	if (f->kind == BODY_VOLUME) {
		check_volume_driver(c, c->n->driver, f->driver);
		if (f->driver == NULL || *f->driver == '\0' || strcmp(f->driver, "local") == 0)
			check_local_options(c, c->n->driver_opts, f->driver_opts, false);
	}
}

/* ---------------------------------------------------------------- devices */

static void check_devices(struct check *c)
{
	const struct allow *a = &c->p->devices;
	const struct facts *f = c->f;
	const cJSON *it;
	char resolved[PATH_MAX], err[160], v[SHOW_BUF];
	size_t i, j;

	if (!forbids(a) || !c->n->devices)
		return;
	if (privileged_unreported(c))
		violate(c, "%s=true exposes every host device", c->n->privileged);
	for (i = 0; i < f->ndevices; i++) {
		/* dockerd follows symlinks to the device node (devices.DevicesFromPath) */
		if (mount_resolve_host_path(f->devices[i], resolved, sizeof(resolved), err,
					    sizeof(err)) != 0) {
			violate(c, "%s[%zu].PathOnHost=%s cannot be checked: %s", c->n->devices, i,
				show(v, f->devices[i]), err);
			continue;
		}
		for (j = 0; j < a->list.n; j++)
			if (path_pattern_match(a->list.items[j], c->user, resolved))
				break;
		if (j == a->list.n)
			refuse(c, a, "%s[%zu].PathOnHost=%s", c->n->devices, i, show(v, resolved));
	}
	/* rules and requests (GPUs, CDI) grant devices no path list describes */
	for (i = 0, it = f->device_cgroup_rules ? f->device_cgroup_rules->child : NULL; it;
	     it = it->next, i++)
		violate(c, "%s[%zu]=%s is not allowed (only devices: true allows cgroup rules)",
			c->n->device_cgroup_rules, i, show(v, it->valuestring));
	for (i = 0; i < f->ndevice_requests; i++)
		violate(c, "%s[%zu] is not allowed (only devices: true allows device requests)",
			c->n->device_requests, i);
}

/* ---------------------------------------------------------------- ports */

/* A host port or range as dockerd reads HostPort: "", "0" (ephemeral), "N"
 * or "A-B", decimal, 1..65535. Returns 1 for ephemeral, 0, or -1. */
static int parse_port_range(const char *s, long *lo, long *hi)
{
	char *end;

	if (*s == '\0' || strcmp(s, "0") == 0)
		return 1;
	if (*s < '0' || *s > '9')
		return -1;
	*lo = strtol(s, &end, 10);
	*hi = *lo;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			return -1;
		*hi = strtol(end + 1, &end, 10);
	}
	if (*end != '\0' || *lo < 1 || *hi > 65535 || *lo > *hi)
		return -1;
	return 0;
}

/* Is every port of LO..HI inside the union of the allowed ranges? Each step
 * moves past one allowed range, so this is O(ranges^2) at worst. */
static bool ports_covered(const struct allow *a, long lo, long hi)
{
	size_t i;

	if (!forbids(a))
		return true;
	while (lo <= hi) {
		long best = -1;

		for (i = 0; i < a->list.n; i++) {
			long rlo, rhi;

			if (parse_port_range(a->list.items[i], &rlo, &rhi) == 0 && rlo <= lo &&
			    rhi >= lo && rhi > best)
				best = rhi;
		}
		if (best < 0)
			return false;
		lo = best + 1;
	}
	return true;
}

/* One published host port (or range, or ephemeral) against ports.host_ports. */
static void check_host_port(struct check *c, const char *field, const char *port)
{
	const struct allow *a = &c->p->ports.host_ports;
	char list[LIST_BUF], v[SHOW_BUF];
	long lo = 0, hi = 0;
	int rc = parse_port_range(port, &lo, &hi);

	if (rc < 0)
		violate(c, "%s has HostPort=%s, which is not a port or range", field, show(v, port));
	else if (!forbids(a))
		return;
	else if (rc == 1)
		violate(c, "%s binds an ephemeral host port, allowed: %s", field, list_text(c, a, list));
	else if (!ports_covered(a, lo, hi))
		violate(c, "%s binds host port%s %s, allowed: %s", field, lo == hi ? "" : "s",
			show(v, port), list_text(c, a, list));
}

/* An IP address as the profile stores it (inet_ntop's form: "0:0::1" is
 * "::1"); anything else as sent, which then matches no address. */
static const char *canonical_ip(const char *s, char buf[INET6_ADDRSTRLEN])
{
	unsigned char a[16];

	if (inet_pton(AF_INET, s, a) == 1 && inet_ntop(AF_INET, a, buf, INET6_ADDRSTRLEN))
		return buf;
	if (inet_pton(AF_INET6, s, a) == 1 && inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN))
		return buf;
	return s;
}

static void check_ports(struct check *c)
{
	const struct facts *f = c->f;
	const struct allow *publish = &c->p->ports.publish, *ips = &c->p->ports.host_ips;
	const struct allow *hports = &c->p->ports.host_ports;
	char field[160], list[LIST_BUF], v[SHOW_BUF], port[24], ip[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; c->n->port_bindings && i < f->nbindings; i++) {
		const struct fact_binding *b = &f->bindings[i];

		text_format(field, sizeof(field), "%s[%s][%zu]", c->n->port_bindings, show(v, b->port),
			    b->index);
		if (forbids(publish)) {
			violate(c, "%s publishes a port, which is not allowed", field);
			continue;
		}
		/* HostIp "" is the daemon's default address: all interfaces */
		if (!allowed(c, ips, *b->host_ip ? canonical_ip(b->host_ip, ip) : "0.0.0.0"))
			violate(c, "%s binds host IP %s, allowed: %s", field,
				*b->host_ip ? show(v, b->host_ip) : "0.0.0.0 (all interfaces)",
				list_text(c, ips, list));
		check_host_port(c, field, b->host_port);
	}
	if (c->n->publish_all && f->publish_all.value) {
		/* every EXPOSEd port of the image, on all interfaces, ephemeral ports */
		if (forbids(publish) || forbids(&c->p->ports.publish_all))
			violate(c, "%s=true is not allowed", c->n->publish_all);
		else {
			if (!allowed(c, ips, "0.0.0.0"))
				violate(c, "%s=true binds all interfaces, allowed: %s", c->n->publish_all,
					list_text(c, ips, list));
			if (forbids(hports))
				violate(c, "%s=true binds ephemeral host ports, allowed: %s",
					c->n->publish_all, list_text(c, hports, list));
		}
	}
	for (i = 0; c->n->ports && i < f->nsports; i++) {
		text_format(field, sizeof(field), "%s[%zu]", c->n->ports, i);
		if (forbids(publish)) {
			violate(c, "%s publishes a port, which is not allowed", field);
			continue;
		}
		/* swarm publishes on every interface of every node */
		if (!allowed(c, ips, "0.0.0.0"))
			violate(c, "%s binds all interfaces of every node, allowed: %s", field,
				list_text(c, ips, list));
		text_format(port, sizeof(port), "%lld", f->sports[i].published);
		check_host_port(c, field, port);
	}
}

/* ---------------------------------------------------------------- resources */

static void check_memory(struct check *c)
{
	long long max = c->p->resources.memory.max, v = c->f->memory.value;
	bool update = c->f->kind == BODY_UPDATE;
	char lim[32], val[32];

	/* the limit is spelled out only for a message: most creates pass */
	if (update && v == 0)
		return;		/* UpdateContainer: 0 keeps the current limit */
	if (v == 0)
		violate(c, "%s is unlimited, limit %s", c->n->memory, human_bytes(lim, max));
	else if (v < 0)
		violate(c, "%s=%lld is not a limit, limit %s", c->n->memory, v,
			human_bytes(lim, max));
	else if (v > max)
		violate(c, "%s=%s is above the limit %s", c->n->memory, human_bytes(val, v),
			human_bytes(lim, max));
}

/*
 * cpus_max: NanoCpus, or CpuQuota over CpuPeriod (the kernel's 100ms when
 * the period is 0), both in nano-CPUs. On update a 0 keeps the current value;
 * a negative quota removes the limit; a quota or period without the other
 * cannot be checked, since the container's current period is unknown here.
 */
static void check_cpus(struct check *c)
{
	const struct facts *f = c->f;
	long long max = c->p->resources.cpus.max, nano = f->nano_cpus.value;
	long long quota = f->cpu_quota.value, period = f->cpu_period.value;
	bool update = f->kind == BODY_UPDATE, limited = false;
	char lim[32], val[32];

	if (nano < 0)
		violate(c, "%s=%lld is not a limit, limit %s CPUs", c->n->nano_cpus, nano,
			human_cpus(lim, max));
	else if (nano > max)
		violate(c, "%s=%s CPUs is above the limit %s CPUs", c->n->nano_cpus,
			human_cpus(val, nano), human_cpus(lim, max));
	limited = nano > 0;
	if (c->n->cpu_quota && (quota != 0 || (update && period != 0))) {
		long long per = period > 0 ? period : 100000;
		long double cpus = (long double)quota * 1e9L / (long double)per;

		if (quota < 0) {
			violate(c, "%s=%lld removes the CPU limit, limit %s CPUs", c->n->cpu_quota,
				quota, human_cpus(lim, max));
		} else if (update && (quota == 0 || period <= 0)) {
			violate(c, "%s and %s must be updated together to be checked against the "
				"limit %s CPUs", c->n->cpu_quota, c->n->cpu_period,
				human_cpus(lim, max));
		} else {
			limited = true;
			if (cpus > (long double)max)
				violate(c, "%s=%lld over %s=%lld is %s CPUs, above the limit %s CPUs",
					c->n->cpu_quota, quota, c->n->cpu_period, per,
					human_cpus(val, (long long)cpus), human_cpus(lim, max));
		}
	}
	if (!update && !limited && nano == 0)
		violate(c, "%s is unlimited, limit %s CPUs", c->n->nano_cpus,
			human_cpus(lim, max));
}

/* PidsLimit: null, 0 and negative all mean unlimited (create and update). */
static void check_pids(struct check *c)
{
	const struct fact_int *v = &c->f->pids_limit;
	long long max = c->p->resources.pids.max;

	if (c->f->kind == BODY_UPDATE && !v->set)
		return;		/* null keeps the current limit */
	if (!v->set)
		violate(c, "%s is unlimited, limit %lld", c->n->pids_limit, max);
	else if (v->value <= 0)
		violate(c, "%s=%lld is unlimited, limit %lld", c->n->pids_limit, v->value, max);
	else if (v->value > max)
		violate(c, "%s=%lld is above the limit %lld", c->n->pids_limit, v->value, max);
}

static void check_resources(struct check *c)
{
	if (c->p->resources.memory.set && c->n->memory)
		check_memory(c);
	if (c->p->resources.cpus.set && c->n->nano_cpus)
		check_cpus(c);
	if (c->p->resources.pids.set && c->n->pids_limit)
		check_pids(c);
}

/* ---------------------------------------------------------------- networks */

/* The network a NetworkMode names: "" and "default" are the default bridge;
 * container:<x> is join_namespaces' business (NULL). */
static const char *mode_network(const char *mode)
{
	if (mode == NULL || *mode == '\0' || strcmp(mode, "default") == 0)
		return "bridge";
	if (strncmp(mode, "container:", 10) == 0)
		return NULL;
	return mode;
}

static void check_networks(struct check *c)
{
	const struct allow *a = &c->p->networks.allow;
	const struct facts *f = c->f;
	char sub[DECISION_REASON_LEN], v[SHOW_BUF];
	size_t i;

	if (forbids(a)) {
		const char *net = c->n->network_mode ? mode_network(f->network_mode) : NULL;

		/* a build's own default network is not one the caller chose */
		if (f->kind == BODY_BUILD && net && strcmp(net, "bridge") == 0 &&
		    (f->network_mode == NULL || strcmp(f->network_mode, "bridge") != 0))
			net = NULL;

		if (net && !allowed(c, a, net))
			refuse(c, a, "%s=%s", c->n->network_mode,
			       f->network_mode && *f->network_mode ? show(v, f->network_mode) : "\"\" (bridge)");
		for (i = 0; i < f->nnets; i++) {
			/* the "default" endpoint is renamed to the default network */
			const char *name = f->kind == BODY_CONTAINER && strcmp(f->nets[i].name, "default") == 0 ?
				"bridge" : f->nets[i].name;

			if (!allowed(c, a, name))
				refuse(c, a, "%s", net_subject(c, i, sub, sizeof(sub)));
		}
		if (f->kind == BODY_NETWORK && !allowed(c, a, f->name ? f->name : ""))
			refuse(c, a, "%s=%s", c->n->name, show(v, f->name));
	}
	if (f->kind != BODY_NETWORK)
		return;
	if (!allowed(c, &c->p->networks.drivers, f->driver && *f->driver ? f->driver : "bridge"))
		refuse(c, &c->p->networks.drivers, "%s=%s", c->n->driver,
		       f->driver && *f->driver ? show(v, f->driver) : "\"\" (bridge)");
	if (c->p->networks.internal.set && c->p->networks.internal.value && !f->internal.value)
		violate(c, "%s is not true; networks must be internal", c->n->internal);
}

/* ---------------------------------------------------------------- named things */

static void check_log_drivers(struct check *c)
{
	char v[SHOW_BUF];

	/* "" is the daemon's default driver */
	if (c->n->log_driver && c->f->log_driver && *c->f->log_driver &&
	    !allowed(c, &c->p->log_drivers, c->f->log_driver))
		refuse(c, &c->p->log_drivers, "%s=%s", c->n->log_driver, show(v, c->f->log_driver));
}

/* Sysctls an endpoint's driver options set, "k=v,k2=v2" (libnetwork
 * netlabel.EndpointSysctls): another way to reach a sysctl. */
static void check_endpoint_sysctls(struct check *c, size_t i)
{
	const cJSON *opt = json_get(c->f->nets[i].driver_opts, "com.docker.network.endpoint.sysctls");
	char key[256], sub[DECISION_REASON_LEN], v[SHOW_BUF];
	const char *s, *end;

	if (!cJSON_IsString(opt))
		return;
	for (s = opt->valuestring; *s; s = *end ? end + 1 : end) {
		size_t len;

		end = s + strcspn(s, ",");
		len = strcspn(s, "=,");
		text_format(key, sizeof(key), "%.*s", (int)(len < sizeof(key) ? len : sizeof(key) - 1), s);
		if (!allowed(c, &c->p->sysctls, key))
			refuse(c, &c->p->sysctls, "%s DriverOpts sets sysctl %s",
			       net_subject(c, i, sub, sizeof(sub)), show(v, key));
	}
}

static void check_sysctls(struct check *c)
{
	const cJSON *it;
	char v[SHOW_BUF];
	size_t i;

	if (!forbids(&c->p->sysctls))
		return;
	for (it = c->n->sysctls && c->f->sysctls ? c->f->sysctls->child : NULL; it; it = it->next)
		if (!allowed(c, &c->p->sysctls, it->string))
			refuse(c, &c->p->sysctls, "%s[%s]", c->n->sysctls, show(v, it->string));
	for (i = 0; i < c->f->nnets; i++)
		check_endpoint_sysctls(c, i);
}

static void check_runtimes(struct check *c)
{
	char v[SHOW_BUF];

	/* "" is the daemon's default runtime */
	if (c->n->runtime && c->f->runtime && *c->f->runtime &&
	    !allowed(c, &c->p->runtimes, c->f->runtime))
		refuse(c, &c->p->runtimes, "%s=%s", c->n->runtime, show(v, c->f->runtime));
}

static void check_cgroup_parent(struct check *c)
{
	char v[SHOW_BUF];

	if (c->n->cgroup_parent && c->f->cgroup_parent && *c->f->cgroup_parent &&
	    !allowed(c, &c->p->cgroup_parent, c->f->cgroup_parent))
		refuse(c, &c->p->cgroup_parent, "%s=%s", c->n->cgroup_parent,
		       show(v, c->f->cgroup_parent));
}

static void check_oom_kill_disable(struct check *c)
{
	if (forbids(&c->p->oom_kill_disable) && c->n->oom_kill_disable && c->f->oom_kill_disable.value)
		violate(c, "%s=true is not allowed", c->n->oom_kill_disable);
}

/* ---------------------------------------------------------------- images */

static bool all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

/* A digest as go-digest parses one ("sha256:" and 64 hex...). */
static bool is_digest(const char *s)
{
	return (strncmp(s, "sha256:", 7) == 0 && strlen(s) == 7 + 64 && all_hex(s + 7, 64)) ||
	       (strncmp(s, "sha384:", 7) == 0 && strlen(s) == 7 + 96 && all_hex(s + 7, 96)) ||
	       (strncmp(s, "sha512:", 7) == 0 && strlen(s) == 7 + 128 && all_hex(s + 7, 128));
}

/* dockerd looks an image up by ID first when the reference is a full ID. */
static bool is_image_id(const char *s)
{
	return (strlen(s) == 64 && all_hex(s, 64)) || is_digest(s);
}

/* dockerd falls back to a unique ID prefix when a name is not found locally
 * (GetImage): a bare all-hex name with no tag ("4ac2") may run any image. */
static bool may_be_id_prefix(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 64 && all_hex(s, n);
}

/* reference.WithTag's tag grammar: [\w][\w.-]{0,127}. */
static bool tag_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 128 || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

/* {user} stands in an image pattern only for a name that is a valid path
 * component of a reference ([a-z0-9] then [a-z0-9._-]): any other name could
 * change the pattern's shape, and leaves the pattern matching nothing. */
static bool user_is_component(const char *u)
{
	size_t i;

	if (u == NULL || !((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= '0' && u[0] <= '9')))
		return false;
	for (i = 1; u[i]; i++)
		if (!((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= '0' && u[i] <= '9') ||
		      u[i] == '.' || u[i] == '_' || u[i] == '-'))
			return false;
	return true;
}

static bool image_allowed(const struct check *c, const struct image_ref *ref)
{
	const struct allow *a = &c->p->images;
	char pat[PATTERN_BUF];
	size_t i;

	if (!forbids(a))
		return true;
	for (i = 0; i < a->list.n; i++) {
		/* compiled when the policy loaded, unless it names {user} */
		const struct image_pattern *compiled = c->p->images_compiled ?
						       c->p->images_compiled[i] : NULL;

		if (compiled) {
			if (image_pattern_matches(compiled, ref))
				return true;
			continue;
		}
		if (strstr(a->list.items[i], "{user}") && !user_is_component(c->user))
			continue;
		if (expand(a->list.items[i], c->user, false, pat, sizeof(pat)) == 0 &&
		    image_pattern_match(pat, ref))
			return true;
	}
	return false;
}

/*
 * Under an images allowlist, the calls that put content under a name of the
 * caller's choosing would launder any image into an allowed name
 * (protocol.md 3.9): tag re-points a name, commit names a container's
 * filesystem, import names a tarball. Each is refused when the name it would
 * write is one the allowlist allows (naming anything else is harmless: the
 * allowlist will not run it). Load takes its names from the tarball, unseen:
 * always refused. Builds are not refused, as building is what CI runners are
 * for: a policy that must not let a build produce an allowed name keeps
 * ImageBuild out of the rule's actions or requires image_digest
 * (spec/constraints.md).
 */
static bool writes_allowed_name(struct check *c, const char *what, const char *repo,
				const char *tag)
{
	struct image_ref ref;
	char name[700], err[160];

	if (repo == NULL || *repo == '\0')
		return false;	/* no name: the image is known by ID only */
	text_join(name, sizeof(name), repo, tag && *tag ? ":" : "", tag ? tag : "", NULL);
	if (image_parse(name, &ref, err, sizeof(err)) != 0 || image_allowed(c, &ref)) {
		decision_add_reason(c->d, "%s as %s is not allowed: it would put any content under "
				    "a name the allowed images include (profile %.64s)", what, name,
				    c->p->name ? c->p->name : "");
		return true;
	}
	return false;
}

static bool launders_image(struct check *c)
{
	const struct uri *u = &c->rq->uri;

	switch (c->rq->action) {
	case ACTION_ImageTag:
		return writes_allowed_name(c, "tagging an image", uri_query_get(u, "repo"),
					   uri_query_get(u, "tag"));
	case ACTION_ImageCommit:
		return writes_allowed_name(c, "committing a container", uri_query_get(u, "repo"),
					   uri_query_get(u, "tag"));
	case ACTION_ImageCreate:
		return uri_query_get(u, "fromSrc") &&
		       writes_allowed_name(c, "importing an image", uri_query_get(u, "repo"),
					   uri_query_get(u, "tag"));
	case ACTION_ImageLoad:
		decision_add_reason(c->d, "loading images is not allowed while images are limited "
				    "to an allowlist: the names come from the tarball, unseen "
				    "(profile %.64s)", c->p->name ? c->p->name : "");
		return true;
	default:
		return false;
	}
}

/*
 * One image reference against images and image_digest. SUBJECT names it
 * ("Image=bb:latest"). For a pull, TAG is the query's tag, which dockerd
 * applies over the reference: a digest replaces the reference's tag and
 * digest, a tag replaces its tag (postImagesCreate).
 */
static void check_image_ref(struct check *c, const char *subject, const char *raw, const char *tag)
{
	bool want_digest = c->p->image_digest.set && c->p->image_digest.value;
	struct image_ref ref;
	char err[160], name[512];
	size_t len;

	if (raw == NULL || *raw == '\0') {
		violate(c, "%s is empty", subject);
		return;
	}
	if (c->f->kind != BODY_PULL && is_image_id(raw)) {
		/* content-addressed, so image_digest holds; but it names no repository */
		if (forbids(&c->p->images))
			violate(c, "%s is an image ID, which cannot be checked against the allowed "
				"images; use a name", subject);
		return;
	}
	if (c->f->kind != BODY_PULL && may_be_id_prefix(raw) && forbids(&c->p->images)) {
		violate(c, "%s may be read by dockerd as an image ID prefix; name it with a tag "
			"(%s:latest)", subject, raw);
		return;
	}
	/* "pull -a" may send a trailing ':' that dockerd trims */
	len = strlen(raw);
	if (c->f->kind == BODY_PULL && raw[len - 1] == ':')
		len--;
	text_copy(name, sizeof(name), raw, len);	/* cut: image_parse refuses it as too long */
	if (image_parse(name, &ref, err, sizeof(err)) != 0) {
		violate(c, "%s is not a valid image reference: %s", subject, err);
		return;
	}
	if (tag && *tag) {
		if (is_digest(tag)) {
			text_join(ref.digest, sizeof(ref.digest), tag, NULL);
			ref.tag[0] = '\0';
		} else if (tag_valid(tag)) {
			text_join(ref.tag, sizeof(ref.tag), tag, NULL);
		} else {
			violate(c, "%s has an invalid tag", subject);
			return;
		}
	}
	if (!image_allowed(c, &ref)) {
		image_canonical(&ref, name, sizeof(name));
		refuse(c, &c->p->images, "%s (%s)", subject, name);
	}
	if (want_digest && ref.digest[0] == '\0')
		violate(c, "%s is not pinned by a digest (image_digest: required)", subject);
}

static void check_images(struct check *c)
{
	const struct facts *f = c->f;
	char subject[DECISION_REASON_LEN], v[SHOW_BUF], t[SHOW_BUF];
	size_t i;

	if (!forbids(&c->p->images) && !(c->p->image_digest.set && c->p->image_digest.value))
		return;
	if (c->n->image) {
		if (f->kind == BODY_PULL && f->image == NULL)
			return;		/* an import (fromSrc): nothing names an image to pull */
		if (f->image == NULL || *f->image == '\0')
			text_join(subject, sizeof(subject), c->n->image, NULL);
		else if (f->kind == BODY_PULL && f->tag && *f->tag)
			text_format(subject, sizeof(subject), "%s=%s with %s=%s", c->n->image,
				    show(v, f->image), c->n->tag, show(t, f->tag));
		else
			text_join(subject, sizeof(subject), c->n->image, "=", show(v, f->image), NULL);
		check_image_ref(c, subject, f->image, f->kind == BODY_PULL ? f->tag : NULL);
	}
	for (i = 0; c->n->mounts && i < f->nmounts; i++)
		if (f->mounts[i].type && strcmp(f->mounts[i].type, "image") == 0) {
			text_format(subject, sizeof(subject), "%s[%zu].Source=%s", c->n->mounts, i,
				    show(v, f->mounts[i].source));
			check_image_ref(c, subject, f->mounts[i].source, NULL);
		}
}

/* ---------------------------------------------------------------- entry point */

static void (*const checks[])(struct check *) = {
	check_task_runtime,
	check_privileged,
	check_capabilities,
	check_host_namespaces,
	check_join_namespaces,
	check_user,
	check_no_new_privileges,
	check_confinement,
	check_read_only_rootfs,
	check_mounts,
	check_devices,
	check_ports,
	check_resources,
	check_networks,
	check_log_drivers,
	check_sysctls,
	check_runtimes,
	check_images,
	check_cgroup_parent,
	check_oom_kill_disable,
};

int constraints_check(const struct profile *p, const struct request *rq, struct decision *d)
{
	const struct facts *fp = rq->facts;
	struct facts f;
	struct check c;
	const char *what;
	char err[256];
	size_t i;

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.rq = rq;
	c.d = d;
	c.user = rq->user ? rq->user : "";

	what = forbidden_action(rq->action);
	if (what) {
		decision_add_reason(d, "%s not allowed under a profile (profile %.64s); use a rule "
				    "without a profile for administrators", what, p->name ? p->name : "");
		return 1;
	}
	if (forbids(&p->images) && launders_image(&c))
		return 1;
	if (!fp && rq->facts_error) {
		unreadable(&c, "%s body cannot be checked: %s", action_name(rq->action),
			   rq->facts_error);
		return -1;
	}
	if (!fp) {
		if (body_facts(rq, &f, err, sizeof(err)) != 0) {
			unreadable(&c, "%s body cannot be checked: %s", action_name(rq->action), err);
			facts_free(&f);
			return -1;
		}
		fp = &f;
	}
	c.f = fp;
	c.n = fp->names;
	if (fp->kind != BODY_NONE && fp->kind != BODY_OPAQUE)
		for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
			checks[i](&c);
	if (fp == &f)
		facts_free(&f);
	if (c.unreadable)
		return -1;
	return c.violations ? 1 : 0;
}
