/* wide.c: a job for tests/migrate-opts.sh that a 32-bit host cannot take:
 * its global `total` is a long holding more than 32 bits, so a restore on
 * i686 refuses it by name (a precision loss, never a wrong value). STEPS
 * steps (argv[1]), each printing on stdout and "tick N" on stderr. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#define WORK 8000000  /* iterations per step: about 25 ms natively */

static long total = LONG_MAX / 1000;  /* over 32 bits where a long has 64 */

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 20;
    unsigned long long x = 1;
    for (int step = 0; step < steps; step++) {
        for (int i = 0; i < WORK; i++)
            x = (x ^ (x >> 7)) * 0x9E3779B97F4A7C15ull + (unsigned long long)i;
        total += (long)(x & 0xff);
        printf("step %d %ld\n", step, total % 1000003);
        fflush(stdout);
        fprintf(stderr, "tick %d\n", step);
    }
    return 0;
}
