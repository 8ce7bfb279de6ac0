/* state.c: a job for tests/migrate-hosts.sh. STEPS steps (argv[1]) over a
 * heap state of KIB KiB (argv[2]), each printing a digest on stdout and
 * "tick N" on stderr, then sleeping MS ms (argv[3]: the same pace natively
 * and under qemu, whatever the load). The state's size sets how long its migration streams
 * on a shaped link; `wide`, a long that needs 44 bits on an LP64 writer, is
 * what an ILP32 destination cannot hold (a precision refusal). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define WORK 200000     /* iterations per step: under a millisecond natively */
#define SAMPLES 4096    /* bytes of the state each step reads and changes */
#define WIDE_SHIFT 20   /* x >> 20 of a 64-bit x: more than 32 bits */

long wide;  /* a global: the refusal names it */

static unsigned long long mix(unsigned long long x, int i)
{
    return (x ^ (x >> 7)) * 0x9E3779B97F4A7C15ull + (unsigned long long)i;
}

/* Reads and changes SAMPLES bytes spread over the state: its digest. */
static unsigned long long touch(unsigned char *state, size_t size, unsigned long long x)
{
    unsigned long long sum = 0;
    for (int i = 0; i < SAMPLES; i++) {
        size_t at = (size_t)((x + (unsigned long long)i * 2654435761u) % size);
        sum = sum * 31 + state[at];
        state[at] = (unsigned char)(state[at] + i);
    }
    return sum;
}

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 20;
    size_t size = (size_t)(argc > 2 ? atol(argv[2]) : 64) * 1024;
    long ms = argc > 3 ? atol(argv[3]) : 0;
    struct timespec pause = { ms / 1000, ms % 1000 * 1000000 };
    unsigned char *state = malloc(size ? size : 1);
    if (!state)
        return 1;
    unsigned long long x = 1;
    for (size_t i = 0; i < size; i++)
        state[i] = (unsigned char)((x = mix(x, (int)i)) >> 56);
    for (int step = 0; step < steps; step++) {
        for (int i = 0; i < WORK; i++)
            x = mix(x, i);
        wide = (long)((x | 1ull << 63) >> WIDE_SHIFT);
        printf("step %d %llu %ld\n", step, touch(state, size ? size : 1, x) % 1000003, wide % 1000003);
        fflush(stdout);
        fprintf(stderr, "tick %d\n", step);
        if (ms > 0)
            nanosleep(&pause, NULL);
    }
    free(state);
    return 0;
}
