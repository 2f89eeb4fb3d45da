/* SPDX-License-Identifier: Apache-2.0 */
/* cpu.h - what this CPU can do beyond x86-64's baseline, read once at start. */
#ifndef PORTCULLIS_CPU_H
#define PORTCULLIS_CPU_H

#include <stdbool.h>

/*
 * Set before main() and only read after: the SIMD paths (base64.c, json.c)
 * are compiled for these with target attributes and taken only when the CPU
 * has them; everything else runs the portable code. False off x86-64.
 */
extern bool cpu_ssse3, cpu_avx2;

#endif
