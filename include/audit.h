/* SPDX-License-Identifier: Apache-2.0 */
/* audit.h - one JSON line per decision, to a file, stdout, stderr or syslog. */
#ifndef PORTCULLIS_AUDIT_H
#define PORTCULLIS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include "decide.h"
#include "envelope.h"
#include "policy.h"

struct audit;

/* Largest envelope a record keeps (its JSON text); larger ones are omitted
 * with a marker. Syslog datagrams are smaller than files are patient. */
#define AUDIT_ENVELOPE_MAX (1u << 20)
#define AUDIT_ENVELOPE_MAX_SYSLOG (16u << 10)

/*
 * audit_open - SPEC is a file path (opened O_APPEND, mode 0600), "-" for
 * stdout, "stderr", "syslog", or NULL for no audit trail. Returns NULL with a
 * reason in err on failure. An unreachable syslog is not a failure: records
 * are then counted as lost until it comes back.
 */
struct audit *audit_open(const char *spec, char *err, size_t errlen);

/*
 * audit_start_batching - from now on, records to a file or stdout are queued
 * and appended by a writer thread, one write(2) per batch, at most 5 ms
 * after a batch's first record (spec/audit.md says what a crash can lose).
 * Without it (serve --audit-sync, and every tool but serve) each record is
 * written before audit_record returns. audit_close writes what is queued.
 */
int audit_start_batching(struct audit *a, char *err, size_t errlen);

/* Record the request envelope (audit_envelope) in every request-phase record. */
void audit_set_envelopes(struct audit *a, bool on);

/* Reopen the file (SIGUSR1, after logrotate moved it), or reconnect to syslog.
 * Safe while other threads write: the new descriptor replaces the old one
 * with dup2(). */
int audit_reopen(struct audit *a, char *err, size_t errlen);

/* Format one record into BUF (no newline, no envelope); returns its length or -1. */
int audit_format(const struct decision *d, const struct envelope *env, long latency_us,
		 char *buf, size_t len);

/*
 * audit_envelope - the request object ENV was decoded from, as a record keeps
 * it: every member as received, except that secrets are redacted
 *   - RequestBody is decoded, and when it holds secrets re-encoded without
 *     them: each "Env" entry (anywhere in the body: container create and
 *     commit, exec create, a service's ContainerSpec) keeps NAME= and loses
 *     its value; PluginSet's "NAME=value" arguments likewise; members named
 *     Password, IdentityToken, RegistryToken, UnlockKey, JoinToken become
 *     "(redacted)", as does Data in secret and config create/update. Keys are
 *     matched as Go matches them (case-insensitively).
 *   - RequestHeaders loses Authorization, Proxy-Authorization, Cookie,
 *     X-Registry-Auth and X-Registry-Config, should dockerd ever pass them.
 * ACTION is the request's (it selects the action-specific redactions).
 * Returns malloc'd JSON text, or NULL with a reason in WHY when the envelope
 * is not recorded: larger than MAX bytes, a body that is not JSON (so cannot
 * be redacted), out of memory.
 */
char *audit_envelope(const struct envelope *env, enum action action, size_t max, char *why,
		     size_t whylen) __attribute__((warn_unused_result));

/* Write one record. Never blocks indefinitely, never fails the decision:
 * a write error is counted (audit_errors) and reported on stderr once. */
void audit_record(struct audit *a, const struct decision *d, const struct envelope *env,
		  long latency_us);

/*
 * audit_reload - record a reload of POLICY: {"time", "event": "reload",
 * "policy", "result": "ok"|"error", "errors": [FILE:LINE:COL messages]}.
 * DIAG is the loader's diagnostics (NULL or empty with OK).
 */
void audit_reload(struct audit *a, const char *policy, bool ok, const struct policy_diag *diag);

/* Records lost (write errors, syslog gone or full). A may be NULL. */
unsigned long audit_errors(const struct audit *a);
/* Envelopes not recorded (audit_envelope returned NULL). A may be NULL. */
unsigned long audit_envelopes_omitted(const struct audit *a);

void audit_close(struct audit *a);

#endif
