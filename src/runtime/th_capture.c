/* th_capture.c: the rendezvous of a capture: a request marks every
 * thread's state word, each thread stops at its next safe point (unwinds,
 * gives way in a blocking call, or pauses in place), and the last to stop
 * has the checkpoint written through the hooks (th_set_hooks). */
#include "th_private.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>

#include "libc_state.h"

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

static void set_deadline(uint32_t within_ms)
{
    th_cap.within_ms = within_ms ? within_ms : TH_RENDEZVOUS_MS;
    clock_gettime(CLOCK_MONOTONIC, &th_cap.deadline);
    th_cap.deadline.tv_sec += th_cap.within_ms / 1000;
    th_cap.deadline.tv_nsec += (long)(th_cap.within_ms % 1000) * 1000000L;
    if (th_cap.deadline.tv_nsec >= 1000000000L) {
        th_cap.deadline.tv_sec++;
        th_cap.deadline.tv_nsec -= 1000000000L;
    }
}

static int activate(int kind, uint32_t target, int leave, int requester, uint32_t within_ms)
{
    if (th_cap.active)
        return -1;
    if (kind == TH_CAPTURE_THREAD && !th_alive(target))
        return -1;
    th_cap.active = 1;
    th_cap.kind = kind;
    th_cap.target = target;
    th_cap.leave = leave;
    th_cap.writing = 0;
    th_cap.begun = 0;
    th_cap.requester = requester;
    set_deadline(within_ms);
    for (th_thread *t = th_all; t; t = t->next)
        if (t->status == TH_RUNNING && t->native_live)
            ask(t);
    th_wake_all_sleepers();
    return 0;
}

int th_request_from(int kind, uint32_t target, int leave, int requester, uint32_t within_ms)
{
    /* not th_me(): the control thread is no thread of the program */
    pthread_mutex_lock(&th_mu);
    int r = activate(kind, target, leave, requester, within_ms);
    pthread_mutex_unlock(&th_mu);
    return r;
}

int th_request(int kind, uint32_t target, int leave)
{
    return th_request_from(kind, target, leave, TH_BY_PROGRAM, 0);
}

void th_capture_finish(const char *why)
{
    int requester = th_cap.requester;
    th_cap.active = 0;
    th_cap.writing = 0;
    th_cap.generation++;
    th_capture_over();
    pthread_cond_broadcast(&th_changed);
    if (th_hook.capture_ends)
        th_hook.capture_ends(requester, why);
}

int th_cancel(int requester)
{
    pthread_mutex_lock(&th_mu);
    int r = -1;
    if (th_cap.active && th_cap.requester == requester && !th_cap.begun) {
        for (th_thread *t = th_all; t; t = t->next) {
            int pending = MT_STATE_PENDING;
            if (t->state)
                __atomic_compare_exchange_n(t->state, &pending, th_hook.idle_state(t->id), 0, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED);
        }
        th_capture_finish("cancelled");
        r = 0;
    }
    pthread_mutex_unlock(&th_mu);
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
    for (th_thread *o = th_all; o; o = o->next)
        o->parked = 0;
    th_capture_finish(line);
}

/* ---- Safe points ---------------------------------------------------------------- */

static int must_unwind(const th_thread *t)
{
    return th_cap.active && !t->parked && (th_cap.kind == TH_CAPTURE_PROCESS || th_cap.target == t->id);
}

/* The program's signal handlers stay out of a capture: a thread that has
 * stopped for one, and the one that writes it, hold every signal but the
 * faults until it is over, so no handler changes what is being saved (a
 * record's checksum taken over bytes a handler then changed: a restart
 * refused the file, tests/unions/signal.c under qemu-s390x). The signals
 * stay pending and are delivered as the threads go on. */
static void hold_signals(sigset_t *old)
{
    static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT };
    sigset_t all;
    sigfillset(&all);
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        sigdelset(&all, faults[i]);
    pthread_sigmask(SIG_BLOCK, &all, old);
}

