/* migrate.c: `migthread migrate [--key KEYFILE] [--known FILE] [--detach]
 * [--dry-run] [--compress] [--no-precopy] [--rounds N] [--thread N] [--quiet]
 * [--timeout SECONDS] [--resolve] PID HOST:PORT` moves a running program (or its
 * thread N) to HOST's migthreadd. First a pre-copy: a checkpoint taken while
 * the program runs on, which the daemon keeps, and rounds of what changed
 * while it crossed (each a delta of the last); then the program checkpoints (a delta of
 * the pre-copy: only the chunks changed since) into a pipe and stays stopped
 * (CM_FLAG_HOLD); the bytes go on over an authenticated session; only
 * after the daemon's READY does this put the program in doubt and send
 * COMMIT, and only once the daemon has recorded the commit does it tell
 * the program to exit (or thread N to leave). Any failure before COMMIT
 * resumes it as if nothing had happened; after it, the daemon's recorded
 * outcome decides (QUERY), or the program stays held in doubt for
 * `migrate --resolve PID HOST:PORT`. A dry run checkpoints without
 * stopping (the program carries on at once), and the daemon restores up
 * to READY and discards. docs/design.md, "Live migration". */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ctlmsg.h"
#include "progress.h"
#include "../net/msg.h"
#include "../net/net.h"

#define KEEPALIVE_MS 3000       /* a NOOP to the daemon while the program has not begun */
#define ASK_MS_DEFAULT 30000    /* for an adaptation point */
#define EXIT_WAIT_MS 10000      /* for the source to end after the decision */
#define QUERY_TRIES 3           /* sessions that ask the daemon for an outcome */
#define QUERY_PAUSE_S 2         /* between them */
#define ASK_AGAIN 2             /* pump: the program refused CM_FLAG_INDOUBT; ask without it */

#define PIPE_BYTES (1 << 20)    /* the checkpoint pipe's size: fewer switches between writer and reader */

/* Pre-copy rounds: another (a delta of the last) while the last carried
 * more than ROUND_SMALL_BYTES (about 20 ms at 100 Mbit/s: the hold would
 * gain less than a round's pause costs) beyond twice a delta's chunk map
 * for the state (one bit for 512 bytes: 1/4096 of the first pre-copy,
 * which no round removes), and at most half the one before it (a state
 * rewritten faster than the link takes it shrinks no more: its hot part
 * crosses once more in the hold whatever the rounds do). */
#define ROUND_SMALL_BYTES (256u * 1024u)
#define ROUND_MAP_SHARE 2048
#define ROUND_SHRINK 2

#define SYNOPSIS "migrate [--key KEYFILE] [--known FILE] [--detach] [--dry-run] [--compress] [--no-precopy] [--rounds N] " \
                 "[--thread N] [--quiet] [--timeout SECONDS] [--resolve] PID HOST:PORT"

/* What the command line asked for. */
typedef struct mg_opts {
    const char *key, *known;
    uint32_t flags;             /* MIG_FLAG_*, as REQUEST carries them */
    uint32_t timeout_ms;        /* for an adaptation point */
    uint32_t thread;            /* thread N alone; 0: the whole process */
    int quiet;                  /* no progress line */
    int resolve;                /* --resolve: a source held in doubt, decided by the daemon's record */
    int no_precopy;             /* --no-precopy: stop and copy the whole state */
    int rounds;                 /* --rounds N: at most N pre-copies (MIG_ROUNDS_MAX) */
} mg_opts;

typedef struct mg {
    long pid;
    const char *dest;
    int ctl;                    /* the program's control connection, held */
    int dry_run;
    int doubt;                  /* the program's runtime takes CM_FLAG_INDOUBT (1 until it refuses it) */
    int fork_pre;               /* ... and CM_FLAG_KEEP with CM_FLAG_FORK (1 until it refuses them) */
    const char *key, *known;    /* for the sessions of a QUERY */
    unsigned char head[MIG_ID_OFFSET + MIG_ID_SIZE];  /* the checkpoint's first bytes: its identity */
    uint64_t id;                /* the migration's: the checkpoint's identity */
    int to_memory;              /* the checkpoint is read whole before it is sent (dry run, pre-copy) */
    int base;                   /* the pre-copy's capture is under way */
    net_session *s;
    uint64_t sent, size;
    unsigned char *held;        /* a dry run's or pre-copy's checkpoint, taken at the pipe's pace */
    size_t held_cap;
    double last_msg;            /* when a message last went to the daemon */
    mg_progress progress;
    unsigned char buf[NET_MSG_DATA_MAX];
} mg;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* What every failure line says happened to the program. */
static const char *outcome(const mg *g)
{
    return g->dry_run ? "dry run: the migration would fail" : "no migration, the program carries on";
}

/* One message to the daemon, noting when (the keepalive's clock). */
static int send_msg(mg *g, unsigned type, const void *body, size_t len, net_error *e)
{
    g->last_msg = now_s();
    return net_msg_send(g->s, type, body, len, e);
}

/* The progress line's counts after a DATA. */
static void progress_sent(mg *g)
{
    unsigned long long wire;
    net_session_bytes(g->s, &wire, NULL);
    progress_bytes(&g->progress, g->sent, wire);
}

