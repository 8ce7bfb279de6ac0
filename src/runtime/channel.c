/* channel.c: the control channel and the runtime's control thread.
 *
 * Before main runs, each MigThread process opens a Unix socket of its own
 * ($XDG_RUNTIME_DIR/migthread/PID.sock or /tmp/migthread-UID/PID.sock,
 * the directory 0700 and owned by the user, the socket 0600). One control
 * thread, with every signal blocked, serves it: it checks the peer's
 * credentials, reads one request within a deadline (ctlmsg.c checks every
 * byte), and asks for a capture by setting the state words
 * (th_request_from): the program is never interrupted. The writer tells
 * it the outcome, and it answers the requester. The same thread runs
 * MIGTHREAD_INTERVAL's timer and takes MIGTHREAD_SIGNALS's requests from
 * the signal handler through a pipe. */
#include "channel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctlmsg.h"
#include "libc_state.h"
#include "safepoint.h"
#include "threads.h"

enum { EXIT_WAIT_MS = 3000, SIGNAL_RECORD = 6 };

/* The channel's descriptors sit from here up, out of the program's way:
 * the program gets the numbers a plain build would (open returns 3 for its
 * first file), and a restore that puts a saved file back on its own
 * number (libc_files.c) never lands on the channel. */
enum { CH_FD_FLOOR = 900 };

/* fd moved to CH_FD_FLOOR or above (close-on-exec); where the limit on
 * descriptors is lower, it stays where it is. */
static int out_of_the_way(int fd)
{
    if (fd < 0 || fd >= CH_FD_FLOOR)
        return fd;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, CH_FD_FLOOR);
    if (high < 0)
        return fd;
    close(fd);
    return high;
}

static struct {
    pthread_mutex_t mu;
    pthread_cond_t replied_cv, decided_cv;
    int listen_fd, wake[2];
    pid_t owner;                 /* the process that made the socket */
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    const char *program;
    /* the channel request under way (client >= 0 or active) */
    int active, client;
    int dest_fd;                 /* -1: write to dest */
    char dest[CFG_PATH_MAX];
    long long deadline;          /* no adaptation point by then: cancel; -1 none */
    uint32_t timeout_ms;
    int begun, begun_sent, over, replied;
    int ok;
    /* CM_FLAG_FORK; a forked capture's answer waits for its writer
     * (deferred) as well as for the capture's end (ended) */
    int fork, deferred, ended;
    int serving;                 /* the control thread runs */
    int watch_fd;                /* ch_watch's descriptor, -1: none */
    void (*watch_done)(void);
    /* CM_FLAG_HOLD: the writer waits (holding) for the requester's byte,
     * read by the control thread once the answer is out (awaiting) */
    int hold, holding, awaiting, decision;
    /* CM_FLAG_INDOUBT: the requester may put the hold in doubt (may_doubt);
     * once it has (in_doubt, with the migration's id), a hang-up no longer
     * resumes: only 'x' or 'r', from it or a RESOLVE requester, ends it */
    int may_doubt, in_doubt;
    uint64_t doubt_id;
    int incremental;             /* CM_FLAG_INCREMENTAL */
    int keep;                    /* CM_FLAG_KEEP */
    int as_file;                 /* a descriptor whose stream a tool makes the file at dest (--compress) */
    char result_path[CFG_PATH_MAX], why[CM_TEXT_MAX + 1];
    uint64_t size, write_us;
    struct timespec asked, capture_at;
} ch = { .mu = PTHREAD_MUTEX_INITIALIZER, .replied_cv = PTHREAD_COND_INITIALIZER,
         .decided_cv = PTHREAD_COND_INITIALIZER,
         .listen_fd = -1, .wake = { -1, -1 }, .client = -1, .dest_fd = -1, .watch_fd = -1 };

/* The latency MIGTHREAD_VERBOSE reports. */
static struct timespec requested_at, capture_began;
static volatile sig_atomic_t have_request;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t us_between(const struct timespec *a, const struct timespec *b)
{
    long long us = (b->tv_sec - a->tv_sec) * 1000000LL + (b->tv_nsec - a->tv_nsec) / 1000;
    return us < 0 ? 0 : (uint64_t)us;
}

