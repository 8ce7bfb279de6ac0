/* th_wait.c: the runtime's waits: a blocking call sleeps here, on one of
 * 64 condition variables chosen by its object's address, or, for a
 * condition wait, queued on a condition variable of its own (all under
 * th_mu), so that a capture request can wake every sleeper at once. */
#include "th_private.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

enum { NCHANNELS = 64 };
static pthread_cond_t channels[NCHANNELS] = {             /* runtime waits, by object */
    [0 ... NCHANNELS - 1] = PTHREAD_COND_INITIALIZER
};

/* Condition waits queued by object, oldest first (see th_waiter_add). */
static th_waiter *waitq[NCHANNELS];
static uint64_t next_ticket = 1;

static size_t channel_index(const void *obj)
{
    uintptr_t a = (uintptr_t)obj;
    return (a >> 4 ^ a >> 10) % NCHANNELS;
}

static pthread_cond_t *channel_of(const void *obj)
{
    return &channels[channel_index(obj)];
}

int th_sleep_until(const void *obj, const struct timespec *deadline)
{
    if (!deadline) {
        th_sleep(obj);
        return 0;
    }
    th_thread *t = th_current;
    t->sleeping = 1;
    t->stuck = th_hook.in_callback();
    if (th_cap.active)
        pthread_cond_broadcast(&th_changed);
    int rc = pthread_cond_timedwait(channel_of(obj), &th_mu, deadline);
    t->sleeping = t->stuck = 0;
    return rc == ETIMEDOUT ? ETIMEDOUT : 0;
}

void th_sleep(const void *obj)
{
    th_thread *t = th_current;
    t->sleeping = 1;
    t->stuck = th_hook.in_callback();
    if (th_cap.active)
        pthread_cond_broadcast(&th_changed);
    pthread_cond_wait(channel_of(obj), &th_mu);
    t->sleeping = t->stuck = 0;
}

/* The kernel sleepers' descriptor, and the process it was made in (a
 * forked child shares its parent's counter: it makes its own). */
static int wake_fd = -1;
static pid_t wake_pid;

int th_kernel_wake_fd(void)
{
    if (wake_fd >= 0 && wake_pid == getpid())
        return wake_fd;
    if (wake_fd >= 0)
        close(wake_fd);  /* the parent's */
    wake_fd = eventfd(th_cap.active ? 1 : 0, EFD_CLOEXEC | EFD_NONBLOCK);
    wake_pid = getpid();
    return wake_fd;
}

/* A capture begins (1) or ends (0): the kernel sleepers' descriptor
 * readable, or drained. */
static void kernel_wake(int on)
{
    if (wake_fd < 0 || wake_pid != getpid())
        return;
    uint64_t v = 1;
    ssize_t n = on ? write(wake_fd, &v, sizeof v) : read(wake_fd, &v, sizeof v);
    (void)n;  /* full (never: one write a capture) or already empty */
}

void th_kernel_sleeping(int on)
{
    th_thread *t = th_current;
    t->sleeping = on;
    t->stuck = on && th_hook.in_callback();
    if (on && th_cap.active)
        pthread_cond_broadcast(&th_changed);
}

void th_kernel_sleeper(void)
{
    (void)th_me();
}

void th_capture_over(void)
{
    kernel_wake(0);
}

void th_wake(const void *obj)
{
    pthread_cond_broadcast(channel_of(obj));
}

/* ---- Waits woken one at a time ----------------------------------------------- */

/* A condition wait sleeps on a condition variable of its own, queued under
 * its object's address, so that a signal wakes one thread (the one
 * waiting longest) instead of all; a capture request wakes them all
 * (th_wake_all_sleepers). A waiter that gives way to a capture stays queued (see
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
    th_thread *t = th_current;
    t->sleeping = 1;
    t->stuck = th_hook.in_callback();
    if (th_cap.active)
        pthread_cond_broadcast(&th_changed);
    int rc = deadline ? pthread_cond_timedwait(&w->cv, &th_mu, deadline) : pthread_cond_wait(&w->cv, &th_mu);
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

/* ---- A capture request ----------------------------------------------------- */

void th_wake_all_sleepers(void)
{
    kernel_wake(1);
    for (int i = 0; i < NCHANNELS; i++) {
        pthread_cond_broadcast(&channels[i]);
        for (th_waiter *w = waitq[i]; w; w = w->next)
            pthread_cond_signal(&w->cv);
    }
}

void th_waiter_requeue(th_waiter *w)
{
    if (w->ticket >= next_ticket)
        next_ticket = w->ticket + 1;
    if (w->woken == CK_WAIT_QUEUED)
        enqueue(w);
}
