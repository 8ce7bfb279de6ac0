/* trigger.c: the trigger signals, only with MIGTHREAD_SIGNALS=1 (for
 * programs started by tools that can only send a signal, such as a batch
 * scheduler's warning signal). SIGUSR1 asks for a checkpoint, SIGUSR2 for
 * a checkpoint and exit; sigqueue's value names a thread for a thread
 * checkpoint. The handler only posts the request to the control thread
 * (channel.c), which sets the state words. By default the runtime
 * installs no handler at all: requests come through the control channel. */
#include "trigger.h"

#include <signal.h>
#include <string.h>

#include "channel.h"
#include "config.h"
#include "libc_state.h"

static void on_request(int sig, siginfo_t *si, void *unused)
{
    (void)unused;
    uint32_t target = si && si->si_code == SI_QUEUE && si->si_value.sival_int > 0 ? (uint32_t)si->si_value.sival_int : 0;
    ch_post_signal(target, sig == SIGUSR2);  /* async-signal-safe */
}

void tg_install(void)
{
    if (!cfg.signals)
        return;
    lc_signal_use_triggers();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_request;
    sa.sa_flags = SA_RESTART | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
}
