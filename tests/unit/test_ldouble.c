/* test_ldouble.c: long double format conversion against the hardware.
 *
 * On every ABI, converting a binary64 to the native long double format must
 * give the bytes of the native cast, and native values must survive a
 * round trip through every other format when they fit. On x86_64 the x87
 * unit and gcc's __float128 (libgcc) are exact oracles for x87 <-> binary128
 * <-> binary64 in both directions, including rounding and loss. Plus the
 * hand-checked cases of the ABI matrix. */
#include <float.h>
#include <stdint.h>
#include <string.h>

#include "arch.h"
#include "check.h"
#include "ldouble.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double random_double(int i)
{
    static const double specials[] = { 0.0, -0.0, 1.0, -2.5, DBL_MAX, -DBL_MIN, 5e-324, -1e-310,
                                       1.0 / 3, 1e300, -7e-300 };
    if (i < (int)(sizeof specials / sizeof specials[0]))
        return specials[i];
    uint64_t b = next();
    double d;
    memcpy(&d, &b, 8);
    return d == d && d - d == 0 ? d : 1.5;  /* finite */
}

static int native_format(void) { return arch_local()->ldouble; }
static int big(void) { return arch_local()->byte_order == ARCH_BIG; }

/* binary64 -> native, compared with the compiler's exact cast. */
static void test_from_double(void)
{
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        double d = random_double(i);
        long double want = d, got;
        memset(&got, 0, sizeof got);
        int r = ld_convert(&got, native_format(), big(), sizeof got, &d, LD_BINARY64, big(), 8, 0);
        bad += r != 0 || got != want || (got == 0 && memcmp(&got, &want, native_format() == LD_X87 ? 10 : sizeof got) != 0);
    }
    CHECK(bad == 0);
}

/* native -> every format -> native, for values every format holds. */
static void test_round_trips(void)
{
    int formats[] = { LD_BINARY64, LD_X87, LD_BINARY128, LD_DOUBLEDOUBLE };
    int sizes[] = { 8, 16, 16, 16 };
    int bad = 0;
    for (int i = 0; i < 5000; i++) {
        long double v = random_double(i), back;
        for (int f = 0; f < 4; f++) {
            for (int order = 0; order <= 1; order++) {
                uint8_t mid[16];
                memset(&back, 0, sizeof back);
                bad += ld_convert(mid, formats[f], order, sizes[f], &v, native_format(), big(), sizeof v, 0) != 0;
                bad += ld_convert(&back, native_format(), big(), sizeof back, mid, formats[f], order, sizes[f], 0) != 0;
                bad += back != v;
            }
        }
    }
    CHECK(bad == 0);
}

/* 1 + 2^-a + 2^-b written as a binary128 (little-endian bytes). */
static void b128_value(uint8_t le[16], int a, int b)
{
    memset(le, 0, 16);
    uint64_t hi = (uint64_t)16383 << 48, lo = 0; /* 1.0 */
    int bits[2] = { a, b };
    for (int k = 0; k < 2; k++) {
        if (!bits[k])
            continue;
        int pos = 112 - bits[k];  /* fraction bit index */
        if (pos >= 64)
            hi |= 1ull << (pos - 64);
        else
            lo |= 1ull << pos;
    }
    for (int i = 0; i < 8; i++) {
        le[i] = (uint8_t)(lo >> (8 * i));
        le[8 + i] = (uint8_t)(hi >> (8 * i));
    }
}

