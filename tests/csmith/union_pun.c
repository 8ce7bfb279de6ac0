/* union_pun.c: a global union stored through one member and read through
 * another (type punning; csmith seed 31's g_646, reduced). What the
 * narrow read gives depends on byte order: the first half of the run reads
 * 7 on one byte order and k on the other, the second half the other way
 * round, so the uninterrupted runs print the same sum everywhere while a
 * run checkpointed half-way under one byte order and restored under the
 * other prints neither (it exited 0 with that sum). mtcc marks the union
 * punned; the restore refuses it by name across byte orders and copies it
 * under the same one. */
#include <stdint.h>
#include <stdio.h>

union U0 {
    int64_t f1;
    int16_t f2;
};

static union U0 g_646 = { 0x45E62EF1L };
static int64_t g_sum;

static void step(int k)
{
    if (k < 100)
        g_646.f1 = ((int64_t)k << 48) | 7;
    else
        g_646.f1 = ((int64_t)7 << 48) | (k - 100);
    g_sum += g_646.f2;
}

int main(int argc, char **argv)
{
    (void)argv;
    for (int k = 0; k < 200; k++)
        step(k);
    printf("checksum = %lld%s\n", (long long)g_sum, argc > 1 ? "" : " (no argument)");
    return 0;
}
