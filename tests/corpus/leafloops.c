/* leafloops.c: counted loops whose bodies call small helpers with no loop
 * (leaves, src/mtcc/leaves.c), which mtcc --leaf-loop-chunks cuts into
 * chunks like innermost loops instead of polling on every turn
 * (src/mtcc/rewrite.c; tests/mtcc.sh counts and restores them): int, long
 * and unsigned indices, < and <=, a negative start, a bound that is an
 * expression, a loop written through a macro, a helper reading through a
 * pointer, a nest; and loops mtcc cannot cut whose turns call only such
 * helpers (pointer walks written as for, while and do), which poll every
 * 4096 turns on a countdown; a loop calling a helper that loops still
 * polls on every turn. */
#include <stdio.h>
#include <stdlib.h>

#define FOR_EACH(i, n) for (unsigned i = 0; i < (n); ++i)

static unsigned char bytes[30000];
static int table[64];

struct node {
    struct node *next;
    int value;
};

static unsigned mix(unsigned x, unsigned seed)
{
    x ^= seed;
    x *= 2654435761u;
    return x ^ (x >> 15);
}

static long weight(const int *p, long k)
{
    return k < 0 ? *p - k : *p + (k & 7);
}

static unsigned step(unsigned h, unsigned char b)
{
    return (h ^ b) * 16777619u;
}

static double eval_a(int i, int j)
{
    return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1);
}

/* a leaf with a loop: a loop calling it still polls on every turn */
static int bits(unsigned v)
{
    int n = 0;
    while (v) {
        n += v & 1;
        v >>= 1;
    }
    return n;
}

static int node_value(const struct node *p)
{
    return p->value * 3 + 1;
}

int main(int argc, char **argv)
{
    int n = 50000 + (argc > 100);  /* not known to mtcc: the loop is cut */
    unsigned acc = 0;
    for (int i = 0; i < n; i++)
        acc += mix((unsigned)i, 7u);
    printf("mix %u\n", acc);

    for (int t = 0; t < 64; t++)
        table[t] = t * t - 100;
    long lo = -100 - (argc > 100), hi = 20000, total = 0;
    for (long k = lo; k <= hi; k++) {
        total += weight(&table[(k + 128) % 64], k);
        if (k % 5000 == 0)
            total ^= k;
    }
    printf("weight %ld\n", total);

    unsigned m = sizeof bytes - (argc > 100);
    for (unsigned u = 0; u < m; u++)
        bytes[u] = (unsigned char)(u * 31 + 5);
    unsigned h = 2166136261u;
    FOR_EACH(u, m)
        h = step(h, bytes[u]);
    printf("fnv %u\n", h);

    int rows = 5 + (argc > 100), cols = 9000 + (argc > 100);
    double sum = 0;
    for (int r = 0; r < rows; r++) {
        double row = 0;
        for (int c = 0; c < cols; c++)
            row += eval_a(r, c) * (c & 3);
        sum += row;
    }
    printf("rows %.6f\n", sum);

    int ones = 0;
    for (int i = 0; i < 100 + (argc > 100); i++)
        ones += bits((unsigned)i * 2654435761u);
    printf("bits %d\n", ones);

    struct node *list = NULL;
    for (int i = 0; i < 10000 + (argc > 100); i++) {
        struct node *p = malloc(sizeof *p);
        if (!p)
            return 1;
        p->value = i;
        p->next = list;
        list = p;
    }
    long walked = 0;
    for (struct node *p = list; p; p = p->next)
        walked += node_value(p);
    printf("walk %ld\n", walked);
    /* the same walks as while and do loops */
    const struct node *q = list;
    long odd = 0;
    while (q != NULL) {
        if (q->value & 1)
            odd += node_value(q);
        q = q->next;
    }
    q = list;
    unsigned folded = 0;
    do
        folded = step(folded, (unsigned char)node_value(q));
    while ((q = q->next) != NULL);
    printf("odd %ld folded %u\n", odd, folded);
    while (list) {
        struct node *next = list->next;
        free(list);
        list = next;
    }
    return 0;
}
