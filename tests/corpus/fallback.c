/* fallback.c: heap blocks allocated, grown and freed by functions mtcc
 * cannot transform (they use a variable-length array in a nested block,
 * so they fall back and have no adaptation points), kept reachable from
 * globals and used after a restore: their malloc, calloc, realloc,
 * strdup and free must still be the runtime's typed wrappers, or a
 * checkpoint refuses the pointers into untracked blocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
    long value;
    char *label;
    int *digits;     /* ndigits ints, from calloc */
    int ndigits;
    struct node *next;
};

static struct node *nodes;   /* built and thinned by the functions that fall back */
static long *history;        /* grown by realloc in one of them */
static int nhistory;

/* Falls back (a VLA in a nested block; one at the body's top level would
 * become a heap block): pushes n nodes, each with a label and digits. */
static void grow(int n, long seed)
{
    if (n <= 0)
        return;
    {
        long vals[n];
        for (int i = 0; i < n; i++)
            vals[i] = (seed * 31 + i * 7) % 1009;
        for (int i = 0; i < n; i++) {
            struct node *p = malloc(sizeof *p);
            char text[32];
            snprintf(text, sizeof text, "n%ld", vals[i]);
            p->value = vals[i];
            p->label = strdup(text);
            p->ndigits = (int)strlen(text) - 1;
            p->digits = calloc((size_t)p->ndigits, sizeof(int));
            for (int d = 0; d < p->ndigits; d++)
                p->digits[d] = text[d + 1] - '0';
            p->next = nodes;
            nodes = p;
        }
    }
}

/* Falls back (a VLA in a nested block): frees every node whose value is
 * a multiple of k, and records the count in history, grown one entry at a
 * time. */
static int thin(int k)
{
    {
        int marks[k + 1];
        memset(marks, 0, sizeof marks);
        int removed = 0;
        for (struct node **pp = &nodes; *pp;) {
            struct node *p = *pp;
            if (p->value % k == 0) {
                *pp = p->next;
                free(p->digits);
                free(p->label);
                free(p);
                removed++;
                marks[k]++;
            } else
                pp = &p->next;
        }
        history = realloc(history, (size_t)(nhistory + 1) * sizeof *history);
        history[nhistory++] = removed + marks[k];
        return removed;
    }
}

/* Transformed: reads everything the functions above made. */
static long checksum(void)
{
    long s = 0;
    for (struct node *p = nodes; p; p = p->next) {
        s = (s * 131 + p->value) % 1000003;
        for (int d = 0; d < p->ndigits; d++)
            s = (s + p->digits[d]) % 1000003;
        s = (s + (long)strlen(p->label)) % 1000003;
    }
    for (int i = 0; i < nhistory; i++)
        s = (s * 7 + history[i]) % 1000003;
    return s;
}

static int count(void)
{
    int n = 0;
    for (struct node *p = nodes; p; p = p->next)
        n++;
    return n;
}

int main(void)
{
    long total = 0;
    for (int round = 0; round < 60; round++) {
        grow(round % 5 + 3, round);
        if (round % 3 == 2)
            thin(round % 4 + 2);
        for (int rep = 0; rep < 20; rep++)
            total = (total + checksum() + rep) % 1000003;
        if (round % 10 == 9)
            printf("round %d: %d nodes, head %s, total %ld\n", round, count(), nodes ? nodes->label : "-", total);
    }
    printf("final %ld, history %d\n", total, nhistory);
    while (nodes)
        thin(1);
    free(history);
    return 0;
}
