/* localarrays.c: local arrays named only as a[i] are not pinned (mtcc
 * analyze.c: unpin_local_arrays): they live in the function's frame and
 * are saved and reloaded by value at each site. Arrays of doubles, longs,
 * shorts, heap pointers and structs of numbers stay live across calls
 * that checkpoint; one passed to a call, one with an element's address
 * taken, one of structs holding an array and one of 200 numbers (more
 * than mtcc copies on the save path) stay pinned. Const locals whose
 * address is never taken (a double, a pointer to a heap block) are not
 * pinned either. */
#include <stdio.h>
#include <stdlib.h>

#define N 3
#define STEPS 400

static long depth(long n) { return n <= 0 ? 0 : 1 + depth(n - 1) % 7; }

struct pt { int x; double y; };
struct tag { char name[4]; int n; };

static double norm(const double *v) { return v[0] * v[0] + v[1] * v[1] + v[2] * v[2]; }

static double bodies(int steps)
{
    double pos[N] = { 1.0, -2.5, 0.125 }, vel[N];
    long count[4] = { 0 };
    short small[5];
    long *cells[2];
    struct pt pts[2] = { { 1, 0.5 }, { -2, 0.25 } };
    for (int i = 0; i < 5; i++)
        small[i] = (short)(-i * 300);
    for (int i = 0; i < 2; i++) {
        cells[i] = malloc(sizeof *cells[i]);
        *cells[i] = 1000 * (i + 1);
    }
    for (int i = 0; i < N; i++)
        vel[i] = 0.5 / (i + 1);
    const long scale = 3 * 7 + 1;                 /* const of literals, address never taken: not pinned */
    const double damp = 0.001 * (steps % 7 + 1);  /* const of computed values: pinned (the compiler may */
    long *const first = cells[0];                 /* assume a const keeps its value across the reload) */
    for (int s = 0; s < steps; s++) {
        long d = depth(s % 13 + 3);  /* a site: every array is live across it */
        for (int i = 0; i < N; i++) {
            pos[i] += vel[i] * (double)d;
            vel[i] -= pos[i] * damp;
        }
        count[s % 4] += d * scale;
        small[s % 5] = (short)(small[s % 5] + d);
        *cells[s % 2] += d;
        *first += s & 1;
        pts[s % 2].x += (int)d;
        pts[(s + 1) % 2].y *= 1.0 + (double)d / 1024;
    }
    double r = pos[0] + pos[1] + pos[2];
    printf("bodies: %.9f %.9f %.9f | %.9f\n", pos[0], pos[1], pos[2], r);
    printf("counts: %ld %ld %ld %ld | %d %d %d %d %d | %ld %ld\n", count[0], count[1], count[2], count[3],
           small[0], small[1], small[2], small[3], small[4], *cells[0], *cells[1]);
    printf("pts: %d %.9f %d %.9f\n", pts[0].x, pts[0].y, pts[1].x, pts[1].y);
    free(cells[0]);
    free(cells[1]);
    return r;
}

static double escaping(int steps)
{
    double passed[N] = { 3.0, 4.0, 12.0 };  /* given to norm: pinned */
    int taken[2] = { 5, 7 };                 /* an element's address taken: pinned */
    int *p = &taken[1];
    struct tag tags[2] = { { "ab", 1 }, { "cd", 2 } };  /* a member array could decay: pinned */
    int big[200];                                         /* more than 128 numbers: pinned */
    for (int i = 0; i < 200; i++)
        big[i] = i;
    double acc = 0;
    for (int s = 0; s < steps; s++) {
        passed[s % N] += (double)depth(s % 5 + 1);
        *p += (int)depth(2);
        acc += norm(passed);
        tags[s % 2].n += tags[s % 2].name[0];
        big[s % 200] += s;
    }
    printf("escaping: %.3f %d %d %d %d %d\n", acc, taken[0], taken[1], tags[0].n, tags[1].n, big[7] + big[150]);
    return acc;
}

int main(void)
{
    double a = bodies(STEPS);
    double b = escaping(STEPS / 4);
    printf("total %.6f\n", a + b);
    return 0;
}
