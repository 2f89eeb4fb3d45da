/* SPDX-License-Identifier: Apache-2.0 */
/* cpu.c - the CPU features the SIMD paths need, read once (cpu.h). */
#include "cpu.h"

bool cpu_ssse3, cpu_avx2;

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((constructor)) static void cpu_read(void)
{
	__builtin_cpu_init();	/* ours may run before libgcc's own constructor */
	cpu_ssse3 = __builtin_cpu_supports("ssse3");
	cpu_avx2 = __builtin_cpu_supports("avx2");
}
#endif
