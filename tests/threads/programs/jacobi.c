/* jacobi.c: Jacobi relaxation of a 2-D Laplace problem, P threads owning
 * row bands, pthread_barrier_wait between sweeps; thread 0 alone prints the
 * residual and checksums every REPORT sweeps. A MigThread thread test:
 * grids are heap arrays of row pointers, output identical on every ABI. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define P 4
#define G 512            /* interior points per side */
#define ITERS 500
#define REPORT 50

struct partial { double residual, sum; };

struct grid {
    int size;            /* G + 2, with the boundary */
    double **rows;       /* size pointers to size doubles */
};

struct jacobi_state {
    struct grid *cur, *next;
    struct partial part[2][P];  /* double-buffered by sweep parity */
    int reports;
};

struct worker { int id; struct jacobi_state *st; };

static struct jacobi_state *js;
static pthread_barrier_t barrier;

static struct grid *new_grid(void)
{
    struct grid *g = malloc(sizeof *g);
    uint32_t seed = 99991u;
    int i, j;
    g->size = G + 2;
    g->rows = malloc((size_t)g->size * sizeof *g->rows);
    for (i = 0; i < g->size; i++) {
        g->rows[i] = malloc((size_t)g->size * sizeof **g->rows);
        for (j = 0; j < g->size; j++) {      /* interior: random in [0, 1) */
            seed = seed * 1664525u + 1013904223u;
            g->rows[i][j] = (double)(seed >> 8) / 16777216.0;
        }
        g->rows[i][0] = 0.5;                 /* left edge */
        g->rows[i][g->size - 1] = -0.25;     /* right edge */
    }
    for (j = 0; j < g->size; j++)
        g->rows[0][j] = 1.0;                 /* top edge */
    return g;
}

static void free_grid(struct grid *g)
{
    int i;
    for (i = 0; i < g->size; i++)
        free(g->rows[i]);
    free(g->rows);
    free(g);
}

static void *jacobi_worker(void *arg)
{
    struct worker *me = arg;
    struct jacobi_state *st = me->st;
    struct grid *src = st->cur, *dst = st->next, *swap;
    int id = me->id, lo = 1 + id * (G / P), hi = lo + G / P;
    int it, i, j, p;

    for (it = 1; it <= ITERS; it++) {
        int report = it % REPORT == 0;
        double residual = 0.0, sum = 0.0;
        for (i = lo; i < hi; i++) {
            double *up = src->rows[i - 1], *row = src->rows[i];
            double *down = src->rows[i + 1], *out = dst->rows[i];
            for (j = 1; j <= G; j++)
                out[j] = 0.25 * (up[j] + down[j] + row[j - 1] + row[j + 1]);
            if (report)
                for (j = 1; j <= G; j++) {
                    double d = out[j] - row[j];
                    residual += d * d;
                    sum += out[j];
                }
        }
        st->part[it % 2][id].residual = residual;
        st->part[it % 2][id].sum = sum;
        pthread_barrier_wait(&barrier);
        if (report && id == 0) {
            residual = sum = 0.0;
            for (p = 0; p < P; p++) {
                residual += st->part[it % 2][p].residual;
                sum += st->part[it % 2][p].sum;
            }
            printf("sweep %4d: residual %.12e sum %.10f u[G/2][G/3] %.12f\n",
                   it, residual, sum, dst->rows[G / 2][G / 3]);
            st->reports++;
        }
        swap = src; src = dst; dst = swap;
    }
    if (id == 0) {              /* the last sweep's output is in src */
        st->cur = src;
        st->next = dst;
    }
    return NULL;
}

int main(void)
{
    pthread_t tids[P];
    struct worker *workers = malloc(P * sizeof *workers);
    double sum = 0.0, weighted = 0.0;
    int t, i, j;

    js = calloc(1, sizeof *js);
    js->cur = new_grid();
    js->next = new_grid();
    printf("jacobi: grid %dx%d P=%d sweeps=%d\n", G, G, P, ITERS);
    fflush(stdout);
    pthread_barrier_init(&barrier, NULL, P);
    for (t = 0; t < P; t++) {
        workers[t].id = t;
        workers[t].st = js;
        pthread_create(&tids[t], NULL, jacobi_worker, &workers[t]);
    }
    for (t = 0; t < P; t++)
        pthread_join(tids[t], NULL);
    pthread_barrier_destroy(&barrier);

    for (i = 1; i <= G; i++)
        for (j = 1; j <= G; j++) {
            sum += js->cur->rows[i][j];
            weighted += (double)((i * 7 + j * 3) % 17) * js->cur->rows[i][j];
        }
    printf("final: reports %d sum %.10f weighted %.10f corner %.12f\n",
           js->reports, sum, weighted, js->cur->rows[1][1]);
    free_grid(js->cur);
    free_grid(js->next);
    free(js);
    free(workers);
    return 0;
}
