/* SPDX-License-Identifier: Apache-2.0 */
/* mounts.c - host paths as dockerd and mount(2) will see them. */

/*
 * Read from moby: daemon/volume/mounts/linux_parser.go (ParseMountRaw,
 * linuxValidMountMode), validate.go (validateExclusiveOptions), mounts.go
 * (MountPoint.Setup mounts the path.Clean'ed source and MkdirAll's what is
 * missing), daemon/volume/local/local_unix.go (local driver options) and
 * vendor/github.com/moby/sys/mount/flags_unix.go (how "o" becomes flags).
 *
 * Invariants:
 *  - nothing here allows by failing: a path that cannot be resolved, a
 *    symlink that leads nowhere, options of a shape we do not know, are
 *    errors or "host", and callers deny on both;
 *  - resolved paths are absolute, clean and at most PATH_MAX - 1 bytes;
 *  - matching (globs, "**", ancestors) is linear-ish and written by hand:
 *    fnmatch(3) has no "**", and its backtracking on "*" is exponential.
 */
#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errorf.h"
#include "keyword.h"
#include "mounts.h"
#include "text.h"

/* ---- Go's path.Clean ------------------------------------------------- */

/*
 * clean - IN as Go's path.Clean: "//" collapsed, "." dropped, ".." applied
 * lexically ("/.." is "/"), no trailing slash, "" is ".". The result is never
 * longer than IN (or 1), so OUTLEN > strlen(IN) suffices; -1 otherwise.
 */
