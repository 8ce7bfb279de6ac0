/* unflushed.c: standard output holds bytes not yet flushed at every
 * adaptation point (no newline, a file or a pipe: fully buffered), so a
 * forked checkpoint's writer that flushed the program's stdio would show
 * them twice (tests/fork.sh). */
#include <stdio.h>

static long f(long i)
{
    return (i * 7919) % 10007;
}

int main(void)
{
    long sum = 0;
    for (long i = 0; i < 3000; i++) {
        sum += f(i);
        printf("%ld,", sum % 1000);
        if (i % 500 == 499)
            printf("[%ld]", i);
    }
    printf("\nend %ld\n", sum);
    return 0;
}
