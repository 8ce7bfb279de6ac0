/* Unions read through a member other than the one stored, whose restore
 * was refused by their types and is exact by their values or layouts.
 * SAME_VALUE: every value stored reads the same through the other member
 * on both byte orders (all ones, a pattern symmetric in its bytes), so the
 * program prints the same on every ABI and a restore across byte orders
 * converts each union by the member stored. SAME_LAYOUT: a long member
 * makes the union differ on ILP32, but the member stored and the member
 * read lie alike there: restored on i686 whatever the value, refused by
 * name across byte orders, where the read gives other bytes. */
#include <stdint.h>
#include <stdio.h>

/* A call in each loop: mtcc's adaptation points are at calls. */
static long tick(long k)
{
    return k % 7;
}

#if defined(SAME_VALUE)
union wide_narrow {
    int64_t wide;
    int16_t narrow;
};
union word_bytes {
    uint32_t w;
    uint8_t b[4];
};
static union wide_narrow flag, mirror;
static union word_bytes fill;

int main(void)
{
    long acc = 0;
    for (long k = 1; k <= 300; k++) {
        flag.wide = k % 3 ? -1 : 0;                     /* narrow: -1 or 0 on both */
        mirror.wide = k * 0x0001000000000001LL;         /* narrow: k from either end */
        fill.w = (uint32_t)(k & 0xff) * 0x01010101u;    /* every byte k */
        acc += flag.narrow + mirror.narrow * 3 + fill.b[k % 4] * 7 + tick(k);
        if (k % 60 == 0)
            printf("%ld %ld\n", k, acc);
    }
    return 0;
}
#elif defined(SAME_LAYOUT)
struct halves {
    int16_t x, y;
};
union word_halves {
    int32_t w;
    struct halves h;
    long l;
};
static union word_halves g;

int main(void)
{
    long acc = 0;
    for (long k = 1; k <= 300; k++) {
        g.w = 0x00010002 + (int32_t)k * 0x00030005;
        acc += g.h.x - g.h.y + tick(k);
        if (k % 60 == 0)
            printf("%ld %ld\n", k, acc);
    }
    return 0;
}
#endif
