/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_docker.c - the dockerd client against a fake dockerd on a unix socket:
 * plain and chunked answers, the token header, and the deadline when dockerd
 * hangs or is gone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "docker.h"

struct fake {
	char path[108];
	int fd;
	const char *answer;	/* NULL: accept, read, then hang until closed */
	char request[2048];
	pthread_t thread;
};

static void *serve_one(void *arg)
{
	struct fake *f = arg;
	int c = accept(f->fd, NULL, NULL);
	ssize_t n;

	if (c < 0)
		return NULL;
	n = read(c, f->request, sizeof(f->request) - 1);
	if (n > 0)
		f->request[n] = '\0';
	if (f->answer) {
		if (write(c, f->answer, strlen(f->answer)) < 0)
			perror("write");
	} else {
		char b[16];

		while (read(c, b, sizeof(b)) > 0)	/* hang: until the client gives up */
			;
	}
	close(c);
	return NULL;
}

static void fake_start(struct fake *f, const char *answer)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/portcullis-fake-%d.sock", (int)getpid());
	unlink(f->path);
	strcpy(sa.sun_path, f->path);
	f->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(f->fd >= 0);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->fd, 4), 0);
	f->answer = answer;
	assert_int_equal(pthread_create(&f->thread, NULL, serve_one, f), 0);
}

static void fake_stop(struct fake *f)
{
	pthread_join(f->thread, NULL);
	close(f->fd);
	unlink(f->path);
}

static void client_for(struct docker_client *c, const struct fake *f, int timeout_ms)
{
	char url[160], err[128];

	snprintf(url, sizeof(url), "unix://%s", f->path);
	assert_int_equal(docker_client_init(c, url, timeout_ms, err, sizeof(err)), 0);
}

static void test_content_length(void **state)
{
	struct docker_client c;
	struct fake f;
	char *body, err[128], hdr[128];
	size_t len;
	int status;

	(void)state;
	fake_start(&f, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		       "Content-Length: 15\r\n\r\n{\"Id\":\"abc123\"}");
	client_for(&c, &f, 2000);
	assert_int_equal(docker_get(&c, "/v1.41/containers/web/json", &status, &body, &len,
				    err, sizeof(err)), 0);
	fake_stop(&f);
	assert_int_equal(status, 200);
	assert_string_equal(body, "{\"Id\":\"abc123\"}");
	assert_int_equal(len, 15);
	free(body);
	/* the request carries the per-process token */
	assert_non_null(strstr(f.request, "GET /v1.41/containers/web/json HTTP/1.1\r\n"));
	snprintf(hdr, sizeof(hdr), "%s: %s\r\n", LOOKUP_TOKEN_HEADER, c.token);
	assert_non_null(strstr(f.request, hdr));
	assert_int_equal(strlen(c.token), 64);
}

static void test_chunked(void **state)
{
	struct docker_client c;
	struct fake f;
	char *body, err[128];
	size_t len;
	int status;

	(void)state;
	fake_start(&f, "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "6\r\n{\"mes\"\r\n0c\r\n:\"no such\"}\n\r\n0\r\n\r\n");
	client_for(&c, &f, 2000);
	assert_int_equal(docker_get(&c, "/x", &status, &body, &len, err, sizeof(err)), 0);
	fake_stop(&f);
	assert_int_equal(status, 404);
	assert_string_equal(body, "{\"mes\":\"no such\"}\n");
	free(body);
}

static void test_hanging_dockerd_times_out(void **state)
{
	struct docker_client c;
	struct timespec t0, t1;
	struct fake f;
	char *body, err[128];
	size_t len;
	int status;
	long ms;

	(void)state;
	fake_start(&f, NULL);
	client_for(&c, &f, 300);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(docker_get(&c, "/x", &status, &body, &len, err, sizeof(err)), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fake_stop(&f);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 250 && ms < 2000);
	assert_non_null(strstr(err, "deadline"));
	assert_null(body);
}

static void test_gone_and_bad_urls(void **state)
{
	struct docker_client c;
	char *body, err[128];
	size_t len;
	int status;

	(void)state;
	assert_int_equal(docker_client_init(&c, "unix:///nonexistent/docker.sock", 500, err,
					    sizeof(err)), 0);
	assert_int_equal(docker_get(&c, "/x", &status, &body, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot connect"));
	assert_int_equal(docker_client_init(&c, "http://x", 500, err, sizeof(err)), -1);
	assert_int_equal(docker_client_init(&c, "tcp://localhost", 500, err, sizeof(err)), -1);
	assert_int_equal(docker_client_init(&c, "tcp://127.0.0.1:99999", 500, err, sizeof(err)), -1);
}

static void test_malformed_answers(void **state)
{
	static const char *answers[] = {
		"garbage\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\n",
	};
	struct docker_client c;
	struct fake f;
	char *body, err[128];
	size_t len, i;
	int status;

	(void)state;
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		fake_start(&f, answers[i]);
		client_for(&c, &f, 1000);
		if (docker_get(&c, "/x", &status, &body, &len, err, sizeof(err)) == 0)
			fail_msg("accepted answer %zu", i);
		fake_stop(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_hanging_dockerd_times_out),
		cmocka_unit_test(test_gone_and_bad_urls),
		cmocka_unit_test(test_malformed_answers),
	};

	return cmocka_run_group_tests_name("docker", tests, NULL, NULL);
}
