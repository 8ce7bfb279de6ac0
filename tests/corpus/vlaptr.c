/* vlaptr.c: numeric kernels taking pointers to variable-length arrays
 * (long (*a)[n], long a[n][m], a three-dimensional one), the calls that
 * pass them (with casts to such types at the call), and such pointers as
 * locals, allocated with malloc(n * sizeof *a), indexed, reassigned and
 * passed on, their bounds changing after the declaration. */
#include <stdio.h>
#include <stdlib.h>

static void fill(int n, int m, long (*a)[m], int salt)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i][j] = (i * 31 + j * 7 + salt) % 101;
}

static long trace_sum(int n, int m, long a[n][m])
{
    long s = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            s += i == j ? 3 * a[i][j] : a[i][j];
    return s;
}

static void mul(int n, long (*c)[n], long (*a)[n], long (*b)[n])
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            long s = 0;
            for (int k = 0; k < n; k++)
                s += a[i][k] * b[k][j];
            c[i][j] = s % 1000003;
        }
}

static long cube(int d, int (*v)[d][d + 1])
{
    long s = 0;
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            for (int k = 0; k <= d; k++) {
                v[i][j][k] = i * j - k;
                s += v[i][j][k];
            }
    return s;
}

static long round_of(int n, long (*a)[n], long (*b)[n], long (*c)[n], int r)
{
    fill(n, n, a, r);
    fill(n, n, b, r + 1);
    mul(n, c, a, b);
    return trace_sum(n, n, c);
}

static long locals(int n)
{
    long (*a)[n] = malloc(n * sizeof *a);
    long (*b)[n] = malloc(sizeof(long[n][n]));
    long (*c)[n];
    c = malloc(n * sizeof *c);
    int d = n / 3 + 1;
    int (*v)[d][d + 1] = malloc(d * sizeof *v);
    n = n + 0 * d;  /* the bounds were taken at the declarations */
    long s = 0;
    for (int r = 0; r < 3; r++) {
        s += round_of(n, a, b, c, r) + a[n - 1][r] + c[r][n / 2];
        s += cube(d, v) + v[d - 1][d - 1][d];
        long (*t)[n] = a;
        a = b;
        b = t;
    }
    free(a);
    free(b);
    free(c);
    free(v);
    return s;
}

int main(void)
{
    int n = 24, d = 9;
    long *a = malloc(sizeof(long) * n * n), *b = malloc(sizeof(long) * n * n), *c = malloc(sizeof(long) * n * n);
    int *v = malloc(sizeof(int) * d * d * (d + 1));
    long total = 0;
    for (int r = 0; r < 12; r++) {
        total += round_of(n, (long (*)[n])a, (long (*)[n])b, (long (*)[n])c, r);
        total += cube(d, (int (*)[d][d + 1])v);
        if (r % 4 == 3)
            total += locals(10 + r);
        printf("round %d: %ld\n", r, total);
    }
    free(a);
    free(b);
    free(c);
    free(v);
    return 0;
}
