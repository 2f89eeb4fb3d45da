/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.h - counters for decisions, latency, reloads and the audit trail,
 * served in Prometheus text format. See spec/rollout.md "Metrics". */
#ifndef PORTCULLIS_METRICS_H
#define PORTCULLIS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include "decide.h"

struct metrics;
struct audit;

/* A fresh set of counters; the policy loaded at start counts as the last
 * successful load. NULL when out of memory. */
struct metrics *metrics_new(void);

/* Stops the listener if it runs, then frees. NULL is ignored. */
void metrics_free(struct metrics *m);

/*
 * metrics_decision - count one decision by phase, decision, rule and action,
 * and its latency. Called on the decision path: atomics only, no lock, no
 * I/O. The first decision of a new (phase, decision, rule, action) series
 * allocates its key once; past METRICS_MAX_SERIES series, decisions are still
 * counted in the totals and portcullis_decisions_overflow_total. M may be NULL.
 */
void metrics_decision(struct metrics *m, const struct decision *d, long latency_us);

/* A reload: OK true when the new policy was published. M may be NULL. */
void metrics_reload(struct metrics *m, bool ok);

/* What the exposition reports besides the counters above. */
void metrics_set_dry_run(struct metrics *m, bool forced);
void metrics_set_audit(struct metrics *m, const struct audit *a);

/*
 * metrics_render - the Prometheus text exposition (format 0.0.4) of every
 * counter: a malloc'd NUL-terminated text and its length, or NULL when out
 * of memory. Safe while other threads count.
 */
char *metrics_render(struct metrics *m, size_t *len) __attribute__((warn_unused_result));

/*
 * metrics_listen - serve GET /metrics on ADDR (listen.h: unix:PATH,
 * IPV4:PORT, [IPV6]:PORT) from a thread of its own, so a slow or stuck
 * scraper never touches a decision. Signals must already be blocked in the
 * calling thread (the listener's thread inherits the mask). -1 with a reason.
 */
int metrics_listen(struct metrics *m, const char *addr, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Stop the listener (and remove its unix socket). Idempotent. */
void metrics_stop(struct metrics *m);

#define METRICS_MAX_SERIES 4096

#endif
