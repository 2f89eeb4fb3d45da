/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker.c - a minimal HTTP/1.1 client for dockerd's API, with a deadline.
 *
 * Written by hand: our dependencies have no HTTP client (libmicrohttpd is a
 * server), and what we need is small: one GET per connection
 * (Connection: close), Content-Length or chunked bodies, a hard deadline on
 * the whole exchange. A lookup runs on the decision path and dockerd has no
 * timeout for a legacy plugin, so every step polls against the deadline; a
 * dockerd that hangs costs one decision timeout_ms and a denial, never a
 * hung plugin.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "errorf.h"
#include "docker.h"

#define MAX_RESPONSE (4u << 20)

int docker_client_init(struct docker_client *c, const char *url, int timeout_ms,
		       char *err, size_t errlen)
{
	unsigned char rnd[32];
	const char *colon;
	size_t i;
	char *end;
	long port;

	memset(c, 0, sizeof(*c));
	c->timeout_ms = timeout_ms;
	if (strncmp(url, "unix://", 7) == 0) {
		if (strlen(url + 7) == 0 || strlen(url + 7) >= sizeof(c->path))
			return errorf(err, errlen, "invalid docker host %s", url);
		strcpy(c->path, url + 7);
	} else if (strncmp(url, "tcp://", 6) == 0) {
		colon = strrchr(url + 6, ':');
		if (!colon || (size_t)(colon - (url + 6)) >= sizeof(c->host))
			return errorf(err, errlen, "invalid docker host %s (want tcp://HOST:PORT)", url);
		memcpy(c->host, url + 6, (size_t)(colon - (url + 6)));
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port > 65535)
			return errorf(err, errlen, "invalid port in docker host %s", url);
		c->port = (unsigned short)port;
	} else {
		return errorf(err, errlen, "docker host must be unix://PATH or tcp://HOST:PORT, not %s",
			    url);
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return errorf(err, errlen, "getrandom: %s", strerror(errno));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(c->token + 2 * i, 3, "%02x", rnd[i]);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait for EVENTS on fd until DEADLINE; 0 ready, -1 timeout or error. */
static int wait_fd(int fd, short events, long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -1;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int connect_by(const struct docker_client *c, long deadline, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd, so = 0;
	socklen_t solen = sizeof(so);

	if (c->path[0]) {
		struct sockaddr_un *sa = (struct sockaddr_un *)&ss;

		sa->sun_family = AF_UNIX;
		memcpy(sa->sun_path, c->path, strlen(c->path) + 1);
		sl = sizeof(*sa);
	} else {
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;

		sa->sin_family = AF_INET;
		sa->sin_port = htons(c->port);
		if (inet_pton(AF_INET, c->host, &sa->sin_addr) != 1)
			return errorf(err, errlen, "docker host %s is not a numeric IPv4 address",
				    c->host);
		sl = sizeof(*sa);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errorf(err, errlen, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		if (errno != EINPROGRESS && errno != EAGAIN) {
			errorf(err, errlen, "cannot connect to dockerd: %s", strerror(errno));
			goto fail;
		}
		if (wait_fd(fd, POLLOUT, deadline) != 0) {
			errorf(err, errlen, "timed out connecting to dockerd");
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &solen) != 0 || so != 0) {
			errorf(err, errlen, "cannot connect to dockerd: %s", strerror(so ? so : errno));
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static int send_all(int fd, const char *buf, size_t len, long deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, deadline) != 0)
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

/* Read until EOF (Connection: close) or the cap; -1 on timeout or overflow. */
static int recv_all(int fd, char **out, size_t *len, long deadline, char *err, size_t errlen)
{
	size_t cap = 16384, n = 0;
	char *buf = malloc(cap + 1), *nb;
	ssize_t r;

	if (!buf)
		return errorf(err, errlen, "out of memory");
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_RESPONSE) {
				free(buf);
				return errorf(err, errlen, "dockerd's answer is larger than %u bytes",
					    MAX_RESPONSE);
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return errorf(err, errlen, "out of memory");
			}
			buf = nb;
		}
		r = recv(fd, buf + n, cap - n, 0);
		if (r > 0) {
			n += (size_t)r;
		} else if (r == 0) {
			break;
		} else if (errno == EAGAIN || errno == EINTR) {
			if (wait_fd(fd, POLLIN, deadline) != 0) {
				free(buf);
				return errorf(err, errlen, "dockerd did not answer within the deadline");
			}
		} else {
			free(buf);
			return errorf(err, errlen, "reading from dockerd: %s", strerror(errno));
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* Decode a chunked body in place; -1 if malformed. */
static int dechunk(char *body, size_t len, size_t *outlen)
{
	size_t in = 0, out = 0;

	for (;;) {
		char *end;
		unsigned long sz;

		if (in >= len)
			return -1;
		sz = strtoul(body + in, &end, 16);
		if (end == body + in)
			return -1;
		end = strstr(end, "\r\n");
		if (!end)
			return -1;
		in = (size_t)(end - body) + 2;
		if (sz == 0)
			break;
		if (sz > len - in || len - in - sz < 2)
			return -1;
		memmove(body + out, body + in, sz);
		out += sz;
		in += sz + 2;
	}
	body[out] = '\0';
	*outlen = out;
	return 0;
}

/* Split a raw response into status and body (moved to the buffer's start). */
static int parse_response(char *raw, size_t len, int *status, size_t *bodylen,
			  char *err, size_t errlen)
{
	char *hdr_end = strstr(raw, "\r\n\r\n"), *line, *next;
	int chunked = 0;
	size_t off;

	if (!hdr_end || sscanf(raw, "HTTP/1.%*d %d", status) != 1)
		return errorf(err, errlen, "malformed answer from dockerd");
	*hdr_end = '\0';
	for (line = strstr(raw, "\r\n"); line; line = next) {
		line += 2;
		next = strstr(line, "\r\n");
		if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 && strstr(line + 18, "chunked"))
			chunked = 1;
	}
	off = (size_t)(hdr_end - raw) + 4;
	memmove(raw, raw + off, len - off);
	raw[len - off] = '\0';
	*bodylen = len - off;
	if (chunked && dechunk(raw, *bodylen, bodylen) != 0)
		return errorf(err, errlen, "malformed chunked answer from dockerd");
	return 0;
}

int docker_get(const struct docker_client *c, const char *path, int *status, char **body,
	       size_t *len, char *err, size_t errlen)
{
	long deadline = now_ms() + c->timeout_ms;
	char req[1024];
	char *raw = NULL;
	size_t rawlen = 0;
	int fd, n;

	*body = NULL;
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: docker\r\nUser-Agent: portcullis\r\n"
		     "%s: %s\r\nConnection: close\r\n\r\n", path, LOOKUP_TOKEN_HEADER, c->token);
	if (n < 0 || (size_t)n >= sizeof(req))
		return errorf(err, errlen, "lookup path too long");
	fd = connect_by(c, deadline, err, errlen);
	if (fd < 0)
		return -1;
	if (send_all(fd, req, (size_t)n, deadline) != 0) {
		close(fd);
		return errorf(err, errlen, "cannot send to dockerd within the deadline");
	}
	if (recv_all(fd, &raw, &rawlen, deadline, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	if (parse_response(raw, rawlen, status, len, err, errlen) != 0) {
		free(raw);
		return -1;
	}
	*body = raw;
	return 0;
}
