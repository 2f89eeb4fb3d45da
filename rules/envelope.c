/* SPDX-License-Identifier: Apache-2.0 */
/*
 * envelope.c - decode the JSON object dockerd posts to AuthZReq and AuthZRes.
 *
 * dockerd writes it with Go's encoder (pkg/authorization/api.go): exact key
 * names, []byte fields as padded base64, omitted when empty. We accept exactly
 * that and nothing looser:
 *   - keys are matched exactly: "RequestUri", never "RequestURI" (the docs'
 *     spelling). A key that only folds to a known one is refused, since a Go
 *     reader would take it and we would not; so is a repeated key;
 *   - every known key must have its Go type; null reads as absent, as in Go;
 *   - base64 must be canonical (base64.c);
 *   - an empty or unparseable envelope is an error, never an allow: dockerd's
 *     retry after a transport error re-sends an already drained buffer, so the
 *     retry arrives with an empty body (protocol.md 1.5).
 *
 * Why a scanner and not a cJSON tree: the envelope is on the path of every
 * Docker call, and most of its bytes are base64 (the request body, the TLS
 * certificate, the response body). A tree copies each of those strings once
 * to unescape it and once more to decode it. Here they are read in place:
 * a string of plain printable ASCII (what Go's encoder writes for base64,
 * methods, URIs) is validated and decoded straight from the posted buffer.
 * Anything else, a string with an escape or a non-ASCII byte, a headers
 * object, a number, a key we do not know, is handed to json_parse_strict, so
 * the JSON rules (json.c) have one implementation; the scanner only finds
 * where each value ends. A key dockerd never sends makes the whole envelope
 * go through json_parse_strict too, which refuses ambiguity at any depth.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "errorf.h"
#include "envelope.h"
#include "json.h"
#include "thread_end.h"

enum field_type { F_STRING, F_BASE64, F_HEADERS, F_CERTS, F_INT };

enum field_id {
	FLD_USER, FLD_AUTHN, FLD_METHOD, FLD_URI, FLD_BODY, FLD_HEADERS, FLD_CERTS,
	FLD_STATUS, FLD_RESPONSE_BODY, FLD_RESPONSE_HEADERS, NFIELDS
};

static const struct field {
	const char *name;
	size_t len;			/* strlen(name) */
	enum field_type type;
	int required;
} fields[NFIELDS] = {
#define FIELD(name, type, required) { name, sizeof(name) - 1, type, required }
	[FLD_USER] = FIELD("User", F_STRING, 0),
	[FLD_AUTHN] = FIELD("UserAuthNMethod", F_STRING, 0),
	[FLD_METHOD] = FIELD("RequestMethod", F_STRING, 1),
	[FLD_URI] = FIELD("RequestUri", F_STRING, 1),
	[FLD_BODY] = FIELD("RequestBody", F_BASE64, 0),
	[FLD_HEADERS] = FIELD("RequestHeaders", F_HEADERS, 0),
	[FLD_CERTS] = FIELD("RequestPeerCertificates", F_CERTS, 0),
	[FLD_STATUS] = FIELD("ResponseStatusCode", F_INT, 0),
	[FLD_RESPONSE_BODY] = FIELD("ResponseBody", F_BASE64, 0),
	[FLD_RESPONSE_HEADERS] = FIELD("ResponseHeaders", F_HEADERS, 0),
#undef FIELD
};

/* A string value: where its text is, and the tree that holds it when it had
 * to be unescaped (freed once copied). */
struct str {
	const char *s;
	size_t len;
	cJSON *node;
};

struct scan {
	const char *buf, *p, *end;
	char *err;
	size_t errlen;
	struct str strings[4];		/* FLD_USER .. FLD_URI */
	unsigned seen;			/* bit per field_id */
	unsigned flags;			/* ENVELOPE_* */
	int unknown_checked;		/* the whole envelope went through json_parse_strict */
};

/* --------------------------------------------------------------- lexing */

static int fail_at(struct scan *s, const char *at, const char *what)
{
	return errorf(s->err, s->errlen, "envelope: %s at byte %zu", what, (size_t)(at - s->buf));
}

/* JSON whitespace is exactly these four. */
static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

static int expect(struct scan *s, char c)
{
	skip_ws(s);
	if (s->p >= s->end || *s->p != c) {
		char what[32];

		snprintf(what, sizeof(what), "expected '%c'", c);
		return fail_at(s, s->p, what);
	}
	s->p++;
	return 0;
}

