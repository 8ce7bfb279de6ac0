/* input.h: where a checkpoint is read from. A path must name a regular
 * file: a FIFO, a socket or a device is refused before it is opened, so
 * that no reader waits for ever on one. Any other kind of stream is
 * handed over explicitly: "-" (standard input) or an inherited descriptor
 * (migthread restart). */
#ifndef MT_INPUT_H
#define MT_INPUT_H

#include <stddef.h>

#include "ckpt.h"

/* The name that stands for standard input. */
#define IN_STDIN "-"

/* Opens path for reading when it is a regular file; returns the
 * descriptor (close-on-exec), or -1 with err set to one line naming the
 * path and what it is instead. */
int in_open_file(const char *path, mt_error *err);

/* Reads a whole checkpoint: the n bytes at prefix (bytes already taken
 * from the stream, may be 0), then fd up to the END record. Reads nothing
 * after the END record of a stream that is not a regular file. */
ck_image *in_read_fd(int fd, const void *prefix, size_t n, mt_error *err);
/* The same from fd's first byte, telling hooks of each block as it
 * arrives (ck_read_with). */
ck_image *in_read_fd_with(int fd, const ck_read_hooks *hooks, mt_error *err);

/* Reads the checkpoint a restored program starts from: named by path
 * (MIGTHREAD_RESTORE: a regular file, or "-" for standard input), or,
 * when MIGTHREAD_RESTORE_FD is set (migthread restart sets it), from that
 * inherited descriptor, after the bytes in MIGTHREAD_RESTORE_PREFIX_FD;
 * both descriptors are closed once read. */
ck_image *in_read_restore(const char *path, mt_error *err);
/* The same, telling hooks of each block as it arrives (ck_read_with). */
ck_image *in_read_restore_with(const char *path, const ck_read_hooks *hooks, mt_error *err);

/* migthreadd's two-phase commit (docs/design.md, "Live migration"): the
 * descriptor in MIGTHREAD_READY_FD, or -1 when unset (-2 with err: not a
 * descriptor). Taken before anything is restored, moved out of the way of
 * the program's own descriptor numbers, close-on-exec. */
int in_ready_fd(mt_error *err);
/* migthreadd's pre-copies, read ahead (docs/design.md, "Live migration",
 * Pre-copy): the socket in MIGTHREAD_PRECOPY_FD (close-on-exec from now
 * on), on which this runtime says "ahead\n" first, and then migthreadd
 * sends each pre-copy's bytes as they arrive, followed by the name of the
 * file it was kept as (a line), and ends before the held checkpoint comes;
 * -1 when unset, not open or not writable. in_ahead_more: 1 when another
 * pre-copy's bytes come (0 at the end). in_ahead_name reads the next name
 * into buf (cap bytes): 0, or -1 at the end. */
int in_ahead_fd(void);
int in_ahead_more(int fd);
int in_ahead_name(int fd, char *buf, size_t cap);
/* Writes "ready\n" on fd once the whole state is read, verified and
 * rebuilt, then blocks until the daemon answers: 0 on "go" (one byte 'g'),
 * -1 with err on anything else or end of file (the program must not go
 * on: the source resumes instead). Closes fd. */
int in_await_go(int fd, mt_error *err);

/* Removes from the environment the variables that hand a checkpoint to
 * this process (MIGTHREAD_RESTORE and the descriptors beside it), once
 * they are read: a child the restored program starts must not take them
 * for its own and restore the parent's checkpoint. */
void in_forget_handover(void);

#endif
