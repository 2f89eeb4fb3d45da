/* SPDX-License-Identifier: Apache-2.0 */
/* replay.h - re-decide recorded traffic under a candidate policy:
 * `portcullis replay --policy NEW AUDIT_LOG...` (spec/rollout.md "Replay"). */
#ifndef PORTCULLIS_REPLAY_H
#define PORTCULLIS_REPLAY_H

#include <stdbool.h>
#include <stdio.h>
#include "policy.h"

struct replay;

struct replay_totals {
	unsigned long replayed;		/* request-phase records decided again */
	unsigned long changed;		/* ... whose decision differs from the recorded one */
	unsigned long without_envelope;	/* ... replayed from user, method and URI alone */
	unsigned long skipped_response;	/* response-phase records (see spec) */
	unsigned long skipped_error;	/* "error" decisions: nothing to re-decide */
	unsigned long events;		/* reload records and other non-decisions */
};

/* A replay of any number of logs against P, printing to OUT: text, or one
 * JSON object per line with JSON. NULL when out of memory. */
struct replay *replay_new(const struct policy *p, bool json, FILE *out);

/*
 * replay_stream - replay every record of F (NAME in messages) in order,
 * printing each changed decision as it is found. Returns 0, or -1 with one
 * "NAME:LINE: message" in DIAG at the first line that is not an audit record
 * (not JSON, no decision, an envelope that does not decode): a log that
 * cannot be read is not half-replayed silently.
 */
int replay_stream(struct replay *r, const char *name, FILE *f, struct policy_diag *diag)
	__attribute__((warn_unused_result));

/* Same, for a file path ("-" is stdin). */
int replay_file(struct replay *r, const char *path, struct policy_diag *diag)
	__attribute__((warn_unused_result));

/* Print the changes by rule and by user, and the summary line. */
void replay_report(struct replay *r);

void replay_totals(const struct replay *r, struct replay_totals *t);
void replay_free(struct replay *r);

#endif
