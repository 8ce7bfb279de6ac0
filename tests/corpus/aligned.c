/* aligned.c: buffers over-allocated and aligned in place, in the shapes
 * numeric codes write it (SPLASH-3's `x = x + PAGE - x % PAGE`, a mask,
 * a negated mask, a macro, a struct member, an array element), and tag
 * bits read and set within malloc's alignment. The aligned pointers are
 * translated like any pointer into their block; nothing printed depends
 * on an address. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PAGE 4096
#define LINE 64
#define N 3000
#define ALIGN_UP(p, a) ((__typeof__(p))(((uintptr_t)(p) + (a) - 1) & ~((uintptr_t)(a) - 1)))

struct ring {
    char *buf;
    long len;
};

static double *x;
static long *counts;
static struct ring ring;
static float *rows[4];

static void setup(void)
{
    x = malloc(N * sizeof *x + PAGE);
    x = (double *)(((unsigned long)x) + PAGE - ((unsigned long)x) % PAGE);
    counts = calloc(1, N * sizeof *counts + LINE);
    counts = (long *)(((uintptr_t)counts + LINE - 1) & ~(uintptr_t)(LINE - 1));
    ring.len = 256;
    ring.buf = malloc((size_t)ring.len + 32);
    ring.buf = (char *)((uintptr_t)ring.buf + (-(uintptr_t)ring.buf & 31));
    for (int i = 0; i < 4; i++) {
        rows[i] = calloc(1, N * sizeof *rows[i] + 128);
        rows[i] = ALIGN_UP(rows[i], 128);
    }
}

/* A node whose pointer carries a mark in its lowest bit. */
struct cell {
    long v;
    uintptr_t next;
};

static long walk_tagged(int n)
{
    struct cell *cells = malloc((size_t)n * sizeof *cells);
    for (int i = 0; i < n; i++) {
        cells[i].v = i * 3;
        cells[i].next = i + 1 < n ? (uintptr_t)&cells[i + 1] | (uintptr_t)(i % 2) : 0;
    }
    long sum = 0, marked = 0;
    for (uintptr_t p = (uintptr_t)&cells[0]; p; p = ((struct cell *)(p & ~(uintptr_t)1))->next) {
        struct cell *c = (struct cell *)(p & ~(uintptr_t)1);
        sum += c->v;
        marked += (long)(c->next % 2);
    }
    free(cells);
    return sum * 10 + marked;
}

int main(void)
{
    setup();
    long total = 0;
    for (int round = 0; round < 40; round++) {
        for (int i = 0; i < N; i++) {
            x[i] = (double)(i % 97) * 0.5 + round;
            counts[i] += i % 7 + round;
            rows[round % 4][i] = (float)(i % 13);
            ring.buf[(i + round) % ring.len] = (char)('a' + (i + round) % 26);
        }
        double s = 0;
        for (int i = 0; i < N; i++)
            s += x[i] + rows[(round + 1) % 4][i];
        total += (long)s + counts[round * 7] + ring.buf[round % ring.len] + walk_tagged(50 + round);
        if (round % 10 == 0)
            printf("round %d: %ld\n", round, total);
    }
    printf("total %ld\n", total);
    return 0;
}