/* End of the string that starts at P (its opening quote): just past the
 * closing quote, or NULL. Escapes are skipped, not checked; plain runs go
 * sixteen bytes at a time (json_plain_run), the rest a byte at a time. */
static const char *string_end(const char *p, const char *end)
{
	size_t n = (size_t)(end - p), i = 1;

	while (i < n) {
		i = json_plain_run(p, i, n);
		if (i >= n)
			break;
		if (p[i] == '"')
			return p + i + 1;
		i += p[i] == '\\' ? 2 : 1;	/* an escape, or a control or UTF-8 byte */
	}
	return NULL;
}

/* End of the JSON value that starts at P, or NULL. Only finds the extent:
 * whatever is inside is checked by json_parse_strict afterwards. */
static const char *value_end(const char *p, const char *end)
{
	size_t depth = 0;

	if (p >= end)
		return NULL;
	if (*p != '"' && *p != '{' && *p != '[') {
		while (p < end && !strchr(",}] \t\n\r", *p))
			p++;
		return p;
	}
	while (p < end) {
		if (*p == '"') {
			p = string_end(p, end);
			if (!p)
				return NULL;
		} else {
			if (*p == '{' || *p == '[')
				depth++;
			else if (*p == '}' || *p == ']')
				depth--;
			p++;
		}
		if (depth == 0)
			return p;
	}
	return NULL;
}

/* Bytes of header objects the one-pass reader's arena is sized for: a
 * CLI's headers take 150; a registry credential header, a few kilobytes. */
#define HEADERS_HINT 2048

/* The value at the cursor, parsed strictly on its own (into *ARENA when
 * ARENA is not NULL: json_parse_value_at, else json_parse_strict_arena);
 * advances past it. */
static cJSON *parse_value_in(struct scan *s, struct json_arena **arena)
{
	const char *start, *e;
	char why[200];
	size_t used;
	cJSON *v;

	skip_ws(s);
	start = s->p;
	/* A header object read where it stands, its end found as it is read;
	 * anything the one-pass reader gives up on, found first and read on
	 * its own as before. */
	if (arena && (v = json_parse_value_at(start, (size_t)(s->end - start), HEADERS_HINT, arena,
					      &used)) != NULL) {
		s->p = start + used;
		return v;
	}
	e = value_end(start, s->end);
	if (!e || e == start) {
		fail_at(s, start, "invalid JSON");
		return NULL;
	}
	v = arena ? json_parse_strict_arena(start, (size_t)(e - start), arena, why, sizeof(why)) :
		    json_parse_strict(start, (size_t)(e - start), why, sizeof(why));
	if (!v) {
		errorf(s->err, s->errlen, "envelope: %s (in the value at byte %zu)", why,
		       (size_t)(start - s->buf));
		return NULL;
	}
	s->p = e;
	return v;
}

/* The value at the cursor, parsed strictly on its own; advances past it. */
static cJSON *parse_value(struct scan *s)
{
	return parse_value_in(s, NULL);
}

/* "null" at the cursor: consumed, 1. */
static int take_null(struct scan *s)
{
	skip_ws(s);
	if (s->end - s->p >= 4 && memcmp(s->p, "null", 4) == 0 &&
	    (s->end - s->p == 4 || strchr(",}] \t\n\r", s->p[4]))) {
		s->p += 4;
		return 1;
	}
	return 0;
}

/* At a string's opening quote: its closing quote when every byte before it
 * is plain (no escape, control or non-ASCII byte: json_plain_run), so the
 * string is its own text; else NULL (unterminated too). Control characters,
 * escapes and UTF-8 take the slow path (json_parse_strict). */
static const char *plain_end(const struct scan *s)
{
	size_t n = (size_t)(s->end - s->p), i = json_plain_run(s->p, 1, n);

	return i < n && s->p[i] == '"' ? s->p + i : NULL;
}

/*
 * A string at the cursor into OUT; advances past it. Plain printable ASCII is
 * read in place; anything else is unescaped and checked by json_parse_strict
 * (OUT->node then owns the text). Returns 0, 1 when the value is not a string
 * (cursor unmoved), -1 on invalid JSON.
 */
