/* threads.h: the thread registry and the capture rendezvous.
 *
 * Every thread of an mtcc program has a logical number (main is 1), its
 * state word, its frames and its thread-local instances here. A capture
 * is one of two kinds: a process capture stops every thread (each unwinds
 * its own stack, threads asleep in a blocking call give way), a thread
 * capture stops the others in place while one thread unwinds and saves
 * itself. docs/design.md ("Threads") tells the whole protocol. */
#ifndef MT_THREADS_H
#define MT_THREADS_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "ckpt.h"
#include "frames.h"

enum { TH_CAPTURE_PROCESS = 1, TH_CAPTURE_THREAD = 2 };

/* The record a checkpoint holds for each thread (a THREAD block). */
typedef struct th_record {
    uint32_t id;
    uint32_t flags;           /* CK_THREAD_* */
    uint32_t next_id;         /* the number the next new thread gets */
    void *(*start)(void *);   /* NULL for the main thread */
    void *arg;
    void *retval;             /* a finished thread's result */
} th_record;


/* The runtime's descriptor of th_record. */
const struct mt_type *th_record_type(void);

/* What the layer above hands the thread code, which imports nothing
 * above it (program.c sets them before main runs). */
typedef struct th_hooks {
    /* The state a thread returns to after a capture (safepoint.c). */
    int (*idle_state)(uint32_t thread_id);
    /* 1 while the calling thread runs a callback from untransformed code. */
    int (*in_callback)(void);
    /* A thread starts unwinding for a capture (the latency report). */
    void (*capture_begins)(void);
    /* Writes the checkpoint a request of requester (TH_BY_*) asked for;
     * exits with status 0 afterwards when leave is set and it was written.
     * 0, or -1 when none was written (one `migthread:` line said why; the
     * program carries on). whole is 0 for a thread capture: a held
     * request (migthread migrate --thread) that the requester decides to
     * end returns 1 there instead of exiting, and the thread leaves. */
    int (*write_checkpoint)(int leave, int requester, int whole);
    /* The capture requester asked for is over (under the thread lock: it
     * must not call back in): why is NULL when write_checkpoint ran, else
     * why there is no checkpoint ("cancelled" after th_cancel). */
    void (*capture_ends)(int requester, const char *why);
    /* The end-of-program checks, when the last thread ends after main
     * called pthread_exit. */
    void (*program_ends)(void);
    /* A thread of the program is about to start (a new one, or one a
     * restore puts back), called by the thread that starts it; NULL:
     * nothing to do. */
    void (*before_spawn)(void);
} th_hooks;
void th_set_hooks(const th_hooks *h);

/* What sync.c, above the thread code, has it call: sync.c registers them
 * as the program starts (a program without sync.c has no read locks and
 * no condition waits, and needs none). */
typedef struct th_sync_hooks {
    /* The calling thread ends: it gives back the read locks it holds. */
    void (*thread_ends)(void);
    /* A restored condition wait on cond is queued again (th_mu held). */
    void (*cond_waiter_restored)(void *cond);
} th_sync_hooks;
void th_set_sync_hooks(const th_sync_hooks *h);

/* The calling thread becomes thread 1 (mt_run_main calls this first). */
void th_init_main(void);
uint32_t th_self_id(void);

/* Who asked for a capture: told to write_checkpoint and capture_ends. */
enum { TH_BY_PROGRAM = 0, TH_BY_CHANNEL = 1 };

/* Asks for a capture (from the control thread, a poll count or a
 * trigger signal). target: the thread of a thread capture. leave: exit
 * after a process checkpoint; a moved thread leaves its process after a
 * thread checkpoint. Returns 0, or -1 when a capture is already under way
 * or the target does not exist. th_request is th_request_from with
 * TH_BY_PROGRAM. */
/* The threads must all reach a safe point within within_ms of the request
 * (0: TH_RENDEZVOUS_MS), else the capture is called off: a thread that
 * spins on a flag in a loop with no adaptation point, waiting for one
 * that stopped, would otherwise hold the others stopped for ever. */
#define TH_RENDEZVOUS_MS 30000
int th_request_from(int kind, uint32_t target, int leave, int requester, uint32_t within_ms);
int th_request(int kind, uint32_t target, int leave);

/* Takes back requester's capture if no thread has begun to unwind for it:
 * every state word goes back to idle and the program carries on as if
 * nothing had been asked. 0, or -1 when there is none or it is too late
 * (the checkpoint will be written). */
int th_cancel(int requester);

/* An adaptation point saw its state word pending: 1 when this thread
 * must unwind, 0 to carry on (after waiting, if another thread is being
 * captured). */
int th_at_safe_point(void);

/* The unwinding reached the bottom of the thread (its start routine or
 * main). Writes the checkpoint or waits for it. Returns 1 when the thread
 * rewinds, 0 when it leaves (a migrated thread); the process exits after
 * a checkpoint taken to exit. */
int th_capture_reached_bottom(void);
/* After th_capture_reached_bottom returned 1: the thread rewinds, and its
 * state after the rewind is idle_state, or PENDING when a capture was
 * asked for since the last one ended (the request found the thread still
 * unwinding, a state it may not change: without this, it was lost, and
 * migthread migrate's held checkpoint right after its pre-copy waited for
 * its timeout). */
void th_rewind_begins(int idle_state);

/* The main thread leaves without ending the process: moved to another
 * process (moved), or restored after it had called pthread_exit. The
 * process ends when its last thread does. */
_Noreturn void th_main_leaves(int moved);

/* Runtime waits, all under th_lock. Before each sleep a blocking call
 * asks th_give_way: 1 means a capture wants this thread, which is now
 * unwinding; the call undoes what it began and returns, and is re-entered
 * after the rewind. th_sleep waits on obj's channel for th_wake(obj) (or
 * a capture request; wake-ups may be spurious). */
