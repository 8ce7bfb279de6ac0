/* union_wide_read.c: a global union initialised through its 64-bit member,
 * then stored through a 32-bit one and read through the 64-bit one again
 * (the shape of csmith seed 1240's g_1638). Under one byte order the wide
 * read sees the narrow store in its low half and the initializer's bytes
 * in the high half. The union also has a `long` member (stored in another
 * variable), so its layout differs on the 32-bit ABIs and it cannot be
 * copied whole there: a restore from x86_64 on i686 and armhf converted
 * only the active 32-bit member, zeroed the high half and printed another
 * checksum, exit 0. The bytes beyond the active member are now kept where
 * the byte order is the same.
 * csmith.sh: every check passes */
#include <stdint.h>
#include <stdio.h>

union U0 {
    uint64_t f0;
    int64_t f1;
    int8_t f2;
    const int32_t f3;
    uint32_t f4;
    long f5;
};

static union U0 g_1638 = { 0x954108B5E344B076ULL };
static union U0 g_other;
static uint64_t g_sum;

static void step(int k)
{
    g_1638.f4 = (uint32_t)k * 2654435761u;
    g_sum = g_sum * 31 + (g_1638.f0 >> 16);
}

int main(int argc, char **argv)
{
    (void)argv;
    g_other.f5 = argc > 99;  /* zero: restores anywhere, only its type matters here */
    for (int k = 0; k < 200; k++)
        step(k);
    printf("checksum = %llu f1 = %lld f2 = %d f3 = %d%s\n", (unsigned long long)g_sum, (long long)g_1638.f1,
           g_1638.f2, g_1638.f3, argc > 1 ? "" : " (no argument)");
    return 0;
}
