/* SPDX-License-Identifier: Apache-2.0 */
/* policy.h - the policy: a YAML file loaded once into an immutable struct,
 * then matched on every request. See spec/policy.md for the language. */
#ifndef PORTCULLIS_POLICY_H
#define PORTCULLIS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "action.h"
#include "profile.h"

/* Zero values are the safe ones: deny, enforce. */
enum effect { EFFECT_DENY = 0, EFFECT_ALLOW = 1 };
enum mode { MODE_ENFORCE = 0, MODE_DRY_RUN = 1 };

#define ACTION_WORDS ((ACTION_COUNT + 63) / 64)

struct rule {
	char *name;
	enum effect effect;		/* EFFECT_ALLOW unless the rule says "effect: deny" */
	enum mode mode;			/* the rule's mode, or the policy's default */
	unsigned line, col;		/* 1-based position of the rule in the file */
	uint64_t actions[ACTION_WORDS];	/* bitset of the actions the rule names */
	const struct profile *profile;	/* constraints on bodies, or NULL (points into
					 * policy->profiles or the built-ins) */
	const struct profile *audit_profile;	/* stricter profile whose violations are
					 * allowed and recorded as would-deny, or NULL */
	bool owner_required;		/* "owner: required": users touch only their objects */
};

struct policy_index;			/* private to policy.c */

struct policy {
	char *file;			/* the name errors and audit records use */
	unsigned version;		/* 1 */
	char *unauthenticated;		/* user name for callers without TLS ("anonymous") */
	enum effect default_effect;	/* when no rule matches (EFFECT_DENY) */
	enum mode mode;			/* default mode of rules (MODE_ENFORCE) */
	char *owner_label;		/* "io.portcullis.owner" */
	bool owner_list_any;		/* "owner_list: any": unfiltered listings under owner rules */
	struct profile *profiles;	/* defined in the file ("profiles:"), extends resolved */
	size_t nprofiles;
	struct rule *rules;		/* in file order: first match wins */
	size_t nrules;
	struct policy_index *index;	/* user -> candidate rules, so matching never scans all */
};

/* Problems found while loading, each "FILE:LINE:COL: message" (1-based). */
struct policy_diag {
	char **lines;
	size_t n;
};

/*
 * policy_load - read and validate a policy file. Every problem is appended to
 * diag (which the caller frees with policy_diag_free); returns NULL if there
 * was any, so a policy with one mistake is never half-applied.
 */
struct policy *policy_load(const char *path, struct policy_diag *diag)
	__attribute__((warn_unused_result));

/* Same, from memory; NAME is used as FILE in messages. */
struct policy *policy_load_buffer(const char *name, const char *text, size_t len,
				  struct policy_diag *diag)
	__attribute__((warn_unused_result));

void policy_free(struct policy *p);
void policy_diag_free(struct policy_diag *d);

/*
 * policy_match - the first rule (in file order) whose users include USER and
 * whose actions include ACTION, or NULL. USER is the effective name (already
 * mapped to p->unauthenticated for anonymous callers). Cost is proportional to
 * the rules that mention USER, its groups or "*", not to the whole policy.
 */
const struct rule *policy_match(const struct policy *p, const char *user, enum action a);

/* Does rule R (one of P's) name USER, directly, through a group, or (unless
 * BY_NAME) as "*"? */
bool policy_rule_names_user(const struct policy *p, const struct rule *r, const char *user,
			    bool by_name);

/* True when ACTION is in the rule's action set. */
static inline bool rule_has_action(const struct rule *r, enum action a)
{
	return (r->actions[a / 64] >> (a % 64)) & 1u;
}

#endif
