/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.c - Prometheus metrics: decisions, latency, reloads, audit errors.
 *
 * The decision path only ever does atomic increments here:
 *   - Decisions are counted per series (phase, decision, rule, action) in a
 *     fixed open-addressing table. A slot's key is published with one
 *     compare-and-swap of a pointer to an immutable key, so readers see either
 *     no key or a complete one and nobody waits for anybody. Keys are never
 *     removed (Prometheus counters must not go backwards), so a rule renamed
 *     by a reload keeps its old series; the table is bounded, and a decision
 *     that finds no slot within MAX_PROBES is counted as an overflow.
 *   - Rule names are copied into the key: the policy they came from may be
 *     freed by the next reload.
 *   - The latency histogram is a fixed array of counters.
 * The listener is a libmicrohttpd daemon with one thread of its own and a
 * small connection limit; rendering reads the counters without stopping
 * anyone, so a scrape is a consistent-enough picture, as with every
 * Prometheus client library.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "audit.h"
#include "listen.h"
#include "metrics.h"

#define SLOTS METRICS_MAX_SERIES	/* a power of two */
#define MAX_PROBES 256			/* a key is found within this many slots of its home */
#define SCRAPE_CONNECTIONS 16u
#define SCRAPE_TIMEOUT_S 10u

/* Upper bounds of the latency buckets, in microseconds (+Inf is implied). */
static const long bucket_us[] = {
	10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 1000000,
};
#define NBUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))

struct series_key {
	unsigned char phase, outcome;
	unsigned short action;
	size_t hash;
	char rule[];			/* "" for no rule */
};

struct metrics {
	_Atomic(struct series_key *) keys[SLOTS];
	atomic_ulong counts[SLOTS];
	atomic_ulong overflow;

	atomic_ulong latency[NBUCKETS + 1];	/* per bucket, not cumulative; last is +Inf */
	atomic_ullong latency_sum_us;

	atomic_ulong reloads_ok, reloads_error;
	atomic_int last_reload_ok;
	atomic_llong last_success_s;	/* wall clock, seconds */

	atomic_int dry_run;
	const struct audit *audit;

	struct MHD_Daemon *mhd;
	int fd;
	char *unix_path;		/* to unlink at stop */
};

static long long now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec;
}

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->fd = -1;
	/* serve refuses to start without a valid policy: the start is a success. */
	atomic_store(&m->last_reload_ok, 1);
	atomic_store(&m->last_success_s, now_s());
	return m;
}

void metrics_free(struct metrics *m)
{
	size_t i;

	if (!m)
		return;
	metrics_stop(m);
	for (i = 0; i < SLOTS; i++)
		free(atomic_load(&m->keys[i]));
	free(m);
}

/* ---------------------------------------------------------------- counting */

/* FNV-1a over the key's parts. Rule names come from the policy's author. */
static size_t key_hash(unsigned phase, unsigned outcome, unsigned action, const char *rule)
{
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned char head[4] = { (unsigned char)phase, (unsigned char)outcome,
				  (unsigned char)(action & 0xff), (unsigned char)(action >> 8) };
	size_t i;

	for (i = 0; i < sizeof(head); i++) {
		h ^= head[i];
		h *= 0x100000001b3ull;
	}
	for (; *rule; rule++) {
		h ^= (unsigned char)*rule;
		h *= 0x100000001b3ull;
	}
	return (size_t)(h ^ (h >> 32));
}

static bool key_equal(const struct series_key *k, size_t hash, unsigned phase, unsigned outcome,
		      unsigned action, const char *rule)
{
	return k->hash == hash && k->phase == phase && k->outcome == outcome &&
	       k->action == action && strcmp(k->rule, rule) == 0;
}

static struct series_key *key_new(size_t hash, unsigned phase, unsigned outcome, unsigned action,
				  const char *rule)
{
	size_t n = strlen(rule);
	struct series_key *k = malloc(sizeof(*k) + n + 1);

	if (!k)
		return NULL;
	k->hash = hash;
	k->phase = (unsigned char)phase;
	k->outcome = (unsigned char)outcome;
	k->action = (unsigned short)action;
	memcpy(k->rule, rule, n + 1);
	return k;
}

static void count_series(struct metrics *m, unsigned phase, unsigned outcome, unsigned action,
			 const char *rule)
{
	size_t hash = key_hash(phase, outcome, action, rule), probe, i;
	struct series_key *mine = NULL, *k;

	for (probe = 0; probe < MAX_PROBES; probe++) {
		i = (hash + probe) & (SLOTS - 1);
		k = atomic_load_explicit(&m->keys[i], memory_order_acquire);
		if (!k) {
			/* Claim the empty slot with our key; if another thread
			 * got there first, its key is in k and compared below. */
			if (!mine) {
				mine = key_new(hash, phase, outcome, action, rule);
				if (!mine)
					break;
			}
			if (atomic_compare_exchange_strong_explicit(&m->keys[i], &k, mine,
								    memory_order_acq_rel,
								    memory_order_acquire)) {
				atomic_fetch_add_explicit(&m->counts[i], 1, memory_order_relaxed);
				return;
			}
		}
		if (key_equal(k, hash, phase, outcome, action, rule)) {
			atomic_fetch_add_explicit(&m->counts[i], 1, memory_order_relaxed);
			free(mine);
			return;
		}
	}
	free(mine);
	atomic_fetch_add_explicit(&m->overflow, 1, memory_order_relaxed);
}

