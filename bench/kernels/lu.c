/* lu.c: LU decomposition of a row-pointer matrix. */
#include <stdio.h>
#include <stdlib.h>

static void decompose(double **m, int n)
{
    for (int k = 0; k < n - 1; k++)
        for (int i = k + 1; i < n; i++) {
            double f = m[i][k] / m[k][k];
            m[i][k] = f;
            for (int j = k + 1; j < n; j++)
                m[i][j] -= f * m[k][j];
        }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 400, reps = argc > 2 ? atoi(argv[2]) : 4;
    double **m = malloc(n * sizeof *m);
    for (int i = 0; i < n; i++)
        m[i] = malloc(n * sizeof **m);
    double s = 0;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                m[i][j] = ((i * 7 + j * 13 + r) % 17) + (i == j ? 4.0 * n : 0);
        decompose(m, n);
        s += m[n - 1][n - 1];
    }
    printf("lu %.6f\n", s);
    return 0;
}
