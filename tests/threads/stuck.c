/* stuck.c: a worker waits at a barrier inside a function mtcc cannot
 * transform (it has a variable-length array, so it has no adaptation
 * points and cannot unwind). A capture asked for while it waits there is
 * given up with one line on stderr; main carries on, meets the worker at
 * the barrier, and the program ends as it would have without the request.
 * Usage: stuck [ROUNDS] (main's work once the worker waits). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_barrier_t meet;
static atomic_int inside;

/* mtcc leaves this function untransformed (a variable-length array in a
 * nested block): its wait is no safe point. */
static long wait_here(int n)
{
    {
        long v[n];
        for (int i = 0; i < n; i++)
            v[i] = 3L * i;
        atomic_store(&inside, 1);
        pthread_barrier_wait(&meet);
        return v[n - 1];
    }
}

/* Untransformed too, so that main counts no adaptation points before the
 * worker is in place: MIGTHREAD_AFTER_POLLS then always lands after it. */
static void wait_for_worker(int n)
{
    {
        char spin[n];
        spin[0] = 0;
        while (!atomic_load(&inside))
            sched_yield();
        (void)spin;
    }
}

static void *worker(void *arg)
{
    long n = wait_here(8);
    *(long *)arg = n;
    return arg;
}

static unsigned long step(unsigned long x)
{
    return (x * 2654435761u + 12345) % 1000003;
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 200000;
    long *result = malloc(sizeof *result);
    pthread_barrier_init(&meet, NULL, 2);
    pthread_t t;
    pthread_create(&t, NULL, worker, result);
    wait_for_worker(4);
    printf("worker waits\n");
    fflush(stdout);
    unsigned long acc = 1;
    for (long i = 0; i < rounds; i++)
        acc = step(acc);
    pthread_barrier_wait(&meet);
    void *r;
    pthread_join(t, &r);
    printf("worker %ld acc %lu\n", *(long *)r, acc);
    free(result);
    return 0;
}
