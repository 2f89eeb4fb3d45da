/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_policy.c - libFuzzer target: the policy loader. Invariant: it returns
 * a policy exactly when it reported no problem. */
#include <stdint.h>
#include <stdlib.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diag diag = { 0 };
	struct policy *p = policy_load_buffer("fuzz.yaml", (const char *)data, size, &diag);

	if ((p != NULL) == (diag.n > 0))
		abort();
	if (p)
		(void)policy_match(p, "alice", ACTION_ContainerCreate);
	policy_free(p);
	policy_diag_free(&diag);
	return 0;
}
