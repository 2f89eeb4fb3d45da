/* SPDX-License-Identifier: Apache-2.0 */
/*
 * micro.c - the decision core in-process, no HTTP: nanoseconds per request.
 *
 *   micro --policy FILE [--policy2 FILE] --req SPEC... [--audit FILE]
 *         [--min-batch-ms MS] [--batches B]
 *   micro --policy FILE --req SPEC --callgrind N | --callgrind-decide N | --callgrind-cold N
 *   micro --policy FILE --req SPEC... --cold N
 *
 * For each request (a corpus line, reqset.h), the steps plugin/server.c runs
 * for an AuthZ call, timed separately and together:
 *   decode  envelope_decode + envelope_free (strict JSON, base64)
 *   decide  decide() on a decoded envelope (URI, route, rules, constraints)
 *   format  audit_format() of the decision (the audit line, no write)
 *   core    decode + decide + format + free: the decision core
 *   record  audit_record() to --audit FILE (format + one write(2))
 * Each figure is the fastest of B batches (default 11), each running at least
 * --min-batch-ms (default 20) of iterations: on a shared machine noise only
 * ever adds time, so the fastest batch is the best estimate of the cost. The
 * steps take turns, one batch each per round, so noise spreads over all. The
 * process's resident memory is printed before and after loading the policy.
 *
 * --policy2 compares two policies side by side: batches alternate between
 * the two (as run.sh alternates servers), so machine noise hits both alike,
 * and decide and core are printed for each with the ratio policy2/policy.
 *
 * --callgrind N runs the core N times inside core_loop() and nothing else
 * timed, for `valgrind --tool=callgrind --toggle-collect=core_loop`;
 * --callgrind-decide N runs decide() alone N times inside decide_loop().
 * --callgrind-cold N runs the core N times inside cold_once(), each after
 * writing EVICT_BYTES elsewhere (outside the window), for callgrind's cache
 * model (--cache-sim=yes --toggle-collect=cold_once): the cache lines a
 * decision misses when it starts with caches full of someone else's data,
 * as on a CPU that ran other work, or woke from idle, between two calls.
 *
 * --cold N times the core of each request on a cold CPU, in four states
 * that take turns N times: warm (right after the same decision), after
 * EVICT_BYTES written (its data and code gone to L3), after other branchy
 * work (qsort of SHAKE_INTS random ints: what the branch predictor learnt of
 * the decision is overwritten), and after both. The median of each, in ns.
 * On a server's core, between two calls of one connection, the kernel and
 * other processes run: a real call starts somewhere between these states.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "decide.h"
#include "envelope.h"
#include "policy.h"
#include "reqset.h"

#define MAX_REQS 16
#define MAX_ITER (1L << 24)
#define EVICT_BYTES (8L << 20)	/* above any L2; most of an L3 slice */
#define SHAKE_INTS 20000	/* --cold: qsort of 80 KB, some 300k compares */
#define COLD_STATES 4

enum step { STEP_DECODE, STEP_DECIDE, STEP_FORMAT, STEP_CORE, STEP_RECORD, NSTEPS };
static const char *const step_name[NSTEPS] = { "decode", "decide", "format", "core", "record" };

struct ctx {
	const struct policy *p;
	const struct benchreq *r;
	struct envelope env;	/* pre-decoded, for STEP_DECIDE and STEP_FORMAT */
	struct decision d;	/* pre-decided, for STEP_FORMAT */
	struct audit *audit;
	char line[16384];
};

