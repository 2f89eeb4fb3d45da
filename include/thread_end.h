/* SPDX-License-Identifier: Apache-2.0 */
/* thread_end.h - what a thread keeps between calls, freed when the thread ends. */
#ifndef PORTCULLIS_THREAD_END_H
#define PORTCULLIS_THREAD_END_H

#include <stdbool.h>

/*
 * thread_end_call - have DROP run when the calling thread exits (for the
 * thread that calls exit(), then): DROP frees what that thread keeps, its
 * thread-locals, and must do nothing when it keeps nothing. Cheap enough to
 * call each time something is kept. False when it cannot be arranged: the
 * caller then keeps nothing.
 */
bool thread_end_call(void (*drop)(void));

/*
 * KEEP_BETWEEN_CALLS - 1, or 0 under AddressSanitizer: memory a thread keeps
 * from one call for the next, or hands out of a block of its own, hides an
 * overrun or a use after free from the sanitizer, so its builds (make asan,
 * the fuzz targets) keep nothing and malloc every block.
 */
#if defined(__SANITIZE_ADDRESS__)
#define KEEP_BETWEEN_CALLS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEEP_BETWEEN_CALLS 0
#endif
#endif
#ifndef KEEP_BETWEEN_CALLS
#define KEEP_BETWEEN_CALLS 1
#endif

#endif
