/* mutexkind.c: mutexes whose kind comes from glibc's static initializers
 * (PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP, PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP)
 * rather than from pthread_mutexattr_settype: globals, members of a
 * global array of structs, and a local of main the threads share. Four
 * threads take the recursive ones again and again (a recursion holds one
 * seven deep) and check that relocking an error-checking one says
 * EDEADLK. Prints totals only.
 * No <stdlib.h>: with _GNU_SOURCE it declares _Float128 functions, which
 * mtcc cannot parse for aarch64 and s390x yet. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#define P 4
#define ROUNDS 4000
#define DEPTH 6

typedef struct account {
    pthread_mutex_t lock;
    long balance;
} account;

typedef struct job {
    int id;
    account *shared;  /* main's local */
    long sum, deadlocks, busy, eperm, wrong;
} job;

static pthread_mutex_t tree = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t check = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static account accounts[2] = {
    { PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP, 0 },
    { PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP, 0 },
};
static long total;

/* Takes tree at every level: a checkpoint inside finds it held up to
 * DEPTH + 1 times by one thread. */
static long add(int depth, long v)
{
    pthread_mutex_lock(&tree);
    long r = v;
    if (depth > 0) {
        long below = add(depth - 1, v * 3 % 1009);
        r += below;
    }
    total += r;
    pthread_mutex_unlock(&tree);
    return r;
}

static void recursive_account(account *a, long v, job *j)
{
    pthread_mutex_lock(&a->lock);
    pthread_mutex_lock(&a->lock);
    if (pthread_mutex_trylock(&a->lock) != 0)
        j->wrong++;
    a->balance += v;
    pthread_mutex_unlock(&a->lock);
    pthread_mutex_unlock(&a->lock);
    pthread_mutex_unlock(&a->lock);
}

static void errorcheck(pthread_mutex_t *m, job *j)
{
    if (pthread_mutex_lock(m) != 0)
        j->wrong++;
    if (pthread_mutex_lock(m) == EDEADLK)
        j->deadlocks++;
    if (pthread_mutex_trylock(m) == EBUSY)
        j->busy++;
    if (pthread_mutex_unlock(m) != 0)
        j->wrong++;
    if (pthread_mutex_unlock(m) == EPERM)
        j->eperm++;
}

static void *worker(void *arg)
{
    job *j = arg;
    for (long i = 0; i < ROUNDS; i++) {
        long v = (i * 7 + j->id) % 101;
        j->sum += add(DEPTH, v);
        recursive_account(&accounts[0], v, j);
        recursive_account(j->shared, v + 1, j);
        errorcheck(&check, j);
        errorcheck(&accounts[1].lock, j);
    }
    return j;
}

int main(void)
{
    account shared = { PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP, 0 };
    pthread_t tid[P];
    job jobs[P] = { { 0 } };
    for (int i = 0; i < P; i++) {
        jobs[i].id = i;
        jobs[i].shared = &shared;
        pthread_create(&tid[i], NULL, worker, &jobs[i]);
    }
    long sum = 0, deadlocks = 0, busy = 0, eperm = 0, wrong = 0;
    for (int i = 0; i < P; i++) {
        void *r;
        pthread_join(tid[i], &r);
        job *j = r;
        sum += j->sum;
        deadlocks += j->deadlocks;
        busy += j->busy;
        eperm += j->eperm;
        wrong += j->wrong;
    }
    printf("sum %ld total %ld balances %ld %ld\n", sum, total, accounts[0].balance, shared.balance);
    printf("deadlocks %ld busy %ld eperm %ld wrong %ld\n", deadlocks, busy, eperm, wrong);
    return wrong != 0 || deadlocks != 2L * P * ROUNDS || busy != 2L * P * ROUNDS || eperm != 2L * P * ROUNDS;
}
