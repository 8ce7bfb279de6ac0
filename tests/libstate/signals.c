/* signals.c: handlers and masks installed before a checkpoint are there
 * after it: a SIGINT handler (signal), a SIGTERM handler with SA_SIGINFO
 * and a mask (sigaction), SIGHUP blocked (sigprocmask), SIGPIPE ignored,
 * and a handler of its own for SIGUSR1, a signal the runtime would use
 * for its triggers. The SIGTERM action is installed with one struct for
 * the new and the old action (the runtime recorded the old one, SIG_DFL,
 * before 2026-12-08: the restored program died of its own SIGTERM). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t ints, terms, usr1s, term_blocked_int;

static void on_int(int sig)
{
    (void)sig;
    ints++;
}

static void on_term(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    term_blocked_int = sigismember(&now, SIGINT);  /* sa_mask at work */
    terms += sig == SIGTERM && si->si_signo == SIGTERM;
}

static void on_usr1(int sig)
{
    (void)sig;
    usr1s++;
}

static unsigned work(unsigned x, int n)
{
    for (int i = 0; i < n; i++)
        x = x * 31 + (unsigned)i;
    return x;
}

static void report(const char *when)
{
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("%s: ints %d terms %d (SIGINT blocked in it: %d) usr1s %d; SIGHUP blocked %d, SIGINT blocked %d\n", when,
           (int)ints, (int)terms, (int)term_blocked_int, (int)usr1s, sigismember(&now, SIGHUP),
           sigismember(&now, SIGINT));
}

/* sigset_t and struct sigaction differ between ABIs: they live in these
 * helpers only, never across an adaptation point. */
static void install(void)
{
    signal(SIGINT, on_int);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_term;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaction(SIGTERM, &sa, &sa);  /* one struct for both: the new action must be the one recorded */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGUSR1, on_usr1);
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    sigprocmask(SIG_BLOCK, &hup, NULL);
}

static int hup_pending(void)
{
    sigset_t pending;
    sigpending(&pending);
    return sigismember(&pending, SIGHUP);
}

int main(void)
{
    unsigned acc = 0;
    install();
    raise(SIGINT);
    raise(SIGUSR1);
    report("before");
    for (int r = 0; r < 100; r++)
        acc = work(acc, 100);
    raise(SIGINT);
    raise(SIGTERM);
    raise(SIGPIPE);
    raise(SIGUSR1);
    raise(SIGHUP);  /* blocked: stays pending */
    report("after");
    printf("SIGHUP pending %d, acc %u\n", hup_pending(), acc);
    return 0;
}
