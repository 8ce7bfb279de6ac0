/* ownrand.c: a program with a rand of its own (C's example generator),
 * also with <stdlib.h> included: its calls stay its own. */
#include <stdio.h>
#include <stdlib.h>

static unsigned next = 1;  /* 32 bits on every ABI */

int rand(void)
{
    next = next * 1103515245 + 12345;
    return (int)((next / 65536) % 32768);
}

static unsigned work(unsigned x, int n)
{
    for (int i = 0; i < n; i++)
        x = x * 31 + (unsigned)i;
    return x;
}

int main(void)
{
    unsigned acc = 0;
    for (int r = 0; r < 50; r++) {
        acc = work(acc + (unsigned)rand(), 100);
        printf("%d %u\n", r, acc);
    }
    return 0;
}
