/* stackpeek.c: a program that measures its recursion depth from the
 * address of a local of an outer frame, as SIOD's stack check does, in
 * one of several shapes (-DSHAPE=N). mtcc must keep such locals on the C
 * stack (the output equals the plain build's), warn at build time and
 * refuse every checkpoint by name, the program running on. With an
 * argument it walks until that file exists (for `migthread checkpoint
 * PID`). */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#ifndef SHAPE
#define SHAPE 1
#endif
#define LIMIT 1000000L
#define NOINLINE __attribute__((noinline))

static char *stack_start; /* main's local */
static char *stack_limit;

#if SHAPE == 1
/* the reduced program: a pointer subtraction */
static NOINLINE long used_at(void) { char here; return stack_start - &here; }
#elif SHAPE == 2
/* comparisons, with a limit kept in a global, through casts */
static NOINLINE long used_at(void)
{
    char here;
    return (char *)&here < stack_limit ? -1 : (char *)&here < stack_start ? 1 : 0;
}
#elif SHAPE == 3
/* addresses cast to integers */
static NOINLINE long used_at(void) { int here; return (long)((uintptr_t)stack_start - (uintptr_t)(void *)&here); }
#elif SHAPE == 4
/* a helper macro, as SIOD's STACK_CHECK(&x) */
#define STACK_USED(p) ((char *)stack_start - (char *)(p))
static NOINLINE long used_at(void) { double here = 0; return STACK_USED(&here); }
#elif SHAPE == 5
/* the start kept in a static local, measured in a callee */
static NOINLINE long used_from(const char *here, int first)
{
    static const char *base;
    if (first)
        base = here;
    return first ? 1 : base - here;
}
static NOINLINE long used_at(void) { char here; return used_from(&here, 0); }
#elif SHAPE == 6
/* a scan between two addresses passed down, as a conservative collector's */
static NOINLINE long span(const char *lo, const char *hi)
{
    long n = 0;
    for (const char *p = hi; p < lo; p += 64)
        n++;
    return n * 64;
}
static NOINLINE long used_at(void) { char here; return span(stack_start, &here); }
#endif

static NOINLINE long walk(int n)
{
    long used = used_at();
    if (used <= 0 || used > LIMIT) {
        printf("stack limit exceeded at %d\n", n);
        return -1;
    }
    if (n == 0)
        return 0;
    long below = walk(n - 1);
    return below < 0 ? below : below + 1;
}

int main(int argc, char **argv)
{
    char start;
    stack_start = &start;
    stack_limit = stack_start - LIMIT;
#if SHAPE == 5
    used_from(&start, 1);
#endif
    long total = 0;
    for (int round = 0; round < 20; round++)
        total += walk(1000);
    printf("walked %ld\n", total);
    while (argc > 1 && access(argv[1], F_OK) != 0)
        if (walk(1000) != 1000)
            return 1;
    return 0;
}
