/* program.c: the program's real main and the checkpoint writer.
 *
 * mt_run_main reads the configuration, registers what the C library
 * keeps, installs the triggers, and runs main (or restores a checkpoint
 * and resumes it). When a capture's unwinding reaches the bottom of a
 * thread, threads.c calls the writer handed to it here; then the program
 * either exits or rewinds from memory and carries on as if nothing had
 * happened. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "ckpt_chain.h"
#include "config.h"
#include "error.h"
#include "forkcap.h"
#include "frames.h"
#include "homes.h"
#include "incr.h"
#include "input.h"
#include "libc_state.h"
#include "migthread-gen.h"
#include "restore.h"
#include "safepoint.h"
#include "state.h"
#include "stream.h"
#include "threads.h"
#include "trigger.h"
#include "types.h"
#include "unions.h"

/* ---- argv and the standard streams ------------------------------------------------ */

/* main's argv points into the initial process stack; the program gets a
 * tracked copy, so that pointers to the arguments translate and a
 * restored program sees its original arguments. */
static char **copy_argv(int argc, char **argv)
{
    char **copy = lc_copy_strings(argv, argc > 0 ? (size_t)argc : 0);
    if (!copy)
        mt_fatal("out of memory copying the arguments");
    return copy;
}

static void register_streams(void)
{
    const mt_type *byte = mt_type_scalar("char", MT_CLASS_BYTES, 1, 1);
    mt_error err;
    if (mt_register_constant("<stdin>", stdin, byte, 1, &err) < 0 ||
        mt_register_constant("<stdout>", stdout, byte, 1, &err) < 0 ||
        mt_register_constant("<stderr>", stderr, byte, 1, &err) < 0)
        mt_fatal("%s", err.msg);
}

/* The C library's state that the runtime keeps (libc_*.c). */
static void register_libc(void)
{
    mt_error err;
    if (lc_env_track(&err) < 0 || lc_rand_register(&err) < 0 || lc_errno_register(&err) < 0 || lc_sleep_register(&err) < 0 ||
        lc_signal_register(&err) < 0 || lc_stdio_register(&err) < 0 || lc_mmap_register(&err) < 0)
        mt_fatal("%s", err.msg);
}

/* In the child of a fork: a new instance of the program, with its own
 * count of adaptation points and its own checkpoint file,
 * <parent's file>.<pid>, so that it never writes over the parent's. */
static void fork_child(void)
{
    fc_child();
    size_t len = strlen(cfg.path);
    snprintf(cfg.path + len, sizeof cfg.path - len, ".%ld", (long)getpid());
    if (th_last_id() > 1) {
        /* only the forking thread lives on: a capture would wait for the
         * others for ever, so this child does not checkpoint */
        sp_polls_reset(0);
        cfg.after_polls = 0;
        cfg.interval = 0;
        ch_child(1);
        mt_state_set(MT_STATE_IDLE);
        return;
    }
    sp_polls_reset((long)cfg.after_polls);
    mt_state_set(sp_idle_state(th_self_id()));
    ch_child(0);  /* its own socket, and its own interval timer */
}

/* ---- The checkpoint writer ---------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Writes the checkpoint into a descriptor the requester passed (a file,
 * a pipe, a socket): a peer that goes away is an error, not SIGPIPE. */
static int save_to_fd(int fd, long long *size, mt_error *err)
{
    st_stream *s = malloc(sizeof *s);
    if (!s)
        return mt_fail(err, MT_ENOMEM, "out of memory saving a checkpoint");
    sigset_t pipe_only, old;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    st_init_fd(s, fd);
    int rc = state_write(s, err);
    *size = (long long)s->offset;
    free(s);
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&pipe_only, NULL, &zero) > 0)
        ;  /* a SIGPIPE the write raised: the error said it */
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

/* A channel request's descriptor: a pre-copy keeps this checkpoint's
 * hashes, and the held checkpoint after it is a delta (incr.h). */
static int save_to_descriptor(int requester, int fd, long long *size, mt_error *err)
{
    int keep;
    int delta = ch_stream_incr(requester, &keep);
    incr_prepare_stream(keep, delta);
    int rc = save_to_fd(fd, size, err);
    incr_stream_done(rc);
    return rc;
}

