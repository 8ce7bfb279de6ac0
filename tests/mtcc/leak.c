/* leak.c: 100 blocks allocated, 10 kept, 90 leaked: a checkpoint holds 10. */
#include <stdio.h>
#include <stdlib.h>

struct node {
    int value;
    struct node *next;
};

static struct node *kept;

static void work(int i)
{
    struct node *n = malloc(sizeof *n);
    n->value = i;
    n->next = NULL;
    if (i % 10 == 0) {   /* every tenth joins the list, the rest leak */
        n->next = kept;
        kept = n;
    }
}

int main(void)
{
    for (int i = 0; i < 100; i++)
        work(i);
    long s = 0;
    for (struct node *n = kept; n; n = n->next)
        s += n->value;
    printf("sum %ld\n", s);
    return 0;
}
