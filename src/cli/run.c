/* run.c: `migthread run [--dir DIR] [--interval SECONDS] [--signal SIG] --
 * PROGRAM ARGS...`, the wrapper of a batch job (Slurm): it starts the build
 * of PROGRAM for this node's ABI, or resumes the job's checkpoint in DIR;
 * it takes periodic checkpoints, and on SIG (and SIGTERM) a last one, then
 * exits RUN_EXIT_CHECKPOINTED for the job script to requeue the job.
 * docs/design.md ("Batch jobs") says what happens at each signal. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ckpt.h"
#include "ckpt_chain.h"
#include "cli.h"
#include "ctlmsg.h"
#include "input.h"
#include "zfile.h"

#define RUN_CKPT_NAME "run.ckpt"    /* DIR's checkpoint; written through a temporary, renamed whole */
#define RUN_EXIT_CHECKPOINTED 75    /* sysexits' EX_TEMPFAIL: checkpointed, requeue the job */
#define RUN_EXIT_EXEC 127           /* the build could not be started */
#define RUN_ASK_MS 30000            /* for the program's socket, then for an adaptation point */
#define RUN_RUNNER_ARGS 32          /* words of a MIGTHREAD_RUNNER_<abi> */

/* The ABIs of scripts/abi.sh, with their triples. */
static const struct { const char *abi, *triple; } abis[] = {
    { "x86_64", "x86_64-linux-gnu" },   { "i686", "i686-linux-gnu" },       { "aarch64", "aarch64-linux-gnu" },
    { "s390x", "s390x-linux-gnu" },     { "ppc", "powerpc-linux-gnu" },     { "armhf", "arm-linux-gnueabihf" },
};
#define NABIS (sizeof abis / sizeof abis[0])

/* `uname -m` to an ABI of the table. */
static const struct { const char *machine, *abi; } machines[] = {
    { "x86_64", "x86_64" }, { "i386", "i686" },   { "i486", "i686" },   { "i586", "i686" },
    { "i686", "i686" },     { "aarch64", "aarch64" }, { "arm64", "aarch64" }, { "s390x", "s390x" },
    { "ppc", "ppc" },       { "armv7l", "armhf" }, { "armv8l", "armhf" },
};

typedef struct run_opts {
    const char *dir;     /* where the job's checkpoint lives */
    double interval;     /* seconds between periodic checkpoints; 0: none */
    int sig;             /* the warning signal */
    int compress;        /* --compress: the checkpoints are compressed files (zfile.c) */
    char **prog;         /* PROGRAM ARGS..., NULL-terminated */
    char ckpt[PATH_MAX]; /* DIR/run.ckpt, absolute */
} run_opts;

/* ---- The command line ------------------------------------------------------------------ */

/* A signal by name (USR1, SIGUSR1) or number; 0 when none, or one that
 * cannot be waited for. */
static int parse_signal(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (*s && !*end)
        return n > 0 && n < NSIG && n != SIGKILL && n != SIGSTOP && n != SIGCHLD ? (int)n : 0;
    if (strncmp(s, "SIG", 3) == 0)
        s += 3;
    for (int i = 1; i < NSIG; i++) {
        const char *name = sigabbrev_np(i);
        if (name && strcmp(name, s) == 0)
            return i != SIGKILL && i != SIGSTOP && i != SIGCHLD ? i : 0;
    }
    return 0;
}

/* Fills o from argv; 0, 1 after a "migthread:" line, 2 after the usage. */
static int parse_args(int argc, char **argv, run_opts *o)
{
    const char *synopsis = "run [--dir DIR] [--interval SECONDS] [--signal SIG] [--compress] -- PROGRAM [ARG]...";
    *o = (run_opts){ .dir = ".", .sig = SIGUSR1 };
    int i = 0;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        char *end;
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            o->dir = argv[++i];
        else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
            o->interval = strtod(argv[++i], &end);
            if (*end || !(o->interval >= 0.01 && o->interval <= 4e6))
                return cli_fail("'%s' is not a number of seconds (0.01 or more)", argv[i]);
        } else if (strcmp(argv[i], "--signal") == 0 && i + 1 < argc) {
            if (!(o->sig = parse_signal(argv[++i])))
                return cli_fail("'%s' is not a signal that can be waited for", argv[i]);
        } else if (strcmp(argv[i], "--compress") == 0)
            o->compress = 1;
        else
            return cli_usage(synopsis);
    }
    if (i + 1 >= argc)
        return cli_usage(synopsis);
    o->prog = argv + i + 1;
    if (mkdir(o->dir, 0700) < 0 && errno != EEXIST)
        return cli_fail("cannot make the checkpoint directory %s: %s", o->dir, strerror(errno));
    char dir[PATH_MAX];
    if (!realpath(o->dir, dir))
        return cli_fail("cannot use the checkpoint directory %s: %s", o->dir, strerror(errno));
    if (snprintf(o->ckpt, sizeof o->ckpt, "%s/%s", dir, RUN_CKPT_NAME) >= (int)sizeof o->ckpt)
        return cli_fail("the checkpoint directory's path is too long: %s", dir);
    return 0;
}

