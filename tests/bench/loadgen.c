/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loadgen.c - load generator for the plugin protocol over a unix socket.
 *
 * Speaks just enough HTTP/1.1 to be dockerd's plugin client: POST with a
 * Content-Length body, the headers dockerd sends, keep-alive, one request in
 * flight per connection, Content-Length responses. Two modes:
 *
 *   loadgen pair --a SOCK --b SOCK --req SPEC... [--pairs N] [--warmup N]
 *       One thread, one keep-alive connection to each server, requests
 *       alternating A, B, A, B... so both see the same machine at the same
 *       moment. Prints each side's p50/p99 latency and the ratio of medians
 *       B/A (with A = ours and B = the ceiling: 1.0 means "as fast as an
 *       HTTP server that does nothing").
 *
 *   loadgen load --socket SOCK --conns C --req SPEC... [--seconds S | --count N]
 *                [--start-at EPOCH_MS] [--warmup-seconds W]
 *       C threads, each a closed loop on its own connection, cycling through
 *       the requests. With --seconds, counts the requests completed in the
 *       window [start + W, start + W + S] and then stops: two generators given
 *       the same --start-at load two servers over exactly the same interval.
 *       With --count, sends N requests in all (memory-growth runs).
 *
 * SPEC is a corpus request (reqset.h). Every answer is checked: HTTP 200 and
 * {"Allow":true|false} as the request expects; anything else stops the run.
 * Output is one line of key=value pairs. It always stops by itself: every
 * socket has send/receive timeouts, each mode a deadline, and alarm() ends
 * the process if all else fails.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "reqset.h"

#define MAX_REQS 16
#define MAX_CONNS 64
#define IO_TIMEOUT_S 10		/* no answer within this: the run fails */
#define MAX_RUN_S 600		/* hard limit on any run (alarm) */
#define RESP_MAX 65536
#define LAT_CAP (1u << 20)	/* latency samples kept per connection */

struct conn {
	int fd;
	char rbuf[RESP_MAX];
};

/* A request ready to write: HTTP head + envelope, in one buffer. */
struct wire {
	char *buf;
	size_t len;
	enum expect expect;
};

static struct wire wires[MAX_REQS];
static size_t nwires;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

/* A latency in ns, stored in 32 bits: saturates at 4.29 s. */
static unsigned lat32(unsigned long long ns)
{
	return ns > 0xFFFFFFFFull ? 0xFFFFFFFFu : (unsigned)ns;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "loadgen: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static int conn_open(struct conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * One request/response exchange. Returns 0 when the answer is HTTP 200 with
 * the expected Allow, else -1 with *why set. Responses are small (< 64 KiB);
 * with one request in flight nothing follows the body.
 */
static int exchange(struct conn *c, const struct wire *w, const char **why)
{
	size_t got = 0, head = 0, clen = 0;
	char *end, *cl;
	const char *body;

	if (write_all(c->fd, w->buf, w->len) != 0) {
		*why = "write failed or timed out";
		return -1;
	}
	for (;;) {
		ssize_t n = read(c->fd, c->rbuf + got, RESP_MAX - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*why = n == 0 ? "server closed the connection" : "read failed or timed out";
			return -1;
		}
		got += (size_t)n;
		c->rbuf[got] = '\0';
		if (!head) {
			end = strstr(c->rbuf, "\r\n\r\n");
			if (!end) {
				if (got >= RESP_MAX - 1) {
					*why = "response head too large";
					return -1;
				}
				continue;
			}
			head = (size_t)(end - c->rbuf) + 4;
			cl = strcasestr(c->rbuf, "\r\ncontent-length:");
			if (!cl || cl > end) {
				*why = "response without Content-Length";
				return -1;
			}
			clen = strtoul(cl + 17, NULL, 10);
			if (head + clen >= RESP_MAX) {
				*why = "response too large";
				return -1;
			}
		}
		if (got >= head + clen)
			break;
	}
	if (got != head + clen) {
		*why = "unexpected bytes after the response";
		return -1;
	}
	if (strncmp(c->rbuf, "HTTP/1.1 200 ", 13) != 0) {
		*why = "status is not 200";
		return -1;
	}
	body = c->rbuf + head;
	if ((w->expect == EXPECT_ALLOW && strncmp(body, "{\"Allow\":true", 13) != 0) ||
	    (w->expect == EXPECT_DENY && strncmp(body, "{\"Allow\":false", 14) != 0) ||
	    strncmp(body, "{\"Allow\":", 9) != 0) {
		*why = "unexpected answer";
		return -1;
	}
	return 0;
}

static void wire_build(struct wire *w, const struct benchreq *r, enum expect expect)
{
	char headbuf[256];
	int n = snprintf(headbuf, sizeof(headbuf),
			 "POST /AuthZPlugin.%s HTTP/1.1\r\n"
			 "Host: plugin.moby.localhost\r\n"
			 "User-Agent: Go-http-client/1.1\r\n"
			 "Content-Length: %zu\r\n"
			 "Accept: application/vnd.docker.plugins.v1.2+json\r\n\r\n",
			 r->res ? "AuthZRes" : "AuthZReq", r->len);

	w->len = (size_t)n + r->len;
	w->buf = malloc(w->len);
	if (!w->buf)
		die("%s", "out of memory");
	memcpy(w->buf, headbuf, (size_t)n);
	memcpy(w->buf + n, r->body, r->len);
	w->expect = expect;
}

static int cmp_u32(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* Percentile P (0..100) of N sorted samples. */
static unsigned pct(const unsigned *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);

	return n ? v[i < n ? i : n - 1] : 0;
}

/* ---------------------------------------------------------------- pair */

static int run_pair(const char *sa, const char *sb, long pairs, long warmup, double max_s,
		    bool b_any)
{
	static struct conn ca, cb;
	unsigned *la = calloc((size_t)pairs, sizeof(*la));
	unsigned *lb = calloc((size_t)pairs, sizeof(*lb));
	struct wire wb[MAX_REQS];
	double deadline = now_s() + max_s, suma = 0, sumb = 0;
	const char *why = NULL;
	long i, n = 0;
	size_t k;

	if (!la || !lb)
		die("%s", "out of memory");
	if (conn_open(&ca, sa) != 0)
		die("cannot connect to %s", sa);
	if (conn_open(&cb, sb) != 0)
		die("cannot connect to %s", sb);
	for (k = 0; k < nwires; k++) {
		wb[k] = wires[k];
		if (b_any)
			wb[k].expect = EXPECT_ANY;	/* B is the ceiling: it allows all */
	}
	for (i = -warmup; i < pairs; i++) {
		size_t r = (size_t)(i + warmup) % nwires;
		unsigned long long t0 = now_ns(), t1, t2;

		if (exchange(&ca, &wires[r], &why) != 0)
			die("A: %s", why);
		t1 = now_ns();
		if (exchange(&cb, &wb[r], &why) != 0)
			die("B: %s", why);
		t2 = now_ns();
		if (i >= 0) {
			la[n] = lat32(t1 - t0);
			lb[n] = lat32(t2 - t1);
			suma += (double)la[n];
			sumb += (double)lb[n];
			n++;
		}
		if ((i & 255) == 0 && now_s() > deadline)
			break;
	}
	close(ca.fd);
	close(cb.fd);
	if (n < 100)
		die("%s", "fewer than 100 pairs measured before the deadline");
	qsort(la, (size_t)n, sizeof(*la), cmp_u32);
	qsort(lb, (size_t)n, sizeof(*lb), cmp_u32);
	printf("pairs=%ld a_p50_us=%.2f a_p99_us=%.2f a_rps=%.0f "
	       "b_p50_us=%.2f b_p99_us=%.2f b_rps=%.0f ratio=%.3f\n",
	       n, pct(la, (size_t)n, 50) / 1e3, pct(la, (size_t)n, 99) / 1e3, 1e9 * (double)n / suma,
	       pct(lb, (size_t)n, 50) / 1e3, pct(lb, (size_t)n, 99) / 1e3, 1e9 * (double)n / sumb,
	       (double)pct(lb, (size_t)n, 50) / (double)pct(la, (size_t)n, 50));
	free(la);
	free(lb);
	return 0;
}

/* ---------------------------------------------------------------- load */

struct worker {
	pthread_t tid;
	unsigned idx;
	struct conn c;
	unsigned *lat;
	size_t nlat;
	atomic_ulong done;
	const char *error;
};

static atomic_int stop_flag;
static atomic_int measuring;
static long count_limit;		/* --count: requests to send in all, 0 = no limit */
static atomic_long sent;

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	size_t r = w->idx % nwires;

	while (!atomic_load_explicit(&stop_flag, memory_order_relaxed)) {
		unsigned long long t0;

		if (count_limit && atomic_fetch_add(&sent, 1) >= count_limit)
			break;
		t0 = now_ns();
		if (exchange(&w->c, &wires[r], &w->error) != 0) {
			atomic_store(&stop_flag, 1);
			break;
		}
		if (atomic_load_explicit(&measuring, memory_order_relaxed) && w->nlat < LAT_CAP)
			w->lat[w->nlat++] = lat32(now_ns() - t0);
		atomic_fetch_add_explicit(&w->done, 1, memory_order_relaxed);
		r = (r + 1) % nwires;
	}
	return NULL;
}

static unsigned long total_done(struct worker *ws, unsigned n)
{
	unsigned long s = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		s += atomic_load(&ws[i].done);
	return s;
}

/* Sleep until CLOCK_REALTIME reaches EPOCH_MS (no-op if past). */
static void sleep_until_epoch_ms(long long epoch_ms)
{
	struct timespec t = { .tv_sec = epoch_ms / 1000, .tv_nsec = (epoch_ms % 1000) * 1000000 };

	while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

static void sleep_s(double s)
{
	struct timespec t = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&t, &t) == EINTR)
		;
}

