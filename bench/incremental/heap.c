/* heap.c: the incremental checkpoint benchmark's program: MB megabytes of
 * heap in blocks of 1 MB, filled; then, each time the file GO.N appears
 * (N = 1, 2, ...), one page in a hundred (chosen by a fixed generator)
 * gets one word changed: one page in each run of a hundred, at a place in
 * it drawn by a fixed generator, so exactly 1% of the pages. It says "ready" and "changed N" on stdout and
 * waits at adaptation points in between, where a checkpoint is taken.
 * Usage: heap MB GO_PREFIX ROUNDS */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BLOCK_LONGS (1024 * 1024 / sizeof(long))
#define PAGE_LONGS (4096 / sizeof(long))

static long **blocks;
static unsigned long long rng = 88172645463325252ull;

static unsigned long long next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void wait_for(const char *prefix, int n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s.%d", prefix, n);
    int done = 0;
    /* the outer loop is not innermost: it has an adaptation point (an
     * innermost while loop runs to its end before a capture starts) */
    while (!done)
        for (int i = 0; i < 10 && !done; i++)
            if (!(done = access(path, F_OK) == 0))
                usleep(1000);
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    long mb = atol(argv[1]), rounds = atol(argv[3]);
    blocks = malloc((size_t)mb * sizeof *blocks);
    for (long i = 0; i < mb; i++) {
        blocks[i] = malloc(BLOCK_LONGS * sizeof(long));
        for (size_t k = 0; k < BLOCK_LONGS; k++)
            blocks[i][k] = (long)(i * 7919 + k);
    }
    printf("ready\n");
    fflush(stdout);
    long pages = mb * (long)(BLOCK_LONGS / PAGE_LONGS);
    for (int r = 1; r <= rounds; r++) {
        wait_for(argv[2], r);
        for (long p = 0; p < pages / 100; p++) {
            unsigned long long page = (unsigned long long)p * 100 + next() % 100;
            blocks[page / (BLOCK_LONGS / PAGE_LONGS)][(page % (BLOCK_LONGS / PAGE_LONGS)) * PAGE_LONGS] += r;
        }
        printf("changed %d\n", r);
        fflush(stdout);
    }
    wait_for(argv[2], (int)rounds + 1);
    return 0;
}
