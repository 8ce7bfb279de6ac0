/* radix.c: SPLASH-style parallel LSD radix sort of pseudo-random 32-bit
 * keys: per-thread histograms, a global prefix sum, stable scatter, with
 * barriers between phases. A MigThread thread test; output identical on
 * every ABI (only uint32_t arithmetic). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define P 4
#define NKEYS (1 << 20)
#define RBITS 8
#define RADIX (1 << RBITS)
#define PASSES (32 / RBITS)
#define ROUNDS 32

struct part {           /* one thread's view of its slice */
    uint32_t sum_before, xor_before, sum_after, xor_after, weighted;
    uint32_t unsorted;
};

struct round_result {
    uint32_t sum, xor, weighted, unsorted, first, middle, last;
    int permutation_ok;
};

struct sort_state {
    uint32_t *keys, *tmp;
    uint32_t **hist;     /* P pointers to RADIX counts */
    uint32_t **offset;   /* P pointers to RADIX next positions */
    struct part *parts;  /* P of them */
    struct round_result *results;
};

struct worker { int id; struct sort_state *st; };

static struct sort_state *ss;
static pthread_barrier_t barrier;

static void sort_round(struct sort_state *st, int id, int round)
{
    uint32_t lo = (uint32_t)id * (NKEYS / P), hi = lo + NKEYS / P, i, d, p;
    uint32_t seed = (uint32_t)round * 7919u + (uint32_t)id * 104729u + 1u;
    uint32_t *src = st->keys, *dst = st->tmp, *swap;
    uint32_t *hist = st->hist[id], *off = st->offset[id];
    struct part *mine = &st->parts[id];
    int pass, shift;

    mine->sum_before = mine->xor_before = 0;
    for (i = lo; i < hi; i++) {
        uint32_t high;
        seed = seed * 1664525u + 1013904223u;
        high = seed & 0xffff0000u;
        seed = seed * 1664525u + 1013904223u;
        src[i] = high | (seed >> 16);
        mine->sum_before += src[i];
        mine->xor_before ^= src[i];
    }
    for (pass = 0; pass < PASSES; pass++) {
        shift = pass * RBITS;
        for (d = 0; d < RADIX; d++)
            hist[d] = 0;
        for (i = lo; i < hi; i++)
            hist[(src[i] >> shift) & (RADIX - 1)]++;
        pthread_barrier_wait(&barrier);
        if (id == 0) {               /* digit-major, thread-minor prefix sum */
            uint32_t pos = 0;
            for (d = 0; d < RADIX; d++)
                for (p = 0; p < P; p++) {
                    st->offset[p][d] = pos;
                    pos += st->hist[p][d];
                }
        }
        pthread_barrier_wait(&barrier);
        for (i = lo; i < hi; i++)
            dst[off[(src[i] >> shift) & (RADIX - 1)]++] = src[i];
        pthread_barrier_wait(&barrier);
        swap = src; src = dst; dst = swap;
    }
    /* PASSES is even: the sorted keys are back in st->keys */
    mine->sum_after = mine->xor_after = mine->weighted = mine->unsorted = 0;
    for (i = lo; i < hi; i++) {
        if (i > 0 && src[i - 1] > src[i])
            mine->unsorted++;
        mine->sum_after += src[i];
        mine->xor_after ^= src[i];
        mine->weighted += src[i] * (i + 1u);
    }
    pthread_barrier_wait(&barrier);
    if (id == 0) {
        struct round_result *r = &st->results[round];
        uint32_t sb = 0, xb = 0;
        r->sum = r->xor = r->weighted = r->unsorted = 0;
        for (p = 0; p < P; p++) {
            sb += st->parts[p].sum_before;
            xb ^= st->parts[p].xor_before;
            r->sum += st->parts[p].sum_after;
            r->xor ^= st->parts[p].xor_after;
            r->weighted += st->parts[p].weighted;
            r->unsorted += st->parts[p].unsorted;
        }
        r->permutation_ok = sb == r->sum && xb == r->xor;
        r->first = src[0];
        r->middle = src[NKEYS / 2];
        r->last = src[NKEYS - 1];
    }
    pthread_barrier_wait(&barrier);
}

static void *radix_worker(void *arg)
{
    struct worker *me = arg;
    int round;
    for (round = 0; round < ROUNDS; round++)
        sort_round(me->st, me->id, round);
    return NULL;
}

int main(void)
{
    pthread_t tids[P];
    struct worker *workers = malloc(P * sizeof *workers);
    int t, bad = 0;
    uint32_t all = 0;

    ss = malloc(sizeof *ss);
    ss->keys = malloc(NKEYS * sizeof *ss->keys);
    ss->tmp = malloc(NKEYS * sizeof *ss->tmp);
    ss->hist = malloc(P * sizeof *ss->hist);
    ss->offset = malloc(P * sizeof *ss->offset);
    ss->parts = calloc(P, sizeof *ss->parts);
    ss->results = calloc(ROUNDS, sizeof *ss->results);
    for (t = 0; t < P; t++) {
        ss->hist[t] = calloc(RADIX, sizeof **ss->hist);
        ss->offset[t] = calloc(RADIX, sizeof **ss->offset);
    }
    pthread_barrier_init(&barrier, NULL, P);
    for (t = 0; t < P; t++) {
        workers[t].id = t;
        workers[t].st = ss;
        pthread_create(&tids[t], NULL, radix_worker, &workers[t]);
    }
    for (t = 0; t < P; t++)
        pthread_join(tids[t], NULL);
    pthread_barrier_destroy(&barrier);

    printf("radix: keys=%d radix=%d P=%d rounds=%d\n", NKEYS, RADIX, P, ROUNDS);
    for (t = 0; t < ROUNDS; t++) {
        struct round_result *r = &ss->results[t];
        if (t % 4 == 0 || r->unsorted != 0 || !r->permutation_ok)
            printf("round %2d: sum %08x xor %08x weighted %08x first %08x middle %08x last %08x %s\n",
                   t, (unsigned)r->sum, (unsigned)r->xor, (unsigned)r->weighted,
                   (unsigned)r->first, (unsigned)r->middle, (unsigned)r->last,
                   r->unsorted == 0 && r->permutation_ok ? "sorted" : "FAILED");
        bad += r->unsorted != 0 || !r->permutation_ok;
        all = all * 31u + r->weighted;
    }
    printf("combined %08x, %s\n", (unsigned)all, bad ? "FAILED" : "ok");
    for (t = 0; t < P; t++) {
        free(ss->hist[t]);
        free(ss->offset[t]);
    }
    free(ss->hist); free(ss->offset); free(ss->parts); free(ss->results);
    free(ss->keys); free(ss->tmp); free(ss); free(workers);
    return bad != 0;
}
