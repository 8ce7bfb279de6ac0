/* channel.h: the control channel (channel.c): each MigThread process's
 * own Unix socket, served by the runtime's control thread, which turns
 * requests (and MIGTHREAD_INTERVAL's timer, and MIGTHREAD_SIGNALS's
 * signals) into capture requests and answers when the checkpoint is
 * written or refused. docs/design.md ("The control channel"). */
#ifndef MT_CHANNEL_H
#define MT_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

/* Opens this process's socket and starts the control thread (before main
 * runs; argv0 is what `migthread list` shows). A socket that cannot be
 * opened costs one `migthread:` line, never the program. */
void ch_start(const char *argv0);

/* In a fork's child: the parent's socket is left alone; the child gets
 * its own (and a control thread) unless off is set (it then takes no
 * request at all). */
void ch_child(int off);

/* From a signal handler (async-signal-safe): a capture request. */
void ch_post_signal(uint32_t target, int leave);

/* ---- The writer's side (program.c) ---------------------------------------------- */

/* 1 when requester's capture writes where a channel request said: a path
 * (copied to path) or a descriptor (*fd >= 0; path empty, or the file a
 * tool makes of the stream: migthread checkpoint --compress); 0 to write
 * cfg.path. */
int ch_target(int requester, char *path, size_t cap, int *fd);
/* 1 when requester's channel request asked for an incremental checkpoint
 * (CM_FLAG_INCREMENTAL) into a file (also one a tool makes of the stream). */
int ch_incremental(int requester);
/* Into a descriptor: 1 when the request asked for a delta against the
 * kept parent (CM_FLAG_INCREMENTAL); *keep 1 when this checkpoint's
 * hashes are to be kept as that parent (CM_FLAG_KEEP). */
int ch_stream_incr(int requester, int *keep);
/* The checkpoint was written (path NULL: to the descriptor), or not (the
 * reason). */
void ch_written(int requester, const char *path, uint64_t size, double write_ms);
void ch_failed(int requester, const char *why);
/* The process is about to exit after the checkpoint: waits (bounded)
 * until the requester has its answer. */
void ch_before_exit(int requester);

/* After ch_written: when the request asked to hold (CM_FLAG_HOLD), sends
 * the answer and blocks until the requester decides; 1 when the process
 * (or, after a thread checkpoint, the thread) must leave, 0 when it
 * resumes (also when there was no hold). */
int ch_hold(int requester);

/* 1 when requester's capture, which lets the program go on, is to be
 * forked: a channel request that asked for it (CM_FLAG_FORK), or any
 * that is not held when by_default (MIGTHREAD_FORK=1). */
int ch_forkable(int requester, int by_default);
/* A forked capture: the request's answer waits until ch_resolve (after
 * ch_written or ch_failed), even though the capture ends before. */
void ch_defer(int requester);
void ch_resolve(int requester);
/* The control thread calls done() once fd is readable or closed (one
 * descriptor at a time: a forked checkpoint's writer, forkcap.c). 0, or
 * -1 when there is no control thread (the caller waits itself). */
int ch_watch(int fd, void (*done)(void));

/* th_hooks: a thread began to unwind; a capture is over. */
void ch_capture_begins(void);
void ch_capture_ends(int requester, const char *why);

/* 1 and the milliseconds from the last request to its capture when a
 * request (not the interval timer) started it; the note is consumed. */
int ch_latency(double *ms);

#endif
