/* main.c: copies struct holder objects into a global array and reads
 * their addresses back after a restore. */
#include <stdio.h>
#include "holder.h"

static long cells[8];
static struct holder held[8];

static long work(int r)
{
    long s = 0;
    for (int i = 0; i < 50; i++)
        s += (i * r) % 5;
    return s;
}

int main(void)
{
    for (int i = 0; i < 8; i++)
        held[i] = *make(&cells[i], i);
    long total = 0;
    for (int r = 0; r < 200; r++) {
        *(long *)held[r % 8].ref += work(r);
        total += *(long *)held[(r + 3) % 8].ref % 1000 + held[r % 8].n;
        if (r % 50 == 0)
            printf("round %d: %ld\n", r, total);
    }
    printf("total %ld\n", total);
    return 0;
}
