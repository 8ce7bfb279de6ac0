/* sync.c: mutexes, condition variables, barriers, rwlocks and once for
 * mtcc programs.
 *
 * Each object keeps a small portable state in the program's own
 * pthread_*_t (owners are logical thread numbers), described to the
 * checkpoint by mt_type_pthread, so a checkpoint converts it like any
 * data and a restored program finds its locks held by the same threads.
 * Uncontended mutexes cost one compare-and-swap, uncontended rwlocks an
 * atomic add or a compare-and-swap (and a read lock an entry in its
 * thread's list), a signal nobody waits for one load;
 * everything that sleeps goes through th_wait.c, where a capture can
 * interrupt it. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ckpt.h"
#include "error.h"
#include "frames.h"
#include "migthread-gen.h"
#include "sync.h"
#include "threads.h"

/* A mutex's kind lives where the C library keeps its own: glibc's static
 * initializers (PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP...) store it there,
 * at an offset that differs between ABIs (12 on 32-bit ones, 16 on 64-bit
 * ones), with the same numbers as MUTEX_*. */
#ifdef __GLIBC__
#define MUTEX_KIND_AT offsetof(pthread_mutex_t, __data.__kind)
#else
#define MUTEX_KIND_AT (3 * sizeof(uint32_t))
#endif

typedef struct mutex_rep {
    uint32_t owner;     /* thread number, 0 when free */
    uint32_t count;     /* recursive locks held */
    uint32_t waiters;   /* asleep in lock, not woken yet (a hint for unlock, not saved) */
} mutex_rep;

_Static_assert(MUTEX_KIND_AT >= sizeof(mutex_rep) && MUTEX_KIND_AT % 4 == 0 &&
                   MUTEX_KIND_AT + sizeof(uint32_t) <= sizeof(pthread_mutex_t),
               "the kind is apart from the rest of the mutex state");
_Static_assert(sizeof(pthread_mutexattr_t) >= 4 && sizeof(pthread_condattr_t) >= 4 &&
                   sizeof(pthread_rwlockattr_t) >= 8 && sizeof(pthread_barrierattr_t) >= 4,
               "attribute objects begin with the ints mt_type_pthread describes");
#ifdef __GLIBC__
_Static_assert((int)PTHREAD_MUTEX_NORMAL == CK_MUTEX_NORMAL && (int)PTHREAD_MUTEX_RECURSIVE_NP == CK_MUTEX_RECURSIVE &&
                   (int)PTHREAD_MUTEX_ERRORCHECK_NP == CK_MUTEX_ERRORCHECK,
               "glibc's initializers store the kinds sync.c uses");
#endif

static uint32_t *kind_of(mutex_rep *r)
{
    return (uint32_t *)((char *)r + MUTEX_KIND_AT);
}

typedef struct cond_rep {
    uint32_t seq;       /* bumped by each signal that wakes someone */
    uint32_t clock;     /* the clock of a timed wait's deadline (pthread_condattr_setclock) */
    uint32_t waiters;   /* queued, not woken yet (a hint for signal, not saved) */
} cond_rep;

typedef struct barrier_rep {
    uint32_t count, arrived, generation;
} barrier_rep;

typedef struct rwlock_rep {
    uint32_t writer;    /* thread number */
    uint32_t readers;
    uint32_t waiters;   /* asleep in a lock call, not woken yet (a hint for unlock, not saved) */
} rwlock_rep;

_Static_assert(sizeof(mutex_rep) <= sizeof(pthread_mutex_t), "mutex state fits");
_Static_assert(sizeof(cond_rep) <= sizeof(pthread_cond_t), "condition state fits");
_Static_assert(sizeof(barrier_rep) <= sizeof(pthread_barrier_t), "barrier state fits");
_Static_assert(sizeof(rwlock_rep) <= sizeof(pthread_rwlock_t), "rwlock state fits");

/* A semaphore is its count: the threads waiting for it are threads asleep
 * in sem_wait, at a safe point like any blocking call, which take nothing
 * until they return. So a capture saves the count, and a waiter resumed
 * on any ABI waits again for the same count. */
typedef struct sem_rep {
    uint32_t count;
    uint32_t waiters;   /* asleep in a wait, not woken yet (a hint for post, not saved) */
} sem_rep;

_Static_assert(sizeof(sem_rep) <= sizeof(sem_t), "semaphore state fits");

/* Code off the uncontended paths, kept out of line so that those stay
 * small (no registers saved for calls they do not make). */
#define SLOW __attribute__((noinline, cold))
/* The few lines of an uncontended path, kept in their caller. */
#define FAST inline __attribute__((always_inline))

