/* lifecycle.c: thread lifetimes around a checkpoint: a thread that ends
 * before the others and is joined last (its result on the heap), a
 * detached thread, pthread_exit with a number as the result, pthread_self
 * and pthread_equal, and C11 atomics on plain integers. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
static atomic_int counter;
static _Atomic long hits = 0;
static pthread_t early;
static int step(int i) { return i % 3; }
static void *quick(void *arg) { (void)arg; int *r = malloc(sizeof *r); *r = 42; return r; }
static void *det(void *arg) { (void)arg; atomic_fetch_add(&counter, 1000); return NULL; }
static void *work(void *arg)
{
    long n = (long)(size_t)arg;
    for (long i = 0; i < n; i++) {
        atomic_fetch_add(&counter, step((int)i));
        hits++;
    }
    if (pthread_equal(pthread_self(), pthread_self()) && n > 100)
        pthread_exit((void *)(size_t)7);
    return NULL;
}
int main(void)
{
    pthread_t a;
    pthread_t b;
    pthread_t d;
    pthread_create(&early, NULL, quick, NULL);
    pthread_create(&d, NULL, det, NULL);
    pthread_detach(d);
    pthread_create(&a, NULL, work, (void *)(size_t)300000);
    pthread_create(&b, NULL, work, (void *)(size_t)200000);
    void *ra;
    void *rb;
    void *re;
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    pthread_join(early, &re);
    printf("counter %d hits %ld ra %ld rb %ld early %d\n", atomic_load(&counter), (long)hits,
           (long)(size_t)ra, (long)(size_t)rb, *(int *)re);
    return 0;
}
