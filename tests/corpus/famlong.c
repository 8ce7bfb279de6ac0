/* famlong.c: series of longs in structs with a flexible array member,
 * allocated as sizeof(struct) + n * sizeof(long), grown with realloc to a
 * new length and summed after a restore: the array's elements convert
 * (a 64-bit long becomes i686's 32-bit one), and a grown or shrunk block
 * keeps its type with its new length, also when realloc's size is a plain
 * byte count going through a void *. */
#include <stdio.h>
#include <stdlib.h>

struct series {
    int n;
    char tag;
    long v[];
};

static struct series *all[6];

static struct series *make(int n, long seed)
{
    struct series *s = malloc(sizeof(struct series) + n * sizeof(long));
    s->n = n;
    s->tag = (char)('a' + n % 26);
    for (int i = 0; i < n; i++)
        s->v[i] = (seed * 7919 + i * 104729L) % 1000003 - 500000;
    return s;
}

static struct series *grow(struct series *s, int more)
{
    s = realloc(s, sizeof *s + (size_t)(s->n + more) * sizeof s->v[0]);
    for (int i = s->n; i < s->n + more; i++)
        s->v[i] = -s->v[i - s->n];
    s->n += more;
    return s;
}

static size_t bytes_for(int n)
{
    return sizeof(struct series) + (size_t)n * sizeof(long);
}

/* Drops the last element through a void *: nothing there says the type. */
static struct series *shrink(struct series *s)
{
    void *p = realloc(s, bytes_for(s->n - 1));
    s = p;
    s->n--;
    return s;
}

/* Recursive, so that it polls: a capture can stop inside it. */
static long sum(const struct series *s, int from)
{
    if (from >= s->n)
        return 0;
    return s->v[from] % 9973 + sum(s, from + 1);
}

int main(void)
{
    for (int k = 0; k < 6; k++)
        all[k] = make(10 + 7 * k, k + 1);
    long total = 0;
    for (int round = 0; round < 12; round++) {
        int k = round % 6;
        if (round % 4 == 3)
            all[k] = grow(all[k], 5);
        if (round % 5 == 1)
            all[k] = shrink(all[k]);
        long s = sum(all[k], 0);
        total += s;
        printf("round %d series %c n=%d sum %ld\n", round, all[k]->tag, all[k]->n, s);
    }
    printf("total %ld\n", total);
    for (int k = 0; k < 6; k++)
        free(all[k]);
    return 0;
}