/* A channel request's descriptor whose stream a tool makes the file at
 * path (migthread checkpoint --compress): an incremental one refers to
 * the file at path as mt_save's would; the tool renames it into place
 * after the answer (incr_commit_stream). */
static int save_stream_file(int fd, const char *path, long long *size, mt_error *err)
{
    incr_prepare(path);
    int rc = save_to_fd(fd, size, err);
    if (rc == 0)
        incr_commit_stream(path);
    else
        incr_abort();
    return rc;
}

/* Where a checkpoint goes: fd (a stream; a tool's file at path when path
 * is not empty), or the file at path. */
static int save_to(int requester, int fd, const char *path, long long *size, mt_error *err)
{
    if (fd >= 0)
        return path[0] ? save_stream_file(fd, path, size, err) : save_to_descriptor(requester, fd, size, err);
    return mt_save(path, err);
}

static long long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long size = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (f)
        fclose(f);
    return size;
}

/* ---- Forked capture ------------------------------------------------------------------ */

/* When the first thread began to unwind for the capture under way (0:
 * none has): a forked capture's "stopped" counts from there. */
static double capture_first;

static void capture_begins(void)
{
    if (capture_first == 0)
        capture_first = now();
    ch_capture_begins();
}

static void capture_ends(int requester, const char *why)
{
    capture_first = 0;
    ch_capture_ends(requester, why);
}

/* The forked capture under way (one at a time: fc_wait_idle). The writer
 * reads its copy; the program's stays for the report. */
static struct forked {
    int requester;
    int fd;                 /* the requester's descriptor, or -1: path */
    int incr_fd;            /* the memory file the writer's table of hashes comes back in, or -1 */
    int keep, delta;        /* to fd: a pre-copy whose hashes are kept; a delta of the kept one (ch_stream_incr) */
    char path[CFG_PATH_MAX];
    double t0, stopped_ms;  /* the writer's start; how long the program stood */
    int have_latency;
    double latency_ms;
} forked;

/* In the writer process. */
static int forked_write(void *ctx, long long *size, mt_error *err)
{
    struct forked *f = ctx;
    th_unlock();  /* taken across the fork (write_forked); the copy's threads are this one alone */
    if (f->fd >= 0 && f->path[0]) {
        int rc = save_stream_file(f->fd, f->path, size, err);
        if (rc == 0 && f->incr_fd >= 0 && cfg.fault != CFG_FAULT_LOSE_FORK_TABLE)
            incr_send(f->incr_fd);  /* (a failure leaves it empty: the next checkpoint is whole) */
        return rc;
    }
    if (f->fd >= 0) {
        incr_prepare_stream(f->keep, f->delta);
        int rc = save_to_fd(f->fd, size, err);
        incr_stream_done(rc);
        if (rc == 0 && f->keep && f->incr_fd >= 0 && cfg.fault != CFG_FAULT_LOSE_FORK_TABLE)
            incr_send(f->incr_fd);  /* (a failure leaves it empty: the program then keeps no parent) */
        return rc;
    }
    if (mt_save(f->path, err) < 0)
        return -1;
    *size = file_size(f->path);
    if (f->incr_fd >= 0 && cfg.fault != CFG_FAULT_LOSE_FORK_TABLE)
        incr_send(f->incr_fd);  /* (a failure leaves it empty: the next checkpoint is whole) */
    return 0;
}

/* The copy's table of hashes back in the program. A pre-copy's that did
 * not come back whole leaves no kept parent: the held checkpoint after it
 * is whole, never a delta of some other state. */
static void take_table(struct forked *f, int ok)
{
    int taken = -1;
    if (f->incr_fd >= 0 && ok)
        taken = incr_receive(f->incr_fd);
    else if (f->incr_fd >= 0)
        close(f->incr_fd);
    f->incr_fd = -1;
    if (f->keep && taken != 0)
        incr_forget();
}

/* On the control thread, once the writer is done: the lines a stopped
 * checkpoint prints, and the requester's answer. */
