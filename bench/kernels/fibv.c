/* fibv.c: fib with each call's value kept in a local and the locals
 * returned summed, which mtcc normalises into fib.c's return (issue 17). */
#include <stdio.h>
#include <stdlib.h>

static long fib(int n)
{
    if (n < 2)
        return n;
    long a = fib(n - 1);
    long b = fib(n - 2);
    return a + b;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 40;
    printf("fib %ld\n", fib(n));
    return 0;
}
