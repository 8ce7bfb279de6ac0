/* control.c: the state word, the triggers and the program's real main.
 *
 * A capture is requested by a signal (migthread checkpoint PID), a timer
 * (MIGTHREAD_INTERVAL), a poll count (MIGTHREAD_AFTER_POLLS) or the API;
 * the request only sets the thread's state word, and the next adaptation
 * point the program reaches starts unwinding. When the unwinding reaches
 * mt_run_main the checkpoint is written, then the program either exits or
 * rewinds from memory and carries on as if nothing had happened. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "error.h"
#include "frames.h"
#include "input.h"
#include "libc_state.h"
#include "migthread-gen.h"
#include "restore.h"
#include "threads.h"
#include "types.h"

_Thread_local int mt_state;

static _Thread_local int callback_depth;
/* MIGTHREAD_AFTER_POLLS: adaptation points left, counted by every thread
 * (or by MIGTHREAD_THREAD alone). */
static long polls_left;   /* long: 32-bit ABIs have no 64-bit atomics without libatomic */
/* When the last request arrived and when its capture began, for the
 * trigger latency MIGTHREAD_VERBOSE reports. */
static struct timespec requested_at, capture_began;
static volatile sig_atomic_t have_request;

typedef struct config {
    char path[4096];        /* MIGTHREAD_CHECKPOINT_FILE */
    long long after_polls;  /* MIGTHREAD_AFTER_POLLS, 0: off */
    double interval;        /* MIGTHREAD_INTERVAL seconds, 0: off */
    int exit_after;         /* MIGTHREAD_EXIT_AFTER_CHECKPOINT */
    const char *restore;    /* MIGTHREAD_RESTORE */
    int verbose;            /* MIGTHREAD_VERBOSE: one line per checkpoint */
    uint32_t thread;        /* MIGTHREAD_THREAD: a thread checkpoint of this thread */
} config;

static config cfg;

static void die(const char *fmt, const char *detail)
{
    fflush(stdout);
    fprintf(stderr, "migthread: ");
    fprintf(stderr, fmt, detail);
    fputc('\n', stderr);
    exit(1);
}

/* ---- Adaptation points ------------------------------------------------------- */

int control_idle_state(uint32_t thread_id)
{
    if (__atomic_load_n(&polls_left, __ATOMIC_RELAXED) > 0 && (!cfg.thread || cfg.thread == thread_id))
        return MT_STATE_COUNTING;
    return MT_STATE_IDLE;
}

int control_in_callback(void)
{
    return callback_depth > 0;
}

/* A counted adaptation point: 1 when it was the last one. */
static int count_poll(void)
{
    if (callback_depth)
        return 0;
    long left = __atomic_sub_fetch(&polls_left, 1, __ATOMIC_RELAXED);
    if (left > 0)
        return 0;
    if (left < 0) {  /* another thread took the last one */
        mt_state_set(MT_STATE_IDLE);
        return 0;
    }
    th_request(cfg.thread ? TH_CAPTURE_THREAD : TH_CAPTURE_PROCESS, cfg.thread, cfg.exit_after);
    return 1;
}

/* A safe point reached: 1 when this thread unwinds. The program's errno
 * is noted for the checkpoint and left as it was either way. */
static int at_safe_point(void)
{
    int e = errno;
    int unwind = th_at_safe_point();
    if (unwind)
        lc_errno_note(e);
    errno = e;
    return unwind;
}

int mt_adapt(void)
{
    switch (mt_state_now()) {
    case MT_STATE_UNWINDING:
        return 1;
    case MT_STATE_PENDING:
        if (callback_depth)
            return 0;  /* inside a callback from untransformed code: later */
        return at_safe_point();
    case MT_STATE_COUNTING:
        if (!count_poll())
            return 0;
        return at_safe_point();
    default:
        return 0;
    }
}

void mt_callback_enter(void) { callback_depth++; }
void mt_callback_leave(void) { callback_depth--; }

void control_capture_begins(void)
{
    /* each thread that stops sets it (under the thread lock): the latest counts */
    clock_gettime(CLOCK_MONOTONIC, &capture_began);
}

void control_note_request(int sig)
{
    clock_gettime(CLOCK_MONOTONIC, &requested_at);
    have_request = sig != SIGALRM;
}

