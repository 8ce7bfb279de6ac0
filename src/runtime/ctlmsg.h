/* ctlmsg.h: the control channel's wire format and its socket directory,
 * shared by the runtime (channel.c) and the migthread command. Every
 * frame is length-prefixed, versioned and checked field by field;
 * docs/design.md ("The control channel") writes the layout down. */
#ifndef MT_CTLMSG_H
#define MT_CTLMSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum {
    CM_MAGIC = 0x4d544348,     /* "MTCH", the first four bytes of every frame */
    CM_VERSION = 1,
    CM_HEADER = 12,            /* magic u32, version u16, kind u16, body length u32 */
    CM_BODY_MAX = 16384,       /* a longer body is refused before it is read */
    CM_TEXT_MAX = 4095,        /* the longest text field (a path, a message) */
    CM_READ_MS = 2000          /* a request must arrive whole within this */
};

/* Frame kinds: requests, then replies. */
enum {
    CM_HELLO = 1,              /* who are you: PID, PROGRAM, PATH */
    CM_CHECKPOINT = 2,         /* PATH or FD, THREAD, FLAGS, TIMEOUT_MS */
    CM_RESOLVE = 3,            /* no fields: a hold in doubt, its ID; the decision byte follows */
    CM_OK = 128,               /* done: PATH, SIZE, WAIT_US, WRITE_US (or HELLO's fields) */
    CM_ERROR = 129,            /* MESSAGE: the program's `migthread:` reason */
    CM_BEGUN = 130             /* the capture began; the answer follows when written */
};

/* Field tags: tag u16, length u16, value. Integers are big-endian. */
enum {
    CM_F_PATH = 1,             /* text: where to write; in CM_OK, the file written */
    CM_F_THREAD = 2,           /* u32 >= 1: a thread checkpoint of this thread */
    CM_F_FLAGS = 3,            /* u32, CM_FLAG_* bits */
    CM_F_TIMEOUT_MS = 4,       /* u32 >= 1: give up if no adaptation point by then */
    CM_F_FD = 5,               /* empty: a descriptor rides with the frame (SCM_RIGHTS) */
    CM_F_MESSAGE = 16,         /* text */
    CM_F_SIZE = 17,            /* u64: bytes written */
    CM_F_WAIT_US = 18,         /* u64: from the request to the capture */
    CM_F_WRITE_US = 19,        /* u64: writing the checkpoint */
    CM_F_PID = 20,             /* u32 */
    CM_F_PROGRAM = 21,         /* text: the program's argv[0] */
    CM_F_ID = 22,              /* u64: the migration a hold in doubt waits on (RESOLVE's OK) */
    CM_F_LAST = 22
};

/* EXIT: exit after the checkpoint. HOLD: after it is written (OK sent),
 * stay stopped until the requester writes one byte on the connection:
 * CM_DECIDE_EXIT ends the process (with THREAD: that thread leaves it),
 * anything else (or a hang-up) resumes it (migthread migrate's two-phase
 * commit). FORK: the checkpoint is written by a forked copy while the
 * program goes on (forkcap.c); the answer comes once the copy is done.
 * Not with HOLD; with EXIT the program stops anyway and nothing is forked.
 * INCREMENTAL: the checkpoint may refer to the previous one written to the
 * same file (incr.c); with FD, to the one KEEP kept (a delta). KEEP (FD
 * only): the checkpoint's hashes are kept as the parent of
 * a later INCREMENTAL one to a descriptor (migthread migrate's pre-copy;
 * the destination holds it under incr_stream_name's name); with FORK the
 * copy sends them back, and a table that does not come back whole leaves
 * no parent, so the next one is full (a runtime before that refused KEEP
 * with FORK with CM_KEEP_NOT_FORKED's text). INDOUBT (with HOLD only): the requester may put the
 * hold in doubt with CM_DECIDE_DOUBT and the migration's id (8 bytes,
 * big-endian) before it commits elsewhere; from then on only
 * CM_DECIDE_EXIT or CM_DECIDE_RESUME ends the hold, a hang-up does not,
 * and a RESOLVE request on a new connection may take the decision over
 * (migthread migrate --resolve). A runtime without it refuses the flag,
 * so a requester never sends DOUBT to a program that would resume on it. */
enum { CM_FLAG_EXIT = 1, CM_FLAG_HOLD = 2, CM_FLAG_FORK = 4, CM_FLAG_INCREMENTAL = 8, CM_FLAG_INDOUBT = 16,
       CM_FLAG_KEEP = 32 };
enum { CM_DECIDE_EXIT = 'x', CM_DECIDE_RESUME = 'r', CM_DECIDE_DOUBT = 'd' };
enum { CM_DOUBT_ID = 8 };      /* the bytes of the id after CM_DECIDE_DOUBT */
/* How a program's ERROR begins when the request has a flag it does not
 * know (migrate takes a full checkpoint then, in place of a pre-copy). */
#define CM_UNKNOWN_FLAGS "bad request: unknown flags"
/* How an ERROR began that refused KEEP with FORK (runtimes before
 * 2026-12-07's forked pre-copy; migrate asks KEEP alone then). */
#define CM_KEEP_NOT_FORKED "bad request: a kept parent is a descriptor's"


/* One frame, decoded. have holds bit (1 << tag) for each field present. */
typedef struct cm_msg {
    uint16_t kind;
    uint32_t have;
    char path[CM_TEXT_MAX + 1], message[CM_TEXT_MAX + 1], program[CM_TEXT_MAX + 1];
    uint32_t thread, flags, timeout_ms, pid;
    uint64_t size, wait_us, write_us, id;
    int fd;                    /* a received (or to be sent) descriptor, or -1 */
} cm_msg;

/* An empty frame of kind. */
void cm_init(cm_msg *m, uint16_t kind);
/* Marks field tag present (its value is set in m by the caller). */
void cm_set(cm_msg *m, int tag);
int cm_has(const cm_msg *m, int tag);

/* Sends m as one frame (m->fd with it when CM_F_FD is set). 0, or -1
 * with errno. Never raises SIGPIPE. */
int cm_send(int sock, const cm_msg *m);

/* Receives one frame within timeout_ms (-1: no limit). Returns 0; 1 when
 * the peer closed before the first byte; -1 with a reason in why (a
 * timeout, a bad frame: every field is checked). A descriptor that came
 * with the frame is in m->fd, else m->fd is -1. */
int cm_recv(int sock, cm_msg *m, int timeout_ms, char *why, size_t cap);

/* The control sockets' directories for uid, in the order they are tried:
 * $XDG_RUNTIME_DIR/migthread (when set, for the caller's own uid), then
 * /tmp/migthread-UID. Writes the which'th into buf; 0, or -1 when there
 * is no such one. */
int cm_socket_dir(uid_t uid, int which, char *buf, size_t cap);

/* The socket of process pid in dir. 0, or -1 when it does not fit a
 * Unix socket address. */
int cm_socket_path(const char *dir, long pid, char *buf, size_t cap);

/* 0 when dir is a directory owned by uid with no rights for others;
 * -1 with the reason in why otherwise. */
int cm_check_dir(const char *dir, uid_t uid, char *why, size_t cap);

#endif
