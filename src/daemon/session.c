/* session.c: one migration, from the accepted connection to its log line
 * (docs/design.md, "Live migration"): authenticate, take the checkpoint
 * into the build it names, READY once the restore is whole, the program
 * goes only on COMMIT, once the decision is on disk (decide.c), and
 * COMMITTED says so; then its output and exit status go back (or, with
 * detach, to files in the workdir). Any failure before COMMIT records the
 * migration aborted and kills the restored program, and the source carries
 * on. A dry run stops at READY: the restored program is killed there,
 * having never run. A session that begins with QUERY asks for a recorded
 * decision (an unknown id is decided aborted). With pre-copy a
 * checkpoint taken while the source ran comes first and is kept as a file
 * in the workdir, which the held checkpoint's delta names. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "msg.h"

#define KEEPALIVE_MS 3000        /* a NOOP when nothing else was sent for this long */
#define RESTORE_MS (600 * 1000)  /* the longest a restore may take to say ready */
#define PREFIX_MAX (80u * 1024u) /* header and INFO record, bounded by programs.c's INFO_MAX */
#define AHEAD_HELLO_MS 1000      /* the longest a kept pre-copy waits for the build to read it ahead */

typedef struct mig {
    const d_config *cfg;
    net_session *s;
    char who[NET_NAME_MAX + 64], program[256], build[4096], why[1200];
    uint64_t bytes;
    int detach, dry_run, compressed, precopy;
    uint64_t id;                 /* the migration's: the checkpoint's identity */
    int ready_sent, committed;   /* READY went; COMMIT recorded */
    int rounds;                 /* ROUNDS accepted: more pre-copies may follow the first */
    uint64_t pre_bytes;         /* the pre-copies', all rounds */
    int kept;                   /* pre-copies kept (each after the first a delta of the one before) */
    char parent[MIG_ROUNDS_MAX][4400];  /* their files; empty: none */
    int parent_fd[MIG_ROUNDS_MAX];      /* open and locked while the session lives (d_sweep_precopies) */
    int ahead_on;               /* the build said "ahead": the pre-copies go to it as well */
    int ahead_files;            /* kept pre-copies sent to it whole, with their names */
    uint64_t ahead_sent;        /* bytes sent of the pre-copy after those */
    d_child child;
    unsigned char buf[NET_MSG_DATA_MAX];
} mig;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int write_all(int fd, const void *p, size_t n)
{
    for (size_t done = 0; done < n;) {
        ssize_t w = write(fd, (const char *)p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

/* Tells the client why, and keeps the reason for the log. -1. */
static int refuse(mig *m, const char *why)
{
    net_error e;
    snprintf(m->why, sizeof m->why, "%s", why);
    net_msg_send(m->s, MIG_REFUSED, why, strlen(why) > NET_MSG_TEXT_MAX ? NET_MSG_TEXT_MAX : strlen(why), &e);
    net_finish(m->s, &e);
    return -1;
}

/* The next message that is not a NOOP. -1 with m->why on an error. */
static int next_msg(mig *m, unsigned *type, size_t *len)
{
    net_error e;
    for (;;) {
        int r = net_msg_recv(m->s, type, m->buf, sizeof m->buf, len, &e);
        if (r == 1)
            return snprintf(m->why, sizeof m->why, "the client ended the session early"), -1;
        if (r < 0)
            return snprintf(m->why, sizeof m->why, "%s", e.msg), -1;
        if (*type != MIG_NOOP)
            return 0;
    }
}

/* Takes DATA until the header and INFO record are here: the build. */
static int choose_build(mig *m, unsigned char *prefix, size_t *n)
{
    char why[1024];
    for (;;) {
        long span = d_info_span(prefix, *n, why, sizeof why);
        if (span < 0)
            return refuse(m, why);
        if (span > 0) {
            uint64_t id = 0;  /* little-endian in the header */
            for (int i = MIG_ID_SIZE - 1; i >= 0; i--)
                id = id << 8 | prefix[MIG_ID_OFFSET + i];
            m->id = id;
            break;
        }
        unsigned type;
        size_t len;
        if (next_msg(m, &type, &len) < 0)
            return -1;
        if (type != MIG_DATA || *n + len > PREFIX_MAX)
            return refuse(m, "the checkpoint's first record did not come as expected");
        memcpy(prefix + *n, m->buf, len);
        *n += len;
    }
    int abi;
    d_end_ahead(&m->child);  /* no more pre-copies: the held checkpoint comes */
    if (m->child.pid > 0) {  /* started at the pre-copy: the held checkpoint must be the same program's */
        char name[sizeof m->program];
        if (d_program_name(prefix, *n, name, sizeof name, why, sizeof why) < 0)
            return refuse(m, why);
        return strcmp(name, m->program) == 0 ? 0 : refuse(m, "the held checkpoint is another program's than its pre-copy");
    }
    if (d_program_name(prefix, *n, m->program, sizeof m->program, why, sizeof why) < 0 ||
        d_find_build(m->cfg, m->program, m->build, sizeof m->build, &abi, why, sizeof why) < 0)
        return refuse(m, why);
    if (d_spawn(m->cfg, m->build, abi, &m->child, why, sizeof why) < 0)
        return refuse(m, why);
    d_end_ahead(&m->child);  /* no pre-copy kept: nothing to read ahead */
    return 0;
}

/* The restored program died: its reason to the client. */
static int program_refused(mig *m)
{
    char why[1024];
    d_reason(&m->child, why, sizeof why);
    return refuse(m, why);
}

/* DATA into the program's pipe until END. */
static int feed(mig *m, const unsigned char *prefix, size_t n)
{
    m->bytes = n;
    if (write_all(m->child.ckpt_fd, prefix, n) < 0)
        return program_refused(m);
    for (;;) {
        unsigned type;
        size_t len;
        if (next_msg(m, &type, &len) < 0)
            return -1;
        if (type == MIG_END && len == 8) {
            if (net_get_u64(m->buf) != m->bytes)
                return refuse(m, "the checkpoint's length does not match its END");
            close(m->child.ckpt_fd);
            m->child.ckpt_fd = -1;
            return 0;
        }
        if (type == MIG_ABORT)
            return snprintf(m->why, sizeof m->why, "the source called it off"), -1;
        if (type != MIG_DATA)
            return refuse(m, "a message out of place in the checkpoint");
        m->bytes += len;
        if (write_all(m->child.ckpt_fd, m->buf, len) < 0)
            return program_refused(m);
    }
}

/* Waits for the program's "ready\n", with NOOPs to the client meanwhile. */
static int await_ready(mig *m)
{
    char got[8];
    size_t n = 0;
    double until = now_s() + RESTORE_MS / 1e3;
    while (n < 6) {
        struct pollfd p = { m->child.ready_fd, POLLIN, 0 };
        int r = poll(&p, 1, KEEPALIVE_MS);
        net_error e;
        if (r == 0) {
            if (now_s() > until)
                return refuse(m, "the restore did not finish in time");
            if (net_msg_send(m->s, MIG_NOOP, NULL, 0, &e) < 0)
                return snprintf(m->why, sizeof m->why, "%s", e.msg), -1;
            continue;
        }
        ssize_t k = r < 0 ? 0 : read(m->child.ready_fd, got + n, 6 - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return program_refused(m);
        n += (size_t)k;
    }
    if (memcmp(got, "ready\n", 6) != 0)
        return program_refused(m);
    return 0;
}

/* COMMIT came: the decision goes on disk before the program goes on (a
 * query after a lost link must find it), then COMMITTED when the client
 * named the migration (a client that sent an empty COMMIT does not know
 * the message). 0, or -1 with nothing run. */
static int go(mig *m, int acknowledge)
{
    char why[1200];
    struct pollfd p = { m->child.ready_fd, POLLIN, 0 };
    if (poll(&p, 1, 0) != 0)  /* the build ended (or spoke) after ready: it cannot go on */
        return program_refused(m);
    int d = d_decide(m->cfg, m->id, D_COMMITTED, why, sizeof why);
    if (d < 0)
        return refuse(m, why);
    if (d != D_COMMITTED)
        return refuse(m, "a query for this migration came first and decided it aborted");
    m->committed = 1;
    if (write_all(m->child.ready_fd, "g", 1) < 0)  /* a crash after the commit: logged as such */
        return snprintf(m->why, sizeof m->why, "committed, but the restored program ended before it could go on"), -1;
    close(m->child.ready_fd);
    m->child.ready_fd = -1;
    unsigned char b[MIG_ID_SIZE];
    net_put_u64(b, m->id);
    net_error e;
    if (acknowledge)  /* a client gone now finds the decision by QUERY */
        net_msg_send(m->s, MIG_COMMITTED, b, sizeof b, &e);
    return 0;
}

/* READY, then COMMIT or not. */
static int commit(mig *m)
{
    net_error e;
    m->ready_sent = 1;  /* (a READY cut short is one too: the end records aborted) */
    if (net_msg_send(m->s, MIG_READY, m->build, strlen(m->build) > NET_MSG_TEXT_MAX ? NET_MSG_TEXT_MAX : strlen(m->build), &e) < 0)
        return snprintf(m->why, sizeof m->why, "%s", e.msg), -1;
    unsigned type;
    size_t len;
    if (next_msg(m, &type, &len) < 0)
        return -1;
    if (type == MIG_ABORT)
        return snprintf(m->why, sizeof m->why, "the source called it off: %.*s", (int)len, (char *)m->buf), -1;
    if (type != MIG_COMMIT)
        return snprintf(m->why, sizeof m->why, "a message of type %u in place of COMMIT", type), -1;
    if (len != 0 && (len != MIG_ID_SIZE || net_get_u64(m->buf) != m->id))
        return refuse(m, "a COMMIT that names another migration");
    return go(m, len == MIG_ID_SIZE);
}

/* QUERY: the recorded decision for the id, or, when there is none, the
 * migration decided aborted now (a session still waiting for its COMMIT
 * then finds that and never runs the program). 1 once answered. */
static int answer_query(mig *m, uint64_t id)
{
    char why[1200];
    int d = d_decide(m->cfg, id, D_ABORTED, why, sizeof why);
    if (d < 0)
        return refuse(m, why);
    unsigned char b[4];
    net_put_u32(b, d == D_COMMITTED ? MIG_OUTCOME_COMMITTED : MIG_OUTCOME_ABORTED);
    net_error e;
    if (net_msg_send(m->s, MIG_OUTCOME, b, sizeof b, &e) == 0)
        net_finish(m->s, &e);
    snprintf(m->why, sizeof m->why, "query for migration %016llx: %s", (unsigned long long)id,
             d == D_COMMITTED ? "committed" : "aborted");
    return 1;
}

/* Output goes to WORKDIR/PROGRAM.PID.out and .err from now on (detach,
 * or a client that went away: the committed program runs on). */
static int to_files(mig *m, int files[2])
{
    const char *ext[2] = { "out", "err" };
    for (int i = 0; i < 2; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s.%ld.%s", m->cfg->workdir ? m->cfg->workdir : ".", m->program,
                 (long)m->child.pid, ext[i]);
        files[i] = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (files[i] < 0)
            return -1;
    }
    return 0;
}

/* The program's stdout and stderr until both end; its wait status. */
static int relay(mig *m, int attached)
{
    int fds[2] = { m->child.out_fd, m->child.err_fd }, files[2] = { -1, -1 };
    if (!attached && to_files(m, files) < 0)
        d_log("%s: %s: cannot open its output files; its output is lost", m->who, m->program);
    net_error e;
    while (fds[0] >= 0 || fds[1] >= 0) {
        struct pollfd p[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
        int r = poll(p, 2, attached ? KEEPALIVE_MS : -1);
        if (r == 0 && net_msg_send(m->s, MIG_NOOP, NULL, 0, &e) < 0)
            attached = 0, to_files(m, files);
        for (int i = 0; i < 2 && r > 0; i++) {
            if (!p[i].revents)
                continue;
            ssize_t k = read(fds[i], m->buf, sizeof m->buf);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0) {
                close(fds[i]);
                fds[i] = -1;
            } else if (attached && net_msg_send(m->s, i ? MIG_ERR : MIG_OUT, m->buf, (size_t)k, &e) < 0) {
                attached = 0;  /* the client is gone; the program is not */
                if (to_files(m, files) == 0)
                    write_all(files[i], m->buf, (size_t)k);
            } else if (!attached && files[i] >= 0)
                write_all(files[i], m->buf, (size_t)k);
        }
    }
    m->child.out_fd = m->child.err_fd = -1;
    int status = 0;
    while (waitpid(m->child.pid, &status, 0) < 0 && errno == EINTR)
        ;
    m->child.pid = -1;
    for (int i = 0; i < 2; i++)
        if (files[i] >= 0)
            close(files[i]);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    unsigned char b[4];
    net_put_u32(b, (uint32_t)code);
    if (attached && (net_msg_send(m->s, MIG_EXIT, b, sizeof b, &e) < 0 || net_finish(m->s, &e) < 0))
        attached = 0;
    snprintf(m->why, sizeof m->why, "committed; the program ended with status %d%s", code,
             attached || m->detach ? "" : " (the client left: its output is in the workdir)");
    return 0;
}

/* After COMMIT: the output back to the client, or DETACHED and files. */
static void run_committed(mig *m)
{
    if (!m->detach) {
        relay(m, 1);
        return;
    }
    char text[NET_MSG_TEXT_MAX];
    int n = snprintf(text, sizeof text, "process %ld at %s; its output goes to %s/%s.%ld.out and .err",
                     (long)m->child.pid, m->build, m->cfg->workdir ? m->cfg->workdir : ".", m->program, (long)m->child.pid);
    net_error e;
    net_msg_send(m->s, MIG_DETACHED, text, n < (int)sizeof text ? (size_t)n : sizeof text - 1, &e);
    net_finish(m->s, &e);
    relay(m, 0);
}

/* MIGTHREADD_FAULT (tests only, as CRIU_FAULT): whether it names f. */
static int fault(const char *f)
{
    const char *v = getenv("MIGTHREADD_FAULT");
    return v && strcmp(v, f) == 0;
}

/* The flags of REQUEST: ACCEPTED with them, or REFUSED before the
 * client has touched its program. 0 or -1. */
static int accept_request(mig *m, uint32_t flags)
{
    /* refuse-precopy, refuse-rounds: as a daemon from before pre-copy, or
     * before its rounds, would */
    uint32_t known = MIG_FLAGS_KNOWN;
    if (fault("refuse-precopy"))
        known &= ~(uint32_t)(MIG_FLAG_PRECOPY | MIG_FLAG_ROUNDS);
    if (fault("refuse-rounds"))
        known &= ~(uint32_t)MIG_FLAG_ROUNDS;
    if (flags & ~known)
        return refuse(m, MIG_UNKNOWN_FLAGS);
    if ((flags & MIG_FLAG_DRY_RUN) && (flags & MIG_FLAG_DETACH))
        return refuse(m, "a dry run with detach: a dry run leaves nothing running");
    if ((flags & MIG_FLAG_COMPRESS) && m->cfg->no_compress)
        return refuse(m, "this daemon takes no compressed streams (migthreadd --no-compress)");
    m->detach = (flags & MIG_FLAG_DETACH) != 0;
    m->dry_run = (flags & MIG_FLAG_DRY_RUN) != 0;
    m->compressed = (flags & MIG_FLAG_COMPRESS) != 0;
    m->precopy = (flags & MIG_FLAG_PRECOPY) != 0;
    m->rounds = m->precopy && (flags & MIG_FLAG_ROUNDS) != 0;
    net_accept_compressed(m->s, m->compressed);  /* ACCEPTED goes before any compressed chunk can come */
    unsigned char b[4];
    net_put_u32(b, flags);
    net_error e;
    if (net_msg_send(m->s, MIG_ACCEPTED, b, sizeof b, &e) < 0)
        return snprintf(m->why, sizeof m->why, "%s", e.msg), -1;
    return 0;
}

/* A dry run's end: the build restored everything and said ready; it is
 * killed before it reads 'g' (it never runs a statement), then READY tells
 * the client the migration would succeed. 1: done, nothing committed. */
static int discard(mig *m)
{
    d_kill(&m->child);
    char text[NET_MSG_TEXT_MAX];
    int n = snprintf(text, sizeof text, "%s restored it whole and was discarded before it ran", m->build);
    net_error e;
    if (net_msg_send(m->s, MIG_READY, text, n < (int)sizeof text ? (size_t)n : sizeof text - 1, &e) < 0 ||
        net_finish(m->s, &e) < 0)
        return snprintf(m->why, sizeof m->why, "dry run: the restore would succeed, but the client left: %s", e.msg), 1;
    snprintf(m->why, sizeof m->why, "dry run: the restore would succeed; discarded");
    return 1;
}

/* Where the kept pre-copy goes: the restored program's working directory,
 * which its delta's PARENT record is relative to. */
static const char *keep_dir(const mig *m)
{
    return m->cfg->workdir ? m->cfg->workdir : ".";
}

/* ---- The pre-copies to the build as they arrive ------------------------------------------
 * The build reads each pre-copy ahead while the source runs (runtime
 * program.c, MIGTHREAD_PRECOPY_FD): once it has said "ahead", it gets each
 * pre-copy's bytes, read back from the file as they come (as far as it
 * takes them: the network is never held up by the build), and, once the
 * pre-copy is kept, the rest and the file's name on a line, waited for
 * (the source runs on); the channel ends before the held checkpoint. A
 * build that never says it (a runtime from before this) gets nothing, and
 * one that takes no more (gone) is sent no more: it reads at the hold. */

static void ahead_off(mig *m)
{
    m->ahead_on = 0;
    d_end_ahead(&m->child);
}

/* Whether the build reads ahead (its "ahead\n" read without waiting). */
static int ahead_ready(mig *m)
{
    static const char hello[] = "ahead\n";
    if (m->ahead_on || m->child.ahead_fd < 0)
        return m->ahead_on;
    struct pollfd p = { m->child.ahead_fd, POLLIN, 0 };
    if (poll(&p, 1, 0) <= 0)
        return 0;
    char got[sizeof hello - 1];
    if (read(m->child.ahead_fd, got, sizeof got) == (ssize_t)sizeof got && memcmp(got, hello, sizeof got) == 0 &&
        fcntl(m->child.ahead_fd, F_SETFL, O_NONBLOCK) == 0)  /* (its writes never block: ahead_file) */
        m->ahead_on = 1;
    else
        ahead_off(m);  /* not the runtime's word: nothing more goes there */
    return m->ahead_on;
}

/* A pre-copy kept before the build said "ahead" (a small one, or a build
 * under an emulator, which takes 0.1 s to start): its word is awaited,
 * while the source runs on, for at most AHEAD_HELLO_MS (a runtime from
 * before the read-ahead never says it: that long once, never in the hold). */
static void ahead_wait(mig *m)
{
    if (m->ahead_on || m->child.ahead_fd < 0)
        return;
    struct pollfd p = { m->child.ahead_fd, POLLIN, 0 };
    while (poll(&p, 1, AHEAD_HELLO_MS) < 0 && errno == EINTR)
        ;
    ahead_ready(m);
}

/* Whether the build can take more now; with wait, waits for it (at most
 * NET_TIMEOUT_MS without progress: a build that reads no more is sent no
 * more). */
static int ahead_writable(mig *m, int wait)
{
    struct pollfd p = { m->child.ahead_fd, POLLOUT, 0 };
    int r;
    while ((r = poll(&p, 1, wait ? NET_TIMEOUT_MS : 0)) < 0 && errno == EINTR)
        ;
    if (r > 0 && !(p.revents & (POLLERR | POLLHUP)))
        return 1;
    if (r != 0 || wait)
        ahead_off(m);
    return 0;
}

/* Bytes [*from, to) of the file at fd to the build, *from advanced by
 * what it took. Without wait, only what it takes now: the daemon never
 * waits for the build while a pre-copy arrives (the file keeps the rest,
 * sent later from there). */
static void ahead_file(mig *m, int fd, uint64_t *from, uint64_t to, int wait)
{
    static unsigned char piece[NET_MSG_DATA_MAX];
    while (m->ahead_on && *from < to && ahead_writable(m, wait)) {
        size_t n = to - *from < sizeof piece ? (size_t)(to - *from) : sizeof piece;
        ssize_t r = pread(fd, piece, n, (off_t)*from);
        ssize_t w = r > 0 ? write(m->child.ahead_fd, piece, (size_t)r) : -1;
        if (w < 0 && (errno == EAGAIN || errno == EINTR))
            continue;  /* (poll said writable: another try, or the wait) */
        if (w <= 0)
            return ahead_off(m);
        *from += (uint64_t)w;
    }
}

/* Everything the build has not had yet: the kept pre-copies (bytes and
 * names; these waited for, with wait), then the first got bytes of the one
 * arriving in the file at fd (-1: none arriving), as far as it takes them
 * now. */
static void ahead_follow(mig *m, int fd, uint64_t got, int wait)
{
    if (!ahead_ready(m))
        return;
    for (; m->ahead_on && m->ahead_files < m->kept; m->ahead_files++, m->ahead_sent = 0) {
        int i = m->ahead_files;
        struct stat st;
        if (!m->parent[i][0])
            continue;  /* none (a PRECOPY of 0 bytes) */
        if (fstat(m->parent_fd[i], &st) < 0)
            return ahead_off(m);
        ahead_file(m, m->parent_fd[i], &m->ahead_sent, (uint64_t)st.st_size, wait);
        if (m->ahead_sent < (uint64_t)st.st_size)
            return;  /* it lags: the rest later */
        char line[4500];
        int n = snprintf(line, sizeof line, "%s\n", strrchr(m->parent[i], '/') + 1);
        if (m->ahead_on && (!ahead_writable(m, 1) || write_all(m->child.ahead_fd, line, (size_t)n) < 0))
            ahead_off(m);  /* (a name is short: written whole, the build reading) */
    }
    if (fd >= 0)
        ahead_file(m, fd, &m->ahead_sent, got, 0);
}

/* The first pre-copy's first bytes (n) name the program: its build
 * starts now, so that it reads the pre-copies as they arrive. Nothing is
 * refused here: precopy_known checks it all once the pre-copy is in. */
static void start_at_head(mig *m, const unsigned char *head, size_t n)
{
    char why[1024], program[sizeof m->program], build[sizeof m->build];
    int abi;
    long span = d_info_span(head, n, why, sizeof why);
    if (span <= 0 || d_program_name(head, (size_t)span, program, sizeof program, why, sizeof why) < 0 ||
        d_find_build(m->cfg, program, build, sizeof build, &abi, why, sizeof why) < 0)
        return;
    if (d_spawn(m->cfg, build, abi, &m->child, why, sizeof why) == 0) {
        snprintf(m->program, sizeof m->program, "%s", program);
        snprintf(m->build, sizeof m->build, "%s", build);
    }
}

/* The pre-copy's DATA into a temporary file until PRECOPY; -1 after a
 * refusal. fd is the file's. */
static int take_precopy(mig *m, int fd, unsigned char *head, uint64_t *total)
{
    uint64_t got = 0;
    int tried = m->child.pid > 0 || m->dry_run;  /* the build started at the head (a dry run starts none) */
    for (;;) {
        unsigned type;
        size_t len;
        if (next_msg(m, &type, &len) < 0)
            return -1;
        if (type == MIG_PRECOPY && len == 8) {
            *total = net_get_u64(m->buf);
            m->pre_bytes += got;
            return *total == got ? 0 : refuse(m, "the pre-copy's length does not match its PRECOPY");
        }
        if (type == MIG_ABORT)
            return snprintf(m->why, sizeof m->why, "the source called it off"), -1;
        if (type != MIG_DATA)
            return refuse(m, "a message out of place in the pre-copy");
        if (got < PREFIX_MAX)
            memcpy(head + got, m->buf, len < PREFIX_MAX - got ? len : PREFIX_MAX - got);
        got += len;
        if (write_all(fd, m->buf, len) < 0) {
            char why[256];
            snprintf(why, sizeof why, "cannot keep the pre-copy in %s: %s", keep_dir(m), strerror(errno));
            return refuse(m, why);
        }
        if (!tried && (got >= PREFIX_MAX || d_info_span(head, (size_t)got, NULL, 0) != 0)) {
            tried = 1;
            start_at_head(m, head, got < PREFIX_MAX ? (size_t)got : PREFIX_MAX);
        }
        ahead_follow(m, fd, got, 0);
    }
}

/* Failures after KEPT, for tests: lose-precopy removes the kept file (the
 * parent lost), exit-after-precopy ends this connection's process there
 * (the destination killed mid-migration). */
static void precopy_fault(const mig *m)
{
    if (fault("lose-precopy") && m->kept > 0 && m->parent[m->kept - 1][0])
        unlink(m->parent[m->kept - 1]);
    if (fault("exit-after-precopy"))
        _exit(1);
}

#define PRECOPY_PREFIX "migthread-precopy."
/* Names tried for the pre-copy's file: a sweep may take one between its
 * making and its lock (main.c sweeps whenever a session ends). */
#define KEEP_TRIES 4

void d_sweep_precopies(const d_config *cfg)
{
    const char *dir = cfg->workdir ? cfg->workdir : ".";
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, PRECOPY_PREFIX, strlen(PRECOPY_PREFIX)) != 0)
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlink(path);  /* no session holds it: its session died */
        if (fd >= 0)
            close(fd);
    }
    if (d)
        closedir(d);
}

