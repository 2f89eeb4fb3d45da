/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_envelope.c - libFuzzer target: an AuthZ envelope all the way to a
 * decision and an audit record, under a fixed policy. Invariants checked: an
 * envelope that does not decode is never allowed (it has no decision); one
 * that decodes is strict JSON (json_parse_strict takes it too), and the
 * scanner read the same values a tree of it holds (status code included). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "base64.h"
#include "decide.h"
#include "envelope.h"
#include "json.h"

static const char policy_text[] =
	"version: 1\n"
	"unauthenticated: root\n"
	"groups: {admins: [root]}\n"
	"rules:\n"
	"  - {name: admins, users: [\"@admins\"], actions: [\"*\"]}\n"
	"  - {name: alice, users: [alice], actions: [\"Container*\", \"System*\"]}\n"
	"  - {name: no-plugins, users: [\"*\"], actions: [\"Plugin*\"], effect: deny}\n";

static struct policy *policy;

/* The member NAME of ROOT as a string: NULL when absent or null. */
static const char *tree_string(const cJSON *root, const char *name)
{
	const cJSON *v = json_get(root, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void same_string(const char *scanned, const char *tree)
{
	if (!scanned != !tree || (scanned && strcmp(scanned, tree) != 0))
		abort();
}

/* What envelope_decode read, against a tree of the same bytes. */
static void check_against_tree(const uint8_t *data, size_t size, const struct envelope *env)
{
	char err[256];
	cJSON *root = json_parse_strict((const char *)data, size, err, sizeof(err));
	const cJSON *status;
	const char *user, *body;
	unsigned char *decoded;
	long n;

	if (!root)
		abort();	/* the scanner accepted what the strict parser refuses */
	user = tree_string(root, "User");
	same_string(env->user, user && user[0] ? user : NULL);
	same_string(env->authn, tree_string(root, "UserAuthNMethod"));
	same_string(env->method, tree_string(root, "RequestMethod"));
	same_string(env->uri, tree_string(root, "RequestUri"));
	body = tree_string(root, "RequestBody");
	if (env->body_skipped != (body && body[0] && !env->has_body && !env->body))
		abort();
	if (body && !env->body_skipped) {
		decoded = malloc(base64_decoded_max(strlen(body)) + 1);
		n = decoded ? base64_decode(body, strlen(body), decoded) : -1;
		if (n < 0 || (size_t)n != env->body_len || (n > 0) != env->has_body ||
		    memcmp(decoded, env->body, (size_t)n) != 0)
			abort();
		free(decoded);
	} else if (env->has_body || env->body) {
		abort();
	}
	status = cJSON_GetObjectItemCaseSensitive(root, "ResponseStatusCode");
	if (cJSON_IsNumber(status) ? status->valuedouble != (double)env->response_status
				   : env->response_status != 0)
		abort();	/* the status read in place is the tree's number */
	cJSON_Delete(root);
}

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
	/* Odd sizes are decided in the response phase, whose decoding steps
	 * over the bodies: what it accepts must still be strict JSON. */
	if (envelope_decode_flags((const char *)data, size, (size & 1) ? ENVELOPE_SKIP_BODIES : 0,
				  &env, err, sizeof(err)) != 0)
		return 0;
	check_against_tree(data, size, &env);
	free(audit_envelope(&env, ACTION_ContainerCreate, AUDIT_ENVELOPE_MAX, err, sizeof(err)));
	decide(policy, &env, (size & 1) ? PHASE_RESPONSE : PHASE_REQUEST, &d);
	if (d.action == ACTION_NONE && d.allow)
		abort();	/* a request that routes nowhere was allowed */
	decision_message(&d, msg, sizeof(msg));
	(void)audit_format(&d, &env, 1, line, sizeof(line));
	envelope_free(&env);
	return 0;
}
