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
 * plugin, so: decisions never block on I/O; connections are served by a pool
 * of epoll threads so a slow or half-open client holds a connection, not a
 * thread; bodies are capped; any failure to decide is HTTP 500 with
 * {"Allow":false,"Err":...}, which dockerd turns into a failed API call.
 * Content-Type and Accept are never trusted or required (dockerd sends no
 * Content-Type at all).
 *
 * Signals are blocked in every thread and taken synchronously by the main
 * thread (sigwaitinfo): SIGHUP reloads, SIGUSR1 reopens the audit log,
 * SIGTERM/SIGINT stop accepting, finish requests in flight and exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "audit.h"
#include "decide.h"
#include "envelope.h"
#include "json.h"
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
	char msg[2048], quoted[4200], body[4300];

	if (d->allow)
		return respond(c, MHD_HTTP_OK, "{\"Allow\":true}\n");
	decision_message(d, msg, sizeof(msg));
	if (json_quote(quoted, sizeof(quoted), msg) < 0)
		snprintf(quoted, sizeof(quoted), "\"denied\"");
	snprintf(body, sizeof(body), "{\"Allow\":false,\"Msg\":%s}\n", quoted);
	return respond(c, MHD_HTTP_OK, body);
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

	if (call->too_large) {
		decide_error(&d, phase, "request too large");
		audit_record(srv->audit, &d, NULL, elapsed_us(&call->start));
		return respond_error(c, "portcullis: request too large");
	}
	if (envelope_decode(call->buf, call->len, &env, err, sizeof(err)) != 0) {
		decide_error(&d, phase, err);
		audit_record(srv->audit, &d, NULL, elapsed_us(&call->start));
		return respond_error(c, err);
	}
	snap = snapshot_acquire();
	if (!snap) {
		decide_error(&d, phase, "no policy loaded");
		rc = respond_error(c, "portcullis: no policy loaded");
	} else {
		decide(snapshot_policy(snap), &env, phase, &d);
		rc = respond_decision(c, &d);
	}
	audit_record(srv->audit, &d, &env, elapsed_us(&call->start));
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

static int unix_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "portcullis: socket path too long (max %zu): %s\n",
			sizeof(sa.sun_path) - 1, path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* Replace a stale socket from an earlier run, never any other file. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "portcullis: %s exists and is not a socket\n", path);
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* Created 0600 from the start: no window where others may connect. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (listen(fd, 128) != 0)
		goto fail;
	return fd;
fail:
	fprintf(stderr, "portcullis: cannot listen on %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* ---------------------------------------------------------------- signals */

static void reload(const struct server_options *opt)
{
	struct policy_diag diag = { 0 };
	struct policy *p = policy_load(opt->policy_path, &diag);
	size_t i;

	if (!p) {
		fprintf(stderr, "portcullis: reload of %s failed, keeping the running policy:\n",
			opt->policy_path);
		for (i = 0; i < diag.n; i++)
			fprintf(stderr, "  %s\n", diag.lines[i]);
	} else if (snapshot_publish(p) != 0) {
		fprintf(stderr, "portcullis: reload failed: out of memory\n");
	} else {
		fprintf(stderr, "portcullis: reloaded %s\n", opt->policy_path);
	}
	policy_diag_free(&diag);
}

static void wait_for_stop(struct server *srv, const sigset_t *set)
{
	char err[256];

	for (;;) {
		int sig = sigwaitinfo(set, NULL);

		if (sig == SIGHUP) {
			reload(srv->opt);
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
	struct server srv = { opt, audit };
	struct MHD_Daemon *d;
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

	fd = systemd_socket();
	from_systemd = fd >= 0;
	if (!from_systemd)
		fd = unix_socket(opt->socket_path);
	if (fd < 0)
		return -1;

	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC,
			     0, NULL, NULL, on_request, &srv,
			     MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_THREAD_POOL_SIZE, opt->threads ? opt->threads : 4u,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
			     MHD_OPTION_CONNECTION_LIMIT, 4096u,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "portcullis: cannot start the HTTP server\n");
		close(fd);
		return -1;
	}
	fprintf(stderr, "portcullis: serving %s on %s\n", opt->policy_path,
		from_systemd ? "the systemd socket" : opt->socket_path);

	wait_for_stop(&srv, &set);

	/* Stop accepting, let requests in flight finish, then stop. */
	MHD_quiesce_daemon(d);
	MHD_stop_daemon(d);
	close(fd);
	if (!from_systemd)
		unlink(opt->socket_path);
	fprintf(stderr, "portcullis: stopped\n");
	return 0;
}
