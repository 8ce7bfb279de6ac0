/* child.c: the restored program, a child of the daemon's connection
 * process. It reads the checkpoint from a pipe (MIGTHREAD_RESTORE_FD),
 * reports "ready" on a socket (MIGTHREAD_READY_FD, runtime input.c) and
 * waits there for 'g'; its stdout and stderr are pipes the daemon relays.
 * Its standard input is /dev/null. The pre-copies kept for it come on
 * another socket (MIGTHREAD_PRECOPY_FD), before the checkpoint. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"

/* The numbers the program finds its two descriptors at: high, out of the
 * way of the numbers its restored files take back. */
enum { CKPT_FD = 820, READY_FD = 821, AHEAD_FD = 822 };

static void close_pair(int p[2])
{
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0)
            close(p[i]);
}

/* In the forked child: descriptors in place, environment, exec. */
static _Noreturn void become(const d_config *cfg, const char *build, int abi, int ckpt, int ready, int ahead,
                              int out, int err)
{
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 || dup2(ckpt, CKPT_FD) < 0 ||
        dup2(ready, READY_FD) < 0 || dup2(ahead, AHEAD_FD) < 0) {
        fprintf(stderr, "migthreadd: cannot set up the restored program: %s\n", strerror(errno));
        _exit(127);
    }
    char num[16];
    snprintf(num, sizeof num, "%d", CKPT_FD);
    setenv("MIGTHREAD_RESTORE", "migration", 1);
    setenv("MIGTHREAD_RESTORE_FD", num, 1);
    unsetenv("MIGTHREAD_RESTORE_PREFIX_FD");
    snprintf(num, sizeof num, "%d", READY_FD);
    setenv("MIGTHREAD_READY_FD", num, 1);
    snprintf(num, sizeof num, "%d", AHEAD_FD);
    setenv("MIGTHREAD_PRECOPY_FD", num, 1);
    /* qemu-i386 and qemu-arm hang in a dynamic program's first
     * pthread_create (docs/design.md, the control channel) */
    if ((strcmp(d_abi_name(abi), "i686") == 0 || strcmp(d_abi_name(abi), "armhf") == 0) && !getenv("MIGTHREAD_CONTROL"))
        setenv("MIGTHREAD_CONTROL", "0", 1);
    if (cfg->workdir && chdir(cfg->workdir) < 0) {
        fprintf(stderr, "migthreadd: cannot enter %s: %s\n", cfg->workdir, strerror(errno));
        _exit(127);
    }
    char *argv[D_RUNNER_WORDS + 2];
    int n = 0;
    for (char *const *w = cfg->runner[abi]; *w; w++)
        argv[n++] = *w;
    argv[n++] = (char *)build;
    argv[n] = NULL;
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv);
    fprintf(stderr, "migthreadd: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int d_spawn(const d_config *cfg, const char *build, int abi, d_child *c, char *why, size_t cap)
{
    int ck[2] = { -1, -1 }, rd[2] = { -1, -1 }, ah[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    if (pipe2(ck, O_CLOEXEC) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rd) < 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ah) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
        pipe2(err, O_CLOEXEC) < 0) {
        snprintf(why, cap, "cannot make the restored program's pipes: %s", strerror(errno));
        close_pair(ck), close_pair(rd), close_pair(ah), close_pair(out), close_pair(err);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0)
        become(cfg, build, abi, ck[0], rd[1], ah[0], out[1], err[1]);
    close(ck[0]), close(rd[1]), close(ah[0]), close(out[1]), close(err[1]);
    if (pid < 0) {
        snprintf(why, cap, "cannot start %s: %s", build, strerror(errno));
        close(ck[1]), close(rd[0]), close(ah[1]), close(out[0]), close(err[0]);
        return -1;
    }
    *c = (d_child){ .pid = pid, .ckpt_fd = ck[1], .ready_fd = rd[0], .out_fd = out[0], .err_fd = err[0],
                    .ahead_fd = ah[1] };
    return 0;
}

void d_end_ahead(d_child *c)
{
    if (c->ahead_fd >= 0) {
        close(c->ahead_fd);
        c->ahead_fd = -1;
    }
}

static void close_all(d_child *c)
{
    int *fds[] = { &c->ckpt_fd, &c->ready_fd, &c->ahead_fd, &c->out_fd, &c->err_fd };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
}

void d_kill(d_child *c)
{
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        c->pid = -1;
    }
    close_all(c);
}

void d_reason(d_child *c, char *why, size_t cap)
{
    if (c->ckpt_fd >= 0) {
        close(c->ckpt_fd);
        c->ckpt_fd = -1;
    }
    /* stdout is not read here: close it so a program that writes there
     * ends (SIGPIPE) rather than waits */
    if (c->out_fd >= 0) {
        close(c->out_fd);
        c->out_fd = -1;
    }
    if (c->pid > 0)
        kill(c->pid, SIGKILL);  /* a program that fails has ended; one that waits must not hold the read */
    size_t len = 0;
    char buf[4096];
    ssize_t r;
    while (c->err_fd >= 0 && (r = read(c->err_fd, buf + len, sizeof buf - 1 - len)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || (len += (size_t)r) == sizeof buf - 1)
            break;
    }
    buf[len] = '\0';
    if (c->pid > 0) {
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        c->pid = -1;
    }
    close_all(c);
    /* its first "migthread:" line, without the prefix */
    char *line = strstr(buf, "migthread: ");
    if (line) {
        line += strlen("migthread: ");
        line[strcspn(line, "\n")] = '\0';
        snprintf(why, cap, "the restore was refused: %s", line);
    } else if (buf[0]) {
        buf[strcspn(buf, "\n")] = '\0';
        snprintf(why, cap, "the restore failed: %s", buf);
    } else
        snprintf(why, cap, "the restored program ended before it was ready");
}
