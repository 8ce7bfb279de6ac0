/* matmul.c: dense matrix multiply on heap matrices, repeated. */
#include <stdio.h>
#include <stdlib.h>

static void multiply(const double *a, const double *b, double *c, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < n; k++)
                s += a[i * n + k] * b[k * n + j];
            c[i * n + j] = s;
        }
}

int main(void)
{
    int n = 40;
    double *a = malloc(n * n * sizeof(double));
    double *b = malloc(n * n * sizeof(double));
    double *c = malloc(n * n * sizeof(double));
    for (int i = 0; i < n * n; i++) {
        a[i] = (i % 13) * 0.5;
        b[i] = (i % 7) - 3;
    }
    for (int round = 0; round < 10; round++) {
        multiply(a, b, c, n);
        double trace = 0;
        for (int i = 0; i < n; i++)
            trace += c[i * n + i];
        printf("round %d trace %.3f\n", round, trace);
        for (int i = 0; i < n * n; i++)
            a[i] = c[i] / 1000 + (i % 5);
    }
    return 0;
}
