/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.c - load a YAML policy into an immutable struct policy, and find the
 * rule that decides a request. The language is specified in spec/policy.md.
 *
 * Invariants (each one is a test in tests/unit/test_policy.c):
 *   1. A policy with any problem is refused whole: every problem is reported
 *      as "FILE:LINE:COL: message" and the loaders return NULL, so a policy
 *      with one mistake is never half-applied.
 *   2. Nothing is ignored. A key this version does not implement
 *      (audit_profile, owner) is an error, because silently dropping a
 *      constraint would allow what its author meant to deny. Likewise an action
 *      pattern that matches no action is an error, so a typo in a deny rule
 *      cannot quietly deny nothing, and a user "name" that looks like a pattern
 *      ("dev-*") is an error rather than a name nobody has.
 *   3. YAML aliases and anchors are refused: a shared node has no single line
 *      to report, and an alias tree walked naively is the billion-laughs bomb.
 *      Input size (4 MiB) and nesting depth are bounded before anything else.
 *   4. Action patterns are resolved at load time into each rule's bitset, and
 *      user names into an index; policy_match does one hash lookup and then
 *      walks only the rules that can apply to the user.
 *   5. After loading, the policy is never written: policy_match only reads it
 *      and keeps no state, so any number of threads may share one policy.
 *   6. Profiles (profile.c) are loaded with the same machinery, the built-in
 *      ones included: their text (profiles_builtin.c) is parsed with every
 *      policy, so a built-in that does not load fails every load, and a rule's
 *      profile pointer stays inside the policy it belongs to.
 *
 * The primitives profile.c shares with this file (diagnostics, scalars, key
 * tables, string tables) are declared in loader.h and named ld_*.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "loader.h"
#include "policy.h"

#define POLICY_MAX_BYTES	(4u << 20)	/* larger files are refused unread */
#define POLICY_MAX_DEPTH	32		/* the language needs 5 */
#define POLICY_MAX_ERRORS	100		/* then one "too many errors" line */
#define PATTERN_MAX		1024		/* bytes in one action pattern */
#define PATTERN_MAX_ALTS	1024		/* patterns one {a,b} pattern may become */
#define PATTERN_MAX_STEPS	(8 * PATTERN_MAX_ALTS)
#define BUILTIN_FILE		"<built-in profiles>"	/* FILE in their messages */

#define DEFAULT_UNAUTHENTICATED	"anonymous"
#define DEFAULT_OWNER_LABEL	"io.portcullis.owner"

/* ------------------------------------------------------------------------
 * A string table (loader.h): open addressing, linear probing, keys not owned.
 * Used for the user index (the only table that outlives loading) and, while
 * loading, for group, rule and profile names.
 */

/* FNV-1a. Only the policy's author inserts keys, so flooding is no concern. */
static size_t
strhash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return (size_t)h;
}

const struct slot *
ld_strtab_find(const struct strtab *t, const char *key, size_t len)
{
	size_t i;

	if (t->cap == 0)
		return NULL;
	for (i = strhash(key, len) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		const struct slot *s = &t->slots[i];

		if (s->key == NULL)
			return NULL;
		if (s->len == len && memcmp(s->key, key, len) == 0)
			return s;
	}
}