/* In a program with one thread the handler runs on it: it may only set
 * flags, which the next adaptation point takes up. With more threads the
 * signals are blocked and the control thread (threads.c) waits for them. */
static void on_request(int sig, siginfo_t *si, void *unused)
{
    (void)unused;
    uint32_t target = si && si->si_code == SI_QUEUE && si->si_value.sival_int > 0 ? (uint32_t)si->si_value.sival_int : 0;
    control_note_request(sig);  /* clock_gettime is async-signal-safe */
    th_request_from_signal(target, sig == SIGUSR2);
}

/* ---- Configuration -------------------------------------------------------------- */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static long long env_count(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (*end || errno || n < 0)
        die("%s must be a non-negative whole number", name);
    return n;
}

/* MIGTHREAD_THREAD: unset or empty is no thread; anything else must name
 * one (main is 1), since 0 or a word would silently checkpoint the whole
 * process instead. */
static uint32_t env_thread(void)
{
    const char *v = getenv("MIGTHREAD_THREAD");
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (*end || errno || n < 1 || n > UINT32_MAX)
        die("MIGTHREAD_THREAD must be a thread number (main is 1), not '%s'", v);
    return (uint32_t)n;
}

static void read_config(const char *argv0)
{
    const char *path = getenv("MIGTHREAD_CHECKPOINT_FILE");
    if (path && *path)
        snprintf(cfg.path, sizeof cfg.path, "%s", path);
    else
        snprintf(cfg.path, sizeof cfg.path, "%s.ckpt", base_name(argv0));
    cfg.after_polls = env_count("MIGTHREAD_AFTER_POLLS");
    if (cfg.after_polls > LONG_MAX)
        die("MIGTHREAD_AFTER_POLLS is larger than this ABI counts (%s)", getenv("MIGTHREAD_AFTER_POLLS"));
    cfg.exit_after = env_count("MIGTHREAD_EXIT_AFTER_CHECKPOINT") != 0;
    cfg.verbose = env_count("MIGTHREAD_VERBOSE") != 0;
    const char *interval = getenv("MIGTHREAD_INTERVAL");
    if (interval && *interval) {
        char *end;
        cfg.interval = strtod(interval, &end);
        if (*end || !(cfg.interval > 0))
            die("MIGTHREAD_INTERVAL must be a positive number of seconds, not '%s'", interval);
    }
    cfg.thread = env_thread();
    const char *restore = getenv("MIGTHREAD_RESTORE");
    cfg.restore = restore && *restore ? restore : NULL;
}

static void arm_interval(void)
{
    struct itimerval it;
    it.it_value.tv_sec = (time_t)cfg.interval;
    it.it_value.tv_usec = (suseconds_t)((cfg.interval - (double)it.it_value.tv_sec) * 1e6);
    if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
        it.it_value.tv_usec = 1;
    it.it_interval = it.it_value;
    setitimer(ITIMER_REAL, &it, NULL);
}

/* The program installed a disposition of its own for sig, a trigger
 * signal: it is the program's now (libc_signal.c). SIGALRM was the
 * interval timer's: the timer stops, or the program would get its alarms. */
static void trigger_taken(int sig)
{
    if (sig != SIGALRM || !(cfg.interval > 0))
        return;
    struct itimerval off;
    memset(&off, 0, sizeof off);
    setitimer(ITIMER_REAL, &off, NULL);
    cfg.interval = 0;
    fprintf(stderr, "migthread: MIGTHREAD_INTERVAL is off: the program handles SIGALRM itself\n");
}

/* In the child of a fork: a new instance of the program, with its own
 * count of adaptation points and its own checkpoint file,
 * <parent's file>.<pid>, so that it never writes over the parent's. */
static void fork_child(void)
{
    size_t len = strlen(cfg.path);
    snprintf(cfg.path + len, sizeof cfg.path - len, ".%ld", (long)getpid());
    if (th_last_id() > 1) {
        /* only the forking thread lives on: a capture would wait for the
         * others for ever, so this child does not checkpoint */
        __atomic_store_n(&polls_left, 0, __ATOMIC_RELAXED);
        cfg.after_polls = 0;
        cfg.interval = 0;
        mt_state_set(MT_STATE_IDLE);
        return;
    }
    __atomic_store_n(&polls_left, (long)cfg.after_polls, __ATOMIC_RELAXED);
    mt_state_set(control_idle_state(th_self_id()));
    if (cfg.interval > 0)
        arm_interval();  /* a child inherits no interval timer */
}

