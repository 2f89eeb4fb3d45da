/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cases.c - `portcullis test`: a YAML table of requests and the decisions a
 * policy must give them (spec/rollout.md "Policy tests").
 *
 * Invariants:
 *   - A case is decided exactly as the server decides a call: its request
 *     becomes the JSON envelope dockerd would post, which goes through
 *     json_parse_strict, envelope_from_json and decide(). Nothing is decided
 *     from the YAML directly, so a case cannot pass here and fail in dockerd.
 *   - A case file that cannot be read is refused whole, with every problem as
 *     FILE:LINE:COL: a typo in a key or an expected decision must not turn a
 *     test into one that checks nothing. Unknown keys are errors.
 *   - YAML is turned into JSON without guessing: plain scalars are null,
 *     booleans, JSON numbers or strings by the YAML 1.2 core schema, and a
 *     plain scalar the core schema reads as a number that JSON cannot carry
 *     (0x1F, +1, .5, 1_000) is an error rather than a silent string. Numbers
 *     are copied as text, never through a double, so 2^63-1 stays exact.
 *   - Anchors, aliases and tags other than !!str are refused (no single
 *     line to report, and the billion-laughs expansion); input size and depth
 *     are bounded before anything is built.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <yaml.h>

#include "action.h"
#include "base64.h"
#include "cases.h"
#include "decide.h"
#include "envelope.h"
#include "json.h"
#include "notes.h"

#define CASES_MAX_BYTES (4u << 20)
#define CASES_MAX_DEPTH 64
#define CASES_MAX_ERRORS 100
#define MSG_MAX 4096

/* ------------------------------------------------------------------------
 * Diagnostics
 */

struct loader {
	struct notes notes;		/* the problems found, in file order (notes.h) */
	struct policy_diag *diag;	/* where they go at the end */
};

