/* help.c: what `migthread --help`, `migthread help COMMAND` and
 * `migthread COMMAND --help` print. `migthread --help` is also the source
 * of the man page migthread.1 (help2man), so it keeps to help2man's form:
 * "Usage:", indented options, sections ending in ":". */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Each command's summary and options; a command missing here is
 * described by its synopsis alone (tests/cli.sh requires every one). */
static const struct {
    const char *name, *summary, *options;
} help_text[] = {
    { "checkpoint",
      "  Ask a running program built with mtcc, through its control channel, to\n"
      "  checkpoint at its next adaptation point, wait for the outcome and print the\n"
      "  file, its size and the time it took (exit 0), or the program's reason (exit\n"
      "  1). No signal is sent: a process without a channel is not a MigThread\n"
      "  program and is left alone. The checkpoint goes where the program's\n"
      "  MIGTHREAD_CHECKPOINT_FILE says (default PROGRAM.ckpt in its working\n"
      "  directory) unless -o says otherwise.\n",
      "  -o FILE              write the checkpoint to FILE (- : standard output)\n"
      "  --exit               the program exits once the checkpoint is written\n"
      "  --fork               a forked copy of the program writes the checkpoint while\n"
      "                       the program goes on (stopped a few ms); the answer\n"
      "                       comes once the file is complete (--exit: not forked)\n"
      "  --incremental        refer to the previous checkpoint the program wrote to the\n"
      "                       same file (kept beside it as FILE.ID) for the chunks that\n"
      "                       did not change; the first one is whole\n"
      "  --compress           write FILE zstd-compressed: the program writes its plain\n"
      "                       stream to this command, which compresses it; restart,\n"
      "                       inspect and run find out by themselves (not with -o -;\n"
      "                       with --incremental every file of the chain compressed)\n"
      "  --thread N           save thread N alone (main is 1); with --exit it leaves\n"
      "                       the process, the other threads carry on\n"
      "  --timeout SECONDS    give up after SECONDS without an adaptation point in\n"
      "                       every thread (or without the program's socket),\n"
      "                       leaving it as it was (default: 30 s for the threads)\n" },
    { "list",
      "  List this user's MigThread processes: PID, program and control socket.\n",
      NULL },
    { "restart",
      "  Resume a checkpoint: run PROG with MIGTHREAD_RESTORE=FILE, under the matching\n"
      "  qemu-user when PROG was built for another ABI. FILE is a regular file, or -\n"
      "  for a checkpoint arriving on standard input (a pipe or a socket), read once;\n"
      "  a FIFO, socket or device given by path is refused at once. A compressed\n"
      "  checkpoint (checkpoint --compress) is checked whole first, then decompressed\n"
      "  into a pipe the program reads; the program itself never reads zstd.\n",
      "  --binary PROG        the program to resume in (default: the executable that\n"
      "                       wrote FILE)\n" },
    { "run",
      "  Run PROGRAM as a batch job's step: start its build for this node's ABI\n"
      "  (PROGRAM/TRIPLE when PROGRAM is a directory, else PROGRAM.TRIPLE, else\n"
      "  PROGRAM), or, when DIR holds the job's checkpoint (DIR/run.ckpt), resume it.\n"
      "  The ABI is MIGTHREAD_NODE_ABI, else `uname -m`; MIGTHREAD_RUNNER_<abi> (for\n"
      "  instance MIGTHREAD_RUNNER_s390x=\"qemu-s390x -L /usr/s390x-linux-gnu\") runs\n"
      "  that ABI's build under an emulator. On SIG or SIGTERM the program is\n"
      "  checkpointed into DIR and leaves, and run exits 75 (requeue the job); a\n"
      "  checkpoint that fails is reported and the program carries on. Otherwise run\n"
      "  exits with the program's status (128+N for signal N); after exit 0 the\n"
      "  checkpoint is removed. A resumed run cuts a regular-file standard output\n"
      "  back to its size at the checkpoint, so that no output is there twice.\n",
      "  --dir DIR            the job's checkpoint directory (default: .)\n"
      "  --interval SECONDS   also checkpoint every SECONDS, the program going on; the\n"
      "                       previous checkpoint stays until the new one is whole\n"
      "                       (with MIGTHREAD_INCREMENTAL=1 in the environment they\n"
      "                       are incremental; their chain's files stay in DIR)\n"
      "  --signal SIG         the warning signal, by name or number (default: USR1)\n"
      "  --compress           the checkpoints are zstd-compressed files (checkpoint\n"
      "                       --compress); a compressed DIR/run.ckpt resumes either way\n" },
    { "inspect",
      "  Print what a checkpoint holds: the writer's ABI, the program identity, the\n"
      "  types, frames, globals and heap blocks, byte totals and the pointer graph's\n"
      "  size; the file is validated on the way (- reads standard input). An\n"
      "  incremental checkpoint's chain is read and validated too, and shown: each\n"
      "  parent, its id and how many blocks and bytes come from it. A compressed\n"
      "  checkpoint is decompressed on the way and its file size shown.\n",
      "  --json               the same as one JSON object\n" },
    { "migrate",
      "  Move the running program PID to the migthreadd at HOST:PORT: first a pre-copy\n"
      "  (a checkpoint the program goes on from at once, sent while it runs, kept by\n"
      "  the daemon); then it checkpoints at its next adaptation point (only what\n"
      "  changed since) into the authenticated stream and stays stopped until the\n"
      "  destination has restored everything; then it exits here and goes on at HOST. Any failure before that (a key refused, no build of the program,\n"
      "  a restore refused, the link cut) resumes it here as if nothing had happened.\n"
      "  Once COMMIT has gone, the destination's record decides: if the link fails\n"
      "  then, migrate asks the daemon again whether it committed; if it cannot\n"
      "  learn, the program stays held here in doubt (it neither runs nor exits)\n"
      "  until migrate --resolve asks for it.\n"
      "  Without --detach the program's output comes back here and migrate exits with\n"
      "  its exit status. On a terminal a progress line on stderr shows the phase\n"
      "  (connecting, pre-copy, streaming, restoring, running), the bytes sent and the\n"
      "  rate.\n",
      "  --key KEYFILE        this user's key (default ~/.migthread/key)\n"
      "  --known FILE         the daemons' public keys, an authorized file\n"
      "                       (default ~/.migthread/known)\n"
      "  --detach             leave it running there, its output in the daemon's workdir\n"
      "  --dry-run            check only: the program checkpoints and goes on at once,\n"
      "                       the destination restores the state whole and discards it\n"
      "                       (it never runs); prints that the migration would succeed\n"
      "                       (exit 0) or the reason it would not (exit 1)\n"
      "  --compress           zstd on the stream, for slow links (a daemon started with\n"
      "                       --no-compress refuses it before the program is touched)\n"
      "  --no-precopy         no pre-copy: the program is stopped for the whole transfer\n"
      "                       of its state (a daemon from before pre-copy gets none anyway)\n"
      "  --rounds N           at most N pre-copies (1 to 5, default 5): each after the\n"
      "                       first sends what changed while the one before crossed,\n"
      "                       until that is small (256 KiB and the delta's map) or\n"
      "                       shrinks by less than half\n"
      "  --thread N           thread N alone leaves (main is 1); the rest of the process\n"
      "                       goes on here, a join on N gives MT_THREAD_MIGRATED\n"
      "  --quiet              no progress line\n"
      "  --timeout SECONDS    wait this long for an adaptation point (default 30)\n"
      "  --resolve            for a program PID held in doubt after its migrate was\n"
      "                       lost: ask the daemon at HOST:PORT whether the migration\n"
      "                       committed; the program then exits here (it runs there)\n"
      "                       or carries on here; with --key and --known only\n" },
    { "keygen",
      "  Make an identity key pair for migration: the secret key goes to KEYFILE, a\n"
      "  new file of mode 0600 (an existing file is never overwritten; a key file\n"
      "  that group or others may read is refused when used), and the public key is\n"
      "  printed alone on one line, \"mt-ed25519 BASE64\", the form an authorized\n"
      "  file lists (one key per line, an optional name after it, # comments).\n",
      "  --public             print the public key of the existing KEYFILE instead\n" },
    { "help",
      "  Print the help of COMMAND, or of every command.\n",
      NULL },
};

