/* refused.c: pthread calls the runtime does not model. mtcc refuses the
 * file with a file:line diagnostic for each, in a transformed function
 * (pthread_kill, sem_open's named semaphore) and in one that falls back
 * (pthread_cancel, beside a variable-length array in a nested block), and
 * builds nothing. */
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>

static void *work(void *arg)
{
    return arg;
}

static void stop(pthread_t t, int n)
{
    {
        int v[n];
        v[0] = n;
        if (v[0] > 1)
            pthread_cancel(t);
    }
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, work, NULL);
    pthread_kill(t, 0);
    sem_t *named = sem_open("/migthread-refused", O_CREAT, 0600, 1);
    if (named != SEM_FAILED)
        sem_close(named);
    stop(t, 1);
    pthread_join(t, NULL);
    puts("done");
    return 0;
}
