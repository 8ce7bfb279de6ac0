/* children.c: a program that has children of its own, catches SIGCHLD
 * and reaps with waitpid(-1) and wait() while a forked checkpoint is
 * written (tests/fork.sh): the runtime's writer must never be seen by
 * them, nor send SIGCHLD, nor reap the program's children. It prints
 * its counts; on stderr it says whether a child other than its own (the
 * writer) existed while it ran, read from /proc, and whether that
 * writer, once writing, still held descriptor 7 of the program's. `children ROUNDS 0`
 * forks nothing (qemu-user cannot fork a guest that has threads, such as
 * the runtime's control thread): SIGCHLD and wait() must still see
 * nothing of the writer. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t signals;

static void on_child(int sig)
{
    (void)sig;
    signals++;
}

/* (recursive, so that it has adaptation points of its own) */
static long work(long i, int depth)
{
    long s = depth > 0 ? work(i, depth - 1) : 0;
    for (long k = 0; k < 5000; k++)
        s += (i * k) % 7;
    return s;
}

/* A descriptor of the program's that mtcc does not track (an open pipe
 * is refused at capture): tests/fork.sh runs it with 7 open. */
enum { INHERITED_FD = 7 };
static int pipe_end = INHERITED_FD;
static int writer_held = 0;  /* the writer, once it writes, still had it */

/* What descriptor fd of process pid is, or "" . */
static void fd_target(long pid, int fd, char *out, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/fd/%d", pid, fd);
    ssize_t n = readlink(path, out, cap - 1);
    out[n > 0 ? n : 0] = '\0';
}

/* Once the writer has its temporary checkpoint file open, it must hold
 * none of the program's descriptors (7 here). */
static void look_at_writer(long pid)
{
    char mine[256], its[256], name[256];
    int writing = 0;
    for (int fd = 0; fd < 64; fd++) {
        fd_target(pid, fd, name, sizeof name);
        writing |= strstr(name, ".tmp.") != NULL;
    }
    fd_target((long)getpid(), pipe_end, mine, sizeof mine);
    fd_target(pid, pipe_end, its, sizeof its);
    if (writing && mine[0] && strcmp(mine, its) == 0)
        writer_held = 1;
}

/* Children of this (single-threaded) process other than its own, which
 * it has all reaped when it looks. */
static int others(void)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%ld/children", (long)getpid());
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (strspn(buf, " \n") == n)
        return 0;
    look_at_writer(atol(buf));
    return 1;
}

/* (a function of its own: a struct sigaction in main's frame would be
 * saved, and its handler union has no known active member) */
static void catch_children(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_child;
    sigaction(SIGCHLD, &sa, NULL);
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 300;
    int forks = argc > 2 ? atoi(argv[2]) : 1;
    char *ballast = malloc(16 << 20);  /* a writer that takes a while */
    memset(ballast, 7, 16 << 20);
    catch_children();
    long forked = 0, reaped = 0, unknown = 0, stray = 0, sum = 0;
    int seen = 0;
    for (long i = 0; i < rounds; i++) {
        sum += work(i, 3) + ballast[i];
        seen |= others();
        if (!forks) {
            pid_t r;
            while ((r = wait(NULL)) < 0 && errno == EINTR)
                ;
            if (r != -1 || errno != ECHILD)
                stray++;
            continue;
        }
        pid_t c = fork();
        if (c == 0)
            _exit((int)(i % 7));
        forked++;
        int st;
        pid_t r;
        while ((r = waitpid(-1, &st, 0)) < 0 && errno == EINTR)
            ;
        if (r == c && WIFEXITED(st) && WEXITSTATUS(st) == i % 7)
            reaped++;
        else
            unknown++;
        while ((r = wait(NULL)) < 0 && errno == EINTR)
            ;
        if (r != -1 || errno != ECHILD)
            stray++;  /* wait() found a child the program does not have */
    }
    printf("sum %ld forked %ld reaped %ld unknown %ld stray %ld signals %d\n", sum, forked, reaped, unknown, stray,
           (int)signals);
    fprintf(stderr, "another child while running: %s\n", seen ? "yes" : "no");
    fprintf(stderr, "the writer held the program's descriptor: %s\n", writer_held ? "yes" : "no");
    return 0;
}
