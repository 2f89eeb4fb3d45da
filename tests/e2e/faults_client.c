/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faults_client.c - the raw-socket side of tests/e2e/faults.sh: what bash and
 * curl cannot do on a unix socket.
 *
 *   faults_client send SOCKET TIMEOUT_MS [-s] [-q QUIET_MS] < BYTES
 *       Connect, write BYTES exactly as given (stdin), with -s shut down the
 *       writing side, then copy whatever comes back to stdout until the peer
 *       closes, TIMEOUT_MS have passed, or (-q) QUIET_MS pass without a byte
 *       after the first one. Prints "closed", "timeout" or "quiet" and the
 *       milliseconds taken on stderr. Exit 0 once connected and sent, 1 if
 *       either failed.
 *
 *   faults_client burst SOCKET N TIMEOUT_MS < REQUEST
 *       Open N connections, write REQUEST (one whole HTTP request, stdin) on
 *       each at once, and wait up to TIMEOUT_MS for every answer. One line per
 *       connection, in the order the answers complete: "MS STATUS BODY" (MS
 *       since the requests were written; "- 000 -" for none). From one
 *       process, so a burst does not measure the cost of starting N clients.
 *
 *   faults_client hold SOCKET N SECONDS [-p PREFIX] [-d DRIP_MS]
 *       Open N connections (each at once), write PREFIX (a partial request,
 *       C escapes \r \n allowed) on each, then, with -d, one more byte on each
 *       every DRIP_MS (slowloris). Prints "ready N" on stdout once all are
 *       open, then holds them for SECONDS (or until SIGTERM) and prints
 *       "done: N opened, K closed by the server, B bytes dripped".
 *
 *   faults_client dockerd SOCKET MODE SECONDS
 *       A fake dockerd on SOCKET for the ownership lookups, for SECONDS (or
 *       until SIGTERM). Every request's first line goes to stderr. MODE:
 *         hang      accept, read, never answer
 *         close     accept and close at once
 *         garbage   answer "NOT HTTP AT ALL" and close
 *         drip      a valid 200 answer, one byte every 250 ms
 *         big       HTTP 200 with a body of 5 MiB
 *         badjson   HTTP 200 with a body that is not JSON
 *         404       HTTP 404 (no such object)
 *         owner=U   HTTP 200, an inspect answer owned by U (label io.portcullis.owner)
 *       Prints "listening" on stdout once the socket accepts.
 *
 * Single-threaded, poll(2) only; every wait is bounded.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 8192

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		fprintf(stderr, "faults_client: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (unix_addr(path, &sa) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Raise the soft limit on descriptors to the hard one. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* ---------------------------------------------------------------- send */

static int cmd_send(int argc, char **argv)
{
	long timeout, quiet = -1, t0, deadline, left, last = -1;
	char *in = NULL, buf[65536];
	size_t len = 0, cap = 0;
	const char *how = "timeout";
	int fd, i, shut = 0, got = 0;
	ssize_t n;

	if (argc < 4)
		return 2;
	timeout = atol(argv[3]);
	for (i = 4; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0)
			shut = 1;
		else if (strcmp(argv[i], "-q") == 0 && i + 1 < argc)
			quiet = atol(argv[++i]);
		else
			return 2;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			in = realloc(in, cap);
			if (!in)
				return 1;
		}
		n = read(STDIN_FILENO, in + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	t0 = now_ms();
	deadline = t0 + timeout;
	fd = connect_to(argv[2]);
	if (fd < 0) {
		fprintf(stderr, "connect %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	/* A server may answer (and close) before it has read everything. */
	if (write_all(fd, in, len) != 0)
		fprintf(stderr, "send: %s (after the peer answered or closed)\n", strerror(errno));
	free(in);
	if (shut)
		shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long until = deadline;

		if (quiet >= 0 && got && last + quiet < until)
			until = last + quiet;
		left = until - now_ms();
		if (left <= 0) {
			how = (quiet >= 0 && got && until < deadline) ? "quiet" : "timeout";
			break;
		}
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			break;
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			how = "closed";
			break;
		}
		fwrite(buf, 1, (size_t)n, stdout);
		got = 1;
		last = now_ms();
	}
	fflush(stdout);
	fprintf(stderr, "%s %ld ms\n", how, now_ms() - t0);
	close(fd);
	return 0;
}

/* ---------------------------------------------------------------- burst */

struct answer {
	int fd;
	size_t have;
	char buf[8192];
	long ms;
};

/* A whole response in A->buf: headers and Content-Length bytes of body. */
static int answer_complete(const struct answer *a)
{
	const char *end = strstr(a->buf, "\r\n\r\n"), *cl;

	if (!end)
		return 0;
	cl = strcasestr(a->buf, "\r\nContent-Length:");
	if (!cl || cl > end)
		return 0;
	return a->have >= (size_t)(end + 4 - a->buf) + strtoul(cl + 17, NULL, 10);
}

static void print_answer(const struct answer *a)
{
	const char *body = strstr(a->buf, "\r\n\r\n");
	int status = 0;

	if (a->ms < 0 || sscanf(a->buf, "HTTP/1.%*d %d", &status) != 1 || !body) {
		printf("- 000 -\n");
		return;
	}
	body += 4;
	printf("%ld %d %.*s\n", a->ms, status, (int)strcspn(body, "\r\n"), body);
}

static int cmd_burst(int argc, char **argv)
{
	static struct answer ans[MAX_CONNS];
	static struct pollfd fds[MAX_CONNS];
	char req[65536];
	long n, timeout, t0, left;
	size_t rlen = 0;
	ssize_t r;
	int i, open_n = 0;

	if (argc != 5)
		return 2;
	n = atol(argv[3]);
	timeout = atol(argv[4]);
	if (n < 1 || n > MAX_CONNS)
		return 2;
	while ((r = read(STDIN_FILENO, req + rlen, sizeof(req) - rlen)) > 0)
		rlen += (size_t)r;
	raise_nofile();
	for (i = 0; i < n; i++) {
		ans[i].fd = connect_to(argv[2]);
		ans[i].ms = -1;
		if (ans[i].fd < 0) {
			fprintf(stderr, "faults_client: connection %d: %s\n", i + 1, strerror(errno));
			return 1;
		}
	}
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		if (write_all(ans[i].fd, req, rlen) != 0) {
			close(ans[i].fd);
			ans[i].fd = -1;
		} else {
			open_n++;
		}
	}
	while (open_n > 0 && (left = t0 + timeout - now_ms()) > 0) {
		for (i = 0; i < n; i++) {
			fds[i].fd = ans[i].fd;
			fds[i].events = POLLIN;
			fds[i].revents = 0;
		}
		if (poll(fds, (nfds_t)n, (int)left) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			struct answer *a = &ans[i];

			if (a->fd < 0 || !fds[i].revents)
				continue;
			r = recv(a->fd, a->buf + a->have, sizeof(a->buf) - 1 - a->have, 0);
			if (r > 0) {
				a->have += (size_t)r;
				a->buf[a->have] = '\0';
			}
			if (r <= 0 || answer_complete(a) || a->have == sizeof(a->buf) - 1) {
				if (r > 0 || a->have)
					a->ms = now_ms() - t0;
				print_answer(a);
				close(a->fd);
				a->fd = -1;
				open_n--;
			}
		}
	}
	for (i = 0; i < n; i++) {
		if (ans[i].fd >= 0) {
			ans[i].ms = -1;
			print_answer(&ans[i]);
			close(ans[i].fd);
		}
	}
	fflush(stdout);
	return 0;
}

