/* migrate.c: `migthread migrate [--key KEYFILE] [--known FILE] [--detach]
 * [--timeout SECONDS] PID HOST:PORT` moves a running program to HOST's
 * migthreadd. The program checkpoints into a pipe and stays stopped
 * (CM_FLAG_HOLD); the bytes go on over an authenticated session; only
 * after the daemon's READY does this send COMMIT and tell the program to
 * exit. Any failure before that resumes it as if nothing had happened.
 * docs/design.md, "Live migration". */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "ctlmsg.h"
#include "../net/msg.h"
#include "../net/net.h"

#define KEEPALIVE_MS 3000       /* a NOOP to the daemon while the program has not begun */
#define ASK_MS_DEFAULT 30000    /* for an adaptation point */
#define EXIT_WAIT_MS 10000      /* for the source to end after the decision */

typedef struct mg {
    long pid;
    const char *dest;
    int ctl;                    /* the program's control connection, held */
    net_session *s;
    uint64_t sent, size;
    unsigned char buf[NET_MSG_DATA_MAX];
} mg;

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
    cli_fail_context("no migration, the program carries on");
    cli_fail(fmt, g->dest, why);
    cli_fail_context(NULL);
    return 1;
}

static int connect_to(const char *spec)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host)
        return cli_fail("'%s' is not HOST:PORT", spec), -1;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0)
        return cli_fail("%s: %s", spec, gai_strerror(rc)), -1;
    int fd = -1, err = 0;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0)
        cli_fail("cannot connect to %s: %s", spec, strerror(err));
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
        if (r == 0 && !e.code && net_msg_send(g->s, MIG_NOOP, NULL, 0, &e) < 0)
            continue;
        if (p[0].revents) {
            ssize_t n = read(rd, g->buf, sizeof g->buf);
            if (n <= 0 && !(n < 0 && errno == EINTR))
                eof = 1;
            else if (n > 0 && !e.code && net_msg_send(g->s, MIG_DATA, g->buf, (size_t)n, &e) == 0)
                g->sent += (uint64_t)n;
        }
        if (p[1].revents) {
            int c = cm_recv(g->ctl, m, CM_READ_MS, why, sizeof why);
            if (c == 0 && m->kind == CM_OK)
                ok = 1, g->size = m->size;
            else if (c == 0 && m->kind == CM_ERROR) {
                snprintf(why, sizeof why, "%s", m->message);
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

/* END, then READY or the daemon's reason. */
static int await_ready(mg *g)
{
    unsigned char b[8];
    net_put_u64(b, g->sent);
    net_error e;
    if (net_msg_send(g->s, MIG_END, b, sizeof b, &e) < 0) {
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
        if (type == MIG_READY)
            return 0;
        if (type == MIG_REFUSED)
            return resume_source(g, "%s refused it: %s", (char *)g->buf);
        if (type != MIG_NOOP)
            return resume_source(g, "%s: %s", "a message out of place in place of READY");
    }
}

/* COMMIT, then the source exits; the destination goes on. */
static int commit(mg *g)
{
    net_error e;
    if (net_msg_send(g->s, MIG_COMMIT, NULL, 0, &e) < 0)
        return resume_source(g, "%s: %s", e.msg);
    char c = CM_DECIDE_EXIT;
    if (write(g->ctl, &c, 1) != 1)
        fprintf(stderr, "migthread: process %ld could not be told to exit: %s\n", g->pid, strerror(errno));
    struct pollfd p = { g->ctl, POLLIN, 0 };
    if (poll(&p, 1, EXIT_WAIT_MS) <= 0)  /* its socket closes when it is gone */
        fprintf(stderr, "migthread: process %ld did not end within %d s after the migration\n", g->pid,
                EXIT_WAIT_MS / 1000);
    close(g->ctl);
    g->ctl = -1;
    return 0;
}

/* The session ended after COMMIT. Any message after READY was sent after
 * the daemon had COMMIT and let the program go; without one, COMMIT may
 * have been lost with the link (the window docs/design.md names), and
 * then the daemon killed the build: this end cannot tell, so it says so. */
static int lost_session(const mg *g, int heard, const char *why)
{
    if (heard)
        return cli_fail("the program moved to %s, but the session ended: %s; it runs on there, its output in the "
                        "daemon's workdir", g->dest, why);
    return cli_fail("COMMIT went to %s and the source exited, but the session ended before the daemon said "
                    "anything more: %s; the program runs on there if COMMIT arrived (its output in the daemon's "
                    "workdir), else it was lost: the daemon's log says which (committed, or not migrated)",
                    g->dest, why);
}

/* The program's output and exit status, or DETACHED. */
static int follow(mg *g)
{
    net_error e;
    for (int heard = 0;; heard = 1) {
        unsigned type;
        size_t len;
        int r = net_msg_recv(g->s, &type, g->buf, sizeof g->buf - 1, &len, &e);
        if (r != 0)
            return lost_session(g, heard, r == 1 ? "no exit status came" : e.msg);
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

/* Asks the program to checkpoint into a pipe and hold. */
static int ask(mg *g, uint32_t timeout_ms, int *rd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return cli_fail("cannot make a pipe: %s", strerror(errno));
    cm_msg *m = calloc(1, sizeof *m);
    if (!m || (g->ctl = cli_control_connect(g->pid, 0)) < 0) {
        free(m);
        close(p[0]), close(p[1]);
        return m ? 1 : cli_fail("out of memory");
    }
    cm_init(m, CM_CHECKPOINT);
    m->flags = CM_FLAG_HOLD;
    m->timeout_ms = timeout_ms;
    m->fd = p[1];
    cm_set(m, CM_F_FLAGS);
    cm_set(m, CM_F_TIMEOUT_MS);
    cm_set(m, CM_F_FD);
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

static int parse(int argc, char **argv, const char **key, const char **known, uint32_t *flags, uint32_t *timeout_ms,
                 long *pid, const char **dest)
{
    const char *synopsis = "migrate [--key KEYFILE] [--known FILE] [--detach] [--timeout SECONDS] PID HOST:PORT";
    const char *args[2];
    int nargs = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            *key = argv[++i];
        else if (strcmp(argv[i], "--known") == 0 && i + 1 < argc)
            *known = argv[++i];
        else if (strcmp(argv[i], "--detach") == 0)
            *flags |= MIG_FLAG_DETACH;
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            char *end;
            double t = strtod(argv[++i], &end);
            if (*end || !(t > 0 && t <= 4e6))
                return cli_fail("'%s' is not a number of seconds", argv[i]);
            *timeout_ms = (uint32_t)(t * 1e3) ? (uint32_t)(t * 1e3) : 1;
        } else if ((argv[i][0] == '-' && argv[i][1]) || nargs == 2)
            return cli_usage(synopsis);
        else
            args[nargs++] = argv[i];
    }
    if (nargs != 2)
        return cli_usage(synopsis);
    char *end;
    *pid = strtol(args[0], &end, 10);
    if (*end || *pid <= 0)
        return cli_fail("'%s' is not a process id", args[0]);
    *dest = args[1];
    return 0;
}

/* Connection and handshake: the session, or NULL after the line. */
static net_session *open_session(mg *g, int *fd, const char *key, const char *known)
{
    net_keys keys;
    net_authorized servers = { 0 };
    net_error e;
    if (net_keys_load(key, &keys, &e) < 0 || net_authorized_load(known, &servers, &e) < 0) {
        cli_fail("%s", e.msg);
        return NULL;
    }
    net_session *s = (*fd = connect_to(g->dest)) < 0 ? NULL : net_client(*fd, &keys, &servers, NET_TIMEOUT_MS, &e);
    if (*fd >= 0 && !s)
        cli_fail("%s: %s", g->dest, e.msg);
    net_keys_wipe(&keys);
    net_authorized_free(&servers);
    return s;
}

int cmd_migrate(int argc, char **argv)
{
    const char *key = NULL, *known = NULL;
    char kbuf[4096], abuf[4096];
    uint32_t flags = 0, timeout_ms = ASK_MS_DEFAULT;
    static mg g = { .ctl = -1 };
    int rc = parse(argc, argv, &key, &known, &flags, &timeout_ms, &g.pid, &g.dest);
    if (rc != 0)
        return rc;
    signal(SIGPIPE, SIG_IGN);
    int fd = -1, rd = -1;
    g.s = open_session(&g, &fd, key ? key : default_path("key", kbuf, sizeof kbuf),
                       known ? known : default_path("known", abuf, sizeof abuf));
    if (!g.s)
        return fd >= 0 ? close(fd), 1 : 1;
    unsigned char b[4];
    net_put_u32(b, flags);
    net_error e;
    if (net_msg_send(g.s, MIG_REQUEST, b, sizeof b, &e) < 0)
        rc = cli_fail("%s: %s", g.dest, e.msg);
    else if ((rc = ask(&g, timeout_ms, &rd)) == 0 && (rc = pump(&g, rd)) == 0 && (rc = await_ready(&g)) == 0 &&
             (rc = commit(&g)) == 0)
        rc = follow(&g);
    if (rd >= 0)
        close(rd);
    net_close(g.s);
    close(fd);
    return rc;
}
