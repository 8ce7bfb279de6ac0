/* chase.c: pointer chasing through a shuffled linked list. */
#include <stdio.h>
#include <stdlib.h>

struct cell {
    struct cell *next;
    long value;
};

static long walk(struct cell *c, int steps)
{
    long s = 0;
    for (int i = 0; i < steps; i++) {
        s += c->value;
        c = c->next;
    }
    return s;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000000, reps = argc > 2 ? atoi(argv[2]) : 20;
    struct cell *cells = malloc(n * sizeof *cells);
    int *order = malloc(n * sizeof *order);
    for (int i = 0; i < n; i++)
        order[i] = i;
    unsigned x = 1;
    for (int i = n - 1; i > 0; i--) {
        x = x * 1103515245u + 12345u;
        int j = (int)((x >> 8) % (unsigned)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int i = 0; i < n; i++) {
        cells[order[i]].next = &cells[order[(i + 1) % n]];
        cells[order[i]].value = i;
    }
    long s = 0;
    for (int r = 0; r < reps; r++)
        s += walk(&cells[r], n);
    printf("chase %ld\n", s);
    return 0;
}
