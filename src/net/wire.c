/* wire.c: reads and writes that move all their bytes or fail by the
 * deadline, so that no peer (dead, silent, or dribbling a byte at a time)
 * can hold a MigThread end forever; and the layer's error helper. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

int net_fail(net_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int64_t net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t net_deadline(int timeout_ms)
{
    return net_now_ms() + (timeout_ms > 0 ? timeout_ms : NET_TIMEOUT_MS);
}

/* Waits until fd is ready for events or the deadline passes: 1 ready,
 * 0 timed out, -1 a poll error. EINTR only waits again. */
static int wait_ready(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - net_now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = { .fd = fd, .events = events };
        int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

int net_read_full(int fd, void *buf, size_t n, int64_t deadline, const char *what,
                  int *eof_at_start, net_error *err)
{
    unsigned char *p = buf;
    size_t got = 0;
    if (eof_at_start)
        *eof_at_start = 0;
    while (got < n) {
        int w = wait_ready(fd, POLLIN, deadline);
        if (w == 0)
            return net_fail(err, NET_ETIMEOUT, "timed out waiting for %s (%zu of %zu bytes)", what, got, n);
        if (w < 0)
            return net_fail(err, NET_EIO, "reading %s: %s", what, strerror(errno));
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r < 0)
            return net_fail(err, NET_EIO, "reading %s: %s", what, strerror(errno));
        if (r == 0) {
            if (got == 0 && eof_at_start)
                *eof_at_start = 1;
            return net_fail(err, NET_ECLOSED, "connection closed in the middle of %s (%zu of %zu bytes)",
                            what, got, n);
        }
        got += (size_t)r;
    }
    return 0;
}

/* Writes what fits without blocking, so the deadline holds even when the
 * peer stops reading mid-chunk: on a socket send() with MSG_DONTWAIT and
 * MSG_NOSIGNAL (a vanished peer is an error, not SIGPIPE); on anything
 * else (a pipe) at most PIPE_BUF bytes, which poll's POLLOUT promises fit. */
static ssize_t write_some(int fd, const void *p, size_t n)
{
    ssize_t r = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (r < 0 && errno == ENOTSOCK)
        r = write(fd, p, n < PIPE_BUF ? n : PIPE_BUF);
    return r;
}

int net_write_full(int fd, const void *buf, size_t n, int64_t deadline, const char *what,
                   net_error *err)
{
    const unsigned char *p = buf;
    size_t put = 0;
    while (put < n) {
        int w = wait_ready(fd, POLLOUT, deadline);
        if (w == 0)
            return net_fail(err, NET_ETIMEOUT, "timed out writing %s (%zu of %zu bytes)", what, put, n);
        if (w < 0)
            return net_fail(err, NET_EIO, "writing %s: %s", what, strerror(errno));
        ssize_t r = write_some(fd, p + put, n - put);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r < 0)
            return net_fail(err, NET_EIO, "writing %s: %s", what, strerror(errno));
        put += (size_t)r;
    }
    return 0;
}
