/* SPDX-License-Identifier: Apache-2.0 */
/* uri.c - read a RequestUri the way dockerd's Go net/url and gorilla/mux do. */

/*
 * dockerd forwards r.RequestURI to the plugin verbatim but routes on
 * r.URL.Path: net/http's url.ParseRequestURI percent-decodes the path,
 * gorilla/mux answers 301 (running neither handler nor plugin) when
 * path.Clean would change that decoded path, and matches what is left
 * against "/v{version:[0-9.]+}" + template, then template. Handlers read
 * the query with url.ParseQuery. See spec/actions.md, "URI normalisation".
 *
 * Invariants:
 *  - uri_parse succeeds only when dockerd would route exactly u->path;
 *    whatever dockerd rejects, redirects, or might read differently is an
 *    error (fail closed), and the error says why;
 *  - u->path is percent-decoded, clean, free of NUL and control bytes,
 *    valid UTF-8, and has no "/vX.Y" prefix;
 *  - query keys and values are decoded and free of NUL; ';' is an error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errorf.h"
#include "uri.h"

#define URI_MAX		65536	/* longest RequestUri we read, in bytes */
#define QUOTE_MAX	128	/* bytes of user input quoted in a message */
#define QUOTE_BUF	(4 * QUOTE_MAX + 8)	/* room for them as \xHH */

/*
 * quote - S (N bytes) in double quotes for an error message, printable ASCII
 * kept, anything else as \xHH, cut after QUOTE_MAX bytes. The text goes back
 * to the Docker client inside JSON, so it must stay plain ASCII.
 */
static const char *
quote(char *buf, size_t size, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	unsigned char c;

	buf[o++] = '"';
	for (i = 0; i < n && i < QUOTE_MAX && o + 8 < size; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 0xf];
		}
	}
	buf[o++] = '"';
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* ------------------------------------------------------------------ */
/* Request target                                                      */

/*
 * scheme_len - length of a URI scheme ending at a ':' (Go's getScheme):
 * ALPHA *(ALPHA / DIGIT / "+" / "-" / "."). 0 when RAW has no scheme,
 * -1 when it starts with ':' ("missing protocol scheme", dockerd 400).
 */
static long
scheme_len(const char *raw)
{
	size_t i;
	char c;

	for (i = 0; raw[i] != '\0'; i++) {
		c = raw[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			continue;
		if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
			if (i == 0)
				return 0;
			continue;
		}
		if (c == ':')
			return i == 0 ? -1 : (long)i;
		return 0;
	}
	return 0;
}

/*
 * split_target - find the path and the query in a request target, as
 * url.ParseRequestURI does. The query starts at the first '?', even inside
 * the authority; '#' is not special in a request target, so it stays in the
 * path. *query is NULL when there is no '?'.
 */
static int
split_target(const char *raw, const char **path, size_t *pathlen,
    const char **query, char *err, size_t errlen)
{
	char q[QUOTE_BUF];
	const char *rest, *qmark, *end, *slash;
	long slen;

	if (strcmp(raw, "*") == 0) {
		errorf(err, errlen, "request target \"*\" names no API route");
		return -1;
	}
	slen = scheme_len(raw);
	if (slen < 0) {
		errorf(err, errlen, "request URI %s: missing protocol scheme "
		    "(dockerd answers 400)", quote(q, sizeof(q), raw, strlen(raw)));
		return -1;
	}
	rest = raw + (slen > 0 ? slen + 1 : 0);
	qmark = strchr(rest, '?');
	end = qmark != NULL ? qmark : rest + strlen(rest);
	*query = qmark != NULL ? qmark + 1 : NULL;

	if (slen > 0 && end - rest >= 2 && rest[0] == '/' && rest[1] == '/') {
		/* Absolute form: "scheme://authority/path". Only the path is
		 * routed; an authority dockerd's Go rejects never runs anyway. */
		slash = memchr(rest + 2, '/', (size_t)(end - rest - 2));
		if (slash == NULL) {
			/* empty path: mux redirects "" to "/" */
			errorf(err, errlen, "request URI %s has no path (dockerd "
			    "redirects it)", quote(q, sizeof(q), raw, strlen(raw)));
			return -1;
		}
		rest = slash;
	}
	if (rest == end || rest[0] != '/') {
		/* "scheme:opaque" has an empty path (redirected); anything
		 * else without a leading '/' is "invalid URI for request". */
		errorf(err, errlen, "request URI %s is not an absolute path",
		    quote(q, sizeof(q), raw, strlen(raw)));
		return -1;
	}
	/* "//x" without a scheme stays a path; it fails the clean check. */
	*path = rest;
	*pathlen = (size_t)(end - rest);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Percent-decoding                                                    */

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * unescape - Go's url.unescape: "%XX" with two hex digits is one byte, any
 * other '%' is an error (dockerd answers 400); '+' is a space in the query
 * (QueryUnescape) and itself in a path. Writes the N decoded bytes and a NUL
 * to D (N + 1 bytes: decoding never lengthens) and their count to *outlen;
 * or -1 with *bad at the faulty escape.
 */
static int
unescape(const char *s, size_t n, bool query, char *d, size_t *outlen,
    const char **bad)
{
	size_t i, o = 0;
	int hi, lo;

	*bad = NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (n - i < 3 || (hi = unhex(s[i + 1])) < 0 ||
			    (lo = unhex(s[i + 2])) < 0) {
				*bad = s + i;
				return -1;
			}
			d[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && query) {
			d[o++] = ' ';
		} else {
			d[o++] = s[i];
		}
	}
	d[o] = '\0';
	*outlen = o;
	return 0;
}

