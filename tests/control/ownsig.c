/* ownsig.c: a program with its own SIGUSR1 and SIGALRM handlers, which
 * the runtime must leave alone: it is checkpointed through the control
 * channel or by MIGTHREAD_INTERVAL while its handlers keep working. */
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>

static volatile sig_atomic_t usr1, alrm;

static void on_usr1(int sig) { (void)sig; usr1++; }
static void on_alrm(int sig) { (void)sig; alrm++; }

static unsigned work(unsigned x)
{
    for (int i = 0; i < 20000; i++)
        x = x * 31 + (unsigned)i;
    return x;
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    signal(SIGALRM, on_alrm);
    struct itimerval it = { { 0, 0 }, { 0, 20000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    unsigned x = 1;
    for (int r = 0; r < 3000; r++) {
        x = work(x);
        if (r % 100 == 0)
            raise(SIGUSR1);
    }
    for (long r = 0; r < 200000000 && !alrm; r++)
        ;  /* the alarm may not have come yet on a loaded machine */
    printf("usr1 %d alrm %d x %u\n", (int)usr1, (int)alrm, x);
    return 0;
}
