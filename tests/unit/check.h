/* check.h: the few macros the unit tests share (after chibicc's ASSERT).
 *
 * CHECK(cond) records a pass or prints the failing line; check_done prints
 * the closing "name: N passed, M failed" line and gives the exit status. */
#ifndef MT_CHECK_H
#define MT_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) check_one((cond) != 0, #cond, __FILE__, __LINE__)
#define CHECK_STR(got, want) check_str((got), (want), __FILE__, __LINE__)

static inline int check_one(int ok, const char *what, const char *file, int line)
{
    if (ok)
        check_passed++;
    else {
        check_failed++;
        printf("FAIL %s:%d: %s\n", file, line, what);
    }
    return ok;
}

static inline int check_str(const char *got, const char *want, const char *file, int line)
{
    int ok = got && strcmp(got, want) == 0;
    if (!ok)
        printf("FAIL %s:%d: got \"%s\", want \"%s\"\n", file, line, got ? got : "(null)", want);
    ok ? check_passed++ : check_failed++;
    return ok;
}

static inline int check_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
