/* misdeclared.c: functions a spec may not declare as it says (see
 * tests/libspec.sh): a free that returns a value mtcc could not give
 * (line 16), a variadic allocator (line 15). */
#include <stdio.h>
#include <stdlib.h>

struct node { struct node *next; int v; };
static int node_free(void *cookie, struct node *n) { (void)cookie; free(n); return 1; }
static struct node *node_new(int tag, ...) { (void)tag; return malloc(sizeof(struct node)); }

int main(void)
{
    struct node *a;
    int freed;
    a = node_new(1);
    freed = node_free(NULL, a);
    printf("%d\n", freed);
    return 0;
}
