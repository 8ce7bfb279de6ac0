/* libc_state.h: the state the C library keeps for a program, kept where a
 * checkpoint sees it (libc_rand.c, libc_errno.c, libc_signal.c,
 * libc_stdio.c, libc_env.c, libc_mmap.c, libc_fork.c). program.c registers
 * it at start-up, and calls the hooks around a capture and a restore. */
#ifndef MT_LIBC_STATE_H
#define MT_LIBC_STATE_H

#include <signal.h>

#include "migthread.h"

/* Each registers its runtime globals (or thread-locals); 0 or -1 with err. */
int lc_rand_register(mt_error *err);
int lc_errno_register(mt_error *err);
int lc_signal_register(mt_error *err);
int lc_stdio_register(mt_error *err);
int lc_mmap_register(mt_error *err);

/* Anonymous mappings (libc_mmap.c): after a restore, the regions are
 * heap memory the restore placed; 0 or -1 with err. */
int lc_mmap_restored(mt_error *err);

/* errno (libc_errno.c): noted when the calling thread begins to unwind
 * for a capture, put back when its rewinding is over. */
void lc_errno_note(int value);
void lc_errno_put_back(void);

/* Signals (libc_signal.c). lc_signal_reinstall: after a restore, before
 * the program goes on, the dispositions the program had installed; 0 or
 * -1 with err. lc_signal_mask_put_back: the calling thread's mask, when
 * its rewinding is over. */
int lc_signal_reinstall(mt_error *err);
void lc_signal_mask_put_back(void);
/* MIGTHREAD_SIGNALS=1: SIGUSR1 and SIGUSR2 run fn (async-signal-safe),
 * then the handler the program installed, if any (by default the runtime
 * installs no handler at all). */
void lc_signal_use_triggers(void (*fn)(int sig, siginfo_t *si));
/* At a capture: the records brought up to date with the kernel's
 * dispositions (a SA_RESETHAND handler that ran is gone). */
void lc_signal_capture(void);

/* stdin's unread input (libc_stdio.c): lc_stdio_capture just before a
 * checkpoint is written, lc_stdio_release after it; lc_stdio_reinstate
 * after a restore. 0 or -1 with err. */
int lc_stdio_capture(mt_error *err);
void lc_stdio_release(void);
int lc_stdio_reinstate(mt_error *err);

/* The environment (libc_env.c): environ becomes tracked copies, so that
 * getenv's pointers translate. 0 or -1 with err. */
int lc_env_track(mt_error *err);

/* fork (libc_fork.c): the runtime's callback for a new child, which
 * program.c sets (a new instance: its own count and checkpoint file). */
void lc_fork_set_child_hook(void (*hook)(void));

#endif
