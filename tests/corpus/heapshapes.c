/* heapshapes.c: allocations whose element type only the size expression
 * or the assigned pointer tells: n * sizeof *p and sizeof *p * n into a
 * void *, sizeof(T[n]), calloc(sizeof(T), n), casts around the count,
 * malloc(24) assigned to a struct pointer, and realloc through a void *
 * that says nothing (the block keeps its type). After a restore every
 * value converts: the longs, doubles and pointers in them. */
#include <stdio.h>
#include <stdlib.h>

struct pt {
    int x, y;
};

struct node {
    long key;
    struct node *left;
    double score;
};

static void *points;       /* struct pt elements, sized n * sizeof *p */
static void *nodes;        /* struct node elements, sizeof *p * n */
static void *longs;        /* sizeof(long[n]) */
static struct pt *triple;  /* malloc(24): three points */
static struct node *zeros; /* calloc(sizeof(struct node), n) */

static long walk(const struct node *n)
{
    return n ? n->key + walk(n->left) : 0;
}

int main(void)
{
    int n = 8;
    struct pt *p = NULL;
    struct node *q = NULL;
    points = malloc(n * sizeof *p);
    nodes = malloc(sizeof *q * (size_t)n);
    longs = malloc(sizeof(long[n]));
    triple = malloc(24);
    zeros = calloc(sizeof(struct node), (size_t)n);
    for (int i = 0; i < n; i++) {
        ((struct pt *)points)[i] = (struct pt){ i, -i };
        struct node *nd = &((struct node *)nodes)[i];
        nd->key = 100000L * i + 7;
        nd->left = i ? nd - 1 : NULL;
        nd->score = i / 4.0;
        ((long *)longs)[i] = 1L << (i * 3);
        zeros[i].left = i ? &zeros[i - 1] : NULL;
        zeros[i].key = i;
    }
    for (int i = 0; i < 3; i++)
        triple[i] = (struct pt){ 10 * i, 20 * i };
    for (int round = 0; round < 6; round++) {
        if (round == 3) {
            n = 12;
            points = realloc(points, (size_t)n * sizeof(struct pt));
            longs = realloc(longs, (size_t)n * 8 * sizeof(long) / 8);
            for (int i = 8; i < n; i++) {
                ((struct pt *)points)[i] = (struct pt){ i * i, i };
                ((long *)longs)[i] = -i;
            }
        }
        long sx = 0, sl = 0;
        for (int i = 0; i < n; i++) {
            sx += ((struct pt *)points)[i].x * 3 + ((struct pt *)points)[i].y;
            sl += ((long *)longs)[i] % 100000;
        }
        struct node *last = &((struct node *)nodes)[7];
        printf("round %d: n=%d sx=%ld sl=%ld walk=%ld score=%.2f zeros=%ld triple=%d,%d\n", round, n, sx, sl,
               walk(last), last->score, walk(&zeros[7]), triple[2].x, triple[2].y);
        triple[round % 3].x++;
    }
    free(points);
    free(nodes);
    free(longs);
    free(triple);
    free(zeros);
    return 0;
}
