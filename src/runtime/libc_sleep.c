/* libc_sleep.c: sleep, usleep, nanosleep and clock_nanosleep as safe
 * points. mtcc renames the program's calls to these; each sleeps in
 * ppoll on the threads' wake descriptor, so that a capture request ends
 * the sleep at once (the thread unwinds, the call is made again on
 * resume and sleeps what was left: a registered thread-local the
 * checkpoint saves), while a signal handler still interrupts it as it
 * interrupts the C library's sleep. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>

#include "ckpt.h"
#include "frames.h"
#include "libc_state.h"
#include "migthread-gen.h"
#include "threads.h"

#define NS_PER_S 1000000000LL

enum nap_end { NAP_DONE, NAP_UNWIND, NAP_SIGNAL };

/* What this thread's sleep had left when it gave way to a capture, in
 * nanoseconds (0: no sleep was interrupted). */
static _Thread_local int64_t left_ns;

static int64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static struct timespec span(int64_t ns)
{
    struct timespec ts = { .tv_sec = (time_t)(ns / NS_PER_S), .tv_nsec = (long)(ns % NS_PER_S) };
    return ts;
}

/* Sleeps until deadline (CLOCK_MONOTONIC, ns); *left: what was left
 * when it ended. */
static enum nap_end nap_until(int64_t deadline, int64_t *left)
{
    th_kernel_sleeper();
    for (;;) {
        th_lock();
        *left = deadline - now_ns(CLOCK_MONOTONIC);
        if (th_give_way()) {
            left_ns = *left > 0 ? *left : 1;
            th_unlock();
            return NAP_UNWIND;
        }
        th_gate();
        if (*left <= 0) {
            th_unlock();
            return NAP_DONE;
        }
        struct pollfd wake = { .fd = th_kernel_wake_fd(), .events = POLLIN };
        th_kernel_sleeping(1);
        th_unlock();
        struct timespec ts = span(*left);
        int r = ppoll(&wake, wake.fd >= 0 ? 1 : 0, &ts, NULL);
        int e = errno;
        th_lock();
        th_kernel_sleeping(0);
        th_unlock();
        if (r < 0 && e == EINTR) {
            *left = deadline - now_ns(CLOCK_MONOTONIC);
            return NAP_SIGNAL;
        }
    }
}

/* A sleep of ns: or, made again after a capture, of what was left. */
static enum nap_end nap(int64_t ns, int64_t *left)
{
    if (frames_take_reissue() && left_ns > 0)
        ns = left_ns;
    left_ns = 0;
    return nap_until(now_ns(CLOCK_MONOTONIC) + ns, left);
}

static int valid(const struct timespec *ts)
{
    return ts && ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < NS_PER_S;
}

unsigned mt_sleep(unsigned seconds)
{
    int64_t left;
    if (nap((int64_t)seconds * NS_PER_S, &left) != NAP_SIGNAL)
        return 0;
    return (unsigned)(left > 0 ? left / NS_PER_S + (left % NS_PER_S >= NS_PER_S / 2) : 0);  /* rounded, as glibc's */
}

int mt_usleep(unsigned useconds)
{
    int64_t left;
    if (nap((int64_t)useconds * 1000, &left) != NAP_SIGNAL)
        return 0;
    errno = EINTR;
    return -1;
}

int mt_nanosleep(const void *request, void *remain)
{
    const struct timespec *req = request;
    struct timespec *rem = remain;
    if (!valid(req)) {
        errno = EINVAL;
        return -1;
    }
    int64_t left;
    if (nap((int64_t)req->tv_sec * NS_PER_S + req->tv_nsec, &left) != NAP_SIGNAL)
        return 0;
    if (rem)
        *rem = span(left > 0 ? left : 0);
    errno = EINTR;
    return -1;
}

int mt_clock_nanosleep(int clock, int flags, const void *request, void *remain)
{
    const struct timespec *req = request;
    struct timespec *rem = remain;
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME)
        return clock_nanosleep(clock, flags, req, rem);  /* CPU clocks: not a wall-clock wait */
    if (!valid(req))
        return EINVAL;
    int64_t ns = (int64_t)req->tv_sec * NS_PER_S + req->tv_nsec;
    if (flags & TIMER_ABSTIME)
        ns -= now_ns(clock);  /* the same instant, as a span from now */
    int64_t left;
    enum nap_end end = nap(ns > 0 ? ns : 0, &left);
    if (end != NAP_SIGNAL)
        return 0;
    if (rem && !(flags & TIMER_ABSTIME))
        *rem = span(left > 0 ? left : 0);
    return EINTR;
}

static void *left_addr(void)
{
    return &left_ns;
}

int lc_sleep_register(mt_error *err)
{
    const mt_type *t = mt_type_scalar("long long", MT_CLASS_SINT, sizeof(int64_t), _Alignof(int64_t));
    return mt_register_tls(CK_NAME_SLEEP, left_addr, t, 1, err);
}
