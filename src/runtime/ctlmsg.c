/* ctlmsg.c: encoding and checking the control channel's frames, and
 * where the control sockets live. Nothing here trusts the peer: a frame
 * is read within a deadline, its length is checked before anything is
 * allocated, and every field must be known, of the right size, present
 * once; anything else is a reason, never a crash or a hang. */
#include "ctlmsg.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

void cm_init(cm_msg *m, uint16_t kind)
{
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->fd = -1;
}

void cm_set(cm_msg *m, int tag) { m->have |= 1u << tag; }
int cm_has(const cm_msg *m, int tag) { return (m->have >> tag) & 1; }

/* ---- Encoding ------------------------------------------------------------------ */

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)(v >> 32)); put32(p + 4, (uint32_t)v); }
static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p) { return get16(p) << 16 | get16(p + 2); }
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }

typedef struct body {
    uint8_t buf[CM_BODY_MAX];
    size_t len;
    int full;
} body;

static void field(body *b, int tag, const void *v, size_t n)
{
    if (b->len + 4 + n > sizeof b->buf) {
        b->full = 1;
        return;
    }
    put16(b->buf + b->len, (uint32_t)tag);
    put16(b->buf + b->len + 2, (uint32_t)n);
    memcpy(b->buf + b->len + 4, v, n);
    b->len += 4 + n;
}

static void field32(body *b, int tag, uint32_t v)
{
    uint8_t x[4];
    put32(x, v);
    field(b, tag, x, 4);
}

static void field64(body *b, int tag, uint64_t v)
{
    uint8_t x[8];
    put64(x, v);
    field(b, tag, x, 8);
}

static void encode(const cm_msg *m, body *b)
{
    b->len = 0;
    b->full = 0;
    if (cm_has(m, CM_F_PATH)) field(b, CM_F_PATH, m->path, strlen(m->path));
    if (cm_has(m, CM_F_THREAD)) field32(b, CM_F_THREAD, m->thread);
    if (cm_has(m, CM_F_FLAGS)) field32(b, CM_F_FLAGS, m->flags);
    if (cm_has(m, CM_F_TIMEOUT_MS)) field32(b, CM_F_TIMEOUT_MS, m->timeout_ms);
    if (cm_has(m, CM_F_FD)) field(b, CM_F_FD, "", 0);
    if (cm_has(m, CM_F_MESSAGE)) field(b, CM_F_MESSAGE, m->message, strlen(m->message));
    if (cm_has(m, CM_F_SIZE)) field64(b, CM_F_SIZE, m->size);
    if (cm_has(m, CM_F_WAIT_US)) field64(b, CM_F_WAIT_US, m->wait_us);
    if (cm_has(m, CM_F_WRITE_US)) field64(b, CM_F_WRITE_US, m->write_us);
    if (cm_has(m, CM_F_PID)) field32(b, CM_F_PID, m->pid);
    if (cm_has(m, CM_F_PROGRAM)) field(b, CM_F_PROGRAM, m->program, strlen(m->program));
    if (cm_has(m, CM_F_ID)) field64(b, CM_F_ID, m->id);
}

int cm_send(int sock, const cm_msg *m)
{
    body *b = malloc(sizeof *b + CM_HEADER);
    if (!b)
        return -1;
    encode(m, b);
    if (b->full) {
        free(b);
        errno = EMSGSIZE;
        return -1;
    }
    uint8_t head[CM_HEADER];
    put32(head, CM_MAGIC);
    put16(head + 4, CM_VERSION);
    put16(head + 6, m->kind);
    put32(head + 8, (uint32_t)b->len);
    struct iovec iov[2] = { { head, CM_HEADER }, { b->buf, b->len } };
    union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = iov;
    mh.msg_iovlen = 2;
    if (cm_has(m, CM_F_FD)) {
        memset(&ctl, 0, sizeof ctl);
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof ctl.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &m->fd, sizeof(int));
    }
    size_t total = CM_HEADER + b->len, sent = 0;
    int rc = 0;
    while (sent < total) {
        ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = -1;
            break;
        }
        sent += (size_t)n;
        mh.msg_control = NULL;  /* the descriptor went with the first byte */
        mh.msg_controllen = 0;
        while (mh.msg_iovlen && (size_t)n >= mh.msg_iov[0].iov_len) {
            n -= (ssize_t)mh.msg_iov[0].iov_len;
            mh.msg_iov++;
            mh.msg_iovlen--;
        }
        if (mh.msg_iovlen) {
            mh.msg_iov[0].iov_base = (char *)mh.msg_iov[0].iov_base + n;
            mh.msg_iov[0].iov_len -= (size_t)n;
        }
    }
    free(b);
    return rc;
}