static int take_string(struct scan *s, struct str *out)
{
	const char *q;

	memset(out, 0, sizeof(*out));
	skip_ws(s);
	if (s->p >= s->end || *s->p != '"')
		return 1;
	q = plain_end(s);
	if (q) {
		out->s = s->p + 1;
		out->len = (size_t)(q - out->s);
		s->p = q + 1;
		return 0;
	}
	out->node = parse_value(s);
	if (!out->node)
		return -1;
	/* \u0000 is refused by json_parse_strict, so strlen is the length */
	out->s = out->node->valuestring;
	out->len = strlen(out->s);
	return 0;
}

/* Past whitespace, is the cursor at a string's opening quote? */
static bool at_string(struct scan *s)
{
	skip_ws(s);
	return s->p < s->end && *s->p == '"';
}

/* At a string's opening quote: its closing quote when no '\\' comes first,
 * else NULL (unterminated too). For base64, whose decoder checks every byte
 * itself: two memchr calls, no byte-class pass. */
static const char *unescaped_end(const struct scan *s)
{
	const char *start = s->p + 1, *q = memchr(start, '"', (size_t)(s->end - start));

	return q && !memchr(start, '\\', (size_t)(q - start)) ? q : NULL;
}

/*
 * Step over a string value nothing reads; returns its length in the posted
 * text (0: ""), -2 when the value is not a string, -1 on invalid JSON. Not
 * decoded, but still JSON as json.c reads it: a string with a '\\', a control
 * or a non-ASCII byte goes through the strict parser, so an escaped quote
 * never ends it early and invalid UTF-8 is refused.
 */
static long skip_string(struct scan *s)
{
	const char *start, *q;
	struct str v;
	long n;
	int rc;

	if (!at_string(s))
		return -2;
	start = s->p + 1;
	q = plain_end(s);
	if (q) {
		s->p = q + 1;
		return (long)(q - start);
	}
	/* escapes, control or non-ASCII bytes: checked as any string is */
	rc = take_string(s, &v);
	if (rc != 0)
		return -1;
	n = (long)v.len;
	cJSON_Delete(v.node);
	return n;
}

/* ------------------------------------------------------------ the fields */

static int not_type(struct scan *s, enum field_id f, const char *what)
{
	return errorf(s->err, s->errlen, "envelope: %s is not %s", fields[f].name, what);
}

static int read_string_field(struct scan *s, enum field_id f)
{
	int rc = take_string(s, &s->strings[f]);

	if (rc > 0)
		return not_type(s, f, "a string");
	return rc;
}

/* ------------------------------------------------------------ kept blocks */

/*
 * The decoded body and the envelope's own strings are the two blocks a call
 * would malloc and free each time. Each thread keeps the last of each for
 * its next call instead (a connection's calls come one at a time, of much
 * the same sizes): glibc's malloc of a 2 KB block walks its bins through
 * some 60 lines of code and bookkeeping, which a CPU back from other work
 * no longer has in cache (tests/bench/README.md, round 7). A block carries
 * its size. Up to KEPT_MAX bytes of each are kept; the thread's end frees
 * them (thread_end.h), and the sanitizer builds keep nothing.
 */
#define KEPT_MAX (16u << 10)

struct block {
	size_t size;
	_Alignas(16) unsigned char data[];
};

enum kept_kind { KEPT_TEXT, KEPT_BODY, KEPT_KINDS };

static _Thread_local struct block *kept[KEPT_KINDS];

static void kept_drop(void)
{
	size_t i;

	for (i = 0; i < KEPT_KINDS; i++) {
		free(kept[i]);
		kept[i] = NULL;
	}
}

/* N bytes: this thread's kept block of KIND if it is large enough, else malloc'd. */
static void *block_take(enum kept_kind kind, size_t n)
{
	struct block *b = kept[kind];

	if (b && b->size >= n) {
		kept[kind] = NULL;
		return b->data;
	}
	if (n > SIZE_MAX - sizeof(*b) || !(b = malloc(sizeof(*b) + n)))
		return NULL;
	b->size = n;
	return b->data;
}

/* P (from block_take, or NULL) kept as this thread's block of KIND, or freed. */
static void block_give(enum kept_kind kind, void *p)
{
	struct block *b;

	if (!p)
		return;
	b = (struct block *)(void *)((unsigned char *)p - offsetof(struct block, data));
	if (KEEP_BETWEEN_CALLS && b->size <= KEPT_MAX && thread_end_call(kept_drop)) {
		free(kept[kind]);	/* smaller than B, or it would have been taken */
		kept[kind] = b;
		return;
	}
	free(b);
}

