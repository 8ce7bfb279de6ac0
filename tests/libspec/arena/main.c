/* main.c: a list of items from the arena of arena.c, summed recursively
 * (so that a capture may stop inside the sum). */
#include <stdio.h>

#include "arena.h"

struct item {
    struct item *next;
    long v;
    double w;
};

static double sum(const struct item *i) { return i ? i->v * i->w + sum(i->next) : 0; }

int main(void)
{
    struct arena *a = arena_new();
    struct item *list = NULL;
    for (int k = 0; k < 50; k++) {
        struct item *it;
        it = arena_get(a, sizeof(struct item));
        it->v = k * 3;
        it->w = k / 4.0;
        it->next = list;
        list = it;
        printf("%d %.2f\n", k, sum(list));
    }
    return 0;
}
