/* control.h: what the thread code asks of the triggers and of main's
 * adapter (control.c): the state a thread returns to, whether it is in a
 * callback from untransformed code, and writing the checkpoint. */
#ifndef MT_CONTROL_H
#define MT_CONTROL_H

#include <stdint.h>

/* MT_STATE_COUNTING for a thread that counts adaptation points toward
 * MIGTHREAD_AFTER_POLLS, MT_STATE_IDLE otherwise. */
int control_idle_state(uint32_t thread_id);

/* 1 while the calling thread runs a callback from untransformed code. */
int control_in_callback(void);

/* Flushes stdio and writes the checkpoint; exits with status 0 afterwards
 * when leave is set. Returns 0, or -1 when none was written (a capture no
 * reader could restore, an I/O error): one `migthread:` line, no file, and
 * the caller carries on without leaving. */
int control_write_checkpoint(int leave);

/* A thread starts unwinding for a capture (for the latency report). */
void control_capture_begins(void);

/* The control thread received trigger signal sig (for the latency report). */
void control_note_request(int sig);

/* The end-of-program checks (a MIGTHREAD_THREAD that named no thread dies
 * with one line; a poll count that never ran out is reported), made when
 * main returns or when the last thread ends after main's pthread_exit. */
void control_program_ends(void);

#endif
