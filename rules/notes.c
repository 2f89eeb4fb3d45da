/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notes.c - a file's problems, in file order (notes.h).
 *
 * Each message is formatted when reported, with its position kept apart:
 * checks run in whatever order suits them (rule names are checked once all
 * rules are read), and the operator reads the list top to bottom, as the
 * file is. The sort is stable, so two problems at one place keep the order
 * they were found in.
 */
#include <stdio.h>
#include <stdlib.h>

#include "notes.h"

#define NOTE_MAX 4096		/* bytes of one message */

struct note {
	unsigned line, col;	/* 1-based; 0 for the file itself; ~0 sorts last */
	size_t seq;		/* report order: keeps the sort stable */
	char *text;
};

void notes_init(struct notes *ns, const char *file, size_t max)
{
	*ns = (struct notes){ .file = file, .max = max };
}

void notes_vadd(struct notes *ns, unsigned line, unsigned col, const char *fmt, va_list ap)
{
	char msg[NOTE_MAX], *text = NULL;
	struct note *v;
	int w;

	ns->errors++;
	if (ns->errors > ns->max + 1)
		return;
	if (ns->errors == ns->max + 1) {
		snprintf(msg, sizeof(msg), "too many errors; stopped reporting after %zu", ns->max);
		line = col = ~0u;	/* after everything reported */
	} else {
		vsnprintf(msg, sizeof(msg), fmt, ap);
	}
	if (line == 0 || line == ~0u)
		w = asprintf(&text, "%s: %s", ns->file, msg);
	else
		w = asprintf(&text, "%s:%u:%u: %s", ns->file, line, col, msg);
	if (w < 0)
		return;		/* still counted: the load fails either way */
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? 2 * ns->cap : 8;

		v = realloc(ns->v, cap * sizeof(*v));
		if (v == NULL) {
			free(text);
			return;
		}
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n] = (struct note){ line, col, ns->n, text };
	ns->n++;
}

void notes_add(struct notes *ns, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notes_vadd(ns, line, col, fmt, ap);
	va_end(ap);
}

const char *notes_text(const struct notes *ns, size_t i)
{
	return i < ns->n ? ns->v[i].text : NULL;
}

static int note_cmp(const void *a, const void *b)
{
	const struct note *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void notes_flush(struct notes *ns, struct policy_diag *d)
{
	char **lines;
	size_t i = 0;

	if (ns->n > 0 && d != NULL) {
		qsort(ns->v, ns->n, sizeof(*ns->v), note_cmp);
		lines = realloc(d->lines, (d->n + ns->n) * sizeof(*lines));
		if (lines != NULL) {
			d->lines = lines;
			for (i = 0; i < ns->n; i++)
				d->lines[d->n++] = ns->v[i].text;
		}
	}
	for (; i < ns->n; i++)
		free(ns->v[i].text);
	free(ns->v);
	ns->v = NULL;
	ns->n = ns->cap = 0;
}
