/* libc_state.h: the state the C library keeps for a program, kept where a
 * checkpoint sees it (libc_rand.c, libc_errno.c, libc_signal.c,
 * libc_stdio.c, libc_files.c, libc_env.c, libc_mmap.c, libc_fork.c).
 * program.c registers it at start-up, and calls the hooks around a
 * capture and a restore. */
#ifndef MT_LIBC_STATE_H
#define MT_LIBC_STATE_H

#include <signal.h>
#include <stdio.h>

#include "migthread.h"

/* Each registers its runtime globals (or thread-locals); 0 or -1 with err. */
int lc_rand_register(mt_error *err);
int lc_errno_register(mt_error *err);
int lc_sleep_register(mt_error *err);
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

/* stdin's unread input and the standard streams' buffering modes
 * (libc_stdio.c): lc_stdio_capture just before a checkpoint is written,
 * lc_stdio_release after it; lc_stdio_reinstate after a restore. 0 or -1
 * with err. */
int lc_stdio_capture(mt_error *err);
void lc_stdio_release(void);
int lc_stdio_reinstate(mt_error *err);

/* A stream's read-ahead (libc_stdio.c; glibc's FILE read pointers).
 * lc_stream_read_ahead: the bytes f's buffer has read and not given out
 * (*n 0 when none, or when f is writing); -1 when input pushed back with
 * ungetc stands in the way, which cannot be saved. lc_stream_give_unread:
 * makes n bytes the next input f gives out, in a buffer of its own; 0, or
 * -1 when out of memory. */
int lc_stream_read_ahead(FILE *f, const char **at, size_t *n);
int lc_stream_give_unread(FILE *f, const void *bytes, size_t n);

/* Open files (libc_files.c): lc_files_capture takes their state just
 * before a checkpoint is written (a pipe, socket, device or unnamed file
 * is refused, naming its descriptor), and the checkpoint writer puts it
 * in a FILES record; lc_files_release after it. lc_files_reopen, after a
 * checkpoint is read and before its blocks are placed, opens each file
 * again on its descriptor and names its stream, so that FILE pointers
 * translate. 0 or -1 with err. */
struct ck_image;
int lc_files_capture(mt_error *err);
void lc_files_release(void);
int lc_files_reopen(const struct ck_image *img, mt_error *err);

/* The environment (libc_env.c): environ becomes tracked copies, so that
 * getenv's pointers translate. 0 or -1 with err. */
int lc_env_track(mt_error *err);
/* A tracked copy of the n strings at v (argv, environ): an array of n + 1
 * pointers (the last NULL) into one block of their bytes. NULL when out of
 * memory. */
char **lc_copy_strings(char *const *v, size_t n);

/* stdio without glibc's locks while the program has one thread
 * (libc_locks.c). lc_locks_begin before the control thread starts: the
 * standard streams lose their locks; lc_locks_mark and lc_locks_forget: a
 * stream the program opens or closes; lc_locks_shared, by the program's
 * one thread before another thread may touch a stream: every stream
 * locks again, for good. lc_locks_solo: 1 until then (a thread that is
 * not the program's then writes with write(2), never through stdio). */
void lc_locks_begin(void);
/* The calling thread is not the program's (the control thread): while
 * the streams lock nothing it never touches them. lc_locks_say: one line
 * (no newline in line) on stderr, after stdout's pending output; from
 * such a thread while solo, with one write(2) to descriptor 2 instead. */
void lc_locks_outsider(void);
void lc_locks_say(const char *line);
void lc_locks_mark(FILE *f);
void lc_locks_forget(FILE *f);
void lc_locks_shared(void);
int lc_locks_solo(void);

/* fork (libc_fork.c): the runtime's callback for a new child, which
 * program.c sets (a new instance: its own count and checkpoint file). */
void lc_fork_set_child_hook(void (*hook)(void));

#endif