/* The pre-copy's first bytes (n): a checkpoint of a program this host
 * has a build of (else refused before the source is held), and its id. */
static int precopy_known(mig *m, const unsigned char *head, size_t n, uint64_t *id, int *abi)
{
    char why[1024];
    long span = d_info_span(head, n, why, sizeof why);
    if (span == 0 || d_checkpoint_id(head, n, id) < 0)
        return refuse(m, "the pre-copy is not a MigThread checkpoint");
    if (span < 0 || d_program_name(head, (size_t)span, m->program, sizeof m->program, why, sizeof why) < 0 ||
        d_find_build(m->cfg, m->program, m->build, sizeof m->build, abi, why, sizeof why) < 0)
        return refuse(m, why);
    return 0;
}

/* After the first pre-copy is kept: the build starts now, while the
 * source runs on, and waits on its pipe for the held checkpoint, so that
 * its start (an emulator's under a runner, the dynamic loader's, the
 * runtime's) is out of the hold. choose_build then checks that the held
 * checkpoint is the same program's. 0 or -1 after a refusal. */
static int start_early(mig *m, int abi)
{
    char why[1024];
    if (m->child.pid > 0 || m->dry_run)
        return 0;
    return d_spawn(m->cfg, m->build, abi, &m->child, why, sizeof why) < 0 ? refuse(m, why) : 0;
}

