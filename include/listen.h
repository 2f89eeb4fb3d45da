/* SPDX-License-Identifier: Apache-2.0 */
/* listen.h - listening sockets for the plugin protocol and the metrics endpoint. */
#ifndef PORTCULLIS_LISTEN_H
#define PORTCULLIS_LISTEN_H

#include <stddef.h>

/*
 * listen_unix - a unix stream socket at PATH, mode 0600 from the moment it
 * exists. A stale socket left by an earlier run is replaced; any other file
 * at PATH is an error. Returns the descriptor (close-on-exec), or -1 with a
 * reason in err.
 */
int listen_unix(const char *path, char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * listen_addr - ADDR is "unix:PATH", "IPV4:PORT" or "[IPV6]:PORT" with a
 * numeric address (no name is resolved: a listener must not depend on DNS at
 * start). Returns the descriptor, or -1 with a reason in err. *is_unix tells
 * the caller to unlink PATH at exit.
 */
int listen_addr(const char *addr, int *is_unix, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