static void wake_up(char what)
{
    if (ch.wake[1] >= 0) {
        ssize_t n = write(ch.wake[1], &what, 1);
        (void)n;  /* a full pipe already holds a wake-up */
    }
}

int ch_latency(double *ms)
{
    if (!have_request)
        return 0;
    have_request = 0;
    *ms = us_between(&requested_at, &capture_began) / 1e3;
    return 1;
}

/* ---- The writer's side ------------------------------------------------------------- */

int ch_target(int requester, char *path, size_t cap, int *fd)
{
    if (requester != TH_BY_CHANNEL)
        return 0;
    pthread_mutex_lock(&ch.mu);
    int mine = ch.active;
    if (mine) {
        *fd = ch.dest_fd;
        snprintf(path, cap, "%s", ch.dest_fd >= 0 && !ch.as_file ? "" : ch.dest);
    }
    pthread_mutex_unlock(&ch.mu);
    return mine;
}

int ch_incremental(int requester)
{
    if (requester != TH_BY_CHANNEL)
        return 0;
    pthread_mutex_lock(&ch.mu);
    int inc = ch.active && ch.incremental && (ch.dest_fd < 0 || ch.as_file);
    pthread_mutex_unlock(&ch.mu);
    return inc;
}

int ch_stream_incr(int requester, int *keep)
{
    *keep = 0;
    if (requester != TH_BY_CHANNEL)
        return 0;
    pthread_mutex_lock(&ch.mu);
    int stream = ch.active && ch.dest_fd >= 0 && !ch.as_file;
    int delta = stream && ch.incremental;
    *keep = stream && ch.keep;
    pthread_mutex_unlock(&ch.mu);
    return delta;
}

void ch_written(int requester, const char *path, uint64_t size, double write_ms)
{
    if (requester != TH_BY_CHANNEL)
        return;
    pthread_mutex_lock(&ch.mu);
    ch.ok = 1;
    ch.size = size;
    ch.write_us = (uint64_t)(write_ms * 1e3);
    snprintf(ch.result_path, sizeof ch.result_path, "%s", path ? path : "");
    pthread_mutex_unlock(&ch.mu);
}

void ch_failed(int requester, const char *why)
{
    if (requester != TH_BY_CHANNEL)
        return;
    pthread_mutex_lock(&ch.mu);
    ch.ok = 0;
    snprintf(ch.why, sizeof ch.why, "%s", why);
    pthread_mutex_unlock(&ch.mu);
}

void ch_capture_begins(void)
{
    /* each thread that stops sets it (under the thread lock): the latest counts */
    clock_gettime(CLOCK_MONOTONIC, &capture_began);
    pthread_mutex_lock(&ch.mu);
    if (ch.active && !ch.begun) {
        ch.begun = 1;
        ch.capture_at = capture_began;
        wake_up('b');
    }
    pthread_mutex_unlock(&ch.mu);
}

void ch_capture_ends(int requester, const char *why)
{
    if (requester != TH_BY_CHANNEL)
        return;
    pthread_mutex_lock(&ch.mu);
    if (ch.active) {
        if (why && !ch.ok && !ch.why[0])
            snprintf(ch.why, sizeof ch.why, "%s", why);
        ch.ended = 1;
        if (!ch.deferred) {
            ch.over = 1;
            wake_up('e');
        }
    }
    pthread_mutex_unlock(&ch.mu);
}

int ch_forkable(int requester, int by_default)
{
    if (requester != TH_BY_CHANNEL)
        return by_default;
    pthread_mutex_lock(&ch.mu);
    /* a kept parent's hashes come back from the copy (incr_send) */
    int fork = ch.active && !ch.hold && (ch.fork || by_default);
    pthread_mutex_unlock(&ch.mu);
    return fork;
}

void ch_defer(int requester)
{
    if (requester != TH_BY_CHANNEL)
        return;
    pthread_mutex_lock(&ch.mu);
    if (ch.active)
        ch.deferred = 1;
    pthread_mutex_unlock(&ch.mu);
}

void ch_resolve(int requester)
{
    if (requester != TH_BY_CHANNEL)
        return;
    pthread_mutex_lock(&ch.mu);
    if (ch.active && ch.deferred) {
        ch.deferred = 0;
        if (ch.ended) {
            ch.over = 1;
            wake_up('e');
        }
    }
    pthread_mutex_unlock(&ch.mu);
}

