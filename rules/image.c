/* SPDX-License-Identifier: Apache-2.0 */
/* image.c - image references normalised as dockerd normalises them. */

/*
 * Read from distribution/reference: normalize.go (ParseNormalizedNamed,
 * splitDockerDomain, ParseAnyReference), reference.go (Parse and the
 * grammar), regexp.go (the exact expressions); go-digest for the digests
 * dockerd accepts (sha256, sha384, sha512; lower-case hex of the exact
 * length); moby daemon/images/image.go (GetImage) for what a name may mean.
 *
 * Invariants:
 *  - image_parse succeeds only for what ParseNormalizedNamed accepts and
 *    reads the same way; what dockerd would read as an image ID (64 hex, or
 *    a digest, or "sha256:<hex>") is refused;
 *  - a pattern that does not parse matches nothing;
 *  - matching is linear-ish: the last '*' (or "**") is the only backtrack.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errorf.h"
#include "image.h"

#define REF_MAX		1024	/* longest reference or pattern we read */
#define DOMAIN_MAX	255	/* fits struct image_ref.domain */
#define NAME_MAX_LEN	255	/* RepositoryNameTotalLengthMax: the path alone */
#define TAG_MAX		128	/* tag: [\w][\w.-]{0,127} */

static const char default_domain[] = "docker.io";
static const char legacy_domain[] = "index.docker.io";
static const char official_prefix[] = "library/";

/* go-digest algorithms dockerd registers, and their hex lengths. */
static const struct {
	const char *name;
	size_t hexlen;
} algorithms[] = {
	{ "sha256", 64 },
	{ "sha384", 96 },
	{ "sha512", 128 },
};

/* A reference or pattern cut into its parts; pointers into the input. */
struct parts {
	const char *domain;	/* as written, or default_domain */
	size_t dlen;
	bool library;		/* "library/" goes before the path */
	const char *path;
	size_t plen;
	const char *tag;	/* NULL when none */
	size_t tlen;
	const char *digest;	/* NULL when none */
	size_t glen;
};

/* ASCII classes; the locale must not change what a reference is. */
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_alnum(char c) { return is_digit(c) || is_lower(c) || is_upper(c); }
static bool is_word(char c) { return is_alnum(c) || c == '_'; }
static bool is_lhex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
static bool is_hex(char c) { return is_lhex(c) || (c >= 'A' && c <= 'F'); }

static bool
equals(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool
has_upper(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (is_upper(s[i]))
			return true;
	return false;
}

/* Does every byte of S (N bytes) belong to SET, or satisfy CLASS? */
static bool
all_of(const char *s, size_t n, bool (*class)(char), const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(class != NULL && class(s[i])) && strchr(set, s[i]) == NULL)
			return false;
	return true;
}

/* ---- the grammar ----------------------------------------------------- */

/* identifier: exactly 64 lower-case hex, an image ID. */
static bool
is_identifier(const char *s)
{
	return strlen(s) == 64 && all_of(s, 64, is_lhex, "");
}