void metrics_decision(struct metrics *m, const struct decision *d, long latency_us)
{
	size_t b;

	if (!m)
		return;
	count_series(m, (unsigned)d->phase, (unsigned)d->outcome, (unsigned)d->action,
		     d->rule ? d->rule : "");
	if (latency_us < 0)
		latency_us = 0;
	for (b = 0; b < NBUCKETS && latency_us > bucket_us[b]; b++)
		;
	atomic_fetch_add_explicit(&m->latency[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_sum_us, (unsigned long long)latency_us,
				  memory_order_relaxed);
}

void metrics_reload(struct metrics *m, bool ok)
{
	if (!m)
		return;
	atomic_fetch_add(ok ? &m->reloads_ok : &m->reloads_error, 1);
	atomic_store(&m->last_reload_ok, ok ? 1 : 0);
	if (ok)
		atomic_store(&m->last_success_s, now_s());
}

void metrics_set_dry_run(struct metrics *m, bool forced)
{
	if (m)
		atomic_store(&m->dry_run, forced ? 1 : 0);
}

void metrics_set_audit(struct metrics *m, const struct audit *a)
{
	if (m)
		m->audit = a;
}

/* ---------------------------------------------------------------- rendering */

struct text {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	size_t want;
	char *nb;
	int n;

	if (t->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		want = t->cap * 2 > t->len + (size_t)n + 1 ? t->cap * 2 : t->len + (size_t)n + 1;
		nb = realloc(t->buf, want);
		if (!nb) {
			t->oom = true;
			return;
		}
		t->buf = nb;
		t->cap = want;
	}
}

/* A label value as the text format wants it: \ " and newline escaped. */
static void put_label(struct text *t, const char *s)
{
	size_t run;

	while (*s) {
		run = strcspn(s, "\\\"\n");
		put(t, "%.*s", (int)run, s);
		s += run;
		if (*s) {
			put(t, "\\%c", *s == '\n' ? 'n' : *s);
			s++;
		}
	}
}

static void header(struct text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct entry {
	const struct series_key *key;
	unsigned long count;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct series_key *x = ((const struct entry *)a)->key;
	const struct series_key *y = ((const struct entry *)b)->key;
	int c = strcmp(x->rule, y->rule);

	if (c)
		return c;
	c = strcmp(action_name((enum action)x->action), action_name((enum action)y->action));
	if (c)
		return c;
	if (x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	return x->outcome < y->outcome ? -1 : x->outcome > y->outcome;
}

/* Series sorted by rule, action, phase, decision: a stable, readable page. */
static void render_decisions(struct metrics *m, struct text *t)
{
	struct entry *e = malloc(SLOTS * sizeof(*e));
	size_t n = 0, i;

	if (!e) {
		t->oom = true;
		return;
	}
	for (i = 0; i < SLOTS; i++) {
		e[n].key = atomic_load_explicit(&m->keys[i], memory_order_acquire);
		if (e[n].key)
			e[n++].count = atomic_load_explicit(&m->counts[i], memory_order_relaxed);
	}
	qsort(e, n, sizeof(*e), entry_cmp);
	header(t, "portcullis_decisions_total", "counter",
	       "Authorization decisions by phase, decision, deciding rule and action.");
	for (i = 0; i < n; i++) {
		put(t, "portcullis_decisions_total{phase=\"%s\",decision=\"%s\",rule=\"",
		    e[i].key->phase == PHASE_RESPONSE ? "response" : "request",
		    outcome_name((enum outcome)e[i].key->outcome));
		put_label(t, e[i].key->rule);
		put(t, "\",action=\"");
		put_label(t, action_name((enum action)e[i].key->action));
		put(t, "\"} %lu\n", e[i].count);
	}
	header(t, "portcullis_decisions_overflow_total", "counter",
	       "Decisions not counted by label because the series table was full.");
	put(t, "portcullis_decisions_overflow_total %lu\n", atomic_load(&m->overflow));
	free(e);
}

static void render_latency(struct metrics *m, struct text *t)
{
	unsigned long cumulative = 0;
	size_t b;

	header(t, "portcullis_decision_duration_seconds", "histogram",
	       "Time from the first byte of an AuthZ call to its decision.");
	for (b = 0; b <= NBUCKETS; b++) {
		cumulative += atomic_load_explicit(&m->latency[b], memory_order_relaxed);
		if (b < NBUCKETS)
			put(t, "portcullis_decision_duration_seconds_bucket{le=\"%g\"} %lu\n",
			    (double)bucket_us[b] / 1e6, cumulative);
		else
			put(t, "portcullis_decision_duration_seconds_bucket{le=\"+Inf\"} %lu\n",
			    cumulative);
	}
	put(t, "portcullis_decision_duration_seconds_sum %.6f\n",
	    (double)atomic_load(&m->latency_sum_us) / 1e6);
	put(t, "portcullis_decision_duration_seconds_count %lu\n", cumulative);
}

char *metrics_render(struct metrics *m, size_t *len)
{
	struct text t = { 0 };

	t.cap = 16384;
	t.buf = malloc(t.cap);
	if (!t.buf)
		return NULL;
	t.buf[0] = '\0';
	render_decisions(m, &t);
	render_latency(m, &t);
	header(&t, "portcullis_reloads_total", "counter",
	       "Policy reloads (SIGHUP) by result: ok when the new policy was published.");
	put(&t, "portcullis_reloads_total{result=\"ok\"} %lu\n", atomic_load(&m->reloads_ok));
	put(&t, "portcullis_reloads_total{result=\"error\"} %lu\n",
	    atomic_load(&m->reloads_error));
	header(&t, "portcullis_policy_last_reload_successful", "gauge",
	       "1 when the last load of the policy succeeded, 0 when the running policy is "
	       "older than the file.");
	put(&t, "portcullis_policy_last_reload_successful %d\n", atomic_load(&m->last_reload_ok));
	header(&t, "portcullis_policy_last_reload_success_timestamp_seconds", "gauge",
	       "When the running policy was loaded (Unix time).");
	put(&t, "portcullis_policy_last_reload_success_timestamp_seconds %lld\n",
	    atomic_load(&m->last_success_s));
	header(&t, "portcullis_dry_run_forced", "gauge",
	       "1 when serve --dry-run puts every rule in dry-run.");
	put(&t, "portcullis_dry_run_forced %d\n", atomic_load(&m->dry_run));
	header(&t, "portcullis_audit_write_errors_total", "counter",
	       "Audit records lost: write errors (full disk), syslog unreachable or full.");
	put(&t, "portcullis_audit_write_errors_total %lu\n", audit_errors(m->audit));
	header(&t, "portcullis_audit_envelopes_omitted_total", "counter",
	       "Request envelopes not recorded (too large, or a body that could not be redacted).");
	put(&t, "portcullis_audit_envelopes_omitted_total %lu\n",
	    audit_envelopes_omitted(m->audit));
	header(&t, "portcullis_build_info", "gauge", "The running version.");
	put(&t, "portcullis_build_info{version=\"%s\"} 1\n", PORTCULLIS_VERSION);
	if (t.oom) {
		free(t.buf);
		return NULL;
	}
	*len = t.len;
	return t.buf;
}

/* ---------------------------------------------------------------- listener */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result rc;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; version=0.0.4; charset=utf-8");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	static int headers_seen;
	static char not_found[] = "not found: metrics are at /metrics\n";
	static char bad_method[] = "only GET and HEAD\n";
	static char no_memory[] = "out of memory\n";
	struct metrics *m = cls;
	size_t len = 0;
	char *body;

	(void)version;
	(void)upload;
	if (!*state) {
		*state = &headers_seen;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;	/* a scrape has no body: discard */
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, not_found, strlen(not_found),
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, bad_method, strlen(bad_method),
			     MHD_RESPMEM_PERSISTENT);
	body = metrics_render(m, &len);
	if (!body)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, no_memory, strlen(no_memory),
			     MHD_RESPMEM_PERSISTENT);
	return reply(c, MHD_HTTP_OK, body, len, MHD_RESPMEM_MUST_FREE);
}

int metrics_listen(struct metrics *m, const char *addr, char *err, size_t errlen)
{
	int is_unix = 0;

	if (m->mhd) {
		snprintf(err, errlen, "metrics: already listening");
		return -1;
	}
	m->fd = listen_addr(addr, &is_unix, err, errlen);
	if (m->fd < 0)
		return -1;
	if (is_unix) {
		m->unix_path = strdup(addr + 5);
		if (!m->unix_path) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	m->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC,
				  0, NULL, NULL, on_request, m,
				  MHD_OPTION_LISTEN_SOCKET, m->fd,
				  MHD_OPTION_CONNECTION_LIMIT, SCRAPE_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, SCRAPE_TIMEOUT_S,
				  MHD_OPTION_END);
	if (!m->mhd) {
		snprintf(err, errlen, "metrics: cannot start the HTTP server on %s", addr);
		goto fail;
	}
	return 0;
fail:
	close(m->fd);
	m->fd = -1;
	if (m->unix_path)
		unlink(m->unix_path);
	free(m->unix_path);
	m->unix_path = NULL;
	return -1;
}

void metrics_stop(struct metrics *m)
{
	if (!m || !m->mhd)
		return;
	/* Quiesce first: the listening socket stays ours to close. */
	MHD_quiesce_daemon(m->mhd);
	MHD_stop_daemon(m->mhd);
	m->mhd = NULL;
	close(m->fd);
	m->fd = -1;
	if (m->unix_path)
		unlink(m->unix_path);
	free(m->unix_path);
	m->unix_path = NULL;
}
