/* cli.h: the subcommands of the migthread command and their helpers. */
#ifndef MT_CLI_H
#define MT_CLI_H

int cmd_inspect(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_migrate(int argc, char **argv);

/* Print one "migthread: ..." line on stderr; return the exit status 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Put "CONTEXT: " before the reason of every cli_fail line until it is
 * set back to NULL (what failed, for a reason told by a lower layer). */
void cli_fail_context(const char *context);
/* Calls fn before each cli_fail line (NULL: nothing): migrate's progress
 * line erases itself. */
void cli_fail_before(void (*fn)(void));
/* Print a usage line for a subcommand; return the exit status 2. */
int cli_usage(const char *synopsis);

/* ---- control.c: asking a program through its control channel ---- */
struct cm_msg;
/* Sends the CHECKPOINT request m to process pid, waiting up to wait_ms for
 * the socket of a program just started, and waits for the outcome (up to
 * m's TIMEOUT_MS, when set, for an adaptation point). Returns 0 with the
 * program's OK in m, or 1 after one "migthread:" line (the program's
 * reason, or why it could not be asked). */
int cli_ask_checkpoint(long pid, struct cm_msg *m, long long wait_ms);

/* Connects to process pid's control socket (waiting up to wait_ms for a
 * program just started): the descriptor, or -1 after one "migthread:" line. */
int cli_control_connect(long pid, long long wait_ms);

/* ---- zfile.c: compressed checkpoint files (src/zfile) ---- */
#include <stddef.h>
#include <stdint.h>
struct zf_head;
/* What fd holds (zfile.h's ZF_PLAIN, ZF_CONTAINER, ZF_BARE_ZSTD), from its
 * first bytes: read by pread from a regular file, else read into pre
 * (*npre of them, up to ZF_MAGIC_LEN) for the caller to hand on. */
int cli_zfile_kind(int fd, uint8_t *pre, size_t *npre);
/* Decompresses the regular file fd once, holding nothing but the window,
 * and checks it whole (frame, size, the header's id and digest against
 * the checkpoint inside); then seeks back to its start. 0, or 1 after one
 * "migthread:" line naming label. */
int cli_zfile_check(int fd, const char *label);
/* A pipe's read end on which a process of its own (not this one's child:
 * this process may exec a program) writes the plain stream decompressed
 * from pre, then fd; -1 after one "migthread:" line. The feeder says
 * nothing: a stream it cannot decompress whole ends early, which the
 * program's reader reports. */
int cli_zfile_feed(int fd, const uint8_t *pre, size_t npre, const char *label);
/* The same in a thread (the npre bytes at pre first, as cli_zfile_kind
 * left them), for a reader in this process: *plain gets the
 * pipe's read end; NULL when it cannot start. _end waits for the thread
 * (the reader closed *plain or read it to its end): 0, or -1 with the
 * decompressor's reason in why; h gets the container header, plain_size
 * the bytes passed on. */
typedef struct cli_zfile_reader cli_zfile_reader;
cli_zfile_reader *cli_zfile_reader_start(int fd, const uint8_t *pre, size_t npre, int *plain);
int cli_zfile_reader_end(cli_zfile_reader *r, char *why, size_t cap, struct zf_head *h, uint64_t *plain_size);
/* The first records of the checkpoint file at path, plain or compressed
 * (through a reader thread, stopped once they are read): what read returns
 * from its plain stream (ck_read_start, ck_read_info, ...), or NULL when
 * the file cannot be opened or read, or is bare zstd. */
struct st_stream;
struct mt_error;
void *cli_zfile_peek(const char *path, void *(*read)(struct st_stream *s, struct mt_error *err), struct mt_error *err);
/* The chain of the checkpoint file at path (plain or compressed): a feeder
 * (as cli_zfile_feed's) for each compressed parent, in the chain's order,
 * their pipes' read ends into fds (at most max); how many. The walk stops
 * at a parent it cannot read: the program's reader says why. */
int cli_chain_feed(const char *path, int *fds, int max);
/* The same, handed to a program about to be exec'd
 * (MIGTHREAD_RESTORE_PARENT_FDS, runtime ckpt_chain.c): 0 or -1. */
int cli_chain_hand_over(const char *path);
/* ck_chain_links for chains with compressed files: the files a writer kept
 * beside path under its chain names, in order, into out; how many. */
int cli_chain_links(const char *path, char (*out)[4096], int max);
void cli_chain_remove_links(const char *path);
/* checkpoint --compress: asks process pid (request m: its flags; its PATH,
 * or the program's own path when unset) for the plain stream on a pipe and
 * compresses it into PATH.tmp.PID, synced and renamed over PATH. 0 with
 * the program's OK in m (PATH set) and the two sizes, or 1 after one
 * "migthread:" line; a failure leaves the previous file at PATH as it was. */
int cli_checkpoint_compressed(long pid, struct cm_msg *m, long long wait_ms, uint64_t *file_size,
                              uint64_t *plain_size);

/* ---- restart.c ---- */
/* The value of the line "KEY: value" of a checkpoint's INFO text
 * (malloc'd), or NULL when there is none. */
char *cli_info_value(const char *info, const char *key);

/* ---- help.c: --help, help COMMAND (and so the man page) ---- */
#include <stddef.h>
#include <stdio.h>

/* One subcommand: its name, what runs it, its usage line after "migthread ". */
typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *synopsis;
} cli_command;

/* The whole help, every command in cmds with its options. */
void cli_print_help(FILE *out, const cli_command *cmds, size_t ncmds);
/* One command's usage line, summary and options. */
void cli_print_command_help(FILE *out, const cli_command *cmd);
/* Whether help.c describes the command called name. */
int cli_has_help(const char *name);

#endif
