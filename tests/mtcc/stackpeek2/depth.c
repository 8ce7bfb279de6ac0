/* stackpeek2/depth.c: measures the stack used from main's local (kept in
 * stack_start, main.c) to a local of this frame, through a pointer that
 * a helper is given. */
#include <stdio.h>

#include "depth.h"

#define LIMIT 1000000L

static __attribute__((noinline)) long used_from(const char *here)
{
    return stack_start - here;
}

long walk(int n)
{
    char here;
    long used = used_from(&here);
    if (used <= 0 || used > LIMIT) {
        printf("stack limit exceeded at %d\n", n);
        return -1;
    }
    if (n == 0)
        return 0;
    long below = walk(n - 1);
    return below < 0 ? below : below + 1;
}