/* ---- Decoding ----------------------------------------------------------------- */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(char *why, size_t cap, const char *text)
{
    snprintf(why, cap, "%s", text);
    return -1;
}

/* Takes the descriptors a recvmsg brought: the first is kept in *fd, any
 * other is closed and counted as an error. */
static int take_fds(struct msghdr *mh, int *fd)
{
    int extra = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int got;
            memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
            if (*fd < 0)
                *fd = got;
            else {
                close(got);
                extra = 1;
            }
        }
    }
    if (mh->msg_flags & MSG_CTRUNC)
        extra = 1;
    return extra ? -1 : 0;
}

/* Reads exactly len bytes by deadline (-1: none). 0; 1 on EOF before any
 * byte; -1 on a timeout, an error or EOF within. */
static int read_exact(int sock, uint8_t *buf, size_t len, long long deadline, int *fd, int *extra)
{
    size_t got = 0;
    while (got < len) {
        int wait = -1;
        if (deadline >= 0) {
            long long left = deadline - now_ms();
            if (left <= 0)
                return -1;
            wait = (int)left;
        }
        struct pollfd p = { sock, POLLIN, 0 };
        int r = poll(&p, 1, wait);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        struct iovec iov = { buf + got, len - got };
        union { struct cmsghdr align; char buf[CMSG_SPACE(4 * sizeof(int))]; } ctl;
        struct msghdr mh;
        memset(&mh, 0, sizeof mh);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof ctl.buf;
        ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return -1;
        if (take_fds(&mh, fd) < 0)
            *extra = 1;
        if (n == 0)
            return got == 0 ? 1 : -1;
        got += (size_t)n;
    }
    return 0;
}

static int text(char *dst, const uint8_t *v, uint32_t n)
{
    if (n == 0 || n > CM_TEXT_MAX || memchr(v, '\0', n))
        return -1;
    memcpy(dst, v, n);
    dst[n] = '\0';
    return 0;
}

/* One field into m; -1 when it is not well formed. */
static int decode_field(cm_msg *m, int tag, const uint8_t *v, uint32_t n)
{
    switch (tag) {
    case CM_F_PATH: return text(m->path, v, n);
    case CM_F_MESSAGE: return text(m->message, v, n);
    case CM_F_PROGRAM: return text(m->program, v, n);
    case CM_F_FD: return n == 0 ? 0 : -1;
    case CM_F_THREAD: case CM_F_FLAGS: case CM_F_TIMEOUT_MS: case CM_F_PID: {
        if (n != 4)
            return -1;
        uint32_t x = get32(v);
        if (tag == CM_F_THREAD) m->thread = x;
        else if (tag == CM_F_FLAGS) m->flags = x;
        else if (tag == CM_F_TIMEOUT_MS) m->timeout_ms = x;
        else m->pid = x;
        return 0;
    }
    case CM_F_SIZE: case CM_F_WAIT_US: case CM_F_WRITE_US: case CM_F_ID: {
        if (n != 8)
            return -1;
        uint64_t x = get64(v);
        if (tag == CM_F_SIZE) m->size = x;
        else if (tag == CM_F_WAIT_US) m->wait_us = x;
        else if (tag == CM_F_ID) m->id = x;
        else m->write_us = x;
        return 0;
    }
    default:
        return -1;
    }
}

