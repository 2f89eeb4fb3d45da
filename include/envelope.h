/* SPDX-License-Identifier: Apache-2.0 */
/* envelope.h - the JSON object dockerd posts to AuthZReq/AuthZRes, decoded strictly. */
#ifndef PORTCULLIS_ENVELOPE_H
#define PORTCULLIS_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

struct json_arena;

struct envelope {
	char *text;			/* owns user, authn, method and uri */
	const char *raw;		/* the envelope as posted: the caller's buffer */
	size_t raw_len;
	char *raw_owned;		/* envelope_from_json: RAW, printed from its tree */
	const char *user;		/* "User", NULL when absent or empty (anonymous) */
	const char *authn;		/* "UserAuthNMethod", NULL when absent */
	const char *method;		/* "RequestMethod" */
	const char *uri;		/* "RequestUri" (raw request target) */
	unsigned char *body;		/* decoded "RequestBody", malloc'd, NUL-terminated */
	size_t body_len;
	bool has_body;			/* false when RequestBody is absent or null */
	bool body_skipped;		/* ENVELOPE_SKIP_BODIES: a RequestBody, not decoded */
	cJSON *headers;			/* "RequestHeaders" object of strings, or NULL */
	struct json_arena *headers_arena, *response_headers_arena;	/* hold the two trees */
	size_t npeer_certs;		/* entries in "RequestPeerCertificates" */
	long long response_status;	/* "ResponseStatusCode", 0 when absent */
	bool has_response_body;
	cJSON *response_headers;
};

/*
 * envelope_decode - parse and validate one AuthZ request object. Keys are
 * matched exactly ("RequestUri", never "RequestURI"); every known key must
 * have its Go type; base64 fields must decode. Returns 0, or -1 with a
 * reason in err; on -1 nothing needs freeing. ENV borrows BUF (env->raw,
 * read again only for an audit record's copy of the envelope): keep BUF
 * until envelope_free.
 */
int envelope_decode(const char *buf, size_t len, struct envelope *env, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * ENVELOPE_SKIP_BODIES: RequestBody and ResponseBody are stepped over, not
 * decoded (has_body false, body_skipped true when there was one). For the
 * response phase: the call has run, and nothing of either body bears on the
 * answer, so base64 no rule reads is not checked either.
 */
#define ENVELOPE_SKIP_BODIES 1u

int envelope_decode_flags(const char *buf, size_t len, unsigned flags, struct envelope *env,
			  char *err, size_t errlen) __attribute__((warn_unused_result));

/* The same, from a tree json_parse_strict returned; takes ownership of ROOT
 * (freed on failure too). Used by eval for {"call":..,"request":{..}} lines. */
int envelope_from_json(cJSON *root, struct envelope *env, char *err, size_t errlen)
	__attribute__((warn_unused_result));

void envelope_free(struct envelope *env);

/* Request header by its Go-canonical name ("Content-Type"), or NULL. */
const char *envelope_header(const struct envelope *env, const char *name);

#endif