/* ---------------------------------------------------------------- hold */

/* Undo \r, \n, \t and \\ escapes in place. */
static size_t unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '\\' && r[1]) {
			r++;
			*w++ = *r == 'r' ? '\r' : *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
			r++;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static int cmd_hold(int argc, char **argv)
{
	static struct pollfd fds[MAX_CONNS];
	long n, secs, drip = -1, deadline, next_drip;
	size_t plen = 0;
	char *prefix = NULL, buf[4096];
	unsigned long dripped = 0;
	int i, opened = 0, closed = 0;

	if (argc < 5)
		return 2;
	n = atol(argv[3]);
	secs = atol(argv[4]);
	for (i = 5; i < argc; i++) {
		if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
			prefix = argv[++i];
			plen = unescape(prefix);
		} else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
			drip = atol(argv[++i]);
		} else {
			return 2;
		}
	}
	if (n < 1 || n > MAX_CONNS)
		return 2;
	raise_nofile();
	for (i = 0; i < n; i++) {
		int fd = connect_to(argv[2]);

		if (fd < 0) {
			fprintf(stderr, "faults_client: connection %d: %s\n", i + 1, strerror(errno));
			break;
		}
		if (plen && write_all(fd, prefix, plen) != 0) {
			close(fd);
			fd = -1;
			closed++;
		}
		fds[i].fd = fd;
		fds[i].events = POLLIN;
		opened++;
	}
	printf("ready %d\n", opened);
	fflush(stdout);
	deadline = now_ms() + secs * 1000;
	next_drip = drip > 0 ? now_ms() + drip : deadline;
	while (!stop) {
		long now = now_ms(), until = next_drip < deadline ? next_drip : deadline;

		if (now >= deadline)
			break;
		if (drip > 0 && now >= next_drip) {
			for (i = 0; i < opened; i++) {
				if (fds[i].fd < 0)
					continue;
				if (write_all(fds[i].fd, "a", 1) == 0) {
					dripped++;
				} else {
					close(fds[i].fd);
					fds[i].fd = -1;
					closed++;
				}
			}
			next_drip = now + drip;
			continue;
		}
		if (poll(fds, (nfds_t)opened, (int)(until - now)) <= 0)
			continue;
		for (i = 0; i < opened; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			/* An answer (a 408 or 400) or a close: count the close. */
			if (recv(fds[i].fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				closed++;
			}
		}
	}
	for (i = 0; i < opened; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	printf("done: %d opened, %d closed by the server, %lu bytes dripped\n", opened, closed,
	       dripped);
	return opened == n ? 0 : 1;
}

/* ---------------------------------------------------------------- dockerd */

struct peer {
	int fd;
	size_t have;
	char req[8192];
	int answered;
	const char *out;	/* drip: what is left to send */
	size_t outlen;
	long next;
};

static char *answer_for(const char *mode, size_t *len)
{
	static const char body_fmt[] =
		"{\"Id\":\"4a1d3c0ffee0000000000000000000000000000000000000000000000000001\","
		"\"Name\":\"/c\",\"Config\":{\"Labels\":{\"io.portcullis.owner\":\"%s\"}}}";
	char body[512], *out;
	size_t n;

	if (strcmp(mode, "garbage") == 0) {
		out = strdup("NOT HTTP AT ALL\r\n\r\n");
	} else if (strcmp(mode, "404") == 0) {
		out = strdup("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
			     "Content-Length: 41\r\nConnection: close\r\n\r\n"
			     "{\"message\":\"No such container: nothing\"}");
	} else if (strcmp(mode, "badjson") == 0) {
		out = strdup("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\n"
			     "{\"Id\": [}");
	} else if (strcmp(mode, "big") == 0) {
		size_t big = 5u << 20, hl;
		char hdr[128];

		hl = (size_t)snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
				      "Connection: close\r\n\r\n", big);
		out = malloc(hl + big + 1);
		if (out) {
			memcpy(out, hdr, hl);
			memset(out + hl, ' ', big);
			out[hl] = '{';
			out[hl + big - 1] = '}';
			out[hl + big] = '\0';
		}
	} else {
		const char *owner = strncmp(mode, "owner=", 6) == 0 ? mode + 6 : "nobody";

		snprintf(body, sizeof(body), body_fmt, owner);
		n = strlen(body) + 128;
		out = malloc(n);
		if (out)
			snprintf(out, n, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
				 strlen(body), body);
	}
	if (out)
		*len = strlen(out);
	return out;
}

