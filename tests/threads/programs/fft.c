/* fft.c: SPLASH-style parallel radix-2 FFT on complex doubles, P threads,
 * barrier-separated stages, forward and inverse each round. A MigThread
 * thread test: twiddles use only + - * / (half-angle recurrences, Newton
 * square root), so the output is bit-identical on every ABI. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define P 4
#define LOGN 16
#define N (1 << LOGN)
#define ROUNDS 40

struct cplx { double re, im; };

struct round_result {
    double sum_re, sum_im, weighted, energy, x1_re, x1_im;
    double in_energy, max_err, dft_err;
};

struct fft_state {
    struct cplx *data;      /* the input of the round */
    struct cplx *work;      /* the forward transform */
    struct cplx *back;      /* the inverse of work, unscaled */
    struct cplx *twiddle;   /* exp(-2 pi i k / N) for k < N/2 */
    double base_cos[LOGN + 1], base_sin[LOGN + 1]; /* angle 2 pi / 2^l */
    double part_err[P], part_energy[P];
    struct round_result *results; /* ROUNDS of them */
};

struct worker { int id; struct fft_state *st; };

static struct fft_state *fs;
static pthread_barrier_t barrier;

static double newton_sqrt(double x)
{
    double r = x > 1.0 ? x : 1.0;
    int i;
    for (i = 0; i < 60; i++)
        r = 0.5 * (r + x / r);
    return r;
}

static uint32_t bit_reverse(uint32_t v)
{
    uint32_t r = 0;
    int b;
    for (b = 0; b < LOGN; b++) {
        r = (r << 1) | (v & 1u);
        v >>= 1;
    }
    return r;
}

/* One transform of src into dst: bit-reversed copy, then LOGN stages. */
static void transform(struct fft_state *st, const struct cplx *src,
                      struct cplx *dst, int inverse, int id)
{
    uint32_t lo = (uint32_t)id * (N / P), hi = lo + N / P, i, j;
    uint32_t blo = (uint32_t)id * (N / 2 / P), bhi = blo + N / 2 / P;
    uint32_t half;
    for (i = lo; i < hi; i++)
        dst[bit_reverse(i)] = src[i];
    pthread_barrier_wait(&barrier);
    for (half = 1; half < N; half <<= 1) {
        uint32_t stride = N / (2 * half);
        for (j = blo; j < bhi; j++) {
            uint32_t k = j & (half - 1);
            uint32_t i1 = (j - k) * 2 + k, i2 = i1 + half;
            struct cplx w = st->twiddle[k * stride], t;
            if (inverse)
                w.im = -w.im;
            t.re = w.re * dst[i2].re - w.im * dst[i2].im;
            t.im = w.re * dst[i2].im + w.im * dst[i2].re;
            dst[i2].re = dst[i1].re - t.re;
            dst[i2].im = dst[i1].im - t.im;
            dst[i1].re += t.re;
            dst[i1].im += t.im;
        }
        pthread_barrier_wait(&barrier);
    }
}

