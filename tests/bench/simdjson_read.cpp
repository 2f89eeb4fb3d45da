// SPDX-License-Identifier: Apache-2.0
/*
 * simdjson_read.cpp - an experiment, not part of Portcullis: the request read
 * by one of the fastest JSON readers, for noop-simdjson (make bench-simdjson).
 *
 * simdjson (https://simdjson.org) validates a whole document with SIMD and
 * few data-dependent branches. It is C++ and not one of this project's
 * dependencies; it is here only to measure what reading a request can cost
 * at best on a cold CPU, against cJSON (noop --read-body) and against
 * decoding the body without reading it as JSON (noop --touch-body).
 * Needs libsimdjson-dev; `make test` never builds it.
 */
#include <cstdlib>
#include <simdjson.h>

extern "C" {
#include "base64.h"
int simdjson_read(const char *buf, size_t len);
}

/* One parser per thread, each keeping its buffers between calls, as the
 * plugin's threads keep their arenas. Never freed: a bench process. */
static thread_local simdjson::dom::parser *envelope_parser;
static thread_local simdjson::dom::parser *body_parser;

/*
 * simdjson_read - the envelope in BUF[0..LEN) parsed whole (every byte
 * validated), its RequestBody decoded from base64 and parsed whole too.
 * 1 when a body was read, 0 when there is none, -1 when either does not
 * parse or the body does not decode.
 */
int simdjson_read(const char *buf, size_t len)
{
	simdjson::dom::element envelope, body;
	std::string_view b64;
	unsigned char *raw;
	long n;
	int rc = -1;

	if (!envelope_parser) {
		envelope_parser = new simdjson::dom::parser();
		body_parser = new simdjson::dom::parser();
	}
	/* true: the request has no padding after it, so simdjson copies it */
	if (envelope_parser->parse(buf, len, true).get(envelope))
		return -1;
	auto member = envelope["RequestBody"];
	if (member.error() == simdjson::NO_SUCH_FIELD)
		return 0;
	if (member.get(b64))
		return -1;
	raw = static_cast<unsigned char *>(
		malloc(base64_decoded_max(b64.size()) + simdjson::SIMDJSON_PADDING));
	if (!raw)
		return -1;
	n = base64_decode(b64.data(), b64.size(), raw);
	if (n >= 0 && !body_parser->parse(reinterpret_cast<const char *>(raw), (size_t)n, false).get(body))
		rc = 1;
	free(raw);
	return rc;
}
