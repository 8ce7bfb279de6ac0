/* handover.c: the variables that hand a checkpoint to a restored process
 * (MIGTHREAD_RESTORE and the descriptors beside it) are its own: after
 * the restore they are gone from its environment, so a child it starts
 * (here, its own program again, run with "child") begins at its start
 * instead of restoring the parent's checkpoint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static unsigned work(unsigned x, int n)
{
    for (int i = 0; i < n; i++)
        x = x * 31 + (unsigned)i;
    return x;
}

/* How many entries of environ name a MIGTHREAD_RESTORE... or
 * MIGTHREAD_READY/PRECOPY variable. */
static int handover_entries(void)
{
    int n = 0;
    for (char **e = environ; *e; e++)
        n += strncmp(*e, "MIGTHREAD_RESTORE", 17) == 0 || strncmp(*e, "MIGTHREAD_READY_FD=", 19) == 0 ||
             strncmp(*e, "MIGTHREAD_PRECOPY_FD=", 21) == 0;
    return n;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        printf("child: from its start, %d hand-over variables\n", handover_entries());
        return 7;
    }
    unsigned acc = 0;
    for (int r = 0; r < 100; r++)
        acc = work(acc, 100);
    printf("parent: acc %u, %d hand-over variables, MIGTHREAD_RESTORE %s\n", acc, handover_entries(),
           getenv("MIGTHREAD_RESTORE") ? "set" : "unset");
    fflush(stdout);
    if (getenv("HANDOVER_CHILD")) {  /* a child that restored its parent's checkpoint: stop the chain */
        printf("a child restored its parent's checkpoint\n");
        return 3;
    }
    setenv("HANDOVER_CHILD", "1", 1);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", argv[0], "child", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 1;
    printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
