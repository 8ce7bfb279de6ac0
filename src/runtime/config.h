/* config.h: the runtime's configuration, read once from the environment
 * (MIGTHREAD_*) when the program starts (config.c). The other runtime
 * files read cfg; only start-up and a fork's child change it. */
#ifndef MT_CONFIG_H
#define MT_CONFIG_H

#include <stdint.h>

enum { CFG_PATH_MAX = 4096 };
/* MIGTHREAD_INCREMENTAL_MAX's default: incremental checkpoints in a row. */
enum { CFG_INCR_MAX_DEFAULT = 8 };
/* The tests' faults (MIGTHREAD_FAULT): lose-fork-table, the table of
 * hashes a forked copy would send back is lost; refuse-keep-fork, a
 * pre-copy asked forked is refused as a runtime from before it did;
 * replace-ahead, a migration's pre-copy read ahead at the destination is
 * then replaced by a copy of itself (another file: read again at the
 * hold); unordered-homes, a restore's heap blocks get malloc's homes in
 * whatever order it gives them (the loader's repair of the order runs). */
enum {
    CFG_FAULT_LOSE_FORK_TABLE = 1,
    CFG_FAULT_REFUSE_KEEP_FORK = 2,
    CFG_FAULT_REPLACE_AHEAD = 3,
    CFG_FAULT_UNORDERED_HOMES = 4
};

typedef struct config {
    char path[CFG_PATH_MAX];  /* MIGTHREAD_CHECKPOINT_FILE, or <program>.ckpt */
    long long after_polls;  /* MIGTHREAD_AFTER_POLLS, 0: off */
    double interval;        /* MIGTHREAD_INTERVAL seconds, 0: off */
    int exit_after;         /* MIGTHREAD_EXIT_AFTER_CHECKPOINT */
    const char *restore;    /* MIGTHREAD_RESTORE */
    int verbose;            /* MIGTHREAD_VERBOSE: one line per checkpoint */
    uint32_t thread;        /* MIGTHREAD_THREAD: a thread checkpoint of this thread */
    int signals;            /* MIGTHREAD_SIGNALS: SIGUSR1/SIGUSR2 are triggers too */
    int allow_root;         /* MIGTHREAD_ALLOW_ROOT: root may use the control channel */
    int control;            /* not MIGTHREAD_CONTROL=0: the channel and its thread */
    int stdio_locks;        /* MIGTHREAD_STDIO_LOCKS: glibc's stream locks even with one program thread */
    int fork;               /* MIGTHREAD_FORK: checkpoints that let the program go on are forked */
    int incremental;        /* MIGTHREAD_INCREMENTAL: refer to the previous checkpoint (incr.c) */
    uint32_t incr_max;      /* MIGTHREAD_INCREMENTAL_MAX: a full checkpoint after this many incremental ones */
    int fault;              /* MIGTHREAD_FAULT (tests only): CFG_FAULT_*, 0: none */
} config;

extern config cfg;

/* Reads every MIGTHREAD_* variable into cfg; argv0 names the default
 * checkpoint file. A value that is not understood ends the program with
 * one line (mt_fatal): a typo must not silently mean "no checkpoint". */
void cfg_read(const char *argv0);

#endif