/* go-digest Parse: a registered algorithm and lower-case hex of its length. */
static bool
valid_digest(const char *g, size_t n)
{
	const char *colon = memchr(g, ':', n);
	size_t i, al;

	if (colon == NULL)
		return false;
	al = (size_t)(colon - g);
	for (i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
		if (equals(g, al, algorithms[i].name))
			return n - al - 1 == algorithms[i].hexlen &&
			    all_of(colon + 1, n - al - 1, is_lhex, "");
	return false;
}

/*
 * valid_domain - domainAndPort: dot-separated components of [a-zA-Z0-9-]
 * not starting or ending with '-', or "[" IPv6 hex and colons "]"; then an
 * optional ":" and digits.
 */
static bool
valid_domain(const char *d, size_t n)
{
	size_t i = 0, start;

	if (n == 0 || n > DOMAIN_MAX)
		return false;
	if (d[0] == '[') {
		for (i = 1; i < n && (is_hex(d[i]) || d[i] == ':'); i++)
			;
		if (i == 1 || i >= n || d[i] != ']')
			return false;
		i++;
	} else {
		for (;;) {
			start = i;
			while (i < n && (is_alnum(d[i]) || d[i] == '-'))
				i++;
			if (i == start || d[start] == '-' || d[i - 1] == '-')
				return false;
			if (i < n && d[i] == '.') {
				i++;
				continue;
			}
			break;
		}
	}
	if (i == n)
		return true;
	if (d[i] != ':' || i + 1 == n)
		return false;
	return all_of(d + i + 1, n - i - 1, is_digit, "");
}

/* pathComponent: [a-z0-9]+ joined by ".", "_", "__" or a run of "-". */
static bool
valid_component(const char *c, size_t n)
{
	size_t i = 0, start;

	for (;;) {
		start = i;
		while (i < n && (is_lower(c[i]) || is_digit(c[i])))
			i++;
		if (i == start)
			return false;
		if (i == n)
			return true;
		if (c[i] == '.') {
			i++;
		} else if (c[i] == '_') {
			i += i + 1 < n && c[i + 1] == '_' ? 2 : 1;
		} else if (c[i] == '-') {
			while (i < n && c[i] == '-')
				i++;
		} else {
			return false;
		}
	}
}

/* Does each '/'-separated component of S (N bytes) pass CHECK? */
static bool
each_component(const char *s, size_t n, bool (*check)(const char *, size_t))
{
	const char *end = s + n, *slash;

	for (;;) {
		slash = memchr(s, '/', (size_t)(end - s));
		if (!check(s, (size_t)((slash != NULL ? slash : end) - s)))
			return false;
		if (slash == NULL)
			return true;
		s = slash + 1;
	}
}

static bool
valid_tag(const char *t, size_t n)
{
	return n >= 1 && n <= TAG_MAX && is_word(t[0]) && all_of(t, n, is_word, ".-");
}

/*
 * split - splitDockerDomain, then name[:tag][@digest]. The first component
 * is a domain when it is "localhost", has a '.' or ':', or has upper case
 * (a namespace never does); "index.docker.io" is "docker.io"; without one,
 * the domain is docker.io, and a docker.io path of one component gets
 * "library/". Path components hold neither ':' nor '@', tags no '@', so the
 * first '@' starts the digest and the first ':' before it the tag.
 */
static void
split(const char *s, struct parts *p)
{
	const char *slash = strchr(s, '/'), *rest = s, *at, *colon;
	size_t fl, nl;

	memset(p, 0, sizeof(*p));
	p->domain = default_domain;
	p->dlen = strlen(default_domain);
	if (slash != NULL) {
		fl = (size_t)(slash - s);
		if (equals(s, fl, legacy_domain)) {
			rest = slash + 1;
		} else if (equals(s, fl, "localhost") || memchr(s, '.', fl) != NULL ||
		    memchr(s, ':', fl) != NULL || has_upper(s, fl)) {
			p->domain = s;
			p->dlen = fl;
			rest = slash + 1;
		}
	}
	p->library = equals(p->domain, p->dlen, default_domain) && strchr(rest, '/') == NULL;

	at = strchr(rest, '@');
	nl = at != NULL ? (size_t)(at - rest) : strlen(rest);
	if (at != NULL) {
		p->digest = at + 1;
		p->glen = strlen(at + 1);
	}
	colon = memchr(rest, ':', nl);
	p->path = rest;
	p->plen = colon != NULL ? (size_t)(colon - rest) : nl;
	if (colon != NULL) {
		p->tag = colon + 1;
		p->tlen = nl - p->plen - 1;
	}
}

static size_t
name_len(const struct parts *p)
{
	return p->plen + (p->library ? strlen(official_prefix) : 0);
}

/* The path with "library/" before an official image's name, into OUT (LEN
 * bytes, cut to fit, like snprintf); returns the full length, as snprintf. */
static size_t
library_path(const struct parts *p, char *out, size_t len)
{
	size_t pre = p->library ? sizeof(official_prefix) - 1 : 0, n = pre + p->plen, k;

	if (len == 0)
		return n;
	k = pre < len - 1 ? pre : len - 1;
	memcpy(out, official_prefix, k);
	if (k == pre)
		memcpy(out + k, p->path, p->plen < len - 1 - k ? p->plen : len - 1 - k);
	out[n < len - 1 ? n : len - 1] = '\0';
	return n;
}

/* ---- image_parse ----------------------------------------------------- */

/*
 * refused_as_id - what GetImage would take for an image ID rather than a
 * name: 64 hex (ParseNormalizedNamed refuses it), a whole digest
 * (ParseAnyReference), and "sha256:<hex>" which parses as the official image
 * "sha256" with a tag but, that image being absent, is then searched as an
 * ID prefix.
 */
static bool
refused_as_id(const char *ref, const struct parts *p)
{
	size_t i;

	if (is_identifier(ref) || valid_digest(ref, strlen(ref)))
		return true;
	if (strchr(ref, '/') != NULL || p->tag == NULL)
		return false;
	for (i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
		if (equals(p->path, p->plen, algorithms[i].name))
			return true;
	return false;
}

static int
check_parts(const struct parts *p, char *err, size_t errlen)
{
	if (!valid_domain(p->domain, p->dlen)) {
		errorf(err, errlen, "invalid reference format: bad registry domain");
		return -1;
	}
	if (has_upper(p->path, p->plen)) {
		errorf(err, errlen, "invalid reference format: repository name must be lowercase");
		return -1;
	}
	if (p->plen == 0 || !each_component(p->path, p->plen, valid_component)) {
		errorf(err, errlen, "invalid reference format");
		return -1;
	}
	if (name_len(p) > NAME_MAX_LEN) {
		errorf(err, errlen, "repository name must not be more than %d characters", NAME_MAX_LEN);
		return -1;
	}
	if (p->tag != NULL && !valid_tag(p->tag, p->tlen)) {
		errorf(err, errlen, "invalid reference format: bad tag");
		return -1;
	}
	if (p->digest != NULL && !valid_digest(p->digest, p->glen)) {
		errorf(err, errlen, "invalid reference format: bad or unsupported digest");
		return -1;
	}
	return 0;
}

int
image_parse(const char *ref, struct image_ref *out, char *err, size_t errlen)
{
	struct parts p;

	memset(out, 0, sizeof(*out));
	if (ref == NULL || ref[0] == '\0') {
		errorf(err, errlen, "repository name must have at least one component");
		return -1;
	}
	if (strnlen(ref, REF_MAX + 1) > REF_MAX) {
		errorf(err, errlen, "image reference too long");
		return -1;
	}
	split(ref, &p);
	if (refused_as_id(ref, &p)) {
		errorf(err, errlen, "invalid repository name: an image ID, not a name");
		return -1;
	}
	if (check_parts(&p, err, errlen) != 0)
		return -1;
	memcpy(out->domain, p.domain, p.dlen);
	library_path(&p, out->path, sizeof(out->path));
	if (p.tag != NULL)
		memcpy(out->tag, p.tag, p.tlen);
	if (p.digest != NULL)
		memcpy(out->digest, p.digest, p.glen);
	return 0;
}

void
image_canonical(const struct image_ref *r, char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return;
	if (r == NULL)
		buf[0] = '\0';
	else if (r->digest[0] == '\0')
		snprintf(buf, len, "%s/%s:%s", r->domain, r->path,
		    r->tag[0] != '\0' ? r->tag : "latest");
	else if (r->tag[0] == '\0')
		snprintf(buf, len, "%s/%s@%s", r->domain, r->path, r->digest);
	else
		snprintf(buf, len, "%s/%s:%s@%s", r->domain, r->path, r->tag, r->digest);
}

/* ---- patterns -------------------------------------------------------- */

static char
fold(char c)
{
	return is_upper(c) ? (char)(c - 'A' + 'a') : c;
}

/*
 * glob - '*' (any run) and '?' (one byte) over S; nothing else is special.
 * FOLD compares case-insensitively (domains: DNS is). Only the last '*' is
 * ever backed up to, so the cost is O(PL * SL).
 */
static bool
glob(const char *p, size_t pl, const char *s, size_t sl, bool fold_case)
{
	size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;

	while (si < sl) {
		if (pi < pl && p[pi] == '*') {
			star = ++pi;
			mark = si;
		} else if (pi < pl && (p[pi] == '?' || p[pi] == s[si] ||
		    (fold_case && fold(p[pi]) == fold(s[si])))) {
			pi++;
			si++;
		} else if (star != SIZE_MAX) {
			pi = star;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < pl && p[pi] == '*')
		pi++;
	return pi == pl;
}

/* Length of the component starting at I of S (N bytes), and the next one. */
static size_t
clen(const char *s, size_t n, size_t i)
{
	const char *slash = memchr(s + i, '/', n - i);

	return slash != NULL ? (size_t)(slash - s) - i : n - i;
}

static size_t
cnext(const char *s, size_t n, size_t i)
{
	size_t len = clen(s, n, i);

	return i + len < n ? i + len + 1 : n;
}

static bool
is_globstar(const char *s, size_t n, size_t i)
{
	return i < n && clen(s, n, i) == 2 && s[i] == '*' && s[i + 1] == '*';
}

/*
 * path_glob - pattern P against repository path S, a component at a time;
 * "**" eats zero or more whole components (the one-star backtracking one
 * level up: every other component eats exactly one).
 */
static bool
path_glob(const char *p, size_t pl, const char *s, size_t sl)
{
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;

	while (si < sl) {
		if (is_globstar(p, pl, pi)) {
			star_p = pi = cnext(p, pl, pi);
			star_s = si;
		} else if (pi < pl && glob(p + pi, clen(p, pl, pi), s + si, clen(s, sl, si), false)) {
			pi = cnext(p, pl, pi);
			si = cnext(s, sl, si);
		} else if (star_p != SIZE_MAX) {
			star_s = cnext(s, sl, star_s);
			si = star_s;
			pi = star_p;
		} else {
			return false;
		}
	}
	while (is_globstar(p, pl, pi))
		pi = cnext(p, pl, pi);
	return pi >= pl;
}

static bool
pattern_component(const char *c, size_t n)
{
	return n > 0 && all_of(c, n, is_digit, "abcdefghijklmnopqrstuvwxyz._-*?");
}

/* A pattern's parts: the reference grammar's characters plus '*' and '?'. */
static bool
pattern_valid(const struct parts *p)
{
	return p->dlen > 0 && p->dlen <= DOMAIN_MAX &&
	    all_of(p->domain, p->dlen, is_alnum, ".-:[]*?") &&
	    p->plen > 0 && each_component(p->path, p->plen, pattern_component) &&
	    (p->tag == NULL || (p->tlen > 0 && p->tlen <= TAG_MAX &&
	    all_of(p->tag, p->tlen, is_word, ".-*?"))) &&
	    (p->digest == NULL || valid_digest(p->digest, p->glen));
}

/*
 * version_match - the tag and digest part of a pattern against REF.
 *  - neither: every tag and digest of the repository;
 *  - a tag: REF's tag, "latest" when it has neither, must match; a REF
 *    with a digest never does, because dockerd pulls and runs the digest
 *    and the tag beside it says nothing ("bb:1@sha256:..." is any content);
 *  - a digest: REF's digest must be that one (and its tag match the
 *    pattern's tag, if the pattern has both).
 */
static bool
version_match(const struct parts *p, const struct image_ref *ref)
{
	const char *tag = ref->tag[0] != '\0' ? ref->tag : "latest";

	if (p->digest != NULL) {
		if (!equals(p->digest, p->glen, ref->digest))
			return false;
		return p->tag == NULL ||
		    (ref->tag[0] != '\0' && glob(p->tag, p->tlen, ref->tag, strlen(ref->tag), false));
	}
	if (p->tag != NULL)
		return ref->digest[0] == '\0' && glob(p->tag, p->tlen, tag, strlen(tag), false);
	return true;
}

/* A pattern split and checked (image_pattern_compile). */
struct image_pattern {
	struct parts p;
	size_t n;			/* of path */
	char path[sizeof(official_prefix) + REF_MAX];	/* library_path() */
};

/* PATTERN split and checked into IP; false when it is not a valid pattern. */
static bool
pattern_compile(const char *pattern, struct image_pattern *ip)
{
	if (pattern == NULL || strnlen(pattern, REF_MAX + 1) > REF_MAX || is_identifier(pattern))
		return false;
	split(pattern, &ip->p);
	if (!pattern_valid(&ip->p))
		return false;
	ip->n = library_path(&ip->p, ip->path, sizeof(ip->path));
	return ip->n < sizeof(ip->path);
}

struct image_pattern *
image_pattern_compile(const char *pattern)
{
	struct image_pattern *ip = malloc(sizeof(*ip));

	if (ip != NULL && !pattern_compile(pattern, ip)) {
		free(ip);
		ip = NULL;
	}
	return ip;
}

bool
image_pattern_matches(const struct image_pattern *ip, const struct image_ref *ref)
{
	if (ip == NULL || ref == NULL || ref->domain[0] == '\0' || ref->path[0] == '\0')
		return false;
	return glob(ip->p.domain, ip->p.dlen, ref->domain, strlen(ref->domain), true) &&
	       path_glob(ip->path, ip->n, ref->path, strlen(ref->path)) &&
	       version_match(&ip->p, ref);
}

/*
 * image_pattern_match - PATTERN is split exactly as a reference is, so
 * "bb:*" is docker.io/library/bb with any tag, and "*" is any official
 * image: a bare word names an official image, glob or not. For the same
 * reason "docker.io/X" with X = "**" is docker.io/library/X; all of Docker
 * Hub is "docker.io/A/B" with A = "*" and B = "**". The domain matches
 * case-insensitively (DNS is), the path and tag exactly; '*' and '?' stay
 * within a component or the tag, "**" spans path components, so "busybox*"
 * is never "busybox/sub".
 */
bool
image_pattern_match(const char *pattern, const struct image_ref *ref)
{
	struct image_pattern ip;

	return pattern_compile(pattern, &ip) && image_pattern_matches(&ip, ref);
}
