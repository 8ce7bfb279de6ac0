/* rwlocks.c: four threads share a table under one pthread_rwlock_t. Each
 * round a thread either writes (adds one to every entry) or reads twice
 * over (a read lock taken again inside a read lock, as POSIX allows even
 * while a writer waits) and checks that every entry is equal; try-locks
 * are mixed in, and a writer asking again for the lock, to write or to
 * read, is told EDEADLK. Only totals that do not depend on scheduling are printed:
 * the writes that happened and the torn reads seen (none). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define P 4
#define ROUNDS 60000
#define ENTRIES 256

struct worker { int id; long writes, torn, bad_rc; };

static pthread_rwlock_t table_lock;
static long *table;

static int consistent(void)
{
    for (int i = 1; i < ENTRIES; i++)
        if (table[i] != table[0])
            return 0;
    return 1;
}

static void write_round(struct worker *w, int try)
{
    int rc = EBUSY;
    if (try)
        rc = pthread_rwlock_trywrlock(&table_lock);
    if (rc == EBUSY)
        rc = pthread_rwlock_wrlock(&table_lock);
    if (rc != 0) {
        w->bad_rc++;
        return;
    }
    if (pthread_rwlock_wrlock(&table_lock) != EDEADLK || pthread_rwlock_rdlock(&table_lock) != EDEADLK)
        w->bad_rc++;
    for (int i = 0; i < ENTRIES; i++)
        table[i]++;
    w->writes++;
    pthread_rwlock_unlock(&table_lock);
}

static void read_round(struct worker *w, int try)
{
    int rc = EBUSY;
    if (try)
        rc = pthread_rwlock_tryrdlock(&table_lock);
    if (rc == EBUSY)
        rc = pthread_rwlock_rdlock(&table_lock);
    if (rc != 0) {
        w->bad_rc++;
        return;
    }
    if (!consistent())
        w->torn++;
    if (pthread_rwlock_rdlock(&table_lock) != 0)
        w->bad_rc++;
    else {
        if (!consistent())
            w->torn++;
        pthread_rwlock_unlock(&table_lock);
    }
    pthread_rwlock_unlock(&table_lock);
}

static void *work(void *arg)
{
    struct worker *w = arg;
    uint32_t seed = 2463534242u + (uint32_t)w->id * 97u;
    for (int r = 0; r < ROUNDS; r++) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        if (seed % 5 == 0)
            write_round(w, seed % 3 == 0);
        else
            read_round(w, seed % 7 == 0);
    }
    return w;
}

int main(void)
{
    pthread_t tid[P];
    struct worker *ws = calloc(P, sizeof *ws);
    table = calloc(ENTRIES, sizeof *table);
    pthread_rwlock_init(&table_lock, NULL);
    for (int i = 0; i < P; i++) {
        ws[i].id = i;
        pthread_create(&tid[i], NULL, work, &ws[i]);
    }
    long writes = 0, torn = 0, bad = 0;
    for (int i = 0; i < P; i++) {
        pthread_join(tid[i], NULL);
        writes += ws[i].writes;
        torn += ws[i].torn;
        bad += ws[i].bad_rc;
    }
    printf("writes %ld table %ld consistent %d torn %ld bad %ld\n", writes, table[0], consistent(), torn, bad);
    int failed = torn != 0 || bad != 0 || writes != table[0];
    pthread_rwlock_destroy(&table_lock);
    free(table);
    free(ws);
    return failed;
}
