/* pool.c: a program with its own pool allocator, which hands out pieces of
 * malloc(32768) blocks (line 27) as structs holding pointers and function
 * pointers, and takes them back (pool_free). With pool.spec mtcc knows
 * pool_alloc and pool_free, the pieces are typed blocks, and a checkpoint
 * restores on every ABI; without it mtcc warns at build time and the
 * capture is refused, naming the pool's allocation site. Line numbers are
 * checked by tests/libspec.sh. */
#include <stdio.h>
#include <stdlib.h>

struct shape {
    const char *name;
    double (*area)(const struct shape *);
    struct shape *next;
    double size;
};

struct pool {
    char *block;
    size_t used;
    int pieces;
};

static void *pool_alloc(struct pool *p, size_t n)
{
    if (!p->block || p->used + n > 32768) {
        p->block = malloc(32768);
        p->used = 0;
    }
    void *piece = p->block + p->used;
    p->used += (n + 15) & ~(size_t)15;
    p->pieces++;
    return piece;
}

static void *pool_calloc(struct pool *p, size_t count, size_t size)
{
    char *piece = pool_alloc(p, count * size);
    for (size_t i = 0; i < count * size; i++)
        piece[i] = 0;
    return piece;
}

static void *pool_realloc(struct pool *p, void *old, size_t old_size, size_t size)
{
    char *piece = pool_alloc(p, size);
    for (size_t i = 0; i < old_size && i < size; i++)
        piece[i] = ((char *)old)[i];
    return piece;
}

/* A bump pool frees nothing; what matters is that the program says so. */
static void pool_free(struct pool *p, void *piece)
{
    (void)piece;
    p->pieces--;
}

static double square(const struct shape *s) { return s->size * s->size; }
static double disc(const struct shape *s) { return 3.0 * s->size * s->size; }

static double total(const struct shape *s)
{
    return s ? s->area(s) + total(s->next) : 0;
}

int main(void)
{
    static struct pool pool;
    struct shape *list = NULL;
    size_t nsizes = 4;
    long *sizes = pool_calloc(&pool, nsizes, sizeof *sizes);
    for (int i = 0; i < 60; i++) {
        if ((size_t)i == nsizes) {
            sizes = pool_realloc(&pool, sizes, nsizes * sizeof *sizes, 2 * nsizes * sizeof *sizes);
            nsizes *= 2;
        }
        sizes[i] = i * 1000003L;
        struct shape *s = pool_alloc(&pool, sizeof *s);
        s->name = i % 2 ? "square" : "disc";
        s->area = i % 2 ? square : disc;
        s->size = i * 0.5;
        s->next = list;
        list = s;
        if (i % 7 == 6) {  /* drop the second of the list */
            struct shape *gone = list->next;
            list->next = gone->next;
            pool_free(&pool, gone);
        }
        printf("%d %s %.2f %ld\n", i, s->name, total(list), sizes[i] + sizes[i / 2]);
    }
    return 0;
}
