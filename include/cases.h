/* SPDX-License-Identifier: Apache-2.0 */
/* cases.h - table-driven policy tests: `portcullis test POLICY CASES...`.
 * The case file format is in spec/rollout.md "Policy tests". */
#ifndef PORTCULLIS_CASES_H
#define PORTCULLIS_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "policy.h"

struct case_file;

struct case_totals {
	unsigned passed, failed;
};

/*
 * cases_load - read and validate a YAML case file. Every problem is appended
 * to DIAG as "FILE:LINE:COL: message" (the caller frees it with
 * policy_diag_free); returns NULL if there was any, so a file with one broken
 * case runs none. Bounded: at most 4 MiB, 64 levels of nesting.
 */
struct case_file *cases_load(const char *path, struct policy_diag *diag)
	__attribute__((warn_unused_result));

/* Same, from memory; NAME is FILE in messages. */
struct case_file *cases_load_buffer(const char *name, const char *text, size_t len,
				    struct policy_diag *diag) __attribute__((warn_unused_result));

/*
 * cases_run - decide every case with P, as the server would (decide() on the
 * envelope, an undecodable envelope being an "error" decision). Prints
 * "not ok - FILE:LINE: NAME: what differed" for each failing case, and
 * "ok - FILE:LINE: NAME" for each passing one when VERBOSE, to OUT. Adds the
 * counts to *T.
 */
void cases_run(const struct case_file *cf, const struct policy *p, bool verbose, FILE *out,
	       struct case_totals *t);

size_t cases_count(const struct case_file *cf);

/* The envelope case I posts (JSON text, as dockerd would send it). */
const char *cases_envelope(const struct case_file *cf, size_t i);
void cases_free(struct case_file *cf);

#endif
