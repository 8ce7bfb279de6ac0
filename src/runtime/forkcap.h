/* forkcap.h: forked capture (forkcap.c): a checkpoint written by a
 * copy-on-write copy of the process while the program carries on. The
 * copy is a child that sends no SIGCHLD and that the program's wait()
 * never sees; it reports its outcome through a pipe. docs/design.md
 * ("Forked capture"). */
#ifndef MT_FORKCAP_H
#define MT_FORKCAP_H

#include "migthread.h"

/* What the writer process reports. */
typedef struct fc_outcome {
    int ok;                /* 1: the checkpoint is complete (renamed into place) */
    long long size;        /* its bytes */
    double done_at;        /* CLOCK_MONOTONIC seconds when the writer finished */
    long writer;           /* the writer's pid */
    char why[sizeof(((mt_error *)0)->msg) + 96];  /* the reason when not ok */
} fc_outcome;

/* Runs in the writer process: writes the checkpoint, sets *size; 0, or -1
 * with err. */
typedef int (*fc_write_fn)(void *ctx, long long *size, mt_error *err);
/* Runs where the outcome is collected (fc_collect), once per writer. */
typedef void (*fc_report_fn)(const fc_outcome *out, void *ctx);

/* Starts a writer process that runs write(ctx) on a copy of this process
 * and ends with _exit (no atexit handler, no stdio flush, no signal
 * handler of the program ever runs in it). Of the program's descriptors
 * it keeps 0, 1, 2 and the two of keep_fd (where it writes, and the
 * memory file its table of hashes goes back in; -1: none). Returns the descriptor that
 * becomes readable when the writer is done (hand it to fc_collect), or -1
 * with err when no writer could be started (nothing is written). The
 * caller first waits for any earlier writer (fc_wait_idle): one at a
 * time. */
int fc_start(fc_write_fn write, fc_report_fn report, void *ctx, const int keep_fd[2], mt_error *err);

/* Collects the writer fc_start started: reads its outcome, reaps it, runs
 * its report callback, and wakes fc_wait_idle. Blocks until the writer is
 * done; a no-op when there is none. */
void fc_collect(void);

/* Waits until no writer is running or uncollected. */
void fc_wait_idle(void);

/* In a child of the program's own fork: the parent's writer is not its
 * to collect. */
void fc_child(void);

#endif
