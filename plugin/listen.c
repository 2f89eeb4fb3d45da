/* SPDX-License-Identifier: Apache-2.0 */
/*
 * listen.c - listening sockets: the plugin's unix socket, and the metrics
 * endpoint's unix socket or loopback TCP port. Both are created here rather
 * than by libmicrohttpd so that permissions are right before the first
 * connection can arrive.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

#define BACKLOG 128

int listen_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long (max %zu): %s", sizeof(sa.sun_path) - 1,
			 path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* Replace a stale socket from an earlier run, never any other file. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", path);
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
	if (listen(fd, BACKLOG) != 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* "PORT" as 1..65535, nothing else. */
static int parse_port(const char *s, unsigned short *port)
{
	char *end;
	long n;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < 1 || n > 65535)
		return -1;
	*port = (unsigned short)n;
	return 0;
}

static int listen_inet(const char *addr, char *err, size_t errlen)
{
	const char *orig = addr;
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	char host[64];
	const char *colon, *port_s;
	unsigned short port;
	socklen_t salen;
	size_t hlen;
	int fd, one = 1;

	if (addr[0] == '[') {
		colon = strchr(addr, ']');
		if (!colon || colon[1] != ':')
			goto bad;
		hlen = (size_t)(colon - addr - 1);
		port_s = colon + 2;
		addr++;
	} else {
		/* An IPv6 address needs brackets: "::1:9323" has no clear port. */
		colon = strchr(addr, ':');
		if (!colon || strchr(colon + 1, ':'))
			goto bad;
		hlen = (size_t)(colon - addr);
		port_s = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host) || parse_port(port_s, &port) != 0)
		goto bad;
	memcpy(host, addr, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		salen = sizeof(*in4);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		salen = sizeof(*in6);
	} else {
		goto bad;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* A restart must not wait for the last run's TIME_WAIT connections. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, salen) != 0 || listen(fd, BACKLOG) != 0) {
		close(fd);
		goto fail;
	}
	return fd;
fail:
	snprintf(err, errlen, "cannot listen on %s: %s", orig, strerror(errno));
	return -1;
bad:
	snprintf(err, errlen, "\"%s\" is not unix:PATH, IPV4:PORT or [IPV6]:PORT "
		 "(a numeric address and a port 1-65535)", orig);
	return -1;
}

int listen_addr(const char *addr, int *is_unix, char *err, size_t errlen)
{
	*is_unix = strncmp(addr, "unix:", 5) == 0;
	if (*is_unix) {
		if (addr[5] == '\0') {
			snprintf(err, errlen, "unix: needs a path");
			return -1;
		}
		return listen_unix(addr + 5, err, errlen);
	}
	return listen_inet(addr, err, errlen);
}