static void print_command_help(FILE *out, const cli_command *cmd)
{
    for (size_t i = 0; i < sizeof help_text / sizeof help_text[0]; i++)
        if (strcmp(help_text[i].name, cmd->name) == 0) {
            fprintf(out, "%s", help_text[i].summary);
            if (help_text[i].options)  /* after a blank line, or help2man runs them on */
                fprintf(out, "\n%s", help_text[i].options);
        }
}

int cli_has_help(const char *name)
{
    for (size_t i = 0; i < sizeof help_text / sizeof help_text[0]; i++)
        if (strcmp(help_text[i].name, name) == 0)
            return 1;
    return 0;
}

void cli_print_help(FILE *out, const cli_command *cmds, size_t ncmds)
{
    fprintf(out, "Usage: migthread COMMAND [ARGUMENT]...\n"
                 "  or:  migthread help COMMAND\n"
                 "Checkpoint, restart and inspect programs built with mtcc, the MigThread\n"
                 "compiler: a checkpoint taken on one ABI resumes on any of x86_64, i686,\n"
                 "aarch64, s390x, 32-bit PowerPC and armhf.\n"
                 "\n"
                 "Options:\n"
                 "  --help               print this help and exit\n"
                 "  --version            print the version and exit\n");
    for (size_t i = 0; i < ncmds; i++) {
        fprintf(out, "\nmigthread %s:\n", cmds[i].synopsis);  /* a help2man subsection */
        print_command_help(out, &cmds[i]);
    }
    fprintf(out, "\nExit status:\n"
                 "  0 on success; 1 with one line starting \"migthread:\" on stderr when\n"
                 "  something fails; 2 for a command line it does not understand.\n");
}

void cli_print_command_help(FILE *out, const cli_command *cmd)
{
    fprintf(out, "Usage: migthread %s\n", cmd->synopsis);
    print_command_help(out, cmd);
}
