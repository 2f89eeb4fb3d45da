/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decide.c - one AuthZ call in, one decision out.
 *
 * Invariants (each is a test):
 *   - a request with no action (URI not routed as dockerd routes it, no such
 *     endpoint) is denied;
 *   - a form-encoded or multipart body on a write is denied: Go merges it into
 *     the query parameters the handler reads, unseen by any plugin;
 *   - no matching rule means the policy's default, which is deny unless the
 *     policy says otherwise;
 *   - dry-run turns a policy denial into an allowed "would-deny", never a
 *     structural one.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "body.h"
#include "constraints.h"
#include "decide.h"
#include "owner.h"
#include "request.h"
#include "text.h"
#include "thread_end.h"
#include "uri.h"

void decision_add_reason(struct decision *d, const char *fmt, ...)
{
	va_list ap;

	if (d->nreasons >= DECISION_MAX_REASONS)
		return;
	va_start(ap, fmt);
	text_vformat(d->reasons[d->nreasons++], DECISION_REASON_LEN, fmt, ap);
	va_end(ap);
}

/* Everything before the reasons zeroed, and no notes: 300 bytes, not the
 * 3.6 KB of slots, which are read only up to nreasons and nnotes and each
 * written whole (NUL-terminated) when counted. */
void decision_clear(struct decision *d)
{
	memset(d, 0, offsetof(struct decision, reasons));
	d->nnotes = 0;
}

char *decision_next_reason(struct decision *d)
{
	if (d->nreasons >= DECISION_MAX_REASONS)
		return NULL;
	return d->reasons[d->nreasons++];
}

/* Is the media type of VALUE (parameters ignored, case-insensitive) TYPE? */
static bool media_type_is(const char *value, const char *type)
{
	size_t n = strlen(type);

	while (*value == ' ' || *value == '\t')
		value++;
	if (strncasecmp(value, type, n) != 0)
		return false;
	value += n;
	while (*value == ' ' || *value == '\t')
		value++;
	return *value == '\0' || *value == ';';
}

/*
 * Go's net/http merges an application/x-www-form-urlencoded body of a POST,
 * PUT or PATCH into r.Form ahead of the query string, and r.FormValue also
 * reads multipart bodies (protocol.md 3.5). The plugin never sees such a body,
 * so parameters could be overridden unseen (POST /build?networkmode=bridge
 * with networkmode=host in the body). No Docker client sends these.
 */
static bool form_body(const struct envelope *env)
{
	const char *ct;

	if (strcmp(env->method, "POST") != 0 && strcmp(env->method, "PUT") != 0 &&
	    strcmp(env->method, "PATCH") != 0)
		return false;
	ct = envelope_header(env, "Content-Type");
	return ct && (media_type_is(ct, "application/x-www-form-urlencoded") ||
		      media_type_is(ct, "multipart/form-data"));
}

/* The object a request names: the path parameter, or a container create's ?name=. */
static void describe_object(struct decision *d, const struct route_match *m,
			    const struct uri *u)
{
	const char *kind = object_kind_name(m->kind);
	const char *name = m->object;
	size_t len = m->object_len;
	size_t n;

	if (m->kind == OBJECT_NONE && d->action == ACTION_ContainerCreate) {
		kind = object_kind_name(OBJECT_CONTAINER);
		name = uri_query_get(u, "name");
		len = name ? strlen(name) : 0;
	}
	if (!name || !*kind)
		return;
	n = strlen(kind);
	if (n + 1 < sizeof(d->object)) {
		memcpy(d->object, kind, n);
		d->object[n++] = ':';
		text_copy(d->object + n, sizeof(d->object) - n, name, len);
	}
}

/*
 * The last call this thread routed, kept. dockerd asks about every call
 * twice, AuthZReq then AuthZRes with the same method and URI, over the
 * connection it keeps to us (so to this thread), and clients repeat calls
 * (HEAD /_ping before nearly every command). Parsing and routing are pure
 * functions of the method and the URI's bytes: the kept result is the
 * result. A request borrows it (its uri then owns no memory) until the next
 * call routed on this thread replaces it; it is freed when the thread ends.
 */
#define ROUTED_URI_MAX 512		/* longer URIs are routed afresh each time */

