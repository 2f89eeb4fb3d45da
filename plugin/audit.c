/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.c - the audit trail: one JSON object per line for every decision,
 * request and response phase alike (contract.md "Audit log").
 *
 * Records are formatted into one buffer and written with a single write(2)
 * on an O_APPEND descriptor, so concurrent threads never interleave lines
 * and no lock is held on the decision path. Secrets never reach the log:
 * request bodies (Env values) are not recorded, and dockerd strips
 * Authorization and X-Registry-Auth headers before we see them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "json.h"

enum sink { SINK_NONE, SINK_FD, SINK_SYSLOG };

struct audit {
	enum sink sink;
	int fd;
	char *path;		/* for reopen; NULL for stdout/stderr */
	atomic_ulong errors;
};

static int open_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		snprintf(err, errlen, "cannot open audit log %s: %s", path, strerror(errno));
	return fd;
}

struct audit *audit_open(const char *spec, char *err, size_t errlen)
{
	struct audit *a = calloc(1, sizeof(*a));

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->fd = -1;
	if (!spec) {
		a->sink = SINK_NONE;
	} else if (strcmp(spec, "syslog") == 0) {
		a->sink = SINK_SYSLOG;
		openlog("portcullis", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	} else if (strcmp(spec, "-") == 0 || strcmp(spec, "stdout") == 0) {
		a->sink = SINK_FD;
		a->fd = STDOUT_FILENO;
	} else if (strcmp(spec, "stderr") == 0) {
		a->sink = SINK_FD;
		a->fd = STDERR_FILENO;
	} else {
		a->sink = SINK_FD;
		a->path = strdup(spec);
		a->fd = a->path ? open_file(spec, err, errlen) : -1;
		if (a->fd < 0) {
			free(a->path);
			free(a);
			return NULL;
		}
	}
	return a;
}

int audit_reopen(struct audit *a, char *err, size_t errlen)
{
	int fd;

	if (!a || !a->path)
		return 0;
	fd = open_file(a->path, err, errlen);
	if (fd < 0)
		return -1;
	/* dup2 swaps the file under a->fd atomically: a concurrent write goes
	 * to the old file or the new one, never to a closed descriptor. */
	if (dup2(fd, a->fd) < 0) {
		snprintf(err, errlen, "cannot reopen audit log: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Appends to a line buffer; once it overflows, every later append fails. */
struct line {
	char *buf;
	size_t len, cap;
	int overflow;
};

static void raw(struct line *l, const char *s)
{
	size_t n = strlen(s);

	if (l->overflow || l->len + n >= l->cap) {
		l->overflow = 1;
		return;
	}
	memcpy(l->buf + l->len, s, n + 1);
	l->len += n;
}

static void quoted(struct line *l, const char *s)
{
	int n;

	if (l->overflow)
		return;
	n = json_quote(l->buf + l->len, l->cap - l->len, s);
	if (n < 0)
		l->overflow = 1;
	else
		l->len += (size_t)n;
}

/* ,"key":"value" (or null when VALUE is NULL) */
static void field(struct line *l, const char *key, const char *value)
{
	raw(l, l->len > 1 ? ",\"" : "\"");
	raw(l, key);
	raw(l, "\":");
	if (value)
		quoted(l, value);
	else
		raw(l, "null");
}

static void timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char date[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.20s.%06dZ", date, (int)(ts.tv_nsec / 1000) % 1000000);
}

int audit_format(const struct decision *d, const struct envelope *env, long latency_us,
		 char *buf, size_t len)
{
	struct line l = { buf, 0, len, 0 };
	char ts[48], num[32];
	unsigned i;

	timestamp(ts, sizeof(ts));
	raw(&l, "{");
	field(&l, "time", ts);
	field(&l, "user", d->user);
	field(&l, "authn", env && env->authn ? env->authn : "none");
	field(&l, "method", env ? env->method : NULL);
	field(&l, "uri", env ? env->uri : NULL);
	field(&l, "action", d->action ? action_name(d->action) : NULL);
	field(&l, "object", d->object[0] ? d->object : NULL);
	field(&l, "phase", d->phase == PHASE_RESPONSE ? "response" : "request");
	field(&l, "decision", outcome_name(d->outcome));
	field(&l, "rule", d->rule);
	field(&l, "mode", mode_name(d->mode));
	raw(&l, ",\"reasons\":[");
	for (i = 0; i < d->nreasons; i++) {
		if (i)
			raw(&l, ",");
		quoted(&l, d->reasons[i]);
	}
	snprintf(num, sizeof(num), "],\"latency_us\":%ld}", latency_us);
	raw(&l, num);
	return l.overflow ? -1 : (int)l.len;
}

void audit_record(struct audit *a, const struct decision *d, const struct envelope *env,
		  long latency_us)
{
	char buf[16384];
	int n;

	if (!a || a->sink == SINK_NONE)
		return;
	n = audit_format(d, env, latency_us, buf, sizeof(buf) - 1);
	if (n < 0) {
		/* A record too long for the buffer (a huge URI): keep the decision,
		 * drop the URI, and say so. */
		struct envelope shorter = env ? *env : (struct envelope){ 0 };

		shorter.uri = "(too long to record)";
		n = audit_format(d, &shorter, latency_us, buf, sizeof(buf) - 1);
		if (n < 0) {
			atomic_fetch_add(&a->errors, 1);
			return;
		}
	}
	if (a->sink == SINK_SYSLOG) {
		syslog(LOG_INFO, "%s", buf);
		return;
	}
	buf[n++] = '\n';
	if (write(a->fd, buf, (size_t)n) != n) {
		/* Counted, not fatal: a full disk must not stop Docker. */
		if (atomic_fetch_add(&a->errors, 1) == 0)
			fprintf(stderr, "portcullis: audit log write failed: %s\n", strerror(errno));
	}
}

unsigned long audit_errors(const struct audit *a)
{
	return a ? atomic_load(&((struct audit *)a)->errors) : 0;
}

void audit_close(struct audit *a)
{
	if (!a)
		return;
	if (a->path && a->fd >= 0)
		close(a->fd);
	if (a->sink == SINK_SYSLOG)
		closelog();
	free(a->path);
	free(a);
}
