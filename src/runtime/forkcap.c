/* forkcap.c: forked capture. The writer of a checkpoint is a copy of the
 * process made at the end of the capture's rendezvous, while every thread
 * of the program is stopped with its frames in memory; the program goes
 * on at once and the copy, which sees the memory as it was (copy-on-write),
 * writes the checkpoint and reports through a pipe.
 *
 * The copy must stay invisible to the program, which may use SIGCHLD and
 * wait(-1): it is made with clone() and no exit signal, a "clone child"
 * that sends no SIGCHLD and that waitpid(-1) and wait() do not see (only
 * __WCLONE/__WALL waits do, which the runtime makes by pid). qemu-user
 * refuses a custom exit signal; there the runtime forks twice: the middle
 * process ends at once (its SIGCHLD is kept from the program, see
 * spawn_detached) and the writer, orphaned, is the init process's to reap.
 * docs/design.md ("Forked capture"). */
#include "forkcap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

/* The pipe's read end sits out of the program's way, as the control
 * channel's descriptors do (channel.c): the program's next open still
 * gets the number a plain build would. */
enum { FC_FD_FLOOR = 900 };

static struct {
    pthread_mutex_t mu;
    pthread_cond_t idle_cv;
    int busy;           /* a writer runs or waits to be collected */
    int collecting;     /* fc_collect is reading it */
    int fd;             /* the read end of its pipe */
    long pid;           /* the writer (a clone child), or the middle process's child */
    int reap;           /* 1: the writer is our clone child, reaped by pid */
    fc_report_fn report;
    void *ctx;
} fc = { .mu = PTHREAD_MUTEX_INITIALIZER, .idle_cv = PTHREAD_COND_INITIALIZER, .fd = -1 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int out_of_the_way(int fd)
{
    int high = fcntl(fd, F_DUPFD_CLOEXEC, FC_FD_FLOOR);
    if (high < 0)
        return fd;
    close(fd);
    return high;
}

/* ---- The writer process ----------------------------------------------------------- */

static int report_fd = -1;  /* the writer's end of the pipe, in the writer */

static void send_outcome(const fc_outcome *out)
{
    /* one write under PIPE_BUF: whole or not at all */
    ssize_t n = write(report_fd, out, sizeof *out);
    (void)n;
}

/* mt_fatal in the writer: the line goes to the program as the outcome;
 * the writer never runs exit() (the program's atexit handlers, its stdio
 * buffers). */
static void fatal_in_writer(const char *line)
{
    fc_outcome out = { .ok = 0, .writer = (long)getpid(), .done_at = now() };
    snprintf(out.why, sizeof out.why, "%s", line);
    send_outcome(&out);
    _exit(1);
}

/* Every signal the program may get (Ctrl-C to the process group, its
 * timers' signals) stays blocked in the writer, so that none of the
 * program's handlers runs there; the real-time ones stay open, as in the
 * control thread (the C library and qemu-user use some). */
static void block_signals(void)
{
    sigset_t set;
    sigfillset(&set);
    for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
        sigdelset(&set, sig);
    sigprocmask(SIG_SETMASK, &set, NULL);
}

/* The writer holds none of the program's descriptors but the ones it
 * writes to (stdin, stdout and stderr stay): a pipe or a socket the
 * program closes meanwhile must end for its peer then, not when the
 * writer is done; the control channel's sockets are the program's. The
 * numbers are read first, then closed (the listing's own descriptor is
 * among them). */
static void close_others(int keep1, int keep2, int keep3)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    int *fds = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int fd = atoi(e->d_name);
        if (fd <= STDERR_FILENO || fd == keep1 || fd == keep2 || fd == keep3 || fd == dirfd(d))
            continue;
        if (n == cap) {
            int *grown = realloc(fds, (cap = cap ? 2 * cap : 64) * sizeof *fds);
            if (!grown)
                break;
            fds = grown;
        }
        fds[n++] = fd;
    }
    closedir(d);
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
    free(fds);
}

static _Noreturn void writer_main(int wfd, const int keep_fd[2], fc_write_fn write_ckpt, void *ctx)
{
    block_signals();
    close_others(wfd, keep_fd[0], keep_fd[1]);
    report_fd = wfd;
    mt_set_fatal_hook(fatal_in_writer);
    fc_outcome out = { .writer = (long)getpid() };
    mt_error err = { 0 };
    out.ok = write_ckpt(ctx, &out.size, &err) == 0;
    if (!out.ok)
        snprintf(out.why, sizeof out.why, "%s", err.msg[0] ? err.msg : "the checkpoint was not written");
    out.done_at = now();
    send_outcome(&out);
    _exit(out.ok ? 0 : 1);
}

/* ---- Making the writer -------------------------------------------------------------- */

/* clone() without CLONE_VM: a fork, with exit_signal in the low byte of
 * the flags. s390 takes the stack first and the flags second. */
static long raw_clone(unsigned long flags)
{
#if defined(__s390__)
    return syscall(SYS_clone, 0UL, flags, 0UL, 0UL, 0UL);
#else
    return syscall(SYS_clone, flags, 0UL, 0UL, 0UL, 0UL);
#endif
}

/* Some child of the program (not ours) can be waited for. */
static int program_child_waitable(void)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    return waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0;
}

