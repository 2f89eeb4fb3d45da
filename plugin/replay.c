/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay.c - `portcullis replay`: decide recorded traffic again under a
 * candidate policy and report every request whose decision would change,
 * grouped by the rule that now decides and by the user who made it, so an
 * operator tightening a policy knows exactly who breaks before anyone does.
 *
 * What is replayed:
 *   - Request-phase records. A response-phase decision only re-checks the
 *     action of a request already allowed, so a change shows at the request
 *     phase first; "error" records (dockerd got a 500, the envelope was
 *     unreadable) have nothing to decide again.
 *   - A record with an "envelope" (serve --audit-envelopes) is decided from
 *     it exactly as the server decides: envelope_from_json, then decide().
 *     Env values and other secrets were redacted when it was written, which
 *     no rule reads.
 *   - A record without one is decided from its user, method and URI: enough
 *     for rules on actions, not for constraints on bodies; such records are
 *     counted and the report says so.
 * Fail closed: a line that is not an audit record stops the replay with
 * FILE:LINE, so a truncated or foreign log is never reported as "no change".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "envelope.h"
#include "json.h"
#include "replay.h"

#define LINE_MAX_BYTES (4u << 20)	/* a record with the largest envelope is ~1.4 MiB */
#define NOUTCOMES 4
#define NO_RULE "(no rule)"

/* ------------------------------------------------------------------------
 * Changes counted per group: a user, or a pair of rules (the one recorded,
 * the one deciding now), with the transitions between decisions.
 */

struct group {
	char *name;			/* user, or the recorded rule; NULL: no rule */
	char *name2;			/* the candidate's rule; NULL: no rule (or a user group) */
	unsigned long changed;
	unsigned long trans[NOUTCOMES][NOUTCOMES];	/* [old][new] */
};

struct groups {
	struct group *slots;		/* open addressing, linear probing */
	bool *used;			/* a slot is taken (NULL is a valid name) */
	size_t n, cap;
};

static size_t name_hash(const char *a, const char *b)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const char *s;
	int i;

	for (i = 0; i < 2; i++) {
		s = i ? b : a;
		h ^= s ? 1 : 2;		/* NULL and "" differ */
		h *= 0x100000001b3ull;
		for (; s && *s; s++) {
			h ^= (unsigned char)*s;
			h *= 0x100000001b3ull;
		}
	}
	return (size_t)(h ^ (h >> 29));
}

static bool same_name(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int groups_grow(struct groups *g)
{
	size_t cap = g->cap ? g->cap * 2 : 32, i, j;
	struct group *slots = calloc(cap, sizeof(*slots));
	bool *used = calloc(cap, sizeof(*used));

	if (!slots || !used) {
		free(slots);
		free(used);
		return -1;
	}
	for (i = 0; i < g->cap; i++) {
		if (!g->used[i])
			continue;
		for (j = name_hash(g->slots[i].name, g->slots[i].name2) & (cap - 1); used[j];
		     j = (j + 1) & (cap - 1))
			;
		slots[j] = g->slots[i];
		used[j] = true;
	}
	free(g->slots);
	free(g->used);
	g->slots = slots;
	g->used = used;
	g->cap = cap;
	return 0;
}

/* The group for (NAME, NAME2) (NULL is a name too), created on first use. */
static struct group *groups_get(struct groups *g, const char *name, const char *name2)
{
	struct group *e;
	size_t i;

	if (2 * (g->n + 1) > g->cap && groups_grow(g) != 0)
		return NULL;
	for (i = name_hash(name, name2) & (g->cap - 1); g->used[i]; i = (i + 1) & (g->cap - 1))
		if (same_name(g->slots[i].name, name) && same_name(g->slots[i].name2, name2))
			return &g->slots[i];
	e = &g->slots[i];
	if ((name && !(e->name = strdup(name))) || (name2 && !(e->name2 = strdup(name2)))) {
		free(e->name);
		e->name = NULL;
		return NULL;
	}
	g->used[i] = true;
	g->n++;
	return e;
}

static void groups_free(struct groups *g)
{
	size_t i;

	for (i = 0; i < g->cap; i++)
		if (g->used[i]) {
			free(g->slots[i].name);
			free(g->slots[i].name2);
		}
	free(g->slots);
	free(g->used);
}

/* Names first, no name (no rule) last. */
static int name_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return a ? -1 : (b ? 1 : 0);
	return strcmp(a, b);
}