/* The program carries on as if nothing had happened; one line, exit 1. */
static int resume_source(mg *g, const char *fmt, const char *why)
{
    if (g->ctl >= 0) {
        char c = CM_DECIDE_RESUME;
        ssize_t n = write(g->ctl, &c, 1);
        (void)n;  /* a hang-up resumes it as well */
        close(g->ctl);
        g->ctl = -1;
    }
    net_error e;
    if (g->s)  /* the daemon's log says why; it may be gone already */
        net_msg_send(g->s, MIG_ABORT, "the source called it off", strlen("the source called it off"), &e);
    cli_fail_context(outcome(g));
    cli_fail(fmt, g->dest, why);
    cli_fail_context(NULL);
    return 1;
}

/* connect(2) within NET_TIMEOUT_MS (a host whose link is down would
 * otherwise take the kernel's SYN retries, minutes); the descriptor is
 * blocking again after. 0, or -1 with errno. */
static int connect_within(int fd, const struct sockaddr *a, socklen_t alen)
{
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    int rc = connect(fd, a, alen);
    if (rc < 0 && errno == EINPROGRESS) {
        struct pollfd p = { fd, POLLOUT, 0 };
        int err = 0;
        socklen_t elen = sizeof err;
        if (poll(&p, 1, NET_TIMEOUT_MS) <= 0)
            err = ETIMEDOUT;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
            err = errno;
        rc = err ? (errno = err, -1) : 0;
    }
    int saved = errno;
    fcntl(fd, F_SETFL, fl);
    errno = saved;
    return rc;
}

/* The connected descriptor, or -1 with why. */
static int connect_to(const char *spec, char *why, size_t cap)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host)
        return snprintf(why, cap, "'%s' is not HOST:PORT", spec), -1;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0)
        return snprintf(why, cap, "%s: %s", spec, gai_strerror(rc)), -1;
    int fd = -1, err = 0;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect_within(fd, a->ai_addr, a->ai_addrlen) < 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0)
        snprintf(why, cap, "cannot connect to %s: %s", spec, strerror(err));
    return fd;
}

/* The reason the daemon gave, when it said one before it went. */
static void daemon_reason(mg *g, char *why, size_t cap)
{
    unsigned type;
    size_t len;
    net_error e;
    while (net_msg_recv(g->s, &type, g->buf, NET_MSG_TEXT_MAX, &len, &e) == 0)
        if (type == MIG_REFUSED) {
            snprintf(why, cap, "%.*s", (int)len, (char *)g->buf);
            return;
        }
}

/* n bytes of the checkpoint (in g->buf): on as DATA, or, in a dry run or
 * a pre-copy, kept (the program is not held: it must not wait for the
 * network). */
static int deliver(mg *g, size_t n, net_error *e)
{
    if (g->sent < sizeof g->head) {  /* the migration id is the checkpoint's */
        size_t k = sizeof g->head - g->sent < n ? sizeof g->head - g->sent : n;
        memcpy(g->head + g->sent, g->buf, k);
    }
    if (!g->to_memory) {
        if (send_msg(g, MIG_DATA, g->buf, n, e) < 0)
            return -1;
        g->sent += n;
        progress_sent(g);
        return 0;
    }
    if (g->sent + n > g->held_cap) {
        size_t cap = g->held_cap ? g->held_cap * 2 : 4 * NET_MSG_DATA_MAX;
        while (cap < g->sent + n)
            cap *= 2;
        unsigned char *p = realloc(g->held, cap);
        if (!p) {
            e->code = NET_EIO;
            snprintf(e->msg, sizeof e->msg, "out of memory for a checkpoint of over %llu bytes",
                     (unsigned long long)g->sent);
            return -1;
        }
        g->held = p, g->held_cap = cap;
    }
    memcpy(g->held + g->sent, g->buf, n);
    g->sent += n;
    progress_bytes(&g->progress, g->sent, 0);  /* taken so far; nothing on the wire yet */
    net_error k;  /* the daemon waits for DATA meanwhile: keep its session alive */
    if (now_s() - g->last_msg >= KEEPALIVE_MS / 1e3 && send_msg(g, MIG_NOOP, NULL, 0, &k) < 0)
        *e = k;
    return e->code ? -1 : 0;
}

/* A dry run's or pre-copy's checkpoint, taken whole (the program has gone
 * on), to the daemon. 0, or 1 after the line. */
static int send_held(mg *g)
{
    progress_phase(&g->progress, "streaming");
    net_error e;
    uint64_t total = g->sent;
    g->sent = 0;
    for (uint64_t off = 0; off < total;) {
        size_t n = total - off < NET_MSG_DATA_MAX ? (size_t)(total - off) : NET_MSG_DATA_MAX;
        if (send_msg(g, MIG_DATA, g->held + off, n, &e) < 0) {
            daemon_reason(g, e.msg, sizeof e.msg);
            return resume_source(g, "%s: %s", e.msg);
        }
        off += n;
        g->sent = off;
        progress_sent(g);
    }
    free(g->held);
    g->held = NULL;
    g->held_cap = 0;
    return 0;
}

/* The program's runtime refused a forked pre-copy: one from before it
 * (CM_KEEP_NOT_FORKED), or from before pre-copy (CM_UNKNOWN_FLAGS). */
