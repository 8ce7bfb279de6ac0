/* ticker.c: a job for tests/run.sh and tests/slurm.sh. STEPS steps of
 * work (argv[1], default 20), each printing its result on stdout (flushed,
 * as a batch job's output file would otherwise hold it back) and then
 * "tick N" on stderr, so that a test can tell how far the job is without
 * sleeping. */
#include <stdio.h>
#include <stdlib.h>

#define WORK 8000000  /* iterations per step: about 25 ms natively */

static unsigned long long mix(unsigned long long x, int i)
{
    return (x ^ (x >> 7)) * 0x9E3779B97F4A7C15ull + (unsigned long long)i;
}

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 20;
    unsigned long long x = 1;
    for (int step = 0; step < steps; step++) {
        for (int i = 0; i < WORK; i++)
            x = mix(x, i);
        printf("step %d %llu\n", step, x % 1000003);
        fflush(stdout);
        fprintf(stderr, "tick %d\n", step);
    }
    return 0;
}
