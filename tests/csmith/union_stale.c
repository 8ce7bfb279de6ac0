/* union_stale.c: a union member's address kept in a pointer, another
 * member's address taken after it, and the stores made through the first
 * pointer (the shape of csmith seed 1663's g_336). The runtime's active
 * member is the last one whose address was taken (f1), but the bytes hold
 * what was stored through the kept pointer (f0). Converted by f1 from
 * x86_64 to s390x, f0 read the wrong half: other checksums, exit 0. mtcc
 * now sees that the active member is uncertain (an address escapes and
 * another member is stored) and marks the members read: the restore
 * copies the union whole where every member means the same bytes, and
 * refuses it by name across byte orders. Seed 1675 (x86_64 to aarch64,
 * one layout) was the same story under one byte order: copied whole now. */
#include <stdint.h>
#include <stdio.h>

union U0 {
    int16_t f0;
    int64_t f1;
};

static union U0 g_336 = { -7 };
static int16_t *g_kept;
static uint32_t g_sum;

static void step(int k)
{
    *g_kept = (int16_t)(*g_kept * 3 + k);
    g_sum = g_sum * 31u + (uint16_t)g_336.f0;
}

int main(int argc, char **argv)
{
    (void)argv;
    g_kept = &g_336.f0;
    int64_t *wide = &g_336.f1;  /* taken last: the member the runtime believes active */
    for (int k = 0; k < 300; k++)
        step(k);
    printf("checksum = %u f0 = %d%s\n", g_sum, g_336.f0, argc > 1 && wide ? "" : " (no argument)");
    return 0;
}