/* Where a child without exit signal is refused (qemu-user): the middle
 * process makes the writer and ends at once; this thread reaps it by pid
 * with SIGCHLD blocked, and takes back the SIGCHLD it caused unless one
 * was pending before or a child of the program is waiting to be reaped
 * (whose SIGCHLD it may be). 0 in the writer, 1 in the program, -1 on
 * failure (errno). */
static int spawn_detached(int wfd)
{
    sigset_t chld, old, pending;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &chld, &old);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGCHLD);
    long middle = raw_clone(SIGCHLD);
    if (middle == 0) {
        long writer = raw_clone(SIGCHLD);
        if (writer == 0)
            return 0;
        if (writer < 0) {
            fc_outcome out = { .ok = 0, .writer = -1, .done_at = now() };
            snprintf(out.why, sizeof out.why, "checkpoint not written: cannot start its writer: %s", strerror(errno));
            report_fd = wfd;
            send_outcome(&out);
        }
        _exit(0);
    }
    int err = errno;
    if (middle > 0) {
        while (waitpid((pid_t)middle, NULL, 0) < 0 && errno == EINTR)
            ;
        sigpending(&pending);
        struct timespec zero = { 0, 0 };
        if (!was_pending && sigismember(&pending, SIGCHLD) && !program_child_waitable())
            sigtimedwait(&chld, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = err;
    return middle > 0 ? 1 : -1;
}

/* 0 in the writer; in the program 1 (fc.pid and fc.reap set), or -1. */
static int spawn(int wfd)
{
    long pid = raw_clone(0);  /* exit signal 0: no SIGCHLD, unseen by wait(-1) */
    if (pid == 0)
        return 0;
    if (pid > 0) {
        fc.pid = pid;
        fc.reap = 1;
        return 1;
    }
    if (errno != EINVAL)
        return -1;
    fc.pid = -1;
    fc.reap = 0;
    return spawn_detached(wfd);
}

int fc_start(fc_write_fn write_ckpt, fc_report_fn report, void *ctx, const int keep_fd[2], mt_error *err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return mt_fail(err, MT_EIO, "checkpoint not written: no pipe for its writer: %s", strerror(errno));
    p[0] = out_of_the_way(p[0]);
    pthread_mutex_lock(&fc.mu);
    fc.busy = 1;
    fc.fd = p[0];
    fc.report = report;
    fc.ctx = ctx;
    int r = spawn(p[1]);
    if (r == 0) {
        close(p[0]);
        writer_main(p[1], keep_fd, write_ckpt, ctx);
    }
    int spawn_errno = errno;
    close(p[1]);
    if (r < 0) {
        close(p[0]);
        fc.busy = 0;
        fc.fd = -1;
        pthread_mutex_unlock(&fc.mu);
        return mt_fail(err, MT_EIO, "checkpoint not written: cannot start its writer: %s", strerror(spawn_errno));
    }
    pthread_mutex_unlock(&fc.mu);
    return p[0];
}

/* ---- Collecting it ------------------------------------------------------------------ */

static size_t read_all(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

/* The writer ended without an outcome (killed, or a crash). */
static void describe_silence(fc_outcome *out, long pid, int reaped, int status)
{
    memset(out, 0, sizeof *out);
    out->writer = pid;
    out->done_at = now();
    if (reaped && WIFSIGNALED(status))
        snprintf(out->why, sizeof out->why, "checkpoint not written: its writer (process %ld) was killed by signal %d",
                 pid, WTERMSIG(status));
    else
        snprintf(out->why, sizeof out->why, "checkpoint not written: its writer ended before it finished");
}

void fc_collect(void)
{
    pthread_mutex_lock(&fc.mu);
    if (!fc.busy || fc.collecting) {
        pthread_mutex_unlock(&fc.mu);
        return;
    }
    fc.collecting = 1;
    int fd = fc.fd, reap = fc.reap;
    long pid = fc.pid;
    fc_report_fn report = fc.report;
    void *ctx = fc.ctx;
    pthread_mutex_unlock(&fc.mu);
    fc_outcome out;
    size_t got = read_all(fd, &out, sizeof out);
    close(fd);
    int status = 0, reaped = 0;
    if (reap) {
        pid_t r;
        while ((r = waitpid((pid_t)pid, &status, __WCLONE)) < 0 && errno == EINTR)
            ;
        reaped = r > 0;
    }
    if (got != sizeof out)
        describe_silence(&out, pid, reaped, status);
    report(&out, ctx);
    pthread_mutex_lock(&fc.mu);
    fc.busy = fc.collecting = 0;
    fc.fd = -1;
    pthread_cond_broadcast(&fc.idle_cv);
    pthread_mutex_unlock(&fc.mu);
}

void fc_wait_idle(void)
{
    pthread_mutex_lock(&fc.mu);
    while (fc.busy)
        pthread_cond_wait(&fc.idle_cv, &fc.mu);
    pthread_mutex_unlock(&fc.mu);
}

void fc_child(void)
{
    /* the parent's writer is the parent's to collect */
    if (fc.fd >= 0)
        close(fc.fd);
    pthread_mutex_init(&fc.mu, NULL);
    pthread_cond_init(&fc.idle_cv, NULL);
    fc.busy = fc.collecting = 0;
    fc.fd = -1;
}
