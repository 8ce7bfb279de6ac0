/* cli.h: the subcommands of the migthread command and their helpers. */
#ifndef MT_CLI_H
#define MT_CLI_H

int cmd_inspect(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_keygen(int argc, char **argv);

/* Print one "migthread: ..." line on stderr; return the exit status 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a usage line for a subcommand; return the exit status 2. */
int cli_usage(const char *synopsis);

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
