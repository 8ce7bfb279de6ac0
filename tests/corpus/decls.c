/* decls.c: declarations of several variables at once, some of them
 * address-taken or arrays (pinned), some plain, with initializers that
 * call transformed functions and refer to earlier variables. */
#include <stdio.h>

static int twice(int v) { return 2 * v; }

static void bump(int *p, int by) { *p += by; }

static long walk(int n)
{
    long total = 0;
    for (int i = 0; i < n; i++) {
        int a = twice(i), b[3] = { i, i + 1, i + 2 }, *pa = &a, c;
        c = a + b[2];
        bump(pa, b[1]);
        bump(&b[0], twice(c));
        total += a + b[0] + c + *pa;
    }
    return total;
}

int main(void)
{
    int x = 3, y, *px = &x;
    long sums[4] = { 0 }, k = 0, last;
    y = twice(x);
    for (int r = 0; r < 40; r++) {
        bump(px, twice(r));
        sums[r % 4] += walk(r + y % 5);
        k += x;
        if (r % 8 == 7)
            printf("round %d: x %d k %ld sums %ld %ld %ld %ld\n", r, x, k, sums[0], sums[1], sums[2], sums[3]);
    }
    last = sums[0] + sums[1] + sums[2] + sums[3] + k;
    printf("last %ld y %d\n", last, y);
    return 0;
}