static _Thread_local struct routed {
	char raw[ROUTED_URI_MAX];
	char method[16];
	struct uri uri;			/* owns its block */
	struct route_match route;
} last_routed;

static void routed_drop(void)
{
	uri_free(&last_routed.uri);
	last_routed.raw[0] = '\0';
}

/* RQ's uri and route as last routed on this thread, borrowed; false if
 * this call is not the last one. */
static bool routed_get(const struct envelope *env, struct request *rq)
{
	const struct routed *r = &last_routed;

	if (r->raw[0] == '\0' || !env->uri || !env->method || strcmp(r->raw, env->uri) != 0 ||
	    strcmp(r->method, env->method) != 0)
		return false;
	rq->uri = r->uri;
	rq->uri.mem = NULL;		/* borrowed: uri_free frees nothing */
	rq->route = r->route;
	return true;
}

/* Keep RQ's freshly routed uri (ownership moves here; RQ borrows it). */
static void routed_keep(const struct envelope *env, struct request *rq)
{
	struct routed *r = &last_routed;

	if (!env->uri || !env->method || strlen(env->uri) >= sizeof(r->raw) ||
	    strlen(env->method) >= sizeof(r->method))
		return;
	if (!thread_end_call(routed_drop))
		return;		/* could not be freed at thread exit: not kept */
	routed_drop();		/* the call before: finished, nothing borrows it */
	strcpy(r->raw, env->uri);
	strcpy(r->method, env->method);
	r->uri = rq->uri;
	r->route = rq->route;
	rq->uri.mem = NULL;
}

/*
 * Decode the envelope into RQ: route it as dockerd will. 0 with rq and
 * d->action set (rq->uri then the caller's to uri_free: its own, or borrowed
 * from the thread's last routed call and owning nothing), or -1 with a reason.
 */
static int read_request(struct decision *d, const struct envelope *env, const char *user,
			struct request *rq)
{
	char why[256];

	memset(rq, 0, sizeof(*rq));
	rq->env = env;
	rq->user = user;
	if (!routed_get(env, rq)) {
		if (uri_parse(env->uri, &rq->uri, why, sizeof(why)) != 0) {
			decision_add_reason(d, "request URI is not what dockerd routes: %s", why);
			return -1;
		}
		if (route_lookup(env->method, rq->uri.path, &rq->route) != 0) {
			decision_add_reason(d, "%s %s is not a Docker Engine API endpoint",
					    env->method, rq->uri.path);
			goto fail;
		}
		routed_keep(env, rq);
	}
	rq->action = d->action = rq->route.action;
	describe_object(d, &rq->route, &rq->uri);
	if (form_body(env)) {
		decision_add_reason(d, "%s with a form-encoded or multipart body is not allowed "
				    "(dockerd would read parameters from it that no plugin sees)",
				    action_name(d->action));
		goto fail;
	}
	return 0;
fail:
	uri_free(&rq->uri);
	return -1;
}

/*
 * Disabling, removing, reconfiguring or replacing a plugin can take
 * Portcullis itself out of dockerd's chain (disable removes an authz plugin
 * at once: protocol.md 1.6), and a plugin is root code on the host. Such
 * calls are allowed only by a rule that names the user, directly or through
 * a group, never by "*".
 */
static bool changes_a_plugin(enum action a)
{
	return a == ACTION_PluginDisable || a == ACTION_PluginDelete || a == ACTION_PluginSet ||
	       a == ACTION_PluginUpgrade || a == ACTION_PluginPull || a == ACTION_PluginCreate ||
	       a == ACTION_PluginEnable;
}

/*
 * The policy's verdict before constraints: the first matching rule (policy_match
 * walks in file order), or the default. Sets rule, mode and, for a deny, the reason.
 */
static enum effect match_rule(const struct policy *p, const struct request *rq,
			      struct decision *d, const struct rule **rule)
{
	const struct rule *r = policy_match(p, rq->user, rq->action);

