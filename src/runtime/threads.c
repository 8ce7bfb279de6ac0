/* threads.c: the thread registry, pthread_create/join/exit and the
 * rendezvous of a capture. It calls nothing above it: the checkpoint
 * writer and the rest come as hooks (th_set_hooks).
 *
 * One lock guards the registry, the capture and every runtime wait, so
 * that a request can wake all sleepers at once: a thread asleep in a
 * lock, a wait, a barrier or a join is at a safe point, and gives way to
 * a process capture by unwinding (the call is re-entered on resume). */
#include "threads.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "libc_state.h"
#include "state.h"
#include "sync.h"

typedef enum { TH_RUNNING, TH_FINISHED, TH_MIGRATED } th_status;

/* A condition wait as a checkpoint holds it: a thread-local block of the
 * thread that waits (WAIT_NAME), whose pointers translate like any
 * other's. */
typedef struct th_wait_rec {
    void *cond, *mutex;
    uint32_t count, woken;       /* th_waiter's */
    uint64_t ticket;
} th_wait_rec;

typedef struct th_thread {
    uint32_t id;
    th_status status;
    int is_main, detached;
    int lone;                    /* a moved thread, alone in its new process */
    int native_live;             /* an OS thread runs it */
    int parked;                  /* unwound, waiting for the checkpoint */
    int paused;                  /* stopped in place while another is captured */
    int sleeping;                /* in a runtime wait */
    int stuck;                   /* ... inside a function mtcc could not transform */
    int restoring, ready;        /* created by a restore, not yet let go */
    int *state;                  /* its state word */
    frames_thread *frames;
    void *(*start)(void *);
    void *arg;
    void *retval;
    void **tls;                  /* its thread-local instances */
    th_reads reads;              /* the rwlocks it holds for reading */
    uint32_t reads_placed;       /* restored entries placed past reads.n, not committed yet */
    th_waiter wait;              /* its condition wait (th_my_waiter) */
    th_wait_rec wait_in;         /* a restored condition wait, not committed yet */
    int wait_placed;             /* ... wait_in holds one */
    struct th_thread *next;
} th_thread;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;  /* registry and capture */
enum { NCHANNELS = 64 };
static pthread_cond_t channels[NCHANNELS] = {             /* runtime waits, by object */
    [0 ... NCHANNELS - 1] = PTHREAD_COND_INITIALIZER
};

/* Condition waits queued by object, oldest first (see th_waiter_add). */
static th_waiter *waitq[NCHANNELS];
static uint64_t next_ticket = 1;
static th_thread *threads;       /* main first, then by creation */
static uint32_t next_id = 2;
static _Thread_local th_thread *self;

static struct {
    int active, kind, leave, writing;
    int begun;                   /* a thread started unwinding: too late to cancel */
    int requester;               /* who asked (th_request_from), told at the end */
    uint32_t target;
    unsigned long generation;
} cap;

/* What the layer above handed down (th_set_hooks); until then (a program
 * that uses the runtime without mt_run_main) nothing is ever captured. */
static int no_idle_state(uint32_t id) { (void)id; return MT_STATE_IDLE; }
static int no_callback(void) { return 0; }
static void no_event(void) {}
static int no_writer(int leave, int requester) { (void)leave; (void)requester; return -1; }
static th_hooks hooks = { .idle_state = no_idle_state, .in_callback = no_callback, .capture_begins = no_event,
                          .write_checkpoint = no_writer, .program_ends = no_event };
/* main ended by pthread_exit or moved to another process: the last thread
 * to end ends the process. */
static int main_gone;

void th_set_hooks(const th_hooks *h)
{
    hooks = *h;
}

/* ---- Thread-local variables ------------------------------------------------- */

typedef struct tls_var {
    char *name;
    uint64_t key;
    void *(*addr)(void);
    const mt_type *type;
    size_t count;
} tls_var;

static tls_var *tls_vars;
static size_t ntls;

int mt_register_tls(const char *name, void *(*addr)(void), const mt_type *t, size_t count, mt_error *err)
{
    pthread_mutex_lock(&lock);
    tls_var *grown = realloc(tls_vars, (ntls + 1) * sizeof *grown);
    char *copy = strdup(name);
    if (!grown || !copy) {
        free(copy);
        if (grown)
            tls_vars = grown;
        pthread_mutex_unlock(&lock);
        return mt_fail(err, MT_ENOMEM, "out of memory registering %s", name);
    }
    tls_vars = grown;
    tls_vars[ntls++] = (tls_var){ copy, state_name_key(name), addr, t, count };
    pthread_mutex_unlock(&lock);
    return 0;
}

/* Notes where the calling thread's thread-locals are (lock held). */
static void tls_snapshot(th_thread *t)
{
    if (!ntls)
        return;
    void **grown = realloc(t->tls, ntls * sizeof *grown);
    if (!grown) {
        fprintf(stderr, "migthread: out of memory noting thread-local variables\n");
        exit(1);
    }
    t->tls = grown;
    for (size_t i = 0; i < ntls; i++)
        t->tls[i] = tls_vars[i].addr();
}

/* ---- The registry ------------------------------------------------------------- */

static size_t channel_index(const void *obj)
{
    uintptr_t a = (uintptr_t)obj;
    return (a >> 4 ^ a >> 10) % NCHANNELS;
}

