/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policyutil.h - helpers shared by the policy and profile tests: load a policy
 * that must be valid, compare diagnostics line by line, find the fixtures.
 * Include after <cmocka.h>; the files including it define NAME.
 */
#ifndef PORTCULLIS_POLICYUTIL_H
#define PORTCULLIS_POLICYUTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static inline void
print_diag(const struct policy_diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		print_message("  diag: %s\n", d->lines[i]);
}

/* Load YAML that must be valid; fails the test with the diagnostics if not. */
static inline struct policy *
load_ok(const char *yaml)
{
	struct policy_diag d = { 0 };
	struct policy *p;

	p = policy_load_buffer(NAME, yaml, strlen(yaml), &d);
	if (p == NULL || d.n != 0) {
		print_diag(&d);
		fail_msg("policy did not load");
	}
	policy_diag_free(&d);
	return p;
}

/* Compare diagnostics with EXPECTED (N lines), printing both on a mismatch. */
static inline void
assert_diag(const struct policy_diag *d, const char *const *expected, size_t n)
{
	size_t i;
	bool same = d->n == n;

	for (i = 0; same && i < n; i++)
		same = strcmp(d->lines[i], expected[i]) == 0;
	if (!same) {
		for (i = 0; i < n; i++)
			print_message("  want: %s\n", expected[i]);
		print_diag(d);
		fail_msg("diagnostics differ");
	}
}

static inline const char *
fixture_dir(void)
{
	static char dir[4096];
	const char *env = getenv("POLICY_FIXTURES"), *slash;

	if (env != NULL)
		return env;
	slash = strrchr(__FILE__, '/');
	snprintf(dir, sizeof(dir), "%.*spolicies",
		 slash ? (int)(slash - __FILE__ + 1) : 0, __FILE__);
	return dir;
}

#endif
