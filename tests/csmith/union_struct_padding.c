/* union_struct_padding.c: a global union initialised through its uint64_t
 * member f0, then stored through a pointer to a byte of its struct member
 * f1 (so the runtime's active member is f1) and read through f0 again (the
 * shape of csmith seed 5126's g_317). f0 covers f1's members f0..f3 and
 * the padding byte after f3 (offset 7), which still holds the
 * initializer's top byte. struct S0's layout differs on i686 (its uint64_t
 * members are 4-aligned there), so the restore converts f1 over the
 * writer's bytes; the struct's conversion zeroed its padding, and the
 * restored f0 read 0x0090bf02da927395 instead of 0xa090bf02da927395:
 * other checksums, exit 0, from x86_64 to i686 only (armhf lays S0 out as
 * x86_64 does).
 * csmith.sh: every check passes */
#include <stdint.h>
#include <stdio.h>

struct S0 {
    uint32_t f0;
    uint8_t f1;
    volatile uint8_t f2;
    int8_t f3;              /* then one byte of padding */
    uint32_t f4;
    volatile uint64_t f5;   /* offset 16, on i686 12 */
    volatile uint64_t f6;
    uint64_t f7;
};

union U2 {
    volatile uint64_t f0;
    struct S0 f1;
};

static union U2 g_317 = { 0xA090BFB9DA927395ULL };
static uint64_t g_sum;

static void step(uint8_t *p, int k)
{
    *p = (uint8_t)k;
    g_sum = g_sum * 31 + (g_317.f0 >> 40);
}

int main(void)
{
    uint8_t *p = &g_317.f1.f1;
    for (int k = 0; k < 200; k++)
        step(p, k);
    printf("checksum = %016llx f0 = %016llx\n", (unsigned long long)g_sum, (unsigned long long)g_317.f0);
    return 0;
}