static int keep_fork_refused(const char *why)
{
    return strncmp(why, CM_KEEP_NOT_FORKED, strlen(CM_KEEP_NOT_FORKED)) == 0 ||
           strncmp(why, CM_UNKNOWN_FLAGS, strlen(CM_UNKNOWN_FLAGS)) == 0;
}

/* Sends the checkpoint as it comes out of the pipe, until the program's
 * answer and the pipe's end. 0, or 1 after the line. */
static int pump(mg *g, int rd)
{
    int ok = 0, eof = 0;
    char why[4200] = "";
    net_error e = { 0 };
    cm_msg *m = malloc(sizeof *m);
    while (m && (!eof || (!ok && g->ctl >= 0))) {
        struct pollfd p[2] = { { eof ? -1 : rd, POLLIN, 0 }, { ok ? -1 : g->ctl, POLLIN, 0 } };
        int r = poll(p, 2, KEEPALIVE_MS);
        if (r == 0 && !e.code && send_msg(g, MIG_NOOP, NULL, 0, &e) < 0)
            continue;
        if (p[0].revents) {
            ssize_t n = read(rd, g->buf, sizeof g->buf);
            if (n <= 0 && !(n < 0 && errno == EINTR))
                eof = 1;
            else if (n > 0 && !e.code)
                deliver(g, (size_t)n, &e);
        }
        if (p[1].revents) {
            int c = cm_recv(g->ctl, m, CM_READ_MS, why, sizeof why);
            if (c == 0 && m->kind == CM_OK)
                ok = 1, g->size = m->size;
            else if (c == 0 && m->kind == CM_ERROR) {
                snprintf(why, sizeof why, "%s", m->message);
                if (g->base && !g->fork_pre && strncmp(why, CM_UNKNOWN_FLAGS, strlen(CM_UNKNOWN_FLAGS)) == 0)
                    why[0] = '\0';  /* a runtime without pre-copy: no line, a full checkpoint instead */
                close(g->ctl);
                g->ctl = -1;
            } else if (c != 0) {
                if (c == 1)
                    snprintf(why, sizeof why, "process %ld ended before it answered", g->pid);
                close(g->ctl);
                g->ctl = -1;
            }
        }
    }
    free(m);
    if (!ok && g->base && g->fork_pre && g->sent == 0 && keep_fork_refused(why))
        return close(g->ctl), g->ctl = -1, g->fork_pre = 0, ASK_AGAIN;  /* a runtime that keeps only unforked */
    if (!ok && g->doubt && g->sent == 0 && strncmp(why, CM_UNKNOWN_FLAGS, strlen(CM_UNKNOWN_FLAGS)) == 0)
        return close(g->ctl), g->ctl = -1, g->doubt = 0, ASK_AGAIN;  /* a runtime without in-doubt holds */
    if (!ok && g->base && !why[0] && g->ctl < 0)
        return 2;
    if (!ok)
        return close(g->ctl), g->ctl = -1, cli_fail("%s", why[0] ? why : "no checkpoint");
    if (e.code) {
        daemon_reason(g, e.msg, sizeof e.msg);
        return resume_source(g, "%s: %s", e.msg);
    }
    if (g->sent != g->size)
        return resume_source(g, "%s: %s", "the checkpoint came out shorter than the program said");
    return 0;
}

/* Sends message type with total (END, PRECOPY), then waits for answer
 * (READY, KEPT) or the daemon's reason. 0, or 1 after the line (the
 * source resumed). */
static int await_answer(mg *g, unsigned type_sent, uint64_t total, unsigned answer, const char *out_of_place)
{
    unsigned char b[8];
    net_put_u64(b, total);
    net_error e;
    if (send_msg(g, type_sent, b, sizeof b, &e) < 0) {
        daemon_reason(g, e.msg, sizeof e.msg);
        return resume_source(g, "%s: %s", e.msg);
    }
    for (;;) {
        unsigned type;
        size_t len;
        int r = net_msg_recv(g->s, &type, g->buf, NET_MSG_TEXT_MAX, &len, &e);
        if (r != 0)
            return resume_source(g, "%s: %s", r == 1 ? "the daemon ended the session" : e.msg);
        g->buf[len] = '\0';
        if (type == answer)
            return 0;
        if (type == MIG_REFUSED)
            return resume_source(g, "%s refused it: %s", (char *)g->buf);
        if (type != MIG_NOOP)
            return resume_source(g, "%s: %s", out_of_place);
    }
}

/* END, then READY or the daemon's reason. */
static int await_ready(mg *g)
{
    progress_phase(&g->progress, "restoring");
    return await_answer(g, MIG_END, g->sent, MIG_READY, "a message out of place in place of READY");
}

/* A dry run's answer: READY's text says what restored it; nothing was
 * committed, the build was discarded, the program never stopped. */
static int report_dry_run(mg *g)
{
    progress_end(&g->progress, "checked");
    printf("%s: dry run: the migration would succeed: %s\n", g->dest, (char *)g->buf);
    return 0;
}

