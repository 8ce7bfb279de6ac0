/* trigger.c: the trigger signals, only with MIGTHREAD_SIGNALS=1 (for
 * programs started by tools that can only send a signal, such as a batch
 * scheduler's warning signal). SIGUSR1 asks for a checkpoint, SIGUSR2 for
 * a checkpoint and exit; sigqueue's value names a thread for a thread
 * checkpoint. The handler only posts the request to the control thread
 * (channel.c), which sets the state words, and then runs the program's
 * own handler for the signal, if it installed one (libc_signal.c). By default the runtime
 * installs no handler at all: requests come through the control channel. */
#include "trigger.h"

#include <signal.h>

#include "channel.h"
#include "config.h"
#include "libc_state.h"

static void on_request(int sig, siginfo_t *si)
{
    uint32_t target = si && si->si_code == SI_QUEUE && si->si_value.sival_int > 0 ? (uint32_t)si->si_value.sival_int : 0;
    ch_post_signal(target, sig == SIGUSR2);  /* async-signal-safe */
}

void tg_install(void)
{
    if (!cfg.signals)
        return;
    lc_signal_use_triggers(on_request);  /* chained to the program's own handlers */
}