static void report(struct loader *ld, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report(struct loader *ld, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notes_vadd(&ld->notes, line, col, fmt, ap);
	va_end(ap);
}

static void loader_init(struct loader *ld, const char *file, struct policy_diag *diag)
{
	notes_init(&ld->notes, file, CASES_MAX_ERRORS);
	ld->diag = diag;
}

/* ------------------------------------------------------------------------
 * A YAML tree built from libyaml's events, with the position of every node.
 */

enum ykind { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ykind kind;
	unsigned line, col;		/* 1-based */
	char *text;			/* scalar: NUL-terminated, may hold NULs (len) */
	size_t len;
	bool plain;			/* an unquoted scalar without tag */
	struct ynode **kids;		/* seq: items; map: key, value, key, value... */
	size_t n, cap;
};

static void ynode_free(struct ynode *y)
{
	size_t i;

	if (!y)
		return;
	for (i = 0; i < y->n; i++)
		ynode_free(y->kids[i]);
	free(y->kids);
	free(y->text);
	free(y);
}

static int ynode_add(struct ynode *parent, struct ynode *kid)
{
	struct ynode **k;

	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;

		k = realloc(parent->kids, cap * sizeof(*k));
		if (!k)
			return -1;
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

static const char *const str_tag = "tag:yaml.org,2002:str";

/* Tags: none, the non-specific "!", !!str, and !!seq/!!map on collections. */
static int check_props(struct loader *ld, const yaml_event_t *ev, const yaml_char_t *anchor,
		       const yaml_char_t *tag, const char *collection_tag)
{
	unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;

	if (anchor) {
		report(ld, line, col, "anchors (&%s) are not allowed: write each value out",
		       (const char *)anchor);
		return -1;
	}
	if (tag && strcmp((const char *)tag, "!") != 0 &&
	    strcmp((const char *)tag, collection_tag ? collection_tag : str_tag) != 0) {
		report(ld, line, col, "tag %s is not allowed here%s", (const char *)tag,
		       collection_tag ? "" : " (only !!str)");
		return -1;
	}
	return 0;
}

static struct ynode *ynode_new(enum ykind kind, const yaml_event_t *ev)
{
	struct ynode *y = calloc(1, sizeof(*y));

	if (y) {
		y->kind = kind;
		y->line = (unsigned)ev->start_mark.line + 1;
		y->col = (unsigned)ev->start_mark.column + 1;
	}
	return y;
}

static struct ynode *scalar_node(struct loader *ld, const yaml_event_t *ev)
{
	const yaml_char_t *tag = ev->data.scalar.tag;
	struct ynode *y;

	if (check_props(ld, ev, ev->data.scalar.anchor, tag, NULL) != 0)
		return NULL;
	y = ynode_new(Y_SCALAR, ev);
	if (!y)
		return NULL;
	y->len = ev->data.scalar.length;
	y->text = malloc(y->len + 1);
	if (!y->text) {
		free(y);
		return NULL;
	}
	memcpy(y->text, ev->data.scalar.value, y->len);
	y->text[y->len] = '\0';
	/* "!" and !!str make even a plain scalar a string. */
	y->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag;
	return y;
}

static void yaml_problem(struct loader *ld, const yaml_parser_t *y)
{
	const yaml_mark_t *m = y->problem ? &y->problem_mark : &y->mark;

	if (y->error == YAML_MEMORY_ERROR) {
		report(ld, 0, 0, "out of memory");
		return;
	}
	report(ld, (unsigned)m->line + 1, (unsigned)m->column + 1, "YAML: %s%s%s",
	       y->problem ? y->problem : "syntax error", y->context ? " " : "",
	       y->context ? y->context : "");
}

/* Parse TEXT into a tree; NULL with a report on any problem. */
static struct ynode *parse_yaml(struct loader *ld, const char *text, size_t len)
{
	struct ynode *stack[CASES_MAX_DEPTH + 1], *root = NULL, *y = NULL;
	size_t depth = 0;
	yaml_parser_t parser;
	yaml_event_t ev;
	unsigned docs = 0;
	bool done = false, ok = false;

	if (!yaml_parser_initialize(&parser)) {
		report(ld, 0, 0, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			yaml_problem(ld, &parser);
			break;
		}
		y = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = ok = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				report(ld, (unsigned)ev.start_mark.line + 1,
				       (unsigned)ev.start_mark.column + 1,
				       "a case file holds one YAML document");
				done = true;
			}
			break;
		case YAML_ALIAS_EVENT:
			report(ld, (unsigned)ev.start_mark.line + 1,
			       (unsigned)ev.start_mark.column + 1,
			       "aliases (*%s) are not allowed: write each value out",
			       (const char *)ev.data.alias.anchor);
			done = true;
			break;
		case YAML_SCALAR_EVENT:
			y = scalar_node(ld, &ev);
			if (!y)
				done = true;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			bool seq = ev.type == YAML_SEQUENCE_START_EVENT;

			if (check_props(ld, &ev, seq ? ev.data.sequence_start.anchor :
					ev.data.mapping_start.anchor,
					seq ? ev.data.sequence_start.tag : ev.data.mapping_start.tag,
					seq ? "tag:yaml.org,2002:seq" : "tag:yaml.org,2002:map") != 0) {
				done = true;
				break;
			}
			if (depth == CASES_MAX_DEPTH) {
				report(ld, (unsigned)ev.start_mark.line + 1,
				       (unsigned)ev.start_mark.column + 1,
				       "nested more than %d levels deep", CASES_MAX_DEPTH);
				done = true;
				break;
			}
			y = ynode_new(seq ? Y_SEQ : Y_MAP, &ev);
			if (!y)
				done = true;
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (y) {
			/* Attach to the open collection (or make it the root),
			 * then open it if it is a collection itself. */
			if (depth == 0) {
				root = y;
			} else if (ynode_add(stack[depth - 1], y) != 0) {
				ynode_free(y);
				done = true;
				y = NULL;
			}
			if (y && y->kind != Y_SCALAR)
				stack[depth++] = y;
		}
		if (done && !ok && ld->notes.errors == 0)
			report(ld, 0, 0, "out of memory");
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (!ok) {
		ynode_free(root);
		return NULL;
	}
	return root;
}

/* ------------------------------------------------------------------------
 * Scalars by the YAML 1.2 core schema.
 */

static bool is_word(const struct ynode *y, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(y->text, *words) == 0)
			return true;
	return false;
}

static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const true_words[] = { "true", "True", "TRUE", NULL };
static const char *const false_words[] = { "false", "False", "FALSE", NULL };

static bool is_null(const struct ynode *y)
{
	return y->kind == Y_SCALAR && y->plain && is_word(y, null_words);
}

static bool is_bool(const struct ynode *y)
{
	return y->kind == Y_SCALAR && y->plain &&
	       (is_word(y, true_words) || is_word(y, false_words));
}

static size_t span(const char *s, const char *set)
{
	return strspn(s, set);
}

#define DIGITS "0123456789"

/* JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)? */
static bool json_number(const char *s)
{
	size_t n;

	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		s += span(s, DIGITS);
	else
		return false;
	if (*s == '.') {
		n = span(++s, DIGITS);
		if (!n)
			return false;
		s += n;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		n = span(s, DIGITS);
		if (!n)
			return false;
		s += n;
	}
	return *s == '\0';
}

/* What the YAML 1.2 core schema reads as a number (int, octal, hex, float,
 * infinity, not-a-number). */
static bool yaml_number(const char *s)
{
	const char *p = s;
	size_t n;

	if ((s[0] == '0' && s[1] == 'o' && s[2] && !s[2 + span(s + 2, "01234567")]) ||
	    (s[0] == '0' && s[1] == 'x' && s[2] &&
	     !s[2 + span(s + 2, DIGITS "abcdefABCDEF")]))
		return true;
	if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
		return true;
	if (*p == '-' || *p == '+')
		p++;
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF"))
		return true;
	/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
	if (*p == '.') {
		n = span(++p, DIGITS);
		if (!n)
			return false;
		p += n;
	} else {
		n = span(p, DIGITS);
		if (!n)
			return false;
		p += n;
		if (*p == '.')
			p += 1 + span(p + 1, DIGITS);
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		n = span(p, DIGITS);
		if (!n)
			return false;
		p += n;
	}
	return *p == '\0';
}

static const char *kind_name(const struct ynode *y)
{
	if (y->kind == Y_MAP)
		return "a mapping";
	if (y->kind == Y_SEQ)
		return "a sequence";
	if (is_null(y))
		return "null";
	if (is_bool(y))
		return "a boolean";
	return "a string";
}

/* A string where one is expected: any scalar but a plain null or boolean. */
static const char *text_of(struct loader *ld, const struct ynode *y, const char *what)
{
	if (y->kind != Y_SCALAR || is_null(y) || is_bool(y)) {
		report(ld, y->line, y->col, "%s must be a string, not %s%s", what, kind_name(y),
		       y->kind == Y_SCALAR ? " (quote it to make it a string)" : "");
		return NULL;
	}
	if (memchr(y->text, '\0', y->len)) {
		report(ld, y->line, y->col, "%s contains a NUL character", what);
		return NULL;
	}
	return y->text;
}

/* ------------------------------------------------------------------------
 * YAML -> JSON, for request bodies and envelopes.
 */

static cJSON *to_json(struct loader *ld, const struct ynode *y);

static cJSON *scalar_to_json(struct loader *ld, const struct ynode *y)
{
	if (memchr(y->text, '\0', y->len)) {
		report(ld, y->line, y->col, "a NUL character cannot be carried in JSON here "
		       "(write the body as a JSON string instead)");
		return NULL;
	}
	if (!y->plain)
		return cJSON_CreateString(y->text);
	if (is_word(y, null_words))
		return cJSON_CreateNull();
	if (is_word(y, true_words))
		return cJSON_CreateTrue();
	if (is_word(y, false_words))
		return cJSON_CreateFalse();
	if (json_number(y->text))
		return cJSON_CreateRaw(y->text);	/* exact: no double in between */
	if (yaml_number(y->text)) {
		report(ld, y->line, y->col, "%s is a number in YAML but not in JSON: write it as "
		       "JSON writes numbers, or quote it to make it a string", y->text);
		return NULL;
	}
	return cJSON_CreateString(y->text);
}

static cJSON *map_to_json(struct loader *ld, const struct ynode *y)
{
	cJSON *o = cJSON_CreateObject(), *v;
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i + 1 < y->n; i += 2) {
		const struct ynode *k = y->kids[i];
		const char *key = text_of(ld, k, "a key");

		if (!key)
			goto fail;
		if (json_get(o, key)) {
			report(ld, k->line, k->col, "key \"%s\" is repeated", key);
			goto fail;
		}
		v = to_json(ld, y->kids[i + 1]);
		if (!v)
			goto fail;
		cJSON_AddItemToObject(o, key, v);
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static cJSON *to_json(struct loader *ld, const struct ynode *y)
{
	cJSON *a, *v;
	size_t i;

	if (y->kind == Y_SCALAR)
		return scalar_to_json(ld, y);
	if (y->kind == Y_MAP)
		return map_to_json(ld, y);
	a = cJSON_CreateArray();
	for (i = 0; a && i < y->n; i++) {
		v = to_json(ld, y->kids[i]);
		if (!v) {
			cJSON_Delete(a);
			return NULL;
		}
		cJSON_AddItemToArray(a, v);
	}
	return a;
}

/* ------------------------------------------------------------------------
 * Cases
 */

struct tcase {
	char *name;
	unsigned line;
	char *envelope;			/* the JSON dockerd would post */
	enum phase phase;
	enum outcome expect;
	char *reason;			/* substring of the decision message, or NULL */
	bool check_rule;
	char *rule;			/* NULL: no rule decides */
	bool check_action;
	enum action action;		/* ACTION_NONE: the request routes nowhere */
};

struct case_file {
	char *file;
	struct tcase *cases;
	size_t n;
};

enum case_key {
	K_NAME, K_USER, K_PHASE, K_METHOD, K_URI, K_BODY, K_HEADERS, K_ENVELOPE,
	K_EXPECT, K_REASON, K_RULE, K_ACTION, K_COUNT
};

static const char *const case_keys[K_COUNT] = {
	[K_NAME] = "name", [K_USER] = "user", [K_PHASE] = "phase", [K_METHOD] = "method",
	[K_URI] = "uri", [K_BODY] = "body", [K_HEADERS] = "headers",
	[K_ENVELOPE] = "envelope", [K_EXPECT] = "expect", [K_REASON] = "reason",
	[K_RULE] = "rule", [K_ACTION] = "action",
};

static const char valid_keys[] =
	"name, user, method, uri, body, headers, envelope, phase, expect, reason, rule, action";

/* The members of mapping M by key; unknown and repeated keys reported. */
static int sort_keys(struct loader *ld, const struct ynode *m, const struct ynode **v)
{
	size_t before = ld->notes.errors;
	size_t i, k;

	for (i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *key = m->kids[i];

		if (key->kind != Y_SCALAR) {
			report(ld, key->line, key->col, "a key must be a string");
			continue;
		}
		for (k = 0; k < K_COUNT && strcmp(key->text, case_keys[k]) != 0; k++)
			;
		if (k == K_COUNT) {
			report(ld, key->line, key->col, "unknown key \"%s\" in a case (valid: %s)",
			       key->text, valid_keys);
			continue;
		}
		if (v[k]) {
			report(ld, key->line, key->col, "key \"%s\" is repeated", key->text);
			continue;
		}
		v[k] = m->kids[i + 1];
	}
	return ld->notes.errors == before ? 0 : -1;
}

static int parse_expect(struct loader *ld, const struct ynode *y, enum outcome *out)
{
	static const struct { const char *word; enum outcome o; } words[] = {
		{ "allow", OUTCOME_ALLOW }, { "deny", OUTCOME_DENY },
		{ "would-deny", OUTCOME_WOULD_DENY }, { "error", OUTCOME_ERROR },
	};
	const char *s = text_of(ld, y, "expect");
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i].word) == 0) {
			*out = words[i].o;
			return 0;
		}
	report(ld, y->line, y->col, "expect must be allow, deny, would-deny or error, not \"%s\"", s);
	return -1;
}