/* ---- Which build, run how ------------------------------------------------------------------ */

/* The index in abis of this node's ABI: MIGTHREAD_NODE_ABI (an ABI or a
 * triple), else `uname -m`; -1 after a "migthread:" line. */
static int node_abi(void)
{
    const char *name = getenv("MIGTHREAD_NODE_ABI");
    struct utsname u;
    if (!name || !*name) {
        if (uname(&u) < 0)
            return cli_fail("cannot tell this node's ABI: %s", strerror(errno)), -1;
        name = u.machine;
        for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++)
            if (strcmp(machines[i].machine, u.machine) == 0)
                name = machines[i].abi;
    }
    for (size_t i = 0; i < NABIS; i++)
        if (strcmp(name, abis[i].abi) == 0 || strcmp(name, abis[i].triple) == 0)
            return (int)i;
    return cli_fail("this node's ABI '%s' is none of MigThread's (set MIGTHREAD_NODE_ABI)", name), -1;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* PROGRAM's build for triple: PROGRAM/TRIPLE when PROGRAM is a directory,
 * else PROGRAM.TRIPLE, else PROGRAM itself (one build only). 0, or -1
 * after a "migthread:" line. */
static int find_build(const char *prog, const char *triple, char *out, size_t cap)
{
    struct stat st;
    int is_dir = stat(prog, &st) == 0 && S_ISDIR(st.st_mode);
    snprintf(out, cap, "%s%s%s", prog, is_dir ? "/" : ".", triple);
    if (is_file(out))
        return 0;
    if (!is_dir && is_file(prog)) {
        snprintf(out, cap, "%s", prog);
        return 0;
    }
    return cli_fail("no build of %s for %s: no file %s", prog, triple, out), -1;
}

/* The runner the node names for abi (MIGTHREAD_RUNNER_<abi>, words split
 * at blanks) into words; the number of words (0: the build runs as it is). */
static int runner_words(const char *abi, char *buf, size_t cap, char **words)
{
    char name[64];
    snprintf(name, sizeof name, "MIGTHREAD_RUNNER_%s", abi);
    const char *v = getenv(name);
    snprintf(buf, cap, "%s", v ? v : "");
    int n = 0;
    for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w && n < RUN_RUNNER_ARGS; w = strtok_r(NULL, " \t", &save))
        words[n++] = w;
    return n;
}

/* ---- Resuming: the checkpoint's output size ------------------------------------------------- */

static void *read_info(st_stream *s, mt_error *err) { return ck_read_info(s, err); }

/* Cuts standard output back to the size it had when ckpt was taken, when
 * it is still that regular file: the output written after the checkpoint
 * is written again by the resumed run. A file that is not the same (its
 * inode) or shorter is left alone. */
static void rewind_output(const char *ckpt)
{
    mt_error err;
    char *info = cli_zfile_peek(ckpt, read_info, &err);
    char *size = cli_info_value(info, "writer-stdout-size"), *inode = cli_info_value(info, "writer-stdout-inode");
    struct stat st;
    if (size && inode && fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
        strtoull(inode, NULL, 10) == (unsigned long long)st.st_ino && strtoll(size, NULL, 10) <= (long long)st.st_size) {
        off_t len = (off_t)strtoll(size, NULL, 10);
        if (ftruncate(STDOUT_FILENO, len) < 0)
            cli_fail("cannot cut the output back to %lld bytes: %s; the output after the checkpoint will be there twice",
                     (long long)len, strerror(errno));
        lseek(STDOUT_FILENO, len, SEEK_SET);  /* (O_APPEND writes at the end anyway) */
    }
    free(size);
    free(inode);
    free(info);
}

/* ---- The child and the signals ------------------------------------------------------------ */

/* When ckpt is a compressed file: checked whole, then a pipe from which a
 * feeder process gives the plain stream (zfile.c). -1 for a plain file,
 * -2 after a "migthread:" line. */
static int compressed_stream(const char *ckpt)
{
    mt_error err;
    int fd = in_open_file(ckpt, &err);
    uint8_t pre[ZF_MAGIC_LEN];
    size_t npre;
    if (fd < 0)
        return -1;  /* the program says why */
    int plain = -1;
    if (cli_zfile_kind(fd, pre, &npre) == ZF_CONTAINER)
        plain = cli_zfile_check(fd, ckpt) != 0 ? -2 : cli_zfile_feed(fd, pre, 0, ckpt);
    close(fd);
    return plain == -1 ? -1 : plain < 0 ? -2 : plain;
}

/* In the child: the program reads the stream on plain (runtime input.c). */
static int hand_stream(int plain)
{
    char num[16];
    snprintf(num, sizeof num, "%d", plain);
    unsetenv("MIGTHREAD_RESTORE_PREFIX_FD");
    return fcntl(plain, F_SETFD, 0) < 0 ? -1 : setenv("MIGTHREAD_RESTORE_FD", num, 1);
}

