/* rawnums.c: a block of bytes (malloc(4096), line 14) that the program
 * uses as longs: its bytes restore on the same ABI,
 * and a restore on another ABI refuses it by its allocation site rather
 * than copy numbers in the wrong byte order or width. */
#include <stdio.h>
#include <stdlib.h>

static char *raw;

static long sum(const long *v, int n) { return n ? v[n - 1] + sum(v, n - 1) : 0; }

int main(void)
{
    raw = malloc(4096);
    long *v = (long *)raw;
    for (int round = 0; round < 30; round++) {
        v[round] = 1000L * round + 7;
        printf("%d %ld\n", round, sum(v, round + 1));
    }
    return 0;
}