/* Connection and handshake: the session, or NULL with why. */
static net_session *open_session(mg *g, int *fd, char *why, size_t cap)
{
    net_keys keys;
    net_authorized servers = { 0 };
    net_error e;
    *fd = -1;
    if (net_keys_load(g->key, &keys, &e) < 0 || net_authorized_load(g->known, &servers, &e) < 0) {
        snprintf(why, cap, "%s", e.msg);
        return NULL;
    }
    net_session *s = (*fd = connect_to(g->dest, why, cap)) < 0 ? NULL : net_client(*fd, &keys, &servers, NET_TIMEOUT_MS, &e);
    if (*fd >= 0 && !s)
        snprintf(why, cap, "%s: %s", g->dest, e.msg);
    net_keys_wipe(&keys);
    net_authorized_free(&servers);
    return s;
}

/* The source's decision: CM_DECIDE_EXIT (then its end is awaited: its
 * socket closes when it is gone) or CM_DECIDE_RESUME. */
static void release(mg *g, char c)
{
    if (write(g->ctl, &c, 1) != 1)
        fprintf(stderr, "migthread: process %ld could not be told to %s: %s\n", g->pid,
                c == CM_DECIDE_EXIT ? "exit" : "resume", strerror(errno));
    else if (c == CM_DECIDE_EXIT) {
        struct pollfd p = { g->ctl, POLLIN, 0 };
        if (poll(&p, 1, EXIT_WAIT_MS) <= 0)
            fprintf(stderr, "migthread: process %ld did not end within %d s after the migration\n", g->pid,
                    EXIT_WAIT_MS / 1000);
    }
    close(g->ctl);
    g->ctl = -1;
}

/* One QUERY session: the daemon's recorded outcome of g->id
 * (MIG_OUTCOME_*); 0 when no session came about (why: worth another
 * try); -1 when the daemon answered without an outcome (why: a daemon
 * that does not know QUERY refuses it). */
static int query_once(mg *g, char *why, size_t cap)
{
    int fd;
    net_session *s = open_session(g, &fd, why, cap);
    if (!s) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    unsigned char b[MIG_ID_SIZE];
    net_put_u64(b, g->id);
    net_error e = { 0 };
    unsigned type = MIG_NOOP;
    size_t len = 0;
    int r = net_msg_send(s, MIG_QUERY, b, sizeof b, &e), rc = -1;
    while (r == 0 && type == MIG_NOOP)
        r = net_msg_recv(s, &type, g->buf, NET_MSG_TEXT_MAX, &len, &e);
    uint32_t v = r == 0 && len == 4 ? net_get_u32(g->buf) : 0;
    if (r != 0)
        rc = 0, snprintf(why, cap, "%s: %s", g->dest, r == 1 ? "the daemon ended the session" : e.msg);
    else if (type == MIG_OUTCOME && (v == MIG_OUTCOME_COMMITTED || v == MIG_OUTCOME_ABORTED))
        rc = (int)v;
    else if (type == MIG_REFUSED)
        snprintf(why, cap, "%s cannot tell: %.*s", g->dest, (int)len, (char *)g->buf);
    else
        snprintf(why, cap, "%s: a message of type %u in place of OUTCOME", g->dest, type);
    net_close(s);
    close(fd);
    return rc;
}

/* The daemon's recorded outcome, over up to QUERY_TRIES new sessions:
 * MIG_OUTCOME_*, or -1 with why. */
static int query(mg *g, char *why, size_t cap)
{
    for (int i = 0; i < QUERY_TRIES; i++) {
        if (i)
            sleep(QUERY_PAUSE_S);
        int rc = query_once(g, why, cap);
        if (rc != 0)
            return rc;
    }
    return -1;
}

/* The session ended after COMMIT went and before the daemon said it had
 * it: COMMIT may or may not have arrived. The daemon's record decides
 * (QUERY); without an answer the source stays held in doubt (the
 * hang-up does not resume it) and the line says how to resolve it. */
static int settle(mg *g, const char *lost)
{
    char why[1200], text[2600];
    progress_phase(&g->progress, "asking");
    int o = query(g, why, sizeof why);
    if (o == MIG_OUTCOME_COMMITTED) {
        release(g, CM_DECIDE_EXIT);
        return cli_fail("the program moved to %s, but the session ended after COMMIT (%s); the daemon's record says "
                        "committed: the source exited and the program runs on there, its output in the daemon's workdir",
                        g->dest, lost);
    }
    if (o == MIG_OUTCOME_ABORTED) {
        snprintf(text, sizeof text, "the session ended after COMMIT (%s), and the daemon's record says it did not commit",
                 lost);
        return resume_source(g, "%s: %s", text);
    }
    if (!g->doubt) {  /* it would resume on the hang-up, and may have committed: it exits, as before */
        release(g, CM_DECIDE_EXIT);
        return cli_fail("COMMIT went to %s and the source exited (its runtime cannot be held in doubt), but the "
                        "session ended (%s) and the outcome could not be learned (%s): the daemon's log says whether "
                        "the program runs on there (committed) or not (not migrated)", g->dest, lost, why);
    }
    close(g->ctl);
    g->ctl = -1;
    return cli_fail("process %ld is held in doubt: COMMIT went to %s, but the session ended (%s) and the outcome could "
                    "not be learned (%s); it neither runs nor exits until `migthread migrate --resolve %ld %s` asks "
                    "the daemon", g->pid, g->dest, lost, why, g->pid, g->dest);
}

/* The source in doubt first (from then on a hang-up no longer resumes
 * it), then COMMIT with the migration's id. COMMITTED, or from a daemon
 * that does not know it any message after READY (it sends none before it
 * lets the program go), lets the source exit (or its thread leave); the
 * daemon's REFUSED resumes it; a session lost settles by QUERY. 0 with
 * the first message to follow in *pending (0: none yet). */