/* With pre-copy: the checkpoint taken while the source ran, kept under the
 * name the held checkpoint's PARENT record gives it (migthread-precopy.ID,
 * incr.h's incr_stream_name, ID from its header), then KEPT. A PRECOPY of
 * 0 bytes: none (the source's runtime took none), a full one follows.
 * Each round's is kept beside the earlier ones (m->kept counts them): a
 * later round's PARENT names the round before. */
static int keep_precopy(mig *m)
{
    char *parent = m->parent[m->kept];
    char tmp[4400];
    int fd = -1;
    for (int i = 0; i < KEEP_TRIES && fd < 0; i++) {
        snprintf(tmp, sizeof tmp, "%s/" PRECOPY_PREFIX "XXXXXX", keep_dir(m));
        fd = mkostemp(tmp, O_CLOEXEC);
        struct stat st;
        /* this session's once locked: d_sweep_precopies leaves it; one
         * that a sweep took before the lock is gone (no link): another */
        if (fd >= 0 && (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0 || st.st_nlink == 0)) {
            close(fd);
            fd = -1;
            errno = ENOENT;
        }
    }
    if (fd < 0) {
        char why[256];
        snprintf(why, sizeof why, "cannot keep the pre-copy in %s: %s", keep_dir(m), strerror(errno));
        return refuse(m, why);
    }
    unsigned char *head = malloc(PREFIX_MAX);
    uint64_t total = 0, id;
    int abi = -1;
    int rc = head ? take_precopy(m, fd, head, &total) : refuse(m, "out of memory");
    m->parent_fd[m->kept++] = fd;
    if (rc == 0 && total > 0) {
        char first[sizeof m->program];  /* a round's must be the first pre-copy's program */
        snprintf(first, sizeof first, "%s", m->program);
        if (precopy_known(m, head, total < PREFIX_MAX ? (size_t)total : PREFIX_MAX, &id, &abi) < 0)
            rc = -1;
        else if (m->kept > 1 && strcmp(first, m->program) != 0)
            rc = refuse(m, "a pre-copy round is another program's than the first");
        else {
            snprintf(parent, sizeof m->parent[0], "%s/" PRECOPY_PREFIX "%016llx", keep_dir(m), (unsigned long long)id);
            if (rename(tmp, parent) < 0) {
                parent[0] = '\0';
                rc = refuse(m, "cannot keep the pre-copy under its name");
            }
        }
    }
    free(head);
    if (!parent[0])
        unlink(tmp);
    if (rc == 0 && parent[0] && start_early(m, abi) < 0)
        rc = -1;
    if (rc == 0 && parent[0]) {  /* the rest of it and its name to the build, which reads it ahead */
        ahead_wait(m);
        ahead_follow(m, -1, 0, 1);  /* the source runs on: the build catches up now, not in the hold */
    }
    net_error e;
    if (rc == 0 && net_msg_send(m->s, MIG_KEPT, NULL, 0, &e) < 0) {
        snprintf(m->why, sizeof m->why, "%s", e.msg);
        rc = -1;
    }
    if (rc == 0)
        precopy_fault(m);
    return rc;
}

