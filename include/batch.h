/* SPDX-License-Identifier: Apache-2.0 */
/*
 * batch.h - lines queued by many threads and written by one, in batches: the
 * audit log's default mode (spec/audit.md). A decision copies its line into
 * its thread's shard of the queue; a writer thread hands each shard's lines to
 * a sink with one call per shard, BATCH_MS after the first of them.
 */
#ifndef PORTCULLIS_BATCH_H
#define PORTCULLIS_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#define BATCH_MS 5		/* a line waits at most this long (plus the write) */
#define BATCH_WAIT_MS 100	/* the longest a line waits for room in a full shard */

struct batch;

/* Write N bytes of whole lines, RECORDS of them; called by the writer only. */
typedef void (*batch_sink)(void *ctx, const char *buf, size_t n, unsigned long records);

/* Start the writer thread; NULL with a reason in ERR. */
struct batch *batch_start(batch_sink sink, void *ctx, char *err, size_t errlen);

/*
 * Queue one line (N bytes, its newline included). 1: queued. 0: not queued,
 * write it yourself (longer than a batch, or the writer is stopping). -1: the
 * shard stayed full for BATCH_WAIT_MS (the sink is stuck): count it lost;
 * until the writer gets a batch out, later lines are refused at once.
 */
int batch_put(struct batch *b, const char *line, size_t n);

/*
 * Have everything queued written, stop the writer and free B. Waits at most
 * STOP_WAIT_S for a writer stuck in its sink; then returns false and leaves
 * B (and what the sink uses) to the process exit.
 */
bool batch_stop(struct batch *b);

#endif
