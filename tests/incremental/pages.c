/* pages.c: a deterministic program for incremental checkpoints: 48 heap
 * blocks of 64 KB and a global array, of which each step changes one
 * page, then prints a sum of everything. Usage: pages [STEPS [PAUSE_MS]]
 * (a pause after each step gives `migthread checkpoint` time to ask). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NBLOCKS 48
#define BLOCK_INTS 16384
#define GLOBAL_INTS 40000
#define PAGE_INTS 1024

static int *blocks[NBLOCKS];
static int table[GLOBAL_INTS];

static long long total(void)
{
    long long s = 0;
    for (int i = 0; i < NBLOCKS; i++)
        for (int k = 0; k < BLOCK_INTS; k++)
            s += (long long)blocks[i][k] * (k % 7 + 1);
    for (int k = 0; k < GLOBAL_INTS; k++)
        s += table[k];
    return s;
}

static void step(int n)
{
    int *b = blocks[(n * 7) % NBLOCKS];
    int page = (n * 5) % (BLOCK_INTS / PAGE_INTS);
    for (int k = 0; k < PAGE_INTS; k++)
        b[page * PAGE_INTS + k] += n + k;
    table[(n * 4099) % GLOBAL_INTS] += n;
}

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 40;
    int pause_ms = argc > 2 ? atoi(argv[2]) : 0;
    for (int i = 0; i < NBLOCKS; i++) {
        blocks[i] = malloc(BLOCK_INTS * sizeof(int));
        if (!blocks[i])
            return 1;
        for (int k = 0; k < BLOCK_INTS; k++)
            blocks[i][k] = i * 31 + k % 1000;
    }
    printf("%d blocks ready\n", NBLOCKS);
    fflush(stdout);  /* a test waits for this line before it asks for checkpoints */
    for (int n = 0; n < steps; n++) {
        step(n);
        printf("step %d: %lld\n", n, total());
        if (pause_ms)
            usleep((useconds_t)pause_ms * 1000);
    }
    for (int i = 0; i < NBLOCKS; i++)
        free(blocks[i]);
    return 0;
}