int ch_watch(int fd, void (*done)(void))
{
    pthread_mutex_lock(&ch.mu);
    int serving = ch.serving;
    if (serving) {
        ch.watch_fd = fd;
        ch.watch_done = done;
        wake_up('w');  /* the control thread polls it from its next turn */
    }
    pthread_mutex_unlock(&ch.mu);
    return serving ? 0 : -1;
}

/* The watched descriptor is ready: forget it, then call back (which
 * may take the channel's lock). */
static void tend_watch(short events)
{
    if (!events)
        return;
    pthread_mutex_lock(&ch.mu);
    void (*done)(void) = ch.watch_done;
    ch.watch_fd = -1;
    ch.watch_done = NULL;
    pthread_mutex_unlock(&ch.mu);
    if (done)
        done();
}

void ch_before_exit(int requester)
{
    if (requester != TH_BY_CHANNEL)
        return;
    pthread_mutex_lock(&ch.mu);
    if (ch.active) {
        ch.over = 1;
        wake_up('e');
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += EXIT_WAIT_MS / 1000;
        while (ch.active && !ch.replied)
            if (pthread_cond_timedwait(&ch.replied_cv, &ch.mu, &until) == ETIMEDOUT)
                break;
    }
    pthread_mutex_unlock(&ch.mu);
}

int ch_hold(int requester)
{
    if (requester != TH_BY_CHANNEL)
        return 0;
    pthread_mutex_lock(&ch.mu);
    int decision = 0;
    if (ch.active && ch.hold && ch.ok) {
        ch.holding = 1;
        ch.decision = 0;
        ch.over = 1;
        wake_up('e');
        while (!ch.decision)
            pthread_cond_wait(&ch.decided_cv, &ch.mu);
        decision = ch.decision;
        ch.holding = 0;
    }
    pthread_mutex_unlock(&ch.mu);
    return decision == CM_DECIDE_EXIT;
}

void ch_post_signal(uint32_t target, int leave)
{
    clock_gettime(CLOCK_MONOTONIC, &requested_at);  /* async-signal-safe */
    have_request = 1;
    unsigned char rec[SIGNAL_RECORD] = { 's', (unsigned char)(leave != 0), (unsigned char)(target >> 24),
                                         (unsigned char)(target >> 16), (unsigned char)(target >> 8),
                                         (unsigned char)target };
    if (ch.wake[1] >= 0) {
        ssize_t n = write(ch.wake[1], rec, sizeof rec);  /* under PIPE_BUF: whole or not at all */
        (void)n;
    }
}

/* ---- Answering -------------------------------------------------------------------- */

static void send_error(int fd, const char *why)
{
    cm_msg *m = malloc(sizeof *m);
    if (!m)
        return;
    cm_init(m, CM_ERROR);
    snprintf(m->message, sizeof m->message, "%s", why);
    cm_set(m, CM_F_MESSAGE);
    cm_send(fd, m);
    free(m);
}

/* The request under way is over: answer (when the requester is still
 * there) and forget it. */
static void finish_request(void)
{
    pthread_mutex_lock(&ch.mu);
    cm_msg *m = malloc(sizeof *m);
    if (m && ch.client >= 0) {
        if (ch.ok) {
            cm_init(m, CM_OK);
            if (ch.result_path[0]) {
                snprintf(m->path, sizeof m->path, "%s", ch.result_path);
                cm_set(m, CM_F_PATH);
            }
            m->size = ch.size;
            m->wait_us = ch.begun ? us_between(&ch.asked, &ch.capture_at) : 0;
            m->write_us = ch.write_us;
            cm_set(m, CM_F_SIZE);
            cm_set(m, CM_F_WAIT_US);
            cm_set(m, CM_F_WRITE_US);
        } else {
            cm_init(m, CM_ERROR);
            snprintf(m->message, sizeof m->message, "%s", ch.why[0] ? ch.why : "no checkpoint was written");
            cm_set(m, CM_F_MESSAGE);
        }
        cm_send(ch.client, m);
    }
    free(m);
    if (ch.holding) {
        /* the checkpoint is out (the descriptor's end tells its reader);
         * the requester's decision comes on the connection, or a hang-up */
        if (ch.dest_fd >= 0)
            close(ch.dest_fd);
        ch.dest_fd = -1;
        if (ch.client >= 0) {
            ch.awaiting = 1;
            pthread_mutex_unlock(&ch.mu);
            return;
        }
        ch.decision = CM_DECIDE_RESUME;
        pthread_cond_broadcast(&ch.decided_cv);
    }
    if (ch.client >= 0)
        close(ch.client);
    if (ch.dest_fd >= 0)
        close(ch.dest_fd);
    ch.client = ch.dest_fd = -1;
    ch.active = 0;
    ch.replied = 1;
    pthread_cond_broadcast(&ch.replied_cv);
    pthread_mutex_unlock(&ch.mu);
}

