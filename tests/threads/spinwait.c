/* spinwait.c: threads that wait by spinning, each on another kind of
 * shared object (volatile, _Atomic read plainly, <stdatomic.h> calls, an
 * _Atomic member through a pointer, a __sync spin lock, a volatile
 * pointer parameter), while main computes and then opens every gate. A
 * capture must stop each spinner in its loop (mtcc gives such loops a
 * poll) and a restore must resume them there. With -DLIB_SPIN one waiter
 * spins in code mtcc did not build (lib_spin_until, spinlib.c): a capture
 * then cannot complete, and must be called off at its deadline with the
 * program going on. Usage: spinwait [ROUNDS]. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define WAITERS 6

struct gate {
    _Atomic int open;
};

static volatile int gate_volatile;
static _Atomic int gate_atomic;
static atomic_int gate_calls;
static struct gate gate_member;
static int spin_lock = 1;  /* main holds it until the end of its work */
static volatile int gate_param;
static long seen[WAITERS];

#ifdef LIB_SPIN
void lib_spin_until(volatile int *flag);
#endif

static void wait_on(volatile int *flag)
{
#ifdef LIB_SPIN
    lib_spin_until(flag);
#else
    while (!*flag)
        ;
#endif
}

static void *waiter(void *arg)
{
    long id = (long)arg, turns = 0;
    switch (id) {
    case 0: while (!gate_volatile) turns++; break;
    case 1: while (gate_atomic == 0) turns++; break;
    case 2: while (!atomic_load_explicit(&gate_calls, memory_order_acquire)) turns++; break;
    case 3: { struct gate *g = &gate_member; while (!g->open) turns++; break; }
    case 4: while (__sync_lock_test_and_set(&spin_lock, 1)) turns++; __sync_lock_release(&spin_lock); break;
    default: wait_on(&gate_param); break;
    }
    seen[id] = id * 100 + (turns >= 0);
    return NULL;
}

/* main's work: a long loop with adaptation points of its own */
static unsigned long work(long rounds)
{
    unsigned long h = 1469598103934665603ul;
    for (long i = 0; i < rounds; i++)
        h = (h ^ (unsigned long)i) * 1099511628211ul;
    return h;
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 200000000;
    pthread_t t[WAITERS];
    for (long i = 0; i < WAITERS; i++)
        pthread_create(&t[i], NULL, waiter, (void *)i);
    printf("waiting\n");
    fflush(stdout);
    unsigned long h = work(rounds);
    gate_volatile = 1;
    gate_atomic = 1;
    atomic_store_explicit(&gate_calls, 1, memory_order_release);
    gate_member.open = 1;
    __sync_lock_release(&spin_lock);
    gate_param = 1;
    long sum = 0;
    for (long i = 0; i < WAITERS; i++) {
        pthread_join(t[i], NULL);
        sum += seen[i];
    }
    printf("work %lx\nwaiters %ld\n", h, sum);
    return 0;
}