/*
 * A base64 string at the cursor, decoded into *OUT (a KEPT_BODY block,
 * NUL-terminated; OUT NULL: checked only); advances past it. Returns the
 * decoded length, -1 on invalid JSON or base64 (err set), -2 when the value
 * is not a string.
 *
 * The fast path needs no scan of its own: the base64 alphabet has no '"',
 * '\\', control or non-ASCII byte, so if the bytes up to the next '"' decode,
 * they were a plain JSON string. If they do not, and hold a '\\', the string
 * has escapes (or ends later): it is unescaped by the strict parser and
 * decoded from there.
 */
static long take_base64(struct scan *s, enum field_id f, unsigned char **out)
{
	const char *start, *q;
	unsigned char *buf = NULL;
	struct str v;
	long n = -1;
	int rc;

	if (!at_string(s))
		return -2;
	start = s->p + 1;
	q = unescaped_end(s);
	if (q) {
		if (out && !(buf = block_take(KEPT_BODY, base64_decoded_max((size_t)(q - start)) + 1)))
			return errorf(s->err, s->errlen, "envelope: %s", "out of memory");
		n = base64_decode(start, (size_t)(q - start), buf);
		s->p = q + 1;
	} else {
		rc = take_string(s, &v);
		if (rc != 0)
			return -1;
		if (out && !(buf = block_take(KEPT_BODY, base64_decoded_max(v.len) + 1))) {
			cJSON_Delete(v.node);
			return errorf(s->err, s->errlen, "envelope: %s", "out of memory");
		}
		n = base64_decode(v.s, v.len, buf);
		cJSON_Delete(v.node);
	}
	if (n < 0) {
		block_give(KEPT_BODY, buf);
		return not_type(s, f, "valid base64");
	}
	if (out) {
		buf[n] = '\0';
		*out = buf;
	}
	return n;
}

/* RequestBody: decoded into env->body; ResponseBody: only checked, nothing
 * reads it. */
static int read_base64_field(struct scan *s, enum field_id f, struct envelope *env)
{
	long n;

	if (s->flags & ENVELOPE_SKIP_BODIES) {
		n = skip_string(s);
		if (n == -2)
			return not_type(s, f, "a string");
		if (n < 0)
			return -1;
		if (f == FLD_BODY)
			env->body_skipped = n > 0;
		else
			env->has_response_body = n > 0;
		return 0;
	}
	n = take_base64(s, f, f == FLD_BODY ? &env->body : NULL);

	if (n == -2)
		return not_type(s, f, "a string");
	if (n < 0)
		return -1;
	if (f == FLD_BODY) {
		env->body_len = (size_t)n;
		/* Go omits an empty []byte, so a present-but-empty body is a body of
		 * 0 bytes only if some encoder wrote "" explicitly: treat it as none. */
		env->has_body = n > 0;
	} else {
		env->has_response_body = n > 0;
	}
	return 0;
}

/* RequestHeaders, ResponseHeaders: objects of strings, kept as trees (in an
 * arena each: a dozen nodes and their strings in one allocation). */
static int read_headers_field(struct scan *s, enum field_id f, struct envelope *env)
{
	struct json_arena **arena = f == FLD_HEADERS ? &env->headers_arena :
				    &env->response_headers_arena;
	cJSON *v = parse_value_in(s, arena), *it;
	const char *bad = NULL;

	if (v && !cJSON_IsNull(v) && !cJSON_IsObject(v))
		bad = "is not an object";
	for (it = cJSON_IsObject(v) ? v->child : NULL; it && !bad; it = it->next)
		if (!cJSON_IsString(it))
			bad = "has a non-string value";
	if (!v || bad || cJSON_IsNull(v)) {
		json_arena_free(*arena, v);
		*arena = NULL;
		return !v ? -1 : bad ? errorf(s->err, s->errlen, "envelope: %s %s",
					      fields[f].name, bad) : 0;
	}
	if (f == FLD_HEADERS)
		env->headers = v;
	else
		env->response_headers = v;
	return 0;
}

/*
 * RequestPeerCertificates: an array of base64 strings (null entries allowed,
 * as Go reads null into a []byte). Counted, not decoded: no rule reads a
 * certificate (dockerd verified the chain and puts its subject in User), and
 * its 1.6 KB of base64 on every TLS call is the largest thing we would check
 * for nothing.
 */