static void forked_report(const fc_outcome *out, void *ctx)
{
    struct forked *f = ctx;
    take_table(f, out->ok);  /* the next checkpoint may refer to this one */
    if (!out->ok) {
        fprintf(stderr, "migthread: %s\n", out->why);
        ch_failed(f->requester, out->why);
        ch_resolve(f->requester);
        return;
    }
    double ms = (out->done_at - f->t0) * 1e3;
    char full[PATH_MAX];
    ch_written(f->requester, f->fd >= 0 ? NULL : realpath(f->path, full) ? full : f->path,
               out->size < 0 ? 0 : (uint64_t)out->size, ms);
    if (cfg.verbose) {
        fprintf(stderr, "migthread: checkpoint %s: %lld bytes, written in %.3f ms (forked, the program stopped %.3f ms)\n",
                f->fd >= 0 && !f->path[0] ? "(descriptor)" : f->path, out->size, ms, f->stopped_ms);
        incr_report(stderr, f->fd >= 0 && !f->path[0] ? "(descriptor)" : f->path);
        if (f->have_latency)
            fprintf(stderr, "migthread: trigger latency %.3f ms\n", f->latency_ms);
    }
    ch_resolve(f->requester);
}

/* Hands the checkpoint to a forked copy and returns at once: 0, or -1
 * when no copy could be made (one `migthread:` line). The library's state
 * that the copy could not see as it is now (file offsets, stdin's
 * buffer, standard output's size) is taken here, with the program
 * stopped. */
static int write_forked(int requester, const char *path, int fd, double t0)
{
    /* the control thread writes this checkpoint's report (forked_report):
     * the streams lock again first, the program being stopped here */
    lc_locks_shared();
    forked = (struct forked){ .requester = requester, .fd = fd, .incr_fd = -1, .t0 = t0 };
    if (fd >= 0)  /* (here: the channel's lock may be held anywhere at the fork) */
        forked.delta = ch_stream_incr(requester, &forked.keep);
    snprintf(forked.path, sizeof forked.path, "%s", path);
    forked.have_latency = ch_latency(&forked.latency_ms);
    mt_error err;
    lc_signal_capture();
    int wfd = -1;
    if (lc_stdio_capture(&err) == 0 && lc_files_capture(&err) == 0) {
        state_note_writer(1);
        /* the thread lock, which the copy's writing takes (th_write), is
         * held across the fork so that no other thread (the control
         * thread taking a request) holds it there for ever */
        th_lock();
        forked.incr_fd = fd < 0 || path[0] || forked.keep ? incr_fork_begin(forked.keep) : -1;
        int keep_fd[2] = { fd, forked.incr_fd };
        wfd = fc_start(forked_write, forked_report, &forked, keep_fd, &err);
        th_unlock();
        state_note_writer(0);
    }
    lc_stdio_release();
    lc_files_release();
    if (wfd < 0) {
        take_table(&forked, 0);
        fprintf(stderr, "migthread: %s\n", err.msg);
        ch_failed(requester, err.msg);
        return -1;
    }
    forked.stopped_ms = (now() - (capture_first > 0 ? capture_first : t0)) * 1e3;
    ch_defer(requester);
    if (ch_watch(wfd, fc_collect) < 0)
        fc_collect();  /* no control thread to tend it: the program waits, as for a stopped one */
    return 0;
}

/* A program that ends while a forked checkpoint is being written waits
 * for it: the file is complete, and reported, before the process is gone. */
static void wait_for_writer(void)
{
    fc_wait_idle();
}

/* Flushes stdio and writes the checkpoint (where a channel request said,
 * or cfg.path); exits with status 0 afterwards when leave is set. Returns
 * 0; 1 for a thread capture (whole 0) that migthread migrate held and then
 * told to go (the thread leaves, not the process); or -1 when none was written (a capture no reader could restore, an
 * I/O error): one `migthread:` line, no file, and the caller carries on
 * without leaving. A checkpoint after which the program goes on is
 * forked when asked (MIGTHREAD_FORK, --fork): then 0 means the writer
 * started, and its outcome is reported when it is done. threads.c calls
 * it (th_hooks). */
