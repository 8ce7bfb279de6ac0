/* th_registry.c: the thread registry: one entry per thread of the
 * program (its number, state word, frames, thread-locals), found by
 * number, and the lock that guards it together with every runtime wait. */
#include "th_private.h"

#include <stdio.h>
#include <stdlib.h>

#include "error.h"

pthread_mutex_t th_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t th_changed = PTHREAD_COND_INITIALIZER;
th_thread *th_all;
uint32_t th_next_id = 2;
_Thread_local th_thread *th_current;
th_capture_state th_cap;

/* What the layer above handed down (th_set_hooks); until then (a program
 * that uses the runtime without mt_run_main) nothing is ever captured. */
static int no_idle_state(uint32_t id) { (void)id; return MT_STATE_IDLE; }
static int no_callback(void) { return 0; }
static void no_event(void) {}
static int no_writer(int leave, int requester, int whole) { (void)leave; (void)requester; (void)whole; return -1; }
th_hooks th_hook = { .idle_state = no_idle_state, .in_callback = no_callback, .capture_begins = no_event,
                     .write_checkpoint = no_writer, .program_ends = no_event };

void th_set_hooks(const th_hooks *h)
{
    th_hook = *h;
}

static void no_thread_end(void) {}
static void no_waiter(void *cond) { (void)cond; }
th_sync_hooks th_sync = { .thread_ends = no_thread_end, .cond_waiter_restored = no_waiter };

void th_set_sync_hooks(const th_sync_hooks *h)
{
    th_sync = *h;
}

/* ---- Thread-local variables ------------------------------------------------- */

/* Notes where the calling thread's thread-locals are (lock held). Out of
 * memory, the thread runs on and a capture that needs them refuses
 * (th_tls_check): a checkpoint never costs the job. */
void th_tls_snapshot(th_thread *t)
{
    size_t n = tls_count();
    if (!n)
        return;
    void **grown = realloc(t->tls, n * sizeof *grown);
    t->tls_lost = !grown;
    if (!grown)
        return;
    t->tls = grown;
    t->ntls = n;
    for (size_t i = 0; i < n; i++)
        t->tls[i] = tls_at(i).addr();
}

/* ---- The registry ------------------------------------------------------------- */

th_thread *th_find(uint32_t id)
{
    for (th_thread *t = th_all; t; t = t->next)
        if (t->id == id)
            return t;
    return NULL;
}

void th_link(th_thread *t)
{
    th_thread **p = &th_all;
    while (*p)
        p = &(*p)->next;
    *p = t;
}

void th_unlink(th_thread *t)
{
    for (th_thread **p = &th_all; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            return;
        }
}

/* Forgets a thread that ended and was joined or detached. */
void th_drop(th_thread *t)
{
    th_unlink(t);
    free(t->tls);
    free(t->reads.locks);
    pthread_cond_destroy(&t->wait.cv);
    free(t);
}

th_thread *th_new(uint32_t id)
{
    th_thread *t = calloc(1, sizeof *t);
    if (!t)
        mt_fatal("out of memory creating a thread");
    t->id = id;
    pthread_cond_init(&t->wait.cv, NULL);
    return t;
}

/* The calling thread's entry; a thread the runtime did not start (main
 * before mt_run_main, a library's thread) gets one on first use. */
th_thread *th_me(void)
{
    if (!th_current) {
        th_thread *t = th_new(0);
        pthread_mutex_lock(&th_mu);
        t->id = th_all ? th_next_id++ : 1;
        t->is_main = t->id == 1;
        t->native_live = 1;
        t->state = &mt_state;
        t->frames = frames_mine();
        th_link(t);
        pthread_mutex_unlock(&th_mu);
        th_current = t;
    }
    return th_current;
}

uint32_t th_self_id(void)
{
    return th_me()->id;
}

uint32_t th_last_id(void)
{
    pthread_mutex_lock(&th_mu);
    uint32_t last = th_next_id - 1;
    pthread_mutex_unlock(&th_mu);
    return last;
}

th_reads *th_my_reads(void)
{
    return &th_me()->reads;
}

th_waiter *th_my_waiter(void)
{
    return &th_me()->wait;
}

int th_alive(uint32_t id)
{
    th_thread *t = th_find(id);
    return t && t->status == TH_RUNNING;
}

void th_lock(void)
{
    th_me();
    pthread_mutex_lock(&th_mu);
}

void th_unlock(void)
{
    pthread_mutex_unlock(&th_mu);
}
