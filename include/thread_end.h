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

#endif