static int
strtab_grow(struct strtab *t)
{
	size_t cap = t->cap ? 2 * t->cap : 16, i, j;
	struct slot *slots;

	slots = calloc(cap, sizeof(*slots));
	if (slots == NULL)
		return -1;
	for (i = 0; i < t->cap; i++) {
		if (t->slots[i].key == NULL)
			continue;
		for (j = strhash(t->slots[i].key, t->slots[i].len) & (cap - 1);
		     slots[j].key != NULL; j = (j + 1) & (cap - 1))
			;
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

/* ld_strtab_put - see loader.h. */
int
ld_strtab_put(struct strtab *t, const char *key, size_t len, size_t val, size_t *old)
{
	size_t i;

	if (2 * (t->n + 1) > t->cap && strtab_grow(t) != 0)
		return -1;
	for (i = strhash(key, len) & (t->cap - 1); t->slots[i].key != NULL;
	     i = (i + 1) & (t->cap - 1)) {
		if (t->slots[i].len == len && memcmp(t->slots[i].key, key, len) == 0) {
			*old = t->slots[i].val;
			return 1;
		}
	}
	t->slots[i].key = key;
	t->slots[i].len = len;
	t->slots[i].val = val;
	t->n++;
	return 0;
}

void
ld_strtab_free(struct strtab *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------------
 * The index: for each user named anywhere in a rule (directly or through a
 * group), the ascending indices of the rules naming them; separately, the
 * rules whose users include "*". policy_match merges the two lists, so a rule
 * for "*" costs one entry instead of one per user.
 */

struct candidates {
	uint32_t *v;		/* rule indices, ascending: file order */
	size_t n, cap;
};

struct user_entry {
	char *name;		/* owned; the key of the table slot */
	struct candidates rules;
};

/* What struct policy keeps private: the index, and the policy's own copy of
 * the built-in profiles (rules may point into it). */
struct policy_index {
	struct strtab users;	/* name -> position in entries */
	struct user_entry *entries;
	size_t nentries, cap;
	struct candidates anyone;
	struct profile *builtins;
	size_t nbuiltins;
};

/* Append rule RI unless it is already last: rules are added in file order, so
 * that is the only place a duplicate (a user named twice by one rule) can be. */
static int
candidates_add(struct candidates *c, uint32_t ri)
{
	uint32_t *v;

	if (c->n > 0 && c->v[c->n - 1] == ri)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 4;

		v = realloc(c->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = ri;
	return 0;
}

static int
index_add_user(struct policy_index *x, const char *name, size_t len, uint32_t ri)
{
	const struct slot *s;
	struct user_entry *e;
	size_t old;

	s = ld_strtab_find(&x->users, name, len);
	if (s != NULL)
		return candidates_add(&x->entries[s->val].rules, ri);
	if (x->nentries == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;

		e = realloc(x->entries, cap * sizeof(*e));
		if (e == NULL)
			return -1;
		x->entries = e;
		x->cap = cap;
	}
	e = &x->entries[x->nentries];
	memset(e, 0, sizeof(*e));
	e->name = strndup(name, len);
	/* The table slot comes last: it must never point at a freed name. */
	if (e->name == NULL || candidates_add(&e->rules, ri) != 0 ||
	    ld_strtab_put(&x->users, e->name, len, x->nentries, &old) != 0) {
		free(e->rules.v);
		free(e->name);
		return -1;
	}
	x->nentries++;
	return 0;
}

static void
index_free(struct policy_index *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; i < x->nentries; i++) {
		free(x->entries[i].name);
		free(x->entries[i].rules.v);
	}
	free(x->entries);
	free(x->anyone.v);
	ld_strtab_free(&x->users);
	ld_profiles_free(x->builtins, x->nbuiltins);
	free(x);
}

/* ------------------------------------------------------------------------
 * Diagnostics: every message goes to the loader's notes (notes.c), which
 * prefix "FILE:LINE:COL: " (or "FILE: " for problems with the file itself)
 * and hand them out in file order, so `check` lists them top to bottom even
 * though some checks run after others.
 */

/* At node N; libyaml's marks are 0-based. */
void
ld_diag(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notes_vadd(&ld->notes, (unsigned)n->start_mark.line + 1,
		   (unsigned)n->start_mark.column + 1, fmt, ap);
	va_end(ap);
}

/* At a 1-based position. */
void
ld_diag_at(struct loader *ld, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notes_vadd(&ld->notes, line, col, fmt, ap);
	va_end(ap);
}

void
ld_diag_file(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notes_vadd(&ld->notes, 0, 0, fmt, ap);
	va_end(ap);
}

/*
 * ld_quote - S (LEN bytes, from the policy) as a double-quoted string for a
 * message, in BUF (QUOTE_BUF bytes): control characters, quotes and
 * backslashes escaped, so that one problem stays one line whatever the
 * policy contains, and anything past QUOTE_MAX bytes elided.
 */
const char *
ld_quote(char *buf, const char *s, size_t len)
{
	size_t i, n = 0, max = len;

	if (max > QUOTE_MAX) {
		max = QUOTE_MAX;
		while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
			max--;	/* do not cut a UTF-8 sequence */
	}
	buf[n++] = '"';
	for (i = 0; i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)snprintf(buf + n, 5, "\\x%02x", c);
		} else {
			buf[n++] = (char)c;
		}
	}
	if (max < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}

/* 1-based line and column of byte OFF of the input, for libyaml's reader
 * errors, which carry an offset but no mark. Columns count characters, as
 * libyaml's marks do. */
static void
offset_position(const struct loader *ld, size_t off, unsigned *line, unsigned *col)
{
	size_t i;

	*line = *col = 1;
	for (i = 0; i < off && i < ld->len; i++) {
		if (ld->text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)ld->text[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static void
yaml_error(struct loader *ld, const yaml_parser_t *y)
{
	unsigned line, col;

	switch (y->error) {
	case YAML_MEMORY_ERROR:
		ld_diag_file(ld, "out of memory");
		break;
	case YAML_READER_ERROR:
		offset_position(ld, y->problem_offset, &line, &col);
		if (y->problem_value != -1)
			ld_diag_at(ld, line, col, "invalid input: %s (0x%02X)", y->problem,
				   (unsigned)y->problem_value);
		else
			ld_diag_at(ld, line, col, "invalid input: %s", y->problem);
		break;
	default:
		line = (unsigned)y->problem_mark.line + 1;
		col = (unsigned)y->problem_mark.column + 1;
		if (y->context != NULL)
			ld_diag_at(ld, line, col,
				   "YAML syntax error: %s (%s at line %u, column %u)",
				   y->problem ? y->problem : "unknown problem", y->context,
				   (unsigned)y->context_mark.line + 1,
				   (unsigned)y->context_mark.column + 1);
		else
			ld_diag_at(ld, line, col, "YAML syntax error: %s",
				   y->problem ? y->problem : "unknown problem");
		break;
	}
}

/* ------------------------------------------------------------------------
 * The pre-scan: one pass over the YAML events before the document is built,
 * for what the document API resolves away or could be hurt by.
 */

static bool
standard_tag(const char *tag)
{
	static const char *const tags[] = {
		"!",		/* the non-specific tag: "a string, as written" */
		YAML_STR_TAG, YAML_INT_TAG, YAML_BOOL_TAG, YAML_NULL_TAG, YAML_FLOAT_TAG,
		YAML_SEQ_TAG, YAML_MAP_TAG,
	};
	size_t i;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (strcmp(tag, tags[i]) == 0)
			return true;
	return false;
}

static void
check_properties(struct loader *ld, const yaml_event_t *ev, const yaml_char_t *anchor,
		 const yaml_char_t *tag)
{
	unsigned line = (unsigned)ev->start_mark.line + 1;
	unsigned col = (unsigned)ev->start_mark.column + 1;
	char q[QUOTE_BUF];

	/* libyaml allows only [0-9A-Za-z_-] in anchor names: no quoting needed */
	if (anchor != NULL)
		ld_diag_at(ld, line, col, "YAML anchors are not supported (&%s): write the value "
			   "out in full", (const char *)anchor);
	if (tag != NULL && !standard_tag((const char *)tag))
		ld_diag_at(ld, line, col, "YAML tag %s is not supported (only the standard ones, "
			   "such as !!str, are)",
			   ld_quote(q, (const char *)tag, strlen((const char *)tag)));
}

/*
 * prescan - check what the document API hides: aliases and anchors, tags,
 * nesting depth, a second document; and find syntax errors before the loader
 * does. Returns 0 when the document may be loaded and walked, -1 when it must
 * not be (a syntax error, an alias, nesting too deep); problems are reported.
 */
static int
prescan(struct loader *ld)
{
	yaml_parser_t y;
	yaml_event_t ev;
	unsigned depth = 0, docs = 0;
	bool done = false, fatal = false;

	if (!yaml_parser_initialize(&y)) {
		ld_diag_file(ld, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&y, (const unsigned char *)ld->text, ld->len);
	while (!done) {
		if (!yaml_parser_parse(&y, &ev)) {
			yaml_error(ld, &y);
			fatal = true;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs == 2)
				ld_diag_at(ld, (unsigned)ev.start_mark.line + 1,
					   (unsigned)ev.start_mark.column + 1,
					   "a second YAML document: a policy file holds "
					   "exactly one");
			break;
		case YAML_ALIAS_EVENT:
			ld_diag_at(ld, (unsigned)ev.start_mark.line + 1,
				   (unsigned)ev.start_mark.column + 1,
				   "YAML aliases are not supported (*%s): write the value "
				   "out in full",
				   (const char *)ev.data.alias.anchor);
			fatal = true;
			break;
		case YAML_SCALAR_EVENT:
			check_properties(ld, &ev, ev.data.scalar.anchor, ev.data.scalar.tag);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ev.type == YAML_SEQUENCE_START_EVENT)
				check_properties(ld, &ev, ev.data.sequence_start.anchor,
						 ev.data.sequence_start.tag);
			else
				check_properties(ld, &ev, ev.data.mapping_start.anchor,
						 ev.data.mapping_start.tag);
			if (++depth > POLICY_MAX_DEPTH) {
				ld_diag_at(ld, (unsigned)ev.start_mark.line + 1,
					   (unsigned)ev.start_mark.column + 1,
					   "nested deeper than %d levels", POLICY_MAX_DEPTH);
				fatal = done = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&y);
	return fatal ? -1 : 0;
}

/*
 * parse_document - prescan ld->text, then parse it into ld->doc. Returns 0
 * when there is a document to walk (the caller deletes it), -1 after
 * reporting why there is none.
 */
static int
parse_document(struct loader *ld)
{
	yaml_parser_t y;
	int rc = 0;

	if (prescan(ld) != 0)
		return -1;
	if (!yaml_parser_initialize(&y)) {
		ld_diag_file(ld, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&y, (const unsigned char *)ld->text, ld->len);
	/* Only the first document: prescan has reported any other. On failure
	 * libyaml has deleted what it had built. */
	if (!yaml_parser_load(&y, &ld->doc)) {
		yaml_error(ld, &y);
		rc = -1;
	}
	yaml_parser_delete(&y);
	return rc;
}

/* ------------------------------------------------------------------------
 * Nodes and scalars.
 */

yaml_node_t *
ld_node(struct loader *ld, int i)
{
	return yaml_document_get_node(&ld->doc, i);
}

const char *
ld_scalar(const yaml_node_t *n, size_t *len)
{
	*len = n->data.scalar.length;
	return (const char *)n->data.scalar.value;
}

bool
ld_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

static bool
one_of(const char *s, size_t len, const char *const *words)
{
	for (; *words != NULL; words++)
		if (ld_is(s, len, *words))
			return true;
	return false;
}

/*
 * What a scalar means: its explicit tag, or for a plain (unquoted) scalar, the
 * YAML 1.2 core schema, since that is what a reader of "true" or "~" expects.
 * libyaml tags every untagged scalar !!str, so quoting is what tells them apart.
 */
enum scalar_kind
ld_scalar_kind(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const bools[] = {
		"true", "True", "TRUE", "false", "False", "FALSE", NULL
	};
	const char *tag = n->tag ? (const char *)n->tag : YAML_STR_TAG, *s;
	size_t len, i = 0, digits = 0;

	if (strcmp(tag, YAML_NULL_TAG) == 0)
		return SK_NULL;
	if (strcmp(tag, YAML_BOOL_TAG) == 0)
		return SK_BOOL;
	if (strcmp(tag, YAML_INT_TAG) == 0 || strcmp(tag, YAML_FLOAT_TAG) == 0)
		return SK_NUMBER;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return SK_STRING;
	s = ld_scalar(n, &len);
	if (one_of(s, len, nulls))
		return SK_NULL;
	if (one_of(s, len, bools))
		return SK_BOOL;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	return i == len && digits > 0 ? SK_NUMBER : SK_STRING;
}

/* What N is, in the words messages use. */
const char *
ld_what(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_SCALAR_NODE:
		switch (ld_scalar_kind(n)) {
		case SK_NULL:
			return "null";
		case SK_BOOL:
			return "a boolean";
		case SK_NUMBER:
			return "a number";
		case SK_STRING:
			return "a string";
		}
		break;
	default:
		break;
	}
	return "empty";
}

/*
 * ld_text - the text of N where a string is expected, or NULL after reporting
 * "WHAT must be a string, not ...". Numbers are taken as written (a user may
 * well be called 1000); null and booleans are refused, since "users: [~]" or
 * "effect: true" are mistakes, not names.
 */
const char *
ld_text(struct loader *ld, const yaml_node_t *n, const char *what_, size_t *len)
{
	if (n->type == YAML_SCALAR_NODE) {
		enum scalar_kind k = ld_scalar_kind(n);

		if (k == SK_STRING || k == SK_NUMBER)
			return ld_scalar(n, len);
	}
	ld_diag(ld, n, "%s must be a string, not %s", what_, ld_what(n));
	return NULL;
}

bool
ld_has_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* Why S cannot be a user or group name, or NULL if it can. */
static const char *
name_problem(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return "it is empty";
	if (len > POLICY_NAME_MAX)
		return "it is longer than 256 bytes";
	if (s[0] == '@')
		return "\"@\" marks a group reference";
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7f)
			return "names cannot contain whitespace or control characters";
		/* A deny rule for "contractor-*" must not quietly deny nobody. */
		if (strchr("*?[]{}", c) != NULL)
			return "names are matched exactly; only \"*\" alone, in a rule's "
			       "users, means anyone";
	}
	return NULL;
}

struct choice {
	const char *name;
	int value;
};

static const struct choice effects[] = {
	{ "deny", EFFECT_DENY }, { "allow", EFFECT_ALLOW }, { NULL, 0 }
};
static const struct choice modes[] = {
	{ "enforce", MODE_ENFORCE }, { "dry-run", MODE_DRY_RUN }, { NULL, 0 }
};
static const struct choice owners[] = {
	{ "required", 1 }, { "none", 0 }, { NULL, 0 }
};
/* Listings under owner rules: only filtered to the caller's label, or any. */
static const struct choice owner_lists[] = {
	{ "filtered", 0 }, { "any", 1 }, { NULL, 0 }
};

/* The value of one of CHOICES that N names, or -1 after reporting. */
static int
choose(struct loader *ld, const yaml_node_t *n, const char *key, const struct choice *choices)
{
	const struct choice *c;
	const char *s;
	size_t len;
	char q[QUOTE_BUF];

	if (n->type == YAML_SCALAR_NODE && ld_scalar_kind(n) == SK_STRING) {
		s = ld_scalar(n, &len);
		for (c = choices; c->name != NULL; c++)
			if (ld_is(s, len, c->name))
				return c->value;
		ld_diag(ld, n, "\"%s\" must be %s or %s, not %s", key, choices[0].name,
			choices[1].name, ld_quote(q, s, len));
	} else {
		ld_diag(ld, n, "\"%s\" must be %s or %s, not %s", key, choices[0].name,
			choices[1].name, ld_what(n));
	}
	return -1;
}

/* ------------------------------------------------------------------------
 * Keys (loader.h). Each mapping of the language has a table; ld_sort_keys
 * files the pairs of a mapping by it and reports what does not belong. The
 * order of a table is the order "valid keys" lists them in.
 */

enum {
	TOP_VERSION, TOP_UNAUTHENTICATED, TOP_DEFAULT, TOP_MODE, TOP_OWNER_LABEL,
	TOP_OWNER_LIST, TOP_GROUPS, TOP_PROFILES, TOP_RULES, TOP_NKEYS
};

static const struct key top_keys[TOP_NKEYS] = {
	[TOP_VERSION] = { "version", KEY_REQUIRED, NULL, NULL },
	[TOP_UNAUTHENTICATED] = { "unauthenticated", 0, NULL, NULL },
	[TOP_DEFAULT] = { "default", 0, NULL, NULL },
	[TOP_MODE] = { "mode", 0, NULL, NULL },
	[TOP_OWNER_LABEL] = { "owner_label", 0, NULL, NULL },
	[TOP_OWNER_LIST] = { "owner_list", 0, NULL, NULL },
	[TOP_GROUPS] = { "groups", 0, NULL, NULL },
	[TOP_PROFILES] = { "profiles", 0, NULL, NULL },
	[TOP_RULES] = { "rules", 0, NULL, NULL },
};

enum {
	RULE_NAME, RULE_USERS, RULE_ACTIONS, RULE_EFFECT, RULE_MODE, RULE_PROFILE,
	RULE_AUDIT_PROFILE, RULE_OWNER, RULE_NKEYS
};

static const struct key rule_keys[RULE_NKEYS] = {
	[RULE_NAME] = { "name", KEY_REQUIRED, NULL, NULL },
	[RULE_USERS] = { "users", KEY_REQUIRED, NULL, NULL },
	[RULE_ACTIONS] = { "actions", KEY_REQUIRED, NULL, NULL },
	[RULE_EFFECT] = { "effect", 0, NULL, NULL },
	[RULE_MODE] = { "mode", 0, NULL, NULL },
	[RULE_PROFILE] = { "profile", 0, NULL, NULL },
	[RULE_AUDIT_PROFILE] = { "audit_profile", 0, NULL, NULL },
	[RULE_OWNER] = { "owner", 0, NULL, NULL },
};

_Static_assert((int)TOP_NKEYS <= KEYS_MAX && (int)RULE_NKEYS <= KEYS_MAX, "KEYS_MAX");

/* ld_sort_keys - see loader.h. */
void
ld_sort_keys(struct loader *ld, const yaml_node_t *map, const struct key *table, size_t nkeys,
	     const char *where, yaml_node_t **values)
{
	const yaml_node_t *keys[KEYS_MAX] = { 0 };
	const yaml_node_pair_t *pair;
	char valid[512], q[QUOTE_BUF];
	size_t i, len, n = 0;
	const char *s;

	for (i = 0; i < nkeys; i++)
		values[i] = NULL;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = ld_node(ld, pair->key), *v = ld_node(ld, pair->value);

		if (k->type != YAML_SCALAR_NODE) {
			ld_diag(ld, k, "a key must be a string, not %s", ld_what(k));
			continue;
		}
		s = ld_scalar(k, &len);
		for (i = 0; i < nkeys && !ld_is(s, len, table[i].name); i++)
			;
		if (i == nkeys) {
			for (i = 0, n = 0; i < nkeys; i++)
				if (!(table[i].flags & KEY_UNSUPPORTED))
					n += (size_t)snprintf(valid + n, sizeof(valid) - n, "%s%s",
							      n ? ", " : "", table[i].name);
			ld_diag(ld, k, "unknown key %s%s (valid keys: %s)", ld_quote(q, s, len),
				where, valid);
		} else if (keys[i] != NULL) {
			ld_diag(ld, k, "duplicate key \"%s\" (first at line %u)", table[i].name,
				(unsigned)keys[i]->start_mark.line + 1);
		} else if (table[i].flags & KEY_UNSUPPORTED) {
			keys[i] = k;
			ld_diag(ld, k, "\"%s\" is not supported by this version of portcullis "
				"(%s); refusing to load a policy whose constraints would be "
				"ignored", table[i].name, table[i].missing);
		} else {
			keys[i] = k;
			values[i] = v;
		}
	}
	for (i = 0; i < nkeys; i++)
		if ((table[i].flags & KEY_REQUIRED) && keys[i] == NULL)
			ld_diag(ld, map, "missing required key \"%s\"", table[i].name);
}

/* ------------------------------------------------------------------------
 * Groups, users and actions.
 */

static void
load_groups(struct loader *ld, const yaml_node_t *map)
{
	const yaml_node_pair_t *pair;
	const yaml_node_item_t *item;
	const char *s, *why;
	size_t len, old, i;
	char q[QUOTE_BUF];
	int rc;

	if (map->type != YAML_MAPPING_NODE) {
		ld_diag(ld, map, "\"groups\" must be a mapping of group names to lists of user "
			"names, not %s", ld_what(map));
		ld->groups_broken = true;
		return;
	}
	ld->groups = map;
	for (pair = map->data.mapping.pairs.start, i = 0; pair < map->data.mapping.pairs.top;
	     pair++, i++) {
		yaml_node_t *k = ld_node(ld, pair->key), *v = ld_node(ld, pair->value);

		s = ld_text(ld, k, "a group name", &len);
		if (s == NULL)
			continue;
		why = name_problem(s, len);
		if (why != NULL) {
			ld_diag(ld, k, "invalid group name %s: %s", ld_quote(q, s, len), why);
			continue;
		}
		rc = ld_strtab_put(&ld->group_names, s, len, i, &old);
		if (rc < 0) {
			ld_diag_file(ld, "out of memory");
			return;
		}
		if (rc > 0) {
			ld_diag(ld, k, "duplicate key %s (first at line %u)", ld_quote(q, s, len),
				(unsigned)ld_node(ld, map->data.mapping.pairs.start[old].key)
					->start_mark.line + 1);
			continue;
		}
		if (v->type != YAML_SEQUENCE_NODE) {
			ld_diag(ld, v, "group %s must be a sequence of user names, "
				"e.g. [alice, bob], not %s", ld_quote(q, s, len), ld_what(v));
			continue;
		}
		for (item = v->data.sequence.items.start; item < v->data.sequence.items.top;
		     item++) {
			yaml_node_t *m = ld_node(ld, *item);
			const char *u = ld_text(ld, m, "a group member", &len);

			if (u == NULL)
				continue;
			why = u[0] == '@' ? "a group lists users, not other groups" :
			      name_problem(u, len);
			if (why != NULL)
				ld_diag(ld, m, "invalid user name %s: %s", ld_quote(q, u, len),
					why);
		}
	}
}

/* Index rule RI under each valid member of the group at pair PI of "groups". */
static int
index_group(struct loader *ld, size_t pi, uint32_t ri)
{
	const yaml_node_t *seq = ld_node(ld, ld->groups->data.mapping.pairs.start[pi].value);
	const yaml_node_item_t *item;
	const char *s;
	size_t len;

	if (seq->type != YAML_SEQUENCE_NODE)
		return 0;	/* reported by load_groups */
	for (item = seq->data.sequence.items.start; item < seq->data.sequence.items.top; item++) {
		const yaml_node_t *m = ld_node(ld, *item);

		if (m->type != YAML_SCALAR_NODE)
			continue;
		s = ld_scalar(m, &len);
		if (name_problem(s, len) != NULL)
			continue;
		if (index_add_user(ld->p->index, s, len, ri) != 0)
			return -1;
	}
	return 0;
}

static void
load_users(struct loader *ld, const yaml_node_t *seq, uint32_t ri)
{
	const yaml_node_item_t *item;
	const struct slot *g;
	const char *s, *why;
	bool anyone = false;
	size_t len;
	char q[QUOTE_BUF];
	int rc = 0;

	if (seq->type != YAML_SEQUENCE_NODE) {
		ld_diag(ld, seq, "\"users\" must be a sequence, e.g. [alice, \"@admins\"], not %s",
			ld_what(seq));
		return;
	}
	if (seq->data.sequence.items.start == seq->data.sequence.items.top) {
		ld_diag(ld, seq, "\"users\" is empty: a rule must name at least one user, "
			"@group or \"*\"");
		return;
	}
	/* With "*" the rule is a candidate for everyone: indexing its names too
	 * would only make policy_match test it twice. */
	for (item = seq->data.sequence.items.start; item < seq->data.sequence.items.top; item++) {
		const yaml_node_t *u = ld_node(ld, *item);

		if (u->type == YAML_SCALAR_NODE && u->data.scalar.length == 1 &&
		    u->data.scalar.value[0] == '*')
			anyone = true;
	}
	for (item = seq->data.sequence.items.start; item < seq->data.sequence.items.top; item++) {
		const yaml_node_t *u = ld_node(ld, *item);

		s = ld_text(ld, u, "an entry of \"users\"", &len);
		if (s == NULL || ld_is(s, len, "*"))
			continue;
		if (s[0] == '@') {
			g = ld_strtab_find(&ld->group_names, s + 1, len - 1);
			if (len == 1)
				ld_diag(ld, u, "\"@\" must be followed by a group name");
			else if (g == NULL && !ld->groups_broken)
				ld_diag(ld, u, "undefined group %s", ld_quote(q, s + 1, len - 1));
			else if (g != NULL && !anyone)
				rc |= index_group(ld, g->val, ri);
			continue;
		}
		why = name_problem(s, len);
		if (why != NULL)
			ld_diag(ld, u, "invalid user name %s: %s", ld_quote(q, s, len), why);
		else if (!anyone)
			rc |= index_add_user(ld->p->index, s, len, ri);
	}
	if (anyone)
		rc |= candidates_add(&ld->p->index->anyone, ri);
	if (rc != 0)
		ld_diag_file(ld, "out of memory");
}

struct expansion {
	char **v;
	size_t n, cap;
	size_t steps;
};

static void
expansion_free(struct expansion *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static bool
braces_balanced(const char *s)
{
	size_t depth = 0;

	for (; *s != '\0'; s++) {
		if (*s == '{')
			depth++;
		else if (*s == '}' && depth-- == 0)
			return false;
	}
	return depth == 0;
}

/*
 * expand - append to E every pattern that PAT stands for once its {a,b}
 * groups are expanded, left to right, nested groups included. PAT has
 * balanced braces. Returns 0, -1 when out of memory, 1 when PAT would become
 * more than PATTERN_MAX_ALTS patterns (a few groups multiply quickly).
 */
static int
expand(struct expansion *e, const char *pat)
{
	const char *open, *close, *alt, *p;
	size_t pre, post, depth = 0;
	char *buf = NULL, **v;
	int rc = 1;

	if (++e->steps > PATTERN_MAX_STEPS)
		goto out;
	open = strchr(pat, '{');
	if (open == NULL) {
		if (e->n == PATTERN_MAX_ALTS)
			goto out;
		if (e->n == e->cap) {
			size_t cap = e->cap ? 2 * e->cap : 4;

			v = realloc(e->v, cap * sizeof(*v));
			if (v == NULL)
				goto oom;
			e->v = v;
			e->cap = cap;
		}
		e->v[e->n] = strdup(pat);
		if (e->v[e->n] == NULL)
			goto oom;
		e->n++;
		rc = 0;
		goto out;
	}
	for (close = open;; close++) {
		if (*close == '{')
			depth++;
		else if (*close == '}' && --depth == 0)
			break;
	}
	pre = (size_t)(open - pat);
	post = strlen(close + 1);
	buf = malloc(strlen(pat) + 1);	/* each alternative is shorter than PAT */
	if (buf == NULL)
		goto oom;
	/* Split at the commas of this group only, not of groups nested in it. */
	for (alt = p = open + 1;; p++) {
		if (*p == '{') {
			depth++;
		} else if (*p == '}' && depth > 0) {
			depth--;
		} else if (p == close || (*p == ',' && depth == 0)) {
			memcpy(buf, pat, pre);
			memcpy(buf + pre, alt, (size_t)(p - alt));
			memcpy(buf + pre + (size_t)(p - alt), close + 1, post + 1);
			rc = expand(e, buf);
			if (rc != 0 || p == close)
				goto out;
			alt = p + 1;
		}
	}
oom:
	rc = -1;
out:
	free(buf);
	return rc;
}

/* Set in BITS every action PAT (brace-free) matches; returns how many. */
static size_t
match_actions(const char *pat, uint64_t *bits)
{
	size_t n = 0;
	int a;

	if (strpbrk(pat, "*?[\\") == NULL) {
		a = (int)action_by_name(pat);
		if (a == ACTION_NONE)
			return 0;
		bits[a / 64] |= (uint64_t)1 << (a % 64);
		return 1;
	}
	for (a = ACTION_NONE + 1; a < ACTION_COUNT; a++) {
		if (fnmatch(pat, action_name((enum action)a), 0) == 0) {
			bits[a / 64] |= (uint64_t)1 << (a % 64);
			n++;
		}
	}
	return n;
}

/* Resolve one pattern of "actions" into R's bitset. */
static void
load_pattern(struct loader *ld, const yaml_node_t *n, struct rule *r)
{
	struct expansion e = { 0 };
	char q[QUOTE_BUF], q2[QUOTE_BUF];
	const char *pat;
	size_t len, i;
	int rc;

	pat = ld_text(ld, n, "an action pattern", &len);
	if (pat == NULL)
		return;
	if (len == 0) {
		ld_diag(ld, n, "empty action pattern");
		return;
	}
	if (len > PATTERN_MAX) {
		ld_diag(ld, n, "action pattern is longer than %d bytes", PATTERN_MAX);
		return;
	}
	if (ld_has_control(pat, len)) {
		ld_diag(ld, n, "action pattern %s contains a control character",
			ld_quote(q, pat, len));
		return;
	}
	if (!braces_balanced(pat)) {
		ld_diag(ld, n, "unbalanced braces in action pattern %s", ld_quote(q, pat, len));
		return;
	}
	rc = expand(&e, pat);
	if (rc < 0) {
		ld_diag_file(ld, "out of memory");
	} else if (rc > 0) {
		ld_diag(ld, n, "action pattern %s expands to more than %d alternatives",
			ld_quote(q, pat, len), PATTERN_MAX_ALTS);
	} else {
		/* Each alternative must match: "Image{List,Inspekt}" is a typo even
		 * though the pattern as a whole matches ImageList. */
		for (i = 0; i < e.n; i++) {
			if (match_actions(e.v[i], r->actions) > 0)
				continue;
			if (strcmp(e.v[i], pat) == 0)
				ld_diag(ld, n, "unknown action %s (matches no action)",
					ld_quote(q, pat, len));
			else
				ld_diag(ld, n, "unknown action %s in %s (matches no action)",
					ld_quote(q, e.v[i], strlen(e.v[i])),
					ld_quote(q2, pat, len));
		}
	}
	expansion_free(&e);
}

static void
load_actions(struct loader *ld, const yaml_node_t *seq, struct rule *r)
{
	const yaml_node_item_t *item;

	if (seq->type != YAML_SEQUENCE_NODE) {
		ld_diag(ld, seq, "\"actions\" must be a sequence, e.g. [\"Container*\"], not %s",
			ld_what(seq));
		return;
	}
	if (seq->data.sequence.items.start == seq->data.sequence.items.top) {
		ld_diag(ld, seq, "\"actions\" is empty: a rule must name at least one action "
			"pattern (\"*\" for all)");
		return;
	}
	for (item = seq->data.sequence.items.start; item < seq->data.sequence.items.top; item++)
		load_pattern(ld, ld_node(ld, *item), r);
}

/* ------------------------------------------------------------------------
 * Rules and the top level.
 */

static void
load_rule_name(struct loader *ld, const yaml_node_t *n, struct rule *r)
{
	const char *s;
	size_t len, old;
	char q[QUOTE_BUF];
	int rc;

	s = ld_text(ld, n, "\"name\"", &len);
	if (s == NULL)
		return;
	if (len == 0) {
		ld_diag(ld, n, "\"name\" must not be empty");
		return;
	}
	if (len > POLICY_NAME_MAX) {
		ld_diag(ld, n, "\"name\" is longer than %d bytes", POLICY_NAME_MAX);
		return;
	}
	/* The name is quoted in 403 messages and audit records. */
	if (ld_has_control(s, len)) {
		ld_diag(ld, n, "rule name %s contains a control character", ld_quote(q, s, len));
		return;
	}
	rc = ld_strtab_put(&ld->rule_names, s, len, n->start_mark.line + 1, &old);
	if (rc > 0)
		ld_diag(ld, n, "duplicate rule name %s (first at line %zu)", ld_quote(q, s, len),
			old);
	r->name = strndup(s, len);
	if (rc < 0 || r->name == NULL)
		ld_diag_file(ld, "out of memory");
}

static void
load_rule(struct loader *ld, const yaml_node_t *m, struct rule *r, uint32_t ri)
{
	yaml_node_t *v[RULE_NKEYS];
	int c;

	r->line = (unsigned)m->start_mark.line + 1;
	r->col = (unsigned)m->start_mark.column + 1;
	r->effect = EFFECT_ALLOW;
	r->mode = ld->p->mode;
	if (m->type != YAML_MAPPING_NODE) {
		ld_diag(ld, m, "a rule must be a mapping (name, users, actions, ...), not %s",
			ld_what(m));
		return;
	}
	ld_sort_keys(ld, m, rule_keys, RULE_NKEYS, " in a rule", v);
	if (v[RULE_NAME] != NULL)
		load_rule_name(ld, v[RULE_NAME], r);
	if (v[RULE_EFFECT] != NULL && (c = choose(ld, v[RULE_EFFECT], "effect", effects)) >= 0)
		r->effect = (enum effect)c;
	if (v[RULE_MODE] != NULL && (c = choose(ld, v[RULE_MODE], "mode", modes)) >= 0)
		r->mode = (enum mode)c;
	if (v[RULE_ACTIONS] != NULL)
		load_actions(ld, v[RULE_ACTIONS], r);
	if (v[RULE_USERS] != NULL)
		load_users(ld, v[RULE_USERS], ri);
	if (v[RULE_AUDIT_PROFILE] != NULL) {
		r->audit_profile = ld_rule_profile(ld, v[RULE_AUDIT_PROFILE]);
		if (v[RULE_EFFECT] != NULL && r->effect == EFFECT_DENY)
			ld_diag(ld, v[RULE_AUDIT_PROFILE], "\"audit_profile\" has no effect in a "
				"rule with \"effect: deny\"; remove one of them");
	}
	if (v[RULE_OWNER] != NULL && (c = choose(ld, v[RULE_OWNER], "owner", owners)) >= 0) {
		r->owner_required = c == 1;
		if (r->owner_required && v[RULE_EFFECT] != NULL && r->effect == EFFECT_DENY)
			ld_diag(ld, v[RULE_OWNER], "\"owner\" has no effect in a rule with "
				"\"effect: deny\"; remove one of them");
	}
	if (v[RULE_PROFILE] != NULL) {
		r->profile = ld_rule_profile(ld, v[RULE_PROFILE]);
		/* A deny rule denies whatever the request holds: its profile
		 * would be ignored, and nothing is. */
		if (v[RULE_EFFECT] != NULL && r->effect == EFFECT_DENY)
			ld_diag(ld, v[RULE_PROFILE], "\"profile\" has no effect in a rule with "
				"\"effect: deny\"; remove one of them");
	}
}

static void
load_rules(struct loader *ld, const yaml_node_t *seq)
{
	const yaml_node_item_t *item;
	struct policy *p = ld->p;
	size_t n;

	if (seq->type != YAML_SEQUENCE_NODE) {
		ld_diag(ld, seq, "\"rules\" must be a sequence of rules, not %s", ld_what(seq));
		return;
	}
	n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (n == 0)
		return;
	p->rules = calloc(n, sizeof(*p->rules));
	if (p->rules == NULL) {
		ld_diag_file(ld, "out of memory");
		return;
	}
	for (item = seq->data.sequence.items.start; item < seq->data.sequence.items.top; item++) {
		/* counted even when broken, so that policy_free frees its name */
		load_rule(ld, ld_node(ld, *item), &p->rules[p->nrules], (uint32_t)p->nrules);
		p->nrules++;
	}
}

/* Replace *DST with the name N holds, if it is a valid user name. */
static void
load_user_name(struct loader *ld, const yaml_node_t *n, const char *key, char **dst)
{
	const char *s, *why;
	size_t len;
	char q[QUOTE_BUF], w[64];
	char *copy;

	snprintf(w, sizeof(w), "\"%s\"", key);
	s = ld_text(ld, n, w, &len);
	if (s == NULL)
		return;
	why = name_problem(s, len);
	if (why != NULL) {
		ld_diag(ld, n, "invalid user name %s: %s", ld_quote(q, s, len), why);
		return;
	}
	copy = strndup(s, len);
	if (copy == NULL) {
		ld_diag_file(ld, "out of memory");
		return;
	}
	free(*dst);
	*dst = copy;
}

static void
load_owner_label(struct loader *ld, const yaml_node_t *n)
{
	const char *s;
	size_t len, i;
	char *copy;

	s = ld_text(ld, n, "\"owner_label\"", &len);
	if (s == NULL)
		return;
	for (i = 0; i < len && (unsigned char)s[i] > ' ' && s[i] != 0x7f; i++)
		;
	if (len == 0 || len > POLICY_NAME_MAX || i < len) {
		ld_diag(ld, n, "\"owner_label\" must be a label key: 1 to %d bytes, without "
			"whitespace or control characters", POLICY_NAME_MAX);
		return;
	}
	copy = strndup(s, len);
	if (copy == NULL) {
		ld_diag_file(ld, "out of memory");
		return;
	}
	free(ld->p->owner_label);
	ld->p->owner_label = copy;
}

/*
 * load_builtins - load the built-in profiles (profiles_builtin.c) for this
 * policy, with a loader of their own: their positions are in their own text,
 * and they are part of portcullis, not of the policy. A problem in them is a
 * bug; it fails every load, each line prefixed to say so.
 */
static void
load_builtins(struct loader *ld)
{
	struct policy_index *x = ld->p->index;
	const yaml_node_t *root;
	struct loader b;
	size_t i;

	memset(&b, 0, sizeof(b));
	notes_init(&b.notes, BUILTIN_FILE, POLICY_MAX_ERRORS);
	b.text = ld_builtin_profiles;
	b.len = ld_builtin_profiles_len;
	b.builtin = true;
	if (parse_document(&b) == 0) {
		root = yaml_document_get_root_node(&b.doc);
		if (root != NULL)
			ld_load_profiles(&b, root);
		else
			ld_diag_at(&b, 1, 1, "no built-in profiles");
		yaml_document_delete(&b.doc);
	}
	x->builtins = b.profiles;
	x->nbuiltins = b.nprofiles;
	ld->builtins = b.profiles;
	ld->nbuiltins = b.nprofiles;
	for (i = 0; i < b.notes.n; i++)
		ld_diag_file(ld, "bug: a built-in profile does not load: %s", notes_text(&b.notes, i));
	if (b.notes.errors > 0 && b.notes.n == 0)
		ld_diag_file(ld, "bug: the built-in profiles do not load");
	ld_strtab_free(&b.profile_names);
	notes_flush(&b.notes, NULL);
}

static void
load_top(struct loader *ld, const yaml_node_t *root)
{
	yaml_node_t *v[TOP_NKEYS];
	const char *s;
	size_t len;
	char q[QUOTE_BUF];
	int c;

	if (root == NULL) {
		ld_diag_at(ld, 1, 1, "empty policy: expected a mapping with \"version: 1\"");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		ld_diag(ld, root, "a policy must be a mapping (version, rules, ...), not %s",
			ld_what(root));
		return;
	}
	ld_sort_keys(ld, root, top_keys, TOP_NKEYS, "", v);
	if (v[TOP_VERSION] != NULL) {
		if (v[TOP_VERSION]->type != YAML_SCALAR_NODE)
			ld_diag(ld, v[TOP_VERSION], "\"version\" must be 1, not %s",
				ld_what(v[TOP_VERSION]));
		else if (s = ld_scalar(v[TOP_VERSION], &len), !ld_is(s, len, "1"))
			ld_diag(ld, v[TOP_VERSION], "unsupported policy version %s: this version "
				"of portcullis reads version 1", ld_quote(q, s, len));
	}
	if (v[TOP_UNAUTHENTICATED] != NULL)
		load_user_name(ld, v[TOP_UNAUTHENTICATED], "unauthenticated",
			       &ld->p->unauthenticated);
	if (v[TOP_DEFAULT] != NULL && (c = choose(ld, v[TOP_DEFAULT], "default", effects)) >= 0)
		ld->p->default_effect = (enum effect)c;
	if (v[TOP_MODE] != NULL && (c = choose(ld, v[TOP_MODE], "mode", modes)) >= 0)
		ld->p->mode = (enum mode)c;
	if (v[TOP_OWNER_LABEL] != NULL)
		load_owner_label(ld, v[TOP_OWNER_LABEL]);
	if (v[TOP_OWNER_LIST] != NULL &&
	    (c = choose(ld, v[TOP_OWNER_LIST], "owner_list", owner_lists)) >= 0)
		ld->p->owner_list_any = c == 1;
	/* Groups and profiles before rules, wherever they are in the file: rules
	 * refer to them. The built-in profiles first: profiles may extend them. */
	if (v[TOP_GROUPS] != NULL)
		load_groups(ld, v[TOP_GROUPS]);
	load_builtins(ld);
	if (v[TOP_PROFILES] != NULL) {
		ld_load_profiles(ld, v[TOP_PROFILES]);
		ld->p->profiles = ld->profiles;
		ld->p->nprofiles = ld->nprofiles;
	}
	if (v[TOP_RULES] != NULL)
		load_rules(ld, v[TOP_RULES]);
}

static struct policy *
policy_new(const char *file)
{
	struct policy *p;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->version = 1;
	p->default_effect = EFFECT_DENY;
	p->mode = MODE_ENFORCE;
	p->file = strdup(file);
	p->unauthenticated = strdup(DEFAULT_UNAUTHENTICATED);
	p->owner_label = strdup(DEFAULT_OWNER_LABEL);
	p->index = calloc(1, sizeof(*p->index));
	if (p->file == NULL || p->unauthenticated == NULL || p->owner_label == NULL ||
	    p->index == NULL) {
		policy_free(p);
		return NULL;
	}
	return p;
}

/* ------------------------------------------------------------------------
 * The interface.
 */

struct policy *
policy_load_buffer(const char *name, const char *text_, size_t len, struct policy_diag *d)
{
	struct loader ld;
	bool have_doc = false;
	struct policy *p = NULL;

	memset(&ld, 0, sizeof(ld));
	notes_init(&ld.notes, name != NULL ? name : "<policy>", POLICY_MAX_ERRORS);
	ld.text = text_ != NULL ? text_ : "";
	ld.len = text_ != NULL ? len : 0;
	if (ld.len > POLICY_MAX_BYTES) {
		ld_diag_file(&ld, "policy is larger than 4 MiB; refusing to load it");
		goto out;
	}
	if (parse_document(&ld) != 0)
		goto out;
	have_doc = true;
	ld.p = policy_new(ld.notes.file);
	if (ld.p == NULL) {
		ld_diag_file(&ld, "out of memory");
		goto out;
	}
	load_top(&ld, yaml_document_get_root_node(&ld.doc));
	if (ld.notes.errors == 0) {
		p = ld.p;
		ld.p = NULL;
	}
out:
	policy_free(ld.p);
	if (have_doc)
		yaml_document_delete(&ld.doc);
	ld_strtab_free(&ld.group_names);
	ld_strtab_free(&ld.rule_names);
	ld_strtab_free(&ld.profile_names);
	notes_flush(&ld.notes, d);
	return p;
}

struct policy *
policy_load(const char *path, struct policy_diag *d)
{
	struct loader ld;
	struct policy *p = NULL;
	char *buf = NULL, *nbuf, ebuf[128];
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	memset(&ld, 0, sizeof(ld));
	notes_init(&ld.notes, path, POLICY_MAX_ERRORS);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ld_diag_file(&ld, "cannot open: %s", strerror_r(errno, ebuf, sizeof(ebuf)));
		goto out;
	}
	/* Read one byte past the limit to tell "exactly 4 MiB" from "more". */
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 65536;
			if (cap > POLICY_MAX_BYTES + 1)
				cap = POLICY_MAX_BYTES + 1;
			nbuf = realloc(buf, cap);
			if (nbuf == NULL) {
				ld_diag_file(&ld, "out of memory");
				goto out;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ld_diag_file(&ld, "cannot read: %s", strerror_r(errno, ebuf, sizeof(ebuf)));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > POLICY_MAX_BYTES) {
			ld_diag_file(&ld, "policy is larger than 4 MiB; refusing to load it");
			goto out;
		}
	}
	p = policy_load_buffer(path, buf, len, d);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	notes_flush(&ld.notes, d);
	return p;
}

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nrules; i++)
		free(p->rules[i].name);
	free(p->rules);
	/* after the rules, which point into them */
	ld_profiles_free(p->profiles, p->nprofiles);
	index_free(p->index);
	free(p->file);
	free(p->unauthenticated);
	free(p->owner_label);
	free(p);
}

