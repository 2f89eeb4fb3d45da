/* SPDX-License-Identifier: Apache-2.0 */
/* decide.h - envelope -> request -> action -> decision. The decision carries
 * everything the 403 message and the audit record are formatted from. */
#ifndef PORTCULLIS_DECIDE_H
#define PORTCULLIS_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include "action.h"
#include "envelope.h"
#include "policy.h"
#include "route.h"

enum phase { PHASE_REQUEST = 0, PHASE_RESPONSE = 1 };

/* Zero value is a denial: a decision nobody filled in denies. */
enum outcome { OUTCOME_DENY = 0, OUTCOME_ALLOW, OUTCOME_WOULD_DENY, OUTCOME_ERROR };

#define DECISION_MAX_REASONS 8
#define DECISION_REASON_LEN 320

struct decision {
	enum outcome outcome;
	bool allow;			/* the answer for dockerd: ALLOW and WOULD_DENY allow */
	enum phase phase;
	enum action action;		/* ACTION_NONE when the request did not route */
	enum mode mode;
	const char *rule;		/* name of the deciding rule (in the policy), or NULL */
	char user[128];			/* the effective user name */
	char object[256];		/* "container:web", "" when none */
	unsigned nreasons;
	char reasons[DECISION_MAX_REASONS][DECISION_REASON_LEN];
	unsigned nnotes;		/* things worth an operator's eye that did not decide */
	char notes[2][DECISION_REASON_LEN];
};

/*
 * decide - decide one AuthZ call. Never fails: anything that cannot be read
 * (URI dockerd would route differently, no such endpoint, form-encoded body)
 * is a denial with a reason. Such structural denials are enforced even in
 * dry-run, since they do not depend on the policy.
 */
void decide(const struct policy *p, const struct envelope *env, enum phase phase,
	    struct decision *d);

struct lookup;

/* The same, resolving object references with LK (ownership rules need it;
 * NULL denies what needs a lookup). LK->token marks our own lookups. */
void decide_with(const struct policy *p, const struct envelope *env, enum phase phase,
		 const struct lookup *lk, struct decision *d);

/* An empty decision (a denial, as its zero value is), ready to be filled. */
void decision_clear(struct decision *d);

/* An internal failure (bad envelope, out of memory): an error decision. */
void decide_error(struct decision *d, enum phase phase, const char *why);

/* Append a reason (printf-style); silently ignored beyond DECISION_MAX_REASONS. */
void decision_add_reason(struct decision *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The reason slot decision_add_reason would fill next (DECISION_REASON_LEN
 * bytes), now counted as used; NULL beyond DECISION_MAX_REASONS. For a
 * caller that builds its reason in place rather than through a format. */
char *decision_next_reason(struct decision *d);

/* The text dockerd shows after "authorization denied by plugin NAME: ",
 * cut to fit LEN (> 0) bytes with its NUL; returns its length. */
size_t decision_message(const struct decision *d, char *buf, size_t len);

const char *outcome_name(enum outcome o);
const char *mode_name(enum mode m);

#endif
