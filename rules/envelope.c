/* SPDX-License-Identifier: Apache-2.0 */
/*
 * envelope.c - decode the JSON object dockerd posts to AuthZReq and AuthZRes.
 *
 * dockerd writes it with Go's encoder (pkg/authorization/api.go): exact key
 * names, []byte fields as padded base64, omitted when empty. We accept exactly
 * that and nothing looser:
 *   - keys are matched exactly: "RequestUri", never "RequestURI" (the docs'
 *     spelling). A key that only folds to a known one is refused, since a Go
 *     reader would take it and we would not;
 *   - every known key must have its Go type; null reads as absent, as in Go;
 *   - base64 must be canonical (base64.c);
 *   - an empty or unparseable envelope is an error, never an allow: dockerd's
 *     retry after a transport error re-sends an already drained buffer, so the
 *     retry arrives with an empty body (protocol.md 1.5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "errorf.h"
#include "envelope.h"
#include "json.h"

enum field_type { F_STRING, F_BASE64, F_HEADERS, F_CERTS, F_INT };

static const struct field {
	const char *name;
	enum field_type type;
	int required;
} fields[] = {
	{ "User", F_STRING, 0 },
	{ "UserAuthNMethod", F_STRING, 0 },
	{ "RequestMethod", F_STRING, 1 },
	{ "RequestUri", F_STRING, 1 },
	{ "RequestBody", F_BASE64, 0 },
	{ "RequestHeaders", F_HEADERS, 0 },
	{ "RequestPeerCertificates", F_CERTS, 0 },
	{ "ResponseStatusCode", F_INT, 0 },
	{ "ResponseBody", F_BASE64, 0 },
	{ "ResponseHeaders", F_HEADERS, 0 },
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static int check_base64_string(const cJSON *v)
{
	return cJSON_IsString(v) &&
	       base64_decode(v->valuestring, strlen(v->valuestring), NULL) >= 0 ? 0 : -1;
}

/* One known member: its type, as Go would decode it into the Request struct. */
static int check_field(const struct field *f, const cJSON *v, char *err, size_t errlen)
{
	const cJSON *it;
	long long n;

	if (cJSON_IsNull(v))
		return 0;
	switch (f->type) {
	case F_STRING:
		if (!cJSON_IsString(v))
			return errorf(err, errlen, "envelope: %s is not a string", f->name);
		return 0;
	case F_BASE64:
		if (check_base64_string(v) != 0)
			return errorf(err, errlen, "envelope: %s is not valid base64", f->name);
		return 0;
	case F_HEADERS:
		if (!cJSON_IsObject(v))
			return errorf(err, errlen, "envelope: %s is not an object", f->name);
		for (it = v->child; it; it = it->next)
			if (!cJSON_IsString(it))
				return errorf(err, errlen, "envelope: %s has a non-string value", f->name);
		return 0;
	case F_CERTS:
		if (!cJSON_IsArray(v))
			return errorf(err, errlen, "envelope: %s is not an array", f->name);
		for (it = v->child; it; it = it->next)
			if (!cJSON_IsNull(it) && check_base64_string(it) != 0)
				return errorf(err, errlen, "envelope: %s has an entry that is not base64",
					    f->name);
		return 0;
	case F_INT:
		if (json_int64(v, &n) != 0)
			return errorf(err, errlen, "envelope: %s is not an integer", f->name);
		return 0;
	}
	return -1;
}

/* Index of the field KEY names exactly; -1 if none; -2 if it only folds to one. */
static int field_index(const char *key)
{
	char folded[64], want[64];
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].name, key) == 0)
			return (int)i;
	if (json_fold_key(key, folded, sizeof(folded)) != 0)
		return -1;
	for (i = 0; i < NFIELDS; i++)
		if (json_fold_key(fields[i].name, want, sizeof(want)) == 0 &&
		    strcmp(folded, want) == 0)
			return -2;
	return -1;
}

static const char *string_or_null(const cJSON *v)
{
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int decode_body(const cJSON *v, struct envelope *env, char *err, size_t errlen)
{
	size_t len;
	long n;

	if (!cJSON_IsString(v))
		return 0;		/* absent or null: no body */
	len = strlen(v->valuestring);
	env->body = malloc(base64_decoded_max(len) + 1);
	if (!env->body)
		return errorf(err, errlen, "envelope: %s", "out of memory");
	n = base64_decode(v->valuestring, len, env->body);
	if (n < 0)
		return errorf(err, errlen, "envelope: %s is not valid base64", "RequestBody");
	env->body[n] = '\0';
	env->body_len = (size_t)n;
	/* Go omits an empty []byte, so a present-but-empty body is a body of 0
	 * bytes only if some encoder wrote "" explicitly: treat it as none. */
	env->has_body = n > 0;
	return 0;
}

int envelope_decode(const char *buf, size_t len, struct envelope *env, char *err, size_t errlen)
{
	cJSON *root;

	memset(env, 0, sizeof(*env));
	if (len == 0)
		return errorf(err, errlen, "envelope: %s", "empty request body (a retried call?)");
	root = json_parse_strict(buf, len, err, errlen);
	if (!root)
		return -1;
	return envelope_from_json(root, env, err, errlen);
}

int envelope_from_json(cJSON *root, struct envelope *env, char *err, size_t errlen)
{
	const cJSON *seen[NFIELDS] = { 0 };
	const cJSON *it;
	size_t i;

	memset(env, 0, sizeof(*env));
	env->root = root;
	if (!cJSON_IsObject(root)) {
		errorf(err, errlen, "envelope: %s", "not a JSON object");
		goto fail;
	}
	for (it = root->child; it; it = it->next) {
		int idx = field_index(it->string);

		if (idx == -2) {
			errorf(err, errlen, "envelope: key \"%s\" is not spelt as dockerd spells it",
			     it->string);
			goto fail;
		}
		if (idx < 0)
			continue;	/* unknown keys are ignored, as Go does */
		if (check_field(&fields[idx], it, err, errlen) != 0)
			goto fail;
		seen[idx] = it;
	}
	for (i = 0; i < NFIELDS; i++)
		if (fields[i].required && !cJSON_IsString(seen[i])) {
			errorf(err, errlen, "envelope: %s is missing", fields[i].name);
			goto fail;
		}

	env->user = string_or_null(seen[0]);
	if (env->user && env->user[0] == '\0')
		env->user = NULL;
	env->authn = string_or_null(seen[1]);
	env->method = seen[2]->valuestring;
	env->uri = seen[3]->valuestring;
	if (decode_body(seen[4], env, err, errlen) != 0)
		goto fail;
	env->headers = cJSON_IsObject(seen[5]) ? seen[5] : NULL;
	if (cJSON_IsArray(seen[6]))
		env->npeer_certs = (size_t)cJSON_GetArraySize(seen[6]);
	if (seen[7] && json_int64(seen[7], &env->response_status) != 0)
		env->response_status = 0;	/* null */
	env->has_response_body = cJSON_IsString(seen[8]) && seen[8]->valuestring[0];
	env->response_headers = cJSON_IsObject(seen[9]) ? seen[9] : NULL;
	return 0;
fail:
	envelope_free(env);
	return -1;
}

void envelope_free(struct envelope *env)
{
	cJSON_Delete(env->root);
	free(env->body);
	memset(env, 0, sizeof(*env));
}

const char *envelope_header(const struct envelope *env, const char *name)
{
	const cJSON *v = json_get(env->headers, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}