static pthread_cond_t *channel_of(const void *obj)
{
    return &channels[channel_index(obj)];
}

static th_thread *find(uint32_t id)
{
    for (th_thread *t = threads; t; t = t->next)
        if (t->id == id)
            return t;
    return NULL;
}

static void link_thread(th_thread *t)
{
    th_thread **p = &threads;
    while (*p)
        p = &(*p)->next;
    *p = t;
}

static void unlink_thread(th_thread *t)
{
    for (th_thread **p = &threads; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            return;
        }
}

/* Forgets a thread that ended and was joined or detached. */
static void drop_thread(th_thread *t)
{
    unlink_thread(t);
    free(t->tls);
    free(t->reads.locks);
    pthread_cond_destroy(&t->wait.cv);
    free(t);
}

static th_thread *new_thread(uint32_t id)
{
    th_thread *t = calloc(1, sizeof *t);
    if (!t) {
        fprintf(stderr, "migthread: out of memory creating a thread\n");
        exit(1);
    }
    t->id = id;
    pthread_cond_init(&t->wait.cv, NULL);
    return t;
}

/* The calling thread's entry; a thread the runtime did not start (main
 * before mt_run_main, a library's thread) gets one on first use. */
static th_thread *me(void)
{
    if (!self) {
        th_thread *t = new_thread(0);
        pthread_mutex_lock(&lock);
        t->id = threads ? next_id++ : 1;
        t->is_main = t->id == 1;
        t->native_live = 1;
        t->state = &mt_state;
        t->frames = frames_mine();
        link_thread(t);
        pthread_mutex_unlock(&lock);
        self = t;
    }
    return self;
}

void th_init_main(void)
{
    me();
    th_record_type();  /* a restore looks it up by identity */
}

uint32_t th_self_id(void)
{
    return me()->id;
}

uint32_t th_last_id(void)
{
    pthread_mutex_lock(&lock);
    uint32_t last = next_id - 1;
    pthread_mutex_unlock(&lock);
    return last;
}

th_reads *th_my_reads(void)
{
    return &me()->reads;
}

th_waiter *th_my_waiter(void)
{
    return &me()->wait;
}

int th_alive(uint32_t id)
{
    th_thread *t = find(id);
    return t && t->status == TH_RUNNING;
}

void th_lock(void)
{
    me();
    pthread_mutex_lock(&lock);
}

void th_unlock(void)
{
    pthread_mutex_unlock(&lock);
}

/* ---- Requests ------------------------------------------------------------------ */

/* Asks thread t to stop at its next safe point; a thread still rewinding
 * sees the request once its rewind ends (frames.c leaves it standing). */
