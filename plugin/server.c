/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.c - the plugin protocol over HTTP/1.1 on a unix socket (libmicrohttpd).
 *
 *   POST /Plugin.Activate        -> {"Implements":["authz"]}
 *   POST /AuthZPlugin.AuthZReq   -> {"Allow":true} | {"Allow":false,"Msg":...}
 *   POST /AuthZPlugin.AuthZRes   -> same
 *   anything else                -> 404
 *
 * dockerd waits on us for every API call and has no timeout for a legacy
 * plugin, so: nothing on the decision path waits without a deadline (an
 * ownership lookup is the only wait); each connection has its own thread, so
 * a slow or half-open client, or a lookup, holds up only its own connection;
 * bodies are capped; any failure to decide is HTTP 500 with
 * {"Allow":false,"Err":...}, which dockerd turns into a failed API call.
 * Content-Type and Accept are never trusted or required (dockerd sends no
 * Content-Type at all).
 *
 * Signals are blocked in every thread and taken synchronously by the main
 * thread (sigwaitinfo): SIGHUP reloads, SIGUSR1 reopens the audit log,
 * SIGTERM/SIGINT stop accepting, finish requests in flight and exit 0.
 *
 * Every decision is counted in the metrics (atomics, no lock) and audited;
 * every reload, published or refused, is audited and counted too. The
 * metrics listener has its own thread: a scrape never waits for a decision,
 * and a decision never waits for a scrape.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "audit.h"
#include "decide.h"
#include "engine.h"
#include "envelope.h"
#include "json.h"
#include "listen.h"
#include "metrics.h"
#include "mode.h"
#include "server.h"
#include "snapshot.h"

/*
 * AuthZReq carries at most a 4 MiB JSON body (dockerd >= 29.3.1 refuses
 * more; older ones send none above 1 MiB): 5.6 MiB of base64 plus headers.
 * AuthZRes also carries a buffered response body, which for a listing of
 * many containers can be larger; beyond the cap we answer 500 (deny).
 */
#define MAX_REQ_ENVELOPE (8u << 20)
#define MAX_RES_ENVELOPE (64u << 20)
/* Longer than dockerd's 30 s idle keep-alive, so dockerd closes idle
 * connections first and never races our close with a new request. */
#define IDLE_TIMEOUT_S 120

enum endpoint { EP_NONE, EP_ACTIVATE, EP_AUTHZREQ, EP_AUTHZRES };

struct server {
	const struct server_options *opt;
	struct audit *audit;
	struct metrics *metrics;	/* NULL without --metrics */
};

struct call {
	enum endpoint ep;
	char *buf;
	size_t len, cap;
	int too_large;
	struct timespec start;
};

