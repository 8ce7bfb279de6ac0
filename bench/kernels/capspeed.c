/* capspeed.c: the state bench/capspeed.sh captures (docs/performance.md,
 * "Capture speed"). Usage: capspeed MB SHAPE, SHAPE one of global (a
 * global array of GLOBAL_MB megabytes of doubles, MB ignored), heap (blocks of 1 MB of longs), ptrs (blocks
 * of 1 MB of structs holding a pointer and numbers); it fills MB
 * megabytes, says "ready" on standard output, then polls until
 * `migthread checkpoint --exit` takes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the global array's size is fixed when it is built (-DGLOBAL_MB=N):
 * all of it is state, touched or not */
#ifndef GLOBAL_MB
#define GLOBAL_MB 1
#endif
#define BLOCK_BYTES (1024 * 1024)

typedef struct node {
    struct node *next;
    long v[7];
} node;

static double table[(size_t)GLOBAL_MB * 1024 * 1024 / sizeof(double)];

/* A call per round, so that the runtime has a point to stop at. */
static long poll_once(long i, const double *t)
{
    return i + (long)t[i % 1024];
}

static void fill_global(long mb)
{
    size_t n = (size_t)mb * 1024 * 1024 / sizeof(double);
    for (size_t i = 0; i < n; i++)
        table[i] = (double)i * 0.5;
}

static void **fill_heap(long mb, int ptrs)
{
    void **blocks = malloc((size_t)mb * sizeof *blocks);
    for (long b = 0; b < mb; b++) {
        if (ptrs) {
            size_t n = BLOCK_BYTES / sizeof(node);
            node *p = malloc(n * sizeof *p);
            for (size_t i = 0; i < n; i++) {
                p[i].next = i + 1 < n ? &p[i + 1] : NULL;
                for (int k = 0; k < 7; k++)
                    p[i].v[k] = (long)i * k;
            }
            blocks[b] = p;
        } else {
            size_t n = BLOCK_BYTES / sizeof(long);
            long *p = malloc(n * sizeof *p);
            for (size_t i = 0; i < n; i++)
                p[i] = (long)(i * 3 + (size_t)b);
            blocks[b] = p;
        }
    }
    return blocks;
}

int main(int argc, char **argv)
{
    long mb = argc > 1 ? atol(argv[1]) : 32;
    const char *shape = argc > 2 ? argv[2] : "global";
    void **blocks = NULL;
    if (strcmp(shape, "global") == 0)
        fill_global(GLOBAL_MB);
    else
        blocks = fill_heap(mb, strcmp(shape, "ptrs") == 0);
    printf("ready\n");
    fflush(stdout);
    long sum = 0;
    for (long i = 0; i < 100000000000L; i++)
        sum = poll_once(sum + i, table);
    printf("%ld %p\n", sum, (void *)blocks);
    return 0;
}