	*rule = r;
	if (!r) {
		d->mode = p->mode;
		if (p->default_effect == EFFECT_DENY)
			decision_add_reason(d, "no rule allows %s for user \"%s\" (default: deny)",
					    action_name(rq->action), rq->user);
		return p->default_effect;
	}
	d->rule = r->name;
	d->mode = r->mode;
	if (r->effect == EFFECT_DENY) {
		decision_add_reason(d, "%s is denied to user \"%s\"", action_name(rq->action),
				    rq->user);
		return EFFECT_DENY;
	}
	if (changes_a_plugin(rq->action) && !policy_rule_names_user(p, r, rq->user, true)) {
		decision_add_reason(d, "%s is allowed only to users a rule names, not through "
				    "\"*\": it can disable this authorization plugin",
				    action_name(rq->action));
		d->mode = MODE_ENFORCE;		/* not softened by dry-run */
		return EFFECT_DENY;
	}
	return r->effect;
}

/*
 * Headers by which a client claims an identity (the OPA tutorial's
 * Authz-User, proxy conventions). The user is only ever dockerd's TLS-derived
 * User: such a header is ignored, and noted so the operator sees the attempt.
 */
static void note_identity_headers(const struct envelope *env, struct decision *d)
{
	static const char *const claims[] = {
		"Authz-User", "X-Authz-User", "X-Remote-User", "Remote-User", "X-Forwarded-User",
		"X-Auth-User", "X-Auth-Request-User", "X-User", "X-Forwarded-Email", NULL,
	};
	const char *const *h;
	const cJSON *it;
	size_t n;

	/* One pass first: a claim is named "...-User" or "X-Forwarded-Email", and
	 * nearly every call has neither; the notes keep the list's order. */
	for (it = cJSON_IsObject(env->headers) ? env->headers->child : NULL; it; it = it->next) {
		n = strlen(it->string);
		if ((n >= 5 && memcmp(it->string + n - 5, "-User", 5) == 0) ||
		    strcmp(it->string, "X-Forwarded-Email") == 0)
			break;
	}
	if (it == NULL)
		return;
	for (h = claims; *h && d->nnotes < sizeof(d->notes) / sizeof(d->notes[0]); h++)
		if (envelope_header(env, *h))
			text_format(d->notes[d->nnotes++], DECISION_REASON_LEN,
				    "ignored the %s header: the user is the TLS identity dockerd passes",
				    *h);
}

