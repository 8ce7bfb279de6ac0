/* th_private.h: what the pieces of the thread code share (threads.c,
 * th_registry.c, th_wait.c, th_capture.c, th_record.c): a thread's entry,
 * the registry and its lock, the capture under way. Not for other files. */
#ifndef MT_TH_PRIVATE_H
#define MT_TH_PRIVATE_H

#include "threads.h"

#include "tlsvars.h"

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
    void **tls;                  /* its thread-local instances, by tls_at's numbers */
    size_t ntls;                 /* ... how many were noted */
    int tls_lost;                /* the last noting ran out of memory: a capture must refuse */
    th_reads reads;              /* the rwlocks it holds for reading */
    uint32_t reads_placed;       /* restored entries placed past reads.n, not committed yet */
    th_waiter wait;              /* its condition wait (th_my_waiter) */
    th_wait_rec wait_in;         /* a restored condition wait, not committed yet */
    int wait_placed;             /* ... wait_in holds one */
    struct th_thread *next;
} th_thread;

/* The registry's lock: it guards the registry, the capture and every
 * runtime wait, so that a request can wake all sleepers at once. */
extern pthread_mutex_t th_mu;
/* Broadcast when the registry or the capture changes. */
extern pthread_cond_t th_changed;
extern th_thread *th_all;              /* main first, then by creation */
extern uint32_t th_next_id;            /* the number the next new thread gets */
extern _Thread_local th_thread *th_current;

/* The capture under way (th_capture.c drives it; the others read it). */
typedef struct th_capture_state {
    int active, kind, leave, writing;
    int begun;                   /* a thread started unwinding: too late to cancel */
    int requester;               /* who asked (th_request_from), told at the end */
    uint32_t target;
    unsigned long generation;
    struct timespec deadline;    /* CLOCK_MONOTONIC: every thread stopped by then, or no capture */
    uint32_t within_ms;          /* the same, for the message */
} th_capture_state;
extern th_capture_state th_cap;

/* What the layers above handed down (th_set_hooks, th_set_sync_hooks). */
extern th_hooks th_hook;
extern th_sync_hooks th_sync;

/* ---- th_registry.c: entries (th_mu held unless said) */
th_thread *th_find(uint32_t id);
void th_link(th_thread *t);
void th_unlink(th_thread *t);
/* Forgets a thread that ended and was joined or detached. */
void th_drop(th_thread *t);
/* A new entry (exits with one line when out of memory; takes no lock). */
th_thread *th_new(uint32_t id);
/* The calling thread's entry, made on first use (takes th_mu: not held). */
th_thread *th_me(void);
/* Notes where the calling thread's thread-locals are. */
void th_tls_snapshot(th_thread *t);

/* ---- th_wait.c */
/* Wakes every sleeper, queued condition waiters too (a capture request). */
void th_wake_all_sleepers(void);
/* The capture is over: th_kernel_wake_fd drained (th_mu held). */
void th_capture_over(void);
/* Queues a restored waiter again in its saved place (its ticket). */
void th_waiter_requeue(th_waiter *w);

/* ---- th_capture.c */
/* The capture is over; why is NULL when the writer ran (it reported). */
void th_capture_finish(const char *why);

/* ---- th_record.c */
/* Makes room in the restored threads' lists for the read locks img holds. */
int th_reserve_reads(const ck_image *img, mt_error *err);

#endif
