/* cli.h: the subcommands of the migthread command and their helpers. */
#ifndef MT_CLI_H
#define MT_CLI_H

int cmd_inspect(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_list(int argc, char **argv);

/* Print one "migthread: ..." line on stderr; return the exit status 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a usage line for a subcommand; return the exit status 2. */
int cli_usage(const char *synopsis);

#endif
