/* SPDX-License-Identifier: Apache-2.0 */
/* owner.h - ownership under rules with `owner: required`. */
#ifndef PORTCULLIS_OWNER_H
#define PORTCULLIS_OWNER_H

#include "decide.h"
#include "lookup.h"
#include "policy.h"
#include "request.h"

/*
 * owner_check - may RQ's user do RQ under an owner rule? Creates must carry
 * the owner label, calls on objects must name the caller's objects, listings
 * must be filtered to them. 0 yes, 1 no, -1 could not be checked (both deny),
 * with reasons added to D.
 */
int owner_check(const struct policy *p, const struct request *rq, const struct lookup *lk,
		struct decision *d) __attribute__((warn_unused_result));

/* One referenced object (FIELD names where the request names it, or NULL). */
int owner_check_object(const struct policy *p, const struct request *rq,
		       const struct lookup *lk, enum object_kind kind, const char *name,
		       const char *field, struct decision *d) __attribute__((warn_unused_result));

#endif
