/* SPDX-License-Identifier: Apache-2.0 */
/*
 * batch.c - many threads queue lines, one writes them (batch.h).
 *
 * Why shards: a decision must not wait on other decisions. Each thread is
 * given one of NSHARDS queues, round robin, when it first queues a line, and
 * only takes that shard's lock, for one memcpy; threads on other shards never
 * meet it. The writer is the only other party: it takes each shard's lock
 * long enough to swap the shard's two buffers, and writes outside any lock,
 * so a slow disk holds up the writer, never a decision (a full shard makes a
 * decision wait at most BATCH_WAIT_MS, once). The writer sleeps on a
 * semaphore that a shard posts when it turns non-empty.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"

#define NSHARDS 8
#define SHARD_CAP (128u << 10)		/* bytes a shard's buffer holds */
#define SHARD_FLUSH (32u << 10)		/* past this, the writer does not wait */
#define STOP_WAIT_S 5

struct shard {
	pthread_mutex_t lock;
	pthread_cond_t room;		/* a writer emptied this shard */
	char *buf[2];			/* decisions fill buf[fill]; the writer writes the other */
	int fill;
	size_t len;			/* bytes in buf[fill] */
	unsigned long records;
	bool stalled;			/* no room in time: refuse at once until the next batch */
};

struct batch {
	struct shard shard[NSHARDS];
	sem_t wake;			/* a shard turned non-empty, or urgent, or stop */
	sem_t done;			/* the writer has written everything, after stop */
	atomic_bool urgent;		/* a shard passed SHARD_FLUSH */
	atomic_bool stop;
	atomic_uint next_shard;
	batch_sink sink;
	void *ctx;
	pthread_t writer;
};

/* This thread's shard, fixed at its first line (one process, one batch). */
static _Thread_local int thread_shard = -1;

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += ms * 1000000L;
	ts->tv_sec += ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

/* ---------------------------------------------------------------- the writer */

/* Swap shard I's buffers and write what it held; returns the bytes written. */
static size_t flush_shard(struct batch *b, int i)
{
	struct shard *sh = &b->shard[i];
	unsigned long records;
	size_t len;
	char *out;

	pthread_mutex_lock(&sh->lock);
	out = sh->buf[sh->fill];
	len = sh->len;
	records = sh->records;
	if (len) {
		sh->fill ^= 1;
		sh->len = 0;
		sh->records = 0;
	}
	pthread_mutex_unlock(&sh->lock);
	if (!len)
		return 0;
	b->sink(b->ctx, out, len, records);
	pthread_mutex_lock(&sh->lock);
	sh->stalled = false;
	pthread_cond_broadcast(&sh->room);
	pthread_mutex_unlock(&sh->lock);
	return len;
}

/*
 * Wait for a first line; let the batch gather for BATCH_MS unless a shard is
 * past SHARD_FLUSH or we are stopping; write every shard. On stop, once the
 * shards are empty, return.
 */
static void *writer(void *arg)
{
	struct batch *b = arg;
	struct timespec due;
	size_t wrote;
	int i;

	for (;;) {
		while (sem_wait(&b->wake) != 0 && errno == EINTR)
			;
		if (!atomic_load(&b->stop) && !atomic_load(&b->urgent)) {
			deadline_in(&due, BATCH_MS);
			while (!atomic_load(&b->stop) && !atomic_load(&b->urgent) &&
			       (sem_clockwait(&b->wake, CLOCK_MONOTONIC, &due) == 0 || errno == EINTR))
				;
		}
		while (sem_trywait(&b->wake) == 0)
			;	/* every post so far is answered by this round */
		atomic_store(&b->urgent, false);
		wrote = 0;
		for (i = 0; i < NSHARDS; i++)
			wrote += flush_shard(b, i);
		if (atomic_load(&b->stop) && wrote == 0) {
			sem_post(&b->done);
			return NULL;
		}
		if (atomic_load(&b->stop))
			sem_post(&b->wake);	/* one more round: until nothing is left */
	}
}

/* ---------------------------------------------------------------- queueing */

static struct shard *my_shard(struct batch *b)
{
	if (thread_shard < 0)
		thread_shard = (int)(atomic_fetch_add(&b->next_shard, 1) % NSHARDS);
	return &b->shard[thread_shard];
}

