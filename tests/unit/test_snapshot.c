/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_snapshot.c - the policy swap: every request sees one whole policy,
 * reload is seen by every thread on its next request, and nothing leaks
 * (run under valgrind by make valgrind).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "snapshot.h"

static struct policy *make_policy(const char *unauth)
{
	char text[256];
	struct policy_diag diag = { 0 };
	struct policy *p;

	snprintf(text, sizeof(text), "version: 1\nunauthenticated: %s\nrules: []\n", unauth);
	p = policy_load_buffer("t.yaml", text, strlen(text), &diag);
	policy_diag_free(&diag);
	assert_non_null(p);
	return p;
}

static const char *current_name(void)
{
	struct snapshot *s = snapshot_acquire();
	const char *name;

	assert_non_null(s);
	name = snapshot_policy(s)->unauthenticated;
	snapshot_release(s);
	return name;
}

static void test_publish_and_swap(void **state)
{
	(void)state;
	assert_int_equal(snapshot_publish(make_policy("first")), 0);
	assert_string_equal(current_name(), "first");
	assert_string_equal(current_name(), "first");
	assert_int_equal(snapshot_publish(make_policy("second")), 0);
	assert_string_equal(current_name(), "second");
	snapshot_clear();
	assert_null(snapshot_acquire());
}

static atomic_int stop;
static atomic_long seen_second;

/* A worker deciding in a loop; every snapshot it sees is whole. */
static void *worker(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		struct snapshot *s = snapshot_acquire();
		const char *n;

		if (!s)
			continue;
		n = snapshot_policy(s)->unauthenticated;
		if (strcmp(n, "gen-a") != 0 && strcmp(n, "gen-b") != 0)
			fail_msg("torn policy: %s", n);
		if (strcmp(n, "gen-b") == 0)
			atomic_fetch_add(&seen_second, 1);
		snapshot_release(s);
	}
	return NULL;
}

static void test_concurrent_reloads(void **state)
{
	pthread_t t[4];
	int i;

	(void)state;
	assert_int_equal(snapshot_publish(make_policy("gen-a")), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, NULL), 0);
	for (i = 0; i < 200; i++)
		assert_int_equal(snapshot_publish(make_policy(i % 2 ? "gen-a" : "gen-b")), 0);
	assert_int_equal(snapshot_publish(make_policy("gen-b")), 0);
	/* every worker moves to the last policy on its next request */
	while (atomic_load(&seen_second) < 1000)
		;
	atomic_store(&stop, 1);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	snapshot_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_and_swap),
		cmocka_unit_test(test_concurrent_reloads),
	};

	return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
