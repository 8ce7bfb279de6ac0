/* hash_avx2.h: the AVX2 kernel of XXH3 for the checkpoint writer, where the
 * compiler can build it (x86_64 with gcc); elsewhere CK_HASH_AVX2 is 0. */
#ifndef MT_HASH_AVX2_H
#define MT_HASH_AVX2_H

#include <stddef.h>

#include <xxhash.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CK_HASH_AVX2 1
/* nonzero when this CPU runs AVX2 code */
int ck_hash_avx2_usable(void);
/* XXH3_64bits_update through the AVX2 kernel */
void ck_hash_update_avx2(XXH3_state_t *st, const void *p, size_t n);
#else
#define CK_HASH_AVX2 0
#endif

#endif
