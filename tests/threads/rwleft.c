/* rwleft.c: an rwlock held by a thread that does not come along must be
 * free where the thread that moves goes on. Thread 2 (the holder) takes
 * the lock, for reading (mode "read", the default) or for writing
 * ("write"), and keeps it until thread 3 (the mover) has done its work or
 * has left this process. The mover waits until the lock is held, works
 * (its adaptation points are where MIGTHREAD_THREAD=3 moves it), lets the
 * holder go, then takes the lock the other way and prints its result. In
 * the process it moved to the holder is not there to let go, so the lock
 * must be free. Mode "end": the holder takes a read lock and ends without
 * giving it back before the mover starts (a thread that ended holds no
 * lock, as for mutexes). Usage: rwleft [read|write|end [STEPS]]. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_rwlock_t lock;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int held, let_go;
static int holder_writes, holder_ends;
static long steps = 300000;
static int finished_here;  /* the mover's result when it ends in this process */

static void raise_flag(int *flag)
{
    pthread_mutex_lock(&m);
    *flag = 1;
    pthread_cond_broadcast(&c);
    pthread_mutex_unlock(&m);
}

static void await_flag(const int *flag)
{
    pthread_mutex_lock(&m);
    while (!*flag)
        pthread_cond_wait(&c, &m);
    pthread_mutex_unlock(&m);
}

static void *holder(void *arg)
{
    (void)arg;
    if (holder_writes)
        pthread_rwlock_wrlock(&lock);
    else
        pthread_rwlock_rdlock(&lock);
    raise_flag(&held);
    if (holder_ends)
        return NULL;  /* still holding its read lock */
    await_flag(&let_go);
    pthread_rwlock_unlock(&lock);
    return NULL;
}

static uint32_t step(uint32_t s, long i)
{
    return s * 1664525u + 1013904223u + (uint32_t)i;
}

static void *mover(void *arg)
{
    (void)arg;
    await_flag(&held);
    uint32_t s = 1;
    for (long i = 0; i < steps; i++)  /* a loop of a root that calls a leaf: it polls */
        s = step(s, i);
    raise_flag(&let_go);
    if (holder_writes)
        pthread_rwlock_rdlock(&lock);
    else
        pthread_rwlock_wrlock(&lock);
    printf("mover took the lock for %s after %lu\n", holder_writes ? "reading" : "writing", (unsigned long)s);
    pthread_rwlock_unlock(&lock);
    return &finished_here;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "read";
    if (argc > 2)
        steps = atol(argv[2]);
    holder_writes = strcmp(mode, "write") == 0;
    holder_ends = strcmp(mode, "end") == 0;
    pthread_rwlock_init(&lock, NULL);
    pthread_t h, mv;
    pthread_create(&h, NULL, holder, NULL);   /* thread 2 */
    if (holder_ends)
        pthread_join(h, NULL);
    pthread_create(&mv, NULL, mover, NULL);   /* thread 3 */
    void *r;
    pthread_join(mv, &r);
    printf(r == &finished_here ? "mover finished here\n" : "mover migrated\n");
    if (!holder_ends) {
        raise_flag(&let_go);
        pthread_join(h, NULL);
    }
    return 0;
}