static int read_certs_field(struct scan *s, struct envelope *env)
{
	long n;

	if (expect(s, '[') != 0)
		return not_type(s, FLD_CERTS, "an array");
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return 0;
	}
	for (;;) {
		if (!take_null(s)) {
			n = skip_string(s);
			if (n == -2)
				return errorf(s->err, s->errlen, "envelope: %s has an entry that is "
					      "not a base64 string", fields[FLD_CERTS].name);
			if (n < 0)
				return -1;
		}
		env->npeer_certs++;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		return expect(s, ']');
	}
}

/* A plain decimal integer at the cursor, as dockerd writes a status code
 * ("201"): up to 15 digits, no sign, fraction or exponent, then a
 * delimiter. Consumed into *OUT, 1; anything else is json.c's to read, 0. */
static int take_small_int(struct scan *s, long long *out)
{
	const char *p = s->p;
	long long v = 0;
	size_t n = 0;

	while (p + n < s->end && n <= 15 && p[n] >= '0' && p[n] <= '9')
		v = v * 10 + (p[n++] - '0');
	if (n == 0 || n > 15 || (n > 1 && p[0] == '0') || p + n >= s->end || p[n] == '\0' ||
	    !strchr(",} \t\n\r", p[n]))
		return 0;
	*out = v;
	s->p = p + n;
	return 1;
}

static int read_int_field(struct scan *s, enum field_id f, struct envelope *env)
{
	cJSON *v;
	int rc = 0;

	skip_ws(s);
	if (take_small_int(s, &env->response_status))
		return 0;
	v = parse_value(s);
	if (!v)
		return -1;
	if (!cJSON_IsNull(v) && json_int64(v, &env->response_status) != 0)
		rc = not_type(s, f, "an integer");
	cJSON_Delete(v);
	return rc;
}

static int read_field(struct scan *s, enum field_id f, struct envelope *env)
{
	if (take_null(s))
		return 0;
	switch (fields[f].type) {
	case F_STRING:
		return read_string_field(s, f);
	case F_BASE64:
		return read_base64_field(s, f, env);
	case F_HEADERS:
		return read_headers_field(s, f, env);
	case F_CERTS:
		return read_certs_field(s, env);
	case F_INT:
		return read_int_field(s, f, env);
	}
	return -1;
}

/* ------------------------------------------------------------- the keys */

/* The field KEY names exactly; -1 if none; -2 if it only folds to one. */
static int field_index(const char *key, size_t len)
{
	char folded[64], want[64], copy[64];
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (fields[i].len == len && memcmp(fields[i].name, key, len) == 0)
			return (int)i;
	/* Folding maps at most 3 bytes to 1: a longer key folds to no field. */
	if (len >= sizeof(copy))
		return -1;
	memcpy(copy, key, len);
	copy[len] = '\0';
	if (json_fold_key(copy, folded, sizeof(folded)) != 0)
		return -1;
	for (i = 0; i < NFIELDS; i++)
		if (json_fold_key(fields[i].name, want, sizeof(want)) == 0 &&
		    strcmp(folded, want) == 0)
			return -2;
	return -1;
}

/* A key dockerd does not send: Go ignores it, and so do we, once the whole
 * envelope has passed json_parse_strict (which refuses, at any depth, keys
 * that Go's folding makes equal, and anything else ambiguous). */
static int skip_unknown(struct scan *s)
{
	cJSON *v;

	if (!s->unknown_checked) {
		char why[200];

		v = json_parse_strict(s->buf, (size_t)(s->end - s->buf), why, sizeof(why));
		if (!v)
			return errorf(s->err, s->errlen, "envelope: %s", why);
		cJSON_Delete(v);
		s->unknown_checked = 1;
	}
	v = parse_value(s);
	cJSON_Delete(v);
	return v ? 0 : -1;
}

static int read_member(struct scan *s, struct envelope *env)
{
	struct str key;
	int idx, rc;

	rc = take_string(s, &key);
	if (rc != 0)
		return rc > 0 ? fail_at(s, s->p, "expected a key") : -1;
	idx = field_index(key.s, key.len);
	if (idx == -2)
		rc = errorf(s->err, s->errlen, "envelope: key \"%.*s\" is not spelt as dockerd spells it",
			    (int)(key.len > 64 ? 64 : key.len), key.s);
	else if (idx >= 0 && (s->seen & (1u << idx)))
		rc = errorf(s->err, s->errlen, "envelope: key \"%s\" is repeated (dockerd would read "
			    "the last one; refused as ambiguous)", fields[idx].name);
	cJSON_Delete(key.node);
	if (rc != 0)
		return rc;
	if (expect(s, ':') != 0)
		return -1;
	if (idx < 0)
		return skip_unknown(s);
	s->seen |= 1u << idx;
	return read_field(s, (enum field_id)idx, env);
}