static int commit(mg *g, unsigned *pending, size_t *plen)
{
    unsigned char d[1 + MIG_ID_SIZE] = { CM_DECIDE_DOUBT };
    g->id = 0;  /* little-endian in the header */
    for (int i = MIG_ID_SIZE - 1; i >= 0; i--)
        g->id = g->id << 8 | g->head[MIG_ID_OFFSET + i];
    net_put_u64(d + 1, g->id);
    if (g->doubt && write(g->ctl, d, sizeof d) != (ssize_t)sizeof d)
        return resume_source(g, "%s: %s", "the program could not be put in doubt before COMMIT");
    net_error e;
    if (send_msg(g, MIG_COMMIT, d + 1, MIG_ID_SIZE, &e) < 0)
        return settle(g, e.msg);
    unsigned type;
    size_t len;
    int r = net_msg_recv(g->s, &type, g->buf, sizeof g->buf - 1, &len, &e);
    if (r != 0)
        return settle(g, r == 1 ? "the daemon ended the session" : e.msg);
    g->buf[len] = '\0';
    if (type == MIG_REFUSED)
        return resume_source(g, "%s refused it: %s", (char *)g->buf);
    if (type == MIG_COMMITTED && (len != MIG_ID_SIZE || net_get_u64(g->buf) != g->id))
        return settle(g, "a COMMITTED for another migration");
    *pending = type == MIG_COMMITTED ? 0 : type;
    *plen = len;
    progress_end(&g->progress, "running");
    release(g, CM_DECIDE_EXIT);
    return 0;
}

/* The session ended after the daemon let the program go. */
static int lost_session(const mg *g, const char *why)
{
    return cli_fail("the program moved to %s, but the session ended: %s; it runs on there, its output in the "
                    "daemon's workdir", g->dest, why);
}

/* The program's output and exit status, or DETACHED; pending: a message
 * already in g->buf (0: none). */
static int follow(mg *g, unsigned pending, size_t plen)
{
    net_error e;
    for (;;) {
        unsigned type = pending;
        size_t len = plen;
        int r = pending ? 0 : net_msg_recv(g->s, &type, g->buf, sizeof g->buf - 1, &len, &e);
        pending = 0;
        if (r != 0)
            return lost_session(g, r == 1 ? "no exit status came" : e.msg);
        if (type == MIG_OUT || type == MIG_ERR) {
            fwrite(g->buf, 1, len, type == MIG_OUT ? stdout : stderr);
            fflush(type == MIG_OUT ? stdout : stderr);
        } else if (type == MIG_EXIT && len == 4)
            return (int)net_get_u32(g->buf) & 0xff;
        else if (type == MIG_DETACHED) {
            g->buf[len] = '\0';
            printf("%s: %s\n", g->dest, (char *)g->buf);
            return 0;
        } else if (type != MIG_NOOP)
            return cli_fail("%s sent a message of type %u after the migration", g->dest, type);
    }
}

/* --resolve: a source held in doubt (its migrate gone) is released by the
 * daemon's record: it exits when the migration committed, resumes when
 * it did not; without an answer it stays held. */
static int resolve(mg *g)
{
    char why[1200];
    cm_msg *m = calloc(1, sizeof *m);
    if (!m)
        return cli_fail("out of memory");
    if ((g->ctl = cli_control_connect(g->pid, 0)) < 0)
        return free(m), 1;
    cm_init(m, CM_RESOLVE);
    int rc = cm_send(g->ctl, m) < 0 ? (snprintf(why, sizeof why, "cannot ask process %ld: %s", g->pid, strerror(errno)), -1)
                                     : cm_recv(g->ctl, m, CM_READ_MS, why, sizeof why);
    if (rc == 1)
        snprintf(why, sizeof why, "process %ld ended before it answered", g->pid);
    else if (rc == 0 && m->kind == CM_ERROR)
        rc = -1, snprintf(why, sizeof why, "%.1100s", m->message);
    else if (rc == 0 && (m->kind != CM_OK || !cm_has(m, CM_F_ID)))
        rc = -1, snprintf(why, sizeof why, "process %ld answered without a migration id", g->pid);
    g->id = m->id;
    free(m);
    if (rc != 0) {
        close(g->ctl);
        g->ctl = -1;
        return cli_fail("%s", why);
    }
    int o = query(g, why, sizeof why);
    if (o == MIG_OUTCOME_COMMITTED || o == MIG_OUTCOME_ABORTED) {
        release(g, o == MIG_OUTCOME_COMMITTED ? CM_DECIDE_EXIT : CM_DECIDE_RESUME);
        printf(o == MIG_OUTCOME_COMMITTED ? "%ld: the migration to %s committed: the source exited, the program runs on there\n"
                                          : "%ld: the migration to %s did not commit: the program carries on\n",
               g->pid, g->dest);
        return 0;
    }
    close(g->ctl);
    g->ctl = -1;
    return cli_fail("process %ld is still held in doubt: the outcome of its migration to %s could not be learned (%s); "
                    "run `migthread migrate --resolve %ld %s` again once the daemon can be reached",
                    g->pid, g->dest, why, g->pid, g->dest);
}