static int run_load(const char *sock, unsigned conns, double seconds, long count,
		    long long start_at, double warmup)
{
	static struct worker ws[MAX_CONNS];
	unsigned long d0, d1;
	double t0, t1;
	unsigned *all;
	size_t nall = 0;
	unsigned i;
	int failed = 0;

	count_limit = count > 0 ? count : 0;
	for (i = 0; i < conns; i++) {
		ws[i].idx = i;
		ws[i].lat = malloc(LAT_CAP * sizeof(unsigned));
		if (!ws[i].lat)
			die("%s", "out of memory");
		if (conn_open(&ws[i].c, sock) != 0)
			die("cannot connect to %s", sock);
	}
	if (start_at > 0)
		sleep_until_epoch_ms(start_at);
	for (i = 0; i < conns; i++)
		if (pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]) != 0)
			die("%s", "cannot start a thread");
	if (count > 0) {
		/* Until the count is sent; alarm() bounds a stuck server. */
		atomic_store(&measuring, 1);
		t0 = now_s();
		d0 = 0;
		for (i = 0; i < conns; i++)
			pthread_join(ws[i].tid, NULL);
		t1 = now_s();
		d1 = total_done(ws, conns);
	} else {
		sleep_s(warmup);
		atomic_store(&measuring, 1);
		d0 = total_done(ws, conns);
		t0 = now_s();
		sleep_s(seconds);
		d1 = total_done(ws, conns);
		t1 = now_s();
		atomic_store(&measuring, 0);
		atomic_store(&stop_flag, 1);
		for (i = 0; i < conns; i++)
			pthread_join(ws[i].tid, NULL);
	}
	for (i = 0; i < conns; i++) {
		if (ws[i].error) {
			fprintf(stderr, "loadgen: connection %u: %s\n", i, ws[i].error);
			failed = 1;
		}
		close(ws[i].c.fd);
		nall += ws[i].nlat;
	}
	if (failed)
		return 1;
	all = malloc((nall ? nall : 1) * sizeof(*all));
	if (!all)
		die("%s", "out of memory");
	for (nall = 0, i = 0; i < conns; i++) {
		memcpy(all + nall, ws[i].lat, ws[i].nlat * sizeof(*all));
		nall += ws[i].nlat;
		free(ws[i].lat);
	}
	qsort(all, nall, sizeof(*all), cmp_u32);
	printf("conns=%u requests=%lu rps=%.0f p50_us=%.2f p99_us=%.2f\n", conns, d1 - d0,
	       (double)(d1 - d0) / (t1 - t0), pct(all, nall, 50) / 1e3, pct(all, nall, 99) / 1e3);
	free(all);
	return 0;
}

