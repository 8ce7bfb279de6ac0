/* twins/b.c: the same code as twins/a.c but for its names:
 * mtcc transforms both in one command, with nothing kept between them. */
#include "twins.h"

static long b_inner(int n)
{
    long s = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            s += (i ^ j) % 7;
    return s;
}

long b_work(int n)
{
    long total = 0;
    for (int k = 1; k <= n; k++)
        total += b_inner(k * 4);
    return total;
}
