/* SPDX-License-Identifier: Apache-2.0 */
/* snapshot.h - the running policy: the one global, swapped atomically on reload. */
#ifndef PORTCULLIS_SNAPSHOT_H
#define PORTCULLIS_SNAPSHOT_H

#include "policy.h"

struct snapshot;

/* The policy in force, held until snapshot_release; never NULL once published. */
struct snapshot *snapshot_acquire(void);
const struct policy *snapshot_policy(const struct snapshot *s);
void snapshot_release(struct snapshot *s);

/* Make P (complete, validated, consumed) the policy for every later request.
 * Requests in flight finish with the policy they acquired. -1 on OOM (P freed). */
int snapshot_publish(struct policy *p) __attribute__((warn_unused_result));

/* Drop the current policy at shutdown. */
void snapshot_clear(void);

#endif
