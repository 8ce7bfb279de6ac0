/* interior.c: pointers into a member of a union whose layout differs
 * between ABIs (a uint64_t is aligned to 4 on i686: the struct member
 * shrinks) and whose active member the restore does not need to know:
 * a const union (never stored, as csmith writes them) and a pointer to a
 * member inside it, at an offset every member that covers it maps alike.
 * From csmith seed 1429 (x86_64 -> i686 was refused: "points between the
 * members of a block"). With -DAMBIGUOUS a member of uint64_t covers f at
 * another place on i686 than the struct does: a pointer to f is then
 * refused by name, whichever member was stored. */
#include <stdint.h>
#include <stdio.h>

struct rec {
    uint16_t a;
    int8_t b;
    int32_t c;
    uint32_t d;    /* offset 8 on every ABI */
    int8_t e;
    int32_t h;
    uint64_t f;    /* offset 24, or 20 where uint64_t aligns to 4 */
    int64_t g;
};

union holder {
    const struct rec r;
    signed flags : 12;   /* a bit-field: no pointer points into it */
    uint8_t bytes[12];   /* covers d as bytes 8..11 alike */
    int32_t words[2];    /* ends before d */
#ifdef AMBIGUOUS
    uint64_t longs[5];   /* element 3 is at 24 on every ABI, where r.f is not */
#endif
};

static const union holder table = { { 65529u, -5, 0x768A5C06, 0xE2E2E723u, 1, 77, 0xF865EE86B7582AD5ull, -8 } };
static const uint32_t *into_d;      /* stored by the program: saved and translated */
static const uint8_t *into_bytes;
static const uint64_t *into_f;

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 1099511628211ull; }

int main(void)
{
    uint64_t h = 14695981039346656037ull;
    into_d = &table.r.d;
    into_bytes = &table.bytes[9];
    into_f = &table.r.f;     /* inside the part whose layout differs: only r covers it */
    for (int i = 0; i < 4000; i++) {
        h = mix(h, *into_d + (uint64_t)i);
        h = mix(h, *into_bytes);
        h = mix(h, *into_f >> (i % 64));
    }
    printf("%llx %x %x\n", (unsigned long long)h, *into_d, *into_bytes);
    return 0;
}
