/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mode.c - `serve --dry-run`: the whole policy in dry-run, whatever the file
 * says, so a new policy can meet real traffic before it denies anything.
 *
 * Only the policy's verdicts are softened. decide() still enforces what does
 * not depend on the policy (a URI dockerd would route differently, a form
 * body, a body that cannot be checked), so dry-run never lets through a
 * request that no policy could have allowed.
 */
#include <stddef.h>

#include "mode.h"

void policy_force_mode(struct policy *p, enum mode mode)
{
	size_t i;

	if (!p)
		return;
	p->mode = mode;
	for (i = 0; i < p->nrules; i++)
		p->rules[i].mode = mode;
}
