/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_envelope.c - libFuzzer target: an AuthZ envelope all the way to a
 * decision and an audit record, under a fixed policy. Invariant checked: an
 * envelope that does not decode is never allowed (it has no decision). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "decide.h"
#include "envelope.h"

static const char policy_text[] =
	"version: 1\n"
	"unauthenticated: root\n"
	"groups: {admins: [root]}\n"
	"rules:\n"
	"  - {name: admins, users: [\"@admins\"], actions: [\"*\"]}\n"
	"  - {name: alice, users: [alice], actions: [\"Container*\", \"System*\"]}\n"
	"  - {name: no-plugins, users: [\"*\"], actions: [\"Plugin*\"], effect: deny}\n";

static struct policy *policy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diag diag = { 0 };
	struct envelope env;
	struct decision d;
	char err[256], line[16384], msg[2048];

	if (!policy) {
		policy = policy_load_buffer("fuzz.yaml", policy_text, strlen(policy_text), &diag);
		policy_diag_free(&diag);
		if (!policy)
			abort();
	}
	if (envelope_decode((const char *)data, size, &env, err, sizeof(err)) != 0)
		return 0;
	decide(policy, &env, (size & 1) ? PHASE_RESPONSE : PHASE_REQUEST, &d);
	if (d.action == ACTION_NONE && d.allow)
		abort();	/* a request that routes nowhere was allowed */
	decision_message(&d, msg, sizeof(msg));
	(void)audit_format(&d, &env, 1, line, sizeof(line));
	envelope_free(&env);
	return 0;
}
