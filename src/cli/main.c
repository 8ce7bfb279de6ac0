/* main.c: the migthread command: dispatches to its subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("migthread: ", stderr);
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

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *synopsis;
} commands[] = {
    { "checkpoint", cmd_checkpoint, "checkpoint [-o FILE|-] [--exit] [--thread N] [--timeout SECONDS] PID" },
    { "list", cmd_list, "list" },
    { "restart", cmd_restart, "restart [--binary PROG] FILE" },
    { "inspect", cmd_inspect, "inspect [--json] FILE" },
};

int main(int argc, char **argv)
{
    if (argc >= 2)
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (strcmp(argv[1], commands[i].name) == 0)
                return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "usage:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(stderr, "  migthread %s\n", commands[i].synopsis);
    return 2;
}
