/* SPDX-License-Identifier: Apache-2.0 */
/* mode.h - force one mode on a whole policy (serve --dry-run). */
#ifndef PORTCULLIS_MODE_H
#define PORTCULLIS_MODE_H

#include "policy.h"

/*
 * policy_force_mode - set the policy's default mode and every rule's mode to
 * MODE. Called on a freshly loaded policy, before it is published (at start
 * and after every reload), never on one in use: a published policy is
 * immutable.
 */
void policy_force_mode(struct policy *p, enum mode mode);

#endif
