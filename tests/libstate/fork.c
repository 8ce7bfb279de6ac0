/* fork.c: a child is an instance of its own: it counts its own
 * adaptation points and writes its own checkpoint file; the parent waits
 * for it and reports its exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned work(unsigned x, int n)
{
    for (int i = 0; i < n; i++)
        x = x * 31 + (unsigned)i;
    return x;
}

static unsigned rounds(const char *who, int n, unsigned acc)
{
    for (int r = 0; r < n; r++) {
        acc = work(acc, 100);
        if (r % 10 == 0) {
            printf("%s %d %u\n", who, r, acc);
            fflush(stdout);
        }
    }
    return acc;
}

int main(int argc, char **argv)
{
    int child_rounds = argc > 1 ? atoi(argv[1]) : 30;
    unsigned acc = rounds("parent", 20, 0);
    fflush(stdout);
    int pid = fork();
    if (pid == 0) {
        rounds("child", child_rounds, acc);
        exit(3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    rounds("parent", 40, acc);
    return 0;
}
