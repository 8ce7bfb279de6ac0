/* The active member travels with whole assignments (u1 = u2, a struct
 * holding unions), through a member's address taken, compound assignment
 * and ++, and through values returned by functions. */
#include <stdio.h>

union v { long i; double d; const char *s; };
struct pair { union v a, b; };

union v g1, g2;
struct pair gp[3];
static const char *word = "word";

static union v make_s(void)
{
    union v r;
    r.s = word;
    return r;
}

static long step(long k)
{
    return k + 1;
}

int main(void)
{
    union v local = make_s();                  /* handed over by the return */
    long *q = &g1.i;                           /* address taken: i is active */
    *q = 40;
    g1.i += 1;
    g1.i++;
    g2 = g1;                                   /* u1 = u2: the member goes along */
    gp[0].a.d = 0.25;
    gp[1] = gp[0];                             /* a struct holding unions */
    gp[2].b = local;
    long acc = 0;
    for (long k = 0; k < 100; k++)
        acc = step(acc);
    printf("%ld %ld %.2f %.2f %s %s %ld\n", g1.i, g2.i, gp[0].a.d, gp[1].a.d, gp[2].b.s, local.s, acc);
    return 0;
}
