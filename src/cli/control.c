/* control.c: `migthread checkpoint [--exit] [--thread N] PID` asks a
 * running program to checkpoint at its next adaptation point (the whole
 * process, or thread N alone, which with --exit leaves for elsewhere).
 * (`migthread restart` is restart.c.) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cmd_checkpoint(int argc, char **argv)
{
    const char *synopsis = "checkpoint [--exit] [--thread N] PID";
    int exit_after = 0;
    long thread = 0;
    const char *pid_arg = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--exit") == 0)
            exit_after = 1;
        else if (strcmp(argv[i], "--thread") == 0) {
            char *end;
            if (i + 1 == argc)
                return cli_usage(synopsis);
            thread = strtol(argv[++i], &end, 10);
            if (*end || thread <= 0 || thread > 0x7fffffff)
                return cli_fail("'%s' is not a thread number (the main thread is 1)", argv[i]);
        } else if (argv[i][0] == '-' || pid_arg)
            return cli_usage(synopsis);
        else
            pid_arg = argv[i];
    }
    if (!pid_arg)
        return cli_usage(synopsis);
    char *end;
    long pid = strtol(pid_arg, &end, 10);
    if (*end || pid <= 0)
        return cli_fail("'%s' is not a process id", pid_arg);
    /* the thread number rides on the signal (0: the whole process) */
    union sigval value = { .sival_int = (int)thread };
    if (sigqueue((pid_t)pid, exit_after ? SIGUSR2 : SIGUSR1, value) < 0)
        return cli_fail("cannot signal process %ld: %s", pid, strerror(errno));
    return 0;
}
