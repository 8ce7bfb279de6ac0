/* threadsig.c: a threaded program with a handler of its own for SIGUSR1,
 * which the runtime's control thread would otherwise take as a trigger:
 * the program's handler runs, before and after a restore. (Run natively:
 * qemu-user does not pass a signal sent to the process on to another
 * thread when the one it picked has it blocked.) */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t n;

static void on_usr1(int sig)
{
    (void)sig;
    n++;
}

static unsigned work(unsigned x, int k)
{
    for (int i = 0; i < k; i++)
        x = x * 31 + (unsigned)i;
    return x;
}

static void *run(void *arg)
{
    unsigned *a = arg;
    for (int r = 0; r < 50; r++)
        *a = work(*a, 1000);
    return NULL;
}

int main(void)
{
    unsigned a = 1, b = 2;
    pthread_t t;
    pthread_create(&t, NULL, run, &a);
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);             /* to this thread */
    kill(getpid(), SIGUSR1);    /* to the process */
    for (int i = 0; i < 5000 && n < 2; i++)
        usleep(1000);  /* a signal sent to the process may reach another thread */
    run(&b);
    pthread_join(t, NULL);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    for (int i = 0; i < 5000 && n < 4; i++)
        usleep(1000);
    printf("n %d a %u b %u\n", (int)n, a, b);
    return 0;
}