/* Asks the program (or its thread) to checkpoint into a pipe with flags
 * (CM_FLAG_*: hold, or carry on in a dry run and a pre-copy). */
static int ask(mg *g, const mg_opts *o, int *rd, uint32_t flags)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return cli_fail("cannot make a pipe: %s", strerror(errno));
    (void)fcntl(p[0], F_SETPIPE_SZ, PIPE_BYTES);  /* the default 64 KB where refused (pipe-max-size) */
    cm_msg *m = calloc(1, sizeof *m);
    if (!m || (g->ctl = cli_control_connect(g->pid, 0)) < 0) {
        free(m);
        close(p[0]), close(p[1]);
        return m ? 1 : cli_fail("out of memory");
    }
    cm_init(m, CM_CHECKPOINT);
    m->flags = flags | ((flags & CM_FLAG_HOLD) && g->doubt ? CM_FLAG_INDOUBT : 0);
    m->timeout_ms = o->timeout_ms;
    m->fd = p[1];
    cm_set(m, CM_F_FLAGS);
    cm_set(m, CM_F_TIMEOUT_MS);
    cm_set(m, CM_F_FD);
    if (o->thread) {
        m->thread = o->thread;
        cm_set(m, CM_F_THREAD);
    }
    int rc = cm_send(g->ctl, m);
    free(m);
    close(p[1]);
    if (rc < 0) {
        close(p[0]);
        return cli_fail("cannot ask process %ld: %s", g->pid, strerror(errno));
    }
    *rd = p[0];
    return 0;
}

/* Where the keys are when no option says: ~/.migthread/NAME. */
static const char *default_path(const char *name, char *buf, size_t cap)
{
    const char *home = getenv("HOME");
    snprintf(buf, cap, "%s/.migthread/%s", home && *home ? home : ".", name);
    return buf;
}

/* A number after an option: seconds (--timeout) or a thread (--thread). */
static int parse_number(const char *opt, const char *arg, mg_opts *o)
{
    char *end;
    if (strcmp(opt, "--rounds") == 0) {
        long n = strtol(arg, &end, 10);
        if (*end || n < 1 || n > MIG_ROUNDS_MAX)
            return cli_fail("'%s' is not a number of pre-copy rounds (1 to %d)", arg, MIG_ROUNDS_MAX);
        o->rounds = (int)n;
        return 0;
    }
    if (strcmp(opt, "--thread") == 0) {
        long n = strtol(arg, &end, 10);
        if (*end || n <= 0 || n > 0x7fffffff)
            return cli_fail("'%s' is not a thread number (the main thread is 1)", arg);
        o->thread = (uint32_t)n;
        return 0;
    }
    double t = strtod(arg, &end);
    if (*end || !(t > 0 && t <= 4e6))
        return cli_fail("'%s' is not a number of seconds", arg);
    o->timeout_ms = (uint32_t)(t * 1e3) ? (uint32_t)(t * 1e3) : 1;
    return 0;
}

/* An option without a value: 1 when it is one. */
static int parse_switch(const char *arg, mg_opts *o)
{
    static const struct { const char *name; uint32_t flag; } sw[] = {
        { "--detach", MIG_FLAG_DETACH }, { "--dry-run", MIG_FLAG_DRY_RUN }, { "--compress", MIG_FLAG_COMPRESS }
    };
    for (size_t i = 0; i < sizeof sw / sizeof sw[0]; i++)
        if (strcmp(arg, sw[i].name) == 0)
            return o->flags |= sw[i].flag, 1;
    if (strcmp(arg, "--quiet") == 0)
        return o->quiet = 1;
    if (strcmp(arg, "--resolve") == 0)
        return o->resolve = 1;
    if (strcmp(arg, "--no-precopy") == 0)
        return o->no_precopy = 1;
    return 0;
}

static int parse(int argc, char **argv, mg_opts *o, long *pid, const char **dest)
{
    const char *args[2];
    int nargs = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            o->key = argv[++i];
        else if (strcmp(argv[i], "--known") == 0 && i + 1 < argc)
            o->known = argv[++i];
        else if ((strcmp(argv[i], "--timeout") == 0 || strcmp(argv[i], "--thread") == 0 ||
                  strcmp(argv[i], "--rounds") == 0) && i + 1 < argc) {
            if (parse_number(argv[i], argv[i + 1], o) != 0)
                return 1;
            i++;
        } else if (parse_switch(argv[i], o))
            continue;
        else if ((argv[i][0] == '-' && argv[i][1]) || nargs == 2)
            return cli_usage(SYNOPSIS);
        else
            args[nargs++] = argv[i];
    }
    if (nargs != 2)
        return cli_usage(SYNOPSIS);
    if ((o->flags & MIG_FLAG_DRY_RUN) && (o->flags & MIG_FLAG_DETACH))
        return cli_fail("--dry-run leaves nothing running: not with --detach");
    if (o->resolve && (o->flags || o->thread || o->timeout_ms != ASK_MS_DEFAULT || o->rounds))
        return cli_fail("--resolve releases a held program: only --key, --known and --quiet go with it");
    char *end;
    *pid = strtol(args[0], &end, 10);
    if (*end || *pid <= 0)
        return cli_fail("'%s' is not a process id", args[0]);
    *dest = args[1];
    return 0;
}

