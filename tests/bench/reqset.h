/* SPDX-License-Identifier: Apache-2.0 */
/* reqset.h - benchmark requests built from the real-traffic corpus (/work/shared/corpus). */
#ifndef PORTCULLIS_BENCH_REQSET_H
#define PORTCULLIS_BENCH_REQSET_H

#include <stdbool.h>
#include <stddef.h>

enum expect { EXPECT_ANY = 0, EXPECT_ALLOW, EXPECT_DENY };

struct benchreq {
	bool res;		/* AuthZRes (else AuthZReq) */
	enum expect expect;	/* what our plugin must answer; the ceiling always allows */
	char *body;		/* the envelope as dockerd's encoder writes it: compact, "\n" */
	size_t len;
};

/*
 * reqset_load - build one request from SPEC:
 *
 *   FILE:LINE[,user=NAME][,res-body=BYTES][,expect=allow|deny]
 *
 * LINE is the 0-based line of a corpus file ({"call":..,"request":{..}}).
 * user= replaces User (TLS caller NAME; empty: a unix-socket caller).
 * res-body= makes it an AuthZRes whose ResponseBody is BYTES of a JSON
 * listing (a `docker ps` of many containers), status 200.
 * Returns 0, or -1 with a reason in err.
 */
int reqset_load(const char *spec, struct benchreq *r, char *err, size_t errlen);

void reqset_free(struct benchreq *r);

#endif
