/* union_one_member.c: a global union of one member, `union U0 { uint32_t
 * f0; }`, stored whole from a function's return (the shape of csmith seed
 * 6081's `g_1224 = func_58(...)`, which returns its union parameter). A
 * union stored whole from such a value leaves its active member unknown
 * to the runtime, so every restore across byte orders
 * (x86_64 to s390x and ppc, s390x to x86_64) was refused: `union U0: its
 * active member is unknown and its members differ between these ABIs`.
 * The same for `union U1 { uint32_t *f0; }` was refused at capture (it
 * may hold a pointer). A union of one member can hold nothing but that
 * member: it is now converted (and its pointer translated) by it.
 * csmith.sh: every check passes */
#include <stdint.h>
#include <stdio.h>

union U0 {
    uint32_t f0;
};

union U1 {
    uint32_t *f0;   /* refused at capture before: it may hold a pointer */
};

static union U0 g_1224 = { 0x4B3C40E3u };
static uint32_t g_sum;
static uint32_t g_arr[7] = { 3, 1, 4, 1, 5, 9, 2 };
static union U1 g_ptr = { &g_arr[0] };

/* returns its union parameter, passed by value (func_58's p_61) */
static union U0 pass(union U0 p)
{
    return p;
}

static union U1 pass_ptr(union U1 p)
{
    return p;
}

static void step(int k)
{
    g_1224.f0 = g_1224.f0 * 2654435761u + (uint32_t)k;
    g_1224 = pass(g_1224);      /* stored whole: the member is unknown */
    g_ptr.f0 = &g_arr[(uint32_t)k % 7u];
    g_ptr = pass_ptr(g_ptr);
    *g_ptr.f0 += g_1224.f0 & 0xffu;
    g_sum = g_sum * 31u + (g_1224.f0 >> 7) + *g_ptr.f0;
}

int main(int argc, char **argv)
{
    (void)argv;
    for (int k = 0; k < 300; k++)
        step(k);
    printf("checksum = %u f0 = %u%s\n", g_sum, g_1224.f0, argc > 1 ? "" : " (no argument)");
    return 0;
}
