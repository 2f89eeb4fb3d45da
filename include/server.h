/* SPDX-License-Identifier: Apache-2.0 */
/* server.h - serve the plugin protocol until SIGTERM. */
#ifndef PORTCULLIS_SERVER_H
#define PORTCULLIS_SERVER_H

#include "audit.h"

struct server_options {
	const char *policy_path;	/* reloaded on SIGHUP */
	const char *socket_path;	/* ignored when systemd passes a socket */
	unsigned threads;		/* connection threads, 0 = default */
};

/* Serve until SIGTERM/SIGINT; the policy must already be published
 * (snapshot_publish). Returns 0 after a clean stop, -1 if it could not start. */
int server_run(const struct server_options *opt, struct audit *audit);

#endif