/* Constant-time string equality: the token must not leak through timing. */
static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char diff = la != lb;

	for (i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static bool is_lookup_action(enum action a)
{
	return a == ACTION_ContainerInspect || a == ACTION_ExecInspect ||
	       a == ACTION_VolumeInspect || a == ACTION_NetworkInspect ||
	       a == ACTION_SystemVersion;	/* engine.c: which weaknesses apply */
}

/*
 * Our own ownership lookups reach dockerd and come back through the plugin.
 * They carry the per-process token: allow exactly those reads. A request with
 * the header and any other value, or on any other call, is forged: deny.
 * Returns true when it decided.
 */
static bool self_lookup(const struct request *rq, const struct lookup *lk, struct decision *d)
{
	const char *tok = envelope_header(rq->env, LOOKUP_TOKEN_HEADER);

	if (!tok)
		return false;
	if (lk && lk->token && same_secret(tok, lk->token) &&
	    strcmp(rq->env->method, "GET") == 0 && is_lookup_action(rq->action)) {
		d->outcome = OUTCOME_ALLOW;
		d->allow = true;
		d->rule = "(portcullis ownership lookup)";
		return true;
	}
	decision_add_reason(d, "the %s header is reserved for portcullis' own lookups",
			    LOOKUP_TOKEN_HEADER);
	return true;
}

/*
 * The rule's conditions on the request itself: its profile's constraints and
 * ownership. 0 met, 1 violated, -1 could not be checked.
 */
static int check_conditions(const struct policy *p, const struct rule *r,
			    const struct request *rq, const struct lookup *lk,
			    struct decision *d)
{
	int rc = 0, orc;

	if (r->profile)
		rc = constraints_check(r->profile, rq, d);
	if (rc >= 0 && r->owner_required) {
		orc = owner_check(p, rq, lk, d);
		if (orc != 0)
			rc = orc;
	}
	if (rc == 0 && r->audit_profile && constraints_check(r->audit_profile, rq, d) != 0)
		rc = 2;		/* meets the rule, fails the audited profile */
	return rc;
}

/*
 * Read the body once for every check of rule R that needs it (its profiles,
 * its ownership): decoding it is the dearest part of a decision. F is then
 * RQ's to use and the caller's to free.
 */
static void read_body(const struct rule *r, struct request *rq, struct facts *f,
		      char *err, size_t errlen)
{
	if (!r->profile && !r->audit_profile && !r->owner_required) {
		memset(f, 0, sizeof(*f));
		return;
	}
	/* body_facts clears F itself */
	if (body_facts(rq, f, err, errlen) == 0)
		rq->facts = f;
	else
		rq->facts_error = err;
}

void decide_with(const struct policy *p, const struct envelope *env, enum phase phase,
		 const struct lookup *lk, struct decision *d)
{
	const char *user = env->user ? env->user : p->unauthenticated;
	const struct rule *r;
	struct request rq;
	struct facts facts;
	enum effect effect;
	char err[256];
	int rc;

	decision_clear(d);
	d->phase = phase;
	d->mode = MODE_ENFORCE;
	text_copy(d->user, sizeof(d->user), user, strlen(user));
	note_identity_headers(env, d);
	if (read_request(d, env, user, &rq) != 0)
		return;		/* structural: denied whatever the mode */
	rq.lookup = lk;
	if (self_lookup(&rq, lk, d))
		goto out;

	effect = match_rule(p, &rq, d, &r);
	/* The body was checked when the request phase allowed it; the response
	 * phase only re-checks that the rule still allows the action. */
	if (effect == EFFECT_ALLOW && r && phase == PHASE_REQUEST) {
		read_body(r, &rq, &facts, err, sizeof(err));
		rc = check_conditions(p, r, &rq, lk, d);
		facts_free(&facts);
		if (rc < 0) {
			/* Could not be checked (missing or unreadable body, lookup
			 * failed): never softened by dry-run, nothing is allowed
			 * unchecked. */
			d->mode = MODE_ENFORCE;
			goto out;
		}
		if (rc == 2) {
			/* Passes what is enforced, fails the stricter profile being
			 * audited: allowed, and recorded with the reasons. */
			d->outcome = OUTCOME_WOULD_DENY;
			d->allow = true;
			goto out;
		}
		if (rc > 0)
			effect = EFFECT_DENY;
	}
	if (effect == EFFECT_ALLOW) {
		d->outcome = OUTCOME_ALLOW;
		d->allow = true;
	} else if (d->mode == MODE_DRY_RUN) {
		d->outcome = OUTCOME_WOULD_DENY;
		d->allow = true;
	}
out:
	uri_free(&rq.uri);
}

void decide(const struct policy *p, const struct envelope *env, enum phase phase,
	    struct decision *d)
{
	decide_with(p, env, phase, NULL, d);
}

void decide_error(struct decision *d, enum phase phase, const char *why)
{
	decision_clear(d);
	d->phase = phase;
	d->outcome = OUTCOME_ERROR;
	decision_add_reason(d, "%s", why);
}

size_t decision_message(const struct decision *d, char *buf, size_t len)
{
	size_t n = 0;
	unsigned i;

	/* every denial's message: concatenation, not a printf per reason */
	buf[0] = '\0';
	if (d->rule) {
		n = text_append(buf, len, n, "rule \"");
		if (n < len)
			n = text_append(buf, len, n, d->rule);
		if (n < len)
			n = text_append(buf, len, n, "\": ");
		if (n >= len)
			return len - 1;
	}
	for (i = 0; i < d->nreasons && n < len; i++) {
		if (i)
			n = text_append(buf, len, n, "; ");
		if (n < len)
			n = text_append(buf, len, n, d->reasons[i]);
	}
	/* text_append counts what did not fit too */
	return n < len ? n : len - 1;
}

const char *outcome_name(enum outcome o)
{
	switch (o) {
	case OUTCOME_ALLOW:
		return "allow";
	case OUTCOME_WOULD_DENY:
		return "would-deny";
	case OUTCOME_ERROR:
		return "error";
	case OUTCOME_DENY:
		break;
	}
	return "deny";
}

const char *mode_name(enum mode m)
{
	return m == MODE_DRY_RUN ? "dry-run" : "enforce";
}