/* headers: a mapping of strings to strings, as dockerd passes them. */
static cJSON *parse_headers(struct loader *ld, const struct ynode *y)
{
	cJSON *h;
	size_t i;

	if (y->kind != Y_MAP) {
		report(ld, y->line, y->col, "headers must be a mapping of names to strings");
		return NULL;
	}
	h = cJSON_CreateObject();
	for (i = 0; h && i + 1 < y->n; i += 2) {
		const char *k = text_of(ld, y->kids[i], "a header name");
		const char *v = text_of(ld, y->kids[i + 1], "a header value");

		if (!k || !v) {
			cJSON_Delete(h);
			return NULL;
		}
		if (json_get(h, k)) {
			report(ld, y->kids[i]->line, y->kids[i]->col, "header \"%s\" is repeated", k);
			cJSON_Delete(h);
			return NULL;
		}
		cJSON_AddItemToObject(h, k, cJSON_CreateString(v));
	}
	return h;
}

/* body: a mapping or sequence is JSON; a scalar is the body's exact bytes. */
static char *body_bytes(struct loader *ld, const struct ynode *y, size_t *len)
{
	cJSON *j;
	char *text;

	if (y->kind == Y_SCALAR) {
		if (is_null(y) || is_bool(y)) {
			report(ld, y->line, y->col, "body must be a mapping, a sequence or a string "
			       "of JSON text, not %s", kind_name(y));
			return NULL;
		}
		*len = y->len;
		text = malloc(y->len + 1);
		if (text)
			memcpy(text, y->text, y->len + 1);
		return text;
	}
	j = to_json(ld, y);
	if (!j)
		return NULL;
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (text)
		*len = strlen(text);
	return text;
}

