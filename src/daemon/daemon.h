/* daemon.h: migthreadd, the receiving end of live migration: its
 * configuration and its parts (main.c: options, listening, one process
 * per connection; session.c: one migration; programs.c: which build
 * receives a checkpoint; child.c: the restored program). */
#ifndef MT_DAEMON_H
#define MT_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net.h"

#define D_ABIS 6
#define D_RUNNER_WORDS 32

typedef struct d_config {
    const char *listen;          /* ADDR:PORT */
    const char *programs;        /* the builds that may be run */
    const char *workdir;         /* the programs' working directory, detached output */
    char *runner[D_ABIS][D_RUNNER_WORDS + 1];  /* per ABI: words before the build, NULL-terminated */
    int no_compress;             /* --no-compress: REQUEST's compress flag refused */
    net_keys keys;
    net_authorized clients;
} d_config;

/* Prints "migthreadd: ..." on stderr (one line, the log). */
void d_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* programs.c: the ABIs (as scripts/abi.sh names them) and their triples. */
int d_abi_index(const char *abi);
const char *d_abi_name(int i);
int d_host_abi(void);
/* The header and INFO record at the start of a checkpoint: how many bytes
 * they take (0: not all here yet; -1 with why: not a checkpoint). */
long d_info_span(const unsigned char *p, size_t n, char *why, size_t cap);
/* The checkpoint id in a checkpoint's header (the first n bytes of it);
 * -1 when they are not a checkpoint's header. It names a kept pre-copy. */
int d_checkpoint_id(const unsigned char *p, size_t n, uint64_t *id);
/* The program name the INFO text names (writer-exe, without its
 * directory or a .TRIPLE suffix), in name; 0 or -1 with why. */
int d_program_name(const unsigned char *p, size_t n, char *name, size_t cap, char *why, size_t wcap);
/* The build of name in cfg->programs this host can run: its path and
 * the ABI index; -1 with why when there is none. */
int d_find_build(const d_config *cfg, const char *name, char *path, size_t cap, int *abi, char *why, size_t wcap);

/* child.c: the restored program, fed by the daemon. */
typedef struct d_child {
    pid_t pid;
    int ckpt_fd;     /* the checkpoint goes in here (closed at END) */
    int ready_fd;    /* "ready\n" comes out, 'g' goes in */
    int out_fd, err_fd;
    int ahead_fd;    /* "ahead\n" comes out; the pre-copies and their names go in (closed before the held checkpoint) */
} d_child;
int d_spawn(const d_config *cfg, const char *build, int abi, d_child *c, char *why, size_t cap);
/* The end of the pre-copies read ahead (session.c): the held checkpoint
 * comes next. */
void d_end_ahead(d_child *c);
/* Kills and reaps it (an abort). */
void d_kill(d_child *c);
/* Ends and reaps it; its first `migthread:` line on stderr (its refusal) goes to why. */
void d_reason(d_child *c, char *why, size_t cap);

/* decide.c: the outcome of migration id, decided once and durably: want
 * (D_COMMITTED or D_ABORTED) is written unless a decision is already on
 * disk; returns the decision that stands, or -1 with why when none could
 * be recorded (then nothing may run). */
enum { D_COMMITTED = 1, D_ABORTED = 2 };
int d_decide(const d_config *cfg, uint64_t id, int want, char *why, size_t cap);

/* session.c: one connection, from accept to the log line. */
void d_session(const d_config *cfg, int fd, const char *from);
/* Removes the pre-copies in the workdir that no session holds (a session
 * that died, or a daemon killed before); the listener calls it as it
 * starts and after it reaps. */
void d_sweep_precopies(const d_config *cfg);

#endif
