/* lu.c: LU decomposition on a row-pointer matrix (double **). */
#include <stdio.h>
#include <stdlib.h>

static double **make(int n)
{
    double **m = malloc(n * sizeof(double *));
    for (int i = 0; i < n; i++)
        m[i] = malloc(n * sizeof(double));
    return m;
}

static void fill(double **m, int n, int seed)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            m[i][j] = (double)((i * 7 + j * 13 + seed) % 17) + (i == j ? n * 4 : 0);
}

static void eliminate(double **m, int n, int k)
{
    for (int i = k + 1; i < n; i++) {
        double f = m[i][k] / m[k][k];
        m[i][k] = f;
        for (int j = k + 1; j < n; j++)
            m[i][j] -= f * m[k][j];
    }
}

static double decompose(double **m, int n)
{
    for (int k = 0; k < n - 1; k++)
        eliminate(m, n, k);
    double det = 1;
    for (int i = 0; i < n; i++)
        det *= m[i][i] / 8;
    return det;
}

int main(void)
{
    int n = 48;
    double **m = make(n);
    for (int trial = 0; trial < 12; trial++) {
        fill(m, n, trial);
        double det = decompose(m, n);
        printf("trial %d det/8^n %.6e l[5][2] %.6f\n", trial, det, m[5][2]);
    }
    return 0;
}
