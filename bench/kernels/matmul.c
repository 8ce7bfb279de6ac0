/* matmul.c: dense matrix multiply (the innermost loop vectorizes). */
#include <stdio.h>
#include <stdlib.h>

static void multiply(const double *a, const double *b, double *c, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            c[i * n + j] = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            double aik = a[i * n + k];
            for (int j = 0; j < n; j++)
                c[i * n + j] += aik * b[k * n + j];
        }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 360, reps = argc > 2 ? atoi(argv[2]) : 8;
    double *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b), *c = malloc(n * n * sizeof *c);
    for (int i = 0; i < n * n; i++) {
        a[i] = (i % 17) * 0.25;
        b[i] = (i % 13) - 6;
    }
    double s = 0;
    for (int r = 0; r < reps; r++) {
        multiply(a, b, c, n);
        s += c[(r * 7) % (n * n)];
    }
    printf("matmul %.3f\n", s);
    return 0;
}
