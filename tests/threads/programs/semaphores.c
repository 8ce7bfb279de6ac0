/* semaphores.c: a bounded buffer guarded by POSIX semaphores (the
 * classic empty/full pair and a binary semaphore as the lock), 2
 * producers x ITEMS items, 2 consumers, stop items from main; a global
 * sem_t, one inside a heap struct and one in main's frame. sem_trywait
 * and sem_timedwait (far deadline) are mixed in; sem_getvalue checks the
 * counts at the end. Prints only totals, which do not depend on the
 * schedule. Exits 1 when a check fails. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { SLOTS = 8, ITEMS = 20000, PRODUCERS = 2, CONSUMERS = 2 };

struct ring {
    sem_t full;                 /* items in the buffer */
    long item[SLOTS];
    unsigned head, tail;
};

static sem_t empty;             /* free slots */
static sem_t guard;             /* a binary semaphore used as a lock */
static struct ring *ring;
static long consumed[CONSUMERS], counted[CONSUMERS];

static void take_guard(int n)
{
    if (n % 3 == 0) {           /* a try first, then the wait */
        if (sem_trywait(&guard) == 0)
            return;
    } else if (n % 3 == 1) {    /* a timed wait that never times out */
        struct timespec far;
        clock_gettime(CLOCK_REALTIME, &far);
        far.tv_sec += 3600;
        while (sem_timedwait(&guard, &far) != 0)
            if (errno != EINTR) {
                perror("sem_timedwait");
                exit(1);
            }
        return;
    }
    while (sem_wait(&guard) != 0)
        ;
}

static void put(long v, int n)
{
    sem_wait(&empty);
    take_guard(n);
    ring->item[ring->tail++ % SLOTS] = v;
    sem_post(&guard);
    sem_post(&ring->full);
}

static long get(int n)
{
    sem_wait(&ring->full);
    take_guard(n);
    long v = ring->item[ring->head++ % SLOTS];
    sem_post(&guard);
    sem_post(&empty);
    return v;
}

static void *producer(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < ITEMS; i++)
        put(id * 1000003L + i, i);
    return NULL;
}

static void *consumer(void *arg)
{
    long id = (long)arg;
    for (int n = 0;; n++) {
        long v = get(n);
        if (v < 0)
            break;
        consumed[id] += v % 1000003L;
        counted[id]++;
    }
    return NULL;
}

int main(void)
{
    sem_t done;                 /* in main's frame: a restore converts it too */
    ring = calloc(1, sizeof *ring);
    if (!ring || sem_init(&empty, 0, SLOTS) || sem_init(&guard, 0, 1) || sem_init(&ring->full, 0, 0) ||
        sem_init(&done, 0, 0))
        return 1;
    pthread_t p[PRODUCERS], c[CONSUMERS];
    for (long i = 0; i < CONSUMERS; i++)
        pthread_create(&c[i], NULL, consumer, (void *)i);
    for (long i = 0; i < PRODUCERS; i++)
        pthread_create(&p[i], NULL, producer, (void *)i);
    for (int i = 0; i < PRODUCERS; i++) {
        pthread_join(p[i], NULL);
        sem_post(&done);
    }
    for (int i = 0; i < CONSUMERS; i++)
        put(-1, i);
    for (int i = 0; i < CONSUMERS; i++)
        pthread_join(c[i], NULL);
    long total = 0, items = 0;
    for (int i = 0; i < CONSUMERS; i++) {
        total += consumed[i];
        items += counted[i];
    }
    int e, g, f, d;
    sem_getvalue(&empty, &e);
    sem_getvalue(&guard, &g);
    sem_getvalue(&ring->full, &f);
    sem_getvalue(&done, &d);
    printf("items %ld total %ld\n", items, total);
    printf("empty %d guard %d full %d done %d\n", e, g, f, d);
    long want = (long)PRODUCERS * ITEMS * (ITEMS - 1) / 2;
    int ok = items == (long)PRODUCERS * ITEMS && total == want && e == SLOTS && g == 1 && f == 0 && d == PRODUCERS;
    puts(ok ? "ok" : "WRONG");
    sem_destroy(&done);
    return ok ? 0 : 1;
}
