/* hash_avx2.c: XXH3's own AVX2 kernel for the checkpoint writer's hashes
 * (ckpt_write.c), chosen at run time on x86_64 CPUs that have AVX2: the
 * runtime is built for baseline x86_64, whose SSE2 kernel hashes at about
 * half the speed. XXH3 gives the same digest whichever kernel runs. */

/* before xxhash.h's first inclusion: its kernels are compiled for AVX2 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("avx2")
#define XXH_VECTOR XXH_AVX2
#endif

#include "hash_avx2.h"

#if CK_HASH_AVX2
int ck_hash_avx2_usable(void)
{
    return __builtin_cpu_supports("avx2");  /* a load of what libgcc found at start-up (the OS saves the registers too) */
}

void ck_hash_update_avx2(XXH3_state_t *st, const void *p, size_t n)
{
    XXH3_64bits_update(st, p, n);
}
#else
typedef int hash_avx2_unused;  /* ISO C wants a translation unit to hold something */
#endif
