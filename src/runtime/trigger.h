/* trigger.h: what asks for a capture (trigger.c): the signals
 * (migthread checkpoint PID), the interval timer (MIGTHREAD_INTERVAL) and
 * the runtime's control thread that receives them, with the time each
 * request arrived for the latency MIGTHREAD_VERBOSE reports. */
#ifndef MT_TRIGGER_H
#define MT_TRIGGER_H

/* Installs the trigger signals' handlers and arms the interval timer
 * (mt_run_main, before main). */
void tg_install(void);

/* Once the program has threads, the trigger signals go to a thread of the
 * runtime's own, which can take locks (a handler cannot). Idempotent. */
void tg_start_control_thread(void);

/* A fork's child: the interval timer armed again (a child inherits
 * none), or, with off set, stopped for good. */
void tg_child_interval(int off);

/* A thread starts unwinding for a capture (for the latency report). */
void tg_capture_begins(void);

/* 1 and the milliseconds from the last request to its capture when a
 * request (not the interval timer) started it; the note is consumed. */
int tg_latency(double *ms);

#endif
