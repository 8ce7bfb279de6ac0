/* wakeone.c: pthread_cond_signal wakes one waiter, not all. Four threads
 * wait on one condition variable for a flag that stays clear; one signal
 * is sent; each return from pthread_cond_wait is counted. A wait returns
 * only when woken (nothing else interrupts it here), so the count after
 * the woken thread has had time to run is 1; a signal that woke every
 * waiter gave 4. Then a broadcast must wake all four. Prints the counts;
 * exits 1 when they are wrong. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

enum { WAITERS = 4 };
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int asleep, returns, go;

static void *waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    asleep++;
    while (!go) {
        pthread_cond_wait(&c, &m);
        returns++;
    }
    pthread_mutex_unlock(&m);
    return NULL;
}

static void pause_ms(long ms)
{
    struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
    nanosleep(&ts, NULL);
}

/* The number of returns, once it has reached at least `least` and then
 * stayed put for 300 ms (or after about 30 s). */
static int settled(int least)
{
    int seen = -1;
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&m);
        int now = returns;
        pthread_mutex_unlock(&m);
        if (now >= least && now == seen)
            return now;
        seen = now;
        pause_ms(300);
    }
    return seen;
}

int main(void)
{
    pthread_t t[WAITERS];
    for (int i = 0; i < WAITERS; i++)
        pthread_create(&t[i], NULL, waiter, NULL);
    for (;;) {  /* every waiter is inside pthread_cond_wait once it let m go */
        pthread_mutex_lock(&m);
        int n = asleep;
        pthread_mutex_unlock(&m);
        if (n == WAITERS)
            break;
        pause_ms(10);
    }
    pthread_mutex_lock(&m);
    pthread_cond_signal(&c);
    pthread_mutex_unlock(&m);
    int one = settled(1);
    printf("one signal woke %d of %d\n", one, WAITERS);
    pthread_mutex_lock(&m);
    returns = 0;
    pthread_cond_broadcast(&c);
    pthread_mutex_unlock(&m);
    int all = settled(WAITERS);
    printf("a broadcast woke %d of %d\n", all, WAITERS);
    pthread_mutex_lock(&m);
    go = 1;
    pthread_cond_broadcast(&c);
    pthread_mutex_unlock(&m);
    for (int i = 0; i < WAITERS; i++)
        pthread_join(t[i], NULL);
    return one == 1 && all == WAITERS ? 0 : 1;
}
