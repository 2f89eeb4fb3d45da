/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.c - the audit trail: one JSON object per line for every decision,
 * request and response phase alike (spec/audit.md), and one for every reload
 * (spec/rollout.md).
 *
 * Invariants:
 *   - A record is formatted into one buffer and reaches the file whole: in
 *     the synchronous mode with a single write(2) of its own on an O_APPEND
 *     descriptor (or one datagram to syslog); batched (the default for files
 *     and stdout), copied whole into the thread's shard of a queue that a
 *     writer thread appends with one write(2) per shard and batch, at most
 *     BATCH_MS after its first record (batch.c: no lock shared by all
 *     decisions, none held across a write). Concurrent threads never
 *     interleave lines (what a crash can lose: spec/audit.md).
 *   - Writing never fails or stops a decision: a short write (full disk), a
 *     syslog that is gone or full, is counted (audit_errors, and the metrics)
 *     and reported on stderr once. Syslog is written non-blocking: a stalled
 *     journald drops records, it does not stall dockerd.
 *   - Secrets never reach the log. Without --audit-envelopes no body is
 *     recorded at all; with it, the envelope is redacted first
 *     (audit_envelope) or, when it cannot be redacted, not recorded.
 *   - Everything is bounded: a record without envelope fits 16 KiB (a longer
 *     URI is replaced by a marker), an envelope is at most AUDIT_ENVELOPE_MAX.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "base64.h"
#include "batch.h"
#include "json.h"
#include "text.h"

#define RECORD_MAX 16384		/* a record without envelope */
#define SYSLOG_PATH "/dev/log"

enum sink { SINK_NONE, SINK_FD, SINK_SYSLOG };

struct audit {
	enum sink sink;
	int fd;			/* the file, stdout/stderr, or the syslog socket */
	char *path;		/* for reopen; NULL for stdout/stderr */
	bool envelopes;
	atomic_ulong errors;
	atomic_ulong omitted;
	atomic_bool failing;	/* writes are failing now: report the outage once */
	atomic_bool torn;	/* a short write left a partial line: start the next on its own */
	char syslog_tag[64];	/* "<86>portcullis[PID]: " */
	struct batch *batch;	/* NULL: synchronous */
};

/* ---------------------------------------------------------------- sinks */

static int open_file(const char *path, char *err, size_t errlen)
{
	/* O_RDWR, not O_WRONLY: after a short write (disk full) take_back reads the
	 * tail to make sure the partial line it removes is its own. */
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		snprintf(err, errlen, "cannot open audit log %s: %s", path, strerror(errno));
	return fd;
}

/*
 * A datagram socket connected to /dev/log, non-blocking: syslog(3) would
 * block in send() when the daemon reading /dev/log falls behind, and it
 * reports no failure at all. Returns the socket even when connect fails (the
 * next write retries), -1 only when no socket can be made.
 */
static int syslog_socket(bool *connected)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = SYSLOG_PATH };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	*connected = false;
	if (fd >= 0)
		*connected = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	return fd;
}