static void install_triggers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_request;
    sa.sa_flags = SA_RESTART | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    if (cfg.interval > 0) {
        sigaction(SIGALRM, &sa, NULL);
        arm_interval();
    }
    lc_signal_set_taken_hook(trigger_taken);
    lc_fork_set_child_hook(fork_child);
}

/* ---- argv and the standard streams ------------------------------------------------ */

/* main's argv points into the initial process stack; the program gets a
 * tracked copy, so that pointers to the arguments translate and a
 * restored program sees its original arguments. */
static char **copy_argv(int argc, char **argv)
{
    const mt_type *ptr = mt_type_scalar("char *", MT_CLASS_PTR, sizeof(char *), _Alignof(char *));
    char **copy = mt_malloc((size_t)(argc + 1) * sizeof *copy, ptr, NULL);
    if (!copy)
        die("%s", "out of memory copying the arguments");
    for (int i = 0; i < argc; i++)
        if (!(copy[i] = mt_strdup(argv[i])))
            die("%s", "out of memory copying the arguments");
    copy[argc] = NULL;
    return copy;
}

static void register_streams(void)
{
    const mt_type *byte = mt_type_scalar("char", MT_CLASS_BYTES, 1, 1);
    mt_error err;
    if (mt_register_constant("<stdin>", stdin, byte, 1, &err) < 0 ||
        mt_register_constant("<stdout>", stdout, byte, 1, &err) < 0 ||
        mt_register_constant("<stderr>", stderr, byte, 1, &err) < 0)
        die("%s", err.msg);
}

/* The C library's state that the runtime keeps (libc_*.c). */
static void register_libc(void)
{
    mt_error err;
    if (lc_env_track(&err) < 0 || lc_rand_register(&err) < 0 || lc_errno_register(&err) < 0 ||
        lc_signal_register(&err) < 0 || lc_stdio_register(&err) < 0 || lc_mmap_register(&err) < 0)
        die("%s", err.msg);
}

/* ---- Capture and restore ---------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int control_write_checkpoint(int leave)
{
    double t0 = now();
    fflush(NULL);  /* output before the checkpoint joins output after it */
    mt_error err;
    lc_signal_capture();
    int saved = lc_stdio_capture(&err) == 0 && lc_files_capture(&err) == 0 && mt_save(cfg.path, &err) == 0;
    lc_stdio_release();
    lc_files_release();
    if (!saved) {
        /* No job is lost to a checkpoint that was not written: one line,
         * no file, and the program carries on (it does not leave). */
        fprintf(stderr, "migthread: %s\n", err.msg);
        return -1;
    }
    if (cfg.verbose) {
        FILE *f = fopen(cfg.path, "rb");
        long size = -1;
        if (f && fseek(f, 0, SEEK_END) == 0)
            size = ftell(f);
        if (f)
            fclose(f);
        fprintf(stderr, "migthread: checkpoint %s: %ld bytes, written in %.3f ms\n", cfg.path,
                size, (now() - t0) * 1e3);
        if (have_request)
            fprintf(stderr, "migthread: trigger latency %.3f ms\n",
                    (capture_began.tv_sec - requested_at.tv_sec) * 1e3 +
                        (capture_began.tv_nsec - requested_at.tv_nsec) / 1e6);
        have_request = 0;
    }
    if (leave) {
        fflush(NULL);
        exit(0);
    }
    return 0;
}

/* Reads and places a checkpoint: the threads it holds are created and
 * wait until every frame is in place. */