static int cmd_dockerd(int argc, char **argv)
{
	static struct peer peers[MAX_CONNS];
	static struct pollfd fds[MAX_CONNS + 1];
	struct sockaddr_un sa;
	const char *mode;
	long deadline;
	size_t alen = 0;
	char *answer = NULL;
	int lfd, i, npeers = 0, polled;

	if (argc != 5)
		return 2;
	mode = argv[3];
	deadline = now_ms() + atol(argv[4]) * 1000;
	if (strcmp(mode, "hang") != 0 && strcmp(mode, "close") != 0) {
		answer = answer_for(mode, &alen);
		if (!answer)
			return 1;
	}
	if (unix_addr(argv[2], &sa) != 0)
		return 1;
	unlink(argv[2]);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 512) != 0) {
		fprintf(stderr, "faults_client: listen on %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	raise_nofile();
	printf("listening\n");
	fflush(stdout);
	while (!stop && now_ms() < deadline) {
		long now = now_ms(), wait = deadline - now;
		int nf = 0;

		fds[nf].fd = lfd;
		fds[nf++].events = POLLIN;
		for (i = 0; i < npeers; i++) {
			if (peers[i].fd >= 0 && peers[i].outlen && peers[i].next - now < wait)
				wait = peers[i].next - now > 0 ? peers[i].next - now : 0;
			fds[nf].fd = peers[i].fd;
			fds[nf++].events = POLLIN;
		}
		if (wait > 1000)
			wait = 1000;
		if (poll(fds, (nfds_t)nf, (int)wait) < 0 && errno != EINTR)
			break;
		polled = npeers;
		if (fds[0].revents & POLLIN) {
			/* Blocking: a big answer is written whole, while the plugin
			 * reads; a send that cannot finish gives up after 5 s. */
			struct timeval tv = { .tv_sec = 5 };
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0)
				setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

			if (c >= 0 && strcmp(mode, "close") == 0) {
				fprintf(stderr, "accepted, closing\n");
				close(c);
			} else if (c >= 0 && npeers < MAX_CONNS) {
				memset(&peers[npeers], 0, sizeof(peers[npeers]));
				peers[npeers++].fd = c;
			} else if (c >= 0) {
				close(c);
			}
		}
		now = now_ms();
		for (i = 0; i < npeers; i++) {
			struct peer *p = &peers[i];
			ssize_t n;

			if (p->fd < 0)
				continue;
			if (i < polled && (fds[i + 1].revents & (POLLIN | POLLHUP))) {
				n = recv(p->fd, p->req + p->have, sizeof(p->req) - 1 - p->have, 0);
				if (n <= 0) {
					close(p->fd);
					p->fd = -1;
					continue;
				}
				p->have += (size_t)n;
				p->req[p->have] = '\0';
			}
			if (!p->answered && strstr(p->req, "\r\n\r\n")) {
				p->answered = 1;
				fprintf(stderr, "request: %.*s\n", (int)strcspn(p->req, "\r\n"), p->req);
				if (answer) {
					p->out = answer;
					p->outlen = alen;
					p->next = now;
				}
			}
			if (p->outlen && now >= p->next) {
				size_t chunk = strcmp(mode, "drip") == 0 ? 1 : p->outlen;

				if (write_all(p->fd, p->out, chunk) != 0) {
					close(p->fd);
					p->fd = -1;
					continue;
				}
				p->out += chunk;
				p->outlen -= chunk;
				p->next = now + 250;
				if (!p->outlen) {
					close(p->fd);
					p->fd = -1;
				}
			}
		}
	}
	for (i = 0; i < npeers; i++)
		if (peers[i].fd >= 0)
			close(peers[i].fd);
	close(lfd);
	unlink(argv[2]);
	free(answer);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	int rc = 2;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		rc = cmd_send(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "burst") == 0)
		rc = cmd_burst(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "hold") == 0)
		rc = cmd_hold(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "dockerd") == 0)
		rc = cmd_dockerd(argc, argv);
	if (rc == 2)
		fprintf(stderr, "usage: faults_client send SOCKET TIMEOUT_MS [-s] [-q QUIET_MS]\n"
			"       faults_client burst SOCKET N TIMEOUT_MS < REQUEST\n"
			"       faults_client hold SOCKET N SECONDS [-p PREFIX] [-d DRIP_MS]\n"
			"       faults_client dockerd SOCKET MODE SECONDS\n");
	return rc;
}
