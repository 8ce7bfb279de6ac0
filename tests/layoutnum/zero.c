/* zero.c: a number of the layout that holds 0 at the checkpoint (the
 * offset of a first member) is 0 on every layout: x86_64's checkpoint
 * restores on i686 and armhf (tests/layoutnum.sh). A sum of sizes and a
 * distance between equal addresses are 0 alike everywhere; a difference of
 * two sizes that cancel on the writer's layout alone is not told apart
 * (docs/design.md, "Numbers of the layout"). */
#include <stddef.h>
#include <stdio.h>

struct node { int key; struct node *next; };

static volatile long sink;
static void work(long v) { sink += v; }

int main(void)
{
    size_t first = offsetof(struct node, key);
    long total = 0;
    for (int round = 0; round < 6; round++) {
        work(round);
        total += round * 3;
    }
    printf("first %zu total %ld\n", first, total);
    return 0;
}
