/* trigger.h: MIGTHREAD_SIGNALS=1, the old trigger signals (trigger.c):
 * for programs launched by tools that can only send a signal. */
#ifndef MT_TRIGGER_H
#define MT_TRIGGER_H

/* With MIGTHREAD_SIGNALS=1, installs the handlers of SIGUSR1 (a
 * checkpoint) and SIGUSR2 (a checkpoint, then exit); otherwise nothing:
 * the program keeps every signal. */
void tg_install(void);

#endif
