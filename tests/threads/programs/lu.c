/* lu.c: SPLASH-style blocked LU decomposition (no pivoting, diagonally
 * dominant matrix) with P threads owning blocks 2-D cyclically and
 * barriers between the diagonal, perimeter and interior steps. A MigThread
 * thread test: a heap array of block pointers, output identical on every ABI. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define P 4
#define N 896
#define B 16
#define NB (N / B)
#define SAMPLES 512

struct matrix {
    int n, bs, nb;
    double **blocks;    /* nb * nb pointers, each to a bs * bs block */
    int *owner;         /* nb * nb thread ids */
};

struct worker { int id; struct matrix *m; };

static struct matrix *mat;
static pthread_barrier_t barrier;

static double original(int i, int j)
{
    uint32_t h = (uint32_t)(i * N + j) * 2654435761u;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    return (double)(h >> 8) / 16777216.0 - 0.5 + (i == j ? (double)N : 0.0);
}

static double *block(struct matrix *m, int bi, int bj)
{
    return m->blocks[bi * m->nb + bj];
}

static void factor_diagonal(double *a)
{
    int c, r, j;
    for (c = 0; c < B; c++)
        for (r = c + 1; r < B; r++) {
            a[r * B + c] /= a[c * B + c];
            for (j = c + 1; j < B; j++)
                a[r * B + j] -= a[r * B + c] * a[c * B + j];
        }
}

/* a := L^-1 a, with L the unit lower triangle of d */
static void solve_row_block(const double *d, double *a)
{
    int r, c, j;
    for (r = 1; r < B; r++)
        for (c = 0; c < r; c++)
            for (j = 0; j < B; j++)
                a[r * B + j] -= d[r * B + c] * a[c * B + j];
}

/* a := a U^-1, with U the upper triangle of d */
static void solve_col_block(const double *d, double *a)
{
    int r, c, m;
    for (r = 0; r < B; r++)
        for (c = 0; c < B; c++) {
            double x = a[r * B + c];
            for (m = 0; m < c; m++)
                x -= a[r * B + m] * d[m * B + c];
            a[r * B + c] = x / d[c * B + c];
        }
}

/* c -= a * b */
static void update_interior(const double *a, const double *b, double *c)
{
    int r, m, j;
    for (r = 0; r < B; r++)
        for (m = 0; m < B; m++) {
            double f = a[r * B + m];
            for (j = 0; j < B; j++)
                c[r * B + j] -= f * b[m * B + j];
        }
}

static void *lu_worker(void *arg)
{
    struct worker *me = arg;
    struct matrix *m = me->m;
    int id = me->id, k, i, j, r, c;

    for (i = 0; i < NB; i++)           /* each thread fills its own blocks */
        for (j = 0; j < NB; j++)
            if (m->owner[i * NB + j] == id)
                for (r = 0; r < B; r++)
                    for (c = 0; c < B; c++)
                        block(m, i, j)[r * B + c] = original(i * B + r, j * B + c);
    pthread_barrier_wait(&barrier);
    for (k = 0; k < NB; k++) {
        double *d = block(m, k, k);
        if (m->owner[k * NB + k] == id)
            factor_diagonal(d);
        pthread_barrier_wait(&barrier);
        for (j = k + 1; j < NB; j++) {
            if (m->owner[k * NB + j] == id)
                solve_row_block(d, block(m, k, j));
            if (m->owner[j * NB + k] == id)
                solve_col_block(d, block(m, j, k));
        }
        pthread_barrier_wait(&barrier);
        for (i = k + 1; i < NB; i++)
            for (j = k + 1; j < NB; j++)
                if (m->owner[i * NB + j] == id)
                    update_interior(block(m, i, k), block(m, k, j), block(m, i, j));
        pthread_barrier_wait(&barrier);
    }
    return NULL;
}

static double entry(struct matrix *m, int i, int j)
{
    return block(m, i / B, j / B)[(i % B) * B + j % B];
}

int main(void)
{
    pthread_t tids[P];
    struct worker workers[P];
    int i, j, t, s;
    uint32_t seed = 2024u;
    double sum = 0.0, diag = 0.0, weighted = 0.0, max_err = 0.0;

    mat = malloc(sizeof *mat);
    mat->n = N; mat->bs = B; mat->nb = NB;
    mat->blocks = malloc(NB * NB * sizeof *mat->blocks);
    mat->owner = malloc(NB * NB * sizeof *mat->owner);
    for (i = 0; i < NB; i++)
        for (j = 0; j < NB; j++) {
            mat->blocks[i * NB + j] = malloc(B * B * sizeof(double));
            mat->owner[i * NB + j] = (i % 2) * 2 + j % 2;
        }
    pthread_barrier_init(&barrier, NULL, P);
    for (t = 0; t < P; t++) {
        workers[t].id = t;
        workers[t].m = mat;
        pthread_create(&tids[t], NULL, lu_worker, &workers[t]);
    }
    for (t = 0; t < P; t++)
        pthread_join(tids[t], NULL);
    pthread_barrier_destroy(&barrier);

    for (i = 0; i < N; i++) {
        double row = 0.0;
        for (j = 0; j < N; j++)
            row += entry(mat, i, j);
        sum += row;
        weighted += (double)(i % 13 + 1) * row;
        diag += entry(mat, i, i);
    }
    for (s = 0; s < SAMPLES; s++) {     /* (L U)[i][j] against A[i][j] */
        double lu = 0.0, e;
        int lim;
        seed = seed * 1664525u + 1013904223u;
        i = (int)(seed >> 8) % N;
        seed = seed * 1664525u + 1013904223u;
        j = (int)(seed >> 8) % N;
        lim = i < j ? i : j;
        for (t = 0; t < lim; t++)
            lu += entry(mat, i, t) * entry(mat, t, j);
        e = entry(mat, i, j);
        if (i > j)
            e *= entry(mat, j, j);
        lu += e;
        e = lu - original(i, j);
        if (e < 0) e = -e;
        if (e > max_err) max_err = e;
    }
    printf("lu: N=%d block=%d P=%d\n", N, B, P);
    printf("sum of L and U %.10f\n", sum);
    printf("weighted row sums %.10f\n", weighted);
    printf("diagonal of U %.10f\n", diag);
    printf("U[0][0] %.12f U[N-1][N-1] %.12f L[N-1][0] %.12f\n",
           entry(mat, 0, 0), entry(mat, N - 1, N - 1), entry(mat, N - 1, 0));
    printf("reconstruction (%d samples): %s\n", SAMPLES, max_err < 1e-9 ? "ok" : "FAILED");
    for (i = 0; i < NB * NB; i++)
        free(mat->blocks[i]);
    free(mat->blocks); free(mat->owner); free(mat);
    return max_err < 1e-9 ? 0 : 1;
}
