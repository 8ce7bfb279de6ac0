/* temp.c: a number of the layout held by one of mtcc's temporaries. The
 * first argument's call returns a size; mtcc keeps its value in a
 * temporary while the second argument's call runs, and the checkpoint is
 * taken in there. Restored on i686 the temporary would print x86_64's size
 * (16 for 8): the restore is refused by name instead, and round-trips on
 * s390x (tests/layoutnum.sh). */
#include <stdio.h>

struct node { int key; struct node *next; };

static volatile long sink;
static void work(long v) { sink += v; }

static long slow(long n);

/* Not a leaf (it calls slow): mtcc lifts its call out of the printf. */
static unsigned long node_size(void) { return sizeof(struct node) + (unsigned long)slow(0); }

static long slow(long n)
{
    if (n == 0)
        return 0;
    work(n);
    long below = slow(n - 1);  /* each call returns through an adaptation point */
    return below * 3 % 1000003 + n;
}

int main(void)
{
    for (int round = 0; round < 3; round++)
        printf("%lu %ld\n", node_size(), slow(50));
    return 0;
}