/* With ROUNDS, after the first pre-copy's KEPT: each ROUND brings another
 * pre-copy (a delta of the last kept), until the first message that is
 * not ROUND, which begins the held checkpoint: its DATA goes to prefix
 * (*n bytes). 0 or -1. */
static int keep_rounds(mig *m, unsigned char *prefix, size_t *n)
{
    for (;;) {
        unsigned type;
        size_t len;
        if (next_msg(m, &type, &len) < 0)
            return -1;
        if (type == MIG_DATA && len <= PREFIX_MAX) {
            memcpy(prefix, m->buf, len);
            *n = len;
            return 0;
        }
        if (type != MIG_ROUND || len != 0)
            return refuse(m, "the checkpoint's first record did not come as expected");
        if (m->kept >= MIG_ROUNDS_MAX || !m->parent[m->kept - 1][0])
            return refuse(m, m->kept >= MIG_ROUNDS_MAX ? "more pre-copy rounds than a migration may have"
                                                       : "a pre-copy round after no pre-copy");
        if (keep_precopy(m) < 0)
            return -1;
    }
}

/* The migration's steps up to the program's go. 0 once committed; 1 after
 * a dry run; -1 on a failure. */
static int migrate(mig *m)
{
    unsigned type;
    size_t len;
    if (next_msg(m, &type, &len) < 0)
        return -1;
    if (type == MIG_QUERY && len == MIG_ID_SIZE)
        return answer_query(m, net_get_u64(m->buf));
    if (type != MIG_REQUEST || len != 4)
        return refuse(m, "the session did not begin with a migration request");
    if (accept_request(m, net_get_u32(m->buf)) < 0)
        return -1;
    if (m->precopy && keep_precopy(m) < 0)
        return -1;
    unsigned char *prefix = malloc(PREFIX_MAX);
    size_t n = 0;
    int rc = prefix ? 0 : refuse(m, "out of memory");
    if (rc == 0 && m->rounds)
        rc = keep_rounds(m, prefix, &n);
    if (rc == 0)
        rc = choose_build(m, prefix, &n);
    if (rc == 0)
        rc = feed(m, prefix, n);
    free(prefix);
    if (rc == 0)
        rc = await_ready(m);
    if (rc == 0 && m->dry_run)
        return discard(m);
    return rc == 0 ? commit(m) : rc;
}