static int control_write_checkpoint(int leave, int requester, int whole)
{
    double t0 = now();
    fc_wait_idle();  /* an earlier forked checkpoint is complete first */
    fflush(NULL);  /* output before the checkpoint joins output after it */
    char path[CFG_PATH_MAX];
    int fd = -1;
    if (!ch_target(requester, path, sizeof path, &fd))
        snprintf(path, sizeof path, "%s", cfg.path);
    /* (before the fork: the forked writer takes it along) */
    incr_want(cfg.incremental || ch_incremental(requester));
    if (!leave && ch_forkable(requester, cfg.fork))
        return write_forked(requester, path, fd, t0);
    mt_error err;
    long long size = -1;
    lc_signal_capture();
    int saved = lc_stdio_capture(&err) == 0 && lc_files_capture(&err) == 0 &&
                save_to(requester, fd, path, &size, &err) == 0;
    lc_stdio_release();
    lc_files_release();
    if (!saved) {
        /* No job is lost to a checkpoint that was not written: one line,
         * no file, and the program carries on (it does not leave). */
        fprintf(stderr, "migthread: %s\n", err.msg);
        ch_failed(requester, err.msg);
        return -1;
    }
    const char *shown = fd >= 0 && !path[0] ? "(descriptor)" : path;
    if (fd < 0)
        size = file_size(path);
    double ms = (now() - t0) * 1e3;
    char full[PATH_MAX];
    ch_written(requester, fd >= 0 ? NULL : realpath(path, full) ? full : path, size < 0 ? 0 : (uint64_t)size, ms);
    if (cfg.verbose) {
        fprintf(stderr, "migthread: checkpoint %s: %lld bytes, written in %.3f ms\n", shown, size, ms);
        incr_report(stderr, shown);
        double lat;
        if (ch_latency(&lat))
            fprintf(stderr, "migthread: trigger latency %.3f ms\n", lat);
    }
    /* migthread migrate: stopped until the destination is ready (exit)
     * or the migration failed (carry on as if nothing had happened) */
    if (ch_hold(requester)) {
        if (!whole)
            return 1;  /* the thread leaves; the process goes on */
        leave = 1;
    }
    if (leave) {
        fflush(NULL);
        ch_before_exit(requester);
        exit(0);
    }
    return 0;
}

/* ---- Restore and the bottom of main ---------------------------------------------------- */

/* MIGTHREAD_FAULT=replace-ahead: path replaced by a copy of itself (the
 * same bytes in another file), as if it changed after it was read ahead. */
static void replace_file(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.replaced", path);
    int in = open(path, O_RDONLY | O_CLOEXEC), out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    char buf[65536];
    ssize_t n = 0;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0 && write(out, buf, (size_t)n) == n)
        ;
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) == 0 && n == 0)
        rename(tmp, path);
    else
        unlink(tmp);
}

static uint64_t ahead_placed;  /* blocks placed ahead, all pre-copies read ahead */

/* MIGTHREAD_VERBOSE: what the read-ahead did, the end of the restore's
 * line (a line of its own before it would be the daemon's reason for a
 * refusal; after it, one more line in the program's stderr). */
static void say_ahead(uint64_t taken)
{
    ck_ahead_stats st = ck_chain_ahead_stats();
    fprintf(stderr, "; read ahead %u pre-copies (%llu bytes) while the source ran: %u taken as parents, %u parents "
            "read at the hold; %llu of %llu blocks placed ahead taken", st.read, (unsigned long long)st.bytes,
            st.used, st.reread, (unsigned long long)taken, (unsigned long long)ahead_placed);
}

/* One pre-copy from fd (its bytes, then its file's name): read with its
 * heap blocks converted as they arrive, kept as that file (ckpt_chain.h),
 * the rest of its blocks placed. 0; 1 when it could not be kept (read at
 * the hold); -1 when the channel ended mid-way (nothing more comes). */