static bool has_header(const cJSON *h, const char *name)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, h)
		if (strcasecmp(it->string, name) == 0)
			return true;
	return false;
}

/* The short form (user, method, uri, body, headers) as dockerd's envelope. */
static char *short_envelope(struct loader *ld, const struct ynode *m, const struct ynode **v)
{
	const char *user = NULL, *method, *uri;
	cJSON *o = NULL, *h = NULL;
	char *body = NULL, *b64 = NULL, *json = NULL;
	size_t blen = 0;

	if (!v[K_METHOD] || !v[K_URI]) {
		report(ld, m->line, m->col, "a case needs method and uri (or an envelope)");
		return NULL;
	}
	method = text_of(ld, v[K_METHOD], "method");
	uri = text_of(ld, v[K_URI], "uri");
	if (v[K_USER])
		user = text_of(ld, v[K_USER], "user");
	if (!method || !uri || (v[K_USER] && !user))
		return NULL;
	if (v[K_HEADERS]) {
		h = parse_headers(ld, v[K_HEADERS]);
		if (!h)
			return NULL;
	}
	if (v[K_BODY]) {
		body = body_bytes(ld, v[K_BODY], &blen);
		if (!body)
			goto out;
		b64 = base64_encode((const unsigned char *)body, blen);
		if (!b64)
			goto out;
		/* dockerd forwards only bodies it sends as JSON. */
		if (!h)
			h = cJSON_CreateObject();
		if (h && !has_header(h, "Content-Type"))
			cJSON_AddStringToObject(h, "Content-Type", "application/json");
	}
	o = cJSON_CreateObject();
	if (!o)
		goto out;
	if (user) {
		/* dockerd names a TLS client by its certificate's CN. */
		cJSON_AddStringToObject(o, "User", user);
		cJSON_AddStringToObject(o, "UserAuthNMethod", "TLS");
	}
	cJSON_AddStringToObject(o, "RequestMethod", method);
	cJSON_AddStringToObject(o, "RequestUri", uri);
	if (b64)
		cJSON_AddStringToObject(o, "RequestBody", b64);
	if (h) {
		cJSON_AddItemToObject(o, "RequestHeaders", h);
		h = NULL;
	}
	json = cJSON_PrintUnformatted(o);
out:
	if (!json && ld->notes.errors == 0)
		report(ld, m->line, m->col, "out of memory");
	cJSON_Delete(o);
	cJSON_Delete(h);
	free(body);
	free(b64);
	return json;
}