int batch_put(struct batch *b, const char *line, size_t n)
{
	struct shard *sh = my_shard(b);
	struct timespec due;
	bool was_empty, crossed;

	if (n > SHARD_FLUSH || atomic_load(&b->stop))
		return 0;	/* an envelope-sized line, or stopping: written directly */
	pthread_mutex_lock(&sh->lock);
	deadline_in(&due, BATCH_WAIT_MS);
	while (sh->len + n > SHARD_CAP && !sh->stalled && !atomic_load(&b->stop))
		if (pthread_cond_timedwait(&sh->room, &sh->lock, &due) != 0 &&
		    sh->len + n > SHARD_CAP)
			sh->stalled = true;
	if (sh->len + n > SHARD_CAP || atomic_load(&b->stop)) {
		int rc = atomic_load(&b->stop) ? 0 : -1;

		pthread_mutex_unlock(&sh->lock);
		return rc;
	}
	memcpy(sh->buf[sh->fill] + sh->len, line, n);
	was_empty = sh->len == 0;
	crossed = sh->len < SHARD_FLUSH && sh->len + n >= SHARD_FLUSH;
	sh->len += n;
	sh->records++;
	pthread_mutex_unlock(&sh->lock);
	if (crossed)
		atomic_store(&b->urgent, true);
	if (was_empty || crossed)
		sem_post(&b->wake);
	return 1;
}

/* ---------------------------------------------------------------- lifetime */

static void batch_free(struct batch *b, int nshards)
{
	int i;

	for (i = 0; i < nshards; i++) {
		pthread_cond_destroy(&b->shard[i].room);
		pthread_mutex_destroy(&b->shard[i].lock);
		free(b->shard[i].buf[0]);
		free(b->shard[i].buf[1]);
	}
	sem_destroy(&b->done);
	sem_destroy(&b->wake);
	free(b);
}

static int shard_init(struct shard *sh)
{
	pthread_condattr_t ca;

	sh->buf[0] = malloc(SHARD_CAP);
	sh->buf[1] = malloc(SHARD_CAP);
	pthread_mutex_init(&sh->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sh->room, &ca);
	pthread_condattr_destroy(&ca);
	return sh->buf[0] && sh->buf[1] ? 0 : -1;
}

struct batch *batch_start(batch_sink sink, void *ctx, char *err, size_t errlen)
{
	struct batch *b = calloc(1, sizeof(*b));
	int i, rc;

	if (!b || sem_init(&b->wake, 0, 0) != 0 || sem_init(&b->done, 0, 0) != 0) {
		free(b);
		snprintf(err, errlen, "audit: out of memory");
		return NULL;
	}
	b->sink = sink;
	b->ctx = ctx;
	for (i = 0; i < NSHARDS; i++)
		if (shard_init(&b->shard[i]) != 0) {
			batch_free(b, i + 1);
			snprintf(err, errlen, "audit: out of memory");
			return NULL;
		}
	rc = pthread_create(&b->writer, NULL, writer, b);
	if (rc != 0) {
		batch_free(b, NSHARDS);
		snprintf(err, errlen, "audit: cannot start the writer thread: %s", strerror(rc));
		return NULL;
	}
	return b;
}

bool batch_stop(struct batch *b)
{
	struct timespec due;
	int i;

	atomic_store(&b->stop, true);
	sem_post(&b->wake);
	for (i = 0; i < NSHARDS; i++) {
		/* wake decisions waiting for room: they write directly now */
		pthread_mutex_lock(&b->shard[i].lock);
		pthread_cond_broadcast(&b->shard[i].room);
		pthread_mutex_unlock(&b->shard[i].lock);
	}
	deadline_in(&due, STOP_WAIT_S * 1000L);
	while (sem_clockwait(&b->done, CLOCK_MONOTONIC, &due) != 0)
		if (errno != EINTR) {
			fprintf(stderr, "portcullis: audit log took no write for %d s at exit; "
				"queued records may be lost\n", STOP_WAIT_S);
			return false;
		}
	pthread_join(b->writer, NULL);	/* it has returned, or is returning */
	batch_free(b, NSHARDS);
	return true;
}
