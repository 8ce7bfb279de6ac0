/* longloops.c: long innermost loops with no call, which mtcc cuts into
 * chunks with a poll between them (src/mtcc/stripmine.c): indices of
 * several types, < and <=, a negative start, a bound that is an
 * expression, continue and a switch's break in the body, a loop nested in
 * another, a static declared in the body, loops that end next to their
 * type's limits, and loops it must leave whole (a break, a bound read
 * through a pointer, a short index). The helpers
 * are leaves (their loops run whole, see leaves.c); main's loops are cut. */
#include <stdio.h>
#include <stdlib.h>

static unsigned char bytes[50000];

static long long sum_squares(int n)
{
    long long s = 0;
    for (int i = 0; i < n; i++)
        s += (long long)i * i;
    return s;
}

static unsigned checksum(const unsigned char *p, size_t n)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i <= n - 1; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static long classify(long lo, long hi)
{
    long odd = 0, tens = 0, other = 0;
    for (long k = lo; k < hi + 1; ++k) {
        if (k % 3 == 0)
            continue;
        switch (k & 3) {
        case 1:
            odd += k;
            break;
        case 2:
            tens += k / 10;
            break;
        default:
            other--;
            break;
        }
    }
    return odd + tens * 7 + other;
}

int main(void)
{
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(i * 31 + 7);
    printf("sum of squares: %lld\n", sum_squares(30000));
    printf("checksum: %u\n", checksum(bytes, sizeof bytes));
    printf("classify: %ld\n", classify(-20000, 20000));
    /* left whole: the bound is read through a pointer */
    int n = 30000, *bound = &n;
    int *a = malloc((size_t)n * sizeof *a);
    for (int i = 0; i < *bound; i++)
        a[i] = i * 7 % 1000;
    /* left whole: the break ends the search */
    int m = n, first;
    for (first = 0; first < m; first += 1)
        if (a[first] > 990)
            break;
    printf("first above 990: %d\n", first);
    /* left whole: a short index is compared as an int */
    short t = 0;
    for (short s = -100; s <= 100; s++)
        t = (short)(t + s * s % 17);
    printf("shorts: %d\n", t);
    long long skip = 0;
    for (long long j = 5; j < 20005; j++) {
        if (j % 1000 == 0)
            printf("  at %lld\n", skip);
        skip += j & 15;
    }
    printf("skip: %lld\n", skip);
    /* nested: the inner loop is cut as well, and the outer one polls */
    unsigned long long mix = 0;
    for (int r = 0; r < 3; r++)
        for (long i = 0; i <= 10000; i++)
            mix = mix * 31 + (unsigned long long)(i ^ r);
    printf("mix: %llu\n", mix % 1000003);
    /* a static in the body stays one variable, though the body is written twice */
    int odd_total = 0;
    for (int i = 0; i < m; i++) {
        static int odd_seen;
        odd_seen += a[i] & 1;
        odd_total = odd_seen;
    }
    printf("odd: %d\n", odd_total);
    /* loops that end next to their type's limits: a chunk's end never wraps */
    unsigned top = 0;
    for (unsigned u = 4294960000u; u < 4294967295u; u++)
        top += u & 7;
    long long edge = 0;
    for (int k = 2147483647 - 5000; k <= 2147483647 - 1; k++)
        edge += k & 3;
    printf("limits: %u %lld\n", top, edge);
    free(a);
    return 0;
}