void th_lock(void);
void th_unlock(void);
int th_give_way(void);
void th_sleep(const void *obj);
void th_wake(const void *obj);
/* Condition waits, woken one at a time, all under th_lock. Each thread
 * has one waiter (th_my_waiter), kept in its registry entry rather than
 * on its stack: a wait that gives way to a capture stays queued while the
 * thread unwinds, so a signal sent meanwhile still wakes it, and the
 * checkpoint saves the wait (the condition, the mutex, whether a signal
 * came, its place in the queue); the restore queues it again, in the same
 * order, before any thread runs. The resumed call then goes on waiting
 * (see sync.c): no wake-up the uninterrupted run would not have had.
 * th_waiter_add queues w on obj's queue (oldest first); th_waiter_sleep
 * waits until a wake, a capture request or the deadline (ETIMEDOUT; NULL:
 * none); wake-ups may be spurious: check w->woken. th_waiter_leave takes w
 * off the queue if no wake did. th_wake_waiters wakes the longest waiter
 * on obj, or all of them, and returns how many it woke. */
typedef struct th_waiter {
    const void *obj;          /* the condition variable; NULL: no wait */
    void *mutex;              /* the mutex the wait gives back and takes again */
    uint32_t count;           /* the mutex's recursion count, given back with it */
    uint32_t woken;           /* CK_WAIT_* */
    uint64_t ticket;          /* its place in the queue (older: smaller) */
    pthread_cond_t cv;
    struct th_waiter *next;
} th_waiter;
th_waiter *th_my_waiter(void);
void th_waiter_add(th_waiter *w, const void *obj);
int th_waiter_sleep(th_waiter *w, const struct timespec *deadline);
void th_waiter_leave(th_waiter *w);
size_t th_wake_waiters(const void *obj, int all);
/* th_sleep with a deadline on CLOCK_REALTIME: ETIMEDOUT once it passed. */
int th_sleep_until(const void *obj, const struct timespec *deadline);
/* th_give_way for a wait that only another thread can end (a condition
 * wait not yet signalled, a semaphore at zero): a thread capture of this
 * very thread is given up with one line (alone in a new process, nobody
 * could end the wait), and the thread goes on waiting. what names the
 * wait in that line. */
int th_give_way_waiting(const char *what);
/* Before a blocking call returns into the program: waits while another
 * thread is being captured (th_lock held). */
void th_gate(void);
/* Sleeps in the kernel (libc_sleep.c: ppoll, which a signal handler can
 * interrupt as it interrupts sleep): th_kernel_wake_fd is a descriptor
 * that is readable while a capture is under way (made on first use, anew
 * in a forked child), and th_kernel_sleeping marks the calling thread
 * asleep (stopped, for a capture of another thread) or awake again; both
 * under th_lock. th_kernel_sleeper registers the calling thread if it is
 * not yet (takes th_lock: not held). */
int th_kernel_wake_fd(void);
void th_kernel_sleeping(int on);
void th_kernel_sleeper(void);
/* The highest number given to a thread so far (1: main alone). */
uint32_t th_last_id(void);
/* 1 when thread id is alive in this process (for locks owned by a
 * thread that did not come along to a new process). */
int th_alive(uint32_t id);

/* The rwlocks a thread holds for reading, one entry per read lock it took
 * and has not given back (kept by sync.c, which explains why). A
 * checkpoint saves the list of each thread it holds, so that a restored
 * thread knows its read locks too. */
typedef struct th_reads {
    void **locks;
    uint32_t n, cap;
} th_reads;
/* The calling thread's list (it lives as long as the thread's entry). */
th_reads *th_my_reads(void);
/* Calls fn, under the registry lock, for each read lock held by a thread
 * that the thread capture under way leaves behind; those threads are
 * stopped. Nothing outside a thread capture. */
void th_reads_left_behind(void (*fn)(void *lock, void *ctx), void *ctx);

/* Saving: the threads a checkpoint holds, with their frames and
 * thread-local blocks, after the globals and the heap. */
int th_write(ck_writer *w);
/* Before anything is written: 0, or -1 with err when a thread to be saved
 * could not note its thread-local variables (out of memory). */
int th_tls_check(mt_error *err);
/* Visits the roots of the captured threads: frames, pinned records,
 * thread-local instances. */
int th_roots_each(int (*fn)(void *data, const struct mt_type *t, uint64_t count, void *ctx), void *ctx);
/* Visits the frames of every thread whose pinned records th_roots_each
 * visits (the calling thread's alone when no capture runs: capture 0). */
void th_frames_each(void (*fn)(const frames_thread *ft, int capture, void *ctx), void *ctx);

/* Restoring (restore.c): the frames of thread id, the home of its
 * instance of thread-local key. */
frames_thread *th_restore_frames(uint32_t id);
void *th_restore_tls(uint32_t id, uint64_t key, const struct mt_type *t, uint64_t count);
/* Makes the thread structure of an image: threads created and waiting
 * for their frames. Returns 0, or -1 with err. */
int th_restore_prepare(const ck_image *img, mt_error *err);
/* After a successful restore: the converted thread records. */
void th_restore_record(const th_record *r);
void th_restore_abandon(void);
/* Commits the restored frames and read-lock lists. */
void th_restore_commit(void);
/* Lets the restored threads rewind. Returns what the main thread does:
 * rewind main, rewind *start as a moved thread alone in this process, or
 * nothing (main had called pthread_exit). */
enum { TH_ROLE_MAIN, TH_ROLE_ALONE, TH_ROLE_FINISHED };
int th_restore_start(void *(**start)(void *));

#endif