/* envelope: a mapping is written as JSON; a string is taken as JSON text. */
static char *given_envelope(struct loader *ld, const struct ynode *m, const struct ynode **v)
{
	static const enum case_key excluded[] = { K_USER, K_METHOD, K_URI, K_BODY, K_HEADERS };
	const struct ynode *e = v[K_ENVELOPE];
	cJSON *j;
	char *json;
	size_t i;

	for (i = 0; i < sizeof(excluded) / sizeof(excluded[0]); i++)
		if (v[excluded[i]]) {
			report(ld, v[excluded[i]]->line, v[excluded[i]]->col,
			       "%s cannot be combined with envelope (the envelope has it all)",
			       case_keys[excluded[i]]);
			return NULL;
		}
	if (e->kind == Y_SCALAR) {
		if (!text_of(ld, e, "envelope"))
			return NULL;
		return strdup(e->text);
	}
	if (e->kind != Y_MAP) {
		report(ld, e->line, e->col, "envelope must be a mapping or a string of JSON");
		return NULL;
	}
	j = to_json(ld, e);
	if (!j)
		return NULL;
	json = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!json)
		report(ld, m->line, m->col, "out of memory");
	return json;
}

/* rule / action: a string, or null to expect none. */
static int optional_name(struct loader *ld, const struct ynode *y, const char *what,
			 const char **out)
{
	*out = NULL;
	if (is_null(y))
		return 0;
	*out = text_of(ld, y, what);
	return *out ? 0 : -1;
}