static int read_one_ahead(int fd)
{
    restore_early *e = restore_early_new(0);
    if (!e)
        return -1;
    restore_early_for_ahead(e);
    ck_read_hooks hooks = { .part = restore_early_part, .block = restore_early_block, .ctx = e };
    mt_error err;
    char name[PATH_MAX];
    ck_image *img = in_read_fd_with(fd, &hooks, &err);
    int rc = img && in_ahead_name(fd, name, sizeof name) == 0 ? ck_chain_keep_ahead(img, name, e, &err) : -2;
    if (rc < 0) {
        ck_image_free(img);
        restore_early_free(e);
        return rc == -2 ? -1 : 1;
    }
    ahead_placed += restore_early_place_ahead(e, img);
    if (cfg.fault == CFG_FAULT_REPLACE_AHEAD)
        replace_file(name);
    return 0;
}

/* A migration's destination (MIGTHREAD_PRECOPY_FD, migthreadd): each
 * pre-copy the daemon keeps is read as it arrives, validated and resolved,
 * and its blocks placed, while the source still runs, until the daemon
 * ends the channel before the held checkpoint. The held checkpoint's chain
 * then takes what it names from here (ckpt_chain.h); a file that failed
 * here, or one that is no longer what was read, is read at the hold as
 * always. 1 when there was a channel. */
static int read_ahead(void)
{
    int fd = in_ahead_fd();
    if (fd < 0)
        return 0;
    static const ck_ahead_hooks hooks = { restore_early_inherit, restore_early_drop };
    ck_chain_ahead_hooks(&hooks);
    while (in_ahead_more(fd) && read_one_ahead(fd) >= 0)
        ;
    close(fd);
    return 1;
}

/* Reads and places a checkpoint: the threads it holds are created and
 * wait until every frame is in place. */
static int restore_from(const char *path, void *(**start)(void *))
{
    double t0 = now();
    mt_error err;
    int ready_fd = in_ready_fd(&err);  /* migthreadd's, before a restored file can take its number */
    if (ready_fd == -2)
        mt_fatal("%s", err.msg);
    /* a file, "-" or migthread restart's stream, and its parents; the
     * blocks of numbers convert as they come */
    if (cfg.fault == CFG_FAULT_UNORDERED_HOMES)
        homes_test_unordered();
    int ahead = read_ahead();
    restore_early *early = restore_early_new(0);
    restore_early_drop_bytes(early, !cfg.incremental);  /* the seeding below hashes them */
    ck_read_hooks hooks = { restore_early_part, restore_early_block, early, restore_early_run_begin,
                            restore_early_run_home, restore_early_run_block };
    ck_image *img = ck_chain_read_restore_with(path, early ? &hooks : NULL, &err);
    if (!img)
        mt_fatal("%s", err.msg);
    incr_seed_begin(img, path);  /* MIGTHREAD_INCREMENTAL: img is the first parent */
    restore_on_placed(incr_seed_block);
    if (lc_files_reopen(img, &err) < 0 || th_restore_prepare(img, &err) < 0 ||
        restore_image_early(img, early, 0, &err) < 0)
        mt_fatal("%s", err.msg);
    uint64_t placed_ahead = restore_early_ahead(early);
    if (!restore_order_kept())  /* not a refusal: most programs never compare two blocks */
        fprintf(stderr, "migthread: warning: %s: malloc here gives no rising addresses, so the heap blocks are not "
                "in the writer's address order (a program that compares addresses of distinct blocks may "
                "go another way)\n", path);
    restore_early_free(early);
    incr_seed_end();
    /* the library's state, before any thread of the program goes on */
    if (lc_signal_reinstall(&err) < 0 || lc_stdio_reinstate(&err) < 0 || lc_mmap_restored(&err) < 0)
        mt_fatal("%s", err.msg);
    ck_image_free(img);
    /* everything is read, verified and in place, and no thread of the
     * program has gone on: the daemon's READY, then its COMMIT (or not) */
    if (ready_fd >= 0 && in_await_go(ready_fd, &err) < 0)
        mt_fatal("%s", err.msg);
    in_forget_handover();  /* before any thread of the program reads the environment */
    int role = th_restore_start(start);
    if (role == TH_ROLE_MAIN && !frames_pending(frames_mine()))
        mt_fatal("%s holds no stack to resume", path);
    if (cfg.verbose) {
        fprintf(stderr, "migthread: restored %s in %.3f ms", path, (now() - t0) * 1e3);
        if (ahead)
            say_ahead(placed_ahead);
        if (restore_moved_for_order())
            fprintf(stderr, ", %llu heap blocks moved to keep the writer's address order",
                    (unsigned long long)restore_moved_for_order());
        fputc('\n', stderr);
    }
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
        th_rewind_begins(sp_idle_state(th_self_id()));
        rc = resume_main();
    }
    return rc;
}