/*
 * The block a parsed URI lives in: its params, then its strings, each
 * decoded into room its raw text bounds. One malloc per parse, one free.
 * take() never hands out more than was reserved; if it ever had to, the
 * parse fails (closed), it does not overflow.
 */
static int
reserve(struct uri *u, size_t nparams, size_t pathlen, size_t querylen)
{
	/* path and version: each at most the raw path and a NUL; a pair
	 * "k=v" decodes to at most its length and two NULs */
	size_t params = nparams * sizeof(struct query_param);
	size_t size = params + 2 * (pathlen + 1) + querylen + 2 * nparams;

	if ((u->mem = malloc(size)) == NULL)
		return -1;
	u->mem_size = size;
	u->mem_used = params;
	if (nparams > 0)
		u->params = (struct query_param *)(void *)u->mem;
	return 0;
}

static char *
take(struct uri *u, size_t n)
{
	char *p;

	if (n > u->mem_size - u->mem_used)
		return NULL;
	p = u->mem + u->mem_used;
	u->mem_used += n;
	return p;
}

/* escape_len - how much of a bad escape at BAD to quote, at most "%XX". */
static size_t
escape_len(const char *bad, const char *end)
{
	return end - bad < 3 ? (size_t)(end - bad) : 3;
}

/* valid_utf8 - strict UTF-8: no overlong forms, surrogates, or > U+10FFFF. */
static bool
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0, len, k;
	unsigned long cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			len = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			len = 4;
		else
			return false;
		if (n - i < len)
			return false;
		cp = s[i] & (0x7f >> len);
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += len;
	}
	return true;
}

/*
 * decode_path - percent-decode the routed path. Beyond Go's rules, refuse
 * bytes the matcher could read differently from dockerd: NUL would cut our
 * C strings, Go's regexp '.' (in "{name:.*}") does not match '\n', and
 * invalid UTF-8 becomes U+FFFD in Go. dockerd has no use for any of them.
 */