/* Replace the syslog socket under a->fd (journald restarted). */
static int syslog_reconnect(struct audit *a)
{
	bool connected;
	int fd = syslog_socket(&connected);

	if (fd < 0)
		return -1;
	if (!connected || dup2(fd, a->fd) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

struct audit *audit_open(const char *spec, char *err, size_t errlen)
{
	struct audit *a = calloc(1, sizeof(*a));
	bool connected;

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->fd = -1;
	if (!spec) {
		a->sink = SINK_NONE;
	} else if (strcmp(spec, "syslog") == 0) {
		a->sink = SINK_SYSLOG;
		/* Facility authpriv, severity info: <10*8+6>. */
		snprintf(a->syslog_tag, sizeof(a->syslog_tag), "<%d>portcullis[%ld]: ",
			 LOG_AUTHPRIV | LOG_INFO, (long)getpid());
		a->fd = syslog_socket(&connected);
		if (a->fd < 0) {
			snprintf(err, errlen, "cannot create a socket for syslog: %s",
				 strerror(errno));
			free(a);
			return NULL;
		}
		if (!connected)
			fprintf(stderr, "portcullis: warning: %s is not reachable; audit records "
				"are lost until it is\n", SYSLOG_PATH);
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

void audit_set_envelopes(struct audit *a, bool on)
{
	if (a)
		a->envelopes = on;
}

int audit_reopen(struct audit *a, char *err, size_t errlen)
{
	int fd;

	if (a && a->sink == SINK_SYSLOG) {
		if (syslog_reconnect(a) != 0) {
			snprintf(err, errlen, "cannot reconnect to %s: %s", SYSLOG_PATH,
				 strerror(errno));
			return -1;
		}
		return 0;
	}
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

static void lost(struct audit *a, const char *what, int err, unsigned long records)
{
	/* Counted, not fatal: a full disk must not stop Docker. Reported once
	 * per outage, and again when it ends. */
	atomic_fetch_add(&a->errors, records);
	if (!atomic_exchange(&a->failing, true))
		fprintf(stderr, "portcullis: audit %s failed: %s (counted in "
			"portcullis_audit_write_errors_total; reported once until it recovers)\n",
			what, strerror(err));
}

static void recovered(struct audit *a)
{
	if (atomic_load(&a->failing) && atomic_exchange(&a->failing, false))
		fprintf(stderr, "portcullis: audit log writable again (%lu records lost in all)\n",
			atomic_load(&a->errors));
}

/* One datagram; a vanished syslog (journald restarted) is reconnected once. */
static void send_syslog(struct audit *a, const char *line, size_t n)
{
	struct iovec iov[2] = {
		{ a->syslog_tag, strlen(a->syslog_tag) },
		{ (void *)line, n },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if (sendmsg(a->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return;
		if (attempt == 0 && (errno == ENOTCONN || errno == ECONNREFUSED ||
				     errno == ENOENT || errno == EDESTADDRREQ) &&
		    syslog_reconnect(a) == 0)
			continue;
		break;
	}
	lost(a, "syslog send", errno, 1);
}

/* BUF holds N bytes and room for one more (the newline). */
/*
 * A short write (disk full) left the first W bytes of "\n"-if-HEAL + BUF at
 * the end of the file. Take them back if they are still the end (nobody
 * appended since), so the log stays whole lines a reader can parse.
 */
static bool take_back(struct audit *a, bool heal, const char *buf, size_t w)
{
	struct stat st;
	char tmp[4096];
	size_t done = 0, k, i;
	off_t at;

	if (!a->path || fstat(a->fd, &st) != 0 || (size_t)st.st_size < w)
		return false;
	at = st.st_size - (off_t)w;
	while (done < w) {
		k = w - done < sizeof(tmp) ? w - done : sizeof(tmp);
		if (pread(a->fd, tmp, k, at + (off_t)done) != (ssize_t)k)
			return false;
		for (i = 0; i < k; i++) {
			size_t pos = done + i;
			char want = heal ? (pos == 0 ? '\n' : buf[pos - 1]) : buf[pos];

			if (tmp[i] != want)
				return false;
		}
		done += k;
	}
	return ftruncate(a->fd, at) == 0;
}

static void write_each(struct audit *a, const char *buf, size_t n);

/* Append N bytes of whole lines (RECORDS records) with one write(2). */
static void write_lines(struct audit *a, const char *buf, size_t n, unsigned long records)
{
	bool heal;
	ssize_t w;

	/* After a short write (disk full) the file ends mid-line: the next batch
	 * starts with a newline, in the same write(2), so it is whole and stays
	 * atomic with respect to other writes. */
	heal = atomic_exchange(&a->torn, false);
	if (heal) {
		struct iovec iov[2] = { { "\n", 1 }, { (void *)buf, n } };

		w = writev(a->fd, iov, 2);
		n += 1;
	} else {
		w = write(a->fd, buf, n);
	}
	if (w == (ssize_t)n) {
		recovered(a);
		return;
	}
	if (w > 0 && take_back(a, heal, buf, (size_t)w))
		w = 0;				/* the file ends as it did before */
	if (w > 0 || heal)
		atomic_store(&a->torn, true);	/* a partial line is (still) there */
	if (w <= 0 && records > 1) {
		/* Nothing of the batch is in the file: write its records one by one,
		 * so that on a nearly full disk those that fit are kept, exactly as
		 * in the synchronous mode. */
		write_each(a, buf, n);
		return;
	}
	lost(a, "log write", w < 0 ? errno : ENOSPC, records);
}

static void write_each(struct audit *a, const char *buf, size_t n)
{
	const char *end = buf + n, *nl;

	for (; buf < end; buf = nl + 1) {
		nl = memchr(buf, '\n', (size_t)(end - buf));
		if (!nl)
			nl = end - 1;	/* every record ends with one: not reached */
		write_lines(a, buf, (size_t)(nl + 1 - buf), 1);
	}
}

/* ---------------------------------------------------------------- batching */

/* The writer thread's sink (batch.c): a batch of whole lines. */
static void write_batch(void *ctx, const char *buf, size_t n, unsigned long records)
{
	write_lines(ctx, buf, n, records);
}

int audit_start_batching(struct audit *a, char *err, size_t errlen)
{
	if (!a || a->sink != SINK_FD || a->batch)
		return 0;	/* syslog: one datagram per record, already non-blocking */
	a->batch = batch_start(write_batch, a, err, errlen);
	return a->batch ? 0 : -1;
}

/* One record, N bytes in BUF (with room for one more: the newline). */
static void emit(struct audit *a, char *buf, size_t n)
{
	int queued;

	if (a->sink == SINK_SYSLOG) {
		send_syslog(a, buf, n);
		return;
	}
	buf[n++] = '\n';
	queued = a->batch ? batch_put(a->batch, buf, n) : 0;
	if (queued < 0)
		lost(a, "log write (queue full: the writer is stalled)", EAGAIN, 1);
	else if (queued == 0)
		write_lines(a, buf, n, 1);
}

/* ---------------------------------------------------------------- records */

/* Appends to a line buffer; once it overflows, every later append fails. */
struct line {
	char *buf;
	size_t len, cap;
	int overflow;
};

/* Is there room for N more bytes and a NUL? If not, the line overflows.
 * Every append's one bounds check. */
static inline __attribute__((always_inline)) bool fits(struct line *l, size_t n)
{
	if (l->overflow || l->len + n >= l->cap) {
		l->overflow = 1;
		return false;
	}
	return true;
}

/* Inlined everywhere, so that the length of a literal is a constant. */
static inline __attribute__((always_inline)) void raw(struct line *l, const char *s)
{
	size_t n = strlen(s);

	if (!fits(l, n))
		return;
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

/* ,"KEY": (no comma first in the record), in one bounds check. */
static inline __attribute__((always_inline)) void key(struct line *l, const char *name)
{
	size_t k = strlen(name), w = l->len;

	if (!fits(l, k + 4))
		return;
	if (w > 1)
		l->buf[w++] = ',';
	l->buf[w++] = '"';
	memcpy(l->buf + w, name, k);
	w += k;
	l->buf[w++] = '"';
	l->buf[w++] = ':';
	l->buf[w] = '\0';
	l->len = w;
}

/* ,"NAME":"VALUE", quoted as Go quotes (or null when VALUE is NULL). */
static void field(struct line *l, const char *name, const char *value)
{
	key(l, name);
	if (value)
		quoted(l, value);
	else
		raw(l, "null");
}

/* A field whose value is one of ours (a name, a phase, a timestamp): plain
 * printable ASCII with nothing to escape, so copied between quotes, in one
 * bounds check. Inlined, so that NAME's length is a constant. */
static inline __attribute__((always_inline)) void field_plain(struct line *l, const char *name,
							      const char *value)
{
	size_t v = strlen(value);
	char *w;

	key(l, name);
	if (!fits(l, v + 2))
		return;
	w = l->buf + l->len;
	*w++ = '"';
	memcpy(w, value, v);
	w += v;
	*w++ = '"';
	*w = '\0';
	l->len += v + 2;
}

/* RFC 3339 in UTC with microseconds. The date and time of day change once a
 * second: formatted then, per thread, and only the microseconds per record. */
static void timestamp(char *buf, size_t len)
{
	static _Thread_local time_t cached_sec = -1;
	static _Thread_local char cached[32];
	struct timespec ts;
	struct tm tm;
	long us;
	int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != cached_sec) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = ts.tv_sec;
	}
	us = ts.tv_nsec / 1000 % 1000000;
	if (len < 28 || strlen(cached) != 19) {	/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" */
		snprintf(buf, len, "%s.%06ldZ", cached, us);
		return;
	}
	memcpy(buf, cached, 19);
	buf[19] = '.';
	for (i = 25; i >= 20; i--, us /= 10)
		buf[i] = (char)('0' + us % 10);
	buf[26] = 'Z';
	buf[27] = '\0';
}

/*
 * One decision record. With WITH_ENVELOPE, an "envelope" member follows:
 * ENVELOPE (JSON text) or null with "envelope_omitted": OMITTED.
 */
static int format_record(const struct decision *d, const struct envelope *env, long latency_us,
			 bool with_envelope, const char *envelope, const char *omitted,
			 char *buf, size_t len)
{
	struct line l = { buf, 0, len, 0 };
	char ts[48], num[24];
	unsigned i;

	timestamp(ts, sizeof(ts));
	raw(&l, "{");
	field_plain(&l, "time", ts);
	field(&l, "user", d->user);
	field(&l, "authn", env && env->authn ? env->authn : "none");
	field(&l, "method", env ? env->method : NULL);
	field(&l, "uri", env ? env->uri : NULL);
	if (d->action)
		field_plain(&l, "action", action_name(d->action));
	else
		field(&l, "action", NULL);
	field(&l, "object", d->object[0] ? d->object : NULL);
	field_plain(&l, "phase", d->phase == PHASE_RESPONSE ? "response" : "request");
	field_plain(&l, "decision", outcome_name(d->outcome));
	field(&l, "rule", d->rule);
	field_plain(&l, "mode", mode_name(d->mode));
	raw(&l, ",\"reasons\":[");
	for (i = 0; i < d->nreasons; i++) {
		if (i)
			raw(&l, ",");
		quoted(&l, d->reasons[i]);
	}
	raw(&l, "]");
	if (d->nnotes) {
		raw(&l, ",\"notes\":[");
		for (i = 0; i < d->nnotes; i++) {
			if (i)
				raw(&l, ",");
			quoted(&l, d->notes[i]);
		}
		raw(&l, "]");
	}
	raw(&l, ",\"latency_us\":");
	raw(&l, text_decimal(num, latency_us));
	if (with_envelope) {
		raw(&l, ",\"envelope\":");
		if (envelope) {
			raw(&l, envelope);
		} else {
			raw(&l, "null");
			field(&l, "envelope_omitted", omitted ? omitted : "unknown");
		}
	}
	raw(&l, "}");
	return l.overflow ? -1 : (int)l.len;
}

int audit_format(const struct decision *d, const struct envelope *env, long latency_us,
		 char *buf, size_t len)
{
	return format_record(d, env, latency_us, false, NULL, NULL, buf, len);
}

void audit_record(struct audit *a, const struct decision *d, const struct envelope *env,
		  long latency_us)
{
	char stack[RECORD_MAX], why[160], *buf = stack, *envelope = NULL;
	const char *omitted = NULL;
	size_t cap = sizeof(stack);
	bool with_envelope;
	int n;

	if (!a || a->sink == SINK_NONE)
		return;
	with_envelope = a->envelopes && env && d->phase == PHASE_REQUEST;
	if (with_envelope) {
		envelope = audit_envelope(env, d->action, a->sink == SINK_SYSLOG ?
					  AUDIT_ENVELOPE_MAX_SYSLOG : AUDIT_ENVELOPE_MAX,
					  why, sizeof(why));
		if (envelope) {
			cap = strlen(envelope) + RECORD_MAX;
			buf = malloc(cap);
			if (!buf) {
				free(envelope);
				envelope = NULL;
				snprintf(why, sizeof(why), "out of memory");
				buf = stack;
				cap = sizeof(stack);
			}
		}
		if (!envelope) {
			omitted = why;
			atomic_fetch_add(&a->omitted, 1);
		}
	}
	n = format_record(d, env, latency_us, with_envelope, envelope, omitted, buf, cap - 1);
	if (n < 0) {
		/* A record too long for the buffer (a huge URI): keep the decision,
		 * drop the URI, and say so. The envelope has the URI too. */
		struct envelope shorter = env ? *env : (struct envelope){ 0 };

		shorter.uri = "(too long to record)";
		n = format_record(d, env ? &shorter : NULL, latency_us, with_envelope, NULL,
				  "the record is too long", buf, cap - 1);
		if (n < 0) {
			atomic_fetch_add(&a->errors, 1);
			goto out;
		}
	}
	emit(a, buf, (size_t)n);
out:
	if (buf != stack)
		free(buf);
	free(envelope);
}

void audit_reload(struct audit *a, const char *policy, bool ok, const struct policy_diag *diag)
{
	char buf[RECORD_MAX], ts[48], more[64];
	struct line l = { buf, 0, sizeof(buf) - 1, 0 };
	size_t i, kept = 0;

	if (!a || a->sink == SINK_NONE)
		return;
	timestamp(ts, sizeof(ts));
	raw(&l, "{");
	field_plain(&l, "time", ts);
	field(&l, "event", "reload");
	field(&l, "policy", policy);
	field(&l, "result", ok ? "ok" : "error");
	raw(&l, ",\"errors\":[");
	/* Keep whole messages while they fit with room to say how many were cut. */
	for (i = 0; diag && i < diag->n; i++) {
		size_t before = l.len;

		if (i)
			raw(&l, ",");
		quoted(&l, diag->lines[i]);
		if (l.overflow || l.len > sizeof(buf) - 256) {
			l.overflow = 0;
			l.len = before;
			buf[l.len] = '\0';
			break;
		}
		kept++;
	}
	if (diag && kept < diag->n) {
		snprintf(more, sizeof(more), "%s\"(%zu more)\"", kept ? "," : "", diag->n - kept);
		raw(&l, more);
	}
	raw(&l, "]}");
	if (l.overflow) {
		atomic_fetch_add(&a->errors, 1);
		return;
	}
	emit(a, buf, l.len);
}

/* ---------------------------------------------------------------- envelopes */

/* Body members whose string value is a secret wherever they appear (folded). */
static const char *const secret_keys[] = {
	"password", "identitytoken", "registrytoken", "unlockkey", "jointoken",
};

/* Request headers never recorded (dockerd already strips the first three). */
static const char *const secret_headers[] = {
	"Authorization", "X-Registry-Auth", "X-Registry-Config", "Proxy-Authorization", "Cookie",
};

#define REDACTED "(redacted)"

static bool key_is(const char *key, const char *folded_word)
{
	char folded[64];

	return json_fold_key(key, folded, sizeof(folded)) == 0 &&
	       strcmp(folded, folded_word) == 0;
}

static bool is_secret_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(secret_keys) / sizeof(secret_keys[0]); i++)
		if (key_is(key, secret_keys[i]))
			return true;
	return false;
}

/* "NAME=value" -> "NAME=", in place. Entries without '=' carry no value. */
static void redact_env_array(cJSON *arr, bool *changed)
{
	cJSON *it;
	char *eq;

	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it))
			continue;
		eq = strchr(it->valuestring, '=');
		if (eq && eq[1]) {
			eq[1] = '\0';
			*changed = true;
		}
	}
}

static void redact_string(cJSON *item, bool *changed)
{
	if (cJSON_IsString(item) && strcmp(item->valuestring, REDACTED) != 0 &&
	    cJSON_SetValuestring(item, REDACTED))
		*changed = true;
}

/* Walk the whole body: Env and secret members may sit at any depth (a
 * service's TaskTemplate.ContainerSpec.Env). cJSON bounds the depth at 1000. */
static void redact_tree(cJSON *node, bool *changed)
{
	cJSON *it;

	cJSON_ArrayForEach(it, node) {
		if (cJSON_IsObject(node) && it->string) {
			if (cJSON_IsArray(it) && key_is(it->string, "env")) {
				redact_env_array(it, changed);
				continue;
			}
			if (is_secret_key(it->string)) {
				redact_string(it, changed);
				continue;
			}
		}
		if (cJSON_IsObject(it) || cJSON_IsArray(it))
			redact_tree(it, changed);
	}
}

static void redact_for_action(cJSON *body, enum action action, bool *changed)
{
	cJSON *it;

	switch (action) {
	case ACTION_SecretCreate:
	case ACTION_SecretUpdate:
	case ACTION_ConfigCreate:
	case ACTION_ConfigUpdate:
		/* The secret itself, base64 in "Data". */
		cJSON_ArrayForEach(it, body)
			if (cJSON_IsObject(body) && key_is(it->string, "data"))
				redact_string(it, changed);
		break;
	case ACTION_PluginSet:
		/* ["NAME=value", ...]: plugin settings, often credentials. */
		if (cJSON_IsArray(body))
			redact_env_array(body, changed);
		break;
	default:
		break;
	}
}

/*
 * The RequestBody member as recorded: the original base64 when nothing in
 * the body is secret (byte for byte what dockerd sent), else the redacted
 * body re-encoded. NULL with WHY when the body is not JSON we can read, since
 * a body that cannot be searched for secrets cannot be recorded.
 */
static cJSON *redacted_body(const struct envelope *env, const cJSON *orig, enum action action,
			    char *why, size_t whylen)
{
	char err[160], *text = NULL, *b64 = NULL;
	bool changed = false;
	cJSON *body, *out = NULL;

	body = json_parse_strict((const char *)env->body, env->body_len, err, sizeof(err));
	if (!body) {
		snprintf(why, whylen, "RequestBody cannot be redacted: %s", err);
		return NULL;
	}
	redact_tree(body, &changed);
	redact_for_action(body, action, &changed);
	if (!changed) {
		out = cJSON_Duplicate(orig, 0);
		goto out;
	}
	text = cJSON_PrintUnformatted(body);
	b64 = text ? base64_encode((const unsigned char *)text, strlen(text)) : NULL;
	out = b64 ? cJSON_CreateString(b64) : NULL;
out:
	if (!out)
		snprintf(why, whylen, "out of memory");
	cJSON_Delete(body);
	free(text);
	free(b64);
	return out;
}

static cJSON *filtered_headers(const cJSON *orig)
{
	cJSON *h = cJSON_Duplicate(orig, 1), *it, *next;
	size_t i;

	if (!h)
		return NULL;
	for (it = h->child; it; it = next) {
		next = it->next;
		for (i = 0; i < sizeof(secret_headers) / sizeof(secret_headers[0]); i++)
			if (strcasecmp(it->string, secret_headers[i]) == 0) {
				cJSON_Delete(cJSON_DetachItemViaPointer(h, it));
				break;
			}
	}
	return h;
}

char *audit_envelope(const struct envelope *env, enum action action, size_t max, char *why,
		     size_t whylen)
{
	cJSON *out = NULL, *root = NULL, *it, *copy;
	char *text = NULL;

	/* Base64 is 4/3 of the body: decide on size before any work. */
	if (env->has_body && base64_encoded_len(env->body_len) > max)
		goto too_large;
	/* The envelope decoded from this text, so it parses: read again here,
	 * only when a record keeps it, rather than on every call. */
	root = json_parse_strict(env->raw, env->raw_len, why, whylen);
	out = cJSON_CreateObject();
	if (!root || !out)
		goto oom;
	for (it = root->child; it; it = it->next) {
		if (strcmp(it->string, "RequestBody") == 0 && env->has_body)
			copy = redacted_body(env, it, action, why, whylen);
		else if (strcmp(it->string, "RequestHeaders") == 0 && cJSON_IsObject(it))
			copy = filtered_headers(it);
		else
			copy = cJSON_Duplicate(it, 1);
		if (!copy) {
			if (strcmp(it->string, "RequestBody") == 0 && env->has_body)
				goto fail;	/* WHY already says why */
			goto oom;
		}
		cJSON_AddItemToObject(out, it->string, copy);
	}
	text = cJSON_PrintUnformatted(out);
	if (!text)
		goto oom;
	if (strlen(text) > max) {
		free(text);
		text = NULL;
		goto too_large;
	}
	cJSON_Delete(out);
	cJSON_Delete(root);
	return text;
too_large:
	snprintf(why, whylen, "envelope larger than %zu bytes", max);
	goto fail;
oom:
	snprintf(why, whylen, "out of memory");
fail:
	cJSON_Delete(out);
	cJSON_Delete(root);
	return NULL;
}

unsigned long audit_errors(const struct audit *a)
{
	return a ? atomic_load(&((struct audit *)a)->errors) : 0;
}

unsigned long audit_envelopes_omitted(const struct audit *a)
{
	return a ? atomic_load(&((struct audit *)a)->omitted) : 0;
}

void audit_close(struct audit *a)
{
	if (!a)
		return;
	if (a->batch && !batch_stop(a->batch))
		return;		/* left to the exit: the stuck writer still uses A */
	if ((a->path || a->sink == SINK_SYSLOG) && a->fd >= 0)
		close(a->fd);
	free(a->path);
	free(a);
}