static int group_cmp(const void *a, const void *b)
{
	const struct group *x = *(struct group *const *)a, *y = *(struct group *const *)b;
	int c;

	if (x->changed != y->changed)
		return x->changed > y->changed ? -1 : 1;
	c = name_cmp(x->name, y->name);
	return c ? c : name_cmp(x->name2, y->name2);
}

/* The groups, most changes first; the caller frees the array. */
static struct group **groups_sorted(const struct groups *g)
{
	struct group **v = malloc((g->n ? g->n : 1) * sizeof(*v));
	size_t i, k = 0;

	if (!v)
		return NULL;
	for (i = 0; i < g->cap; i++)
		if (g->used[i])
			v[k++] = &g->slots[i];
	qsort(v, k, sizeof(*v), group_cmp);
	return v;
}

/* ------------------------------------------------------------------------
 * The replay
 */

struct replay {
	const struct policy *policy;
	bool json;
	FILE *out;
	struct replay_totals t;
	struct groups by_rule, by_user;
	bool oom;
};

struct replay *replay_new(const struct policy *p, bool json, FILE *out)
{
	struct replay *r = calloc(1, sizeof(*r));

	if (r) {
		r->policy = p;
		r->json = json;
		r->out = out;
	}
	return r;
}

void replay_free(struct replay *r)
{
	if (!r)
		return;
	groups_free(&r->by_rule);
	groups_free(&r->by_user);
	free(r);
}

void replay_totals(const struct replay *r, struct replay_totals *t)
{
	*t = r->t;
}

