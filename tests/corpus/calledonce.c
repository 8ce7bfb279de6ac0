/* calledonce.c: static functions called from one place only, which mtcc
 * marks inline (as gcc inlines them in a plain build): a matrix-vector
 * product accumulating into a heap block, a one-line helper, one written
 * by a macro and one already inline; checkpoints land inside their loops
 * once inlined into main. */
#include <stdio.h>
#include <stdlib.h>

#define SCALE_FN(name, k) static void name(double *v, int n) { for (int i = 0; i < n; i++) v[i] *= (k); }

static void matvec(int n, const double *a, const double *x, double *y)
{
    for (int i = 0; i < n; i++) {
        y[i] = 0;
        for (int j = 0; j < n; j++)
            y[i] += a[(long)i * n + j] * x[j];
        printf("row %d %.6f\n", i, y[i]);
    }
}
static long total(const double *v, int n) { long s = 0; for (int i = 0; i < n; i++) s += (long)(v[i] * 1000) % 97; return s; }
SCALE_FN(halve, 0.5)
static inline double norm1(const double *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) {
        s += v[i] < 0 ? -v[i] : v[i];
        if (i % 8 == 0)
            printf("norm %d %.6f\n", i, s);
    }
    return s;
}

int main(void)
{
    enum { N = 24 };
    double *a = malloc(N * N * sizeof *a), *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    for (int i = 0; i < N; i++) {
        x[i] = 1.0 / (i + 1);
        for (int j = 0; j < N; j++)
            a[i * N + j] = (double)((i * 7 + j * 3) % 11) / 11.0;
    }
    matvec(N, a, x, y);
    halve(y, N);
    printf("total %ld norm %.6f\n", total(y, N), norm1(y, N));
    free(a);
    free(x);
    free(y);
    return 0;
}
