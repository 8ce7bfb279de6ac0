/* forkstop.c: how long a checkpoint stops the program (bench/forkstop.sh).
 * It fills MB megabytes of heap in blocks of BLOCK kilobytes, then runs
 * steps that each write a little of it, timing every step; the longest
 * step is the stop a checkpoint taken meanwhile cost (stopped or forked:
 * the unwinding, the rendezvous and the write or the fork, and the
 * rewinding), as the program itself saw it. Usage: forkstop MB BLOCK_KB
 * STEPS; prints the longest and the median step in milliseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The heap is made of pages of bytes, so that each block has a type. */
typedef struct page {
    char b[4096];
} page;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One step: a few writes into the heap (recursive, so that it is a
 * function with an adaptation point, as a real program's would be). */
static long step(page **blocks, long nblocks, size_t pages, long i, int depth)
{
    if (depth > 0)
        return step(blocks, nblocks, pages, i + 1, depth - 1);
    page *p = &blocks[(i * 7919) % nblocks][(size_t)(i * 4099) % pages];
    p->b[i % 4096] = (char)(p->b[i % 4096] + 1);
    return p->b[i % 4096];
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long mb = argc > 1 ? atol(argv[1]) : 1024;
    size_t pages = (size_t)(argc > 2 ? atol(argv[2]) : 1024) * 1024 / sizeof(page);
    long steps = argc > 3 ? atol(argv[3]) : 200000;
    long nblocks = (long)((size_t)mb * 1024 * 1024 / (pages * sizeof(page)));
    page **blocks = malloc((size_t)nblocks * sizeof *blocks);
    for (long i = 0; i < nblocks; i++) {
        blocks[i] = malloc(pages * sizeof(page));
        memset(blocks[i], (int)i, pages * sizeof(page));
    }
    double *took = malloc((size_t)steps * sizeof *took);
    long sum = 0;
    for (long i = 0; i < steps; i++) {
        double t0 = now_ms();
        sum += step(blocks, nblocks, pages, i, 2);
        took[i] = now_ms() - t0;
    }
    double longest = 0;
    for (long i = 0; i < steps; i++)
        if (took[i] > longest)
            longest = took[i];
    qsort(took, (size_t)steps, sizeof *took, by_value);
    printf("longest step %.3f ms, median %.6f ms (sum %ld)\n", longest, took[steps / 2], sum);
    return 0;
}