/* How far the count got when the program ends before MIGTHREAD_AFTER_POLLS
 * ran out, so that scripts can pick positions that exist; said once. */
static void report_count(void)
{
    static int reported;
    long left = sp_polls_left();
    if (reported || cfg.after_polls <= 0 || left <= 0)
        return;
    reported = 1;
    fflush(stdout);
    fprintf(stderr, "migthread: the program ended after %lld adaptation points, before MIGTHREAD_AFTER_POLLS=%lld\n",
            cfg.after_polls - (long long)left, cfg.after_polls);
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
static void control_program_ends(void)
{
    if (cfg.thread && cfg.thread > th_last_id()) {
        /* nothing counted: a thread that never existed is a wrong number,
         * not a program that ended early */
        char n[16];
        snprintf(n, sizeof n, "%u", cfg.thread);
        mt_fatal("MIGTHREAD_THREAD=%s names no thread of this program", n);
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

/* Before the runtime starts a thread of the program: the union table
 * takes its lock from now on, and the program's streams lock again
 * (libc_locks.c). */
static void before_spawn(void)
{
    unions_shared();
    lc_locks_shared();
}

/* What the thread code calls back into (it imports nothing above it). */
static const th_hooks hooks = {
    .idle_state = sp_idle_state,
    .in_callback = sp_in_callback,
    .capture_begins = capture_begins,
    .write_checkpoint = control_write_checkpoint,
    .capture_ends = capture_ends,
    .program_ends = control_program_ends,
    .before_spawn = before_spawn,
};

int mt_run_main(int argc, char **argv, int (*user_main)(int, char **), int (*resume_main)(void))
{
    frames_note_stack(&argc);
    cfg_read(argc > 0 ? argv[0] : "program");
    th_set_hooks(&hooks);
    th_init_main();
    if (th_last_id() == 1)
        unions_solo();  /* main is the program's one thread so far (no constructor started one) */
    register_streams();
    register_libc();
    if (cfg.control && !cfg.stdio_locks)
        lc_locks_begin();  /* before the control thread: see libc_locks.c */
    char **args = copy_argv(argc, argv);
    tg_install();
    lc_fork_set_child_hook(fork_child);
    if (cfg.control)
        atexit(wait_for_writer);
    heap_huge_pages(cfg.fork);
    int rc;
    if (cfg.after_polls > 0) {
        sp_polls_reset((long)cfg.after_polls);
        on_exit(report_count_at_exit, NULL);
    }
    if (cfg.restore) {
        int role = restore_from(cfg.restore, &alone_start);
        if (role == TH_ROLE_FINISHED)
            th_main_leaves(0);  /* main had ended; its threads go on */
        if (role == TH_ROLE_ALONE)
            resume_main = resume_alone;  /* a moved thread: its function, then the end */
        if (!resume_main)
            mt_fatal("this program's main cannot be resumed (see mtcc's warnings)");
        /* a restored run may count toward its own checkpoint (a chain) */
        frames_set_state_after_rewind(sp_idle_state(th_self_id()));
        mt_state_set(MT_STATE_REWINDING);
        ch_start(argc > 0 ? argv[0] : "program");
        rc = run_bottom(resume_main, resume_main());
        if (role == TH_ROLE_ALONE) {
            fflush(NULL);
            exit(0);
        }
    } else {
        mt_state_set(sp_idle_state(th_self_id()));
        ch_start(argc > 0 ? argv[0] : "program");
        rc = run_bottom(resume_main, user_main(argc, args));
    }
    control_program_ends();
    mt_state_set(MT_STATE_IDLE);
    return rc;
}
