/* main.c: the migthread command: dispatches to its subcommands; --help,
 * --version and `help COMMAND` (the texts are help.c's). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *fail_context;

void cli_fail_context(const char *context)
{
    fail_context = context;
}

static void (*before_line)(void);

void cli_fail_before(void (*fn)(void))
{
    before_line = fn;
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (before_line)
        before_line();
    fputs("migthread: ", stderr);
    if (fail_context)
        fprintf(stderr, "%s: ", fail_context);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int cli_usage(const char *synopsis)
{
    fprintf(stderr, "usage: migthread %s\n", synopsis);
    return 2;
}

static int cmd_help(int argc, char **argv);

static const cli_command commands[] = {
    { "checkpoint", cmd_checkpoint, "checkpoint [-o FILE|-] [--exit] [--fork] [--incremental] [--compress] [--thread N] [--timeout SECONDS] PID" },
    { "list", cmd_list, "list" },
    { "restart", cmd_restart, "restart [--binary PROG] FILE|-" },
    { "run", cmd_run, "run [--dir DIR] [--interval SECONDS] [--signal SIG] [--compress] -- PROGRAM [ARG]..." },
    { "inspect", cmd_inspect, "inspect [--json] FILE|-" },
    { "migrate", cmd_migrate, "migrate [--key KEYFILE] [--known FILE] [--detach] [--dry-run] [--compress] [--no-precopy] [--rounds N] [--thread N] [--quiet] [--timeout SECONDS] [--resolve] PID HOST:PORT" },
    { "keygen", cmd_keygen, "keygen [--public] KEYFILE" },
    { "help", cmd_help, "help [COMMAND]" },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

/* migthread help [COMMAND]: on stdout, exit 0; an unknown COMMAND is 2. */
static int cmd_help(int argc, char **argv)
{
    if (argc == 0) {
        cli_print_help(stdout, commands, NCOMMANDS);
        return 0;
    }
    const cli_command *cmd = argc == 1 ? find_command(argv[0]) : NULL;
    if (!cmd)
        return cli_usage("help [COMMAND]");
    cli_print_command_help(stdout, cmd);
    return 0;
}

/* The first line is help2man's version of the man page. */
static int print_version(void)
{
    printf("migthread (MigThread) %s\n", MIGTHREAD_VERSION);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return cmd_help(0, NULL);
    if (argc >= 2 && strcmp(argv[1], "--version") == 0)
        return print_version();
    const cli_command *cmd = argc >= 2 ? find_command(argv[1]) : NULL;
    if (cmd && argc == 3 && strcmp(argv[2], "--help") == 0) {  /* migthread COMMAND --help */
        cli_print_command_help(stdout, cmd);
        return 0;
    }
    if (cmd)
        return cmd->run(argc - 2, argv + 2);
    fprintf(stderr, "usage:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(stderr, "  migthread %s\n", commands[i].synopsis);
    fprintf(stderr, "  migthread --help | --version\n");
    return 2;
}
