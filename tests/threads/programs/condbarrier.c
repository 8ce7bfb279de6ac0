/* condbarrier.c: a barrier built, as SPLASH's BARRIER macro builds it,
 * from a mutex and a condition variable with a single wait and no loop
 * around it: a thread that returns from pthread_cond_wait without a
 * broadcast leaves the barrier early, reads a neighbour's value of the
 * wrong round and breaks the counts (a wrong checksum, or a hang). P
 * threads, ROUNDS phases; each phase reads the neighbours' values of the
 * previous phase (double buffered) and writes its own. Prints a checksum
 * every 100 rounds (thread 0) and the final values. */
#include <pthread.h>
#include <stdio.h>

enum { P = 4, ROUNDS = 600, WORK = 64 };

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    unsigned counter;
} bar = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };

/* SPLASH-2's BARRIER(bar, P) for POSIX threads, written out */
static void barrier(void)
{
    pthread_mutex_lock(&bar.lock);
    bar.counter++;
    if (bar.counter < P) {
        pthread_cond_wait(&bar.cv, &bar.lock);
    } else {
        bar.counter = 0;
        pthread_cond_broadcast(&bar.cv);
    }
    pthread_mutex_unlock(&bar.lock);
}

static unsigned long val[2][P];
static unsigned long sums[ROUNDS / 100];

static unsigned long mix(unsigned long h, unsigned long v)
{
    return (h ^ v) * 1099511628211UL % 4294967291UL;
}

static void *worker(void *arg)
{
    long id = (long)arg;
    for (int r = 0; r < ROUNDS; r++) {
        const unsigned long *cur = val[r & 1];
        unsigned long h = (unsigned long)id + 1;
        for (int k = 0; k < WORK; k++)
            h = mix(h, cur[(id + k) % P] + (unsigned long)k);
        val[(r & 1) ^ 1][id] = h;
        barrier();
        if (id == 0 && r % 100 == 99) {
            unsigned long s = 0;
            for (int i = 0; i < P; i++)
                s = mix(s, val[(r & 1) ^ 1][i]);
            sums[r / 100] = s;
        }
        barrier();  /* nobody writes the next round's values before thread 0 has read them */
    }
    return NULL;
}

int main(void)
{
    pthread_t t[P];
    for (long i = 0; i < P; i++)
        val[0][i] = (unsigned long)(i * 7 + 1);
    for (long i = 1; i < P; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    worker((void *)0);
    for (long i = 1; i < P; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < ROUNDS / 100; i++)
        printf("round %d: %lu\n", i * 100 + 99, sums[i]);
    for (int i = 0; i < P; i++)
        printf("val %d: %lu\n", i, val[ROUNDS & 1][i]);
    return 0;
}
