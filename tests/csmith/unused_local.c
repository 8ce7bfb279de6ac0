/* unused_local.c: a local array declared and never named again, in a loop
 * (csmith seed 3407, reduced by hand): gcc drops it and the countable loop
 * around it, but mtcc kept such an array in the pinned record, and its
 * stores there, on every turn, can never be dropped: the mtcc build ran 85
 * times as long as the plain one (71 s against 0.8 s; past the script's
 * timeout on every ABI). A local nothing names is now left to the
 * compiler: no site saves it.
 * csmith.sh: every check passes */
#include <stdio.h>

static unsigned g = 1;
static long total;

/* not a leaf (it calls work), so its arrays would be pinned */
static long work(long n);

static long spin(long n)
{
    unsigned left = 30000000u;
again:
    --left;
    if (g) {
        int unused[9][6][4] = { { { 1, 2, 3, 4 }, { 5, 6, 7, 8 } }, { { 9, 10, 11, 12 } } };
        if (left)
            goto again;
    }
    return n > 0 ? work(n - 1) + (long)left : 0;
}

static long work(long n)
{
    total += n;
    return n & 1 ? spin(n) : n;
}

int main(void)
{
    long acc = 0;
    for (int i = 0; i < 40; i++)
        acc += work(i % 5);
    printf("%ld %ld\n", acc, total);
    return 0;
}
