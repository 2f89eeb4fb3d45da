/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_metrics.c - the Prometheus metrics: counts are exact under
 * concurrent decisions, series are bounded, label values are escaped, the
 * histogram is cumulative, and the listener serves GET /metrics on a unix
 * socket and on loopback TCP (and nothing else).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "audit.h"
#include "listen.h"
#include "metrics.h"

static void decision(struct decision *d, enum phase ph, enum outcome o, const char *rule,
		     enum action a)
{
	memset(d, 0, sizeof(*d));
	d->phase = ph;
	d->outcome = o;
	d->allow = o == OUTCOME_ALLOW || o == OUTCOME_WOULD_DENY;
	d->rule = rule;
	d->action = a;
}

static char *render(struct metrics *m)
{
	size_t len = 0;
	char *text = metrics_render(m, &len);

	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void has(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("missing \"%s\" in:\n%s", line, text);
}

static void test_metrics_counts_and_labels(void **state)
{
	struct metrics *m = metrics_new();
	struct decision d;
	char rule[64];
	char *text;
	int i;

	(void)state;
	assert_non_null(m);
	decision(&d, PHASE_REQUEST, OUTCOME_ALLOW, "admins", ACTION_ContainerCreate);
	for (i = 0; i < 3; i++)
		metrics_decision(m, &d, 5);
	/* A rule from a policy that is freed afterwards: the name is copied. */
	snprintf(rule, sizeof(rule), "we\"ird\\rule\nname");
	decision(&d, PHASE_REQUEST, OUTCOME_WOULD_DENY, rule, ACTION_ImageCreate);
	metrics_decision(m, &d, 30);
	memset(rule, 'x', sizeof(rule) - 1);
	decision(&d, PHASE_REQUEST, OUTCOME_DENY, NULL, ACTION_NONE);
	metrics_decision(m, &d, 2000000);
	decision(&d, PHASE_RESPONSE, OUTCOME_ALLOW, "admins", ACTION_ContainerCreate);
	metrics_decision(m, &d, -3);

	text = render(m);
	has(text, "# TYPE portcullis_decisions_total counter\n");
	has(text, "portcullis_decisions_total{phase=\"request\",decision=\"allow\",rule=\"admins\","
		  "action=\"ContainerCreate\"} 3\n");
	has(text, "portcullis_decisions_total{phase=\"response\",decision=\"allow\",rule=\"admins\","
		  "action=\"ContainerCreate\"} 1\n");
	has(text, "portcullis_decisions_total{phase=\"request\",decision=\"would-deny\","
		  "rule=\"we\\\"ird\\\\rule\\nname\",action=\"ImageCreate\"} 1\n");
	has(text, "portcullis_decisions_total{phase=\"request\",decision=\"deny\",rule=\"\","
		  "action=\"\"} 1\n");
	/* Cumulative buckets: 5us and -3us (as 0) <= 10us, 30us <= 50us, 2 s only in +Inf. */
	has(text, "portcullis_decision_duration_seconds_bucket{le=\"1e-05\"} 4\n");
	has(text, "portcullis_decision_duration_seconds_bucket{le=\"2.5e-05\"} 4\n");
	has(text, "portcullis_decision_duration_seconds_bucket{le=\"5e-05\"} 5\n");
	has(text, "portcullis_decision_duration_seconds_bucket{le=\"1\"} 5\n");
	has(text, "portcullis_decision_duration_seconds_bucket{le=\"+Inf\"} 6\n");
	has(text, "portcullis_decision_duration_seconds_count 6\n");
	has(text, "portcullis_decision_duration_seconds_sum 2.000045\n");
	has(text, "portcullis_reloads_total{result=\"ok\"} 0\n");
	has(text, "portcullis_policy_last_reload_successful 1\n");
	has(text, "portcullis_dry_run_forced 0\n");
	has(text, "portcullis_audit_write_errors_total 0\n");
	has(text, "portcullis_decisions_overflow_total 0\n");
	has(text, "portcullis_build_info{version=\"" PORTCULLIS_VERSION "\"} 1\n");
	/* Every line is a comment or a sample; the text ends with a newline. */
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
	metrics_free(m);
}

static void test_metrics_reloads_and_audit(void **state)
{
	struct metrics *m = metrics_new();
	struct decision d;
	struct audit *a;
	char err[256], *text;

	(void)state;
	a = audit_open("/dev/full", err, sizeof(err));
	assert_non_null(a);
	metrics_set_audit(m, a);
	metrics_set_dry_run(m, true);
	metrics_reload(m, true);
	metrics_reload(m, false);
	metrics_reload(m, false);
	decision(&d, PHASE_REQUEST, OUTCOME_ALLOW, "r", ACTION_SystemPing);
	audit_record(a, &d, NULL, 1);	/* ENOSPC: counted, not fatal */
	text = render(m);
	has(text, "portcullis_reloads_total{result=\"ok\"} 1\n");
	has(text, "portcullis_reloads_total{result=\"error\"} 2\n");
	has(text, "portcullis_policy_last_reload_successful 0\n");
	has(text, "portcullis_dry_run_forced 1\n");
	has(text, "portcullis_audit_write_errors_total 1\n");
	free(text);
	metrics_reload(m, true);
	text = render(m);
	has(text, "portcullis_policy_last_reload_successful 1\n");
	free(text);
	metrics_free(m);
	audit_close(a);
}

/* ---------------------------------------------------------------- concurrency */

#define THREADS 8
#define PER_THREAD 20000

static struct metrics *shared;

static void *hammer(void *arg)
{
	static const char *const rules[] = { "a", "b", "c", NULL };
	struct decision d;
	long t = (long)(intptr_t)arg;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		decision(&d, PHASE_REQUEST, (enum outcome)(i % 2 ? OUTCOME_ALLOW : OUTCOME_DENY),
			 rules[(i + t) % 4], ACTION_ContainerList);
		metrics_decision(shared, &d, i % 100);
	}
	return NULL;
}

