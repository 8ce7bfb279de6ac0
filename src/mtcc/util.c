/* util.c: growable strings, allocation that cannot fail, diagnostics. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"

int mtcc_verbose;
int mtcc_leaf_loop_chunks;

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        fatal("out of memory");
    return p;
}

void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p)
        fatal("out of memory");
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xcalloc(1, n), s, n);
}

void sb_putn(strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_put(strbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *tmp = xcalloc(1, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_putn(b, tmp, (size_t)n);
    free(tmp);
}

_Noreturn void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mtcc: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

int mtcc_errors;

/* "file:line: mtcc: " (the user's line, through the line markers), the
 * kind, and the message. */
static void report_at(CXCursor c, const char *kind, const char *fmt, va_list ap)
{
    CXString file;
    unsigned line, col;
    clang_getPresumedLocation(clang_getCursorLocation(c), &file, &line, &col);
    fprintf(stderr, "%s:%u: mtcc: %s", clang_getCString(file), line, kind);
    clang_disposeString(file);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void error_at(CXCursor c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_at(c, "error: ", fmt, ap);
    va_end(ap);
    mtcc_errors++;
}

void warn_at(CXCursor c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_at(c, "", fmt, ap);
    va_end(ap);
}
