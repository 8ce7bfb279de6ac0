/* owndecls.c: a program that declares the C library's functions itself,
 * as old code does instead of including <math.h> and <string.h> (Olden's
 * bh and tsp write `extern double sqrt(double x);`; fabs here, which needs
 * no libm): they are the library's all the same, so a helper that calls
 * them is a leaf (no resume site, inlined as in the plain build) and the
 * loops around it are polled as loops of leaf calls. */
#include <stdio.h>

extern double fabs(double x);
extern unsigned long strlen(const char *s);

enum { POINTS = 3000, ROUNDS = 6 };

struct point { double x, y; };
static struct point pts[POINTS];

static double distance(const struct point *a, const struct point *b)
{
    return fabs(a->x - b->x) + fabs(a->y - b->y);
}

/* The nearest other point of p, by a scan of all of them. */
static int nearest(int p)
{
    int best = p == 0 ? 1 : 0;
    double bestd = distance(&pts[p], &pts[best]);
    for (int i = 0; i < POINTS; i++) {
        if (i == p)
            continue;
        double d = distance(&pts[p], &pts[i]);
        if (d < bestd) {
            bestd = d;
            best = i;
        }
    }
    return best;
}

int main(void)
{
    unsigned seed = 12345;
    for (int i = 0; i < POINTS; i++) {
        seed = seed * 1103515245u + 12345u;
        pts[i].x = (double)(seed >> 8 & 0xffff) / 16.0;
        seed = seed * 1103515245u + 12345u;
        pts[i].y = (double)(seed >> 8 & 0xffff) / 16.0;
    }
    const char *label = "nearest";
    for (int r = 0; r < ROUNDS; r++) {
        long sum = 0;
        for (int p = r; p < POINTS; p += 7)
            sum += nearest(p);
        printf("%s %d: %ld (%.3f)\n", label, r, sum, distance(&pts[r], &pts[nearest(r)]));
    }
    printf("%lu\n", strlen(label));
    return 0;
}
