/* error.c: one-line error messages for the runtime. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int mt_fail(mt_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
    return -1;
}

void mt_error_context(mt_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    size_t used = strlen(err->msg);
    if (used + 4 >= sizeof err->msg)
        return;
    char extra[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(extra, sizeof extra, fmt, ap);
    va_end(ap);
    snprintf(err->msg + used, sizeof err->msg - used, " (%s)", extra);
}