enum { NS_PER_S = 1000000000 };

static _Thread_local uint32_t my_id;

static SLOW uint32_t first_me(void)
{
    my_id = th_self_id();
    return my_id;
}

static uint32_t me(void)
{
    return my_id ? my_id : first_me();
}

static uint32_t load(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Wakes every thread asleep on obj and counts them all out: each counts
 * itself in again (under th_lock) before it next tries and sleeps, so the
 * count never misses a sleeper, and the unlocks that follow before anyone
 * sleeps again need not take th_lock. A thread woken for another reason
 * counts itself twice: a wasted wake later, no lost one. */
static SLOW void wake_counted(uint32_t *waiters, const void *obj)
{
    th_lock();
    __atomic_store_n(waiters, 0, __ATOMIC_SEQ_CST);
    th_wake(obj);
    th_unlock();
}

/* ---- Descriptors ----------------------------------------------------------------- */

/* A jmp_buf (struct __jmp_buf_tag) is described as holding nothing: no
 * capture can happen while the function that called setjmp on it runs
 * (mtcc makes such a function fall back: no adaptation point in it, none
 * below it starts a capture; a leaf has none at all), so at any capture
 * every jmp_buf was filled by a call that has returned, or by another
 * thread, and C gives a longjmp to it no meaning. Its bytes (stack
 * addresses and return addresses, mangled with a key of the process)
 * mean nothing to a reader: another ABI gets zeros (but for one byte, the
 * member a type must have); a build with the same layout gets the bytes
 * copied. A jmp_buf the restored program fills again works as ever. */
const mt_type *mt_type_pthread(const char *kind, size_t size, size_t align)
{
    static const char *const names[][4] = {
        { "pthread_mutex_t", "owner", "count", "kind" },
        { "pthread_cond_t", "seq", "clock", NULL },
        { "pthread_barrier_t", "count", "arrived", "generation" },
        { "pthread_rwlock_t", "writer", "readers", NULL },
        { "sem_t", "count", NULL, NULL },
        { "jmp_buf", "stale", NULL, NULL },  /* see below */
        /* glibc's attribute objects begin with ints of the same meaning on
         * every ABI (internaltypes.h: mutexkind, value, lockkind and
         * pshared; aarch64's objects are 8 bytes, the others' 4 or 8) */
        { "pthread_mutexattr_t", "kind", NULL, NULL },
        { "pthread_condattr_t", "value", NULL, NULL },
        { "pthread_rwlockattr_t", "kind", "pshared", NULL },
        { "pthread_barrierattr_t", "pshared", NULL, NULL },
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (strcmp(kind, names[k][0]) != 0)
            continue;
        mt_member m[3];
        size_t n = 0;
        for (; n < 3 && names[k][n + 1]; n++)
            m[n] = (mt_member){ names[k][n + 1], MT_CLASS_UINT, 4, 4 * n, 1, NULL, 0 };
        if (k == 0)  /* the mutex kind sits where glibc keeps its own */
            m[2].offset = MUTEX_KIND_AT;
        if (strcmp(kind, "jmp_buf") == 0)  /* one byte: a type needs a member */
            m[0].size = 1;
        mt_error err;
        const mt_type *t = mt_type_define(kind, size, align, 0, m, n, &err);
        if (!t)
            mt_die(&err);
        return t;
    }
    mt_fatal("no descriptor for %s", kind);
}

/* ---- Mutexes ---------------------------------------------------------------------- */

int mt_pthread_mutex_init(void *mutex, const void *attr)
{
    int type = PTHREAD_MUTEX_DEFAULT;
    if (attr)
        pthread_mutexattr_gettype(attr, &type);
    memset(mutex, 0, sizeof(pthread_mutex_t));
    *kind_of(mutex) = type == PTHREAD_MUTEX_RECURSIVE ? CK_MUTEX_RECURSIVE
                    : type == PTHREAD_MUTEX_ERRORCHECK ? CK_MUTEX_ERRORCHECK : CK_MUTEX_NORMAL;
    return 0;
}

int mt_pthread_mutex_destroy(void *mutex)
{
    return load(&((mutex_rep *)mutex)->owner) ? EBUSY : 0;
}

/* Takes a lock whose owner is gone (a thread that did not come along to
 * this process, or ended holding the lock). Under th_lock: th_alive walks
 * the thread list, which join and detach change. */
static int take_from_gone(mutex_rep *r, uint32_t id, uint32_t owner)
{
    return owner && owner != id && !th_alive(owner) &&
           __atomic_compare_exchange_n(&r->owner, &owner, id, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}

static int try_take(mutex_rep *r, uint32_t id)
{
    uint32_t owner = 0;
    if (__atomic_compare_exchange_n(&r->owner, &owner, id, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        return 1;
    if (owner == id)
        return 0;
    th_lock();
    int taken = take_from_gone(r, id, owner);
    th_unlock();
    return taken;
}

/* Returns 0 holding the lock, or 1 when a capture interrupted the wait. */
static int lock_slow(mutex_rep *r, uint32_t id)
{
    th_lock();
    for (;;) {
        /* counted before each try, so that an unlock after a failed try
         * sees a waiter and wakes it (see wake_counted) */
        __atomic_add_fetch(&r->waiters, 1, __ATOMIC_SEQ_CST);
        uint32_t seen = 0;
        if (__atomic_compare_exchange_n(&r->owner, &seen, id, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED) ||
            take_from_gone(r, id, seen)) {
            __atomic_sub_fetch(&r->waiters, 1, __ATOMIC_SEQ_CST);
            break;
        }
        if (th_give_way()) {
            __atomic_sub_fetch(&r->waiters, 1, __ATOMIC_SEQ_CST);
            th_unlock();
            return 1;
        }
        th_sleep(r);  /* woken by an unlock, it was counted out */
    }
    r->count = 1;
    th_gate();
    th_unlock();
    return 0;
}

static int lock_mutex(mutex_rep *r)
{
    uint32_t id = me();
    uint32_t free_ = 0;
    if (__atomic_compare_exchange_n(&r->owner, &free_, id, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        r->count = 1;
        return 0;
    }
    if (free_ == id) {
        if (*kind_of(r) == CK_MUTEX_RECURSIVE) {
            r->count++;
            return 0;
        }
        if (*kind_of(r) == CK_MUTEX_ERRORCHECK)
            return EDEADLK;
    }
    lock_slow(r, id);
    return 0;
}

int mt_pthread_mutex_lock(void *mutex)
{
    frames_take_reissue();
    return lock_mutex(mutex);
}

int mt_pthread_mutex_trylock(void *mutex)
{
    mutex_rep *r = mutex;
    uint32_t id = me();
    if (try_take(r, id)) {
        r->count = 1;
        return 0;
    }
    if (load(&r->owner) == id && *kind_of(r) == CK_MUTEX_RECURSIVE) {
        r->count++;
        return 0;
    }
    return EBUSY;
}

int mt_pthread_mutex_unlock(void *mutex)
{
    mutex_rep *r = mutex;
    if (load(&r->owner) != me())
        return EPERM;
    if (*kind_of(r) == CK_MUTEX_RECURSIVE && --r->count > 0)
        return 0;
    r->count = 0;
    __atomic_exchange_n(&r->owner, 0, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&r->waiters, __ATOMIC_SEQ_CST))
        wake_counted(&r->waiters, r);
    return 0;
}

/* ---- Condition variables ------------------------------------------------------------ */

int mt_pthread_cond_init(void *cond, const void *attr)
{
    clockid_t clock = CLOCK_REALTIME;
    if (attr)
        pthread_condattr_getclock(attr, &clock);
    memset(cond, 0, sizeof(pthread_cond_t));
    ((cond_rep *)cond)->clock = (uint32_t)clock;
    return 0;
}

int mt_pthread_cond_destroy(void *cond)
{
    (void)cond;
    return 0;
}

/* The runtime's sleeps time out on CLOCK_REALTIME: a deadline on another
 * clock (CLOCK_MONOTONIC) becomes the same distance from now. */
static struct timespec realtime_deadline(const struct timespec *abs, clockid_t clock)
{
    if (clock == CLOCK_REALTIME)
        return *abs;
    struct timespec now, rt;
    clock_gettime(clock, &now);
    clock_gettime(CLOCK_REALTIME, &rt);
    long long ns = (long long)(abs->tv_sec - now.tv_sec) * NS_PER_S + (abs->tv_nsec - now.tv_nsec) + rt.tv_nsec;
    long long sec = ns / NS_PER_S, rem = ns % NS_PER_S;
    if (rem < 0) {
        rem += NS_PER_S;
        sec--;
    }
    return (struct timespec){ rt.tv_sec + (time_t)sec, (long)rem };
}

static int bad_deadline(const struct timespec *abs)
{
    return abs->tv_nsec < 0 || abs->tv_nsec >= NS_PER_S;
}

static _Thread_local th_waiter *my_waiter;

static th_waiter *waiter_of_me(void)
{
    return my_waiter ? my_waiter : (my_waiter = th_my_waiter());
}

/* The waiting half of a condition wait, also where a resumed one goes on:
 * sleeps until a signal took w off the queue (or the deadline passed),
 * then takes the mutex again. A capture finds the thread either asleep,
 * still queued, or taking the mutex; either way it gives way without
 * leaving the queue, and the resumed call comes back here (see
 * mt_pthread_cond_wait). Returns 0 or ETIMEDOUT. */
static int cond_finish(cond_rep *c, mutex_rep *m, th_waiter *w, const struct timespec *deadline)
{
    th_lock();
    while (w->woken == CK_WAIT_QUEUED) {
        if (th_give_way_waiting("pthread_cond_wait")) {
            th_unlock();
            return 0;  /* still queued and counted */
        }
        if (th_waiter_sleep(w, deadline) == ETIMEDOUT && w->woken == CK_WAIT_QUEUED) {
            th_waiter_leave(w);
            w->woken = CK_WAIT_TIMEDOUT;
            __atomic_sub_fetch(&c->waiters, 1, __ATOMIC_SEQ_CST);
        }
    }
    th_unlock();
    if (lock_slow(m, me()))
        return 0;  /* a capture while taking the mutex: taken on resume */
    m->count = w->count;
    th_lock();
    int rc = w->woken == CK_WAIT_TIMEDOUT ? ETIMEDOUT : 0;
    w->obj = NULL;
    th_unlock();
    return rc;
}

/* A wait a capture interrupts is saved with its thread (threads.h), and
 * the call the resumed program makes again goes on with that wait: it
 * sleeps until the signal it would have had, or takes its mutex again if
 * that signal came before the capture. So a resumed program sees no
 * wake-up that the uninterrupted run would not have had (code that waits
 * once, with no loop, relies on that). The waiter is queued (threads.c)
 * before it lets the mutex go, so a signal from the thread that takes the
 * mutex next finds it; a signal wakes the longest waiter alone. */
static int cond_wait(cond_rep *c, mutex_rep *m, const struct timespec *abs)
{
    th_waiter *w = waiter_of_me();
    if (frames_take_reissue()) {
        if (w->obj == c)
            return cond_finish(c, m, w, abs);
        return lock_mutex(m);  /* (a checkpoint that did not save the wait) */
    }
    if (load(&m->owner) != me())
        return EPERM;
    th_lock();
    th_waiter_add(w, c);
    w->mutex = m;
    w->count = m->count;
    __atomic_add_fetch(&c->waiters, 1, __ATOMIC_SEQ_CST);
    th_unlock();
    m->count = 1;
    mt_pthread_mutex_unlock(m);
    return cond_finish(c, m, w, abs);
}

int mt_pthread_cond_wait(void *cond, void *mutex)
{
    return cond_wait(cond, mutex, NULL);
}

int mt_pthread_cond_timedwait(void *cond, void *mutex, const void *abstime)
{
    cond_rep *c = cond;
    const struct timespec *abs = abstime;
    if (bad_deadline(abs))
        return EINVAL;
    struct timespec rt = realtime_deadline(abs, (clockid_t)load(&c->clock));
    return cond_wait(c, mutex, &rt);
}

void sync_cond_waiter_restored(void *cond)
{
    __atomic_add_fetch(&((cond_rep *)cond)->waiters, 1, __ATOMIC_SEQ_CST);
}

/* Wakes the longest waiter on c, or all of them, and counts them out, so
 * that a signal with nobody left to wake costs one load. A count with no
 * queued waiter behind it (a stale hint, as in a moved thread's process)
 * is put right. */
static SLOW void cond_wake_slow(cond_rep *c, int all)
{
    th_lock();
    size_t n = th_wake_waiters(c, all);
    if (n) {
        __atomic_add_fetch(&c->seq, 1, __ATOMIC_RELAXED);
        __atomic_sub_fetch(&c->waiters, (uint32_t)n, __ATOMIC_SEQ_CST);
    }
    if (!n || all)
        __atomic_store_n(&c->waiters, 0, __ATOMIC_SEQ_CST);
    th_unlock();
}

int mt_pthread_cond_signal(void *cond)
{
    cond_rep *c = cond;
    if (__atomic_load_n(&c->waiters, __ATOMIC_SEQ_CST))
        cond_wake_slow(c, 0);
    return 0;
}

int mt_pthread_cond_broadcast(void *cond)
{
    cond_rep *c = cond;
    if (__atomic_load_n(&c->waiters, __ATOMIC_SEQ_CST))
        cond_wake_slow(c, 1);
    return 0;
}

/* ---- Barriers ------------------------------------------------------------------------ */

int mt_pthread_barrier_init(void *barrier, const void *attr, unsigned count)
{
    (void)attr;
    if (count == 0)
        return EINVAL;
    memset(barrier, 0, sizeof(pthread_barrier_t));
    ((barrier_rep *)barrier)->count = count;
    return 0;
}

int mt_pthread_barrier_destroy(void *barrier)
{
    return ((barrier_rep *)barrier)->arrived ? EBUSY : 0;
}

/* The seeds' pseudo-barrier: a thread waiting here when a capture comes
 * takes its arrival back and gives way; it arrives again after the resume,
 * so the others are never left waiting for a thread that is being saved. */
int mt_pthread_barrier_wait(void *barrier)
{
    barrier_rep *b = barrier;
    frames_take_reissue();
    th_lock();
    if (++b->arrived == b->count) {
        b->arrived = 0;
        b->generation++;
        th_wake(b);
        th_gate();
        th_unlock();
        return PTHREAD_BARRIER_SERIAL_THREAD;
    }
    uint32_t gen = b->generation;
    while (b->generation == gen) {
        if (th_give_way()) {
            b->arrived--;
            th_unlock();
            return 0;
        }
        th_sleep(b);
    }
    th_gate();
    th_unlock();
    return 0;
}

/* ---- Read-write locks ------------------------------------------------------------------ */

/* Uncontended calls take no lock of the runtime's. A reader counts itself
 * in, then looks for a writer; a writer claims the lock, then looks for
 * readers. Both steps are sequentially consistent, so of a reader and a
 * writer that come at once at least one sees the other and backs out.
 * Only a call that must wait goes to the runtime's lock (where a capture
 * can interrupt it). Readers are preferred, as by glibc's default: a
 * writer that finds readers backs out and waits, so a thread may take a
 * read lock again while a writer waits.
 *
 * Readers have no identity in the lock (a count is all that fits in 32
 * bytes, and all a reader can update with one atomic add), but a lock
 * held by a thread that is gone must not stay held: a writer would wait
 * for it for ever. So each thread also lists the rwlocks it holds for
 * reading (threads.h: th_reads, its own, written without a lock; others
 * read it only while it is stopped for a capture). A thread that ends
 * gives its read locks back, as a mutex whose owner is gone is given up;
 * a thread capture writes each lock's reader count less the readers that
 * stay behind (sync_reader_patches, applied as the block is written, so
 * the live count never changes under the threads that may still wake);
 * and the moving thread's list travels with it (threads.c), so a restored
 * thread can be left behind, or end, in its turn. A writer that is gone
 * is recognised by its number (drop_lost_writer). */

static _Thread_local th_reads *my_reads;

static SLOW th_reads *first_reads(void)
{
    my_reads = th_my_reads();
    return my_reads;
}

static SLOW void reads_grow(th_reads *r)
{
    uint32_t cap = r->cap ? 2 * r->cap : 4;
    void **grown = realloc(r->locks, cap * sizeof *grown);
    if (!grown)
        mt_fatal("out of memory noting a read lock");
    r->locks = grown;
    r->cap = cap;
}

/* Notes l in the thread's list; returns 0. The thread's first note, and
 * one that needs room, go out of line (reads_add), so that an uncontended
 * read lock saves no registers. */
static SLOW int reads_add_slow(rwlock_rep *l)
{
    th_reads *r = my_reads ? my_reads : first_reads();
    if (r->n == r->cap)
        reads_grow(r);
    r->locks[r->n++] = l;
    return 0;
}

static FAST int reads_add(rwlock_rep *l)
{
    th_reads *r = my_reads;
    if (__builtin_expect(!r || r->n == r->cap, 0))
        return reads_add_slow(l);
    r->locks[r->n++] = l;
    return 0;
}

/* The newest entry for l goes (a thread gives back its latest locks
 * first, as a rule); a lock it does not list (given back by another
 * thread, which POSIX leaves undefined) changes nothing. */
static FAST void reads_remove(rwlock_rep *l)
{
    th_reads *r = my_reads ? my_reads : first_reads();
    for (uint32_t i = r->n; i-- > 0;)
        if (r->locks[i] == l) {
            r->locks[i] = r->locks[--r->n];
            return;
        }
}

int mt_pthread_rwlock_init(void *rwlock, const void *attr)
{
    (void)attr;
    memset(rwlock, 0, sizeof(pthread_rwlock_t));
    return 0;
}

int mt_pthread_rwlock_destroy(void *rwlock)
{
    rwlock_rep *l = rwlock;
    return load(&l->writer) || load(&l->readers) ? EBUSY : 0;
}

/* Wakes the threads asleep on l, if any. locked: th_lock is held by a
 * thread of rw_slow, which is counted itself and must stay counted. */
static void rw_wake(rwlock_rep *l, int locked)
{
    if (!__atomic_load_n(&l->waiters, __ATOMIC_SEQ_CST))
        return;
    if (locked)
        th_wake(l);
    else
        wake_counted(&l->waiters, l);
}

/* Counts a reader in: 1 when no writer holds l. */
static FAST int rd_enter(rwlock_rep *l)
{
    __atomic_add_fetch(&l->readers, 1, __ATOMIC_SEQ_CST);
    return !__atomic_load_n(&l->writer, __ATOMIC_SEQ_CST);
}

/* Counts out again a reader that met a writer. */
static void rd_back_out(rwlock_rep *l, int locked)
{
    if (__atomic_sub_fetch(&l->readers, 1, __ATOMIC_SEQ_CST) == 0)
        rw_wake(l, locked);  /* a writer may wait for the readers to leave */
}

/* 1 holding a read lock (listed before a capture can see this thread);
 * 0 when a writer holds l (counted out again). */
static FAST int rd_try(rwlock_rep *l, int locked)
{
    if (rd_enter(l)) {
        reads_add(l);
        return 1;
    }
    rd_back_out(l, locked);
    return 0;
}

/* 1 holding the write lock; 0 when another holds l (given back). */
static FAST int wr_try(rwlock_rep *l, uint32_t id, int locked)
{
    uint32_t none = 0;
    if (!__atomic_compare_exchange_n(&l->writer, &none, id, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        return 0;
    if (!__atomic_load_n(&l->readers, __ATOMIC_SEQ_CST))
        return 1;
    __atomic_store_n(&l->writer, 0, __ATOMIC_SEQ_CST);
    rw_wake(l, locked);  /* readers that met this writer wait for it to go */
    return 0;
}

/* A writer that is gone from this process (th_lock held). */
static void drop_lost_writer(rwlock_rep *l)
{
    uint32_t w = load(&l->writer);
    if (w && !th_alive(w))
        __atomic_compare_exchange_n(&l->writer, &w, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}

/* The contended path, under th_lock: waits (or says EBUSY) until the lock
 * is free. Counted as a waiter before each try, so that an unlock after a
 * failed try sees it and wakes it (see wake_counted). Returns 0 with the lock, or 0 without
 * it when a capture interrupted the wait (the call is reissued). */
static SLOW int rw_slow(rwlock_rep *l, uint32_t id, int write, int try)
{
    th_lock();
    int rc = 0;
    for (;;) {
        __atomic_add_fetch(&l->waiters, 1, __ATOMIC_SEQ_CST);
        drop_lost_writer(l);
        if (write ? wr_try(l, id, 1) : rd_try(l, 1))
            break;
        if (try) {
            rc = EBUSY;
            break;
        }
        if (th_give_way()) {
            __atomic_sub_fetch(&l->waiters, 1, __ATOMIC_SEQ_CST);
            th_unlock();
            return 0;
        }
        th_sleep(l);  /* woken by an unlock, it was counted out */
    }
    __atomic_sub_fetch(&l->waiters, 1, __ATOMIC_SEQ_CST);
    if (rc == 0)
        th_gate();
    th_unlock();
    return rc;
}

/* After a failed first try: EDEADLK for the thread that writes l itself,
 * else the contended path. */
static SLOW int rw_contended(rwlock_rep *l, uint32_t id, int write, int try)
{
    if (load(&l->writer) == id)
        return EDEADLK;
    return rw_slow(l, id, write, try);
}

static SLOW int rd_met_writer(rwlock_rep *l, int try)
{
    rd_back_out(l, 0);
    return rw_contended(l, me(), 0, try);
}

/* A reader tries before anything else: an uncontended read lock needs
 * neither the thread's number nor a call. */
static int rd_lock(rwlock_rep *l, int try)
{
    if (!try)
        frames_take_reissue();
    if (rd_enter(l))
        return reads_add(l);
    return rd_met_writer(l, try);
}

static int wr_lock(rwlock_rep *l, int try)
{
    uint32_t id = me();
    if (!try)
        frames_take_reissue();
    if (wr_try(l, id, 0))
        return 0;
    return rw_contended(l, id, 1, try);
}

int mt_pthread_rwlock_rdlock(void *rwlock) { return rd_lock(rwlock, 0); }
int mt_pthread_rwlock_wrlock(void *rwlock) { return wr_lock(rwlock, 0); }
int mt_pthread_rwlock_tryrdlock(void *rwlock) { return rd_lock(rwlock, 1); }
int mt_pthread_rwlock_trywrlock(void *rwlock) { return wr_lock(rwlock, 1); }

/* Counts one reader out of l: 0, or EPERM when it has none. */
static int rd_leave(rwlock_rep *l)
{
    uint32_t r = load(&l->readers);
    do {
        if (r == 0)
            return EPERM;
    } while (!__atomic_compare_exchange_n(&l->readers, &r, r - 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
    if (r == 1)
        rw_wake(l, 0);  /* the last reader: a writer may be waiting */
    return 0;
}

/* The last reader is gone and someone sleeps on l: a writer may wait. */
static SLOW int rd_last_wakes(rwlock_rep *l)
{
    rw_wake(l, 0);
    return 0;
}

static SLOW int rd_unlock(rwlock_rep *l)
{
    int rc = rd_leave(l);
    if (rc == 0)
        reads_remove(l);
    return rc;
}

/* An unlock that finds a writer: the writer's own, or a reader's that met
 * a writer trying its luck. */
static SLOW int unlock_with_writer(rwlock_rep *l, uint32_t writer)
{
    if (writer != me())
        return rd_unlock(l);
    __atomic_store_n(&l->writer, 0, __ATOMIC_SEQ_CST);
    rw_wake(l, 0);
    return 0;
}

/* The usual case first, with no call and no register saved: a reader
 * gives back the read lock it took last. */
int mt_pthread_rwlock_unlock(void *rwlock)
{
    rwlock_rep *l = rwlock;
    uint32_t writer = load(&l->writer);
    if (writer)
        return unlock_with_writer(l, writer);
    th_reads *r = my_reads;
    uint32_t readers = load(&l->readers);
    if (r && r->n && r->locks[r->n - 1] == l && readers != 0 &&
        __atomic_compare_exchange_n(&l->readers, &readers, readers - 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
        r->n--;
        if (readers == 1 && __atomic_load_n(&l->waiters, __ATOMIC_SEQ_CST))
            return rd_last_wakes(l);
        return 0;
    }
    return rd_unlock(l);
}

void sync_drop_reads(void)
{
    th_reads *r = my_reads ? my_reads : first_reads();
    while (r->n)
        rd_leave(r->locks[--r->n]);
}

/* The thread code, below, calls these two through hooks, handed to it as
 * the program starts (before any thread can end or be restored). */
__attribute__((constructor)) static void hand_hooks_down(void)
{
    static const th_sync_hooks hooks = { .thread_ends = sync_drop_reads,
                                         .cond_waiter_restored = sync_cond_waiter_restored };
    th_set_sync_hooks(&hooks);
}

/* ---- The checkpoint's view of reader counts ----------------------------------------------- */

typedef struct patch_set {
    ck_patch *p;
    size_t n, cap;
    int oom;
} patch_set;

/* The patch of the count at readers, made (with the live count) on first
 * use; NULL out of memory. The lists are short, so a linear search will
 * do. */
static ck_patch *patch_of(patch_set *s, uint32_t *readers)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->p[i].at == readers)
            return &s->p[i];
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        ck_patch *grown = realloc(s->p, cap * sizeof *grown);
        if (!grown)
            return NULL;
        s->p = grown;
        s->cap = cap;
    }
    s->p[s->n] = (ck_patch){ readers, load(readers) };
    return &s->p[s->n++];
}

/* A read lock held by a thread that stays behind: one reader less in the
 * count saved for its rwlock (a thread lists a lock once per read lock it
 * took). */
static void count_out(void *lock, void *ctx)
{
    patch_set *s = ctx;
    ck_patch *p = patch_of(s, &((rwlock_rep *)lock)->readers);
    if (!p)
        s->oom = 1;
    else if (p->value)
        p->value--;
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const ck_patch *)a)->at, y = (uintptr_t)((const ck_patch *)b)->at;
    return x < y ? -1 : x > y;
}

int sync_reader_patches(ck_patch **out, size_t *n, mt_error *err)
{
    patch_set s = { 0 };
    th_reads_left_behind(count_out, &s);
    if (s.oom) {
        free(s.p);
        return mt_fail(err, MT_ENOMEM, "out of memory counting the readers left behind");
    }
    if (s.n > 1)
        qsort(s.p, s.n, sizeof *s.p, by_address);
    *out = s.p;
    *n = s.n;
    return 0;
}

/* ---- Semaphores ------------------------------------------------------------------------ */

int mt_sem_init(void *sem, int pshared, unsigned value)
{
    if (value > SEM_VALUE_MAX) {
        errno = EINVAL;
        return -1;
    }
    if (pshared) {  /* the runtime's waits are in one process only */
        errno = ENOSYS;
        return -1;
    }
    memset(sem, 0, sizeof(sem_t));
    ((sem_rep *)sem)->count = value;
    return 0;
}

int mt_sem_destroy(void *sem)
{
    (void)sem;
    return 0;
}

/* Takes one from the count: 1, or 0 when it is zero. */
static int sem_take(sem_rep *s)
{
    /* sequentially consistent: a waiter counts itself in, then looks */
    uint32_t v = __atomic_load_n(&s->count, __ATOMIC_SEQ_CST);
    while (v > 0)
        if (__atomic_compare_exchange_n(&s->count, &v, v - 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return 1;
    return 0;
}

/* The contended wait, under th_lock: counted as a waiter before each try
 * (see wake_counted), asleep until a post, the deadline or a capture
 * (then it gives way, having taken nothing, and the call is made again on
 * resume). Returns 0 with one taken, 0 after giving way, or ETIMEDOUT. */
static SLOW int sem_slow(sem_rep *s, const struct timespec *deadline)
{
    th_lock();
    int rc = 0;
    for (;;) {
        __atomic_add_fetch(&s->waiters, 1, __ATOMIC_SEQ_CST);
        if (sem_take(s))
            break;
        if (th_give_way_waiting("sem_wait")) {
            __atomic_sub_fetch(&s->waiters, 1, __ATOMIC_SEQ_CST);
            th_unlock();
            return 0;
        }
        if (th_sleep_until(s, deadline) == ETIMEDOUT) {
            if (!sem_take(s))
                rc = ETIMEDOUT;
            break;
        }
    }
    __atomic_sub_fetch(&s->waiters, 1, __ATOMIC_SEQ_CST);
    if (rc == 0)
        th_gate();
    th_unlock();
    return rc;
}

int mt_sem_wait(void *sem)
{
    frames_take_reissue();
    if (sem_take(sem))
        return 0;
    return sem_slow(sem, NULL);
}

int mt_sem_trywait(void *sem)
{
    if (sem_take(sem))
        return 0;
    errno = EAGAIN;
    return -1;
}

int mt_sem_timedwait(void *sem, const void *abstime)
{
    frames_take_reissue();
    if (sem_take(sem))
        return 0;
    const struct timespec *abs = abstime;
    if (bad_deadline(abs)) {
        errno = EINVAL;
        return -1;
    }
    if (sem_slow(sem, abs) == ETIMEDOUT) {
        errno = ETIMEDOUT;
        return -1;
    }
    return 0;
}

int mt_sem_post(void *sem)
{
    sem_rep *s = sem;
    uint32_t v = load(&s->count);
    do {
        if (v >= SEM_VALUE_MAX) {
            errno = EOVERFLOW;
            return -1;
        }
    } while (!__atomic_compare_exchange_n(&s->count, &v, v + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
    if (__atomic_load_n(&s->waiters, __ATOMIC_SEQ_CST))
        wake_counted(&s->waiters, s);
    return 0;
}

int mt_sem_getvalue(void *sem, int *value)
{
    *value = (int)load(&((sem_rep *)sem)->count);
    return 0;
}

/* ---- Once --------------------------------------------------------------------------------- */

/* The routine runs as a callback (no capture starts inside it); threads
 * waiting for it are at a safe point. */
int mt_pthread_once(int *once, void (*init)(void))
{
    if (__atomic_load_n(once, __ATOMIC_ACQUIRE) == CK_ONCE_DONE)
        return 0;
    frames_take_reissue();
    th_lock();
    while (__atomic_load_n(once, __ATOMIC_RELAXED) == CK_ONCE_RUNNING) {
        if (th_give_way()) {
            th_unlock();
            return 0;
        }
        th_sleep(once);
    }
    if (__atomic_load_n(once, __ATOMIC_RELAXED) == CK_ONCE_DONE) {
        th_gate();
        th_unlock();
        return 0;
    }
    __atomic_store_n(once, CK_ONCE_RUNNING, __ATOMIC_RELAXED);
    th_unlock();
    mt_callback_enter();
    init();
    mt_callback_leave();
    th_lock();
    __atomic_store_n(once, CK_ONCE_DONE, __ATOMIC_RELEASE);
    th_wake(once);
    th_unlock();
    return 0;
}
