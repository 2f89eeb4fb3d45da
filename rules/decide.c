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
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "decide.h"
#include "uri.h"

void decision_add_reason(struct decision *d, const char *fmt, ...)
{
	va_list ap;

	if (d->nreasons >= DECISION_MAX_REASONS)
		return;
	va_start(ap, fmt);
	vsnprintf(d->reasons[d->nreasons++], DECISION_REASON_LEN, fmt, ap);
	va_end(ap);
}

static void copy(char *dst, size_t len, const char *src, size_t srclen)
{
	if (srclen >= len)
		srclen = len - 1;
	memcpy(dst, src, srclen);
	dst[srclen] = '\0';
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
	int n;

	if (m->kind == OBJECT_NONE && d->action == ACTION_ContainerCreate) {
		kind = object_kind_name(OBJECT_CONTAINER);
		name = uri_query_get(u, "name");
		len = name ? strlen(name) : 0;
	}
	if (!name || !*kind)
		return;
	n = snprintf(d->object, sizeof(d->object), "%s:", kind);
	if (n > 0 && (size_t)n < sizeof(d->object))
		copy(d->object + n, sizeof(d->object) - (size_t)n, name, len);
}

/* Route the request; 0 with d->action set, or -1 with a reason. */
static int route_request(struct decision *d, const struct envelope *env)
{
	struct route_match m;
	struct uri u;
	char why[256];

	if (uri_parse(env->uri, &u, why, sizeof(why)) != 0) {
		decision_add_reason(d, "request URI is not what dockerd routes: %s", why);
		return -1;
	}
	if (route_lookup(env->method, u.path, &m) != 0) {
		decision_add_reason(d, "%s %s is not a Docker Engine API endpoint", env->method, u.path);
		uri_free(&u);
		return -1;
	}
	d->action = m.action;
	describe_object(d, &m, &u);
	uri_free(&u);
	if (form_body(env)) {
		decision_add_reason(d, "%s with a form-encoded or multipart body is not allowed "
			   "(dockerd would read parameters from it that no plugin sees)",
			   action_name(d->action));
		return -1;
	}
	return 0;
}

void decide(const struct policy *p, const struct envelope *env, enum phase phase,
	    struct decision *d)
{
	const struct rule *r;
	enum effect effect;
	const char *user = env->user ? env->user : p->unauthenticated;

	memset(d, 0, sizeof(*d));
	d->phase = phase;
	d->mode = MODE_ENFORCE;
	copy(d->user, sizeof(d->user), user, strlen(user));
	if (route_request(d, env) != 0)
		return;		/* structural: denied whatever the mode */

	/* First matching rule decides (policy_match walks in file order). */
	r = policy_match(p, user, d->action);
	if (r) {
		d->rule = r->name;
		d->mode = r->mode;
		effect = r->effect;
		if (effect == EFFECT_DENY)
			decision_add_reason(d, "%s is denied to user \"%s\"", action_name(d->action), user);
	} else {
		d->mode = p->mode;
		effect = p->default_effect;
		if (effect == EFFECT_DENY)
			decision_add_reason(d, "no rule allows %s for user \"%s\" (default: deny)",
				   action_name(d->action), user);
	}
	if (effect == EFFECT_ALLOW) {
		d->outcome = OUTCOME_ALLOW;
		d->allow = true;
	} else if (d->mode == MODE_DRY_RUN) {
		d->outcome = OUTCOME_WOULD_DENY;
		d->allow = true;
	}
}

void decide_error(struct decision *d, enum phase phase, const char *why)
{
	memset(d, 0, sizeof(*d));
	d->phase = phase;
	d->outcome = OUTCOME_ERROR;
	decision_add_reason(d, "%s", why);
}

void decision_message(const struct decision *d, char *buf, size_t len)
{
	size_t n = 0;
	unsigned i;
	int w;

	buf[0] = '\0';
	if (d->rule) {
		w = snprintf(buf, len, "rule \"%s\": ", d->rule);
		if (w < 0 || (size_t)w >= len)
			return;
		n = (size_t)w;
	}
	for (i = 0; i < d->nreasons && n < len; i++) {
		w = snprintf(buf + n, len - n, "%s%s", i ? "; " : "", d->reasons[i]);
		if (w < 0)
			return;
		n += (size_t)w;
	}
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
