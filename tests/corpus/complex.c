/* complex.c: _Complex float, double and long double as globals, arrays,
 * struct members, heap blocks and locals live across a checkpoint. Every
 * value is a sum of halves and small integers: exact in every format, so
 * any ABI prints the same. */
#include <complex.h>
#include <stdio.h>
#include <stdlib.h>

static double _Complex z = 1.5 + 2.25 * I;
static float _Complex zf[4];
static long double _Complex zl[3];

struct phasor {
    int id;
    float _Complex f;
    char tag;
    double _Complex d;
    long double _Complex l;
};

static struct phasor ph[5];
static double _Complex *heap_d;
static struct phasor *heap_ph;

static void step(int round)
{
    z = z * (0.5 + 0.5 * I) + round;
    for (int i = 0; i < 4; i++)
        zf[i] = (float)(round + i) * 0.5f + (float)(i - round) * 0.25f * I;
    for (int i = 0; i < 3; i++)
        zl[i] += (long double)(i + 1) * 0.125L - (long double)round * I;
    for (int i = 0; i < 5; i++) {
        ph[i].id = round * 10 + i;
        ph[i].f = zf[i % 4] * 2;
        ph[i].tag = (char)('a' + (round + i) % 26);
        ph[i].d = (double)i - (double)round * 0.5 * I;
        ph[i].l = zl[i % 3] + 0.5L;
    }
    for (int i = 0; i < 8; i++)
        heap_d[i] = heap_d[i] * 0.5 + (i + round) * 1.0 * I;
    for (int i = 0; i < 3; i++)
        heap_ph[i] = ph[(i + round) % 5];
}

static double sum_parts(void)
{
    double s = creal(z) + cimag(z);
    for (int i = 0; i < 4; i++)
        s += crealf(zf[i]) - cimagf(zf[i]);
    for (int i = 0; i < 3; i++)
        s += (double)(creall(zl[i]) + cimagl(zl[i]));
    for (int i = 0; i < 5; i++)
        s += ph[i].id + crealf(ph[i].f) + cimagf(ph[i].f) + ph[i].tag + creal(ph[i].d) - cimag(ph[i].d) +
             (double)creall(ph[i].l);
    for (int i = 0; i < 8; i++)
        s += creal(heap_d[i]) + cimag(heap_d[i]);
    for (int i = 0; i < 3; i++)
        s += heap_ph[i].id + cimag(heap_ph[i].d) + (double)cimagl(heap_ph[i].l);
    return s;
}

/* A local complex of each precision, live across the polls of the loop. */
static double locals(int n)
{
    float _Complex lf = 0.5f;
    double _Complex ld = 0.25 * I;
    long double _Complex ll = 1.0L + 1.0L * I;
    for (int k = 0; k < n; k++) {
        lf += 1.0f * I;
        ld = ld * I + k;
        ll += (long double)k * 0.5L;
        step(k % 7);
    }
    return crealf(lf) + cimagf(lf) + creal(ld) + cimag(ld) + (double)(creall(ll) + cimagl(ll));
}

int main(void)
{
    heap_d = calloc(8, sizeof *heap_d);
    heap_ph = malloc(3 * sizeof *heap_ph);
    if (!heap_d || !heap_ph)
        return 1;
    for (int i = 0; i < 3; i++)
        zl[i] = (long double)i;
    for (int round = 0; round < 20; round++) {
        step(round);
        double l = locals(round % 5 + 1);
        printf("round %d z %g%+gi sum %.6f locals %.6f\n", round, creal(z), cimag(z), sum_parts(), l);
    }
    free(heap_d);
    free(heap_ph);
    return 0;
}
