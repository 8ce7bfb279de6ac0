/* stencil.c: a five-point Jacobi stencil over a heap grid. */
#include <stdio.h>
#include <stdlib.h>

static void sweep(const double *a, double *b, int n)
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++)
            b[i * n + j] = 0.25 * (a[(i - 1) * n + j] + a[(i + 1) * n + j] + a[i * n + j - 1] + a[i * n + j + 1]);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 700, reps = argc > 2 ? atoi(argv[2]) : 60;
    double *a = calloc(n * n, sizeof *a), *b = calloc(n * n, sizeof *b);
    for (int i = 0; i < n; i++)
        a[i * n] = b[i * n] = 100;
    for (int r = 0; r < reps; r++) {
        sweep(a, b, n);
        double *t = a;
        a = b;
        b = t;
    }
    printf("stencil %.6f\n", a[(n / 2) * n + 1]);
    return 0;
}