static void ask(th_thread *t)
{
    if (!t->state)
        return;  /* not started yet: it looks at the capture when it starts */
    int old = __atomic_load_n(t->state, __ATOMIC_RELAXED);
    while (old == MT_STATE_IDLE || old == MT_STATE_COUNTING || old == MT_STATE_REWINDING)
        if (__atomic_compare_exchange_n(t->state, &old, MT_STATE_PENDING, 0, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            break;
}

static int activate(int kind, uint32_t target, int leave, int requester)
{
    if (cap.active)
        return -1;
    if (kind == TH_CAPTURE_THREAD && !th_alive(target))
        return -1;
    cap.active = 1;
    cap.kind = kind;
    cap.target = target;
    cap.leave = leave;
    cap.writing = 0;
    cap.begun = 0;
    cap.requester = requester;
    for (th_thread *t = threads; t; t = t->next)
        if (t->status == TH_RUNNING && t->native_live)
            ask(t);
    for (int i = 0; i < NCHANNELS; i++) {
        pthread_cond_broadcast(&channels[i]);
        for (th_waiter *w = waitq[i]; w; w = w->next)
            pthread_cond_signal(&w->cv);
    }
    return 0;
}

int th_request_from(int kind, uint32_t target, int leave, int requester)
{
    /* not me(): the control thread is no thread of the program */
    pthread_mutex_lock(&lock);
    int r = activate(kind, target, leave, requester);
    pthread_mutex_unlock(&lock);
    return r;
}

int th_request(int kind, uint32_t target, int leave)
{
    return th_request_from(kind, target, leave, TH_BY_PROGRAM);
}

/* The capture is over; why is NULL when the writer ran (it reported). */
static void finish_capture(const char *why)
{
    int requester = cap.requester;
    cap.active = 0;
    cap.writing = 0;
    cap.generation++;
    pthread_cond_broadcast(&changed);
    if (hooks.capture_ends)
        hooks.capture_ends(requester, why);
}

int th_cancel(int requester)
{
    pthread_mutex_lock(&lock);
    int r = -1;
    if (cap.active && cap.requester == requester && !cap.begun) {
        for (th_thread *t = threads; t; t = t->next) {
            int pending = MT_STATE_PENDING;
            if (t->state)
                __atomic_compare_exchange_n(t->state, &pending, hooks.idle_state(t->id), 0, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED);
        }
        finish_capture("cancelled");
        r = 0;
    }
    pthread_mutex_unlock(&lock);
    return r;
}

/* A thread that must stop waits inside a function mtcc could not make
 * safe (see its warnings): it cannot unwind, so there is no checkpoint;
 * the threads that did stop carry on. */
static void cancel_capture(const th_thread *t, const char *why)
{
    fflush(stdout);
    char line[256];
    snprintf(line, sizeof line, "no checkpoint: thread %u %s", t->id, why);
    fprintf(stderr, "migthread: %s\n", line);
    for (th_thread *o = threads; o; o = o->next)
        o->parked = 0;
    finish_capture(line);
}

/* ---- Safe points ---------------------------------------------------------------- */

static int must_unwind(const th_thread *t)
{
    return cap.active && !t->parked && (cap.kind == TH_CAPTURE_PROCESS || cap.target == t->id);
}

/* Waits in place until the capture of another thread is over. */
static void pause_here(th_thread *t)
{
    unsigned long gen = cap.generation;
    t->paused = 1;
    tls_snapshot(t);
    pthread_cond_broadcast(&changed);
    while (cap.active && cap.generation == gen)
        pthread_cond_wait(&changed, &lock);
    t->paused = 0;
    mt_state_set(hooks.idle_state(t->id));
}

int th_at_safe_point(void)
{
    th_thread *t = me();
    pthread_mutex_lock(&lock);
    int unwind = 0;
    if (must_unwind(t)) {
        mt_state_set(MT_STATE_UNWINDING);
        cap.begun = 1;
        hooks.capture_begins();
        unwind = 1;
    } else if (cap.active) {
        pause_here(t);
    } else {
        mt_state_set(hooks.idle_state(t->id));
    }
    pthread_mutex_unlock(&lock);
    return unwind;
}

int th_give_way(void)
{
    th_thread *t = self;
    if (!must_unwind(t))
        return 0;
    if (hooks.in_callback()) {
        if (cap.kind == TH_CAPTURE_THREAD)
            cancel_capture(t, "waits in a function mtcc could not transform");
        return 0;
    }
    lc_errno_note(errno);
    mt_state_set(MT_STATE_UNWINDING);
    frames_mark_in_call();
    cap.begun = 1;
    hooks.capture_begins();
    return 1;
}

int th_give_way_waiting(const char *what)
{
    th_thread *t = self;
    if (must_unwind(t) && cap.kind == TH_CAPTURE_THREAD && !hooks.in_callback()) {
        char why[160];
        snprintf(why, sizeof why, "waits in %s, which no thread could end where it would go alone", what);
        cancel_capture(t, why);
        return 0;
    }
    return th_give_way();
}

int th_sleep_until(const void *obj, const struct timespec *deadline)
{
    if (!deadline) {
        th_sleep(obj);
        return 0;
    }
    th_thread *t = self;
    t->sleeping = 1;
    t->stuck = hooks.in_callback();
    if (cap.active)
        pthread_cond_broadcast(&changed);
    int rc = pthread_cond_timedwait(channel_of(obj), &lock, deadline);
    t->sleeping = t->stuck = 0;
    return rc == ETIMEDOUT ? ETIMEDOUT : 0;
}

void th_sleep(const void *obj)
{
    th_thread *t = self;
    t->sleeping = 1;
    t->stuck = hooks.in_callback();
    if (cap.active)
        pthread_cond_broadcast(&changed);
    pthread_cond_wait(channel_of(obj), &lock);
    t->sleeping = t->stuck = 0;
}

void th_wake(const void *obj)
{
    pthread_cond_broadcast(channel_of(obj));
}

/* ---- Waits woken one at a time ----------------------------------------------- */

/* A condition wait sleeps on a condition variable of its own, queued under
 * its object's address, so that a signal wakes one thread (the one
 * waiting longest) instead of all; a capture request wakes them all
 * (activate). A waiter that gives way to a capture stays queued (see
 * threads.h): a signal sent while it is saved is its own, as it would
 * have been without the capture. */

/* Puts w on its object's queue behind every waiter with a smaller ticket
 * (a new waiter has the largest; a restored one its saved place). */
static void enqueue(th_waiter *w)
{
    th_waiter **p = &waitq[channel_index(w->obj)];
    while (*p && (*p)->ticket < w->ticket)
        p = &(*p)->next;
    w->next = *p;
    *p = w;
}

void th_waiter_add(th_waiter *w, const void *obj)
{
    w->obj = obj;
    w->woken = CK_WAIT_QUEUED;
    w->ticket = next_ticket++;
    enqueue(w);
}

void th_waiter_leave(th_waiter *w)
{
    if (w->woken == CK_WAIT_QUEUED)
        for (th_waiter **p = &waitq[channel_index(w->obj)]; *p; p = &(*p)->next)
            if (*p == w) {
                *p = w->next;
                break;
            }
}

int th_waiter_sleep(th_waiter *w, const struct timespec *deadline)
{
    th_thread *t = self;
    t->sleeping = 1;
    t->stuck = hooks.in_callback();
    if (cap.active)
        pthread_cond_broadcast(&changed);
    int rc = deadline ? pthread_cond_timedwait(&w->cv, &lock, deadline) : pthread_cond_wait(&w->cv, &lock);
    t->sleeping = t->stuck = 0;
    return rc == ETIMEDOUT ? ETIMEDOUT : 0;
}

/* Takes the longest waiter on obj off the queue and wakes it (or every
 * waiter, with all): returns how many. */
size_t th_wake_waiters(const void *obj, int all)
{
    size_t n = 0;
    for (th_waiter **p = &waitq[channel_index(obj)]; *p;) {
        th_waiter *w = *p;
        if (w->obj != obj) {
            p = &w->next;
            continue;
        }
        *p = w->next;
        w->woken = CK_WAIT_WOKEN;
        pthread_cond_signal(&w->cv);
        n++;
        if (!all)
            break;
    }
    return n;
}

void th_gate(void)
{
    th_thread *t = self;
    if (cap.active && !must_unwind(t))
        pause_here(t);
}

/* ---- The rendezvous --------------------------------------------------------------- */

static int all_parked(void)
{
    for (th_thread *t = threads; t; t = t->next)
        if (t->status == TH_RUNNING && t->native_live && !t->parked)
            return 0;
    return 1;
}

/* A thread that keeps a process capture from completing: every thread
 * not parked is asleep where it cannot unwind. NULL otherwise. */
static const th_thread *blocking_capture(void)
{
    const th_thread *stuck = NULL;
    for (th_thread *t = threads; t; t = t->next) {
        if (t->status != TH_RUNNING || !t->native_live || t->parked)
            continue;
        if (!t->stuck)
            return NULL;
        stuck = t;
    }
    return stuck;
}

static int others_stopped(const th_thread *me_)
{
    for (th_thread *t = threads; t; t = t->next)
        if (t != me_ && t->status == TH_RUNNING && t->native_live && !t->paused && !t->sleeping &&
            !t->parked)
            return 0;
    return 1;
}

static void finish_thread_locked(th_thread *t, void *retval, th_status status)
{
    if (cap.active && cap.kind == TH_CAPTURE_THREAD && cap.target == t->id && !t->parked) {
        /* it ended before reaching a safe point */
        char why[96];
        snprintf(why, sizeof why, "no checkpoint: thread %u ended before it reached an adaptation point", t->id);
        finish_capture(why);
    }
    t->status = status;
    t->retval = retval;
    t->native_live = 0;
    th_wake(t);
    pthread_cond_broadcast(&changed);
    if (t->detached)
        drop_thread(t);
}

static int any_running(void)
{
    for (th_thread *t = threads; t; t = t->next)
        if (t->status == TH_RUNNING && t->native_live)
            return 1;
    return 0;
}

/* The C library ends a process when its last thread ends, but the
 * runtime's control thread never does: so the last thread of the program
 * ends it, with status 0 as the C library would, after the end-of-program
 * checks that returning from main would have made. */
static _Noreturn void end_program(void)
{
    hooks.program_ends();
    exit(0);
}

/* The calling thread is done for good (returned, called pthread_exit or
 * moved to another process). */
static void thread_ends(th_thread *t, void *retval, th_status status)
{
    sync_drop_reads();  /* (t is the calling thread) */
    pthread_mutex_lock(&lock);
    if (t->is_main)
        main_gone = 1;
    finish_thread_locked(t, retval, status);  /* frees t if detached */
    int last = main_gone && !any_running();
    pthread_mutex_unlock(&lock);
    if (last)
        end_program();
}

_Noreturn void th_main_leaves(int moved)
{
    th_thread *t = me();
    if (moved) {
        thread_ends(t, MT_THREAD_MIGRATED, TH_MIGRATED);
    } else {  /* a restored main that had ended before the checkpoint */
        pthread_mutex_lock(&lock);
        main_gone = 1;
        int last = !any_running();
        pthread_mutex_unlock(&lock);
        if (last)
            end_program();
    }
    fflush(NULL);
    pthread_exit(NULL);
}

int th_capture_reached_bottom(void)
{
    th_thread *t = me();
    pthread_mutex_lock(&lock);
    unsigned long gen = cap.generation;
    t->parked = 1;
    tls_snapshot(t);
    /* No broadcast: the threads parked before wait for the capture to
     * end, or to be the one that completes it, and the thread that parks
     * last sees that itself; waking them all at each park made 16 threads
     * on 2 cores take 2-4 ms to stop. What else ends their wait (a thread
     * that ends, or sleeps where it cannot unwind) broadcasts. */
    int stays = 1;
    if (cap.kind == TH_CAPTURE_THREAD) {
        while (!others_stopped(t))
            pthread_cond_wait(&changed, &lock);
        pthread_mutex_unlock(&lock);
        int written = hooks.write_checkpoint(0, cap.requester) == 0;
        pthread_mutex_lock(&lock);
        if (cap.leave && written) {  /* a refused thread stays */
            frames_clear(t->frames);
            stays = 0;
        }
        t->parked = 0;
        finish_capture(NULL);
    } else {
        while (cap.generation == gen && !cap.writing && !all_parked() && !blocking_capture())
            pthread_cond_wait(&changed, &lock);
        if (cap.generation == gen && !cap.writing && !all_parked())
            cancel_capture(blocking_capture(), "waits in a function mtcc could not transform");
        if (cap.generation == gen && !cap.writing) {
            cap.writing = 1;
            pthread_mutex_unlock(&lock);
            hooks.write_checkpoint(cap.leave, cap.requester);  /* exits when asked to and written */
            pthread_mutex_lock(&lock);
            for (th_thread *o = threads; o; o = o->next)
                o->parked = 0;
            finish_capture(NULL);
        }
        while (cap.generation == gen)
            pthread_cond_wait(&changed, &lock);
    }
    pthread_mutex_unlock(&lock);
    return stays;
}

/* ---- pthread_create and its kin -------------------------------------------------- */

static void *thread_main(void *p)
{
    th_thread *t = p;
    self = t;
    frames_note_stack(&t);
    pthread_mutex_lock(&lock);
    t->state = &mt_state;
    t->frames = frames_mine();
    int resumed = t->restoring;
    if (resumed) {
        tls_snapshot(t);
        t->ready = 1;
        pthread_cond_broadcast(&changed);
        while (t->restoring)
            pthread_cond_wait(&changed, &lock);
    }
    mt_state_set(cap.active ? MT_STATE_PENDING : hooks.idle_state(t->id));
    pthread_mutex_unlock(&lock);
    void *(*twin)(void) = (void *(*)(void))mt_twin_of((void (*)(void))t->start);
    void *rv;
    if (resumed) {
        frames_set_state_after_rewind(hooks.idle_state(t->id));
        mt_state_set(MT_STATE_REWINDING);
        rv = twin();
    } else {
        rv = t->start(t->arg);
    }
    while (mt_state_now() == MT_STATE_UNWINDING) {
        if (!th_capture_reached_bottom()) {   /* migrated: it goes on elsewhere */
            frames_pins_drop();
            thread_ends(t, MT_THREAD_MIGRATED, TH_MIGRATED);
            return NULL;
        }
        frames_set_state_after_rewind(hooks.idle_state(t->id));
        mt_state_set(MT_STATE_REWINDING);
        rv = twin();
    }
    frames_pins_drop();
    thread_ends(t, rv, TH_FINISHED);
    return NULL;
}

/* OS threads are detached: joining is the registry's business. */
static int spawn(th_thread *t, const pthread_attr_t *user)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    size_t stack;
    if (user && pthread_attr_getstacksize(user, &stack) == 0)
        pthread_attr_setstacksize(&a, stack);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t native;
    int rc = pthread_create(&native, &a, thread_main, t);
    pthread_attr_destroy(&a);
    return rc;
}

int mt_pthread_create(mt_thread_handle *handle, const void *attr, void *(*start)(void *), void *arg)
{
    me();
    th_thread *t = new_thread(0);
    t->start = start;
    t->arg = arg;
    int detached = 0;
    if (attr)
        pthread_attr_getdetachstate(attr, &detached);
    t->detached = detached == PTHREAD_CREATE_DETACHED;
    pthread_mutex_lock(&lock);
    t->id = next_id++;
    t->native_live = 1;
    link_thread(t);
    uint32_t id = t->id;
    pthread_mutex_unlock(&lock);
    int rc = spawn(t, attr);
    if (rc != 0) {
        pthread_mutex_lock(&lock);
        unlink_thread(t);
        pthread_mutex_unlock(&lock);
        free(t);
        return rc;
    }
    *handle = id;
    return 0;
}

int mt_pthread_join(mt_thread_handle handle, void **retval)
{
    th_thread *s = me();
    pthread_mutex_lock(&lock);
    th_thread *t = find((uint32_t)handle);
    int rc = 0;
    if (!t || handle > UINT32_MAX)
        rc = ESRCH;
    else if (t == s)
        rc = EDEADLK;
    else if (t->detached)
        rc = EINVAL;
    frames_take_reissue();
    while (rc == 0 && t->status == TH_RUNNING) {
        if (th_give_way()) {
            pthread_mutex_unlock(&lock);
            return 0;   /* a capture: joined again after the resume */
        }
        th_sleep(t);
    }
    if (rc == 0) {
        th_gate();
        if (retval)
            *retval = t->retval;
        drop_thread(t);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int mt_pthread_detach(mt_thread_handle handle)
{
    pthread_mutex_lock(&lock);
    th_thread *t = find((uint32_t)handle);
    int rc = 0;
    if (!t)
        rc = ESRCH;
    else if (t->detached)
        rc = EINVAL;
    else if (t->status != TH_RUNNING)
        drop_thread(t);
    else
        t->detached = 1;
    pthread_mutex_unlock(&lock);
    return rc;
}

_Noreturn void mt_pthread_exit(void *retval)
{
    th_thread *t = me();
    frames_pins_drop();
    thread_ends(t, retval, TH_FINISHED);
    fflush(NULL);
    pthread_exit(NULL);
}

mt_thread_handle mt_pthread_self(void)
{
    return me()->id;
}

int mt_pthread_equal(mt_thread_handle a, mt_thread_handle b)
{
    return a == b;
}

/* ---- Saving -------------------------------------------------------------------- */

static const mt_type *record_type, *read_type, *wait_type;

/* A saved condition wait's block (th_wait_rec) is named WAIT_NAME. */
#define WAIT_NAME CK_NAME_WAIT

/* A checkpoint holds each read lock a saved thread holds as a
 * thread-local block of this name and type (a pointer to the rwlock), so
 * that the pointer is translated like any other on restore. */
#define READ_LOCK_NAME CK_NAME_READ_LOCK

typedef struct th_read_lock {
    void *lock;
} th_read_lock;

static void define_read_type(void)
{
    mt_member m[] = { MT_MEMBER(th_read_lock, lock, MT_CLASS_PTR, 1) };
    mt_error err;
    read_type = mt_type_define(READ_LOCK_NAME, sizeof(th_read_lock), _Alignof(th_read_lock), 0, m, 1, &err);
    if (!read_type)
        mt_die(&err);
}

static void define_wait_type(void)
{
    mt_member m[] = {
        MT_MEMBER(th_wait_rec, cond, MT_CLASS_PTR, 1),
        MT_MEMBER(th_wait_rec, mutex, MT_CLASS_PTR, 1),
        MT_MEMBER(th_wait_rec, count, MT_CLASS_UINT, 1),
        MT_MEMBER(th_wait_rec, woken, MT_CLASS_UINT, 1),
        MT_MEMBER(th_wait_rec, ticket, MT_CLASS_UINT, 1),
    };
    mt_error err;
    wait_type = mt_type_define(WAIT_NAME, sizeof(th_wait_rec), _Alignof(th_wait_rec), 0, m,
                               sizeof m / sizeof m[0], &err);
    if (!wait_type)
        mt_die(&err);
}

/* Defines the read-lock and wait types too: they go out with every type
 * table. */
const struct mt_type *th_record_type(void)
{
    if (!read_type)
        define_read_type();
    if (!wait_type)
        define_wait_type();
    if (!record_type) {
        mt_member m[] = {
            MT_MEMBER(th_record, id, MT_CLASS_UINT, 1),
            MT_MEMBER(th_record, flags, MT_CLASS_UINT, 1),
            MT_MEMBER(th_record, next_id, MT_CLASS_UINT, 1),
            MT_MEMBER(th_record, start, MT_CLASS_FNPTR, 1),
            MT_MEMBER(th_record, arg, MT_CLASS_PTR, 1),
            MT_MEMBER(th_record, retval, MT_CLASS_PTR, 1),
        };
        mt_error err;
        record_type = mt_type_define(CK_NAME_THREAD, sizeof(th_record), _Alignof(th_record), 0, m,
                                     sizeof m / sizeof m[0], &err);
        if (!record_type)
            mt_die(&err);
    }
    return record_type;
}

/* Which threads a checkpoint holds: every thread in a process capture
 * (finished ones for their results), the moving one in a thread capture,
 * the calling thread when no capture runs (mt_save from a program). */
static int saved(const th_thread *t)
{
    if (!cap.active)
        return t == self;
    if (cap.kind == TH_CAPTURE_THREAD)
        return t->id == cap.target;
    return 1;
}

static th_record record_of(const th_thread *t)
{
    th_record r = { t->id, 0, next_id, t->start, NULL, NULL };
    if (t->is_main)
        r.flags |= CK_THREAD_MAIN;
    if (t->detached)
        r.flags |= CK_THREAD_DETACHED;
    if (t->status != TH_RUNNING)
        r.flags |= CK_THREAD_FINISHED;
    if ((cap.active && cap.kind == TH_CAPTURE_THREAD) || t->lone)
        r.flags |= CK_THREAD_ALONE;
    /* A result that is not a block of the program (a number cast to a
     * pointer) travels as a number. */
    const mt_type *ty;
    uint64_t n;
    if (t->retval && state_heap_find_locked(t->retval, &ty, &n))  /* state_write holds the lock */
        r.retval = t->retval;
    else
        r.arg = t->retval;
    return r;
}

static int write_tls(ck_writer *w, const th_thread *t)
{
    for (size_t i = 0; i < ntls && t->tls; i++) {
        ck_block b = { .role = CK_ROLE_TLS, .type = tls_vars[i].type->index, .key = tls_vars[i].key,
                       .old_addr = (uint64_t)(uintptr_t)t->tls[i], .count = tls_vars[i].count,
                       .len = tls_vars[i].count * tls_vars[i].type->size, .name = tls_vars[i].name };
        if (ck_write_block(w, &b, t->tls[i]) < 0)
            return -1;
    }
    return 0;
}

static int write_reads(ck_writer *w, const th_thread *t)
{
    _Static_assert(sizeof(th_read_lock) == sizeof(void *), "a list entry is one th_read_lock");
    for (uint32_t i = 0; i < t->reads.n; i++) {
        ck_block b = { .role = CK_ROLE_TLS, .type = read_type->index, .key = state_name_key(READ_LOCK_NAME),
                       .old_addr = (uint64_t)(uintptr_t)&t->reads.locks[i], .count = 1,
                       .len = read_type->size, .name = READ_LOCK_NAME };
        if (ck_write_block(w, &b, &t->reads.locks[i]) < 0)
            return -1;
    }
    return 0;
}

static th_wait_rec wait_of(const th_thread *t)
{
    const th_waiter *w = &t->wait;
    return (th_wait_rec){ (void *)w->obj, w->mutex, w->count, w->woken, w->ticket };
}

/* The condition wait a thread is in, if any (a thread gives way to a
 * capture still queued, or woken and taking its mutex again). */
static int write_wait(ck_writer *w, const th_thread *t)
{
    if (!t->wait.obj)
        return 0;
    th_wait_rec r = wait_of(t);
    ck_block b = { .role = CK_ROLE_TLS, .type = wait_type->index, .key = state_name_key(WAIT_NAME),
                   .old_addr = (uint64_t)(uintptr_t)&t->wait, .count = 1, .len = wait_type->size,
                   .name = WAIT_NAME };
    return ck_write_block(w, &b, &r) < 0 ? -1 : 0;
}

static int write_pin_as_heap(void *data, const struct mt_type *ty, uint64_t count, void *ctx)
{
    ck_block b = { .role = CK_ROLE_HEAP, .type = ty->index, .old_addr = (uint64_t)(uintptr_t)data,
                   .count = count, .len = count * ty->size, .name = "" };
    return ck_write_block(ctx, &b, data) < 0;
}

int th_write(ck_writer *w)
{
    pthread_mutex_lock(&lock);
    int rc = 0;
    if (!cap.active) {
        rc = frames_write(w, frames_mine());
        pthread_mutex_unlock(&lock);
        return rc;
    }
    const mt_type *rt = th_record_type();
    for (th_thread *t = threads; t && rc == 0; t = t->next) {
        if (!saved(t)) {
            /* another thread's pinned locals, which the moving thread's
             * pointers may reach (an argument array in main) */
            if (t->status == TH_RUNNING && t->frames)
                rc = frames_pins_each(t->frames, write_pin_as_heap, w);
            continue;
        }
        th_record r = record_of(t);
        ck_block b = { .role = CK_ROLE_THREAD, .type = rt->index, .key = t->id, .aux = r.flags,
                       .old_addr = (uint64_t)(uintptr_t)t, .count = 1, .len = rt->size, .name = "" };
        rc = ck_write_block(w, &b, &r);
        if (rc == 0 && t->status == TH_RUNNING)
            rc = write_tls(w, t);
        if (rc == 0 && t->status == TH_RUNNING)
            rc = write_reads(w, t);
        if (rc == 0 && t->status == TH_RUNNING)
            rc = write_wait(w, t);
        if (rc == 0 && t->status == TH_RUNNING)
            rc = frames_write(w, t->frames);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int th_roots_each(int (*fn)(void *data, const struct mt_type *t, uint64_t count, void *ctx), void *ctx)
{
    pthread_mutex_lock(&lock);
    int r = 0;
    if (!cap.active)
        r = frames_each(frames_mine(), fn, ctx);
    for (th_thread *t = threads; cap.active && t && !r; t = t->next) {
        if (!saved(t)) {
            if (t->status == TH_RUNNING && t->frames)
                r = frames_pins_each(t->frames, fn, ctx);
            continue;
        }
        if (t->retval && t->status != TH_RUNNING) {
            th_record rec = record_of(t);
            r = fn(&rec, th_record_type(), 1, ctx);  /* the scan reads it at once */
        }
        for (size_t i = 0; !r && t->status == TH_RUNNING && t->tls && i < ntls; i++)
            r = fn(t->tls[i], tls_vars[i].type, tls_vars[i].count, ctx);
        if (!r && t->status == TH_RUNNING && t->reads.n)
            r = fn(t->reads.locks, read_type, t->reads.n, ctx);
        if (!r && t->status == TH_RUNNING && t->wait.obj) {
            th_wait_rec rec = wait_of(t);
            r = fn(&rec, wait_type, 1, ctx);  /* the scan reads it at once */
        }
        if (!r && t->status == TH_RUNNING)
            r = frames_each(t->frames, fn, ctx);
    }
    pthread_mutex_unlock(&lock);
    return r;
}

void th_frames_each(void (*fn)(const frames_thread *ft, int capture, void *ctx), void *ctx)
{
    pthread_mutex_lock(&lock);
    if (!cap.active)
        fn(frames_mine(), 0, ctx);
    for (th_thread *t = threads; cap.active && t; t = t->next)
        if (t->status == TH_RUNNING && t->frames)
            fn(t->frames, 1, ctx);
    pthread_mutex_unlock(&lock);
}

void th_reads_left_behind(void (*fn)(void *lock, void *ctx), void *ctx)
{
    pthread_mutex_lock(&lock);
    for (th_thread *t = threads; cap.active && cap.kind == TH_CAPTURE_THREAD && t; t = t->next)
        if (!saved(t) && t->status == TH_RUNNING)
            for (uint32_t i = 0; i < t->reads.n; i++)
                fn(t->reads.locks[i], ctx);
    pthread_mutex_unlock(&lock);
}

/* ---- Restoring ------------------------------------------------------------------ */

frames_thread *th_restore_frames(uint32_t id)
{
    th_thread *t = find(id);
    return t ? t->frames : NULL;
}

void *th_restore_tls(uint32_t id, uint64_t key, const struct mt_type *ty, uint64_t count)
{
    th_thread *t = find(id);
    if (t && key == state_name_key(READ_LOCK_NAME)) {  /* room made by reserve_reads */
        if (ty != read_type || count != 1 || t->reads.n + t->reads_placed >= t->reads.cap)
            return NULL;
        return &t->reads.locks[t->reads.n + t->reads_placed++];
    }
    if (t && key == state_name_key(WAIT_NAME)) {
        if (ty != wait_type || count != 1 || t->wait_placed)
            return NULL;
        t->wait_placed = 1;
        return &t->wait_in;
    }
    for (size_t i = 0; t && t->tls && i < ntls; i++)
        if (tls_vars[i].key == key)
            return tls_vars[i].type == ty && tls_vars[i].count == count ? t->tls[i] : NULL;
    return NULL;
}

/* Makes room in the lists of the restored threads for the read locks the
 * image holds for them, one place more per entry, before any is placed:
 * th_restore_tls hands out places that must not move until the restore
 * commits them (lock held). */
static int reserve_reads(const ck_image *img, mt_error *err)
{
    uint64_t key = state_name_key(READ_LOCK_NAME);
    th_thread *t = NULL;
    for (uint64_t i = 0; i < img->nblocks; i++) {
        const ck_block *b = &img->blocks[i];
        if (b->role == CK_ROLE_THREAD)
            t = find((uint32_t)b->key);
        if (!t || b->role != CK_ROLE_TLS || b->key != key)
            continue;
        void **grown = realloc(t->reads.locks, (t->reads.cap + 1) * sizeof *grown);
        if (!grown)
            return mt_fail(err, MT_ENOMEM, "out of memory restoring the read locks of thread %u", t->id);
        t->reads.locks = grown;
        t->reads.cap++;
    }
    return 0;
}

int th_restore_prepare(const ck_image *img, mt_error *err)
{
    th_thread *m = me();
    pthread_mutex_lock(&lock);
    tls_snapshot(m);
    for (uint64_t i = 0; i < img->nblocks; i++) {
        const ck_block *b = &img->blocks[i];
        if (b->role != CK_ROLE_THREAD)
            continue;
        if (b->key == 0 || b->key > UINT32_MAX || (find((uint32_t)b->key) && !(b->aux & CK_THREAD_MAIN))) {
            pthread_mutex_unlock(&lock);
            return mt_fail(err, MT_EFORMAT, "corrupt checkpoint: thread %llu in record %u",
                           (unsigned long long)b->key, b->record);
        }
        uint32_t id = (uint32_t)b->key;
        if (b->aux & (CK_THREAD_MAIN | CK_THREAD_ALONE)) {
            m->id = id;   /* the main thread goes on as this one */
            m->is_main = (b->aux & CK_THREAD_MAIN) != 0;
            m->lone = (b->aux & CK_THREAD_ALONE) != 0;
            if (b->aux & CK_THREAD_FINISHED)
                m->status = TH_FINISHED;
            continue;
        }
        th_thread *t = new_thread(id);
        t->detached = (b->aux & CK_THREAD_DETACHED) != 0;
        if (b->aux & CK_THREAD_FINISHED) {
            t->status = TH_FINISHED;
            link_thread(t);
            continue;
        }
        t->restoring = 1;
        t->native_live = 1;
        link_thread(t);
        pthread_mutex_unlock(&lock);
        if (spawn(t, NULL) != 0)
            return mt_fail(err, MT_ENOMEM, "cannot create thread %u to restore it", id);
        pthread_mutex_lock(&lock);
    }
    for (th_thread *t = threads; t; t = t->next)
        while (t->restoring && !t->ready)
            pthread_cond_wait(&changed, &lock);
    int rc = reserve_reads(img, err);
    pthread_mutex_unlock(&lock);
    return rc;
}

void th_restore_record(const th_record *r)
{
    pthread_mutex_lock(&lock);
    th_thread *t = find(r->id);
    if (t) {
        t->start = r->start;
        t->retval = r->retval ? r->retval : r->arg;
    }
    if (r->next_id > next_id)
        next_id = r->next_id;
    pthread_mutex_unlock(&lock);
}

/* A restored thread's condition wait goes back on its queue, in its old
 * place among the others, before any restored thread runs; its ticket
 * keeps the order, and new waiters queue behind every restored one. */
static void requeue_wait(th_thread *t)
{
    th_waiter *w = &t->wait;
    w->obj = t->wait_in.cond;
    w->mutex = t->wait_in.mutex;
    w->count = t->wait_in.count;
    w->woken = t->wait_in.woken;
    w->ticket = t->wait_in.ticket;
    if (w->ticket >= next_ticket)
        next_ticket = w->ticket + 1;
    if (w->woken == CK_WAIT_QUEUED) {
        enqueue(w);
        sync_cond_waiter_restored(t->wait_in.cond);
    }
    t->wait_placed = 0;
}

void th_restore_commit(void)
{
    pthread_mutex_lock(&lock);
    for (th_thread *t = threads; t; t = t->next) {
        if (t->frames)
            frames_commit(t->frames);
        t->reads.n += t->reads_placed;
        t->reads_placed = 0;
    }
    /* after every thread's records: a condition may live in another
     * thread's pinned locals */
    for (th_thread *t = threads; t; t = t->next)
        if (t->wait_placed)
            requeue_wait(t);
    pthread_mutex_unlock(&lock);
}

void th_restore_abandon(void)
{
    for (th_thread *t = threads; t; t = t->next) {
        if (t->frames)
            frames_abandon(t->frames);
        t->reads_placed = 0;
        t->wait_placed = 0;
    }
}

int th_restore_start(void *(**start)(void *))
{
    th_thread *m = me();
    pthread_mutex_lock(&lock);
    for (th_thread *t = threads; t; t = t->next)
        t->restoring = 0;
    pthread_cond_broadcast(&changed);
    int role = m->status != TH_RUNNING ? TH_ROLE_FINISHED : m->lone ? TH_ROLE_ALONE : TH_ROLE_MAIN;
    if (role == TH_ROLE_FINISHED)
        m->native_live = 0;
    *start = m->start;
    pthread_mutex_unlock(&lock);
    return role;
}