static int
decode_path(struct uri *u, const char *s, size_t n, char *err, size_t errlen)
{
	char q[QUOTE_BUF];
	const char *bad;
	size_t len, i;
	char *p = take(u, n + 1);

	if (p == NULL) {
		errorf(err, errlen, "out of memory");
		return -1;
	}
	if (unescape(s, n, false, p, &len, &bad) == -1) {
		errorf(err, errlen, "invalid percent-encoding %s in path "
		    "(dockerd answers 400)",
		    quote(q, sizeof(q), bad, escape_len(bad, s + n)));
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (p[i] == '\0' || (unsigned char)p[i] < 0x20 || p[i] == 0x7f) {
			errorf(err, errlen, "%s (%%%02X) in path",
			    p[i] == '\0' ? "NUL byte" : "control character",
			    (unsigned char)p[i]);
			return -1;
		}
	}
	if (!valid_utf8((const unsigned char *)p, len)) {
		errorf(err, errlen, "invalid UTF-8 in path");
		return -1;
	}
	u->path = p;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Path                                                                */

/*
 * path_is_clean - true when mux's cleanPath (path.Clean, then the trailing
 * slash put back) returns P unchanged: P starts with '/', has no empty
 * segment except after a final '/' ("/containers/" is clean, "//x" and
 * "/a//b" are not) and no "." or ".." segment. Anything else gets a 301.
 */
static bool
path_is_clean(const char *p)
{
	const char *seg, *end;
	size_t len;

	if (p[0] != '/')
		return false;
	for (seg = p + 1;; seg = end + 1) {
		end = strchrnul(seg, '/');
		len = (size_t)(end - seg);
		if (len == 0 && *end != '\0')
			return false;
		if (seg[0] == '.' && (len == 1 || (len == 2 && seg[1] == '.')))
			return false;
		if (*end == '\0')
			return true;
	}
}

/*
 * strip_version - drop one "/v{version:[0-9.]+}" prefix. dockerd registers
 * every route with and without it and the pattern is permissive: "/v1",
 * "/v01.041", "/v1.47.0" all route; the version middleware, which runs after
 * the plugin, judges the number. It must be followed by '/': "/v1.41" alone
 * is an unversioned path. Returns -1 only when out of memory.
 */
static int
strip_version(struct uri *u)
{
	char *p = u->path;
	size_t n;

	if (p[0] != '/' || p[1] != 'v')
		return 0;
	n = strspn(p + 2, "0123456789.");
	if (n == 0 || p[2 + n] != '/')
		return 0;
	if ((u->version = take(u, n + 1)) == NULL)
		return -1;
	memcpy(u->version, p + 2, n);
	u->version[n] = '\0';
	memmove(p, p + 2 + n, strlen(p + 2 + n) + 1);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Query                                                               */

/* query_decode - QueryUnescape one key or value; no NUL (our strings end there). */
static int
query_decode(struct uri *u, const char *s, size_t n, char **out, char *err, size_t errlen)
{
	char q[QUOTE_BUF];
	const char *bad;
	size_t len;

	if ((*out = take(u, n + 1)) == NULL) {
		errorf(err, errlen, "out of memory");
		return -1;
	}
	if (unescape(s, n, true, *out, &len, &bad) == -1) {
		errorf(err, errlen, "invalid percent-encoding %s in query "
		    "(dockerd answers 400)",
		    quote(q, sizeof(q), bad, escape_len(bad, s + n)));
		return -1;
	}
	if (memchr(*out, '\0', len) != NULL) {
		errorf(err, errlen, "NUL byte (%%00) in query");
		return -1;
	}
	return 0;
}

/* add_param - split "key=value" at the first '=' and append it to u. */
static int
add_param(struct uri *u, const char *s, size_t n, char *err, size_t errlen)
{
	struct query_param *qp = &u->params[u->nparams];
	const char *eq = memchr(s, '=', n);
	size_t klen = eq != NULL ? (size_t)(eq - s) : n;

	if (query_decode(u, s, klen, &qp->key, err, errlen) == -1)
		return -1;
	if (eq == NULL)
		n = klen;	/* "key" alone has the value "" */
	else
		klen++;
	if (query_decode(u, s + klen, n - klen, &qp->value, err, errlen) == -1)
		return -1;
	u->nparams++;
	return 0;
}

/*
 * parse_query - url.ParseQuery: pairs split on '&', empty pairs skipped,
 * order kept. Go (1.17+) treats ';' as an error: handlers using ParseForm
 * answer 400, those using FormValue silently drop the pair, so a ';' means
 * the plugin and the handler could disagree: refuse it.
 */
static int
parse_query(struct uri *u, const char *q, char *err, size_t errlen)
{
	size_t n = strlen(q), i, j;

	if (memchr(q, ';', n) != NULL) {
		errorf(err, errlen, "';' in query string (dockerd does not "
		    "accept it as a separator)");
		return -1;
	}
	for (i = 0; i <= n; i = j + 1) {
		j = i + strcspn(q + i, "&");
		if (j > i && add_param(u, q + i, j - i, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* The pairs a query has room for: one more than its '&'s. */
static size_t
query_pairs(const char *q)
{
	size_t n = 1;

	for (; *q; q++)
		n += *q == '&';
	return n;
}

/* ------------------------------------------------------------------ */
/* API                                                                 */

int
uri_parse(const char *raw, struct uri *u, char *err, size_t errlen)
{
	char q[QUOTE_BUF];
	const char *path, *query;
	size_t pathlen, i;
	int rc = -1;

	if (u == NULL) {
		errorf(err, errlen, "no place for the parsed URI");
		return -1;
	}
	memset(u, 0, sizeof(*u));
	if (raw == NULL || *raw == '\0') {
		errorf(err, errlen, "empty request URI");
		goto out;
	}
	if (strnlen(raw, URI_MAX + 1) > URI_MAX) {
		errorf(err, errlen, "request URI longer than %d bytes", URI_MAX);
		goto out;
	}
	/* Go refuses control bytes anywhere in the URL (dockerd answers 400). */
	for (i = 0; raw[i] != '\0'; i++) {
		if ((unsigned char)raw[i] < 0x20 || raw[i] == 0x7f) {
			errorf(err, errlen, "control character in request URI");
			goto out;
		}
	}
	if (split_target(raw, &path, &pathlen, &query, err, errlen) == -1)
		goto out;
	if (reserve(u, query ? query_pairs(query) : 0, pathlen, query ? strlen(query) : 0) != 0) {
		errorf(err, errlen, "out of memory");
		goto out;
	}
	if (decode_path(u, path, pathlen, err, errlen) == -1)
		goto out;
	if (!path_is_clean(u->path)) {
		errorf(err, errlen, "path %s is not clean (dockerd redirects it)",
		    quote(q, sizeof(q), u->path, strlen(u->path)));
		goto out;
	}
	if (strip_version(u) == -1) {
		errorf(err, errlen, "out of memory");
		goto out;
	}
	if (query != NULL && parse_query(u, query, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		uri_free(u);
	return rc;
}

const char *
uri_query_get(const struct uri *u, const char *key)
{
	size_t i;

	if (u == NULL || key == NULL)
		return NULL;
	/* r.Form.Get: the first value wins */
	for (i = 0; i < u->nparams; i++)
		if (strcmp(u->params[i].key, key) == 0)
			return u->params[i].value;
	return NULL;
}

void
uri_free(struct uri *u)
{
	if (u == NULL)
		return;
	free(u->mem);
	memset(u, 0, sizeof(*u));
}
