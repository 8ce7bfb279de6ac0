/* variadic.c: variadic functions (which mtcc cannot wrap, so they have no
 * adaptation points) called throughout the run, returning from several
 * places: captures must still happen between the calls. */
#include <stdarg.h>
#include <stdio.h>

static long sum_of(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    long s = 0;
    for (int i = 0; i < n; i++) {
        long v = va_arg(ap, long);
        if (v < 0) {           /* an early return */
            va_end(ap);
            return -s;
        }
        s += v;
    }
    va_end(ap);
    return s;
}

static void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

static long step(long x)
{
    return (x * 31 + 7) % 1009;
}

int main(void)
{
    long acc = 0, x = 1;
    for (int round = 0; round < 300; round++) {
        x = step(x);
        acc += sum_of(3, x, x / 2, round % 7 == 0 ? -1L : 5L);
        if (round % 50 == 0)
            note("round %d: acc %ld\n", round, acc);
    }
    note("final %ld\n", acc);
    return 0;
}
