/* timedwait.c: pthread_cond_timedwait. A short wait nobody signals times
 * out (ETIMEDOUT, with the mutex held again); then SPLASH-style barriers
 * (one wait, no loop) whose wait is timed with a deadline an hour away,
 * one condition on CLOCK_REALTIME, one on CLOCK_MONOTONIC
 * (pthread_condattr_setclock): a timed wait that returned early, or after
 * a restore without its broadcast, leaves a barrier early and breaks the
 * checksum. Mutex and condition attributes live in main's frame throughout
 * (glibc's unions, converted as the ints they are). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

enum { P = 3, ROUNDS = 400, WORK = 48 };

struct barrier {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    clockid_t clock;
    unsigned counter;
};
static struct barrier bars[2];

static int wait_timed(struct barrier *b, long ms)
{
    struct timespec ts;
    clock_gettime(b->clock, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += ms % 1000 * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    return pthread_cond_timedwait(&b->cv, &b->lock, &ts);
}

static void barrier(struct barrier *b)
{
    pthread_mutex_lock(&b->lock);
    b->counter++;
    if (b->counter < P) {
        if (wait_timed(b, 3600 * 1000L) != 0)
            puts("a barrier wait timed out");
    } else {
        b->counter = 0;
        pthread_cond_broadcast(&b->cv);
    }
    pthread_mutex_unlock(&b->lock);
}

static unsigned long long val[2][P], sum;

static void *worker(void *arg)
{
    long id = (long)arg;
    for (int r = 0; r < ROUNDS; r++) {
        const unsigned long long *cur = val[r & 1];
        unsigned long long h = (unsigned long long)id + 1;
        for (int k = 0; k < WORK; k++)
            h = (h ^ (cur[(id + k) % P] + (unsigned long long)k)) * 1099511628211ULL % 4294967291ULL;
        val[(r & 1) ^ 1][id] = h;
        barrier(&bars[0]);
        if (id == 0)
            sum = (sum * 31 + val[(r & 1) ^ 1][r % P]) % 4294967291ULL;
        barrier(&bars[1]);
    }
    return NULL;
}

static void init_bars(void)
{
    for (int i = 0; i < 2; i++) {
        pthread_condattr_t a;
        pthread_condattr_init(&a);
        bars[i].clock = i ? CLOCK_MONOTONIC : CLOCK_REALTIME;
        pthread_condattr_setclock(&a, bars[i].clock);
        pthread_mutex_init(&bars[i].lock, NULL);
        pthread_cond_init(&bars[i].cv, &a);
        pthread_condattr_destroy(&a);
    }
}

int main(void)
{
    /* attribute objects in main's frame across every checkpoint */
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    init_bars();
    for (int i = 0; i < 2; i++) {
        pthread_mutex_lock(&bars[i].lock);
        int rc = wait_timed(&bars[i], 20);
        int again = pthread_mutex_trylock(&bars[i].lock);  /* held by us again: busy */
        pthread_mutex_unlock(&bars[i].lock);
        printf("clock %d: short wait %s, mutex %s\n", i, rc == ETIMEDOUT ? "timed out" : "did not time out",
               again != 0 ? "held" : "free");
    }
    pthread_t t[P];
    for (long i = 0; i < P; i++)
        val[0][i] = (unsigned long long)(i * 5 + 3);
    for (long i = 1; i < P; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    worker((void *)0);
    for (long i = 1; i < P; i++)
        pthread_join(t[i], NULL);
    printf("sum %llu\n", sum);
    int type;
    clockid_t clock;
    pthread_mutexattr_gettype(&ma, &type);
    pthread_condattr_getclock(&ca, &clock);
    printf("attributes: %s mutex, %s clock\n", type == PTHREAD_MUTEX_RECURSIVE ? "recursive" : "other",
           clock == CLOCK_MONOTONIC ? "monotonic" : "other");
    pthread_mutexattr_destroy(&ma);
    pthread_condattr_destroy(&ca);
    for (int i = 0; i < P; i++)
        printf("val %d: %llu\n", i, val[ROUNDS & 1][i]);
    return 0;
}
