/* bigblocks.c: heap blocks of numbers larger than the reader's 1 MB
 * pieces (longs, doubles, shorts, a struct with padding), which a restore
 * converts piece by piece as they arrive (restore.c, early), beside
 * records that point into them, which wait for the end. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LONGS 300000   /* 2.4 MB on 64-bit writers, 1.2 MB on 32-bit ones */
#define DOUBLES 200000 /* 1.6 MB */
#define SHORTS 700000  /* 1.4 MB */
#define RECS 60000     /* 1.4 to 1.9 MB */

struct rec {
    char tag;
    short s;
    int i;
    long l;
    double d;
};

struct view {
    long *mid;
    struct rec *last;
};

/* The same on every ABI: 32-bit arithmetic, every value in range. */
static uint32_t sum_all(const long *l, const double *d, const short *s, const struct rec *r)
{
    uint32_t h = 0;
    for (long k = 0; k < LONGS; k++)
        h = h * 31 + (uint32_t)(int32_t)l[k];
    for (long k = 0; k < DOUBLES; k++)
        h = h * 31 + (uint32_t)(int32_t)(d[k] * 4);
    for (long k = 0; k < SHORTS; k++)
        h = h * 31 + (uint16_t)s[k];
    for (long k = 0; k < RECS; k++)
        h = h * 31 + (uint32_t)(int32_t)(r[k].tag + r[k].s + r[k].i + r[k].l + (long)r[k].d);
    return h;
}

int main(void)
{
    long *l = malloc(LONGS * sizeof *l);
    double *d = malloc(DOUBLES * sizeof *d);
    short *s = malloc(SHORTS * sizeof *s);
    struct rec *r = malloc(RECS * sizeof *r);
    struct view *v = malloc(sizeof *v);
    if (!l || !d || !s || !r || !v)
        return 1;
    for (long k = 0; k < LONGS; k++)
        l[k] = (long)((k * 7919LL) % 2000000011 - 1000000000);  /* fits 32 bits */
    for (long k = 0; k < DOUBLES; k++)
        d[k] = k * 0.25 - 1000;
    for (long k = 0; k < SHORTS; k++)
        s[k] = (short)(k * 37 - 30000);
    for (long k = 0; k < RECS; k++)
        r[k] = (struct rec){ (char)(k % 100), (short)(k % 3000), (int)(k * 3), k * 11 - 5, k * 0.5 };
    v->mid = l + LONGS / 2;
    v->last = r + RECS - 1;
    for (int round = 0; round < 6; round++) {
        for (long k = round; k < LONGS; k += 997)
            l[k] += round;
        d[round * 1000] += 0.5;
        s[SHORTS - 1 - round] ^= 0x55;
        v->last->i += round;
        *v->mid -= round;
        printf("round %d: %lu mid %ld last %d\n", round, (unsigned long)sum_all(l, d, s, r), *v->mid, v->last->i);
    }
    free(v);
    free(r);
    free(s);
    free(d);
    free(l);
    return 0;
}
