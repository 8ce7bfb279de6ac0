/* threads.c: a thread's life: pthread_create and its kin, the thread's
 * start and its end (the last thread of the program ends the process),
 * and the threads of a restore, created and then let go. The registry,
 * waits, the capture and the records are th_*.c (th_private.h). It calls
 * nothing above it: the checkpoint writer and the rest come as hooks.
 *
 * One lock guards the registry, the capture and every runtime wait, so
 * that a request can wake all sleepers at once: a thread asleep in a
 * lock, a wait, a barrier or a join is at a safe point, and gives way to
 * a process capture by unwinding (the call is re-entered on resume). */
#include "th_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"

/* main ended by pthread_exit or moved to another process: the last thread
 * to end ends the process. */
static int main_gone;

void th_init_main(void)
{
    th_me();
    th_record_type();  /* a restore looks it up by identity */
}

/* ---- A thread's end ------------------------------------------------------------ */

static void finish_thread_locked(th_thread *t, void *retval, th_status status)
{
    if (th_cap.active && th_cap.kind == TH_CAPTURE_THREAD && th_cap.target == t->id && !t->parked) {
        /* it ended before reaching a safe point */
        char why[96];
        snprintf(why, sizeof why, "no checkpoint: thread %u ended before it reached an adaptation point", t->id);
        th_capture_finish(why);
    }
    t->status = status;
    t->retval = retval;
    t->native_live = 0;
    th_wake(t);
    pthread_cond_broadcast(&th_changed);
    if (t->detached)
        th_drop(t);
}

static int any_running(void)
{
    for (th_thread *t = th_all; t; t = t->next)
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
    th_hook.program_ends();
    exit(0);
}

/* The calling thread is done for good (returned, called pthread_exit or
 * moved to another process). */
static void thread_ends(th_thread *t, void *retval, th_status status)
{
    th_sync.thread_ends();  /* (t is the calling thread) */
    pthread_mutex_lock(&th_mu);
    if (t->is_main)
        main_gone = 1;
    finish_thread_locked(t, retval, status);  /* frees t if detached */
    int last = main_gone && !any_running();
    pthread_mutex_unlock(&th_mu);
    if (last)
        end_program();
}

_Noreturn void th_main_leaves(int moved)
{
    th_thread *t = th_me();
    if (moved) {
        thread_ends(t, MT_THREAD_MIGRATED, TH_MIGRATED);
    } else {  /* a restored main that had ended before the checkpoint */
        pthread_mutex_lock(&th_mu);
        main_gone = 1;
        int last = !any_running();
        pthread_mutex_unlock(&th_mu);
        if (last)
            end_program();
    }
    fflush(NULL);
    pthread_exit(NULL);
}

/* ---- pthread_create and its kin -------------------------------------------------- */

static void *thread_main(void *p)
{
    th_thread *t = p;
    th_current = t;
    frames_note_stack(&t);
    pthread_mutex_lock(&th_mu);
    t->state = &mt_state;
    t->frames = frames_mine();
    int resumed = t->restoring;
    if (resumed) {
        th_tls_snapshot(t);
        t->ready = 1;
        pthread_cond_broadcast(&th_changed);
        while (t->restoring)
            pthread_cond_wait(&th_changed, &th_mu);
    }
    mt_state_set(th_cap.active ? MT_STATE_PENDING : th_hook.idle_state(t->id));
    pthread_mutex_unlock(&th_mu);
    void *(*twin)(void) = (void *(*)(void))mt_twin_of((void (*)(void))t->start);
    void *rv;
    if (resumed) {
        frames_set_state_after_rewind(th_hook.idle_state(t->id));
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
        th_rewind_begins(th_hook.idle_state(t->id));
        rv = twin();
    }
    frames_pins_drop();
    thread_ends(t, rv, TH_FINISHED);
    return NULL;
}

