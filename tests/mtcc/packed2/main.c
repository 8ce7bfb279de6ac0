/* main.c: takes the addresses of struct P2's misaligned members; deref.c
 * accesses them. mtcc finds the pointee types over both files, so deref.c's
 * accesses become unaligned ones too (armhf died of SIGBUS otherwise). */
#include <inttypes.h>
#include <stdio.h>

#include "packed2.h"

static struct P2 g_p[2] = { { 1, 10, 0.5 }, { 2, 20, 1.5 } };

int main(void)
{
    uint64_t sum = 0;
    for (int k = 0; k < 300; k++)
        sum = sum * 31u + churn(&g_p[k % 2].wide, &g_p[k % 2].d, k);
    printf("sum %" PRIu64 " wide %" PRIu64 " %" PRIu64 " d %.3f %.3f\n", sum, g_p[0].wide, g_p[1].wide, g_p[0].d,
           g_p[1].d);
    return 0;
}
