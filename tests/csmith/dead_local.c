/* dead_local.c: globals keep the addresses of locals of calls that have
 * returned and never use them again (csmith seeds 2 and 11, reduced): one
 * in a pinned record on the shadow stack, one on the C stack (a leaf's
 * locals are not pinned). The checkpoint must hold them as dangling
 * pointers, as ones into a freed block, not refuse them as pointers into
 * nothing saved.
 * csmith.sh: every check passes */
#include <stdio.h>

static int *keep;   /* into the pinned locals of a returned call */
static int *kept;   /* into the C stack frame of a returned leaf */
static long total;

static long leaf(long n)
{
    int local[4] = { (int)n, 4, 5, 6 };
    kept = &local[2];
    return local[n & 3];
}

/* recursive, so not a leaf: its array lives in a pinned record */
static long work(long n)
{
    int local[4] = { (int)n, 1, 2, 3 };
    keep = &local[1];
    total += local[0];
    return n > 0 ? work(n - 1) + local[1] : 0;
}

int main(void)
{
    long acc = 0;
    for (int i = 0; i < 200; i++)
        acc += work(i % 7) + leaf(i);
    printf("%ld %ld %d %d\n", acc, total, keep != NULL, kept != NULL);
    return 0;
}
