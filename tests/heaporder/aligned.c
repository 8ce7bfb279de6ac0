/* aligned.c: blocks from aligned_alloc, posix_memalign, memalign and
 * valloc keep their alignment across a restore. The program asked for it and may rely on
 * it (aligned vector loads, tag bits below the alignment, a mask that
 * finds a block's start), so after the checkpoint it prints each block's
 * address modulo its alignment, which must be 0, and the sum of its
 * bytes. A checkpoint of the restored program keeps it again. */
#define _DEFAULT_SOURCE  /* valloc */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The program looks at its addresses' low bits itself: mtcc is told that
 * this spot keeps no address (README, "Pointers kept in integers"). */
#ifndef MT_NOT_A_POINTER
#define MT_NOT_A_POINTER(e) (e)
#endif

enum { NBLOCKS = 12, ROUNDS = 300 };

struct block {
    unsigned char *bytes;
    size_t align, size;
};

static struct block blocks[NBLOCKS];

static long round_of(int r)
{
    long sum = 0;
    for (int i = 0; i < NBLOCKS; i++)
        sum += blocks[i].bytes[(size_t)r % blocks[i].size];
    return sum;
}

int main(void)
{
    const size_t aligns[] = { 32, 64, 256, (size_t)sysconf(_SC_PAGESIZE) };
    for (int i = 0; i < NBLOCKS; i++) {
        size_t align = aligns[i % 4], size = align * (size_t)(1 + i % 3);
        unsigned char *p = NULL;
        if (i % 4 == 1)
            p = aligned_alloc(align, size * sizeof *p);
        else if (i % 4 == 2)
            p = memalign(align, size * sizeof *p);
        else if (i % 4 == 3)
            p = valloc(size * sizeof *p);
        else if (posix_memalign((void **)&p, align, size * sizeof *p) != 0)
            p = NULL;
        if (!p)
            return 1;
        memset(p, i + 1, size);
        blocks[i] = (struct block){ p, align, size };
    }
    long total = 0;
    for (int r = 0; r < ROUNDS; r++)
        total += round_of(r);
    int misaligned = 0;
    for (int i = 0; i < NBLOCKS; i++)
        misaligned += MT_NOT_A_POINTER((uintptr_t)blocks[i].bytes) % blocks[i].align != 0;
    printf("%d of %d blocks misaligned, total %ld\n", misaligned, NBLOCKS, total);
    for (int i = 0; i < NBLOCKS; i++)
        free(blocks[i].bytes);
    return 0;
}