/* Sum of every portcullis_decisions_total sample in TEXT. */
static unsigned long sum_decisions(const char *text, unsigned *series)
{
	const char *p = text;
	unsigned long sum = 0;

	*series = 0;
	while ((p = strstr(p, "\nportcullis_decisions_total{"))) {
		p = strchr(p, '}');
		sum += strtoul(p + 1, NULL, 10);
		(*series)++;
	}
	return sum;
}

static void test_metrics_concurrent_exact(void **state)
{
	pthread_t th[THREADS];
	unsigned series;
	char *text;
	long i;

	(void)state;
	shared = metrics_new();
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, (void *)(intptr_t)i), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	text = render(shared);
	assert_int_equal(sum_decisions(text, &series), THREADS * PER_THREAD);
	assert_int_equal(series, 8);	/* 4 rules (one is none) x 2 decisions */
	has(text, "portcullis_decision_duration_seconds_count 160000\n");
	free(text);
	metrics_free(shared);
}

/* More series than the table holds: the excess is counted, never lost. */
static void test_metrics_series_bounded(void **state)
{
	struct metrics *m = metrics_new();
	unsigned long overflow, counted;
	struct decision d;
	unsigned series;
	char rule[32], *text, *p;
	int i, n = METRICS_MAX_SERIES + 500;

	(void)state;
	for (i = 0; i < n; i++) {
		snprintf(rule, sizeof(rule), "rule-%d", i);
		decision(&d, PHASE_REQUEST, OUTCOME_ALLOW, rule, ACTION_SystemPing);
		metrics_decision(m, &d, 1);
	}
	text = render(m);
	counted = sum_decisions(text, &series);
	p = strstr(text, "\nportcullis_decisions_overflow_total ");
	assert_non_null(p);
	overflow = strtoul(p + strlen("\nportcullis_decisions_overflow_total "), NULL, 10);
	assert_true(overflow >= 500);
	assert_true(series <= METRICS_MAX_SERIES);
	assert_int_equal(counted + overflow, (unsigned long)n);
	free(text);
	metrics_free(m);
}

/* ---------------------------------------------------------------- listener */

