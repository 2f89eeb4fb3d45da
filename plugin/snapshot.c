/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snapshot.c - the policy in force, the daemon's only global.
 *
 * Build, validate, swap: a reload loads a complete policy off to the side
 * (policy_load refuses anything with a single error), then publishes it here
 * in one pointer store under the lock. A request acquires the snapshot once
 * and decides entirely with it, so no request ever sees half of one policy
 * and half of another; the old policy is freed by whoever drops the last
 * reference. The lock is held for a pointer copy and a count, never for a
 * decision.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "snapshot.h"

struct snapshot {
	struct policy *policy;
	atomic_uint refs;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;

struct snapshot *snapshot_acquire(void)
{
	struct snapshot *s;

	pthread_mutex_lock(&lock);
	s = current;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&lock);
	return s;
}

const struct policy *snapshot_policy(const struct snapshot *s)
{
	return s->policy;
}

void snapshot_release(struct snapshot *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
		policy_free(s->policy);
		free(s);
	}
}

int snapshot_publish(struct policy *p)
{
	struct snapshot *s = malloc(sizeof(*s)), *old;

	if (!s) {
		policy_free(p);
		return -1;
	}
	s->policy = p;
	atomic_init(&s->refs, 1);	/* the reference "current" holds */
	pthread_mutex_lock(&lock);
	old = current;
	current = s;			/* the transaction point */
	pthread_mutex_unlock(&lock);
	snapshot_release(old);
	return 0;
}

void snapshot_clear(void)
{
	struct snapshot *old;

	pthread_mutex_lock(&lock);
	old = current;
	current = NULL;
	pthread_mutex_unlock(&lock);
	snapshot_release(old);
}