static int read_object(struct scan *s, struct envelope *env)
{
	skip_ws(s);
	if (s->p >= s->end || *s->p != '{')
		return errorf(s->err, s->errlen, "envelope: %s", "not a JSON object");
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return 0;
	}
	for (;;) {
		if (read_member(s, env) != 0)
			return -1;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		return expect(s, '}');
	}
}

/* ------------------------------------------------------------ the result */

/* Copy the four strings into one allocation the envelope owns. */
static int keep_strings(struct scan *s, struct envelope *env)
{
	const char **dst[4] = { &env->user, &env->authn, &env->method, &env->uri };
	size_t total = 0, i;
	char *p;

	for (i = 0; i < 4; i++)
		total += s->strings[i].len + 1;
	env->text = p = block_take(KEPT_TEXT, total);
	if (!p)
		return errorf(s->err, s->errlen, "envelope: %s", "out of memory");
	for (i = 0; i < 4; i++) {
		if (!s->strings[i].s)
			continue;
		memcpy(p, s->strings[i].s, s->strings[i].len);
		p[s->strings[i].len] = '\0';
		*dst[i] = p;
		p += s->strings[i].len + 1;
	}
	/* An empty User is the anonymous user (the unix socket). */
	if (env->user && env->user[0] == '\0')
		env->user = NULL;
	return 0;
}

static int check_required(struct scan *s)
{
	size_t i;

	/* Only strings are required (RequestMethod, RequestUri). */
	for (i = 0; i < 4; i++)
		if (fields[i].required && !s->strings[i].s)
			return errorf(s->err, s->errlen, "envelope: %s is missing", fields[i].name);
	return 0;
}

int envelope_decode(const char *buf, size_t len, struct envelope *env, char *err, size_t errlen)
{
	return envelope_decode_flags(buf, len, 0, env, err, errlen);
}

int envelope_decode_flags(const char *buf, size_t len, unsigned flags, struct envelope *env,
			  char *err, size_t errlen)
{
	struct scan s = { .buf = buf, .p = buf, .end = buf + len, .err = err, .errlen = errlen,
			  .flags = flags };
	int rc;
	size_t i;

	memset(env, 0, sizeof(*env));
	if (len == 0)
		return errorf(err, errlen, "envelope: %s", "empty request body (a retried call?)");
	rc = read_object(&s, env);
	if (rc == 0) {
		skip_ws(&s);
		if (s.p != s.end)
			rc = fail_at(&s, s.p, "content after the JSON value");
	}
	if (rc == 0)
		rc = check_required(&s);
	if (rc == 0)
		rc = keep_strings(&s, env);
	for (i = 0; i < 4; i++)
		cJSON_Delete(s.strings[i].node);
	if (rc != 0) {
		envelope_free(env);
		return -1;
	}
	env->raw = buf;
	env->raw_len = len;
	return 0;
}

int envelope_from_json(cJSON *root, struct envelope *env, char *err, size_t errlen)
{
	char *text = cJSON_IsObject(root) ? cJSON_PrintUnformatted(root) : NULL;
	int rc;

	memset(env, 0, sizeof(*env));
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return errorf(err, errlen, "envelope: %s", "not a JSON object");
	}
	cJSON_Delete(root);
	if (!text)
		return errorf(err, errlen, "envelope: %s", "out of memory");
	rc = envelope_decode(text, strlen(text), env, err, errlen);
	if (rc != 0) {
		free(text);
		return rc;
	}
	env->raw_owned = text;
	return 0;
}

void envelope_free(struct envelope *env)
{
	block_give(KEPT_TEXT, env->text);
	block_give(KEPT_BODY, env->body);
	free(env->raw_owned);
	json_arena_free(env->headers_arena, env->headers);
	json_arena_free(env->response_headers_arena, env->response_headers);
	memset(env, 0, sizeof(*env));
}

const char *envelope_header(const struct envelope *env, const char *name)
{
	const cJSON *v = json_get(env->headers, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}
