/* SPDX-License-Identifier: Apache-2.0 */
/*
 * explain.c - the trace behind `portcullis eval --explain`: the request as
 * routed, the user, every rule in file order with whether it names the user
 * and the action, the deciding rule, and each constraint of its profiles
 * checked on its own with its result.
 *
 * Each constraint is checked by running constraints_check with a profile
 * that keeps only that one key: the explanation is computed by the same code
 * that decides, not by a second reading of the policy.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "constraints.h"
#include "explain.h"
#include "request.h"
#include "uri.h"

/* One profile key: where it lives in struct profile and how big it is. */
struct key {
	const char *name;
	size_t off, size;
};

#define KEY(n, m) { n, offsetof(struct profile, m), sizeof(((struct profile *)0)->m) }

static const struct key keys[] = {
	KEY("privileged", privileged),
	KEY("capabilities.add", cap_add),
	KEY("capabilities.drop_all", cap_drop_all),
	KEY("host_namespaces", host_namespaces),
	KEY("join_namespaces", join_namespaces),
	KEY("user", user_non_root),
	KEY("no_new_privileges", no_new_privileges),
	KEY("confinement", confinement),
	KEY("read_only_rootfs", read_only_rootfs),
	KEY("mounts", mounts),
	KEY("devices", devices),
	KEY("ports", ports),
	KEY("resources", resources),
	KEY("networks", networks),
	KEY("log_drivers", log_drivers),
	KEY("sysctls", sysctls),
	KEY("runtimes", runtimes),
	KEY("images", images),
	KEY("image_digest", image_digest),
	KEY("cgroup_parent", cgroup_parent),
	KEY("oom_kill_disable", oom_kill_disable),
};

static bool all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Route ENV as decide() does, into RQ; false when it does not route. */
static bool routed(const struct envelope *env, const char *user, struct request *rq)
{
	char err[256];

	memset(rq, 0, sizeof(*rq));
	rq->env = env;
	rq->user = user;
	if (uri_parse(env->uri, &rq->uri, err, sizeof(err)) != 0)
		return false;
	if (route_lookup(env->method, rq->uri.path, &rq->route) != 0) {
		uri_free(&rq->uri);
		return false;
	}
	rq->action = rq->route.action;
	return true;
}

static void explain_profile(FILE *out, const char *what, const struct profile *prof,
			    const struct request *rq)
{
	struct profile one;
	struct decision d;
	unsigned i, k;
	int rc;

	fprintf(out, "  %s \"%s\":\n", what, prof->name);
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const unsigned char *field = (const unsigned char *)prof + keys[k].off;

		if (all_zero(field, keys[k].size))
			continue;	/* absent: unconstrained */
		memset(&one, 0, sizeof(one));
		one.name = prof->name;
		memcpy((unsigned char *)&one + keys[k].off, field, keys[k].size);
		memset(&d, 0, sizeof(d));
		rc = constraints_check(&one, rq, &d);
		fprintf(out, "    %-22s %s\n", keys[k].name,
			rc == 0 ? "ok" : rc > 0 ? "VIOLATED" : "CANNOT CHECK");
		for (i = 0; i < d.nreasons; i++)
			fprintf(out, "      - %s\n", d.reasons[i]);
	}
}

void explain(FILE *out, const struct policy *p, const struct envelope *env, enum phase phase,
	     const struct decision *d)
{
	const char *user = env->user ? env->user : p->unauthenticated;
	const struct rule *match = NULL;
	struct request rq;
	size_t i;

	fprintf(out, "request: %s %s (%s phase)\n", env->method, env->uri,
		phase == PHASE_RESPONSE ? "response" : "request");
	fprintf(out, "user: %s (%s)\n", user,
		env->user ? "TLS identity from dockerd" : "no TLS identity: the policy's unauthenticated name");
	if (!routed(env, user, &rq)) {
		fprintf(out, "action: none: the request does not route as dockerd routes it\n");
		goto verdict;
	}
	fprintf(out, "action: %s%s%s\n", action_name(rq.action), d->object[0] ? " on " : "",
		d->object);
	fprintf(out, "rules (first match decides):\n");
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];
		bool u = policy_rule_names_user(p, r, user, false), a = rule_has_action(r, rq.action);

		fprintf(out, "  %-24s line %-4u user %-3s action %-3s%s\n", r->name, r->line,
			u ? "yes" : "no", a ? "yes" : "no",
			u && a && !match ? "  <- decides" : "");
		if (u && a && !match)
			match = r;
	}
	if (!match) {
		fprintf(out, "no rule matches: the default (%s) decides\n",
			p->default_effect == EFFECT_ALLOW ? "allow" : "deny");
	} else {
		fprintf(out, "rule \"%s\": effect %s, mode %s%s\n", match->name,
			match->effect == EFFECT_ALLOW ? "allow" : "deny", mode_name(match->mode),
			match->owner_required ? ", owner required (checked against dockerd by serve)" : "");
		if (match->effect == EFFECT_ALLOW && phase == PHASE_REQUEST) {
			if (match->profile)
				explain_profile(out, "profile", match->profile, &rq);
			if (match->audit_profile)
				explain_profile(out, "audit profile", match->audit_profile, &rq);
		}
	}
	uri_free(&rq.uri);
verdict:
	fprintf(out, "decision: %s (%s)\n", outcome_name(d->outcome),
		d->allow ? "dockerd runs the call" : "dockerd answers 403");
}