static volatile unsigned long sink;	/* keeps results observable */

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "micro: %s%s\n", what, arg ? arg : "");
	exit(1);
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, res = 0;

	if (f) {
		if (fscanf(f, "%ld %ld", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* As server.c decodes: the response phase steps over the bodies. */
static unsigned decode_flags(const struct benchreq *r)
{
	return r->res ? ENVELOPE_SKIP_BODIES : 0;
}

/* One full decision, as server.c's handle_authz does it. */
static void core_once(struct ctx *c)
{
	struct envelope env;
	struct decision d;
	char err[512];
	int n;

	if (envelope_decode_flags(c->r->body, c->r->len, decode_flags(c->r), &env, err, sizeof(err)) != 0)
		die("envelope rejected: ", err);
	decide(c->p, &env, c->r->res ? PHASE_RESPONSE : PHASE_REQUEST, &d);
	n = audit_format(&d, &env, 12, c->line, sizeof(c->line));
	sink += (unsigned long)n + d.allow;
	envelope_free(&env);
}

static void step_once(struct ctx *c, enum step s)
{
	struct envelope env;
	struct decision d;
	char err[512];

	switch (s) {
	case STEP_DECODE:
		if (envelope_decode_flags(c->r->body, c->r->len, decode_flags(c->r), &env, err, sizeof(err)) != 0)
			die("envelope rejected: ", err);
		sink += env.body_len;
		envelope_free(&env);
		break;
	case STEP_DECIDE:
		decide(c->p, &c->env, c->r->res ? PHASE_RESPONSE : PHASE_REQUEST, &d);
		sink += d.allow;
		break;
	case STEP_FORMAT:
		sink += (unsigned long)audit_format(&c->d, &c->env, 12, c->line, sizeof(c->line));
		break;
	case STEP_CORE:
		core_once(c);
		break;
	case STEP_RECORD:
		audit_record(c->audit, &c->d, &c->env, 12);
		break;
	case NSTEPS:
		break;
	}
}

/* The callgrind window: only this function is counted. */
__attribute__((noinline)) static void core_loop(struct ctx *c, long n)
{
	long i;

	for (i = 0; i < n; i++)
		core_once(c);
}

/* --callgrind-cold: the window is one decision; the eviction is outside. */
__attribute__((noinline)) static void cold_once(struct ctx *c)
{
	core_once(c);
}

/* Write a line of every 64 bytes of BUF, EVICT_BYTES long, so that the
 * caches hold it and nothing of the decision before. */
static void evict(volatile unsigned char *buf)
{
	long i;

	for (i = 0; i < EVICT_BYTES; i += 64)
		buf[i]++;
}

static void cold_loop(struct ctx *c, long n)
{
	unsigned char *buf = calloc(1, EVICT_BYTES);
	long i;

	if (!buf)
		die("out of memory", NULL);
	for (i = 0; i < n; i++) {
		evict(buf);
		cold_once(c);
	}
	free(buf);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* Other work with branches no predictor can learn: SHAKE_INTS random ints
 * (xorshift, seeded by ROUND) sorted. */
static void shake(int *ints, unsigned round)
{
	unsigned x = 2463534242u ^ (round * 2654435761u);
	int i;

	for (i = 0; i < SHAKE_INTS; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		ints[i] = (int)x;
	}
	qsort(ints, SHAKE_INTS, sizeof(*ints), cmp_int);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* --cold: the median ns of the core in each of the COLD_STATES (see the top). */
static void time_cold(struct ctx *c, long n, double out[COLD_STATES])
{
	unsigned char *buf = calloc(1, EVICT_BYTES);
	int *ints = calloc(SHAKE_INTS, sizeof(*ints));
	long *t = calloc((size_t)(n * COLD_STATES), sizeof(*t)), i;
	double t0;
	int s;

	if (!buf || !ints || !t)
		die("out of memory", NULL);
	for (i = 0; i < n; i++)
		for (s = 0; s < COLD_STATES; s++) {
			if (s == 0)
				core_once(c);
			if (s & 1)
				evict(buf);
			if (s & 2)
				shake(ints, (unsigned)(i * COLD_STATES + s));
			t0 = now_ns();
			core_once(c);
			t[s * n + i] = (long)(now_ns() - t0);
		}
	for (s = 0; s < COLD_STATES; s++) {
		qsort(t + s * n, (size_t)n, sizeof(*t), cmp_long);
		out[s] = (double)t[s * n + n / 2];
	}
	free(t);
	free(ints);
	free(buf);
}

/* The callgrind window for decide() alone, on the envelope decoded once. */
__attribute__((noinline)) static void decide_loop(struct ctx *c, long n)
{
	long i;

	for (i = 0; i < n; i++)
		step_once(c, STEP_DECIDE);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Iterations of step S that take at least MIN_NS. */
static long calibrate(struct ctx *c, enum step s, double min_ns)
{
	double t0;
	long n = 1, i;

	for (;;) {
		t0 = now_ns();
		for (i = 0; i < n; i++)
			step_once(c, s);
		if (now_ns() - t0 >= min_ns || n >= MAX_ITER)
			return n;
		n *= 2;
	}
}

/*
 * Fewest ns per iteration of each of the first NS steps over BATCHES rounds;
 * a round runs one batch of every step, so a burst of noise lands on all
 * steps alike instead of on every batch of one.
 */
static void time_steps(struct ctx *c, int ns, double min_ns, int batches, double *out)
{
	long n[NSTEPS], i;
	double t0, per;
	int b, s;

	for (s = 0; s < ns; s++) {
		n[s] = calibrate(c, (enum step)s, min_ns);
		out[s] = 1e18;
	}
	for (b = 0; b < batches; b++)
		for (s = 0; s < ns; s++) {
			t0 = now_ns();
			for (i = 0; i < n[s]; i++)
				step_once(c, (enum step)s);
			per = (now_ns() - t0) / (double)n[s];
			if (per < out[s])
				out[s] = per;
		}
}

/* Step S on two contexts, batches alternating; the fastest of each in out[0], out[1]. */
static void time_pair(struct ctx *c[2], enum step s, double min_ns, int batches, double out[2])
{
	double t0, per[2][64];
	long n = 1, i;
	int b, k;

	for (;;) {
		t0 = now_ns();
		for (i = 0; i < n; i++)
			step_once(c[0], s);
		if (now_ns() - t0 >= min_ns || n >= MAX_ITER)
			break;
		n *= 2;
	}
	for (b = 0; b < batches; b++)
		for (k = 0; k < 2; k++) {
			t0 = now_ns();
			for (i = 0; i < n; i++)
				step_once(c[k], s);
			per[k][b] = (now_ns() - t0) / (double)n;
		}
	for (k = 0; k < 2; k++) {
		qsort(per[k], (size_t)batches, sizeof(per[k][0]), cmp_double);
		out[k] = per[k][0];
	}
}

static struct policy *load(const char *path)
{
	struct policy_diag diag = { 0 };
	struct policy *p = policy_load(path, &diag);
	size_t i;

	if (!p) {
		for (i = 0; i < diag.n; i++)
			fprintf(stderr, "%s\n", diag.lines[i]);
		die("cannot load ", path);
	}
	policy_diag_free(&diag);
	return p;
}

/* Decode and decide R once into C (for the steps that start from there). */
static void prepare(struct ctx *c, const struct benchreq *r, const char *spec)
{
	char err[512];

	c->r = r;
	if (envelope_decode_flags(r->body, r->len, decode_flags(r), &c->env, err, sizeof(err)) != 0)
		die("envelope rejected: ", err);
	decide(c->p, &c->env, r->res ? PHASE_RESPONSE : PHASE_REQUEST, &c->d);
	if ((r->expect == EXPECT_ALLOW && !c->d.allow) || (r->expect == EXPECT_DENY && c->d.allow))
		die("unexpected decision for ", spec);
}

int main(int argc, char **argv)
{
	const char *policy_path = NULL, *policy2_path = NULL, *audit_path = NULL;
	const char *specs[MAX_REQS];
	struct benchreq reqs[MAX_REQS];
	struct policy *p, *p2 = NULL;
	struct ctx *c, *c2 = NULL;
	double min_ms = 20, two[2], steps[NSTEPS], states[COLD_STATES];
	long callgrind = 0, callgrind_decide = 0, callgrind_cold = 0, cold = 0, rss0, rss1;
	int nreqs = 0, batches = 11, i, s;
	char err[512];

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--policy") == 0)
			policy_path = argv[i + 1];
		else if (strcmp(argv[i], "--policy2") == 0)
			policy2_path = argv[i + 1];
		else if (strcmp(argv[i], "--req") == 0 && nreqs < MAX_REQS)
			specs[nreqs++] = argv[i + 1];
		else if (strcmp(argv[i], "--audit") == 0)
			audit_path = argv[i + 1];
		else if (strcmp(argv[i], "--min-batch-ms") == 0)
			min_ms = strtod(argv[i + 1], NULL);
		else if (strcmp(argv[i], "--batches") == 0)
			batches = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--callgrind") == 0)
			callgrind = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--callgrind-decide") == 0)
			callgrind_decide = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--callgrind-cold") == 0)
			callgrind_cold = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--cold") == 0)
			cold = strtol(argv[i + 1], NULL, 10);
		else
			break;
	}
	if (i != argc || !policy_path || !nreqs || batches < 1 || batches > 64 ||
	    min_ms <= 0 || min_ms > 10000 || callgrind < 0 || callgrind > MAX_ITER ||
	    callgrind_decide < 0 || callgrind_decide > MAX_ITER || callgrind_cold < 0 ||
	    callgrind_cold > MAX_ITER || cold < 0 || cold > 100000) {
		fputs("usage: micro --policy FILE [--policy2 FILE] --req SPEC... [--audit FILE]\n"
		      "             [--min-batch-ms MS] [--batches B]\n"
		      "             [--callgrind N | --callgrind-decide N | --callgrind-cold N |\n"
		      "              --cold N]\n",
		      stderr);
		return 2;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		die("out of memory", NULL);
	rss0 = rss_kib();
	p = load(policy_path);
	rss1 = rss_kib();
	c->p = p;
	if (policy2_path) {
		c2 = calloc(1, sizeof(*c2));
		if (!c2)
			die("out of memory", NULL);
		c2->p = p2 = load(policy2_path);
	}
	if (audit_path) {
		c->audit = audit_open(audit_path, err, sizeof(err));
		if (!c->audit)
			die(err, NULL);
	}
	for (i = 0; i < nreqs; i++)
		if (reqset_load(specs[i], &reqs[i], err, sizeof(err)) != 0)
			die(err, NULL);
	if (callgrind || callgrind_decide || callgrind_cold) {
		prepare(c, &reqs[0], specs[0]);
		if (callgrind)
			core_loop(c, callgrind);
		else if (callgrind_decide)
			decide_loop(c, callgrind_decide);
		else
			cold_loop(c, callgrind_cold);
		envelope_free(&c->env);
		printf("callgrind_iterations=%ld\n",
		       callgrind ? callgrind : callgrind_decide ? callgrind_decide : callgrind_cold);
		goto out;
	}
	printf("policy=%s rules=%zu rss_before_kib=%ld rss_after_kib=%ld", policy_path,
	       p->nrules, rss0, rss1);
	if (p2)
		printf(" policy2=%s rules2=%zu", policy2_path, p2->nrules);
	printf("\n");
	for (i = 0; i < nreqs; i++) {
		prepare(c, &reqs[i], specs[i]);
		printf("req=%s bytes=%zu decision=%s", specs[i], reqs[i].len,
		       outcome_name(c->d.outcome));
		if (c2) {
			struct ctx *both[2] = { c, c2 };

			prepare(c2, &reqs[i], specs[i]);
			time_pair(both, STEP_DECIDE, min_ms * 1e6, batches, two);
			printf(" decide_ns=%.0f decide2_ns=%.0f decide_ratio=%.2f", two[0], two[1],
			       two[1] / two[0]);
			time_pair(both, STEP_CORE, min_ms * 1e6, batches, two);
			printf(" core_ns=%.0f core2_ns=%.0f core_ratio=%.2f\n", two[0], two[1],
			       two[1] / two[0]);
			envelope_free(&c2->env);
			envelope_free(&c->env);
			continue;
		}
		if (cold) {
			time_cold(c, cold, states);
			printf(" warm_ns=%.0f evicted_ns=%.0f shaken_ns=%.0f both_ns=%.0f\n",
			       states[0], states[1], states[2], states[3]);
			envelope_free(&c->env);
			continue;
		}
		time_steps(c, c->audit ? NSTEPS : STEP_RECORD, min_ms * 1e6, batches, steps);
		for (s = 0; s < (c->audit ? NSTEPS : STEP_RECORD); s++)
			printf(" %s_ns=%.0f", step_name[s], steps[s]);
		printf("\n");
		envelope_free(&c->env);
	}
out:
	for (i = 0; i < nreqs; i++)
		reqset_free(&reqs[i]);
	audit_close(c->audit);
	policy_free(p);
	policy_free(p2);
	free(c);
	free(c2);
	return 0;
}
