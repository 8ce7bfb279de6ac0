/* packed_pointer.c: a global `volatile uint64_t *` that holds the address
 * of a packed struct's member at offset 10 and that the program never
 * changes (csmith seed 1962's g_741 = &g_176.f4, reduced). A plain build
 * folds the pointer into the member and sees the packing; mtcc's build
 * registers the global, loads it, and read 8 misaligned bytes with ldrd:
 * SIGBUS under qemu-arm (armhf), exit 135. mtcc now makes every access
 * through a pointer to such a type an unaligned one (src/mtcc/unaligned.c).
 * csmith.sh: every check passes */
#include "csmith.h"

#pragma pack(push)
#pragma pack(1)
struct S0 {
   uint32_t  f0;
   int8_t  f1;
   const volatile int32_t  f2;
   uint8_t  f3;
   volatile uint64_t  f4;
   const int32_t  f5;
   int32_t  f6;
   int32_t  f7;
};
#pragma pack(pop)

static struct S0 g_176 = {1UL,0x8CL,0x885194D5L,0UL,0xE6599F55FBD20534LL,7L,0x3B0A3500L,1L};
static volatile uint64_t *g_741 = &g_176.f4;
static int32_t g_8 = 1;

static int32_t func_2(int32_t p_3)
{
    (*g_741) = (*g_741) * 3 + (uint64_t)p_3;
    return ((*g_741) != 0);
}

static int32_t func_1(void)
{
    int32_t l_1 = 0;
    for (g_8 = 0; g_8 < 300; g_8++)
        l_1 += func_2(g_8);
    return l_1;
}

int main (int argc, char* argv[])
{
    int print_hash_value = 0;
    if (argc == 2 && strcmp(argv[1], "1") == 0) print_hash_value = 1;
    platform_main_begin();
    crc32_gentab();
    func_1();
    transparent_crc(g_176.f4, "g_176.f4", print_hash_value);
    transparent_crc(g_8, "g_8", print_hash_value);
    platform_main_end(crc32_context ^ 0xFFFFFFFFUL, print_hash_value);
    return 0;
}
