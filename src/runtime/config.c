/* config.c: the MIGTHREAD_* environment variables, read once when the
 * program starts. Every value is checked: one that is not understood
 * ends the program with one line before main runs. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "error.h"

config cfg;

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
        mt_fatal("%s must be a non-negative whole number", name);
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
        mt_fatal("MIGTHREAD_THREAD must be a thread number (main is 1), not '%s'", v);
    return (uint32_t)n;
}

/* MIGTHREAD_INCREMENTAL and MIGTHREAD_INCREMENTAL_MAX (1 to the chain a
 * reader follows). */
static void cfg_incremental(void)
{
    cfg.incremental = env_count("MIGTHREAD_INCREMENTAL") != 0;
    long long max = env_count("MIGTHREAD_INCREMENTAL_MAX");
    const char *v = getenv("MIGTHREAD_INCREMENTAL_MAX");
    if (v && *v && (max < 1 || max > CK_CHAIN_MAX))
        mt_fatal("MIGTHREAD_INCREMENTAL_MAX must be 1 to %d incremental checkpoints in a row, not '%s'", CK_CHAIN_MAX, v);
    cfg.incr_max = v && *v ? (uint32_t)max : CFG_INCR_MAX_DEFAULT;
}

void cfg_read(const char *argv0)
{
    const char *path = getenv("MIGTHREAD_CHECKPOINT_FILE");
    if (path && *path)
        snprintf(cfg.path, sizeof cfg.path, "%s", path);
    else
        snprintf(cfg.path, sizeof cfg.path, "%s.ckpt", base_name(argv0));
    cfg.after_polls = env_count("MIGTHREAD_AFTER_POLLS");
    if (cfg.after_polls > LONG_MAX)
        mt_fatal("MIGTHREAD_AFTER_POLLS is larger than this ABI counts (%s)", getenv("MIGTHREAD_AFTER_POLLS"));
    cfg.exit_after = env_count("MIGTHREAD_EXIT_AFTER_CHECKPOINT") != 0;
    cfg.verbose = env_count("MIGTHREAD_VERBOSE") != 0;
    const char *interval = getenv("MIGTHREAD_INTERVAL");
    if (interval && *interval) {
        char *end;
        cfg.interval = strtod(interval, &end);
        if (*end || !(cfg.interval > 0))
            mt_fatal("MIGTHREAD_INTERVAL must be a positive number of seconds, not '%s'", interval);
    }
    cfg.thread = env_thread();
    cfg.signals = env_count("MIGTHREAD_SIGNALS") != 0;
    cfg.allow_root = env_count("MIGTHREAD_ALLOW_ROOT") != 0;
    /* MIGTHREAD_CONTROL=0: no control thread, for an emulator that cannot
     * run a second thread (qemu-i386 with a dynamic glibc hangs in
     * pthread_create); what needs the thread is then refused. */
    const char *control = getenv("MIGTHREAD_CONTROL");
    cfg.control = !(control && *control) || env_count("MIGTHREAD_CONTROL") != 0;
    if (!cfg.control && cfg.interval > 0)
        mt_fatal("MIGTHREAD_INTERVAL needs the control thread, which MIGTHREAD_CONTROL=0 turns off");
    if (!cfg.control && cfg.signals)
        mt_fatal("MIGTHREAD_SIGNALS needs the control thread, which MIGTHREAD_CONTROL=0 turns off");
    /* MIGTHREAD_STDIO_LOCKS=1: the streams keep glibc's locks while the
     * program has one thread (for threads the runtime cannot see:
     * libc_locks.c) */
    cfg.stdio_locks = env_count("MIGTHREAD_STDIO_LOCKS") != 0;
    /* the control thread collects a forked checkpoint's writer and reports */
    cfg.fork = env_count("MIGTHREAD_FORK") != 0;
    if (!cfg.control && cfg.fork)
        mt_fatal("MIGTHREAD_FORK needs the control thread, which MIGTHREAD_CONTROL=0 turns off");
    cfg_incremental();
    const char *fault = getenv("MIGTHREAD_FAULT");
    cfg.fault = !fault                                ? 0
                : strcmp(fault, "lose-fork-table") == 0  ? CFG_FAULT_LOSE_FORK_TABLE
                : strcmp(fault, "refuse-keep-fork") == 0 ? CFG_FAULT_REFUSE_KEEP_FORK
                : strcmp(fault, "replace-ahead") == 0    ? CFG_FAULT_REPLACE_AHEAD
                : strcmp(fault, "unordered-homes") == 0  ? CFG_FAULT_UNORDERED_HOMES
                                                         : 0;
    const char *restore = getenv("MIGTHREAD_RESTORE");
    cfg.restore = restore && *restore ? restore : NULL;
}
