/* dead_local.c: a global keeps the address of a local of a call that has
 * returned and never uses it again (csmith seeds 2 and 11, reduced). The
 * checkpoint must hold it as a dangling pointer, as one into a freed block,
 * not refuse it as a pointer into nothing saved.
 * csmith.sh: every check passes */
#include <stdio.h>

static int *keep;   /* into the pinned locals of a returned call */
static long total;

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
        acc += work(i % 7);
    printf("%ld %ld %d\n", acc, total, keep != NULL);
    return 0;
}