static void send_begun(void)
{
    cm_msg *m = malloc(sizeof *m);
    if (!m)
        return;
    cm_init(m, CM_BEGUN);
    cm_send(ch.client, m);
    free(m);
}

/* ---- Requests --------------------------------------------------------------------- */

/* Same user only; root when MIGTHREAD_ALLOW_ROOT=1. NULL, or the reason. */
static const char *peer_refused(int fd, char *why, size_t cap)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return "the requester's credentials cannot be read";
    if (cred.uid == geteuid())
        return NULL;
    if (cred.uid == 0 && cfg.allow_root)
        return NULL;
    snprintf(why, cap, "refused: the requester (uid %ld) is not this program's user (uid %ld)%s", (long)cred.uid,
             (long)geteuid(), cred.uid == 0 ? "; MIGTHREAD_ALLOW_ROOT=1 in the program's environment lets root in" : "");
    return why;
}

static void answer_hello(int fd)
{
    cm_msg *m = malloc(sizeof *m);
    if (!m)
        return;
    cm_init(m, CM_OK);
    m->pid = (uint32_t)getpid();
    snprintf(m->program, sizeof m->program, "%s", ch.program && *ch.program ? ch.program : "?");
    snprintf(m->path, sizeof m->path, "%s", cfg.path);
    cm_set(m, CM_F_PID);
    cm_set(m, CM_F_PROGRAM);
    cm_set(m, CM_F_PATH);
    cm_send(fd, m);
    free(m);
}

/* A checkpoint request: starts the capture, or says why not. 1 when fd
 * now waits for the outcome. */
