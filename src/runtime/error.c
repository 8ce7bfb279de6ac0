/* error.c: one-line error messages for the runtime, and the one way it
 * ends a program on an error (mt_fatal: a "migthread: " line, status 1). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The status of a program the runtime ends on an error; the longest
 * fatal line (a path of PATH_MAX bytes and the words around it), and the
 * longest from a signal handler (a fixed text, on its stack). */
enum { FATAL_STATUS = 1, FATAL_LINE_MAX = 8192, HANDLER_LINE_MAX = 256 };

#define FATAL_PREFIX "migthread: "

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

static void (*fatal_hook)(const char *line);

void mt_set_fatal_hook(void (*hook)(const char *line))
{
    fatal_hook = hook;
}

_Noreturn void mt_fatal(const char *fmt, ...)
{
    char line[FATAL_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (fatal_hook)
        fatal_hook(line);  /* does not return */
    fflush(stdout);
    fprintf(stderr, FATAL_PREFIX "%s\n", line);
    exit(FATAL_STATUS);
}

_Noreturn void mt_die(const mt_error *err)
{
    mt_fatal("%s", err->msg);
}

_Noreturn void mt_fatal_in_handler(const char *msg)
{
    char line[HANDLER_LINE_MAX];
    size_t n = sizeof FATAL_PREFIX - 1, len = strlen(msg);
    if (len > sizeof line - n - 1)
        len = sizeof line - n - 1;
    memcpy(line, FATAL_PREFIX, n);
    memcpy(line + n, msg, len);
    n += len;
    line[n++] = '\n';
    ssize_t r = write(STDERR_FILENO, line, n);
    (void)r;
    _exit(FATAL_STATUS);
}
