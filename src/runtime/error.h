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

#endif