static int decode_body(cm_msg *m, const uint8_t *b, size_t len, char *why, size_t cap)
{
    size_t at = 0;
    while (at < len) {
        if (len - at < 4)
            return fail(why, cap, "bad request: a field header is cut short");
        int tag = (int)get16(b + at);
        uint32_t n = get16(b + at + 2);
        if (n > len - at - 4)
            return fail(why, cap, "bad request: a field runs past the frame");
        if (tag < 1 || tag > CM_F_LAST || cm_has(m, tag)) {
            snprintf(why, cap, "bad request: field %d is unknown or repeated", tag);
            return -1;
        }
        if (decode_field(m, tag, b + at + 4, n) < 0) {
            snprintf(why, cap, "bad request: field %d is not well formed", tag);
            return -1;
        }
        cm_set(m, tag);
        at += 4 + n;
    }
    return 0;
}

static int known_kind(uint32_t kind)
{
    return kind == CM_HELLO || kind == CM_CHECKPOINT || kind == CM_RESOLVE || kind == CM_OK || kind == CM_ERROR || kind == CM_BEGUN;
}

int cm_recv(int sock, cm_msg *m, int timeout_ms, char *why, size_t cap)
{
    cm_init(m, 0);
    long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    uint8_t head[CM_HEADER];
    int extra = 0;
    int r = read_exact(sock, head, sizeof head, deadline, &m->fd, &extra);
    if (r == 1)
        return 1;
    int rc = -1;
    uint8_t *b = NULL;
    uint32_t len = get32(head + 8);
    if (r < 0)
        fail(why, cap, "bad request: no whole frame header in time");
    else if (get32(head) != CM_MAGIC)
        fail(why, cap, "bad request: not a MigThread control frame");
    else if (get16(head + 4) != CM_VERSION)
        snprintf(why, cap, "bad request: protocol version %u, this program speaks %d", get16(head + 4), CM_VERSION);
    else if (!known_kind(get16(head + 6)))
        snprintf(why, cap, "bad request: unknown kind %u", get16(head + 6));
    else if (len > CM_BODY_MAX)
        snprintf(why, cap, "bad request: a body of %u bytes (at most %d)", len, CM_BODY_MAX);
    else if (!(b = malloc(len ? len : 1)))
        fail(why, cap, "out of memory reading a request");
    else if (read_exact(sock, b, len, deadline, &m->fd, &extra) != 0)
        fail(why, cap, "bad request: the frame was not complete in time");
    else if (extra)
        fail(why, cap, "bad request: more than one descriptor");
    else if (decode_body(m, b, len, why, cap) == 0) {
        if (cm_has(m, CM_F_FD) != (m->fd >= 0))
            fail(why, cap, "bad request: a descriptor field without a descriptor, or the reverse");
        else
            rc = 0;
    }
    free(b);
    if (rc == 0)
        m->kind = (uint16_t)get16(head + 6);
    else if (m->fd >= 0) {
        close(m->fd);
        m->fd = -1;
    }
    return rc;
}

/* ---- Where the sockets live ----------------------------------------------------- */

int cm_socket_dir(uid_t uid, int which, char *buf, size_t cap)
{
    if (which == 0) {
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        if (uid != geteuid() || !xdg || xdg[0] != '/')
            return -1;
        return snprintf(buf, cap, "%s/migthread", xdg) < (int)cap ? 0 : -1;
    }
    if (which == 1)
        return snprintf(buf, cap, "/tmp/migthread-%ld", (long)uid) < (int)cap ? 0 : -1;
    return -1;
}

int cm_socket_path(const char *dir, long pid, char *buf, size_t cap)
{
    struct sockaddr_un a;
    int n = snprintf(buf, cap, "%s/%ld.sock", dir, pid);
    return n < 0 || (size_t)n >= cap || (size_t)n >= sizeof a.sun_path ? -1 : 0;
}

int cm_check_dir(const char *dir, uid_t uid, char *why, size_t cap)
{
    struct stat st;
    if (lstat(dir, &st) < 0) {
        snprintf(why, cap, "%s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(why, cap, "%s is not a directory", dir);
        return -1;
    }
    if (st.st_uid != uid || (st.st_mode & 077)) {
        snprintf(why, cap, "%s is not private to user %ld (owner %ld, mode %03o)", dir, (long)uid,
                 (long)st.st_uid, (unsigned)(st.st_mode & 0777));
        return -1;
    }
    return 0;
}
