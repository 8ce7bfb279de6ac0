/* safepoint.c: what the state word means at an adaptation point (the word
 * itself lives in frames.c, below the thread code, which sets it too).
 *
 * A request (trigger.c, the poll count here, the API) only sets a
 * thread's state word; mt_adapt, which every adaptation point calls when
 * the word is not idle, decides whether this thread starts unwinding now
 * (th_capture.c holds the rendezvous). */
#include "safepoint.h"

#include <errno.h>
#include <stdio.h>

#include "config.h"
#include "libc_state.h"
#include "migthread-gen.h"
#include "threads.h"

static _Thread_local int callback_depth;
/* The state word set aside while a callback from untransformed code runs
 * (0: none): see set_aside. */
static _Thread_local int aside;
/* MIGTHREAD_AFTER_POLLS: adaptation points left, counted by every thread
 * (or by MIGTHREAD_THREAD alone). */
static long polls_left;   /* long: 32-bit ABIs have no 64-bit atomics without libatomic */

int sp_idle_state(uint32_t thread_id)
{
    if (__atomic_load_n(&polls_left, __ATOMIC_RELAXED) > 0 && (!cfg.thread || cfg.thread == thread_id))
        return MT_STATE_COUNTING;
    return MT_STATE_IDLE;
}

int sp_in_callback(void)
{
    return callback_depth > 0;
}

long sp_polls_reset(long count)
{
    return __atomic_exchange_n(&polls_left, count, __ATOMIC_RELAXED);
}

long sp_polls_left(void)
{
    return __atomic_load_n(&polls_left, __ATOMIC_RELAXED);
}

/* An adaptation point inside a callback from untransformed code (a qsort
 * comparator): no capture can start there, so a pending request or the
 * poll count is set aside until the callback returns, and the callback's
 * polls stay on their fast path (a check of an idle word) instead of
 * calling here each time, which made a sort 4 times slower. A request
 * that arrives meanwhile (the compare-and-swap fails) stays standing. */
static int set_aside(int cur)
{
    int expect = cur;
    if (__atomic_compare_exchange_n(&mt_state, &expect, MT_STATE_IDLE, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED) &&
        aside != MT_STATE_PENDING)
        aside = cur;
    return 0;
}

/* Set by the registration of a program that looks at its own C stack
 * (stackpeek.c in mtcc): its locals stay on the C stack, where unwinding
 * and rewinding would move them, so a capture is refused before it
 * begins, not after the unwinding as other refusals are. */
static const char *stack_refusal;
enum { REFUSAL_LINE_MAX = 1024 };  /* the refusal's line, spot included */

void mt_stack_unsafe(const char *spot)
{
    if (!stack_refusal)
        stack_refusal = spot;
}

const char *sp_refusal(void)
{
    return stack_refusal;
}

void sp_say_refusal(void)
{
    char line[REFUSAL_LINE_MAX];
    snprintf(line, sizeof line, "migthread: checkpoint refused: %s", stack_refusal);
    lc_locks_say(line);  /* the control thread asks too: not through the streams while they lock nothing */
}

int sp_request(int kind, uint32_t target, int leave)
{
    if (!stack_refusal)
        return th_request(kind, target, leave);
    sp_say_refusal();
    return -1;
}

/* A counted adaptation point: 1 when it was the last one. */
static int count_poll(void)
{
    long left = __atomic_sub_fetch(&polls_left, 1, __ATOMIC_RELAXED);
    if (left > 0)
        return 0;
    if (left < 0) {  /* another thread took the last one */
        mt_state_set(MT_STATE_IDLE);
        return 0;
    }
    sp_request(cfg.thread ? TH_CAPTURE_THREAD : TH_CAPTURE_PROCESS, cfg.thread, cfg.exit_after);
    return 1;
}

/* A safe point reached: 1 when this thread unwinds. The program's errno
 * is noted for the checkpoint and left as it was either way. */
static int at_safe_point(void)
{
    int e = errno;
    int unwind = th_at_safe_point();
    if (unwind)
        lc_errno_note(e);
    errno = e;
    return unwind;
}

int mt_adapt(void)
{
    switch (mt_state_now()) {
    case MT_STATE_UNWINDING:
        return 1;
    case MT_STATE_PENDING:
        if (callback_depth)
            return set_aside(MT_STATE_PENDING);  /* inside a callback: later */
        return at_safe_point();
    case MT_STATE_COUNTING:
        if (callback_depth)
            return set_aside(MT_STATE_COUNTING);  /* not counted in a callback */
        if (!count_poll())
            return 0;
        return at_safe_point();
    default:
        return 0;
    }
}

void mt_callback_enter(void) { callback_depth++; }
/* The last callback returned: what was set aside stands again (a request
 * that came meanwhile wins: the swap from idle fails). */
void mt_callback_leave(void)
{
    if (--callback_depth == 0 && aside) {
        int expect = MT_STATE_IDLE;
        __atomic_compare_exchange_n(&mt_state, &expect, aside, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
        aside = 0;
    }
}
