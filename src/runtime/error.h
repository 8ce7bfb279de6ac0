/* error.h: filling an mt_error with one line of text. */
#ifndef MT_ERROR_H
#define MT_ERROR_H

#include "migthread.h"

/* Sets err (when not NULL) to code and a printf-formatted message.
 * Returns -1 so that callers can write `return mt_fail(...)`. */
int mt_fail(mt_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends " (context)" to an existing message, for callers that know
 * where the failing value lives (a global's name, a block's address). */
void mt_error_context(mt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The runtime's one way to end the program on an error it cannot return:
 * flushes stdout (the program's output comes first), prints one line,
 * "migthread: " and the printf-formatted message, on stderr and exits
 * with status 1. Every fatal message goes through it (or, in a signal
 * handler, through mt_fatal_in_handler). */
_Noreturn void mt_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* mt_fatal for a signal handler, async-signal-safe: the line is put
 * together without stdio, written with one write(2), and the program
 * ends with _exit(1) (stdout is not flushed: stdio may be mid-call). */
_Noreturn void mt_fatal_in_handler(const char *msg);

/* In a process that must never run exit() (a forked checkpoint's writer,
 * forkcap.c): mt_fatal hands its line (without "migthread: ") to hook,
 * which must not return. NULL: as above. */
void mt_set_fatal_hook(void (*hook)(const char *line));

#endif
