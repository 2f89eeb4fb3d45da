/* SPDX-License-Identifier: Apache-2.0 */
/* audit.h - one JSON line per decision, to a file, stdout, stderr or syslog. */
#ifndef PORTCULLIS_AUDIT_H
#define PORTCULLIS_AUDIT_H

#include <stddef.h>
#include "decide.h"
#include "envelope.h"

struct audit;

/*
 * audit_open - SPEC is a file path (opened O_APPEND, mode 0600), "-" for
 * stdout, "stderr", "syslog", or NULL for no audit trail. Returns NULL with a
 * reason in err on failure.
 */
struct audit *audit_open(const char *spec, char *err, size_t errlen);

/* Reopen the file (SIGUSR1, after logrotate moved it). Safe while other
 * threads write: the new file replaces the old one with dup2(). */
int audit_reopen(struct audit *a, char *err, size_t errlen);

/* Format one record into BUF (no newline); returns its length or -1. */
int audit_format(const struct decision *d, const struct envelope *env, long latency_us,
		 char *buf, size_t len);

/* Write one record. Never blocks indefinitely, never fails the decision:
 * a write error is counted (audit_errors) and reported on stderr once. */
void audit_record(struct audit *a, const struct decision *d, const struct envelope *env,
		  long latency_us);

unsigned long audit_errors(const struct audit *a);
void audit_close(struct audit *a);

#endif