static int fail(struct policy_diag *diag, const char *name, unsigned long line, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

static int fail(struct policy_diag *diag, const char *name, unsigned long line, const char *fmt,
		...)
{
	char msg[1024], *full, **lines;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		n = asprintf(&full, "%s:%lu: %s", name, line, msg);
	else
		n = asprintf(&full, "%s: %s", name, msg);
	if (n < 0)
		return -1;
	lines = realloc(diag->lines, (diag->n + 1) * sizeof(*lines));
	if (!lines) {
		free(full);
		return -1;
	}
	diag->lines = lines;
	lines[diag->n++] = full;
	return -1;
}

static int outcome_by_name(const char *s, enum outcome *o)
{
	enum outcome i;

	for (i = OUTCOME_DENY; i < NOUTCOMES; i++)
		if (strcmp(s, outcome_name(i)) == 0) {
			*o = i;
			return 0;
		}
	return -1;
}

static const char *string_member(const cJSON *o, const char *key)
{
	const cJSON *v = json_get(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * The request as dockerd posted it: the recorded envelope, or one rebuilt
 * from the record (User only for TLS callers: anonymous ones get the
 * candidate policy's unauthenticated name, as they would in dockerd).
 * 0, 1 when the record holds too little to replay, -1 with a message.
 */
static int record_envelope(cJSON *rec, struct envelope *env, bool *rebuilt, char *err,
			   size_t errlen)
{
	cJSON *e = cJSON_DetachItemFromObjectCaseSensitive(rec, "envelope");
	const char *method, *uri, *user, *authn;

	*rebuilt = false;
	if (cJSON_IsObject(e))
		return envelope_from_json(e, env, err, errlen) == 0 ? 0 : -1;
	cJSON_Delete(e);
	method = string_member(rec, "method");
	uri = string_member(rec, "uri");
	user = string_member(rec, "user");
	authn = string_member(rec, "authn");
	if (!method || !uri || strcmp(uri, "(too long to record)") == 0)
		return 1;
	e = cJSON_CreateObject();
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (user && authn && strcmp(authn, "none") != 0) {
		cJSON_AddStringToObject(e, "User", user);
		cJSON_AddStringToObject(e, "UserAuthNMethod", authn);
	}
	cJSON_AddStringToObject(e, "RequestMethod", method);
	cJSON_AddStringToObject(e, "RequestUri", uri);
	*rebuilt = true;
	return envelope_from_json(e, env, err, errlen) == 0 ? 0 : -1;
}

static void print_change_text(struct replay *r, const char *name, unsigned long line,
			      const cJSON *rec, const char *old_rule, enum outcome old,
			      const struct decision *d)
{
	const char *user = string_member(rec, "user"), *method = string_member(rec, "method");
	const char *uri = string_member(rec, "uri");
	char msg[2048];
	unsigned i;

	fprintf(r->out, "%s:%lu: %s %s %s (%s): %s", name, line, user ? user : "?",
		method ? method : "?", uri ? uri : "?", d->action ? action_name(d->action) : "no action",
		outcome_name(old));
	if (old_rule)
		fprintf(r->out, " (rule \"%s\")", old_rule);
	else
		fprintf(r->out, " (no rule)");
	fprintf(r->out, " -> %s", outcome_name(d->outcome));
	if (d->rule)
		fprintf(r->out, " (rule \"%s\")", d->rule);
	else
		fprintf(r->out, " (no rule)");
	msg[0] = '\0';
	for (i = 0; i < d->nreasons; i++)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "%s%s", i ? "; " : "",
			 d->reasons[i]);
	fprintf(r->out, "%s%s\n", msg[0] ? ": " : "", msg);
}

static void print_change_json(struct replay *r, const char *name, unsigned long line,
			      const cJSON *rec, const char *old_rule, enum outcome old,
			      const struct decision *d)
{
	cJSON *o = cJSON_CreateObject(), *was, *now, *reasons;
	static const char *const copied[] = { "time", "user", "authn", "method", "uri", "object" };
	const cJSON *v;
	char *text;
	size_t i;
	unsigned k;

	if (!o) {
		r->oom = true;
		return;
	}
	cJSON_AddStringToObject(o, "file", name);
	cJSON_AddNumberToObject(o, "line", (double)line);
	for (i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
		v = json_get(rec, copied[i]);
		if (cJSON_IsString(v))
			cJSON_AddStringToObject(o, copied[i], v->valuestring);
	}
	if (d->action)
		cJSON_AddStringToObject(o, "action", action_name(d->action));
	else
		cJSON_AddNullToObject(o, "action");
	was = cJSON_AddObjectToObject(o, "old");
	now = cJSON_AddObjectToObject(o, "new");
	if (was && now) {
		cJSON_AddStringToObject(was, "decision", outcome_name(old));
		if (old_rule)
			cJSON_AddStringToObject(was, "rule", old_rule);
		else
			cJSON_AddNullToObject(was, "rule");
		cJSON_AddStringToObject(now, "decision", outcome_name(d->outcome));
		if (d->rule)
			cJSON_AddStringToObject(now, "rule", d->rule);
		else
			cJSON_AddNullToObject(now, "rule");
		cJSON_AddStringToObject(now, "mode", mode_name(d->mode));
		reasons = cJSON_AddArrayToObject(now, "reasons");
		for (k = 0; reasons && k < d->nreasons; k++)
			cJSON_AddItemToArray(reasons, cJSON_CreateString(d->reasons[k]));
	}
	text = cJSON_PrintUnformatted(o);
	if (text)
		fprintf(r->out, "%s\n", text);
	else
		r->oom = true;
	free(text);
	cJSON_Delete(o);
}

static void count_change(struct replay *r, const char *user, const char *old_rule,
			 enum outcome old, const struct decision *d)
{
	struct group *g = groups_get(&r->by_rule, old_rule, d->rule);
	struct group *u = groups_get(&r->by_user, user ? user : d->user, NULL);

	if (!g || !u) {
		r->oom = true;
		return;
	}
	g->changed++;
	g->trans[old][d->outcome]++;
	u->changed++;
	u->trans[old][d->outcome]++;
}

/* One line of the log. 0, or -1 with a message in DIAG. */
static int replay_line(struct replay *r, const char *name, unsigned long line, const char *buf,
		       size_t len, struct policy_diag *diag)
{
	char err[512];
	cJSON *rec = json_parse_strict(buf, len, err, sizeof(err));
	const char *decision, *phase, *old_rule;
	struct envelope env;
	struct decision d;
	enum outcome old;
	bool rebuilt;
	int rc = -1, got;

	if (!rec)
		return fail(diag, name, line, "not a JSON audit record: %s", err);
	if (!cJSON_IsObject(rec)) {
		fail(diag, name, line, "not a JSON audit record: not an object");
		goto out;
	}
	if (json_get(rec, "event")) {
		r->t.events++;		/* a reload: not a decision */
		rc = 0;
		goto out;
	}
	decision = string_member(rec, "decision");
	phase = string_member(rec, "phase");
	if (!decision || !phase || outcome_by_name(decision, &old) != 0) {
		fail(diag, name, line, "not an audit record: no valid \"decision\" and \"phase\"");
		goto out;
	}
	rc = 0;
	if (strcmp(phase, "request") != 0) {
		r->t.skipped_response++;
		goto out;
	}
	if (old == OUTCOME_ERROR) {
		r->t.skipped_error++;
		goto out;
	}
	old_rule = string_member(rec, "rule");
	got = record_envelope(rec, &env, &rebuilt, err, sizeof(err));
	if (got < 0) {
		rc = fail(diag, name, line, "the recorded request cannot be decoded: %s", err);
		goto out;
	}
	if (got > 0) {
		r->t.skipped_error++;
		goto out;
	}
	decide(r->policy, &env, PHASE_REQUEST, &d);
	envelope_free(&env);
	r->t.replayed++;
	if (rebuilt)
		r->t.without_envelope++;
	if (d.outcome == old)
		goto out;
	r->t.changed++;
	count_change(r, string_member(rec, "user"), old_rule, old, &d);
	if (r->json)
		print_change_json(r, name, line, rec, old_rule, old, &d);
	else
		print_change_text(r, name, line, rec, old_rule, old, &d);
out:
	cJSON_Delete(rec);
	return rc;
}

/* One line into *BUF (without the newline), at most LINE_MAX_BYTES.
 * 1 with a line, 0 at the end, -1 when too long. */
static int read_line(FILE *f, char **buf, size_t *cap, size_t *len)
{
	size_t n = 0, k;

	for (;;) {
		if (*cap - n < 2) {
			size_t want = *cap ? *cap * 2 : 65536;
			char *nb;

			if (want > LINE_MAX_BYTES + 2)
				want = LINE_MAX_BYTES + 2;
			if (want <= *cap)
				return -1;
			nb = realloc(*buf, want);
			if (!nb)
				return -1;
			*buf = nb;
			*cap = want;
		}
		if (!fgets(*buf + n, (int)(*cap - n), f))
			break;
		k = strlen(*buf + n);
		n += k;
		if (n && (*buf)[n - 1] == '\n') {
			(*buf)[--n] = '\0';
			*len = n;
			return 1;
		}
		if (n > LINE_MAX_BYTES)
			return -1;
	}
	*len = n;
	return n ? 1 : 0;
}

int replay_stream(struct replay *r, const char *name, FILE *f, struct policy_diag *diag)
{
	unsigned long line = 0;
	size_t cap = 0, len = 0;
	char *buf = NULL;
	int got, rc = 0;

	while ((got = read_line(f, &buf, &cap, &len)) != 0) {
		line++;
		if (got < 0) {
			rc = fail(diag, name, line, "line longer than %u bytes (or out of memory)",
				  LINE_MAX_BYTES);
			break;
		}
		if (len == 0)
			continue;
		if (replay_line(r, name, line, buf, len, diag) != 0) {
			rc = -1;
			break;
		}
		if (r->oom) {
			rc = fail(diag, name, line, "out of memory");
			break;
		}
	}
	if (rc == 0 && ferror(f))
		rc = fail(diag, name, 0, "cannot read: %s", strerror(errno));
	free(buf);
	return rc;
}

int replay_file(struct replay *r, const char *path, struct policy_diag *diag)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	int rc;

	if (!f)
		return fail(diag, path, 0, "cannot open: %s", strerror(errno));
	rc = replay_stream(r, is_stdin ? "<stdin>" : path, f, diag);
	if (!is_stdin)
		fclose(f);
	return rc;
}

/* ------------------------------------------------------------------------
 * The report
 */

static void print_transitions_text(FILE *out, const struct group *g)
{
	unsigned o, n;
	bool first = true;

	for (o = 0; o < NOUTCOMES; o++)
		for (n = 0; n < NOUTCOMES; n++)
			if (g->trans[o][n]) {
				fprintf(out, "%s%s -> %s: %lu", first ? "" : ", ",
					outcome_name((enum outcome)o), outcome_name((enum outcome)n),
					g->trans[o][n]);
				first = false;
			}
}

static void print_name(FILE *out, const char *name)
{
	if (name)
		fprintf(out, "\"%s\"", name);
	else
		fputs(NO_RULE, out);
}

/* RULES: groups are (recorded rule, candidate rule) pairs, else users. */
static void print_groups_text(FILE *out, const char *title, const struct groups *g, bool rules)
{
	struct group **v;
	size_t i;

	if (!g->n)
		return;
	v = groups_sorted(g);
	if (!v)
		return;
	fprintf(out, "changes by %s:\n", title);
	for (i = 0; i < g->n; i++) {
		fputs("  ", out);
		print_name(out, v[i]->name);
		if (rules) {
			fputs(" -> ", out);
			print_name(out, v[i]->name2);
		}
		fprintf(out, ": %lu (", v[i]->changed);
		print_transitions_text(out, v[i]);
		fprintf(out, ")\n");
	}
	free(v);
}

static void add_name(cJSON *o, const char *key, const char *name)
{
	if (name)
		cJSON_AddStringToObject(o, key, name);
	else
		cJSON_AddNullToObject(o, key);
}

/* KEY2 (the candidate's rule) is NULL for user groups. */
static cJSON *groups_json(const struct groups *g, const char *key, const char *key2)
{
	cJSON *arr = cJSON_CreateArray(), *o, *t;
	struct group **v = groups_sorted(g);
	char label[64];
	unsigned a, b;
	size_t i;

	for (i = 0; arr && v && i < g->n; i++) {
		o = cJSON_CreateObject();
		if (!o)
			break;
		add_name(o, key, v[i]->name);
		if (key2)
			add_name(o, key2, v[i]->name2);
		cJSON_AddNumberToObject(o, "changed", (double)v[i]->changed);
		t = cJSON_AddObjectToObject(o, "transitions");
		for (a = 0; t && a < NOUTCOMES; a++)
			for (b = 0; b < NOUTCOMES; b++)
				if (v[i]->trans[a][b]) {
					snprintf(label, sizeof(label), "%s -> %s",
						 outcome_name((enum outcome)a),
						 outcome_name((enum outcome)b));
					cJSON_AddNumberToObject(t, label, (double)v[i]->trans[a][b]);
				}
		cJSON_AddItemToArray(arr, o);
	}
	free(v);
	return arr;
}

void replay_report(struct replay *r)
{
	const struct replay_totals *t = &r->t;
	unsigned long skipped = t->skipped_response + t->skipped_error;
	cJSON *o;
	char *text;

	if (r->json) {
		o = cJSON_CreateObject();
		if (!o)
			return;
		cJSON_AddNumberToObject(o, "replayed", (double)t->replayed);
		cJSON_AddNumberToObject(o, "changed", (double)t->changed);
		cJSON_AddNumberToObject(o, "unchanged", (double)(t->replayed - t->changed));
		cJSON_AddNumberToObject(o, "skipped", (double)skipped);
		cJSON_AddNumberToObject(o, "without_envelope", (double)t->without_envelope);
		cJSON_AddItemToObject(o, "by_rule", groups_json(&r->by_rule, "old_rule", "rule"));
		cJSON_AddItemToObject(o, "by_user", groups_json(&r->by_user, "user", NULL));
		text = cJSON_PrintUnformatted(o);
		if (text)
			fprintf(r->out, "%s\n", text);
		free(text);
		cJSON_Delete(o);
		return;
	}
	print_groups_text(r->out, "rule (recorded -> candidate)", &r->by_rule, true);
	print_groups_text(r->out, "user", &r->by_user, false);
	if (t->without_envelope)
		fprintf(r->out, "note: %lu request(s) had no recorded envelope and were decided from "
			"user, method and URI alone, without their bodies (serve "
			"--audit-envelopes records them)\n", t->without_envelope);
	fprintf(r->out, "%lu replayed, %lu changed, %lu unchanged, %lu skipped "
		"(%lu response phase, %lu not replayable)\n", t->replayed, t->changed,
		t->replayed - t->changed, skipped, t->skipped_response, t->skipped_error);
}
