/* noreturn.c: error paths as C programs write them: a noreturn function
 * that ends the program, one declared with C11's _Noreturn (both compiled,
 * not taken: a capture must never unwind through them), a logger that
 * formats through a va_list, and `return NULL;` (whose NULL brings line
 * markers of a system header into the statement) in a function with a
 * pinned local. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char logbuf[4096];
static size_t loglen;
static int lines;

/* recursive: the functions that call it are not leaves (which would
 * never have adaptation points to lose) */
static int bits(unsigned n)
{
    return n ? bits(n / 2) + 1 : 0;
}

static void vlog_line(const char *fmt, va_list ap)
{
    int n = vsnprintf(logbuf + loglen, sizeof logbuf - loglen, fmt, ap);
    if (n > 0 && (size_t)n < sizeof logbuf - loglen)
        loglen += (size_t)n;
    lines += bits(1);
}

static void log_line(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog_line(fmt, ap);
    va_end(ap);
}

__attribute__((noreturn)) static void finish(int code)
{
    fputs(logbuf, stdout);
    printf("exit %d after %d lines\n", code, lines + bits(0));
    exit(code);
}

_Noreturn static void fail(const char *why)
{
    log_line("failed: %s\n", why);
    finish(1);
}

static int digit_sum(int v)
{
    int s = 0;
    for (; v > 0; v /= 10)
        s += v % 10;
    return s;
}

/* the first word of text that starts with c, copied to out, or NULL */
static const char *find_word(const char *text, char c, char *out)
{
    char word[32];
    int n = 0;
    for (const char *p = text;; p++) {
        if (*p == ' ' || *p == '\0') {
            word[n] = '\0';
            if (n > 0 && word[0] == c && digit_sum(n) < 10)
                return strcpy(out, word);
            if (*p == '\0')
                return NULL;
            else
                n = 0;
        } else if (n < 31)
            word[n++] = *p;
    }
}

int main(void)
{
    const char *text = "migrate threads between machines that disagree on byte order";
    char out[32];
    long total = 0;
    for (int round = 0; round < 200; round++) {
        char c = "mtbdo"[round % 5];
        const char *w = find_word(text, c, out);
        total += w ? (long)strlen(w) * digit_sum(round) : -1;
        if (round % 40 == 0)
            log_line("round %d: %s\n", round, w ? w : "(none)");
    }
    log_line("total %ld\n", total);
    if (total < 0)
        fail("negative total");
    fputs(logbuf, stdout);
    printf("%d lines\n", lines);
    return 0;
}