/* REQUEST, then the daemon's ACCEPTED (its flags ours) or its reason,
 * before the program is asked anything; compression from then on when
 * both ends said so. 0, or 1 after the line; 2, no line, when a daemon
 * that does not know pre-copy refused it. */
static int request(mg *g, const mg_opts *o)
{
    unsigned char b[4];
    net_put_u32(b, o->flags);
    net_error e;
    if (send_msg(g, MIG_REQUEST, b, sizeof b, &e) < 0)
        return cli_fail("%s: %s", g->dest, e.msg);
    unsigned type = MIG_NOOP;
    size_t len = 0;
    int r = 0;
    while (r == 0 && type == MIG_NOOP)
        r = net_msg_recv(g->s, &type, g->buf, NET_MSG_TEXT_MAX, &len, &e);
    int rc = 0;
    cli_fail_context(outcome(g));
    if (r != 0)
        rc = cli_fail("%s: %s", g->dest, r == 1 ? "the daemon ended the session" : e.msg);
    else if (type == MIG_REFUSED && (o->flags & MIG_FLAG_PRECOPY) &&
             memmem(g->buf, len, MIG_UNKNOWN_FLAGS, strlen(MIG_UNKNOWN_FLAGS)))
        rc = 2;  /* a daemon without pre-copy: asked again without it */
    else if (type == MIG_REFUSED)
        rc = cli_fail("%s refused it: %.*s", g->dest, (int)len, (char *)g->buf);
    else if (type != MIG_ACCEPTED || len != 4 || net_get_u32(g->buf) != o->flags)
        rc = cli_fail("%s: a message of type %u in place of ACCEPTED", g->dest, type);
    else if ((o->flags & MIG_FLAG_COMPRESS) && net_compress(g->s, NET_COMPRESS_LEVEL, &e) < 0)
        rc = cli_fail("%s: %s", g->dest, e.msg);
    cli_fail_context(NULL);
    return rc;
}

/* PRECOPY with the pre-copy's length, then the daemon's KEPT. 0, or 1
 * after the line. */
static int await_kept(mg *g, uint64_t total)
{
    return await_answer(g, MIG_PRECOPY, total, MIG_KEPT, "a message out of place in place of KEPT");
}

/* Whether another round is worth it after one of last bytes that
 * followed one of prev (0: the first), first the first pre-copy's. */
static int worth_a_round(uint64_t first, uint64_t prev, uint64_t last)
{
    return last > ROUND_SMALL_BYTES + first / ROUND_MAP_SHARE && (prev == 0 || last * ROUND_SHRINK <= prev);
}

/* After a pre-copy or a round was read: back to streaming to the daemon,
 * the program's pipe and control connection closed (it was not held: it
 * went on once it had written). */
static void precopy_done(mg *g, int *rd)
{
    g->to_memory = g->dry_run;
    g->base = 0;
    close(*rd);
    *rd = -1;
    if (g->ctl >= 0)
        close(g->ctl);
    g->ctl = -1;
}

/* One more pre-copy round: ROUND, then a forked checkpoint-and-continue
 * that is a delta of the last one kept (CM_FLAG_INCREMENTAL) and is kept
 * in its place (CM_FLAG_KEEP), read whole, sent, KEPT. *bytes its size;
 * 0 when the runtime took none (PRECOPY of 0 bytes: the last kept stays
 * the parent). 0, or 1 after the line. */
static int round_once(mg *g, const mg_opts *o, int *rd, uint64_t *bytes)
{
    net_error e;
    if (send_msg(g, MIG_ROUND, NULL, 0, &e) < 0) {
        daemon_reason(g, e.msg, sizeof e.msg);
        return resume_source(g, "%s: %s", e.msg);
    }
    g->to_memory = g->base = 1;
    int rc = ask(g, o, rd, CM_FLAG_KEEP | CM_FLAG_FORK | CM_FLAG_INCREMENTAL);
    if (rc == 0)
        rc = pump(g, *rd);
    precopy_done(g, rd);
    if (rc == 2 || rc == ASK_AGAIN)
        g->sent = 0;  /* refused before any capture: the program keeps the last parent */
    else if (rc != 0 || (rc = send_held(g)) != 0)
        return rc;
    *bytes = g->sent;
    rc = await_kept(g, *bytes);
    g->sent = g->size = 0;
    return rc;
}

/* Rounds after the first pre-copy (of first bytes): each sends what the
 * program changed while the one before crossed the link, until that is
 * small or shrinks no more, at most o->rounds in all. 0, or 1 after the
 * line. */
static int more_rounds(mg *g, const mg_opts *o, int *rd, uint64_t first)
{
    uint64_t prev = 0, last = first;
    for (int n = 1; n < o->rounds && worth_a_round(first, prev, last); n++) {
        uint64_t bytes = 0;
        int rc = round_once(g, o, rd, &bytes);
        if (rc != 0)
            return rc;
        if (bytes == 0)
            break;
        prev = last, last = bytes;
    }
    return 0;
}

