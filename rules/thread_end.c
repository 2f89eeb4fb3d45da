/* SPDX-License-Identifier: Apache-2.0 */
/*
 * thread_end.c - one pthread key whose destructor runs every registered
 * drop, for the caches that keep something per thread (json.c's arenas,
 * decide.c's last routed call). A connection's thread ends when dockerd
 * closes the connection; whatever it kept goes with it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "thread_end.h"

#define DROPS_MAX 4

static void (*drops[DROPS_MAX])(void);
static atomic_size_t ndrops;		/* published after drops[n - 1] is set */
static pthread_mutex_t drops_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static bool key_made;
static _Thread_local bool armed;	/* this thread set the key */

static void run_drops(void *unused)
{
	size_t i, n = atomic_load(&ndrops);

	(void)unused;
	for (i = 0; i < n; i++)
		drops[i]();
}

static void make_key(void)
{
	key_made = pthread_key_create(&key, run_drops) == 0;
}

/* The thread that calls exit() runs no key destructor: its drops run here. */
__attribute__((destructor)) static void run_drops_at_exit(void)
{
	run_drops(NULL);
}

static bool registered(void (*drop)(void))
{
	size_t i, n = atomic_load(&ndrops);

	for (i = 0; i < n; i++)
		if (drops[i] == drop)
			return true;
	return false;
}

static bool register_drop(void (*drop)(void))
{
	bool ok = true;
	size_t n;

	pthread_mutex_lock(&drops_lock);
	if (!registered(drop)) {
		n = atomic_load(&ndrops);
		if (n < DROPS_MAX) {
			drops[n] = drop;
			atomic_store(&ndrops, n + 1);
		} else {
			ok = false;
		}
	}
	pthread_mutex_unlock(&drops_lock);
	return ok;
}

bool thread_end_call(void (*drop)(void))
{
	pthread_once(&key_once, make_key);
	if (!key_made || (!registered(drop) && !register_drop(drop)))
		return false;
	if (!armed) {
		/* any value but NULL: the key's destructor runs at thread exit */
		if (pthread_setspecific(key, &armed) != 0)
			return false;
		armed = true;
	}
	return true;
}
