/* SPDX-License-Identifier: Apache-2.0 */
/* lookup_docker.h - struct lookup backed by dockerd's inspect endpoints. */
#ifndef PORTCULLIS_LOOKUP_DOCKER_H
#define PORTCULLIS_LOOKUP_DOCKER_H

#include "docker.h"
#include "lookup.h"

/* LK resolves through C (which must outlive LK) and carries C's token. */
void lookup_docker_init(struct lookup *lk, const struct docker_client *c);

#endif