/* The pre-copy: a checkpoint-and-continue that the program keeps the
 * hashes of (CM_FLAG_KEEP), read whole at the pipe's pace (the program
 * never waits for the network), sent while it runs on, kept by the daemon.
 * *kept 1 when the held checkpoint may be a delta of it; a runtime that
 * does not know KEEP gives none (PRECOPY of 0 bytes: a full one follows).
 * Forked (CM_FLAG_FORK: the program stands only for the fork, its copy
 * writes) where the runtime takes it, else as a stopped capture.
 * 0, or 1 after the line. */
static int precopy(mg *g, const mg_opts *o, int *rd, int *kept)
{
    progress_phase(&g->progress, "pre-copy");
    g->to_memory = g->base = 1;
    int rc = ask(g, o, rd, CM_FLAG_KEEP | (g->fork_pre ? CM_FLAG_FORK : 0));
    if (rc == 0 && (rc = pump(g, *rd)) == ASK_AGAIN) {
        close(*rd);  /* nothing was captured: kept, not forked */
        *rd = -1;
        rc = ask(g, o, rd, CM_FLAG_KEEP) != 0 ? 1 : pump(g, *rd);
    }
    precopy_done(g, rd);
    if (rc == 2)
        g->sent = 0;  /* nothing taken */
    else if (rc != 0 || (rc = send_held(g)) != 0)
        return rc;
    uint64_t total = g->sent;
    if ((rc = await_kept(g, total)) != 0)
        return rc;
    *kept = total > 0;
    g->sent = g->size = 0;
    if (*kept && g->fork_pre && (o->flags & MIG_FLAG_ROUNDS))
        return more_rounds(g, o, rd, total);
    return 0;
}

/* From the program's checkpoint to the end: the output, exit status or
 * the dry run's answer. */
static int transfer(mg *g, const mg_opts *o, int *rd)
{
    int rc, kept = 0;
    if ((o->flags & MIG_FLAG_PRECOPY) && (rc = precopy(g, o, rd, &kept)) != 0)
        return rc;
    progress_phase(&g->progress, g->dry_run ? "capturing" : "streaming");
    uint32_t flags = g->dry_run ? 0 : CM_FLAG_HOLD | (kept ? CM_FLAG_INCREMENTAL : 0);
    if ((rc = ask(g, o, rd, flags)) == 0 && (rc = pump(g, *rd)) == ASK_AGAIN) {
        close(*rd);  /* nothing was captured: the same request without the flag */
        *rd = -1;
        rc = ask(g, o, rd, flags) != 0 ? 1 : pump(g, *rd);
    }
    if (rc != 0)
        return rc;
    if (g->dry_run) {
        close(g->ctl);  /* not held: the program went on once it had written */
        g->ctl = -1;
        if ((rc = send_held(g)) != 0)
            return rc;
    }
    if ((rc = await_ready(g)) != 0)
        return rc;
    if (g->dry_run)
        return report_dry_run(g);
    unsigned pending = 0;
    size_t plen = 0;
    return (rc = commit(g, &pending, &plen)) == 0 ? follow(g, pending, plen) : rc;
}

static mg *the_migration;

static void erase_progress(void)
{
    if (the_migration)
        progress_erase(&the_migration->progress);
}

int cmd_migrate(int argc, char **argv)
{
    char kbuf[4096], abuf[4096];
    mg_opts o = { .timeout_ms = ASK_MS_DEFAULT };
    static mg g = { .ctl = -1, .doubt = 1, .fork_pre = 1 };
    int rc = parse(argc, argv, &o, &g.pid, &g.dest);
    if (rc != 0)
        return rc;
    g.dry_run = g.to_memory = (o.flags & MIG_FLAG_DRY_RUN) != 0;
    if (!g.dry_run && !o.no_precopy)  /* a dry run's capture never stops the program for long anyway */
        o.flags |= MIG_FLAG_PRECOPY;
    if (o.rounds == 0)
        o.rounds = MIG_ROUNDS_MAX;
    if ((o.flags & MIG_FLAG_PRECOPY) && o.rounds > 1)
        o.flags |= MIG_FLAG_ROUNDS;
    g.key = o.key ? o.key : default_path("key", kbuf, sizeof kbuf);
    g.known = o.known ? o.known : default_path("known", abuf, sizeof abuf);
    signal(SIGPIPE, SIG_IGN);
    if (o.resolve)
        return resolve(&g);
    the_migration = &g;
    cli_fail_before(erase_progress);
    progress_start(&g.progress, o.quiet, g.dest);
    progress_phase(&g.progress, "connecting");
    int fd = -1, rd = -1;
    char why[1200];
    g.s = open_session(&g, &fd, why, sizeof why);
    if (!g.s) {
        if (fd >= 0)
            close(fd);
        return cli_fail("%s", why);
    }
    while ((rc = request(&g, &o)) == 2) {  /* a daemon without rounds, or pre-copy: again, without */
        net_close(g.s);
        close(fd);
        o.flags &= ~(uint32_t)((o.flags & MIG_FLAG_ROUNDS) ? MIG_FLAG_ROUNDS : MIG_FLAG_PRECOPY);
        g.s = open_session(&g, &fd, why, sizeof why);
        if (!g.s) {
            if (fd >= 0)
                close(fd);
            return cli_fail("%s", why);
        }
    }
    if (rc == 0)
        rc = transfer(&g, &o, &rd);
    progress_erase(&g.progress);
    if (rd >= 0)
        close(rd);
    free(g.held);
    net_close(g.s);
    close(fd);
    return rc;
}