static int load_case(struct loader *ld, const struct ynode *m, struct tcase *c)
{
	const struct ynode *v[K_COUNT] = { 0 };
	const char *s;
	size_t before = ld->notes.errors;

	c->line = m->line;
	if (m->kind != Y_MAP) {
		report(ld, m->line, m->col, "a case must be a mapping, not %s", kind_name(m));
		return -1;
	}
	if (sort_keys(ld, m, v) != 0)
		return -1;
	if (!v[K_NAME] || !v[K_EXPECT]) {
		report(ld, m->line, m->col, "a case needs %s", !v[K_NAME] ? "a name" : "expect");
		return -1;
	}
	s = text_of(ld, v[K_NAME], "name");
	if (s && !*s)
		report(ld, v[K_NAME]->line, v[K_NAME]->col, "name must not be empty");
	if (s && *s && !(c->name = strdup(s)))
		report(ld, m->line, m->col, "out of memory");
	(void)parse_expect(ld, v[K_EXPECT], &c->expect);
	if (v[K_PHASE]) {
		s = text_of(ld, v[K_PHASE], "phase");
		if (s && strcmp(s, "response") == 0)
			c->phase = PHASE_RESPONSE;
		else if (s && strcmp(s, "request") != 0)
			report(ld, v[K_PHASE]->line, v[K_PHASE]->col,
			       "phase must be request or response, not \"%s\"", s);
	}
	if (v[K_REASON]) {
		s = text_of(ld, v[K_REASON], "reason");
		if (s && !(c->reason = strdup(s)))
			report(ld, m->line, m->col, "out of memory");
	}
	if (v[K_RULE]) {
		c->check_rule = true;
		if (optional_name(ld, v[K_RULE], "rule", &s) == 0 && s && !(c->rule = strdup(s)))
			report(ld, m->line, m->col, "out of memory");
	}
	if (v[K_ACTION]) {
		c->check_action = true;
		if (optional_name(ld, v[K_ACTION], "action", &s) == 0 && s) {
			c->action = action_by_name(s);
			if (c->action == ACTION_NONE)
				report(ld, v[K_ACTION]->line, v[K_ACTION]->col,
				       "unknown action \"%s\" (see spec/actions.md; null for a "
				       "request that routes nowhere)", s);
		}
	}
	c->envelope = v[K_ENVELOPE] ? given_envelope(ld, m, v) : short_envelope(ld, m, v);
	return ld->notes.errors == before ? 0 : -1;
}

static void free_cases(struct tcase *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(c[i].name);
		free(c[i].envelope);
		free(c[i].reason);
		free(c[i].rule);
	}
	free(c);
}

