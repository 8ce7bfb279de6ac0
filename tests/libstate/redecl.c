/* redecl.c: a program that declares rand and srand again after
 * <stdlib.h>: still the C library's functions, whose state must continue
 * after a restore. */
#include <stdio.h>
#include <stdlib.h>

int rand(void);
extern void srand(unsigned seed);

static unsigned work(unsigned x, int n)
{
    for (int i = 0; i < n; i++)
        x = x * 31 + (unsigned)i;
    return x;
}

int main(void)
{
    unsigned acc = 0;
    srand(7);
    for (int r = 0; r < 50; r++) {
        acc = work(acc + (unsigned)rand(), 100);
        printf("%d %u\n", r, acc);
    }
    return 0;
}
