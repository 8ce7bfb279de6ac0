/* pattern.c: a job for tests/migrate-opts.sh whose state compresses well:
 * a 4 MiB table of a short repeated pattern that every step reads. STEPS
 * steps (argv[1]), each printing its result on stdout and "tick N" on
 * stderr, as tests/run/ticker.c does. */
#include <stdio.h>
#include <stdlib.h>

#define TABLE (1u << 20)  /* entries: 4 MiB of unsigned */
#define PERIOD 61         /* the pattern's length */
#define WORK 4000000      /* reads per step */

static unsigned table[TABLE];

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 20;
    for (unsigned i = 0; i < TABLE; i++)
        table[i] = i % PERIOD * 2654435761u;
    unsigned long long x = 1;
    for (int step = 0; step < steps; step++) {
        for (int i = 0; i < WORK; i++)
            x = (x ^ table[(x + (unsigned)i) % TABLE]) * 0x9E3779B97F4A7C15ull + 1;
        printf("step %d %llu\n", step, x % 1000003);
        fflush(stdout);
        fprintf(stderr, "tick %d\n", step);
    }
    return 0;
}