static struct case_file *load_top(struct loader *ld, const struct ynode *root)
{
	const struct ynode *cases = NULL;
	struct case_file *cf;
	size_t i, j;

	if (!root || root->kind != Y_MAP) {
		report(ld, root ? root->line : 1, root ? root->col : 1,
		       "a case file is a mapping with the key \"cases\"");
		return NULL;
	}
	for (i = 0; i + 1 < root->n; i += 2) {
		const struct ynode *k = root->kids[i];

		if (k->kind == Y_SCALAR && strcmp(k->text, "cases") == 0 && !cases)
			cases = root->kids[i + 1];
		else
			report(ld, k->line, k->col, "unknown or repeated top-level key%s%s%s "
			       "(the only key is \"cases\")", k->kind == Y_SCALAR ? " \"" : "",
			       k->kind == Y_SCALAR ? k->text : "", k->kind == Y_SCALAR ? "\"" : "");
	}
	if (!cases) {
		report(ld, root->line, root->col, "no \"cases\"");
		return NULL;
	}
	if (cases->kind != Y_SEQ || cases->n == 0) {
		report(ld, cases->line, cases->col, "cases must be a sequence of at least one case");
		return NULL;
	}
	cf = calloc(1, sizeof(*cf));
	if (cf)
		cf->cases = calloc(cases->n, sizeof(*cf->cases));
	if (!cf || !cf->cases || !(cf->file = strdup(ld->notes.file))) {
		report(ld, 0, 0, "out of memory");
		cases_free(cf);
		return NULL;
	}
	cf->n = cases->n;
	for (i = 0; i < cases->n; i++) {
		if (load_case(ld, cases->kids[i], &cf->cases[i]) != 0)
			continue;
		for (j = 0; j < i; j++)
			if (cf->cases[j].name && strcmp(cf->cases[j].name, cf->cases[i].name) == 0)
				report(ld, cases->kids[i]->line, cases->kids[i]->col,
				       "case name \"%s\" is already used at line %u",
				       cf->cases[i].name, cf->cases[j].line);
	}
	return cf;
}

struct case_file *cases_load_buffer(const char *name, const char *text, size_t len,
				    struct policy_diag *diag)
{
	struct loader ld;
	struct case_file *cf = NULL;
	struct ynode *root = NULL;

	loader_init(&ld, name, diag);
	if (len > CASES_MAX_BYTES)
		report(&ld, 0, 0, "larger than %u bytes", CASES_MAX_BYTES);
	else
		root = parse_yaml(&ld, text, len);
	if (root || ld.notes.errors == 0)
		cf = load_top(&ld, root);	/* an empty file is reported there */
	ynode_free(root);
	notes_flush(&ld.notes, ld.diag);
	if (ld.notes.errors) {
		cases_free(cf);
		return NULL;
	}
	return cf;
}

struct case_file *cases_load(const char *path, struct policy_diag *diag)
{
	struct loader ld;
	struct case_file *cf = NULL;
	struct stat st;
	char *text = NULL;
	size_t n = 0, got;
	FILE *f;

	loader_init(&ld, path, diag);
	f = fopen(path, "rb");
	if (!f) {
		report(&ld, 0, 0, "cannot open: %s", strerror(errno));
		notes_flush(&ld.notes, ld.diag);
		return NULL;
	}
	/* Refuse an oversized file before reading it (and a pipe past the cap). */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > CASES_MAX_BYTES) {
		report(&ld, 0, 0, "larger than %u bytes", CASES_MAX_BYTES);
		goto out;
	}
	text = malloc(CASES_MAX_BYTES + 1);
	if (!text) {
		report(&ld, 0, 0, "out of memory");
		goto out;
	}
	while ((got = fread(text + n, 1, CASES_MAX_BYTES + 1 - n, f)) > 0 && n < CASES_MAX_BYTES + 1)
		n += got;
	if (ferror(f))
		report(&ld, 0, 0, "cannot read: %s", strerror(errno));
	else
		cf = cases_load_buffer(path, text, n, diag);
out:
	notes_flush(&ld.notes, ld.diag);
	free(text);
	fclose(f);
	return cf;
}

