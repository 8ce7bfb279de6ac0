/* spawn.c: creates and joins P threads ROUNDS times; each computes Collatz
 * step counts for a range, using a pthread_once-initialised memo table under
 * a pthread_rwlock_t, a _Thread_local counter, and returns a heap result
 * through pthread_join. A MigThread thread test; output identical on every ABI. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define P 4
#define ROUNDS 200
#define PER_THREAD 1000
#define TABLE_SIZE (1u << 18)

struct task { int round, index; uint32_t first, count; };

struct result {
    uint32_t first, processed, max_steps, argmax;
    uint64_t steps_sum;
};

struct memo {
    uint32_t size;
    uint32_t *steps;     /* steps + 1, 0 when unknown */
};

static struct memo *memo;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;
static pthread_rwlock_t memo_lock;
static _Thread_local uint32_t tls_processed;
static int init_calls;

static void memo_init(void)
{
    uint32_t k;
    init_calls++;
    pthread_rwlock_init(&memo_lock, NULL);
    memo = malloc(sizeof *memo);
    memo->size = TABLE_SIZE;
    memo->steps = calloc(TABLE_SIZE, sizeof *memo->steps);
    for (k = 0; (1u << k) < TABLE_SIZE; k++)   /* 2^k takes k steps */
        memo->steps[1u << k] = k + 1;
}

static uint32_t lookup(uint64_t n)
{
    uint32_t v = 0;
    if (n < memo->size) {
        pthread_rwlock_rdlock(&memo_lock);
        v = memo->steps[n];
        pthread_rwlock_unlock(&memo_lock);
    }
    return v;
}

static uint32_t collatz_steps(uint32_t start)
{
    uint64_t n = start;
    uint32_t steps = 0, known;
    for (;;) {
        known = lookup(n);
        if (known != 0) {
            steps += known - 1;
            break;
        }
        n = (n & 1u) ? 3u * n + 1u : n / 2u;
        steps++;
    }
    if (start < memo->size) {
        pthread_rwlock_wrlock(&memo_lock);
        memo->steps[start] = steps + 1;
        pthread_rwlock_unlock(&memo_lock);
    }
    tls_processed++;
    return steps;
}

static void *spawn_worker(void *arg)
{
    struct task *t = arg;
    struct result *r = malloc(sizeof *r);
    uint32_t i;
    pthread_once(&memo_once, memo_init);
    r->first = t->first;
    r->max_steps = r->argmax = 0;
    r->steps_sum = 0;
    for (i = 0; i < t->count; i++) {
        uint32_t s = collatz_steps(t->first + i);
        r->steps_sum += s;
        if (s > r->max_steps) {
            r->max_steps = s;
            r->argmax = t->first + i;
        }
    }
    r->processed = tls_processed;   /* a fresh thread: started at zero */
    return r;
}

int main(void)
{
    pthread_t tids[P];
    struct task *tasks = calloc(P, sizeof *tasks);
    uint64_t total = 0, combined = 0, table_sum = 0;
    uint32_t max_steps = 0, argmax = 0, processed = 0, filled = 0, i;
    int round, t, bad = 0;

    printf("spawn: rounds %d threads %d per thread %d\n", ROUNDS, P, PER_THREAD);
    for (round = 0; round < ROUNDS; round++) {
        uint64_t round_sum = 0;
        for (t = 0; t < P; t++) {
            tasks[t].round = round;
            tasks[t].index = t;
            tasks[t].first = 1u + (uint32_t)(round * P + t) * PER_THREAD;
            tasks[t].count = PER_THREAD;
            if (pthread_create(&tids[t], NULL, spawn_worker, &tasks[t]) != 0)
                bad++;
        }
        for (t = 0; t < P; t++) {
            void *ret = NULL;
            struct result *r;
            if (pthread_join(tids[t], &ret) != 0 || ret == NULL) {
                bad++;
                continue;
            }
            r = ret;
            if (r->first != tasks[t].first || r->processed != tasks[t].count)
                bad++;
            round_sum += r->steps_sum;
            processed += r->processed;
            if (r->max_steps > max_steps) {
                max_steps = r->max_steps;
                argmax = r->argmax;
            }
            free(r);
        }
        total += round_sum;
        combined = combined * 1000003u + round_sum;
        if (round % 25 == 24)
            printf("after round %3d: steps %llu max %u at %u\n", round,
                   (unsigned long long)total, (unsigned)max_steps, (unsigned)argmax);
    }
    pthread_rwlock_rdlock(&memo_lock);
    for (i = 0; i < memo->size; i++)
        if (memo->steps[i] != 0) {
            filled++;
            table_sum += memo->steps[i];
        }
    pthread_rwlock_unlock(&memo_lock);
    printf("numbers %u total steps %llu combined %016llx\n", (unsigned)processed,
           (unsigned long long)total, (unsigned long long)combined);
    printf("memo: init calls %d filled %u checksum %llu\n", init_calls,
           (unsigned)filled, (unsigned long long)table_sum);
    printf("%s\n", bad == 0 && init_calls == 1 ? "ok" : "FAILED");
    pthread_rwlock_destroy(&memo_lock);
    free(memo->steps); free(memo); free(tasks);
    return bad != 0;
}
