/* SPDX-License-Identifier: Apache-2.0 */
/* constraints.h - a profile applied to one request. */
#ifndef PORTCULLIS_CONSTRAINTS_H
#define PORTCULLIS_CONSTRAINTS_H

#include "decide.h"
#include "profile.h"
#include "request.h"

/*
 * constraints_check - check request RQ against profile P (the profile of the
 * rule that matched). Called for every action of such a rule, on the request
 * phase only. Adds one reason per violation to D with decision_add_reason,
 * naming the field, the value and the limit, e.g.
 *   HostConfig.Privileged=true is not allowed (profile tenant)
 * Returns 0 when the request meets the profile, 1 when it violates it, -1
 * when it cannot be checked (a body the endpoint needs is missing, too large,
 * not JSON, ambiguous, of the wrong types) with the reason added. The caller
 * denies on anything but 0.
 */
int constraints_check(const struct profile *p, const struct request *rq, struct decision *d)
	__attribute__((warn_unused_result));

#endif