static int start_checkpoint(int fd, cm_msg *m, char *why, size_t cap)
{
    if (m->flags & ~(uint32_t)(CM_FLAG_EXIT | CM_FLAG_HOLD | CM_FLAG_FORK | CM_FLAG_INCREMENTAL | CM_FLAG_INDOUBT | CM_FLAG_KEEP) ||
        (m->flags & (CM_FLAG_EXIT | CM_FLAG_HOLD)) == (CM_FLAG_EXIT | CM_FLAG_HOLD) ||
        (m->flags & (CM_FLAG_INDOUBT | CM_FLAG_HOLD)) == CM_FLAG_INDOUBT)
        return snprintf(why, cap, CM_UNKNOWN_FLAGS " 0x%x", m->flags), 0;
    if ((m->flags & (CM_FLAG_FORK | CM_FLAG_HOLD)) == (CM_FLAG_FORK | CM_FLAG_HOLD))
        return snprintf(why, cap, "bad request: a held checkpoint cannot be forked"), 0;
    if ((m->flags & (CM_FLAG_KEEP | CM_FLAG_FORK)) == (CM_FLAG_KEEP | CM_FLAG_FORK) &&
        cfg.fault == CFG_FAULT_REFUSE_KEEP_FORK)
        return snprintf(why, cap, CM_KEEP_NOT_FORKED ", and not forked"), 0;  /* as before forked pre-copies */
    if ((m->flags & CM_FLAG_KEEP) && !cm_has(m, CM_F_FD))
        return snprintf(why, cap, "bad request: a kept parent is a descriptor's"), 0;
    if (cm_has(m, CM_F_THREAD) && m->thread == 0)
        return snprintf(why, cap, "bad request: thread 0 (the main thread is 1)"), 0;
    /* a path with a descriptor: the stream becomes the file at path (a
     * tool compresses it there), whose chain an incremental one joins */
    if (cm_has(m, CM_F_PATH) && (m->path[0] != '/' || (cm_has(m, CM_F_FD) && (m->flags & CM_FLAG_KEEP))))
        return snprintf(why, cap, "bad request: the path must be absolute, and not with a kept parent's descriptor"), 0;
    if (cm_has(m, CM_F_TIMEOUT_MS) && m->timeout_ms == 0)
        return snprintf(why, cap, "bad request: a timeout of 0"), 0;
    if (ch.active)
        return snprintf(why, cap, "a checkpoint asked for through the control channel is under way"), 0;
    if (sp_refusal()) {  /* refused before any unwinding: the program's line, the same answer */
        sp_say_refusal();
        return snprintf(why, cap, "checkpoint refused: %s", sp_refusal()), 0;
    }
    int leave = (m->flags & CM_FLAG_EXIT) != 0;
    pthread_mutex_lock(&ch.mu);
    ch.active = 1;
    ch.client = fd;
    ch.dest_fd = out_of_the_way(m->fd);
    m->fd = -1;
    snprintf(ch.dest, sizeof ch.dest, "%s", cm_has(m, CM_F_PATH) ? m->path : cfg.path);
    ch.timeout_ms = m->timeout_ms;
    ch.deadline = cm_has(m, CM_F_TIMEOUT_MS) ? now_ms() + m->timeout_ms : -1;
    ch.begun = ch.begun_sent = ch.over = ch.replied = ch.ok = 0;
    ch.hold = (m->flags & CM_FLAG_HOLD) != 0;
    ch.fork = (m->flags & CM_FLAG_FORK) != 0;
    ch.deferred = ch.ended = 0;
    ch.incremental = (m->flags & CM_FLAG_INCREMENTAL) != 0;
    ch.keep = (m->flags & CM_FLAG_KEEP) != 0;
    ch.as_file = cm_has(m, CM_F_FD) && cm_has(m, CM_F_PATH);
    ch.holding = ch.awaiting = ch.decision = 0;
    ch.may_doubt = (m->flags & CM_FLAG_INDOUBT) != 0;
    ch.in_doubt = 0;
    ch.doubt_id = 0;
    ch.why[0] = ch.result_path[0] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &ch.asked);
    pthread_mutex_unlock(&ch.mu);
    requested_at = ch.asked;
    have_request = 1;
    int kind = m->thread ? TH_CAPTURE_THREAD : TH_CAPTURE_PROCESS;
    if (th_request_from(kind, m->thread, leave, TH_BY_CHANNEL, cm_has(m, CM_F_TIMEOUT_MS) ? m->timeout_ms : 0) == 0)
        return 1;
    if (m->thread && !th_alive(m->thread))
        snprintf(why, cap, "no checkpoint: this program has no thread %u", m->thread);
    else
        snprintf(why, cap, "no checkpoint: another checkpoint is under way");
    pthread_mutex_lock(&ch.mu);
    if (ch.dest_fd >= 0)
        close(ch.dest_fd);
    ch.active = 0;
    ch.client = ch.dest_fd = -1;
    pthread_mutex_unlock(&ch.mu);
    have_request = 0;
    return 0;
}

/* A RESOLVE request: a hold in doubt whose requester is gone is taken
 * over by this connection (OK with PID and the migration's ID; its byte
 * decides). 1 when fd is kept. */
static int take_over(int fd, char *why, size_t cap)
{
    pthread_mutex_lock(&ch.mu);
    int doubt = ch.active && ch.awaiting && ch.in_doubt, attached = ch.client >= 0;
    uint64_t id = ch.doubt_id;
    if (doubt && !attached)
        ch.client = fd;
    pthread_mutex_unlock(&ch.mu);
    if (!doubt)
        return snprintf(why, cap, "process %ld is not held in doubt: there is nothing to resolve", (long)getpid()), 0;
    if (attached)
        return snprintf(why, cap, "the migrate that holds process %ld in doubt is still connected: it decides",
                        (long)getpid()), 0;
    cm_msg *m = malloc(sizeof *m);
    if (m) {
        cm_init(m, CM_OK);
        m->pid = (uint32_t)getpid();
        m->id = id;
        cm_set(m, CM_F_PID);
        cm_set(m, CM_F_ID);
        cm_send(fd, m);  /* a requester that cannot read it hangs up: the hold stays */
        free(m);
    }
    return 1;
}

