/* matvec.c: a matrix-vector product whose counted inner loop accumulates
 * into memory, y[i] += a[i][j] * x[j] (issue 17: 1.33x the instructions,
 * 2.4x the wall time when the partial result stays in memory). */
#include <stdio.h>
#include <stdlib.h>

static void matvec(int n, const double *a, const double *x, double *y)
{
    for (int i = 0; i < n; i++) {
        y[i] = 0;
        for (int j = 0; j < n; j++)
            y[i] += a[(long)i * n + j] * x[j];
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000, reps = argc > 2 ? atoi(argv[2]) : 40;
    double *a = malloc((size_t)n * (size_t)n * sizeof *a);
    double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    for (int i = 0; i < n; i++) {
        x[i] = 1.0 / (i + 1);
        for (int j = 0; j < n; j++)
            a[(long)i * n + j] = (double)((i * 7 + j * 3) % 11) / 11.0;
    }
    for (int r = 0; r < reps; r++) {
        matvec(n, a, x, y);
        for (int i = 0; i < n; i++)
            x[i] = y[i] / n;
    }
    double s = 0;
    for (int i = 0; i < n; i++)
        s += x[i];
    printf("matvec %.9g\n", s);
    free(a);
    free(x);
    free(y);
    return 0;
}