/* After a refusal the client may still be sending: its bytes are read
 * and dropped until it closes (bounded), so that the close is not a
 * reset that would take the REFUSED message with it. */
static void drain(int fd)
{
    shutdown(fd, SHUT_WR);
    double until = now_s() + NET_TIMEOUT_MS / 1e3;
    char sink[4096];
    for (;;) {
        double left = until - now_s();
        struct pollfd p = { fd, POLLIN, 0 };
        if (left <= 0 || poll(&p, 1, (int)(left * 1e3) + 1) <= 0 || read(fd, sink, sizeof sink) <= 0)
            return;
    }
}

void d_session(const d_config *cfg, int fd, const char *from)
{
    double t0 = now_s();
    mig *m = calloc(1, sizeof *m);
    if (!m) {
        d_log("%s: out of memory", from);
        return;
    }
    *m = (mig){ .cfg = cfg,
                .child = { .pid = -1, .ckpt_fd = -1, .ready_fd = -1, .out_fd = -1, .err_fd = -1, .ahead_fd = -1 } };
    snprintf(m->program, sizeof m->program, "-");
    net_error e;
    m->s = net_server(fd, &cfg->keys, &cfg->clients, NET_TIMEOUT_MS, &e);
    if (!m->s) {
        d_log("%s: no session: %s", from, e.msg);
        free(m);
        return;
    }
    net_accept_compressed(m->s, 0);  /* until REQUEST asks and ACCEPTED agrees */
    const net_peer *peer = net_session_peer(m->s);
    char key[NET_PUBLIC_TEXT_MAX];
    net_public_text(peer->pk, key);
    snprintf(m->who, sizeof m->who, "%s from %s", peer->name[0] ? peer->name : key, from);
    int rc = migrate(m);
    for (int i = 0; i < m->kept; i++) {
        if (m->parent[i][0])  /* read whole by the restore before ready, or not needed any more */
            unlink(m->parent[i]);
        close(m->parent_fd[i]);
    }
    if (rc == 0)
        run_committed(m);
    else if (rc < 0) {
        char dwhy[1200];  /* READY went and no COMMIT took: aborted on disk before the build goes */
        if (m->ready_sent && !m->committed && d_decide(cfg, m->id, D_ABORTED, dwhy, sizeof dwhy) < 0)
            d_log("%s: %s: %s", m->who, m->program, dwhy);
        d_kill(&m->child);
        char why[sizeof m->why];
        snprintf(why, sizeof why, "%s", m->why);
        snprintf(m->why, sizeof m->why, "not migrated: %.1100s", why);
    }
    unsigned long long wire;
    net_session_bytes(m->s, NULL, &wire);
    char pre[96] = "";
    if (m->pre_bytes && m->kept > 1)
        snprintf(pre, sizeof pre, ", after a pre-copy of %llu bytes in %d rounds", (unsigned long long)m->pre_bytes,
                 m->kept);
    else if (m->pre_bytes)
        snprintf(pre, sizeof pre, ", after a pre-copy of %llu bytes", (unsigned long long)m->pre_bytes);
    d_log("%s: %s: %llu bytes in %.3f s: %s (%llu bytes on the wire%s)%s", m->who, m->program,
          (unsigned long long)m->bytes, now_s() - t0, m->why, wire, m->compressed ? ", zstd" : "", pre);
    if (rc != 0)
        drain(fd);
    net_close(m->s);
    free(m);
}
