/* churn.c: allocation churn (the worst case for heap tracking): 64 lists
 * grow by a node per step and every third step frees one. */
#include <stdio.h>
#include <stdlib.h>
struct node { long v; struct node *next; };
static struct node *heads[64];
int main(int argc, char **argv)
{
    long sum = 0;
    long steps = argc > 1 ? atol(argv[1]) : 4000000;
    for (long i = 0; i < steps; i++) {
        int k = (int)(i * 7 % 64);
        struct node *n = malloc(sizeof *n);
        n->v = i;
        n->next = heads[k];
        heads[k] = n;
        if (i % 3 == 0) {
            struct node *d = heads[k];
            heads[k] = d->next;
            sum += d->v;
            free(d);
        }
    }
    printf("%ld\n", sum);
    return 0;
}
