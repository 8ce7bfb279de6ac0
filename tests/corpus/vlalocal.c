/* vlalocal.c: variable-length array objects as locals, as the Benchmarks
 * Game's spectral-norm declares them in main (double u[n], v[n]): doubles,
 * ints and structs, one and two dimensions (one of them constant), several
 * in one declaration with other variables, sizeof
 * of each, &u and decay, early returns and the end of a body leaving the
 * function (also beside pinned locals: a constant array, a local whose
 * address is taken), and long loops while they are live. Arithmetic only (no libm),
 * so every ABI prints the same. */
#include <stdio.h>
#include <stdlib.h>

struct cell {
    int k;
    double w;
    char tag;
};

static double eval_a(int i, int j)
{
    return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1);
}

static void times(int n, double *out, const double *in, int transpose)
{
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < n; j++)
            s += (transpose ? eval_a(j, i) : eval_a(i, j)) * in[j];
        out[i] = s;
    }
}

/* a VLA object in a function other than main, freed at the body's end */
static void times_ata(int n, double *out, const double *in)
{
    double tmp[n];
    times(n, tmp, in, 0);
    times(n, out, tmp, 1);
}

static void bump(long *acc, int by)
{
    *acc += by;
}

/* 2-D ints, structs, early returns */
static long grid(int n, int m, int salt)
{
    int weights[3] = { 2, 3, 5 };
    long acc = 0;
    if (n <= 0)
        return -1;  /* before any of them is declared */
    int g[n][m];
    struct cell cells[m];
    long s = (long)(sizeof g / sizeof g[0][0]) * 1000 + (long)(sizeof cells / sizeof cells[0]) * 10 +
             (long)(sizeof g[0] / sizeof(int));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            g[i][j] = (i * 7 + j * 3 + salt) % 11;
    for (int j = 0; j < m; j++) {
        cells[j].k = j - salt;
        cells[j].w = j * 0.5 + salt;
        cells[j].tag = (char)('a' + j % 26);
    }
    int(*row)[m] = &g[n - 1];
    struct cell *c = cells;
    for (int r = 0; r < 40; r++)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                s += g[i][j] * c[j].k + (long)(c[j].w * 2) + c[j].tag - (*row)[j] + weights[r % 3];
    for (int j = 0; j < m; j++)
        bump(&acc, g[0][j]);
    if (salt % 4 == 1)
        return s * 2 + acc;
    return s - acc;
}

/* a one-row sum through a pointer to the array object */
static double row_sum(int m, double (*row)[m])
{
    double s = 0;
    for (int j = 0; j < m; j++)
        s += (*row)[j];
    return s;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 64;
    double u[n], v[n], scale = 1;
    double table[n / 4][4];
    long sums = 0;
    printf("u holds %zu doubles in %zu bytes, table %zu rows of %zu\n", sizeof u / sizeof u[0], sizeof u,
           sizeof table / sizeof table[0], sizeof table[0] / sizeof table[0][0]);
    for (int i = 0; i < n; i++)
        u[i] = scale;
    double(*pu)[n] = &u;
    for (int r = 0; r < 10; r++) {
        times_ata(n, v, *pu);
        times_ata(n, u, v);
        for (int i = 0; i < n / 4; i++)
            for (int j = 0; j < 4; j++)
                table[i][j] = u[i * 4 + j] * (j + 1) + r;
        long g = grid(n / 8 + r, r + 3, r);
        sums += g;
        printf("round %d: u[0] %.9f v[n-1] %.9f grid %ld row %.6f\n", r, u[0], v[n - 1], g, row_sum(4, &table[r % (n / 4)]));
    }
    double vbv = 0, vv = 0;
    for (int i = 0; i < n; i++) {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    printf("%.9f (squared norm), grids %ld\n", vbv / vv, sums);
    return 0;
}
