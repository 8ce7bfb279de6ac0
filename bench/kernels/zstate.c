/* zstate.c: the state bench/compress.sh checkpoints plain and compressed
 * (docs/performance.md, "Compressed checkpoint files"). Usage: zstate MB
 * KIND, KIND one of ints (heap blocks of 1 MB of ints that count and
 * repeat, as tables and counters do: compressible), doubles (a smooth
 * field of doubles, as a simulation's: numeric data that compresses
 * little), random (xorshift bytes: incompressible). It fills MB megabytes,
 * then polls: MIGTHREAD_AFTER_POLLS takes the checkpoint, and a restored
 * run prints the state's sum. With a third argument SECONDS it prints
 * "ready" once filled and polls until SECONDS after that (wall clock, so
 * a restored run ends at once when they are past): migthread checkpoint
 * asks it meanwhile. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCK_BYTES (1024 * 1024)
#define POLLS 100

static void fill(unsigned char *b, long k, const char *kind)
{
    if (strcmp(kind, "ints") == 0) {
        int *v = (int *)b;
        for (long i = 0; i < BLOCK_BYTES / (long)sizeof(int); i++)
            v[i] = (int)(k * 31 + i % 1000);
    } else if (strcmp(kind, "doubles") == 0) {
        double *v = (double *)b;
        for (long i = 0; i < BLOCK_BYTES / (long)sizeof(double); i++)
            v[i] = sin((double)(k * BLOCK_BYTES / 8 + i) * 1e-4) * 100.0;
    } else {
        unsigned long long x = 0x9e3779b97f4a7c15ULL * (unsigned long long)(k + 1);
        for (long i = 0; i < BLOCK_BYTES; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b[i] = (unsigned char)x;
        }
    }
}

/* A call per round, so that the runtime has a point to stop at. */
static unsigned long poll_once(unsigned long s, const unsigned char *b, long i)
{
    return s + b[i % BLOCK_BYTES];
}

int main(int argc, char **argv)
{
    long mb = argc > 1 ? atol(argv[1]) : 16;
    const char *kind = argc > 2 ? argv[2] : "ints";
    unsigned char **blocks = malloc((size_t)mb * sizeof *blocks);
    if (!blocks)
        return 1;
    for (long k = 0; k < mb; k++) {
        blocks[k] = malloc(BLOCK_BYTES);
        if (!blocks[k])
            return 1;
        fill(blocks[k], k, kind);
    }
    unsigned long s = 0;
    for (long i = 0; i < POLLS; i++)
        s = poll_once(s, blocks[i % mb], i);
    if (argc > 3) {
        time_t until = time(NULL) + atol(argv[3]);
        printf("ready\n");
        fflush(stdout);
        struct timespec ms = { 0, 1000000 };
        for (long i = 0; time(NULL) < until; i++) {
            s = poll_once(s, blocks[i % mb], i) - blocks[i % mb][i % BLOCK_BYTES];
            nanosleep(&ms, NULL);
        }
    }
    for (long k = 0; k < mb; k++)
        for (long i = 0; i < BLOCK_BYTES; i += 4096)
            s += blocks[k][i];
    printf("%lu\n", s);
    return 0;
}
