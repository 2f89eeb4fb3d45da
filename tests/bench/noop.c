/* SPDX-License-Identifier: Apache-2.0 */
/*
 * noop.c - the ceiling: an authorization plugin that decides nothing.
 *
 *   noop --socket PATH [--max-seconds S] [--spin-us N] [--read-body | --touch-body]
 *
 * libmicrohttpd set up exactly as plugin/server.c sets it up (same daemon
 * flags: a thread per connection over poll(), same stack size, timeouts,
 * limits, completion callback, response construction), answering
 * {"Allow":true} to every POST once MHD has read the body, which it hands
 * over and we drop. What portcullis costs on top of this is our work; what
 * this costs is the HTTP stack's and the kernel's. run.sh warns when the
 * MHD_USE_ and MHD_OPTION_ names used here and in server.c differ.
 * Stops on SIGTERM/SIGINT, or by itself after --max-seconds (default 900).
 *
 * --spin-us N keeps the CPU busy for N microseconds before each answer: a
 * stand-in for a plugin whose decision costs N us, so that run.sh calibrate
 * can show what a given cost does to a ratio (the wake-ups around it are
 * the machine's, not ours to model).
 *
 * --read-body makes it the least a plugin that checks bodies must do, done
 * the plain way: the envelope parsed with cJSON, its RequestBody decoded
 * from base64 and parsed with cJSON too, all of it freed, then allowed (an
 * envelope or body that does not parse is denied). Nothing checked, nothing
 * recorded. run.sh calibrate sets it against the plain ceiling: what reading
 * a request costs before any decision. On SIGTERM it says how many bodies
 * it read, which bench smoke checks.
 *
 * --touch-body is the floor under that: what any plugin that looks at the
 * body at all does, with no JSON read. The request is kept as --read-body
 * keeps it, the RequestBody member found by a plain byte search (not a
 * JSON read: a string that holds those bytes would fool it), decoded from
 * base64, and its quotes counted in one pass. What it costs is what a
 * body's bytes cost to receive, copy and decode; what --read-body costs on
 * top is the JSON reading. Counted and reported like --read-body.
 *
 * Built with NOOP_SIMDJSON (noop-simdjson, make bench-simdjson: an
 * experiment that needs libsimdjson-dev), --read-body reads the envelope and
 * the body with simdjson instead of cJSON (simdjson_read.cpp).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "base64.h"

#define IDLE_TIMEOUT_S 120	/* as plugin/server.c */

static long spin_ns;	/* --spin-us, in ns */
static int read_body;	/* --read-body or --touch-body: keep the request, then read it */
static int touch_only;	/* --touch-body */
static unsigned long quotes_seen;	/* --touch-body: so that the pass is not optimised out */
static unsigned long bodies_read;	/* bodies read (or touched), for bench smoke */

#define READ_LIMIT (1u << 20)	/* --read-body: a request longer is denied */

/* Busy, not asleep, for spin_ns: a decision's CPU time without its work. */
static void spin(void)
{
	struct timespec t0, t;

	if (spin_ns <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < spin_ns);
}

/* Per request, as server.c keeps one (a call state is allocated there too). */
struct call {
	int seen;
	char *buf;		/* --read-body: the request as it arrives */
	size_t len, cap;
	int too_long;
};

/* --read-body: keep N more bytes of the request. */
static void keep(struct call *call, const char *data, size_t n)
{
	char *grown;

	if (call->too_long || call->len + n > READ_LIMIT) {
		call->too_long = 1;
		return;
	}
	if (call->len + n > call->cap) {
		call->cap = call->len + n > 2 * call->cap ? call->len + n : 2 * call->cap;
		if (!(grown = realloc(call->buf, call->cap))) {
			call->too_long = 1;
			return;
		}
		call->buf = grown;
	}
	memcpy(call->buf + call->len, data, n);
	call->len += n;
}

/* --touch-body: find RequestBody's bytes, decode them, count their quotes;
 * 0 when done (or there is no body), -1 when they do not decode. */
static int touch_request(const struct call *call)
{
	static const char member[] = "\"RequestBody\":\"";
	const char *b64, *end;
	unsigned char *raw;
	unsigned long quotes = 0;
	long n, i;

	if (call->too_long || !call->buf)
		return -1;
	b64 = memmem(call->buf, call->len, member, sizeof(member) - 1);
	if (!b64)
		return 0;
	b64 += sizeof(member) - 1;
	end = memchr(b64, '"', call->len - (size_t)(b64 - call->buf));
	if (!end || !(raw = malloc(base64_decoded_max((size_t)(end - b64)) + 1)))
		return -1;
	n = base64_decode(b64, (size_t)(end - b64), raw);
	for (i = 0; i < n; i++)
		quotes += raw[i] == '"';
	free(raw);
	if (n < 0)
		return -1;
	__atomic_add_fetch(&quotes_seen, quotes, __ATOMIC_RELAXED);
	__atomic_add_fetch(&bodies_read, 1, __ATOMIC_RELAXED);
	return 0;
}