void
policy_diag_free(struct policy_diag *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	d->lines = NULL;
	d->n = 0;
}

/*
 * policy_match - FIRST match wins (unlike doas, whose last matching rule
 * decides): rules are tried in file order, and the candidates for USER are
 * the rules naming USER or one of its groups, merged by rule index with the
 * rules for "*". Both lists are ascending, so the merge walks them in file
 * order and the first candidate holding ACTION is the answer.
 */
const struct rule *
policy_match(const struct policy *p, const char *user, enum action a)
{
	const struct candidates *own = NULL, *any;
	const struct slot *s;
	size_t i = 0, j = 0;
	uint32_t ri;

	if (p == NULL || p->index == NULL || user == NULL ||
	    (int)a <= ACTION_NONE || a >= ACTION_COUNT)
		return NULL;
	s = ld_strtab_find(&p->index->users, user, strlen(user));
	if (s != NULL)
		own = &p->index->entries[s->val].rules;
	any = &p->index->anyone;
	while ((own != NULL && i < own->n) || j < any->n) {
		if (j == any->n || (own != NULL && i < own->n && own->v[i] < any->v[j]))
			ri = own->v[i++];
		else
			ri = any->v[j++];
		if (rule_has_action(&p->rules[ri], a))
			return &p->rules[ri];
	}
	return NULL;
}

/* Is RI in the ascending list C? */
static bool
candidates_has(const struct candidates *c, uint32_t ri)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->v[mid] == ri)
			return true;
		if (c->v[mid] < ri)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool
policy_rule_names_user(const struct policy *p, const struct rule *r, const char *user,
		       bool by_name)
{
	const struct slot *s;
	uint32_t ri;

	if (p == NULL || p->index == NULL || r < p->rules || r >= p->rules + p->nrules)
		return false;
	ri = (uint32_t)(r - p->rules);
	if (!by_name && candidates_has(&p->index->anyone, ri))
		return true;
	s = ld_strtab_find(&p->index->users, user, strlen(user));
	return s != NULL && candidates_has(&p->index->entries[s->val].rules, ri);
}
