/* sleeps.c: sleep, usleep, nanosleep and clock_nanosleep, which mtcc
 * makes safe points: a capture requested during one ends it at once, and
 * the restored call sleeps what was left. A signal handler still
 * interrupts them as it interrupts the C library's (sleep returns what was
 * left, nanosleep fails with EINTR). Usage: sleeps [NAPS]. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t rang;

static void on_alarm(int sig)
{
    (void)sig;
    rang++;
}

int main(int argc, char **argv)
{
    int naps = argc > 1 ? atoi(argv[1]) : 8;
    signal(SIGALRM, on_alarm);
    alarm(1);
    unsigned left = sleep(5);
    /* (what is left depends on when the handler ran: a loaded machine) */
    printf("sleep interrupted: %s, alarm rang %d\n", left >= 2 && left <= 4 ? "2 to 4 s left" : "?", (int)rang);
    alarm(1);
    struct timespec long_nap = { 5, 0 }, rem = { 0, 0 };
    int r = nanosleep(&long_nap, &rem);
    printf("nanosleep interrupted: %d %s, %s\n", r, r < 0 && errno == EINTR ? "EINTR" : "?",
           rem.tv_sec >= 2 && rem.tv_sec <= 4 ? "2 to 4 s left" : "?");
    struct timespec bad = { 0, -1 };
    r = nanosleep(&bad, NULL);
    printf("a bad nanosleep: %d %s\n", r, r < 0 && errno == EINVAL ? "EINVAL" : "?");
    struct timespec nap = { 0, 300000000L };
    for (int i = 0; i < naps; i++) {
        printf("nap %d\n", i);
        fflush(stdout);
        switch (i % 3) {
        case 0: nanosleep(&nap, NULL); break;
        case 1: usleep(300000); break;
        default: {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_nsec += 300000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
        }
        }
    }
    printf("done after %d naps\n", naps);
    return 0;
}
