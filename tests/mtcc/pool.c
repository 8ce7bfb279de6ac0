/* pool.c: a pool allocator that hands out pieces of malloc(32768) blocks
 * (line 20) as structs holding pointers and function pointers.
 * mtcc cannot type the pieces: it says so at build time, and a checkpoint
 * is refused at capture, naming the allocation site, rather than restored
 * with stale pointers. Line numbers are checked by mtcc.sh. */
#include <stdio.h>
#include <stdlib.h>

struct shape {
    const char *name;
    double (*area)(const struct shape *);
    struct shape *next;
    double size;
};
static char *pool;
static size_t used;
static void *pool_alloc(size_t n)
{
    if (!pool || used + n > 32768) {
        pool = malloc(32768);
        used = 0;
    }
    void *piece = pool + used;
    used += (n + 15) & ~(size_t)15;
    return piece;
}

static double square(const struct shape *s) { return s->size * s->size; }
static double disc(const struct shape *s) { return 3.0 * s->size * s->size; }

static double total(const struct shape *s)
{
    return s ? s->area(s) + total(s->next) : 0;
}

int main(void)
{
    struct shape *list = NULL;
    for (int i = 0; i < 40; i++) {
        struct shape *s = pool_alloc(sizeof *s);
        s->name = i % 2 ? "square" : "disc";
        s->area = i % 2 ? square : disc;
        s->size = i * 0.5;
        s->next = list;
        list = s;
        printf("%d %s %.2f\n", i, s->name, total(list));
    }
    return 0;
}