static int restore_from(const char *path, void *(**start)(void *))
{
    double t0 = now();
    mt_error err;
    ck_image *img = in_read_restore(path, &err);  /* a file, "-" or migthread restart's stream */
    if (!img)
        die("%s", err.msg);
    if (lc_files_reopen(img, &err) < 0 || th_restore_prepare(img, &err) < 0 || restore_image(img, 0, &err) < 0)
        die("%s", err.msg);
    /* the library's state, before any thread of the program goes on */
    if (lc_signal_reinstall(&err) < 0 || lc_stdio_reinstate(&err) < 0 || lc_mmap_restored(&err) < 0)
        die("%s", err.msg);
    ck_image_free(img);
    int role = th_restore_start(start);
    if (role == TH_ROLE_MAIN && !frames_pending(frames_mine()))
        die("%s holds no stack to resume", path);
    if (cfg.verbose)
        fprintf(stderr, "migthread: restored %s in %.3f ms\n", path, (now() - t0) * 1e3);
    return role;
}

/* Runs the bottom of the main thread's stack until it ends for good:
 * each time a capture unwinds it, the checkpoint is written (or waited
 * for) and the stack rewinds. */
static int run_bottom(int (*resume_main)(void), int rc)
{
    while (mt_state_now() == MT_STATE_UNWINDING) {
        if (!th_capture_reached_bottom())
            th_main_leaves(1);  /* the main thread moved elsewhere */
        frames_set_state_after_rewind(control_idle_state(th_self_id()));
        mt_state_set(MT_STATE_REWINDING);
        rc = resume_main();
    }
    return rc;
}

/* How far the count got when the program ends before MIGTHREAD_AFTER_POLLS
 * ran out, so that scripts can pick positions that exist; said once. */
static void report_count(void)
{
    static int reported;
    if (reported || cfg.after_polls <= 0 || __atomic_load_n(&polls_left, __ATOMIC_RELAXED) <= 0)
        return;
    reported = 1;
    fflush(stdout);
    fprintf(stderr, "migthread: the program ended after %lld adaptation points, before MIGTHREAD_AFTER_POLLS=%lld\n",
            cfg.after_polls - (long long)polls_left, cfg.after_polls);
}

/* The same for a program that ends by calling exit(0) (on_exit: the runtime
 * exits non-zero after its own one-line errors, which must stay alone). */
static void report_count_at_exit(int status, void *unused)
{
    (void)unused;
    if (status == 0)
        report_count();
}

/* The checks made when the program ends, by returning from main or, after
 * main called pthread_exit, when its last thread ends (threads.c). */
void control_program_ends(void)
{
    if (cfg.thread && cfg.thread > th_last_id()) {
        /* nothing counted: a thread that never existed is a wrong number,
         * not a program that ended early */
        char n[16];
        snprintf(n, sizeof n, "%u", cfg.thread);
        die("MIGTHREAD_THREAD=%s names no thread of this program", n);
    }
    report_count();
}

static void *(*alone_start)(void *);

static int resume_alone(void)
{
    void *(*twin)(void) = (void *(*)(void))mt_twin_of((void (*)(void))alone_start);
    twin();
    return 0;
}

int mt_run_main(int argc, char **argv, int (*user_main)(int, char **), int (*resume_main)(void))
{
    frames_note_stack(&argc);
    read_config(argc > 0 ? argv[0] : "program");
    th_init_main();
    register_streams();
    register_libc();
    char **args = copy_argv(argc, argv);
    install_triggers();
    int rc;
    if (cfg.after_polls > 0) {
        polls_left = (long)cfg.after_polls;
        on_exit(report_count_at_exit, NULL);
    }
    if (cfg.restore) {
        int role = restore_from(cfg.restore, &alone_start);
        if (role == TH_ROLE_FINISHED)
            th_main_leaves(0);  /* main had ended; its threads go on */
        if (role == TH_ROLE_ALONE)
            resume_main = resume_alone;  /* a moved thread: its function, then the end */
        if (!resume_main)
            die("%s", "this program's main cannot be resumed (see mtcc's warnings)");
        /* a restored run may count toward its own checkpoint (a chain) */
        frames_set_state_after_rewind(control_idle_state(th_self_id()));
        mt_state_set(MT_STATE_REWINDING);
        rc = run_bottom(resume_main, resume_main());
        if (role == TH_ROLE_ALONE) {
            fflush(NULL);
            exit(0);
        }
    } else {
        mt_state_set(control_idle_state(th_self_id()));
        rc = run_bottom(resume_main, user_main(argc, args));
    }
    control_program_ends();
    mt_state_set(MT_STATE_IDLE);
    return rc;
}
