/* SPDX-License-Identifier: Apache-2.0 */
/* server.h - serve the plugin protocol until SIGTERM. */
#ifndef PORTCULLIS_SERVER_H
#define PORTCULLIS_SERVER_H

#include <stdbool.h>
#include "audit.h"
#include "docker.h"
#include "lookup.h"

struct server_options {
	const char *policy_path;	/* reloaded on SIGHUP */
	const char *socket_path;	/* ignored when systemd passes a socket */
	bool dry_run;			/* force every reloaded policy into dry-run too */
	const char *metrics_addr;	/* serve GET /metrics there (listen.h), or NULL */
	const struct lookup *lookup;	/* resolves objects for owner rules, or NULL */
	const struct docker_client *docker;	/* to read the engine's version, or NULL */
};

/* Serve until SIGTERM/SIGINT; the policy must already be published
 * (snapshot_publish), forced into dry-run by the caller when opt->dry_run.
 * Returns 0 after a clean stop, -1 if it could not start (the plugin socket
 * or the metrics listener). */
int server_run(const struct server_options *opt, struct audit *audit);

#endif
