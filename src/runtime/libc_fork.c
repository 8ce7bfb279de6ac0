/* libc_fork.c: fork makes a new instance of the program.
 *
 * The child of a fork is a process of its own: it counts its own
 * adaptation points and writes its own checkpoint file, never the
 * parent's. The wrapper forks and, in the child, runs the hook program.c
 * set, which gives the child its count and file name. */
#include <unistd.h>

#include "libc_state.h"
#include "migthread-gen.h"

static void (*child_hook)(void);

void lc_fork_set_child_hook(void (*hook)(void))
{
    child_hook = hook;
}

int mt_fork(void)
{
    pid_t pid = fork();
    if (pid == 0 && child_hook)
        child_hook();
    return (int)pid;
}