/* One connection: checked, read, answered (or kept, for a checkpoint). */
static void serve(int fd)
{
    char why[CM_TEXT_MAX + 1];
    struct timeval tv = { CM_READ_MS / 1000, 0 };
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const char *refused = peer_refused(fd, why, sizeof why);
    if (refused) {
        send_error(fd, refused);
        close(fd);
        return;
    }
    cm_msg *m = malloc(sizeof *m);
    if (!m) {
        close(fd);
        return;
    }
    int r = cm_recv(fd, m, CM_READ_MS, why, sizeof why);
    int kept = 0;
    if (r == 0 && m->kind == CM_HELLO && !m->have)
        answer_hello(fd);
    else if (r == 0 && m->kind == CM_CHECKPOINT) {
        kept = start_checkpoint(fd, m, why, sizeof why);
        if (!kept)
            send_error(fd, why);
    } else if (r == 0 && m->kind == CM_RESOLVE && !m->have) {
        kept = take_over(fd, why, sizeof why);
        if (!kept)
            send_error(fd, why);
    } else if (r == 0)
        send_error(fd, "bad request: not a request this program answers");
    else if (r < 0)
        send_error(fd, why);
    if (m->fd >= 0)
        close(m->fd);
    free(m);
    if (!kept)
        close(fd);
}

/* The signal handler's records: each a capture request. */
static void drain_wake(void)
{
    unsigned char buf[4096];
    ssize_t n;
    while ((n = read(ch.wake[0], buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] == 's' && i + SIGNAL_RECORD <= n) {
                int leave = buf[i + 1];
                uint32_t target = (uint32_t)buf[i + 2] << 24 | (uint32_t)buf[i + 3] << 16 |
                                  (uint32_t)buf[i + 4] << 8 | buf[i + 5];
                sp_request(target ? TH_CAPTURE_THREAD : TH_CAPTURE_PROCESS, target, leave);
                i += SIGNAL_RECORD - 1;
            }
}

/* CM_DECIDE_DOUBT came: the migration's id follows in the same write
 * (read within CM_READ_MS; without it the hold is in doubt all the same,
 * with id 0). The requester keeps its connection. */
static void enter_doubt(void)
{
    unsigned char b[CM_DOUBT_ID];
    size_t got = 0;
    long long until = now_ms() + CM_READ_MS;
    while (got < sizeof b && now_ms() < until) {
        struct pollfd p = { ch.client, POLLIN, 0 };
        if (poll(&p, 1, (int)(until - now_ms())) <= 0)
            continue;
        ssize_t n = recv(ch.client, b + got, sizeof b - got, MSG_DONTWAIT);
        if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
            break;
        got += n > 0 ? (size_t)n : 0;
    }
    uint64_t id = 0;
    for (size_t i = 0; got == sizeof b && i < sizeof b; i++)
        id = id << 8 | b[i];
    pthread_mutex_lock(&ch.mu);
    ch.in_doubt = 1;
    ch.doubt_id = id;
    pthread_mutex_unlock(&ch.mu);
}

/* A hold in doubt whose requester hung up: the hold stays, for a RESOLVE. */
static void drop_requester(void)
{
    pthread_mutex_lock(&ch.mu);
    close(ch.client);
    ch.client = -1;
    pthread_mutex_unlock(&ch.mu);
}

/* A held process: the requester's byte (or its hang-up) decides whether
 * it exits or resumes; the request is then over. In doubt, only 'x' or
 * 'r' decides: other bytes are ignored, a hang-up leaves it held. */
static void take_decision(short client_events)
{
    if (!client_events)
        return;
    char c = CM_DECIDE_RESUME;
    ssize_t n = recv(ch.client, &c, 1, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR) && !(client_events & (POLLHUP | POLLERR)))
        return;
    pthread_mutex_lock(&ch.mu);
    int may = ch.may_doubt, doubt = ch.in_doubt;
    pthread_mutex_unlock(&ch.mu);
    int decides = n == 1 && (c == CM_DECIDE_EXIT || c == CM_DECIDE_RESUME);
    if (n == 1 && c == CM_DECIDE_DOUBT && may && !doubt) {
        enter_doubt();
        return;
    }
    if (doubt && !decides) {
        if (n != 1)
            drop_requester();
        return;
    }
    pthread_mutex_lock(&ch.mu);
    close(ch.client);
    ch.client = -1;
    ch.awaiting = 0;
    ch.active = 0;
    ch.replied = 1;
    ch.decision = n == 1 && c == CM_DECIDE_EXIT ? CM_DECIDE_EXIT : CM_DECIDE_RESUME;
    pthread_cond_broadcast(&ch.decided_cv);
    pthread_cond_broadcast(&ch.replied_cv);
    pthread_mutex_unlock(&ch.mu);
}

