/* sieve.c: a sieve of Eratosthenes in a heap byte array, in segments. */
#include <stdio.h>
#include <stdlib.h>

static int count_segment(unsigned char *composite, long lo, long hi)
{
    int n = 0;
    for (long i = lo; i < hi; i++)
        if (!composite[i])
            n++;
    return n;
}

static void cross_out(unsigned char *composite, long p, long limit)
{
    for (long m = p * p; m < limit; m += p)
        composite[m] = 1;
}

int main(void)
{
    long limit = 2000000;
    unsigned char *composite = calloc(limit, 1);
    composite[0] = composite[1] = 1;
    for (long p = 2; p * p < limit; p++)
        if (!composite[p])
            cross_out(composite, p, limit);
    long total = 0;
    for (long lo = 0; lo < limit; lo += 100000) {
        int c = count_segment(composite, lo, lo + 100000);
        total += c;
        printf("[%ld, %ld): %d primes, %ld so far\n", lo, lo + 100000, c, total);
    }
    return 0;
}