/* Starts the build (under its runner) with the args; on resume, with
 * MIGTHREAD_RESTORE. The child's pid, or -1 after a "migthread:" line. */
static pid_t start(const run_opts *o, const sigset_t *old_mask)
{
    int abi = node_abi();
    char build[PATH_MAX], buf[4096], *words[RUN_RUNNER_ARGS + 1];
    if (abi < 0 || find_build(o->prog[0], abis[abi].triple, build, sizeof build) < 0)
        return -1;
    int n = runner_words(abis[abi].abi, buf, sizeof buf, words);
    size_t nargs = 0;
    while (o->prog[nargs])
        nargs++;
    char **argv = calloc((size_t)n + nargs + 1, sizeof *argv);
    if (!argv)
        return cli_fail("out of memory"), -1;
    memcpy(argv, words, (size_t)n * sizeof *argv);
    argv[n] = build;
    memcpy(argv + n + 1, o->prog + 1, (nargs - 1) * sizeof *argv);
    int resume = is_file(o->ckpt);
    if (resume)
        rewind_output(o->ckpt);
    int plain = resume ? compressed_stream(o->ckpt) : -1;
    if (plain == -2)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, old_mask, NULL);
        if (resume)
            setenv("MIGTHREAD_RESTORE", o->ckpt, 1);
        if (resume && cli_chain_hand_over(o->ckpt) < 0) {  /* compressed parents, decompressed */
            cli_fail("cannot hand the checkpoint's chain to %s: %s", argv[0], strerror(errno));
            _exit(RUN_EXIT_EXEC);
        }
        if (plain >= 0 && hand_stream(plain) < 0) {
            cli_fail("cannot hand the checkpoint to %s: %s", argv[0], strerror(errno));
            _exit(RUN_EXIT_EXEC);
        }
        execvp(argv[0], argv);
        cli_fail("cannot run %s: %s", argv[0], strerror(errno));
        _exit(RUN_EXIT_EXEC);
    }
    if (pid < 0)
        cli_fail("cannot start %s: %s", build, strerror(errno));
    if (plain >= 0)
        close(plain);  /* the child's now */
    free(argv);
    return pid;
}

/* Asks the child for a checkpoint into o->ckpt (and to exit after it,
 * when leave): 0, or 1 after a "migthread:" line (the child carries on). */
static int checkpoint(const run_opts *o, pid_t child, int leave)
{
    cm_msg *m = calloc(1, sizeof *m);
    if (!m)
        return cli_fail("out of memory");
    cm_init(m, CM_CHECKPOINT);
    snprintf(m->path, sizeof m->path, "%s", o->ckpt);
    cm_set(m, CM_F_PATH);
    m->timeout_ms = RUN_ASK_MS;
    cm_set(m, CM_F_TIMEOUT_MS);
    if (leave) {
        m->flags = CM_FLAG_EXIT;
        cm_set(m, CM_F_FLAGS);
    }
    char context[64];
    snprintf(context, sizeof context, "%s, the program carries on", leave ? "no checkpoint on the signal" : "no periodic checkpoint");
    cli_fail_context(context);
    uint64_t zsize, plain;
    int rc = o->compress ? cli_checkpoint_compressed((long)child, m, RUN_ASK_MS, &zsize, &plain)
                         : cli_ask_checkpoint((long)child, m, RUN_ASK_MS);
    cli_fail_context(NULL);
    free(m);
    return rc;
}

/* The exit status that tells how the child ended, as a shell tells it. */
static int status_of(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for the child, the signals and the interval's checkpoints; the
 * exit status of `migthread run`. */
static int supervise(const run_opts *o, pid_t child, const sigset_t *wanted)
{
    double next = o->interval > 0 ? now_s() + o->interval : 0;
    for (;;) {
        int status;
        if (waitpid(child, &status, WNOHANG) == child) {
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                cli_chain_remove_links(o->ckpt);  /* an incremental one's parents, compressed or not */
                unlink(o->ckpt);  /* the job is done: a rerun starts afresh */
            }
            return status_of(status);
        }
        double left = next - now_s();
        if (next && left <= 0) {
            checkpoint(o, child, 0);  /* a failure is said; the previous checkpoint stays */
            next = now_s() + o->interval;
            continue;
        }
        struct timespec ts = { (time_t)left, (long)((left - (time_t)left) * 1e9) };
        int sig = sigtimedwait(wanted, NULL, next ? &ts : NULL);
        if (sig == o->sig || sig == SIGTERM) {
            if (checkpoint(o, child, 1) == 0) {
                while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                    ;
                return RUN_EXIT_CHECKPOINTED;
            }
        }
    }
}

int cmd_run(int argc, char **argv)
{
    run_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc;
    sigset_t wanted, old;
    sigemptyset(&wanted);
    sigaddset(&wanted, o.sig);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGCHLD);
    sigprocmask(SIG_BLOCK, &wanted, &old);  /* taken by sigtimedwait, never by a handler */
    pid_t child = start(&o, &old);
    return child < 0 ? 1 : supervise(&o, child, &wanted);
}