/* OS threads are detached: joining is the registry's business. */
static int spawn(th_thread *t, const pthread_attr_t *user)
{
    if (th_hook.before_spawn)
        th_hook.before_spawn();  /* the program's streams lock again (libc_locks.c) */
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
    th_me();
    th_thread *t = th_new(0);
    t->start = start;
    t->arg = arg;
    int detached = 0;
    if (attr)
        pthread_attr_getdetachstate(attr, &detached);
    t->detached = detached == PTHREAD_CREATE_DETACHED;
    pthread_mutex_lock(&th_mu);
    t->id = th_next_id++;
    t->native_live = 1;
    th_link(t);
    uint32_t id = t->id;
    pthread_mutex_unlock(&th_mu);
    int rc = spawn(t, attr);
    if (rc != 0) {
        pthread_mutex_lock(&th_mu);
        th_unlink(t);
        pthread_mutex_unlock(&th_mu);
        free(t);
        return rc;
    }
    *handle = id;
    return 0;
}

int mt_pthread_join(mt_thread_handle handle, void **retval)
{
    th_thread *s = th_me();
    pthread_mutex_lock(&th_mu);
    th_thread *t = th_find((uint32_t)handle);
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
            pthread_mutex_unlock(&th_mu);
            return 0;   /* a capture: joined again after the resume */
        }
        th_sleep(t);
    }
    if (rc == 0) {
        th_gate();
        if (retval)
            *retval = t->retval;
        th_drop(t);
    }
    pthread_mutex_unlock(&th_mu);
    return rc;
}

int mt_pthread_detach(mt_thread_handle handle)
{
    pthread_mutex_lock(&th_mu);
    th_thread *t = th_find((uint32_t)handle);
    int rc = 0;
    if (!t)
        rc = ESRCH;
    else if (t->detached)
        rc = EINVAL;
    else if (t->status != TH_RUNNING)
        th_drop(t);
    else
        t->detached = 1;
    pthread_mutex_unlock(&th_mu);
    return rc;
}

_Noreturn void mt_pthread_exit(void *retval)
{
    th_thread *t = th_me();
    frames_pins_drop();
    thread_ends(t, retval, TH_FINISHED);
    fflush(NULL);
    pthread_exit(NULL);
}

mt_thread_handle mt_pthread_self(void)
{
    return th_me()->id;
}

int mt_pthread_equal(mt_thread_handle a, mt_thread_handle b)
{
    return a == b;
}

/* ---- The threads of a restore ---------------------------------------------------- */

int th_restore_prepare(const ck_image *img, mt_error *err)
{
    th_thread *m = th_me();
    pthread_mutex_lock(&th_mu);
    th_tls_snapshot(m);
    for (uint64_t i = 0; i < img->nblocks; i++) {
        const ck_block *b = &img->blocks[i];
        if (b->role != CK_ROLE_THREAD)
            continue;
        if (b->key == 0 || b->key > UINT32_MAX || (th_find((uint32_t)b->key) && !(b->aux & CK_THREAD_MAIN))) {
            pthread_mutex_unlock(&th_mu);
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
        th_thread *t = th_new(id);
        t->detached = (b->aux & CK_THREAD_DETACHED) != 0;
        if (b->aux & CK_THREAD_FINISHED) {
            t->status = TH_FINISHED;
            th_link(t);
            continue;
        }
        t->restoring = 1;
        t->native_live = 1;
        th_link(t);
        pthread_mutex_unlock(&th_mu);
        if (spawn(t, NULL) != 0)
            return mt_fail(err, MT_ENOMEM, "cannot create thread %u to restore it", id);
        pthread_mutex_lock(&th_mu);
    }
    for (th_thread *t = th_all; t; t = t->next)
        while (t->restoring && !t->ready)
            pthread_cond_wait(&th_changed, &th_mu);
    int rc = th_reserve_reads(img, err);
    pthread_mutex_unlock(&th_mu);
    return rc;
}

int th_restore_start(void *(**start)(void *))
{
    th_thread *m = th_me();
    pthread_mutex_lock(&th_mu);
    for (th_thread *t = th_all; t; t = t->next)
        t->restoring = 0;
    pthread_cond_broadcast(&th_changed);
    int role = m->status != TH_RUNNING ? TH_ROLE_FINISHED : m->lone ? TH_ROLE_ALONE : TH_ROLE_MAIN;
    if (role == TH_ROLE_FINISHED)
        m->native_live = 0;
    *start = m->start;
    pthread_mutex_unlock(&th_mu);
    return role;
}