/* The request under way: its answer, a requester gone, a deadline. */
static void tend_request(short client_events)
{
    pthread_mutex_lock(&ch.mu);
    if (ch.awaiting) {
        pthread_mutex_unlock(&ch.mu);
        take_decision(client_events);
        return;
    }
    int active = ch.active, over = ch.over, begun = ch.begun, sent = ch.begun_sent;
    long long deadline = ch.deadline;
    uint32_t timeout_ms = ch.timeout_ms;
    pthread_mutex_unlock(&ch.mu);
    if (!active)
        return;
    if (over) {
        finish_request();
        return;
    }
    if (begun && !sent) {
        ch.begun_sent = 1;
        send_begun();
    }
    int gone = (client_events & (POLLHUP | POLLERR)) != 0;
    if (client_events & POLLIN) {
        char c;
        ssize_t n = recv(ch.client, &c, 1, MSG_DONTWAIT);  /* a requester says nothing more */
        gone = gone || n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
    }
    int late = !begun && deadline >= 0 && now_ms() >= deadline;
    if ((gone || late) && th_cancel(TH_BY_CHANNEL) == 0) {
        pthread_mutex_lock(&ch.mu);
        ch.ok = 0;
        snprintf(ch.why, sizeof ch.why,
                 "no checkpoint: no adaptation point was reached within %.3f s; the program goes on as it was",
                 timeout_ms / 1e3);
        if (gone) {
            close(ch.client);
            ch.client = -1;
        }
        pthread_mutex_unlock(&ch.mu);
        finish_request();
    } else if (gone) {
        pthread_mutex_lock(&ch.mu);
        close(ch.client);  /* too late to cancel: the checkpoint is written, to nobody's ears */
        ch.client = -1;
        pthread_mutex_unlock(&ch.mu);
    }
}

/* The control thread takes none of the program's signals. The real-time
 * ones stay open: the C library and qemu-user use some of them, and
 * qemu-i386 spins when a thread blocks them all. */
static void block_signals(void)
{
    sigset_t set;
    sigfillset(&set);
    for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
        sigdelset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void *control_main(void *unused)
{
    (void)unused;
    block_signals();
    lc_locks_outsider();
    long long next_tick = cfg.interval > 0 ? now_ms() + (long long)(cfg.interval * 1e3) : -1;
    for (;;) {
        struct pollfd p[4] = { { ch.wake[0], POLLIN, 0 }, { ch.listen_fd, POLLIN, 0 }, { -1, POLLIN, 0 },
                               { -1, POLLIN, 0 } };
        pthread_mutex_lock(&ch.mu);
        if (ch.active && ch.client >= 0 && (!ch.over || ch.awaiting))
            p[2].fd = ch.client;
        p[3].fd = ch.watch_fd;
        long long deadline = ch.active && !ch.begun ? ch.deadline : -1;
        pthread_mutex_unlock(&ch.mu);
        if (next_tick >= 0 && (deadline < 0 || next_tick < deadline))
            deadline = next_tick;
        int wait = deadline < 0 ? -1 : (int)(deadline > now_ms() ? deadline - now_ms() : 0);
        if (poll(p, 4, wait) < 0 && errno != EINTR)
            continue;
        if (p[0].revents)
            drain_wake();
        tend_watch(p[3].revents);
        tend_request(p[2].revents);
        if (next_tick >= 0 && now_ms() >= next_tick) {
            have_request = 0;  /* the timer's own: no latency to report */
            sp_request(TH_CAPTURE_PROCESS, 0, 0);
            next_tick = now_ms() + (long long)(cfg.interval * 1e3);
        }
        if (p[1].revents & POLLIN) {
            int fd = out_of_the_way(accept4(ch.listen_fd, NULL, NULL, SOCK_CLOEXEC));
            if (fd >= 0)
                serve(fd);
        }
    }
    return NULL;
}

/* ---- The socket -------------------------------------------------------------------- */

static void remove_socket(void)
{
    if (ch.path[0] && getpid() == ch.owner)
        unlink(ch.path);
}

/* Sockets of processes that are gone. */
static void clean_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (pid <= 0 || strcmp(end, ".sock") != 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
            char path[sizeof ch.path];
            if (cm_socket_path(dir, pid, path, sizeof path) == 0)
                unlink(path);
        }
    }
    closedir(d);
}