static int
clean(const char *in, char *out, size_t outlen)
{
	size_t n = strlen(in), r = 0, w = 0, dotdot = 0;
	bool rooted = n > 0 && in[0] == '/';

	if (outlen <= n || outlen < 2)
		return -1;
	if (rooted) {
		out[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (in[r] == '/') {
			r++;
		} else if (in[r] == '.' && (r + 1 == n || in[r + 1] == '/')) {
			r++;
		} else if (in[r] == '.' && in[r + 1] == '.' &&
		    (r + 2 == n || in[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				/* back up to the previous '/' */
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				/* a relative path keeps leading ".." */
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			while (r < n && in[r] != '/')
				out[w++] = in[r++];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return 0;
}

static bool
is_clean(const char *path)
{
	char buf[PATH_MAX];
	const char *seg, *end;
	size_t len;

	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return false;
	if (path[0] != '/')
		return clean(path, buf, sizeof(buf)) == 0 && strcmp(buf, path) == 0;
	/* rooted: clean() would change it exactly when it has an empty, "."
	 * or ".." component, or ends in '/' ("/" itself is clean) */
	if (path[1] == '\0')
		return true;
	for (seg = path + 1;; seg = end + 1) {
		end = strchrnul(seg, '/');
		len = (size_t)(end - seg);
		if (len == 0 || (seg[0] == '.' && (len == 1 || (len == 2 && seg[1] == '.'))))
			return false;
		if (*end == '\0')
			return true;
	}
}

/* Does PATH have a ".." component? */
static bool
has_dotdot(const char *path)
{
	const char *p;

	for (p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* ---- symlink resolution ---------------------------------------------- */

#define MAX_SYMLINKS 40		/* the kernel's MAXSYMLINKS: ELOOP past it */

/*
 * A walk over a path's components, as the kernel's lookup does it: PENDING
 * holds what is left to read (the path, with each symlink's text spliced in
 * where the link stood), REAL the physical path of what has been read.
 * LINK_TEXT counts the bytes at the head of PENDING that came from symlink
 * text rather than from the path asked about.
 */
struct walk {
	char real[PATH_MAX];
	size_t real_len;
	char pending[PATH_MAX];
	size_t pos, len, link_text;
	int links;
};

/* Splice link text TARGET (N bytes) in place of the component just read. */
static int
walk_follow(struct walk *w, const char *target, size_t n)
{
	char rest[PATH_MAX];
	size_t rest_len = w->len - w->pos;
	size_t text_left = w->link_text > w->pos ? w->link_text - w->pos : 0;

	if (++w->links > MAX_SYMLINKS)
		return ELOOP;
	if (n + 1 + rest_len >= sizeof(w->pending))
		return ENAMETOOLONG;
	memcpy(rest, w->pending + w->pos, rest_len);
	memcpy(w->pending, target, n);
	w->pending[n] = '/';
	memcpy(w->pending + n + 1, rest, rest_len);
	w->len = n + 1 + rest_len;
	w->pending[w->len] = '\0';
	w->pos = 0;
	w->link_text = n + 1 + text_left;
	if (target[0] == '/')
		w->real_len = 0;	/* an absolute link starts again from "/" */
	w->real[w->real_len] = '\0';
	return 0;
}

/*
 * The settled part of the file system. What a directory entry is (a
 * directory, a symlink and its text, nothing) can be changed only by whoever
 * may write its directory or rename one above it. When every directory from
 * "/" down to it is root's and writable by no one else, "settled", only root
 * can: the walk then keeps what the kernel said of such an entry for up to
 * SETTLED_TTL_NS, per thread, and asks again after that. Nothing under a
 * directory a user can write (/tmp, a home, anything group- or
 * world-writable) is kept, so a user who swaps a directory for a symlink is
 * seen on the next call. Root's own changes are seen within the TTL; the
 * mount itself comes later still, when the container starts. On a create
 * this takes the readlink calls of /srv/data or /var/run/docker.sock from
 * two or four to none.
 */
#define SETTLED_TTL_NS 1000000000LL
#define SETTLED_SETS 16		/* per thread, by path hash */
#define SETTLED_WAYS 2			/* a parent and its child may share a set */
#define SETTLED_TEXT 160		/* longer paths and link texts are not kept */

enum settled_kind {
	SETTLED_NONE,			/* an empty slot */
	SETTLED_DIR,			/* a settled directory: its entries may be kept */
	SETTLED_OTHER,			/* there, not a symlink, not a settled directory */
	SETTLED_LINK,			/* a symlink, with its text */
	SETTLED_MISSING,		/* ENOENT or ENOTDIR */
};

struct settled {
	long long at;			/* when the kernel said it (CLOCK_MONOTONIC_COARSE) */
	unsigned long put;		/* settled_puts then: the older way goes first */
	unsigned char kind, len, link_len;
	char path[SETTLED_TEXT];
	char link[SETTLED_TEXT];
};

static _Thread_local struct settled settled_cache[SETTLED_SETS][SETTLED_WAYS];
static _Thread_local unsigned long settled_puts;	/* the coarse clock ties within a walk */

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct settled *
settled_set(const char *path, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)path[i]) * 16777619u;
	return settled_cache[h % SETTLED_SETS];
}

static bool
settled_is(const struct settled *e, const char *path, size_t len)
{
	return e->kind != SETTLED_NONE && e->len == len && memcmp(e->path, path, len) == 0;
}

/* What is still known of PATH (LEN bytes), or NULL. */
static const struct settled *
settled_get(const char *path, size_t len, long long now)
{
	const struct settled *set, *e;
	size_t w;

	if (len >= SETTLED_TEXT)
		return NULL;
	set = settled_set(path, len);
	for (w = 0; w < SETTLED_WAYS; w++) {
		e = &set[w];
		if (settled_is(e, path, len))
			return now - e->at >= SETTLED_TTL_NS || now < e->at ? NULL : e;
	}
	return NULL;
}

/* Kept in PATH's own way if it has one, else in the way told longest ago. */
static void
settled_put(const char *path, size_t len, enum settled_kind kind, const char *link,
	    size_t link_len, long long now)
{
	struct settled *set, *e;
	size_t w;

	if (len >= SETTLED_TEXT || link_len >= SETTLED_TEXT)
		return;
	set = settled_set(path, len);
	e = &set[0];
	for (w = 0; w < SETTLED_WAYS; w++) {
		if (settled_is(&set[w], path, len)) {
			e = &set[w];
			break;
		}
		if (set[w].kind == SETTLED_NONE || set[w].put < e->put)
			e = &set[w];
	}
	e->kind = (unsigned char)kind;
	e->at = now;
	e->put = ++settled_puts;
	e->len = (unsigned char)len;
	memcpy(e->path, path, len);
	e->link_len = (unsigned char)link_len;
	memcpy(e->link, link, link_len);
}

/* PATH exists and is not a symlink: is it a settled directory (given that
 * its parent is)? Root's, and writable by no one else. */
static enum settled_kind
settled_kind_of(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return SETTLED_OTHER;
	return SETTLED_DIR;
}

/* Is "/" settled? Kept like any entry. */
static bool
root_settled(long long now)
{
	const struct settled *e = settled_get("/", 1, now);
	enum settled_kind kind;

	if (e)
		return e->kind == SETTLED_DIR;
	kind = settled_kind_of("/");
	settled_put("/", 1, kind, "", 0, now);
	return kind == SETTLED_DIR;
}

/*
 * readlink(2) of REAL (the walk's candidate, LEN bytes), or what is still
 * known of it when its directory is SETTLED; the answer is kept when it is.
 * Returns the link text's length into TARGET (PATH_MAX + 1 bytes), or -1
 * with errno; *KIND says whether the entry is itself a settled directory.
 */
static ssize_t
read_entry(const char *real, size_t len, bool settled, long long now, char *target,
	   enum settled_kind *kind)
{
	const struct settled *e = settled ? settled_get(real, len, now) : NULL;
	ssize_t got;

	*kind = SETTLED_OTHER;
	if (e) {
		switch (e->kind) {
		case SETTLED_LINK:
			memcpy(target, e->link, e->link_len);
			return e->link_len;
		case SETTLED_MISSING:
			errno = ENOENT;
			return -1;
		default:
			*kind = (enum settled_kind)e->kind;
			errno = EINVAL;
			return -1;
		}
	}
	got = readlink(real, target, PATH_MAX);
	if (!settled || got == 0 || got >= PATH_MAX)
		return got;
	if (got > 0) {
		settled_put(real, len, SETTLED_LINK, target, (size_t)got, now);
	} else if (errno == EINVAL) {
		*kind = settled_kind_of(real);
		settled_put(real, len, *kind, "", 0, now);
		errno = EINVAL;
	} else if (errno == ENOENT || errno == ENOTDIR) {
		int e2 = errno;

		settled_put(real, len, SETTLED_MISSING, "", 0, now);
		errno = e2;
	}
	return got;
}

/*
 * resolve_existing - PATH (absolute, < PATH_MAX) with the symlinks of its
 * longest existing prefix resolved, the rest appended, cleaned.
 *
 * mount(2) follows every symlink in the part that exists; the part that does
 * not exist dockerd creates as plain directories (MkdirAllAndChown) or the
 * mount fails. One readlink(2) per component read, which realpath(3) costs
 * too, and nothing twice: readlink on a path whose parent is physical says
 * in one call whether the component is a symlink (its text), a plain entry
 * (EINVAL) or missing (ENOENT, or ENOTDIR under a file). ".." steps back in
 * the physical path, as the kernel does after a symlink.
 *
 * Refused: a symlink loop (ELOOP), any error other than "does not exist",
 * and a dangling symlink (the missing component is link text, not the
 * path's own): whatever it points to may appear before the container starts.
 */
static int
resolve_existing(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
	struct walk w;
	char target[PATH_MAX + 1], joined[2 * PATH_MAX + 2];
	size_t n, start;
	ssize_t got;
	int e = 0;
	long long now = now_ns();
	bool root = root_settled(now), settled = root;	/* w.real is settled */
	enum settled_kind kind;

	w.real_len = 0;
	w.real[0] = '\0';
	w.len = strlen(path);
	memcpy(w.pending, path, w.len + 1);
	w.pos = w.link_text = 0;
	w.links = 0;
	for (;;) {
		while (w.pending[w.pos] == '/')
			w.pos++;
		start = w.pos;
		n = strcspn(w.pending + start, "/");
		if (n == 0)
			break;		/* all of it exists */
		w.pos = start + n;
		if (n == 1 && w.pending[start] == '.')
			continue;
		if (n == 2 && w.pending[start] == '.' && w.pending[start + 1] == '.') {
			/* the parent of a settled directory is settled; of another,
			 * unknown here, so taken as not */
			while (w.real_len > 0 && w.real[--w.real_len] != '/')
				;
			w.real[w.real_len] = '\0';
			if (w.real_len == 0)
				settled = root;
			continue;
		}
		if (w.real_len + 1 + n >= sizeof(w.real)) {
			e = ENAMETOOLONG;
			break;
		}
		w.real[w.real_len] = '/';
		memcpy(w.real + w.real_len + 1, w.pending + start, n);
		w.real[w.real_len + 1 + n] = '\0';
		got = read_entry(w.real, w.real_len + 1 + n, settled, now, target, &kind);
		if (got >= PATH_MAX) {
			e = ENAMETOOLONG;
			break;
		}
		if (got > 0) {
			target[got] = '\0';
			if ((e = walk_follow(&w, target, (size_t)got)) != 0)
				break;
			if (target[0] == '/')
				settled = root;
			continue;
		}
		if (got < 0 && errno == EINVAL) {
			w.real_len += 1 + n;	/* there, and not a symlink */
			settled = settled && kind == SETTLED_DIR;
			continue;
		}
		e = got == 0 ? EINVAL : errno;	/* an empty link cannot be made */
		w.real[w.real_len] = '\0';
		if (e == ENOENT || e == ENOTDIR) {
			if (start < w.link_text) {
				errorf(err, errlen, "host path goes through a dangling symlink");
				return -1;
			}
			w.pos = start;	/* the missing rest, appended as written */
			e = 0;
		}
		break;
	}
	if (e == ELOOP) {
		errorf(err, errlen, "host path has a symlink loop");
		return -1;
	}
	if (e != 0) {
		errorf(err, errlen, "cannot resolve host path: %s", strerror(e));
		return -1;
	}
	/* REAL "/" the rest: both under PATH_MAX, JOINED holds them */
	memcpy(joined, w.real, w.real_len);
	joined[w.real_len] = '/';
	memcpy(joined + w.real_len + 1, w.pending + w.pos, w.len - w.pos + 1);
	if (w.real_len + 1 + (w.len - w.pos) >= PATH_MAX || clean(joined, out, outlen) != 0) {
		errorf(err, errlen, "resolved host path is too long");
		return -1;
	}
	return 0;
}

int
mount_resolve_host_path(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
	char cleaned[PATH_MAX], lexical[PATH_MAX], physical[PATH_MAX];

	if (path == NULL || path[0] != '/') {
		errorf(err, errlen, "host path is not absolute");
		return -1;
	}
	if (strnlen(path, PATH_MAX) >= PATH_MAX) {
		errorf(err, errlen, "host path is too long");
		return -1;
	}
	if (clean(path, cleaned, sizeof(cleaned)) != 0 ||
	    resolve_existing(cleaned, lexical, sizeof(lexical), err, errlen) != 0)
		return -1;

	/*
	 * dockerd applies ".." before any symlink (path.Clean of a bind
	 * source), mount(2) after them (a local volume's device is passed
	 * raw): "/var/run/../etc" is /var/etc to one and /etc to the other.
	 * When the two readings differ we refuse rather than pick one.
	 */
	if (has_dotdot(path)) {
		if (resolve_existing(path, physical, sizeof(physical), err, errlen) != 0)
			return -1;
		if (strcmp(lexical, physical) != 0) {
			errorf(err, errlen, "host path has '..' after a symlink (%s or %s)",
			    lexical, physical);
			return -1;
		}
	}
	if (strlen(lexical) >= outlen) {
		errorf(err, errlen, "host path is too long");
		return -1;
	}
	memcpy(out, lexical, strlen(lexical) + 1);
	return 0;
}

/* ---- globs ----------------------------------------------------------- */

/*
 * class_match - does the bracket expression at P (P[0] == '[', PL bytes of
 * pattern left) match C? *used gets its length; 0 when it is unterminated,
 * and the '[' is then an ordinary character. "[!...]" and "[^...]" negate,
 * a leading ']' is literal, "a-z" is a range.
 */
static bool
class_match(const char *p, size_t pl, char c, size_t *used)
{
	size_t i = 1;
	bool neg = false, hit = false;
	unsigned char lo, hi, uc = (unsigned char)c;

	if (i < pl && (p[i] == '!' || p[i] == '^')) {
		neg = true;
		i++;
	}
	for (bool first = true; i < pl && (p[i] != ']' || first); first = false) {
		lo = hi = (unsigned char)p[i++];
		if (i + 1 < pl && p[i] == '-' && p[i + 1] != ']') {
			hi = (unsigned char)p[i + 1];
			i += 2;
		}
		if (lo <= uc && uc <= hi)
			hit = true;
	}
	if (i >= pl) {
		*used = 0;
		return false;
	}
	*used = i + 1;
	return hit != neg;
}

/*
 * elem_match - does the pattern element at P ('?', a class, or one literal
 * byte) match C? *used gets the element's length.
 */
static bool
elem_match(const char *p, size_t pl, char c, size_t *used)
{
	bool hit;

	if (p[0] == '[') {
		hit = class_match(p, pl, c, used);
		if (*used > 0)
			return hit;
	}
	*used = 1;
	return p[0] == '?' || p[0] == c;
}

/*
 * comp_match - does glob P (PL bytes) match the path component S (SL
 * bytes)? '*' is any run, '?' one byte, "[...]" a class; nothing escapes.
 * A mismatch backs up only to the last '*', so the cost is O(PL * SL).
 */
static bool
comp_match(const char *p, size_t pl, const char *s, size_t sl)
{
	size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0, used;

	while (si < sl) {
		if (pi < pl && p[pi] == '*') {
			star = ++pi;
			mark = si;
			continue;
		}
		if (pi < pl && elem_match(p + pi, pl - pi, s[si], &used)) {
			pi += used;
			si++;
			continue;
		}
		if (star == SIZE_MAX)
			return false;
		pi = star;
		si = ++mark;
	}
	while (pi < pl && p[pi] == '*')
		pi++;
	return pi == pl;
}

/* The component at S (after a '/'), its length in *len; NULL at the end. */
static const char *
comp(const char *s, size_t *len)
{
	if (*s == '\0')
		return NULL;
	*len = strcspn(s, "/");
	return s;
}

/* Past the component C of length LEN and its '/'. */
static const char *
comp_next(const char *c, size_t len)
{
	return c[len] == '/' ? c + len + 1 : c + len;
}

static bool
is_globstar(const char *c, size_t len)
{
	return c != NULL && len == 2 && c[0] == '*' && c[1] == '*';
}

/*
 * match_components - clean absolute pattern PAT against clean absolute PATH,
 * a component at a time. "**" eats zero or more whole components; it is the
 * classic single-star backtracking one level up, correct because every other
 * pattern component eats exactly one path component.
 */
static bool
match_components(const char *pat, const char *path)
{
	const char *p = pat + 1, *s = path + 1, *pc, *sc;
	const char *star_p = NULL, *star_s = NULL;
	size_t pl = 0, sl = 0;

	while ((sc = comp(s, &sl)) != NULL) {
		pc = comp(p, &pl);
		if (is_globstar(pc, pl)) {
			star_p = p = comp_next(pc, pl);
			star_s = s;
			continue;
		}
		if (pc != NULL && comp_match(pc, pl, sc, sl)) {
			p = comp_next(pc, pl);
			s = comp_next(sc, sl);
			continue;
		}
		if (star_p == NULL)
			return false;
		/* let the last "**" eat one more component */
		comp(star_s, &sl);
		star_s = comp_next(star_s, sl);
		s = star_s;
		p = star_p;
	}
	while ((pc = comp(p, &pl)) != NULL && is_globstar(pc, pl))
		p = comp_next(pc, pl);
	return *p == '\0';
}

/* ---- Binds ----------------------------------------------------------- */

/* Mode groups of linux_parser.go: at most one option from each. */
static const char *const mode_groups[][7] = {
	{ "ro", "rw", NULL },
	{ "z", "Z", NULL },
	{ "shared", "rshared", "slave", "rslave", "private", "rprivate", NULL },
	{ "nocopy", NULL },
	{ "consistent", "cached", "delegated", NULL },
};

enum { GROUP_RW, GROUP_LABEL, GROUP_PROPAGATION, GROUP_COPY, GROUP_CONSISTENCY, NGROUPS };

/* The group of mode option OPT (LEN bytes), -1 if dockerd knows none. */
static int
mode_group(const char *opt, size_t len)
{
	int g, i;

	for (g = 0; g < NGROUPS; g++)
		for (i = 0; mode_groups[g][i] != NULL; i++)
			if (strlen(mode_groups[g][i]) == len &&
			    memcmp(mode_groups[g][i], opt, len) == 0)
				return g;
	return -1;
}

/*
 * parse_mode - linuxValidMountMode: MODE is "" or a comma list, each item
 * known, at most one per group (so "ro,rw" and "z,Z" fail). Fills the
 * read-only flag, the propagation and whether "nocopy" was given.
 */
static int
parse_mode(const char *mode, struct bind_spec *out, bool *nocopy)
{
	int seen[NGROUPS] = { 0 }, g;
	const char *o = mode;
	size_t len;

	*nocopy = false;
	if (*mode == '\0')
		return 0;
	for (;;) {
		len = strcspn(o, ",");
		g = mode_group(o, len);
		if (g < 0 || seen[g]++)
			return -1;
		if (g == GROUP_RW && len == 2 && memcmp(o, "ro", 2) == 0)
			out->read_only = true;
		if (g == GROUP_PROPAGATION)
			text_copy(out->propagation, sizeof(out->propagation), o, len);
		if (g == GROUP_COPY)
			*nocopy = true;
		if (o[len] == '\0')
			return 0;
		o += len + 1;
	}
}

static bool
mode_valid(const char *mode)
{
	struct bind_spec scratch;
	bool nocopy;

	/* not memset (8 KiB): parse_mode writes only these two */
	scratch.read_only = false;
	scratch.propagation[0] = '\0';
	return parse_mode(mode, &scratch, &nocopy) == 0;
}

/*
 * volume_name_valid - the local driver's name rule (daemon/names:
 * ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$). dockerd's Binds parser itself accepts any
 * name ("local/name"); the driver refuses it at creation. We refuse it here.
 */
static bool
volume_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n < 2)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

/*
 * check_target - validateMountConfigImpl on the target: not empty, absolute
 * and not "/" once '\' is read as '/' (linuxValidateAbsolute does that
 * replacement, so "\x" passes); stored as path.Clean(target), as dockerd.
 */
static int
check_target(const char *target, struct bind_spec *out, char *err, size_t errlen)
{
	char slashed[PATH_MAX], cleaned[PATH_MAX];
	size_t i, n = strlen(target);

	if (n == 0) {
		errorf(err, errlen, "invalid volume specification: empty target");
		return -1;
	}
	if (n >= PATH_MAX) {
		errorf(err, errlen, "invalid volume specification: target too long");
		return -1;
	}
	for (i = 0; i <= n; i++)
		slashed[i] = target[i] == '\\' ? '/' : target[i];
	if (slashed[0] != '/') {
		errorf(err, errlen, "invalid mount path: mount path must be absolute");
		return -1;
	}
	if (clean(slashed, cleaned, sizeof(cleaned)) != 0 || strcmp(cleaned, "/") == 0) {
		errorf(err, errlen, "invalid specification: destination can't be '/'");
		return -1;
	}
	if (clean(target, out->target, sizeof(out->target)) != 0) {
		errorf(err, errlen, "invalid volume specification: target too long");
		return -1;
	}
	return 0;
}

/*
 * check_exclusive - validateExclusiveOptions: "nocopy" makes VolumeOptions,
 * a propagation BindOptions, and each is refused on the other type.
 */
static int
check_exclusive(const struct bind_spec *b, bool nocopy, char *err, size_t errlen)
{
	if (b->type == MOUNT_BIND && nocopy) {
		errorf(err, errlen, "invalid mount config for type \"bind\": "
		    "field VolumeOptions must not be specified");
		return -1;
	}
	if (b->type == MOUNT_VOLUME && b->propagation[0] != '\0') {
		errorf(err, errlen, "invalid mount config for type \"volume\": "
		    "field BindOptions must not be specified");
		return -1;
	}
	return 0;
}

/*
 * set_source - a bind's source as MountPoint.Source, path.Clean'ed (that is
 * what gets mounted); a volume's name, which must be one the local driver
 * would create.
 */
static int
set_source(const char *source, struct bind_spec *b, char *err, size_t errlen)
{
	if (strlen(source) >= sizeof(b->source)) {
		errorf(err, errlen, "invalid volume specification: source too long");
		return -1;
	}
	if (b->type == MOUNT_BIND) {
		(void)clean(source, b->source, sizeof(b->source));
		return 0;
	}
	if (*source != '\0' && !volume_name_valid(source)) {
		errorf(err, errlen, "invalid volume name (only [a-zA-Z0-9][a-zA-Z0-9_.-] allowed)");
		return -1;
	}
	memcpy(b->source, source, strlen(source) + 1);
	return 0;
}

/* Split RAW as strings.SplitN(raw, ":", 4) into PARTS (copied into BUF). */
static size_t
split4(const char *raw, char *buf, size_t buflen, char *parts[4])
{
	size_t n = 1;
	char *c;

	text_copy(buf, buflen, raw, strlen(raw));
	parts[0] = buf;
	while (n < 4 && (c = strchr(parts[n - 1], ':')) != NULL) {
		*c = '\0';
		parts[n++] = c + 1;
	}
	return n;
}

int
mount_parse_bind(const char *raw, struct bind_spec *out, char *err, size_t errlen)
{
	char buf[2 * PATH_MAX + 64], *parts[4];
	const char *source = "", *target, *mode = "";
	bool nocopy;
	size_t n;

	/* not memset: two PATH_MAX buffers, 8 KiB per bind on every create */
	out->type = MOUNT_NONE;
	out->source[0] = out->target[0] = out->propagation[0] = '\0';
	out->read_only = false;
	if (raw == NULL || strnlen(raw, sizeof(buf)) >= sizeof(buf)) {
		errorf(err, errlen, "invalid volume specification: too long");
		return -1;
	}
	n = split4(raw, buf, sizeof(buf), parts);
	if (parts[0][0] == '\0' || n == 4) {
		errorf(err, errlen, "invalid volume specification");
		return -1;
	}
	target = parts[0];		/* one part: an anonymous volume at it */
	if (n >= 2) {
		/* "/foo:rw" (or "/foo:") is a target and a mode, which only
		 * a volume could be, and volumes need a name: refused */
		if (n == 2 && mode_valid(parts[1])) {
			errorf(err, errlen, "invalid volume specification");
			return -1;
		}
		source = parts[0];
		target = parts[1];
		mode = n == 3 ? parts[2] : "";
	}
	if (parse_mode(mode, out, &nocopy) != 0) {
		errorf(err, errlen, "invalid mode");
		return -1;
	}
	/* path.IsAbs: the source only, and without the '\' replacement */
	out->type = source[0] == '/' ? MOUNT_BIND : MOUNT_VOLUME;
	if (check_exclusive(out, nocopy, err, errlen) != 0 ||
	    check_target(target, out, err, errlen) != 0 ||
	    set_source(source, out, err, errlen) != 0)
		return -1;
	return 0;
}

/* ---- sensitive host paths -------------------------------------------- */

/* controls.md 4.2, every row; /usr/bin/{dockerd,...} are under /usr. */
static const char *const sensitive_paths[] = {
	"/", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc",
	"/sys", "/usr", "/bin", "/sbin", "/root",
	"/var/run/docker.sock", "/run/docker.sock", "/run/user/*/docker.sock",
	"/run/docker", "/run/containerd", "/var/lib/docker",
	"/var/lib/containerd", "/etc/docker", "/etc/containerd",
	"/run/buildkit", "/run/podman", "/var/run/crio", "/var/lib/kubelet",
	"/run/systemd", "/run/dbus/system_bus_socket", "/var/log", "/var/run",
};

/* Socket names sensitive wherever they are (CIS 5.32: "docker.sock"). */
static const char *const sensitive_names[] = { "docker.sock", "containerd.sock" };

/*
 * related - does clean absolute PATH equal ENTRY, lie under it, or lie
 * above it? ENTRY's components may be globs, and "**" stands for anything
 * below. Whichever runs out first, all compared components having matched,
 * makes the two related; "/" (no components) is related to everything, so
 * the caller compares a "/" entry for equality only.
 */
static bool
related(const char *entry, const char *path)
{
	const char *p = entry + 1, *s = path + 1, *pc, *sc;
	size_t pl = 0, sl = 0;

	for (;;) {
		pc = comp(p, &pl);
		sc = comp(s, &sl);
		if (pc == NULL || sc == NULL || is_globstar(pc, pl))
			return true;
		if (!comp_match(pc, pl, sc, sl))
			return false;
		p = comp_next(pc, pl);
		s = comp_next(sc, sl);
	}
}

/*
 * resolve_entry - ENTRY with the symlinks of its fixed part resolved (the
 * components before the first glob), so /var/run/docker.sock also reads as
 * /run/docker.sock. False when that changes nothing or cannot be done.
 */
static bool
resolve_entry(const char *entry, char *out, size_t outlen)
{
	char fixed[PATH_MAX], real[PATH_MAX], joined[2 * PATH_MAX];
	size_t cut = strcspn(entry, "*?[");

	if (entry[cut] != '\0')
		while (cut > 0 && entry[cut] != '/')
			cut--;
	if (cut == 0 || cut >= sizeof(fixed))
		return false;
	memcpy(fixed, entry, cut);
	fixed[cut] = '\0';
	if (mount_resolve_host_path(fixed, real, sizeof(real), NULL, 0) != 0)
		return false;
	snprintf(joined, sizeof(joined), "%s/%s", real, entry + cut);
	if (strlen(joined) >= outlen || clean(joined, out, outlen) != 0)
		return false;
	return strcmp(out, entry) != 0;
}

/* Is RESOLVED related to CLEANED (a deny entry, clean and absolute), or to
 * ALT (the entry with its symlinks resolved, or NULL)? "/" is related to
 * everything, so it is compared for equality only. */
static bool
sensitive_to_cleaned(const char *cleaned, const char *alt, const char *resolved)
{
	if (strcmp(cleaned, "/") == 0)
		return strcmp(resolved, "/") == 0;
	return related(cleaned, resolved) || (alt != NULL && related(alt, resolved));
}

/* ENTRY cleaned into CLEANED (PATH_MAX bytes); false for an entry we cannot
 * read, which then denies everything (fail closed). */
static bool
clean_entry(const char *entry, char *cleaned)
{
	return entry != NULL && entry[0] == '/' && clean(entry, cleaned, PATH_MAX) == 0;
}

/* Is RESOLVED related to ENTRY as written or as its symlinks resolve now? */
static bool
sensitive_to(const char *entry, const char *resolved)
{
	char cleaned[PATH_MAX], alt[PATH_MAX];

	if (!clean_entry(entry, cleaned))
		return true;
	return sensitive_to_cleaned(cleaned,
				    resolve_entry(cleaned, alt, sizeof(alt)) ? alt : NULL, resolved);
}

#define NSENSITIVE (sizeof(sensitive_paths) / sizeof(sensitive_paths[0]))

/*
 * The built-in list with its symlinks resolved, computed once per process:
 * resolving ~30 paths costs ~190 us, far too much for every mount of every
 * create, and the host's /var/run -> /run does not move under a running
 * daemon. A process-lifetime table of host facts, read-only once built.
 */
static char sensitive_alt_buf[NSENSITIVE][PATH_MAX];
static const char *sensitive_alt[NSENSITIVE];
static bool sensitive_is_clean[NSENSITIVE];	/* written clean: no clean() per call */
/* The length of the first component of entry I (and of its alt), when it
 * is literal; ANY_FIRST when it is a glob or the entry is "/". */
#define ANY_FIRST SIZE_MAX
static size_t sensitive_first[NSENSITIVE][2];
/* That first component as a word (first_word), when it is 1 to 8 bytes:
 * one compare instead of a memcmp call per entry. */
static uint64_t sensitive_word[NSENSITIVE][2];
static pthread_once_t sensitive_once = PTHREAD_ONCE_INIT;

static size_t
first_literal(const char *entry)
{
	size_t n = strcspn(entry + 1, "/*?[");

	if (entry[0] != '/' || n == 0 || (entry[1 + n] != '/' && entry[1 + n] != '\0'))
		return ANY_FIRST;
	return n;
}

/* The N bytes at C as one word, when N is 1 to 8 (keyword.h's tail_word);
 * 0 otherwise. */
static uint64_t
first_word(const char *c, size_t n)
{
	return n >= 1 && n <= 8 ? tail_word(c, 0, n) : 0;
}

/* Does the first component of ENTRY (N bytes, its word W) equal PC (PLEN
 * bytes, its word PW)? */
static bool
same_first(const char *entry, size_t n, uint64_t w, const char *pc, size_t plen, uint64_t pw)
{
	return n == plen && (n <= 8 ? w == pw : memcmp(entry + 1, pc, n) == 0);
}

/* Might built-in entry I be related to a path whose first component is PC
 * (PLEN bytes, word PW; NULL for "/")? Not when the first components,
 * literal, differ: most paths are then settled without a glob match per
 * entry. */
static bool
first_may_relate(size_t i, const char *pc, size_t plen, uint64_t pw)
{
	const char *alt = sensitive_alt[i];
	size_t n = sensitive_first[i][0], m = sensitive_first[i][1];

	if (pc == NULL || n == ANY_FIRST ||
	    same_first(sensitive_paths[i], n, sensitive_word[i][0], pc, plen, pw))
		return true;
	return alt != NULL && (m == ANY_FIRST || same_first(alt, m, sensitive_word[i][1], pc, plen, pw));
}

static void
resolve_sensitive(void)
{
	char cleaned[PATH_MAX];
	size_t i;

	for (i = 0; i < NSENSITIVE; i++) {
		sensitive_is_clean[i] = is_clean(sensitive_paths[i]);
		if (clean(sensitive_paths[i], cleaned, sizeof(cleaned)) == 0 &&
		    resolve_entry(cleaned, sensitive_alt_buf[i], sizeof(sensitive_alt_buf[i])))
			sensitive_alt[i] = sensitive_alt_buf[i];
		/* an entry not written clean is compared in full every time */
		sensitive_first[i][0] = sensitive_is_clean[i] ? first_literal(sensitive_paths[i])
							      : ANY_FIRST;
		sensitive_first[i][1] = sensitive_alt[i] ? first_literal(sensitive_alt[i]) : ANY_FIRST;
		sensitive_word[i][0] = first_word(sensitive_paths[i] + 1, sensitive_first[i][0]);
		if (sensitive_alt[i])
			sensitive_word[i][1] = first_word(sensitive_alt[i] + 1, sensitive_first[i][1]);
	}
}

/* Built-in entry I: written clean (the check is for an edit of the table),
 * so not cleaned again on every call. */
static bool
sensitive_builtin(size_t i, const char *resolved)
{
	char cleaned[PATH_MAX];

	if (sensitive_is_clean[i])
		return sensitive_to_cleaned(sensitive_paths[i], sensitive_alt[i], resolved);
	if (!clean_entry(sensitive_paths[i], cleaned))
		return true;
	return sensitive_to_cleaned(cleaned, sensitive_alt[i], resolved);
}

bool
mount_path_sensitive(const char *resolved, const struct patterns *extra, const char **which)
{
	const char *base, *dummy, *first;
	size_t i, first_len = 0;
	uint64_t first_w;

	if (which == NULL)
		which = &dummy;
	if (resolved == NULL || resolved[0] != '/' || !is_clean(resolved)) {
		*which = "(not a resolved host path)";
		return true;
	}
	pthread_once(&sensitive_once, resolve_sensitive);
	first = comp(resolved + 1, &first_len);
	first_w = first ? first_word(first, first_len) : 0;
	for (i = 0; i < NSENSITIVE; i++)
		if (first_may_relate(i, first, first_len, first_w) && sensitive_builtin(i, resolved)) {
			*which = sensitive_paths[i];
			return true;
		}
	base = strrchr(resolved, '/') + 1;
	for (i = 0; i < sizeof(sensitive_names) / sizeof(sensitive_names[0]); i++)
		if (strcmp(base, sensitive_names[i]) == 0) {
			*which = sensitive_names[i];
			return true;
		}
	for (i = 0; extra != NULL && i < extra->n; i++)
		if (sensitive_to(extra->items[i], resolved)) {
			*which = extra->items[i] != NULL ? extra->items[i] : "(null)";
			return true;
		}
	*which = NULL;
	return false;
}

/* ---- local volume driver options ------------------------------------- */

/* Is TOKEN one of the comma-separated items of LIST? */
static bool
has_option(const char *list, const char *token)
{
	size_t len, tl = strlen(token);

	for (;;) {
		len = strcspn(list, ",");
		if (len == tl && memcmp(list, token, len) == 0)
			return true;
		if (list[len] == '\0')
			return false;
		list += len + 1;
	}
}

/*
 * mount_local_opts_host - the local driver (local_unix.go) knows exactly
 * the keys "type", "o", "device" and "size", case-sensitive; any other key
 * makes dockerd refuse the volume, and we answer "host" for it so no other
 * reader can see it differently. moby/sys/mount turns the exact items
 * "bind" and "rbind" of "o" into MS_BIND, which ignores the type and mounts
 * the device path. Without bind, a device is mounted with the type: only
 * tmpfs ignores its device; everything else (ext4 on /dev/sda1, nfs
 * ":/export", cifs "//srv/share", overlay with lowerdir= in "o") reaches
 * the host. No options, or "size" alone, is a plain directory volume.
 */
bool
mount_local_opts_host(const cJSON *opts, const char **device)
{
	const cJSON *kv;
	const char *type = NULL, *o = NULL, *dev = NULL;
	bool other = false;

	if (device != NULL)
		*device = NULL;
	if (opts == NULL || cJSON_IsNull(opts))
		return false;
	if (!cJSON_IsObject(opts))
		return true;
	cJSON_ArrayForEach(kv, opts) {
		if (!cJSON_IsString(kv) || kv->string == NULL)
			return true;
		if (strcmp(kv->string, "type") == 0 && type == NULL)
			type = kv->valuestring;
		else if (strcmp(kv->string, "o") == 0 && o == NULL)
			o = kv->valuestring;
		else if (strcmp(kv->string, "device") == 0 && dev == NULL)
			dev = kv->valuestring;
		else if (strcmp(kv->string, "size") != 0)
			other = true;	/* unknown, or a duplicate key */
	}
	if (device != NULL)
		*device = dev;
	if (other)
		return true;
	if (o != NULL && (has_option(o, "bind") || has_option(o, "rbind")))
		return true;
	if (type == NULL && dev == NULL && o == NULL)
		return false;
	return type == NULL || strcmp(type, "tmpfs") != 0;
}

/* ---- allowlist patterns ---------------------------------------------- */

/*
 * user_ok - may USER stand in for "{user}"? Never when it could change the
 * pattern's shape: empty, ".", "..", a '/', or a glob character would turn
 * a pattern like /srv/tenants/{user} into a wider one.
 */
static bool
user_ok(const char *user)
{
	return user != NULL && user[0] != '\0' && strcmp(user, ".") != 0 &&
	    strstr(user, "..") == NULL && strpbrk(user, "/*?[]\\") == NULL;
}

/* PATTERN with every "{user}" replaced by USER into OUT; -1 if impossible. */
static int
substitute_user(const char *pattern, const char *user, char *out, size_t outlen)
{
	static const char key[] = "{user}";
	const char *p = pattern, *hit;
	size_t w = 0, len;

	while ((hit = strstr(p, key)) != NULL) {
		if (!user_ok(user))
			return -1;
		len = (size_t)(hit - p);
		if (w + len + strlen(user) >= outlen)
			return -1;
		memcpy(out + w, p, len);
		w += len;
		memcpy(out + w, user, strlen(user));
		w += strlen(user);
		p = hit + sizeof(key) - 1;
	}
	len = strlen(p);
	if (w + len >= outlen)
		return -1;
	memcpy(out + w, p, len + 1);
	return 0;
}

/*
 * literal_prefix_differs - a quick no, before {user} is substituted and the
 * pattern cleaned: PATTERN's bytes up to its first '{' or glob byte are
 * plain components that must equal PATH's (clean) first bytes. Cleaning
 * turns a run of '/' into one (followed here) and drops a trailing '/'
 * (where PATH ends: no answer, below). A "." or ".." component could change
 * what comes before it: so no answer (false) from a pattern with one before
 * the difference, or a ".." after it. Policies have neither (profile.c
 * refuses them).
 */
static bool
literal_prefix_differs(const char *pat, const char *path)
{
	for (; *pat != '\0'; pat++, path++) {
		if (*pat == '{' || *pat == '*' || *pat == '?' || *pat == '[')
			return false;
		if (*pat == '/') {
			while (pat[1] == '/')
				pat++;
			if (pat[1] == '.')
				return false;
		}
		/* where PATH ends, a '/' may still be dropped or eaten by a "**" */
		if (*pat != *path)
			return (*pat != '/' || *path != '\0') && strstr(pat, "/..") == NULL;
	}
	return false;
}

/* Both absolute, PATH clean (resolved); an unclean PATH matches nothing. */
static bool
pattern_usable(const char *pattern, const char *path)
{
	return pattern != NULL && path != NULL && pattern[0] == '/' && path[0] == '/' &&
	    is_clean(path);
}

/* Substitute, clean, match: PATTERN and PATH are pattern_usable. */
static bool
pattern_match_whole(const char *pattern, const char *user, const char *path)
{
	char subst[PATH_MAX], pat[PATH_MAX];

	/* no {user} and already clean: what substituting and cleaning give */
	if (strchr(pattern, '{') == NULL && is_clean(pattern))
		return match_components(pattern, path);
	if (substitute_user(pattern, user, subst, sizeof(subst)) != 0 ||
	    clean(subst, pat, sizeof(pat)) != 0)
		return false;
	return match_components(pat, path);
}

bool
path_pattern_match(const char *pattern, const char *user, const char *path)
{
	return pattern_usable(pattern, path) && !literal_prefix_differs(pattern, path) &&
	    pattern_match_whole(pattern, user, path);
}

bool
path_pattern_match_whole(const char *pattern, const char *user, const char *path)
{
	return pattern_usable(pattern, path) && pattern_match_whole(pattern, user, path);
}
