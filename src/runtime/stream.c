/* stream.c: file-descriptor and memory backends of st_stream.
 *
 * A write that fails never ends the program: the signals a failing write
 * raises (SIGXFSZ past the file-size limit, SIGPIPE on a closed pipe or
 * socket) are held off the writing thread while it writes, and the error
 * (EFBIG, EPIPE) goes back to the caller instead. */
#include "stream.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- Signals a failing write raises --------------------------------------- */

/* The writing thread's mask while it writes, and what was pending before. */
typedef struct held {
    sigset_t old;      /* the thread's mask before: put back as it was */
    sigset_t pending;  /* of the held signals, those already pending */
} held;

static void held_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGXFSZ);
    sigaddset(set, SIGPIPE);
}

/* Blocks SIGXFSZ and SIGPIPE on the calling thread only: the program's
 * dispositions are left alone, and its other threads are not touched. */
static void hold(held *h)
{
    sigset_t set;
    held_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, &h->old);
    sigemptyset(&h->pending);
    if (sigismember(&h->old, SIGXFSZ) == 1 || sigismember(&h->old, SIGPIPE) == 1)
        sigpending(&h->pending);  /* the program blocks them: one may be its own */
}

/* Takes back the signal our own failed write raised (the kernel sends it
 * to the writing thread with EFBIG or EPIPE), unless one was pending
 * before, then restores the mask. errno is kept for the caller. */
static void release(const held *h, int failed_errno)
{
    int sig = failed_errno == EFBIG ? SIGXFSZ : failed_errno == EPIPE ? SIGPIPE : 0;
    if (sig && sigismember(&h->pending, sig) != 1) {
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, sig);
        struct timespec none = { 0, 0 };
        while (sigtimedwait(&one, NULL, &none) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &h->old, NULL);
    if (failed_errno)
        errno = failed_errno;
}

/* ---- File descriptors ---------------------------------------------------- */

static int fd_write_all(int fd, const uint8_t *p, size_t len)
{
    held h;
    hold(&h);
    int failed = 0;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            failed = n < 0 ? errno : ENOSPC;  /* a write of nothing: the device is full */
            break;
        }
        p += n;
        len -= (size_t)n;
    }
    release(&h, failed);
    return failed ? -1 : 0;
}

int st_flush(st_stream *s)
{
    if (s->fd < 0 || s->wlen == 0)
        return 0;
    int r = fd_write_all(s->fd, s->wbuf, s->wlen);
    s->wlen = 0;
    return r;
}

static int fd_write(st_stream *s, const void *buf, size_t len)
{
    if (s->wlen + len <= sizeof s->wbuf) {
        memcpy(s->wbuf + s->wlen, buf, len);
        s->wlen += len;
    } else if (st_flush(s) < 0 || fd_write_all(s->fd, buf, len) < 0) {
        return -1;
    }
    s->offset += len;
    return 0;
}

/* Appends what was read to the kept copy, when one is kept. */
static void keep_bytes(st_stream *s, const void *buf, size_t n)
{
    if (!s->keeping || s->kept_oom || n == 0)
        return;
    if (s->kept_len + n > s->kept_cap) {
        size_t cap = s->kept_cap ? s->kept_cap : 4096;
        while (cap < s->kept_len + n)
            cap *= 2;
        uint8_t *grown = realloc(s->kept, cap);
        if (!grown) {
            s->kept_oom = 1;
            return;
        }
        s->kept = grown;
        s->kept_cap = cap;
    }
    memcpy(s->kept + s->kept_len, buf, n);
    s->kept_len += n;
}

/* The bytes read before the descriptor, first. */
static size_t from_prefix(st_stream *s, void *buf, size_t len)
{
    size_t left = s->mem_len - s->mem_pos;
    size_t n = len < left ? len : left;
    if (n)
        memcpy(buf, s->mem + s->mem_pos, n);
    s->mem_pos += n;
    return n;
}

