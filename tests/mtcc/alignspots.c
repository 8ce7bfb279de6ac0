/* alignspots.c: address arithmetic on low bits, each line that mtcc must
 * diagnose marked SPOT (what a restore cannot keep: bits above malloc's
 * alignment, read or kept anywhere but in the pointer aligned in place),
 * the others not (tag bits within it; a pointer aligned in place). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ALIGN_UP(p, a) ((__typeof__(p))(((uintptr_t)(p) + (a) - 1) & ~((uintptr_t)(a) - 1)))

static uintptr_t kept;
static long offset;

int main(void)
{
    char *a = malloc(4096 * 3), *b;
    double *d = malloc(800 + 64);
    b = (char *)((uintptr_t)a + 4096 - (uintptr_t)a % 4096); /* SPOT: another pointer */
    offset = (long)((uintptr_t)a % 4096);                    /* SPOT: the bits kept as a number */
    kept = (uintptr_t)a & ~(uintptr_t)4095;                   /* SPOT: a page of it kept */
    offset += (long)((uintptr_t)a & 4095);                    /* SPOT */
    a = (char *)((uintptr_t)a + 4096 - (uintptr_t)b % 4096); /* SPOT: bits of another address */
    a = (char *)((uintptr_t)a + 4096 - (uintptr_t)a % 4096);
    d = ALIGN_UP(d, 64);
    d = (double *)((uintptr_t)d + (-(uintptr_t)d & 63));
    kept = (uintptr_t)d | 1;
    kept &= ~(uintptr_t)7;
    offset += (long)(kept % 8) + (long)(kept & 7);
    offset += (long)((intptr_t)d % 8);                        /* SPOT: a signed remainder */
    printf("%ld %d\n", offset > -1, a != NULL && d != NULL);
    return 0;
}
