/* twins/main.c: calls into two files that differ only in names. */
#include <stdio.h>
#include "twins.h"

int main(void)
{
    for (int r = 1; r <= 6; r++)
        printf("round %d: %ld %ld\n", r, a_work(r * 5), b_work(r * 5 + 1));
    return 0;
}