/* ---------------------------------------------------------------- main */

static const char usage[] =
	"usage: loadgen pair --a SOCK --b SOCK --req SPEC... [--pairs N] [--warmup N]\n"
	"                    [--max-seconds S] [--b-expects-any]\n"
	"       loadgen load --socket SOCK --req SPEC... [--conns C] [--seconds S | --count N]\n"
	"                    [--start-at EPOCH_MS] [--warmup-seconds W]\n"
	"SPEC: FILE:LINE[,user=NAME][,res-body=BYTES][,expect=allow|deny] (a corpus line)\n";

static double num(const char *s, double lo, double hi, const char *what)
{
	char *end;
	double v = strtod(s, &end);

	if (*end || v < lo || v > hi)
		die("bad value for %s", what);
	return v;
}

int main(int argc, char **argv)
{
	const char *a = NULL, *b = NULL, *sock = NULL;
	double seconds = 2, warmup_s = 0.3, max_s = 30;
	long pairs = 20000, warmup = 2000, count = 0;
	long long start_at = 0;
	unsigned conns = 1;
	bool b_any = false;
	struct benchreq r;
	char err[512];
	int i;

	if (argc < 2 || (strcmp(argv[1], "pair") != 0 && strcmp(argv[1], "load") != 0)) {
		fputs(usage, stderr);
		return 2;
	}
	for (i = 2; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "--b-expects-any") == 0) {
			b_any = true;
			continue;
		}
		if (!val)
			die("%s needs a value", opt);
		i++;
		if (strcmp(opt, "--a") == 0)
			a = val;
		else if (strcmp(opt, "--b") == 0)
			b = val;
		else if (strcmp(opt, "--socket") == 0)
			sock = val;
		else if (strcmp(opt, "--pairs") == 0)
			pairs = (long)num(val, 100, 10000000, opt);
		else if (strcmp(opt, "--warmup") == 0)
			warmup = (long)num(val, 0, 10000000, opt);
		else if (strcmp(opt, "--max-seconds") == 0)
			max_s = num(val, 0.1, MAX_RUN_S - 60, opt);
		else if (strcmp(opt, "--conns") == 0)
			conns = (unsigned)num(val, 1, MAX_CONNS, opt);
		else if (strcmp(opt, "--seconds") == 0)
			seconds = num(val, 0.1, MAX_RUN_S - 60, opt);
		else if (strcmp(opt, "--warmup-seconds") == 0)
			warmup_s = num(val, 0, 60, opt);
		else if (strcmp(opt, "--count") == 0)
			count = (long)num(val, 1, 1e9, opt);
		else if (strcmp(opt, "--start-at") == 0)
			start_at = (long long)num(val, 0, 1e14, opt);
		else if (strcmp(opt, "--req") == 0) {
			if (nwires == MAX_REQS)
				die("%s", "too many --req");
			if (reqset_load(val, &r, err, sizeof(err)) != 0)
				die("%s", err);
			wire_build(&wires[nwires++], &r, r.expect);
			reqset_free(&r);
		} else
			die("unknown option %s", opt);
	}
	if (!nwires)
		die("%s", "no --req given");
	/* Whatever happens, the process ends: the longest run plus slack. */
	alarm(MAX_RUN_S);
	if (strcmp(argv[1], "pair") == 0) {
		if (!a || !b)
			die("%s", "pair needs --a and --b");
		return run_pair(a, b, pairs, warmup, max_s, b_any);
	}
	if (!sock)
		die("%s", "load needs --socket");
	if (start_at > 0 && (double)start_at / 1e3 > (double)time(NULL) + 60)
		die("%s", "--start-at is more than a minute away");
	return run_load(sock, conns, seconds, count, start_at, warmup_s);
}