static void *fft_worker(void *arg)
{
    struct worker *me = arg;
    struct fft_state *st = me->st;
    int id = me->id, round, b;
    uint32_t lo = (uint32_t)id * (N / P), hi = lo + N / P, i;
    uint32_t klo = (uint32_t)id * (N / 2 / P), khi = klo + N / 2 / P;

    /* twiddle k = product of the base angles of k's bits */
    for (i = klo; i < khi; i++) {
        struct cplx w = { 1.0, 0.0 };
        for (b = 0; b < LOGN - 1; b++) {
            if (i & (1u << b)) {
                double c = st->base_cos[LOGN - b], s = -st->base_sin[LOGN - b];
                double re = w.re * c - w.im * s;
                w.im = w.re * s + w.im * c;
                w.re = re;
            }
        }
        st->twiddle[i] = w;
    }
    for (round = 0; round < ROUNDS; round++) {
        uint32_t seed = (uint32_t)(round * P + id) * 2654435761u + 12345u;
        double err = 0.0, energy = 0.0;
        for (i = lo; i < hi; i++) {
            seed = seed * 1664525u + 1013904223u;
            st->data[i].re = (double)(seed >> 8) / 16777216.0 - 0.5;
            seed = seed * 1664525u + 1013904223u;
            st->data[i].im = (double)(seed >> 8) / 16777216.0 - 0.5;
            energy += st->data[i].re * st->data[i].re
                    + st->data[i].im * st->data[i].im;
        }
        st->part_energy[id] = energy;
        transform(st, st->data, st->work, 0, id);
        if (id == 0) {
            struct round_result *r = &st->results[round];
            r->sum_re = r->sum_im = r->weighted = r->energy = r->in_energy = 0.0;
            for (i = 0; i < N; i++) {
                r->sum_re += st->work[i].re;
                r->sum_im += st->work[i].im;
                r->weighted += (double)(i % 7 + 1) * (st->work[i].re - st->work[i].im);
                r->energy += st->work[i].re * st->work[i].re
                           + st->work[i].im * st->work[i].im;
            }
            r->energy /= N;
            for (b = 0; b < P; b++)
                r->in_energy += st->part_energy[b];
            r->x1_re = st->work[1].re;
            r->x1_im = st->work[1].im;
            r->dft_err = 0.0;          /* bin 1 by the direct sum */
            for (i = 0; i < N; i++) {
                struct cplx w = st->twiddle[i % (N / 2)];
                double sg = i < N / 2 ? 1.0 : -1.0;
                r->dft_err += sg * (w.re * st->data[i].re - w.im * st->data[i].im);
            }
            r->dft_err -= r->x1_re;
            if (r->dft_err < 0) r->dft_err = -r->dft_err;
        }
        transform(st, st->work, st->back, 1, id);
        for (i = lo; i < hi; i++) {
            double dr = st->back[i].re / N - st->data[i].re;
            double di = st->back[i].im / N - st->data[i].im;
            if (dr < 0) dr = -dr;
            if (di < 0) di = -di;
            if (dr > err) err = dr;
            if (di > err) err = di;
        }
        st->part_err[id] = err;
        pthread_barrier_wait(&barrier);
        if (id == 0) {
            st->results[round].max_err = 0.0;
            for (b = 0; b < P; b++)
                if (st->part_err[b] > st->results[round].max_err)
                    st->results[round].max_err = st->part_err[b];
        }
        pthread_barrier_wait(&barrier);
    }
    return NULL;
}

int main(void)
{
    pthread_t tids[P];
    struct worker *workers = malloc(P * sizeof *workers);
    int l, t, bad = 0;
    double total = 0.0, energy = 0.0;

    fs = calloc(1, sizeof *fs);
    fs->data = malloc(N * sizeof *fs->data);
    fs->work = malloc(N * sizeof *fs->work);
    fs->back = malloc(N * sizeof *fs->back);
    fs->twiddle = malloc(N / 2 * sizeof *fs->twiddle);
    fs->results = calloc(ROUNDS, sizeof *fs->results);
    fs->base_cos[1] = -1.0; fs->base_sin[1] = 0.0;
    fs->base_cos[2] = 0.0;  fs->base_sin[2] = 1.0;
    for (l = 3; l <= LOGN; l++) {   /* half-angle formulas */
        fs->base_cos[l] = newton_sqrt((1.0 + fs->base_cos[l - 1]) / 2.0);
        fs->base_sin[l] = fs->base_sin[l - 1] / (2.0 * fs->base_cos[l]);
    }
    pthread_barrier_init(&barrier, NULL, P);
    for (t = 0; t < P; t++) {
        workers[t].id = t;
        workers[t].st = fs;
        pthread_create(&tids[t], NULL, fft_worker, &workers[t]);
    }
    for (t = 0; t < P; t++)
        pthread_join(tids[t], NULL);
    pthread_barrier_destroy(&barrier);

    printf("fft: N=%d P=%d rounds=%d\n", N, P, ROUNDS);
    printf("twiddle[N/8] = %.15f %.15f\n", fs->twiddle[N / 8].re, fs->twiddle[N / 8].im);
    for (t = 0; t < ROUNDS; t++) {
        struct round_result *r = &fs->results[t];
        double rel = (r->energy - r->in_energy) / r->in_energy;
        if (rel < 0) rel = -rel;
        if (t % 8 == 0 || rel >= 1e-9 || r->max_err >= 1e-9 || r->dft_err >= 1e-6)
            printf("round %2d: sum %.6f %.6f weighted %.6f energy %.6f X1 %.6f %.6f%s%s%s\n",
               t, r->sum_re, r->sum_im, r->weighted, r->energy, r->x1_re, r->x1_im,
               r->max_err < 1e-9 ? "" : " ROUNDTRIP-ERROR",
               rel < 1e-9 ? "" : " PARSEVAL-ERROR",
               r->dft_err < 1e-6 ? "" : " DFT-ERROR");
        bad += r->max_err >= 1e-9 || rel >= 1e-9 || r->dft_err >= 1e-6;
        total += r->weighted;
        energy += r->energy;
    }
    printf("total weighted %.6f energy %.6f, %s\n", total, energy, bad ? "FAILED" : "ok");
    free(fs->data); free(fs->work); free(fs->back); free(fs->twiddle);
    free(fs->results); free(fs); free(workers);
    return bad != 0;
}
