/* arena.c: the arena of arena.h, handing out pieces of one malloc'd block. */
#include <stdlib.h>

#include "arena.h"

struct arena {
    char *base;
    size_t used;
};

struct arena *arena_new(void)
{
    struct arena *a = malloc(sizeof *a);
    a->base = malloc(1 << 16);
    a->used = 0;
    return a;
}

void *arena_get(struct arena *a, size_t n)
{
    void *p = a->base + a->used;
    a->used += (n + 15) & ~(size_t)15;
    return p;
}
