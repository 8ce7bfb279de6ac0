/* drift.c: a job for tests/migrate.sh whose state changes while a pre-copy
 * crosses: a 4 MiB table, of which each step rewrites one eighth (the
 * next, round and round) and then sums the whole, printing the sum on
 * stdout and "tick N" on stderr. STEPS steps (argv[1]). A restore that
 * took any chunk from the wrong round of a pre-copy chain prints another
 * sum from there on. */
#include <stdio.h>
#include <stdlib.h>

#define TABLE (1u << 20)    /* entries: 4 MiB of unsigned */
#define SLICES 8u           /* a step rewrites TABLE / SLICES of them */
#define PASSES 12           /* of mixing per step: a few ms natively */

static unsigned table[TABLE];

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 20;
    for (unsigned i = 0; i < TABLE; i++)
        table[i] = i * 2654435761u;
    for (int step = 0; step < steps; step++) {
        unsigned first = (unsigned)step % SLICES * (TABLE / SLICES);
        for (int pass = 0; pass < PASSES; pass++)
            for (unsigned i = first; i < first + TABLE / SLICES; i++)
                table[i] = (table[i] ^ (table[i] >> 11)) * 0x9E3779B1u + (unsigned)step;
        unsigned long long sum = 0;
        for (unsigned i = 0; i < TABLE; i++)
            sum = sum * 31 + table[i];
        printf("step %d %llu\n", step, sum % 1000000007ull);
        fflush(stdout);
        fprintf(stderr, "tick %d\n", step);
    }
    return 0;
}