size_t cases_count(const struct case_file *cf)
{
	return cf ? cf->n : 0;
}

const char *cases_envelope(const struct case_file *cf, size_t i)
{
	return cf && i < cf->n ? cf->cases[i].envelope : NULL;
}

void cases_free(struct case_file *cf)
{
	if (!cf)
		return;
	free_cases(cf->cases, cf->n);
	free(cf->file);
	free(cf);
}

/* ------------------------------------------------------------------------
 * Running
 */

/* Decide C as the server would: a bad envelope is an error decision. */
static void decide_case(const struct tcase *c, const struct policy *p, struct decision *d)
{
	struct envelope env;
	char err[512];
	cJSON *root = json_parse_strict(c->envelope, strlen(c->envelope), err, sizeof(err));

	if (!root) {
		decide_error(d, c->phase, err);
		return;
	}
	if (envelope_from_json(root, &env, err, sizeof(err)) != 0) {
		decide_error(d, c->phase, err);
		return;
	}
	decide(p, &env, c->phase, d);
	envelope_free(&env);
}

/* Append "; " and a printf-formatted note to WHY. */
static void note(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void note(char *why, size_t len, const char *fmt, ...)
{
	size_t n = strlen(why);
	va_list ap;

	if (n && n + 2 < len) {
		memcpy(why + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(why + n, len - n, fmt, ap);
	va_end(ap);
}

/* The decision's reasons, "; "-separated: what `reason` is matched against. */
static void reasons_text(const struct decision *d, char *buf, size_t len)
{
	size_t n = 0;
	unsigned i;
	int w;

	buf[0] = '\0';
	for (i = 0; i < d->nreasons && n < len; i++) {
		w = snprintf(buf + n, len - n, "%s%s", i ? "; " : "", d->reasons[i]);
		if (w < 0)
			return;
		n += (size_t)w;
	}
}

/* Empty WHY when the decision is what C expects. */
static void check_case(const struct tcase *c, const struct decision *d, char *why, size_t len)
{
	char reasons[2048], rule[300];

	why[0] = '\0';
	reasons_text(d, reasons, sizeof(reasons));
	if (d->rule)
		snprintf(rule, sizeof(rule), " (rule \"%s\")", d->rule);
	else
		rule[0] = '\0';
	if (d->outcome != c->expect)
		note(why, len, "expected %s, got %s%s%s%s", outcome_name(c->expect),
		     outcome_name(d->outcome), rule, reasons[0] ? ": " : "", reasons);
	if (c->reason && !strstr(reasons, c->reason))
		note(why, len, "expected a reason containing \"%s\", got %s%s%s", c->reason,
		     reasons[0] ? "\"" : "none", reasons, reasons[0] ? "\"" : "");
	if (c->check_rule && (c->rule ? !d->rule || strcmp(c->rule, d->rule) != 0 : d->rule != NULL))
		note(why, len, "expected rule %s%s%s, got %s%s%s", c->rule ? "\"" : "",
		     c->rule ? c->rule : "none", c->rule ? "\"" : "", d->rule ? "\"" : "",
		     d->rule ? d->rule : "none", d->rule ? "\"" : "");
	if (c->check_action && c->action != d->action)
		note(why, len, "expected action %s, got %s",
		     c->action ? action_name(c->action) : "none",
		     d->action ? action_name(d->action) : "none");
}

void cases_run(const struct case_file *cf, const struct policy *p, bool verbose, FILE *out,
	       struct case_totals *t)
{
	char why[MSG_MAX];
	struct decision d;
	size_t i;

	for (i = 0; i < cf->n; i++) {
		const struct tcase *c = &cf->cases[i];

		decide_case(c, p, &d);
		check_case(c, &d, why, sizeof(why));
		if (why[0]) {
			fprintf(out, "not ok - %s:%u: %s: %s\n", cf->file, c->line, c->name, why);
			t->failed++;
		} else {
			if (verbose)
				fprintf(out, "ok - %s:%u: %s\n", cf->file, c->line, c->name);
			t->passed++;
		}
	}
}
