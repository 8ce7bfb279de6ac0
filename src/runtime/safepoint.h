/* safepoint.h: the state word every adaptation point polls, and what it
 * means (safepoint.c): counting toward MIGTHREAD_AFTER_POLLS, a pending
 * request, a callback from untransformed code that cannot be captured. */
#ifndef MT_SAFEPOINT_H
#define MT_SAFEPOINT_H

#include <stdint.h>

/* MT_STATE_COUNTING for a thread that counts adaptation points toward
 * MIGTHREAD_AFTER_POLLS, MT_STATE_IDLE otherwise. */
int sp_idle_state(uint32_t thread_id);

/* 1 while the calling thread runs a callback from untransformed code. */
int sp_in_callback(void);

/* Sets the count of adaptation points left (MIGTHREAD_AFTER_POLLS; 0:
 * none) and returns how many were left before. */
long sp_polls_reset(long count);

/* The adaptation points not yet counted. */
long sp_polls_left(void);

/* Why every capture of this program is refused before any thread unwinds
 * (mt_stack_unsafe: it looks at its own C stack), or NULL. */
const char *sp_refusal(void);
/* Its `migthread: checkpoint refused:` line on stderr (lc_locks_say: from
 * the control thread without touching the program's streams). */
void sp_say_refusal(void);

/* th_request, unless every capture is refused: then one `migthread:
 * checkpoint refused: ...` line, no capture, and -1. */
int sp_request(int kind, uint32_t target, int leave);

#endif