static long long fd_read(st_stream *s, void *buf, size_t len)
{
    size_t got = from_prefix(s, buf, len);
    while (got < len) {
        ssize_t n = read(s->fd, (uint8_t *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    keep_bytes(s, buf, got);
    s->offset += got;
    return (long long)got;
}

static long long fd_remaining(st_stream *s)
{
    struct stat st;
    if (fstat(s->fd, &st) < 0 || !S_ISREG(st.st_mode))
        return -1;
    off_t pos = lseek(s->fd, 0, SEEK_CUR);
    if (pos < 0)
        return -1;
    long long prefix = (long long)(s->mem_len - s->mem_pos);
    return prefix + (st.st_size > pos ? (long long)(st.st_size - pos) : 0);
}

static long long fd_peek(st_stream *s, uint64_t ahead, void *buf, size_t len)
{
    struct stat st;
    off_t pos;
    if (fstat(s->fd, &st) < 0 || !S_ISREG(st.st_mode) || (pos = lseek(s->fd, 0, SEEK_CUR)) < 0)
        return -1;
    size_t got = 0, prefix = s->mem_len - s->mem_pos;
    if (ahead < prefix) {  /* the part still in the prefix */
        got = len < prefix - ahead ? len : prefix - (size_t)ahead;
        memcpy(buf, s->mem + s->mem_pos + ahead, got);
    }
    off_t at = got < len ? pos + (off_t)(ahead + got - prefix) : pos;
    while (got < len) {
        ssize_t n = pread(s->fd, (uint8_t *)buf + got, len - got, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
        at += n;
    }
    return (long long)got;
}

static int fd_sparse(st_stream *s, uint64_t ahead, uint64_t len)
{
    size_t prefix = s->mem_len - s->mem_pos;
    off_t pos = lseek(s->fd, 0, SEEK_CUR);
    if (pos < 0 || ahead + len <= prefix)
        return 0;
    off_t from = pos + (off_t)(ahead > prefix ? ahead - prefix : 0);
    off_t to = pos + (off_t)(ahead + len - prefix);
    off_t hole = lseek(s->fd, from, SEEK_HOLE);  /* the file's end when it has none */
    int sparse = hole >= 0 && hole < to;
    lseek(s->fd, pos, SEEK_SET);
    return sparse;
}

void st_init_fd(st_stream *s, int fd)
{
    memset(s, 0, offsetof(st_stream, wbuf));
    s->wlen = 0;  /* after the buffer, so not covered by the memset */
    s->fd = fd;
    s->write = fd_write;
    s->read = fd_read;
    s->remaining = fd_remaining;
    s->peek = fd_peek;
    s->sparse = fd_sparse;
}

void st_init_fd_after(st_stream *s, int fd, const void *prefix, size_t n)
{
    st_init_fd(s, fd);
    s->mem = (uint8_t *)prefix;
    s->mem_len = n;
}

void st_keep(st_stream *s)
{
    s->keeping = 1;
}

uint8_t *st_kept(st_stream *s, size_t *len)
{
    uint8_t *k = s->kept_oom ? NULL : s->kept;
    if (s->kept_oom)
        free(s->kept);
    *len = k ? s->kept_len : 0;
    s->kept = NULL;
    s->kept_len = s->kept_cap = 0;
    s->keeping = s->kept_oom = 0;
    return k;
}

/* ---- Memory -------------------------------------------------------------- */

static int mem_write(st_stream *s, const void *buf, size_t len)
{
    if (s->mem_len + len > s->mem_cap) {
        size_t cap = s->mem_cap ? s->mem_cap : 4096;
        while (cap < s->mem_len + len)
            cap *= 2;
        uint8_t *grown = realloc(s->mem, cap);
        if (!grown) {
            errno = ENOMEM;
            return -1;
        }
        s->mem = grown;
        s->mem_cap = cap;
    }
    memcpy(s->mem + s->mem_len, buf, len);
    s->mem_len += len;
    s->offset += len;
    return 0;
}

static long long mem_read(st_stream *s, void *buf, size_t len)
{
    size_t left = s->mem_len - s->mem_pos;
    size_t n = len < left ? len : left;
    memcpy(buf, s->mem + s->mem_pos, n);
    s->mem_pos += n;
    s->offset += n;
    return (long long)n;
}

static long long mem_remaining(st_stream *s)
{
    return (long long)(s->mem_len - s->mem_pos);
}

void st_init_mem_reader(st_stream *s, const void *buf, size_t len)
{
    memset(s, 0, offsetof(st_stream, wbuf));
    s->wlen = 0;
    s->fd = -1;
    s->mem = (uint8_t *)buf;
    s->mem_len = len;
    s->read = mem_read;
    s->remaining = mem_remaining;
}

void st_init_mem_writer(st_stream *s)
{
    memset(s, 0, offsetof(st_stream, wbuf));
    s->wlen = 0;
    s->fd = -1;
    s->write = mem_write;
    s->remaining = mem_remaining;
}

uint8_t *st_mem_take(st_stream *s, size_t *len)
{
    uint8_t *m = s->mem;
    *len = s->mem_len;
    s->mem = NULL;
    s->mem_len = s->mem_cap = 0;
    return m;
}
