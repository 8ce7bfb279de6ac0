/* keep_bytes.c: a union whose layout differs on the 32-bit ABIs (a
 * pointer member) stored through an 11-bit bit-field, then a byte
 * member's address taken (the shape of csmith seed 1881's g_350): the
 * runtime's active member is the byte, but the bit-field read next needs
 * the bits above it. From x86_64 to i686 and armhf the restore converted
 * the byte alone and zeroed the rest: other checksums, exit 0. Under one
 * byte order the writer's bytes are now kept and the active member
 * converted over them. Across byte orders the byte alone is converted and
 * the bit-field reads other bits: a known wrong result (README, "Limits
 * today", Unions: a member read while another is the active one), so
 * tests/unions.sh runs this one from x86_64 to i686 only. */
#include <stdint.h>
#include <stdio.h>

union U0 {
    signed f0 : 11;
    int8_t *f1;
    uint8_t f2;
};

static union U0 g_350 = { 0x39C };
static uint8_t *g_byte;
static uint32_t g_sum;

static void step(int k)
{
    g_350.f0 = (g_350.f0 * 3 + k) % 1000;
    g_byte = &g_350.f2;  /* taken last: the member the runtime believes active */
    g_sum = g_sum * 31u + (uint32_t)g_350.f0;
}

int main(int argc, char **argv)
{
    (void)argv;
    for (int k = 0; k < 300; k++)
        step(k);
    printf("checksum = %u f0 = %d%s\n", g_sum, g_350.f0, argc > 1 && g_byte ? "" : " (no argument)");
    return 0;
}