#ifdef NOOP_SIMDJSON
int simdjson_read(const char *buf, size_t len);

/* --read-body, read with simdjson: 0 if both parse (or there is no body),
 * -1 otherwise. */
static int read_request(const struct call *call)
{
	int rc = call->too_long || !call->buf ? -1 : simdjson_read(call->buf, call->len);

	if (rc > 0)
		__atomic_add_fetch(&bodies_read, 1, __ATOMIC_RELAXED);
	return rc < 0 ? -1 : 0;
}
#else
/* --read-body: parse the envelope and the body it carries; 0 if both parse
 * (or there is no body), -1 otherwise. */
static int read_request(const struct call *call)
{
	cJSON *envelope, *body_b64, *body;
	unsigned char *raw = NULL;
	long n = 0;
	int rc = -1;

	if (call->too_long || !(envelope = cJSON_ParseWithLength(call->buf, call->len)))
		return -1;
	body_b64 = cJSON_GetObjectItemCaseSensitive(envelope, "RequestBody");
	if (!cJSON_IsString(body_b64)) {
		rc = body_b64 ? -1 : 0;
	} else if ((raw = malloc(base64_decoded_max(strlen(body_b64->valuestring)) + 1)) &&
		   (n = base64_decode(body_b64->valuestring, strlen(body_b64->valuestring), raw)) >= 0 &&
		   (body = cJSON_ParseWithLength((const char *)raw, (size_t)n)) != NULL) {
		cJSON_Delete(body);
		__atomic_add_fetch(&bodies_read, 1, __ATOMIC_RELAXED);
		rc = 0;
	}
	free(raw);
	cJSON_Delete(envelope);
	return rc;
}
#endif

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *body)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/vnd.docker.plugins.v1.1+json");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **state)
{
	(void)cls;
	(void)url;
	(void)version;
	if (!*state) {
		struct call *call = calloc(1, sizeof(*call));

		if (!call)
			return MHD_NO;
		*state = call;
		return MHD_YES;		/* headers only; the body follows */
	}
	if (*upload_size) {
		if (read_body)
			keep(*state, upload, *upload_size);
		*upload_size = 0;	/* read by MHD, dropped by us (or kept) */
		return MHD_YES;
	}
	if (strcmp(method, "POST") != 0)
		return respond(c, MHD_HTTP_NOT_FOUND, "{\"Err\":\"not found\"}\n");
	spin();
	if (read_body && (touch_only ? touch_request(*state) : read_request(*state)) != 0)
		return respond(c, MHD_HTTP_OK, "{\"Allow\":false,\"Msg\":\"noop: unreadable\"}\n");
	return respond(c, MHD_HTTP_OK, "{\"Allow\":true}\n");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	if (*state)
		free(((struct call *)*state)->buf);
	free(*state);
	*state = NULL;
}

/* MHD's own errors, to stderr (server.c caps its log at 100 lines; we never
 * expect one here). Has the signature MHD_OPTION_EXTERNAL_LOGGER wants. */
static void http_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void http_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("noop: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -1;
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	long max_s = 900;
	struct MHD_Daemon *d;
	struct timespec limit;
	sigset_t set;
	int i, fd;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--read-body") == 0)
			read_body = 1;
		else if (strcmp(argv[i], "--touch-body") == 0)
			read_body = touch_only = 1;
		else if (i + 1 == argc)
			break;
		else if (strcmp(argv[i], "--socket") == 0)
			path = argv[++i];
		else if (strcmp(argv[i], "--max-seconds") == 0)
			max_s = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--spin-us") == 0)
			spin_ns = strtol(argv[++i], NULL, 10) * 1000L;
		else
			break;
	}
	if (!path || i != argc || max_s < 1 || spin_ns < 0 || spin_ns > 1000000000L) {
		fputs("usage: noop --socket PATH [--max-seconds S] [--spin-us N (0-1000000)]"
		      " [--read-body | --touch-body]\n", stderr);
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	fd = listen_unix(path);
	if (fd < 0) {
		fprintf(stderr, "noop: cannot listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG,
			     0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
			     MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512u << 10),
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
			     MHD_OPTION_CONNECTION_LIMIT, 4096u,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "noop: cannot start the HTTP server\n");
		close(fd);
		return 1;
	}
	limit.tv_sec = max_s;
	limit.tv_nsec = 0;
	while (sigtimedwait(&set, NULL, &limit) < 0 && errno == EINTR)
		;
	MHD_quiesce_daemon(d);
	MHD_stop_daemon(d);
	close(fd);
	unlink(path);
	if (read_body)
		fprintf(stderr, "noop: read %lu bodies\n", bodies_read);
	if (touch_only)
		fprintf(stderr, "noop: %lu quotes in them\n", quotes_seen);
	return 0;
}
