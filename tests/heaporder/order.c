/* order.c: heap blocks compared by address. The program sorts its blocks
 * by address before and after a long computation (the checkpoint falls in
 * it) and prints whether the order changed, and a digest of it: a restore
 * must give every block a home in the writer's address order, the large
 * blocks (above glibc's mmap threshold) and the small ones reusing holes
 * alike. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NBLOCKS = 2000, LARGE = 300 * 1024, LARGE_EVERY = 400, MEDIUM = 64 * 1024, ROUNDS = 400, ROUND_BYTES = 8 };

static char *blocks[NBLOCKS];
static int order_before[NBLOCKS];
static int medium_every;  /* argv[1]: every so many blocks one of 64 KB (a heap of some MB) */

static size_t size_of(int i)
{
    if (i % LARGE_EVERY == 7)
        return (size_t)LARGE + (size_t)i;
    if (medium_every && i % medium_every == 3)
        return (size_t)MEDIUM + (size_t)i;
    return ROUND_BYTES + (size_t)(i * 37 % 200);
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)blocks[*(const int *)a], y = (uintptr_t)blocks[*(const int *)b];
    return x < y ? -1 : x > y;
}

/* The blocks' indices in address order; their digest. */
static uint64_t address_order(int *order)
{
    for (int i = 0; i < NBLOCKS; i++)
        order[i] = i;
    qsort(order, NBLOCKS, sizeof *order, by_address);
    uint64_t digest = 0;
    for (int i = 0; i < NBLOCKS; i++)
        digest = digest * 1000003u + (uint64_t)order[i];
    return digest;
}

static long round_of(int r)
{
    long sum = 0;
    for (int i = 0; i < NBLOCKS; i++)
        sum += blocks[i][r % ROUND_BYTES] + (long)(blocks[i] < blocks[(i + r) % NBLOCKS]);
    return sum;
}

int main(int argc, char **argv)
{
    medium_every = argc > 1 ? atoi(argv[1]) : 0;
    for (int i = 0; i < NBLOCKS; i++) {
        blocks[i] = malloc(size_of(i));
        memset(blocks[i], i & 0x7f, size_of(i));
    }
    /* holes below the top, taken again by smaller blocks: addresses out
     * of allocation order */
    for (int i = 0; i < NBLOCKS; i += 3) {
        free(blocks[i]);
        blocks[i] = malloc(size_of(i) / 2 + ROUND_BYTES);
        memset(blocks[i], i & 0x7f, size_of(i) / 2 + ROUND_BYTES);
    }
    uint64_t before = address_order(order_before);
    printf("before %lu\n", (unsigned long)(before % 1000000007u));
    long total = 0;
    for (int r = 0; r < ROUNDS; r++)
        total += round_of(r);
    int order_after[NBLOCKS];
    uint64_t after = address_order(order_after);
    int moved = 0;
    for (int i = 0; i < NBLOCKS; i++)
        moved += order_after[i] != order_before[i];
    printf("after %lu, %d of %d blocks in another place of the order, total %ld\n", (unsigned long)(after % 1000000007u), moved,
           NBLOCKS, total);
    return 0;
}
