/* condleft.c: thread 2 waits on a condition variable that only main
 * signals. Asked to move thread 2 alone to a new process while it waits
 * (migthread checkpoint --exit --thread 2), the runtime gives the capture
 * up with one line: nobody could signal it there. The program then ends
 * as it would have: main signals after argv[1] milliseconds. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int waiting, go;

static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    waiting = 1;
    pthread_cond_signal(&c);
    int woke = 0;
    while (!go) {
        pthread_cond_wait(&c, &m);
        woke++;
    }
    pthread_mutex_unlock(&m);
    printf("worker woke %d\n", woke);
    return NULL;
}

int main(int argc, char **argv)
{
    long ms = argc > 1 ? atol(argv[1]) : 0;
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_mutex_lock(&m);
    while (!waiting)
        pthread_cond_wait(&c, &m);
    pthread_mutex_unlock(&m);
    printf("worker waits\n");
    fflush(stdout);
    struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&m);
    go = 1;
    pthread_cond_signal(&c);
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    return 0;
}
