/* signal.c: a SIGALRM handler stores into unions, and calls a function
 * with a union local, while main stores into and copies unions in a tight
 * loop (tests/unions.sh). The timer fires every TICK_US, so handlers land
 * inside the runtime's union-table operations of the thread they
 * interrupt: before the fix the handler waited for ever on a lock its own
 * thread held. The output depends on main's loop and on the handler's
 * last store (always a double), never on how many signals arrived.
 * With -DSECOND_THREAD a worker (started with SIGALRM blocked: the
 * handler's own globals are main's) stores into its own unions meanwhile, so handlers
 * also meet the lock held by another thread (and ThreadSanitizer sees
 * the queue's hand-over between threads). */
#include <signal.h>
#ifdef SECOND_THREAD
#include <pthread.h>
#endif
#include <stdio.h>
#include <sys/time.h>

#define VALUES 256
#define ROUNDS 3000
#define REPORT_EVERY 500
#define TICK_US 50

enum tag { T_INT, T_DBL, T_PTR };

typedef struct value {
    enum tag tag;
    union {
        long i;
        double d;
        struct value *p;
    } as;
} value;

static value vals[VALUES];
/* Written only by the handler; its last store is always the double. */
static value from_handler = { T_DBL, { .d = 2.0 } };
static volatile sig_atomic_t ticks;

/* A union local in a function the handler calls: entering it forgets the
 * members left at its record's address (mt_pin_enter_u). */
static double handler_work(int n)
{
    value v;
    v.tag = T_INT;
    v.as.i = n;
    long i = v.as.i;
    v.tag = T_DBL;
    v.as.d = i * 0.5;
    return v.as.d;
}

static void on_alarm(int sig)
{
    (void)sig;
    ticks = ticks + 1;
    from_handler.tag = T_PTR;
    from_handler.as.p = &vals[ticks % VALUES];
    from_handler.tag = T_DBL;
    from_handler.as.d = handler_work(4);
}

/* A value by value: the return hands its member to the caller's copy. */
static value pick(int k)
{
    return vals[k];
}

/* Arms the timer when it is not running (at the start, after a restore). */
static void keep_ticking(void)
{
    struct itimerval cur, every = { { 0, TICK_US }, { 0, TICK_US } };
    if (getitimer(ITIMER_REAL, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0)
        setitimer(ITIMER_REAL, &every, NULL);
}

static void fill(int k, int r)
{
    value *v = &vals[k];
    switch ((k + r) % 3) {
    case 0:
        v->tag = T_INT;
        v->as.i = (long)k * r;
        break;
    case 1:
        v->tag = T_DBL;
        v->as.d = k * 0.5 + r;
        break;
    default:
        v->tag = T_PTR;
        v->as.p = &vals[(k + 1) % VALUES];
        break;
    }
}

#ifdef SECOND_THREAD
#define WORKER_ROUNDS 2000
static value worker_vals[VALUES];
static long worker_sum;  /* (a global: a thread's result must be a pointer to something saved) */

static void *worker(void *arg)
{
    long sum = 0;
    (void)arg;
    for (int r = 0; r < WORKER_ROUNDS; r++)
        for (int k = 0; k < VALUES; k++) {
            if ((k + r) % 2) {
                worker_vals[k].tag = T_INT;
                worker_vals[k].as.i = r;
            } else {
                worker_vals[k].tag = T_PTR;
                worker_vals[k].as.p = &worker_vals[(k + r) % VALUES];
            }
            value c = worker_vals[k];
            sum += c.tag == T_INT ? c.as.i : c.as.p - worker_vals;
        }
    worker_sum = sum;
    return NULL;
}
#endif

int main(void)
{
    long long isum = 0;  /* (more than 32 bits on every ABI) */
    double dsum = 0;
    /* Every union the loops store into is known to the table, and the
     * handler's function entered once, before the first handler: so that
     * no handler grows the table or lists a type's unions, which
     * allocates (and ThreadSanitizer reports malloc in a handler). */
    for (int k = 0; k < VALUES; k++) {
        vals[k].tag = T_INT;
        vals[k].as.i = k;
#ifdef SECOND_THREAD
        worker_vals[k].tag = T_INT;
        worker_vals[k].as.i = 0;
#endif
    }
    dsum = handler_work(0);
    signal(SIGALRM, on_alarm);
#ifdef SECOND_THREAD
    pthread_t th;
    sigset_t alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alarm, NULL);  /* the worker inherits it */
    pthread_create(&th, NULL, worker, NULL);
    pthread_sigmask(SIG_UNBLOCK, &alarm, NULL);
#endif
    for (int r = 0; r < ROUNDS; r++) {
        keep_ticking();
        for (int k = 0; k < VALUES; k++)
            fill(k, r);
        for (int k = 0; k < VALUES; k++) {
            value c = pick(k);
            if (c.tag == T_INT)
                isum += c.as.i;
            else if (c.tag == T_DBL)
                dsum += c.as.d;
            else
                isum += c.as.p - vals;
        }
        if (r % REPORT_EVERY == 0)
            printf("round %d: %lld %.1f\n", r, isum, dsum);
    }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
#ifdef SECOND_THREAD
    pthread_join(th, NULL);
    printf("worker: %ld\n", worker_sum);
#endif
    printf("end: %lld %.1f, the handler's last store %.1f\n", isum, dsum, from_handler.as.d);
    return 0;
}