static void release_signals(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Waits in place until the capture of another thread is over. */
static void pause_here(th_thread *t)
{
    unsigned long gen = th_cap.generation;
    sigset_t old;
    hold_signals(&old);
    t->paused = 1;
    th_tls_snapshot(t);
    pthread_cond_broadcast(&th_changed);
    while (th_cap.active && th_cap.generation == gen)
        pthread_cond_wait(&th_changed, &th_mu);
    t->paused = 0;
    mt_state_set(th_hook.idle_state(t->id));
    release_signals(&old);
}

int th_at_safe_point(void)
{
    th_thread *t = th_me();
    pthread_mutex_lock(&th_mu);
    int unwind = 0;
    if (must_unwind(t)) {
        mt_state_set(MT_STATE_UNWINDING);
        th_cap.begun = 1;
        th_hook.capture_begins();
        unwind = 1;
    } else if (th_cap.active) {
        pause_here(t);
    } else {
        mt_state_set(th_hook.idle_state(t->id));
    }
    pthread_mutex_unlock(&th_mu);
    return unwind;
}

int th_give_way(void)
{
    th_thread *t = th_current;
    if (!must_unwind(t))
        return 0;
    if (th_hook.in_callback()) {
        if (th_cap.kind == TH_CAPTURE_THREAD)
            cancel_capture(t, "waits in a function mtcc could not transform");
        return 0;
    }
    lc_errno_note(errno);
    mt_state_set(MT_STATE_UNWINDING);
    frames_mark_in_call();
    th_cap.begun = 1;
    th_hook.capture_begins();
    return 1;
}

int th_give_way_waiting(const char *what)
{
    th_thread *t = th_current;
    if (must_unwind(t) && th_cap.kind == TH_CAPTURE_THREAD && !th_hook.in_callback()) {
        char why[160];
        snprintf(why, sizeof why, "waits in %s, which no thread could end where it would go alone", what);
        cancel_capture(t, why);
        return 0;
    }
    return th_give_way();
}

void th_gate(void)
{
    th_thread *t = th_current;
    if (th_cap.active && !must_unwind(t))
        pause_here(t);
}

void th_rewind_begins(int idle_state)
{
    pthread_mutex_lock(&th_mu);  /* activate() asks under it: before this, or seeing REWINDING */
    frames_set_state_after_rewind(th_cap.active ? MT_STATE_PENDING : idle_state);
    mt_state_set(MT_STATE_REWINDING);
    pthread_mutex_unlock(&th_mu);
}

/* ---- The rendezvous --------------------------------------------------------------- */

/* Waits for a change until the capture's deadline: 0, or ETIMEDOUT. */
static int wait_change(void)
{
    return pthread_cond_clockwait(&th_changed, &th_mu, CLOCK_MONOTONIC, &th_cap.deadline);
}

/* The first running thread that has not stopped (the one a capture past
 * its deadline waits for), or NULL. */
static const th_thread *laggard(const th_thread *me_, int paused_counts)
{
    for (th_thread *t = th_all; t; t = t->next)
        if (t != me_ && t->status == TH_RUNNING && t->native_live && !t->parked &&
            !(paused_counts && (t->paused || t->sleeping)))
            return t;
    return NULL;
}

/* The deadline passed with lag still running: the capture is called off,
 * and the threads that stopped carry on from where they stopped. */
static void give_up_on(const th_thread *lag)
{
    char why[200];
    snprintf(why, sizeof why,
             "did not reach an adaptation point within %.3f s (a loop without one, or a long call into code "
             "mtcc did not build); the program goes on as it was",
             th_cap.within_ms / 1e3);
    cancel_capture(lag, why);
}

static int all_parked(void)
{
    for (th_thread *t = th_all; t; t = t->next)
        if (t->status == TH_RUNNING && t->native_live && !t->parked)
            return 0;
    return 1;
}

/* A thread that keeps a process capture from completing: every thread
 * not parked is asleep where it cannot unwind. NULL otherwise. */
static const th_thread *blocking_capture(void)
{
    const th_thread *stuck = NULL;
    for (th_thread *t = th_all; t; t = t->next) {
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
    for (th_thread *t = th_all; t; t = t->next)
        if (t != me_ && t->status == TH_RUNNING && t->native_live && !t->paused && !t->sleeping &&
            !t->parked)
            return 0;
    return 1;
}

static int reached_bottom(th_thread *t);

int th_capture_reached_bottom(void)
{
    sigset_t old;
    hold_signals(&old);
    int stays = reached_bottom(th_me());
    release_signals(&old);
    return stays;
}

/* Parks thread t until the capture is over, writing it when t is the
 * last to stop; 1 when t rewinds and goes on, 0 when it leaves. */
static int reached_bottom(th_thread *t)
{
    pthread_mutex_lock(&th_mu);
    if (!th_cap.active) {  /* called off (its deadline) while this thread unwound: it rewinds */
        pthread_mutex_unlock(&th_mu);
        return 1;
    }
    unsigned long gen = th_cap.generation;
    t->parked = 1;
    th_tls_snapshot(t);
    /* No broadcast: the threads parked before wait for the capture to
     * end, or to be the one that completes it, and the thread that parks
     * last sees that itself; waking them all at each park made 16 threads
     * on 2 cores take 2-4 ms to stop. What else ends their wait (a thread
     * that ends, or sleeps where it cannot unwind) broadcasts. */
    int stays = 1;
    if (th_cap.kind == TH_CAPTURE_THREAD) {
        while (!others_stopped(t) && wait_change() != ETIMEDOUT)
            ;
        if (!others_stopped(t)) {
            give_up_on(laggard(t, 1));
            t->parked = 0;
            pthread_mutex_unlock(&th_mu);
            return 1;
        }
        pthread_mutex_unlock(&th_mu);
        int r = th_hook.write_checkpoint(0, th_cap.requester, 0);
        pthread_mutex_lock(&th_mu);
        if ((th_cap.leave && r == 0) || r == 1) {  /* a refused thread stays; a held one leaves when told */
            frames_clear(t->frames);
            stays = 0;
        }
        t->parked = 0;
        th_capture_finish(NULL);
    } else {
        int late = 0;
        while (th_cap.generation == gen && !th_cap.writing && !all_parked() && !blocking_capture() && !late)
            late = wait_change() == ETIMEDOUT;
        if (th_cap.generation == gen && !th_cap.writing && !all_parked()) {
            if (blocking_capture())
                cancel_capture(blocking_capture(), "waits in a function mtcc could not transform");
            else
                give_up_on(laggard(NULL, 0));
        }
        if (th_cap.generation == gen && !th_cap.writing) {
            th_cap.writing = 1;
            pthread_mutex_unlock(&th_mu);
            th_hook.write_checkpoint(th_cap.leave, th_cap.requester, 1);  /* exits when asked to and written */
            pthread_mutex_lock(&th_mu);
            for (th_thread *o = th_all; o; o = o->next)
                o->parked = 0;
            th_capture_finish(NULL);
        }
        while (th_cap.generation == gen)
            pthread_cond_wait(&th_changed, &th_mu);
    }
    pthread_mutex_unlock(&th_mu);
    return stays;
}

