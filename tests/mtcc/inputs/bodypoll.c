/* bodypoll.c: a loop whose every turn passes a call with its check after
 * it needs no poll on its back edge (the check is the turn's adaptation
 * point); one where a continue, a condition or a goto can skip the call
 * keeps its poll. mtcc.sh counts the save functions of each. */
#include <stdio.h>

static int halvings(int n)  /* not a leaf: it calls itself, not in tail position */
{
    if (n <= 1)
        return 0;
    int rest = halvings(n / 2);
    return rest + 1;
}

static int always(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++) {
        s += halvings(i);
        s ^= i;
    }
    return s;
}

static int skipped(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++) {
        if (i & 1)
            continue;
        s += halvings(i);
    }
    return s;
}

static int guarded(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        if (i & 1)
            s += halvings(i);
    return s;
}

static int jumped(int n)
{
    int s = 0, i = 0;
    while (i < n) {
        if (i == 3)
            goto next;
        s += halvings(i);
    next:
        i++;
    }
    return s;
}

int main(void)
{
    printf("%d %d %d %d\n", always(100), skipped(100), guarded(100), jumped(100));
    return 0;
}
