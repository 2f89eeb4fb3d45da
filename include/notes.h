/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notes.h - the problems found in one file, each reported as
 * "FILE:LINE:COL: message" (or "FILE: message" for the file itself) and
 * handed out in file order, whatever order the checks ran in. Both loaders
 * of operator-written YAML report through it: the policy (rules/policy.c)
 * and policy test cases (plugin/cases.c).
 */
#ifndef PORTCULLIS_NOTES_H
#define PORTCULLIS_NOTES_H

#include <stdarg.h>
#include <stddef.h>

#include "policy.h"

struct note;

struct notes {
	const char *file;	/* FILE in every message */
	size_t max;		/* kept before one "too many errors" line */
	size_t errors;		/* reported, kept or not: 0 means the file is good */
	struct note *v;
	size_t n, cap;
};

/* Start an empty list for FILE that keeps at most MAX problems. */
void notes_init(struct notes *ns, const char *file, size_t max);

/* One problem at a 1-based LINE and COL; LINE 0: the file itself. Counted
 * even when it cannot be kept (out of memory, or past MAX). */
void notes_add(struct notes *ns, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void notes_vadd(struct notes *ns, unsigned line, unsigned col, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/* The I-th message kept, in report order (before notes_flush). */
const char *notes_text(const struct notes *ns, size_t i);

/* Append the messages to D sorted by position (D NULL: drop them), and
 * empty NS. */
void notes_flush(struct notes *ns, struct policy_diag *d);

#endif
