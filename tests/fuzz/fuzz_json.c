/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_json.c - libFuzzer target: the strict JSON layer and base64.
 * Invariant: every object in an accepted tree has keys distinct under Go's
 * folding, so a folded lookup of each key finds that very member. */
#include <stdint.h>
#include <stdlib.h>

#include "base64.h"
#include "json.h"

static void walk(const cJSON *item)
{
	const cJSON *it;

	for (it = item->child; it; it = it->next) {
		if (cJSON_IsObject(item) && json_get_fold(item, it->string) != it)
			abort();
		walk(it);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	cJSON *j = json_parse_strict((const char *)data, size, err, sizeof(err));
	unsigned char *out;

	if (j) {
		walk(j);
		cJSON_Delete(j);
	}
	out = malloc(base64_decoded_max(size) + 1);
	if (out) {
		long n = base64_decode((const char *)data, size, out);

		/* a decoded length never exceeds the bound callers allocate */
		if (n > (long)base64_decoded_max(size))
			abort();
		free(out);
	}
	return 0;
}
