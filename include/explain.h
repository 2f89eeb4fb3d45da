/* SPDX-License-Identifier: Apache-2.0 */
/* explain.h - why a decision is what it is (eval --explain). */
#ifndef PORTCULLIS_EXPLAIN_H
#define PORTCULLIS_EXPLAIN_H

#include <stdio.h>
#include "decide.h"

/* Write to OUT the trace of decision D, which decide() made for ENV under P. */
void explain(FILE *out, const struct policy *p, const struct envelope *env, enum phase phase,
	     const struct decision *d);

#endif