/* 0, or -1 with why: the process then has no channel. */
static int open_socket(char *why, size_t cap)
{
    char dir[sizeof ch.path];  /* a longer one could not hold a socket */
    uid_t uid = geteuid();
    if (cm_socket_dir(uid, 0, dir, sizeof dir) < 0 && cm_socket_dir(uid, 1, dir, sizeof dir) < 0)
        return snprintf(why, cap, "no directory for it"), -1;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return snprintf(why, cap, "cannot create %s: %s", dir, strerror(errno)), -1;
    if (cm_check_dir(dir, uid, why, cap) < 0)
        return -1;
    clean_stale(dir);
    if (cm_socket_path(dir, (long)getpid(), ch.path, sizeof ch.path) < 0)
        return snprintf(why, cap, "%s is too long a directory for a socket", dir), -1;
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, ch.path, strlen(ch.path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return snprintf(why, cap, "socket: %s", strerror(errno)), -1;
    unlink(ch.path);  /* this PID is ours: a socket by its name is a dead process's */
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || chmod(ch.path, 0600) < 0 || listen(fd, 16) < 0) {
        snprintf(why, cap, "cannot listen on %s: %s", ch.path, strerror(errno));
        close(fd);
        unlink(ch.path);
        ch.path[0] = '\0';
        return -1;
    }
    ch.listen_fd = out_of_the_way(fd);
    return 0;
}

static void start_thread(void)
{
    if (pipe2(ch.wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        fprintf(stderr, "migthread: no control thread: %s\n", strerror(errno));
        return;
    }
    for (int i = 0; i < 2; i++)
        ch.wake[i] = out_of_the_way(ch.wake[i]);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t tid;
    int rc = pthread_create(&tid, &a, control_main, NULL);
    pthread_attr_destroy(&a);
    if (rc != 0)
        fprintf(stderr, "migthread: no control thread: %s\n", strerror(rc));
    ch.serving = rc == 0;
}

static void open_all(void)
{
    ch.owner = getpid();
    char why[CM_TEXT_MAX + 1];
    if (open_socket(why, sizeof why) < 0) {
        fflush(stdout);
        fprintf(stderr, "migthread: no control channel: %s\n", why);
    }
    start_thread();
}

void ch_start(const char *argv0)
{
    if (!cfg.control)
        return;  /* MIGTHREAD_CONTROL=0: no socket, no thread */
    ch.program = argv0;
    atexit(remove_socket);
    open_all();
}

void ch_child(int off)
{
    /* the parent's descriptors and socket are the parent's */
    if (ch.listen_fd >= 0)
        close(ch.listen_fd);
    if (ch.client >= 0)
        close(ch.client);
    if (ch.dest_fd >= 0)
        close(ch.dest_fd);
    for (int i = 0; i < 2; i++)
        if (ch.wake[i] >= 0)
            close(ch.wake[i]);
    pthread_mutex_init(&ch.mu, NULL);
    pthread_cond_init(&ch.replied_cv, NULL);
    pthread_cond_init(&ch.decided_cv, NULL);
    ch.listen_fd = ch.client = ch.dest_fd = ch.wake[0] = ch.wake[1] = ch.watch_fd = -1;
    ch.watch_done = NULL;
    ch.serving = 0;
    ch.active = ch.hold = ch.holding = ch.awaiting = ch.fork = ch.deferred = ch.ended = 0;
    ch.may_doubt = ch.in_doubt = 0;
    ch.path[0] = '\0';
    if (!off && cfg.control)
        open_all();
}
