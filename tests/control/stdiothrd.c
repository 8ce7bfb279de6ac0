/* stdiothrd.c: threads that do not come through pthread_create (a C11
 * thread, a SIGEV_THREAD timer's notification) also give the program's
 * streams their locks back before they start (libc_locks.c). */
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <threads.h>
#include <time.h>

static const char *mode(FILE *f)
{
    return __fsetlocking(f, FSETLOCKING_QUERY) == FSETLOCKING_BYCALLER ? "unlocked" : "locked";
}

static int work(void *arg)
{
    printf("%s\n", (const char *)arg);
    return 0;
}

static void tick(union sigval v)
{
    (void)v;
}

int main(int argc, char **argv)
{
    printf("one thread: stdout %s\n", mode(stdout));
    if (argc > 1 && strcmp(argv[1], "timer") == 0) {
        struct sigevent sev;
        memset(&sev, 0, sizeof sev);
        sev.sigev_notify = SIGEV_THREAD;
        sev.sigev_notify_function = tick;
        timer_t t;
        if (timer_create(CLOCK_MONOTONIC, &sev, &t) != 0)
            return 2;
        printf("timer: stdout %s\n", mode(stdout));
        timer_delete(t);
    } else {
        thrd_t t;
        if (thrd_create(&t, work, "in a C11 thread") != thrd_success)
            return 3;
        thrd_join(t, NULL);
        printf("thrd: stdout %s\n", mode(stdout));
    }
    return 0;
}
