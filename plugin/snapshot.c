/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snapshot.c - the policy in force, the daemon's only global.
 *
 * Build, validate, swap: a reload loads a complete policy off to the side
 * (policy_load refuses anything with a single error), then publishes it here
 * with one pointer store. A request acquires the snapshot once and decides
 * entirely with it, so no request ever sees half of one policy and half of
 * another.
 *
 * No lock on the decision path: each connection thread keeps its own
 * reference to the snapshot it last used, tagged with the generation it was
 * published under. Acquiring is one atomic load of the generation; only when
 * it has moved (after a reload) does the thread take the lock, trade its old
 * reference for the new one, and the old policy is freed by whoever drops the
 * last reference. A thread's reference is dropped when the thread exits
 * (pthread key destructor), so shutdown leaks nothing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "snapshot.h"

struct snapshot {
	struct policy *policy;
	atomic_uint refs;
	unsigned long generation;
};

/* Per-thread cache: the snapshot this thread holds a reference to. */
struct cache {
	struct snapshot *snap;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;		/* guarded by lock */
static atomic_ulong generation;			/* current->generation, readable without lock */
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void drop(struct snapshot *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
		policy_free(s->policy);
		free(s);
	}
}

static void cache_destroy(void *p)
{
	struct cache *c = p;

	drop(c->snap);
	free(c);
}

static void cache_init(void)
{
	(void)pthread_key_create(&cache_key, cache_destroy);
}

/* The current snapshot with one more reference, or NULL. */
static struct snapshot *take_current(void)
{
	struct snapshot *s;

	pthread_mutex_lock(&lock);
	s = current;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&lock);
	return s;
}

struct snapshot *snapshot_acquire(void)
{
	struct cache *c;

	pthread_once(&cache_once, cache_init);
	c = pthread_getspecific(cache_key);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c || pthread_setspecific(cache_key, c) != 0) {
			free(c);
			return take_current();	/* uncached: released by snapshot_release */
		}
	}
	/* Fast path: nothing was published since this thread last looked. */
	if (c->snap && c->snap->generation == atomic_load_explicit(&generation,
								    memory_order_acquire))
		return c->snap;
	drop(c->snap);
	c->snap = take_current();
	return c->snap;
}

const struct policy *snapshot_policy(const struct snapshot *s)
{
	return s->policy;
}

void snapshot_release(struct snapshot *s)
{
	struct cache *c = pthread_getspecific(cache_key);

	/* The thread's cached reference lives on; only an uncached one is dropped. */
	if (s && (!c || c->snap != s))
		drop(s);
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
	s->generation = atomic_load(&generation) + 1;
	current = s;			/* the transaction point */
	atomic_store_explicit(&generation, s->generation, memory_order_release);
	pthread_mutex_unlock(&lock);
	drop(old);
	return 0;
}

void snapshot_clear(void)
{
	struct snapshot *old;
	struct cache *c;

	pthread_mutex_lock(&lock);
	old = current;
	current = NULL;
	atomic_fetch_add(&generation, 1);
	pthread_mutex_unlock(&lock);
	drop(old);
	/* The calling thread's own cached reference, if it decided anything. */
	pthread_once(&cache_once, cache_init);
	c = pthread_getspecific(cache_key);
	if (c) {
		pthread_setspecific(cache_key, NULL);
		cache_destroy(c);
	}
}