static void test_matrix_cases(void)
{
    uint8_t q[16], out[16], back[16];
    b128_value(q, 54, 112);                      /* 1 + 2^-54 + 2^-112 */
    CHECK(ld_convert(out, LD_DOUBLEDOUBLE, 1, 16, q, LD_BINARY128, 0, 16, 0) == 1);
    CHECK(ld_convert(out, LD_X87, 0, 16, q, LD_BINARY128, 0, 16, 0) == 1);
    CHECK(ld_convert(out, LD_BINARY64, 0, 8, q, LD_BINARY128, 0, 16, 0) == 1);
    CHECK(ld_convert(out, LD_X87, 0, 16, q, LD_BINARY128, 0, 16, 1) == 1);  /* lossy: 1 + 2^-54 */
    CHECK(ld_convert(back, LD_BINARY128, 0, 16, out, LD_X87, 0, 16, 0) == 0);
    b128_value(q, 54, 0);
    CHECK(memcmp(back, q, 16) == 0);
    b128_value(q, 112, 0);                       /* 1 + 2^-112: hi 1, lo 2^-112 */
    CHECK(ld_convert(out, LD_DOUBLEDOUBLE, 0, 16, q, LD_BINARY128, 0, 16, 0) == 0);
    CHECK(ld_convert(back, LD_BINARY128, 1, 16, out, LD_DOUBLEDOUBLE, 0, 16, 0) == 0);
    uint8_t qbe[16];
    for (int i = 0; i < 16; i++)
        qbe[i] = q[15 - i];
    CHECK(memcmp(back, qbe, 16) == 0);
    /* binary128's largest value overflows double-double. */
    uint8_t max[16];
    memset(max, 0xff, 14);
    max[14] = 0xfe;
    max[15] = 0x7f;
    CHECK(ld_convert(out, LD_DOUBLEDOUBLE, 0, 16, max, LD_BINARY128, 0, 16, 0) == 1);
    /* x87 1 + 2^-63 is exact in binary128 and double-double, lost in binary64. */
    uint8_t x[16] = { 1, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f };
    CHECK(ld_convert(out, LD_BINARY128, 1, 16, x, LD_X87, 0, 16, 0) == 0);
    CHECK(ld_convert(out, LD_DOUBLEDOUBLE, 1, 16, x, LD_X87, 0, 16, 0) == 0);
    CHECK(ld_convert(out, LD_BINARY64, 0, 8, x, LD_X87, 0, 16, 0) == 1);
    /* Sizes that do not fit the format are refused. */
    CHECK(ld_convert(out, LD_BINARY128, 0, 8, x, LD_X87, 0, 16, 0) == -1);
    CHECK(ld_convert(out, 9, 0, 16, x, LD_X87, 0, 16, 0) == -1);
}

#if defined(__x86_64__)
/* Random x87 and binary128 values against the hardware and libgcc. */
static long double random_x87(void)
{
    uint8_t b[16] = { 0 };
    uint64_t m = next() | (1ull << 63);
    unsigned e = (unsigned)(next() % 32766) + 1;  /* normal */
    if (next() % 8 == 0)
        e = (unsigned)(next() % 200) + 16383 - 100;
    memcpy(b, &m, 8);
    b[8] = (uint8_t)e;
    b[9] = (uint8_t)((e >> 8) | ((next() & 1) << 7));
    long double v;
    memcpy(&v, b, sizeof v);
    return v;
}

static void test_x86_oracles(void)
{
    int bad = 0, bad_flags = 0;
    for (int i = 0; i < 200000; i++) {
        long double x = random_x87();
        __float128 q = x, qgot;
        uint8_t out[16];
        /* x87 -> binary128 is always exact */
        bad += ld_convert(&qgot, LD_BINARY128, 0, 16, &x, LD_X87, 0, 16, 0) != 0 || memcmp(&qgot, &q, 16) != 0;
        /* x87 -> binary64 rounds like the hardware */
        double d = (double)x, dgot;
        int r = ld_convert(&dgot, LD_BINARY64, 0, 8, &x, LD_X87, 0, 16, 1);
        bad += memcmp(&dgot, &d, 8) != 0;
        bad_flags += r != ((long double)d != x);
        /* binary128 with random low bits -> x87 and binary64, rounding like libgcc */
        uint8_t qb[16];
        memcpy(qb, &q, 16);
        uint64_t noise = next() & ((1ull << 49) - 1);
        for (int k = 0; k < 6; k++)
            qb[k] ^= (uint8_t)(noise >> (8 * k));
        memcpy(&q, qb, 16);
        long double xr = (long double)q, xgot = 0;
        r = ld_convert(&xgot, LD_X87, 0, 16, &q, LD_BINARY128, 0, 16, 1);
        bad += memcmp(&xgot, &xr, 10) != 0;
        bad_flags += r != ((__float128)xr != q);
        d = (double)q;
        r = ld_convert(out, LD_BINARY64, 0, 8, &q, LD_BINARY128, 0, 16, 1);
        bad += memcmp(out, &d, 8) != 0;
        bad_flags += r != ((__float128)d != q);
    }
    CHECK(bad == 0);
    CHECK(bad_flags == 0);
}
#endif

int main(void)
{
    test_from_double();
    test_round_trips();
    test_matrix_cases();
#if defined(__x86_64__)
    test_x86_oracles();
#endif
    return check_done("ldouble");
}
