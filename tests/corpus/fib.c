/* fib.c: deep and mutual recursion. */
#include <stdio.h>

static long fib(int n)
{
    if (n < 2)
        return n;
    long a = fib(n - 1);
    long b = fib(n - 2);
    return a + b;
}

static int is_odd(unsigned n);
static int is_even(unsigned n)
{
    if (n == 0)
        return 1;
    return is_odd(n - 1);
}
static int is_odd(unsigned n)
{
    if (n == 0)
        return 0;
    return is_even(n - 1);
}

static int depth(int n)
{
    if (n == 0)
        return 0;
    int d = depth(n - 1);
    return d + 1;
}

int main(void)
{
    for (int i = 10; i <= 22; i += 3)
        printf("fib(%d) = %ld\n", i, fib(i));
    for (unsigned n = 1000; n < 1006; n++)
        printf("%u is %s\n", n, is_even(n) ? "even" : "odd");
    printf("depth %d\n", depth(5000));
    return 0;
}
