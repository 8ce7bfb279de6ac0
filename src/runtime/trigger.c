/* trigger.c: the requests for a capture that come from outside the
 * program's code: the trigger signals SIGUSR1 and SIGUSR2 (migthread
 * checkpoint PID; SIGUSR2 exits after the checkpoint), the interval
 * timer (MIGTHREAD_INTERVAL, SIGALRM), and the runtime's control thread
 * that receives them in a program with threads. A request only sets the
 * state word (threads.c); the next adaptation point takes it up. */
#include "trigger.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "config.h"
#include "libc_state.h"
#include "threads.h"

/* When the last request arrived and when its capture began, for the
 * trigger latency MIGTHREAD_VERBOSE reports. */
static struct timespec requested_at, capture_began;
static volatile sig_atomic_t have_request;
static int control_started;

void tg_capture_begins(void)
{
    /* each thread that stops sets it (under the thread lock): the latest counts */
    clock_gettime(CLOCK_MONOTONIC, &capture_began);
}

static void note_request(int sig)
{
    clock_gettime(CLOCK_MONOTONIC, &requested_at);
    have_request = sig != SIGALRM;
}

int tg_latency(double *ms)
{
    if (!have_request)
        return 0;
    have_request = 0;
    *ms = (capture_began.tv_sec - requested_at.tv_sec) * 1e3 +
          (capture_began.tv_nsec - requested_at.tv_nsec) / 1e6;
    return 1;
}

/* In a program with one thread the handler runs on it: it may only set
 * flags, which the next adaptation point takes up. With more threads the
 * signals are blocked and the control thread waits for them. */
static void on_request(int sig, siginfo_t *si, void *unused)
{
    (void)unused;
    uint32_t target = si && si->si_code == SI_QUEUE && si->si_value.sival_int > 0 ? (uint32_t)si->si_value.sival_int : 0;
    note_request(sig);  /* clock_gettime is async-signal-safe */
    th_request_from_signal(target, sig == SIGUSR2);
}

static void arm_interval(void)
{
    struct itimerval it;
    it.it_value.tv_sec = (time_t)cfg.interval;
    it.it_value.tv_usec = (suseconds_t)((cfg.interval - (double)it.it_value.tv_sec) * 1e6);
    if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
        it.it_value.tv_usec = 1;
    it.it_interval = it.it_value;
    setitimer(ITIMER_REAL, &it, NULL);
}

/* The program installed a disposition of its own for sig, a trigger
 * signal: it is the program's now (libc_signal.c). SIGALRM was the
 * interval timer's: the timer stops, or the program would get its alarms. */
static void trigger_taken(int sig)
{
    if (sig != SIGALRM || !(cfg.interval > 0))
        return;
    struct itimerval off;
    memset(&off, 0, sizeof off);
    setitimer(ITIMER_REAL, &off, NULL);
    cfg.interval = 0;
    fprintf(stderr, "migthread: MIGTHREAD_INTERVAL is off: the program handles SIGALRM itself\n");
}

void tg_child_interval(int off)
{
    if (off)
        cfg.interval = 0;
    else if (cfg.interval > 0)
        arm_interval();  /* a child inherits no interval timer */
}

void tg_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_request;
    sa.sa_flags = SA_RESTART | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    if (cfg.interval > 0) {
        sigaction(SIGALRM, &sa, NULL);
        arm_interval();
    }
    lc_signal_set_taken_hook(trigger_taken);
}

/* ---- The control thread --------------------------------------------------------- */

/* The trigger signals the runtime still has: one the program installed a
 * disposition of its own for is the program's (libc_signal.c). */
static void trigger_set(sigset_t *set)
{
    static const int triggers[] = { SIGUSR1, SIGUSR2, SIGALRM };
    sigemptyset(set);
    for (size_t i = 0; i < sizeof triggers / sizeof triggers[0]; i++)
        if (!lc_signal_owned(triggers[i]))
            sigaddset(set, triggers[i]);
}

static void *control_main(void *unused)
{
    (void)unused;
    sigset_t set;
    trigger_set(&set);
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&set, &si);
        if (sig < 0)
            continue;
        if (lc_signal_deliver_owned(sig, &si))
            continue;  /* the program's own handler had it */
        uint32_t target = si.si_code == SI_QUEUE && si.si_value.sival_int > 0 ? (uint32_t)si.si_value.sival_int : 0;
        note_request(sig);
        th_request(target ? TH_CAPTURE_THREAD : TH_CAPTURE_PROCESS, target, sig == SIGUSR2);
    }
    return NULL;
}

void tg_start_control_thread(void)
{
    if (control_started)
        return;
    control_started = 1;
    sigset_t set;
    trigger_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t tid;
    if (pthread_create(&tid, &a, control_main, NULL) != 0) {
        fprintf(stderr, "migthread: cannot start the control thread\n");
        exit(1);
    }
    pthread_attr_destroy(&a);
}