static long elapsed_us(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000000L + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* BODY is LEN bytes; MHD copies it unless it is a constant (PERSISTENT). */
static enum MHD_Result respond_n(struct MHD_Connection *c, unsigned status, const char *body,
				 size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(len, (void *)body, mode);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/vnd.docker.plugins.v1.1+json");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *body)
{
	return respond_n(c, status, body, strlen(body), MHD_RESPMEM_MUST_COPY);
}

/* HTTP 500 {"Allow":false,"Err":WHY}: dockerd fails the API call. */
static enum MHD_Result respond_error(struct MHD_Connection *c, const char *why)
{
	char quoted[1024], body[1100];

	if (json_quote(quoted, sizeof(quoted), why) < 0)
		snprintf(quoted, sizeof(quoted), "\"internal error\"");
	snprintf(body, sizeof(body), "{\"Allow\":false,\"Err\":%s}\n", quoted);
	return respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, body);
}

static enum MHD_Result respond_decision(struct MHD_Connection *c, const struct decision *d)
{
	static const char allow[] = "{\"Allow\":true}\n", head[] = "{\"Allow\":false,\"Msg\":";
	/* quoted, a message byte takes at most 6 (\u00XX) */
	char msg[2048], body[sizeof(head) + 6 * sizeof(msg) + 4];
	size_t n = sizeof(head) - 1, len;
	int q;

	if (d->allow)
		return respond_n(c, MHD_HTTP_OK, allow, sizeof(allow) - 1, MHD_RESPMEM_PERSISTENT);
	/* the message quoted straight into the answer: no copy in between */
	len = decision_message(d, msg, sizeof(msg));
	memcpy(body, head, n);
	q = json_quote_n(body + n, sizeof(body) - n - 2, msg, len);
	if (q >= 0) {
		n += (size_t)q;
	} else {	/* not reached: the buffer holds the worst case */
		memcpy(body + n, "\"denied\"", 8);
		n += 8;
	}
	memcpy(body + n, "}\n", 2);
	return respond_n(c, MHD_HTTP_OK, body, n + 2, MHD_RESPMEM_MUST_COPY);
}

/* A call that cannot be decided: recorded as an error, answered with 500. */
static enum MHD_Result refuse(struct server *srv, struct MHD_Connection *c, struct call *call,
			      enum phase phase, const char *why)
{
	struct decision d;
	long latency;

	decide_error(&d, phase, why);
	latency = elapsed_us(&call->start);
	metrics_decision(srv->metrics, &d, latency);
	audit_record(srv->audit, &d, NULL, latency);
	return respond_error(c, why);
}

static enum MHD_Result handle_authz(struct server *srv, struct MHD_Connection *c,
				    struct call *call)
{
	enum phase phase = call->ep == EP_AUTHZRES ? PHASE_RESPONSE : PHASE_REQUEST;
	struct snapshot *snap = NULL;
	struct envelope env;
	struct decision d;
	char err[512];
	enum MHD_Result rc;
	long latency;

	if (call->too_large)
		return refuse(srv, c, call, phase, "portcullis: request too large");
	if (envelope_decode_flags(call->buf, call->len,
				  phase == PHASE_RESPONSE ? ENVELOPE_SKIP_BODIES : 0, &env, err,
				  sizeof(err)) != 0)
		return refuse(srv, c, call, phase, err);
	snap = snapshot_acquire();
	if (!snap) {
		decide_error(&d, phase, "no policy loaded");
		rc = respond_error(c, "portcullis: no policy loaded");
	} else {
		decide_with(snapshot_policy(snap), &env, phase, srv->opt->lookup, &d);
		rc = respond_decision(c, &d);
	}
	/* Measured once, before the audit write: the decision's latency, not the disk's. */
	latency = elapsed_us(&call->start);
	metrics_decision(srv->metrics, &d, latency);
	audit_record(srv->audit, &d, &env, latency);
	snapshot_release(snap);
	envelope_free(&env);
	return rc;
}

static enum endpoint endpoint_of(const char *method, const char *url)
{
	if (strcmp(method, "POST") != 0)
		return EP_NONE;
	if (strcmp(url, "/Plugin.Activate") == 0)
		return EP_ACTIVATE;
	if (strcmp(url, "/AuthZPlugin.AuthZReq") == 0)
		return EP_AUTHZREQ;
	if (strcmp(url, "/AuthZPlugin.AuthZRes") == 0)
		return EP_AUTHZRES;
	return EP_NONE;
}

/* Keep the upload, up to the endpoint's cap; past it, drop and remember. */
static void append_upload(struct call *call, const char *data, size_t n)
{
	size_t max = call->ep == EP_AUTHZRES ? MAX_RES_ENVELOPE : MAX_REQ_ENVELOPE;
	size_t want;
	char *nb;

	if (call->too_large)
		return;
	if (n > max - call->len) {
		call->too_large = 1;
		return;
	}
	if (call->len + n > call->cap) {
		want = call->cap ? call->cap * 2 : 4096;
		while (want < call->len + n)
			want *= 2;
		if (want > max)
			want = max;
		nb = realloc(call->buf, want);
		if (!nb) {
			call->too_large = 1;
			return;
		}
		call->buf = nb;
		call->cap = want;
	}
	memcpy(call->buf + call->len, data, n);
	call->len += n;
}

/* dockerd sends a Content-Length: one allocation of that size rather than
 * doublings and copies as the chunks arrive. Only a hint: append_upload
 * still enforces the cap and grows the buffer if the body runs longer. */
static void reserve_upload(struct MHD_Connection *c, struct call *call)
{
	const char *v;
	char *end;
	unsigned long long n;

	if (call->ep != EP_AUTHZREQ && call->ep != EP_AUTHZRES)
		return;
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!v || *v < '0' || *v > '9')
		return;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n == 0 ||
	    n > (call->ep == EP_AUTHZRES ? MAX_RES_ENVELOPE : MAX_REQ_ENVELOPE))
		return;
	call->buf = malloc((size_t)n);
	if (call->buf)
		call->cap = (size_t)n;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **state)
{
	struct server *srv = cls;
	struct call *call = *state;

	(void)version;
	if (!call) {
		call = calloc(1, sizeof(*call));
		if (!call)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &call->start);
		call->ep = endpoint_of(method, url);
		*state = call;
		reserve_upload(c, call);
		return MHD_YES;		/* headers only; the body follows */
	}
	if (*upload_size) {
		if (call->ep == EP_AUTHZREQ || call->ep == EP_AUTHZRES)
			append_upload(call, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	switch (call->ep) {
	case EP_ACTIVATE:
		return respond(c, MHD_HTTP_OK, "{\"Implements\":[\"authz\"]}\n");
	case EP_AUTHZREQ:
	case EP_AUTHZRES:
		return handle_authz(srv, c, call);
	case EP_NONE:
		break;
	}
	return respond(c, MHD_HTTP_NOT_FOUND, "{\"Err\":\"not found\"}\n");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
			 enum MHD_RequestTerminationCode toe)
{
	struct call *call = *state;

	(void)cls;
	(void)c;
	(void)toe;
	if (call) {
		free(call->buf);
		free(call);
		*state = NULL;
	}
}

/*
 * libmicrohttpd answers malformed HTTP itself (400, 413, 414, 431, 505)
 * without calling us: log why, so an operator sees it, but at most a
 * hundred lines, since any local client can produce them at will.
 */
static void http_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void http_log(void *cls, const char *fmt, va_list ap)
{
	static atomic_uint lines;
	unsigned n = atomic_fetch_add(&lines, 1);

	(void)cls;
	if (n >= 100) {
		if (n == 100)
			fprintf(stderr, "portcullis: http: further HTTP errors are not logged\n");
		return;
	}
	fputs("portcullis: http: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (*fmt && fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}

/* ---------------------------------------------------------------- sockets */

/* The socket systemd passed (LISTEN_PID/LISTEN_FDS, first fd is 3), or -1. */
static int systemd_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid() || strtol(fds, NULL, 10) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	fcntl(3, F_SETFD, FD_CLOEXEC);
	return 3;
}

/* ---------------------------------------------------------------- signals */

/*
 * SIGHUP: build, validate, swap. The new policy is loaded whole off to the
 * side; only a valid one is published (snapshot_publish is the transaction
 * point), so a request decides with the old policy or the new one, never a
 * mix, and a broken file leaves the running policy in force. Either way the
 * result goes to stderr, the audit trail and the metrics.
 */
static void reload(struct server *srv)
{
	const struct server_options *opt = srv->opt;
	struct policy_diag diag = { 0 };
	struct policy *p = policy_load(opt->policy_path, &diag);
	char *oom_line = "out of memory";
	struct policy_diag oom = { &oom_line, 1 }, *report = &diag;
	bool ok = false;
	size_t i;

	if (!p) {
		fprintf(stderr, "portcullis: reload of %s failed, keeping the running policy:\n",
			opt->policy_path);
		for (i = 0; i < diag.n; i++)
			fprintf(stderr, "  %s\n", diag.lines[i]);
	} else {
		/* --dry-run holds for every policy this process runs, not only
		 * the first: a reload must not switch enforcement on. */
		if (opt->dry_run)
			policy_force_mode(p, MODE_DRY_RUN);
		if (snapshot_publish(p) != 0) {
			fprintf(stderr, "portcullis: reload failed: out of memory\n");
			report = &oom;
		} else {
			fprintf(stderr, "portcullis: reloaded %s%s\n", opt->policy_path,
				opt->dry_run ? " (dry-run forced)" : "");
			ok = true;
		}
	}
	audit_reload(srv->audit, opt->policy_path, ok, report);
	metrics_reload(srv->metrics, ok);
	policy_diag_free(&diag);
}

static void wait_for_stop(struct server *srv, const sigset_t *set)
{
	char err[256];

	for (;;) {
		int sig = sigwaitinfo(set, NULL);

		if (sig == SIGHUP) {
			reload(srv);
		} else if (sig == SIGUSR1) {
			if (audit_reopen(srv->audit, err, sizeof(err)) != 0)
				fprintf(stderr, "portcullis: %s\n", err);
		} else if (sig == SIGTERM || sig == SIGINT) {
			return;
		}
	}
}

int server_run(const struct server_options *opt, struct audit *audit)
{
	struct server srv = { opt, audit, NULL };
	struct MHD_Daemon *d;
	char err[512];
	sigset_t set;
	int fd, from_systemd;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Before any thread exists, so every thread inherits the mask. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The listener's thread starts after the mask is set, so it inherits it. */
	if (opt->metrics_addr) {
		srv.metrics = metrics_new();
		if (!srv.metrics) {
			fprintf(stderr, "portcullis: out of memory\n");
			return -1;
		}
		metrics_set_audit(srv.metrics, audit);
		metrics_set_dry_run(srv.metrics, opt->dry_run);
		if (metrics_listen(srv.metrics, opt->metrics_addr, err, sizeof(err)) != 0) {
			fprintf(stderr, "portcullis: --metrics: %s\n", err);
			metrics_free(srv.metrics);
			return -1;
		}
	}

	fd = systemd_socket();
	from_systemd = fd >= 0;
	if (!from_systemd) {
		fd = listen_unix(opt->socket_path, err, sizeof(err));
		if (fd < 0)
			fprintf(stderr, "portcullis: %s\n", err);
	}
	if (fd < 0) {
		metrics_free(srv.metrics);
		return -1;
	}

	/*
	 * A thread per connection: dockerd opens one connection per concurrent
	 * API call, and a decision may wait on dockerd itself (an ownership
	 * lookup, up to its deadline), whose answer needs another AuthZ call on
	 * another connection. With a fixed pool, as many concurrent lookups as
	 * threads would starve those calls until every lookup timed out; here
	 * each connection waits only for its own. Idle connections cost a small
	 * thread each, bounded by the connection limit and the idle timeout.
	 */
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG,
			     0, NULL, NULL, on_request, &srv,
			     MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
			     MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512u << 10),
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
			     MHD_OPTION_CONNECTION_LIMIT, 4096u,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "portcullis: cannot start the HTTP server\n");
		close(fd);
		metrics_free(srv.metrics);
		return -1;
	}
	fprintf(stderr, "portcullis: serving %s on %s%s\n", opt->policy_path,
		from_systemd ? "the systemd socket" : opt->socket_path,
		opt->dry_run ? " in dry-run (nothing the policy decides is denied)" : "");
	if (opt->metrics_addr)
		fprintf(stderr, "portcullis: metrics on %s (GET /metrics)\n", opt->metrics_addr);
	/* Only now: the version call passes through this very server. */
	if (opt->docker)
		engine_watch_start(opt->docker);

	wait_for_stop(&srv, &set);

	/* Stop accepting, let requests in flight finish, then stop. */
	MHD_quiesce_daemon(d);
	MHD_stop_daemon(d);
	close(fd);
	if (!from_systemd)
		unlink(opt->socket_path);
	metrics_free(srv.metrics);
	fprintf(stderr, "portcullis: stopped\n");
	return 0;
}