/* One HTTP/1.0 request on FD; the whole response (caller frees). */
static char *http(int fd, const char *method, const char *path)
{
	char req[256], *buf = malloc(1 << 20);
	size_t n = 0;
	ssize_t got;

	assert_non_null(buf);
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: x\r\n\r\n", method, path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while ((got = read(fd, buf + n, (1 << 20) - 1 - n)) > 0)
		n += (size_t)got;
	buf[n] = '\0';
	close(fd);
	return buf;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static int connect_tcp(unsigned short port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void test_metrics_listener_unix(void **state)
{
	char dir[] = "/tmp/portcullis-metrics-XXXXXX", sock[128], addr[160], err[256], *r;
	struct metrics *m = metrics_new();
	struct decision d;
	struct stat st;
	sigset_t set;

	(void)state;
	/* As serve does: the listener thread inherits a mask without SIGHUP. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/m.sock", dir);
	snprintf(addr, sizeof(addr), "unix:%s", sock);
	decision(&d, PHASE_REQUEST, OUTCOME_ALLOW, "admins", ACTION_SystemPing);
	metrics_decision(m, &d, 1);
	if (metrics_listen(m, addr, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(stat(sock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	r = http(connect_unix(sock), "GET", "/metrics");
	has(r, " 200 OK\r\n");
	has(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8");
	has(r, "portcullis_decisions_total{phase=\"request\",decision=\"allow\",rule=\"admins\","
	       "action=\"SystemPing\"} 1\n");
	free(r);
	r = http(connect_unix(sock), "HEAD", "/metrics");
	has(r, " 200 OK\r\n");
	assert_null(strstr(r, "portcullis_decisions_total"));
	free(r);
	r = http(connect_unix(sock), "GET", "/");
	has(r, " 404 ");
	free(r);
	r = http(connect_unix(sock), "POST", "/metrics");
	has(r, " 405 ");
	free(r);
	assert_int_not_equal(metrics_listen(m, addr, err, sizeof(err)), 0);

	metrics_stop(m);
	assert_int_not_equal(stat(sock, &st), 0);	/* removed at stop */
	metrics_free(m);
	rmdir(dir);
}

static void test_metrics_listener_tcp(void **state)
{
	struct metrics *m = metrics_new();
	char addr[64], err[256], *r = NULL;
	unsigned short port = 0;
	int attempt;

	(void)state;
	for (attempt = 0; attempt < 20 && !port; attempt++) {
		unsigned short p = (unsigned short)(30000 + (getpid() * 7 + attempt * 131) % 30000);

		snprintf(addr, sizeof(addr), "127.0.0.1:%u", p);
		if (metrics_listen(m, addr, err, sizeof(err)) == 0)
			port = p;
	}
	if (!port)
		fail_msg("no free port: %s", err);
	r = http(connect_tcp(port), "GET", "/metrics");
	has(r, " 200 OK\r\n");
	has(r, "portcullis_decisions_total");
	free(r);
	metrics_free(m);	/* stops the listener too */
}

static void test_metrics_bad_addresses(void **state)
{
	static const char *const bad[] = {
		"localhost:9323", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:12ab", "[::1]9323", "[::1", "::1:9323", "unix:", "", ":9323",
		"unix:/nonexistent-dir/m.sock",
	};
	struct metrics *m = metrics_new();
	char err[256];
	size_t i;
	int is_unix;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (metrics_listen(m, bad[i], err, sizeof(err)) == 0)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_true(err[0] != '\0');
	}
	/* Not a socket: never replaced. */
	assert_int_equal(listen_addr("unix:/dev/null", &is_unix, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exists and is not a socket"));
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_counts_and_labels),
		cmocka_unit_test(test_metrics_reloads_and_audit),
		cmocka_unit_test(test_metrics_concurrent_exact),
		cmocka_unit_test(test_metrics_series_bounded),
		cmocka_unit_test(test_metrics_listener_unix),
		cmocka_unit_test(test_metrics_listener_tcp),
		cmocka_unit_test(test_metrics_bad_addresses),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
