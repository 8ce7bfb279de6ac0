/* ldouble.c: exact conversion between x87 extended, IEEE binary128, IBM
 * double-double and binary64 long doubles, without the host's long double.
 *
 * Every value is decoded into one exact form (sign, exponent and a 256-bit
 * significand, wide enough for any double-double whose halves lie within
 * 200 bits of each other) and encoded from it with round-to-nearest-even,
 * reporting whether anything was lost. */
#include "ldouble.h"

#include <stdint.h>
#include <string.h>

enum { V_ZERO, V_FINITE, V_INF, V_NAN };

/* value = sig * 2^(exp - 255): bit 255 of sig (bit 63 of sig[0]) is set
 * for finite nonzero values. wide: bits were lost decoding (a
 * double-double whose halves are too far apart to hold exactly). */
typedef struct ldval {
    int cls, sign, exp, wide;
    uint64_t sig[4];   /* sig[0] most significant */
} ldval;

/* IEEE-style layouts: p significand bits (with the integer bit), exponent
 * bits, and whether the integer bit is stored (x87) or hidden. */
typedef struct layout {
    int p, ebits, bias, explicit_int;
} layout;

static const layout L64 = { 53, 11, 1023, 0 };
static const layout L128 = { 113, 15, 16383, 0 };
static const layout L80 = { 64, 15, 16383, 1 };

/* ---- 256-bit significand helpers -------------------------------------------- */

static int sig_zero(const uint64_t s[4])
{
    return !(s[0] | s[1] | s[2] | s[3]);
}

/* Shifts right by n (any n), returning 1 if nonzero bits fell off. */
static int sig_shr(uint64_t s[4], unsigned n)
{
    int lost = 0;
    while (n >= 64) {
        lost |= s[3] != 0;
        s[3] = s[2]; s[2] = s[1]; s[1] = s[0]; s[0] = 0;
        n -= 64;
        if (sig_zero(s))
            return lost;
    }
    if (n) {
        lost |= (s[3] & ((1ull << n) - 1)) != 0;
        for (int i = 3; i > 0; i--)
            s[i] = (s[i] >> n) | (s[i - 1] << (64 - n));
        s[0] >>= n;
    }
    return lost;
}

static void sig_shl1(uint64_t s[4])
{
    for (int i = 0; i < 3; i++)
        s[i] = (s[i] << 1) | (s[i + 1] >> 63);
    s[3] <<= 1;
}

/* Shifts left until bit 255 is set, lowering exp to match. */
static void normalize(ldval *v)
{
    if (sig_zero(v->sig)) {
        v->cls = V_ZERO;
        return;
    }
    while (!(v->sig[0] >> 63)) {
        if (v->sig[0] == 0 && v->sig[1] == 0 && v->sig[2] == 0) {
            v->sig[0] = v->sig[3]; v->sig[3] = 0;
            v->exp -= 192;
            continue;
        }
        sig_shl1(v->sig);
        v->exp--;
    }
}

static int sig_cmp(const uint64_t a[4], const uint64_t b[4])
{
    for (int i = 0; i < 4; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

static void sig_add(uint64_t a[4], const uint64_t b[4])
{
    unsigned carry = 0;
    for (int i = 3; i >= 0; i--) {
        uint64_t s = a[i] + b[i];
        unsigned c1 = s < a[i];
        uint64_t t = s + carry;
        carry = c1 | (t < s);
        a[i] = t;
    }
}

static void sig_sub(uint64_t a[4], const uint64_t b[4]) /* a >= b */
{
    unsigned borrow = 0;
    for (int i = 3; i >= 0; i--) {
        uint64_t d = a[i] - b[i];
        unsigned b1 = a[i] < b[i];
        uint64_t t = d - borrow;
        borrow = b1 | (d < (uint64_t)borrow);
        a[i] = t;
    }
}

/* ---- Bytes ----------------------------------------------------------------- */

static void load(uint8_t *out, const uint8_t *in, size_t n, int big)
{
    /* out is little-endian */
    for (size_t i = 0; i < n; i++)
        out[i] = big ? in[n - 1 - i] : in[i];
}

static void store(uint8_t *out, const uint8_t *le, size_t n, int big)
{
    for (size_t i = 0; i < n; i++)
        out[big ? n - 1 - i : i] = le[i];
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- Decoding -------------------------------------------------------------- */

/* Decodes a layout from its fields: biased exponent be, the significand
 * bits hi:lo (p bits for x87, p-1 fraction bits otherwise). */
static ldval decode_fields(const layout *L, int sign, int be, uint64_t hi, uint64_t lo)
{
    ldval v = { .sign = sign };
    int emax = (1 << L->ebits) - 1;
    int frac_bits = L->explicit_int ? L->p - 1 : L->p - 1;
    uint64_t frac_hi = hi, frac_lo = lo;
    if (L->explicit_int) {   /* drop the integer bit (bit 63 of lo) from the fraction */
        frac_lo = lo & ~(1ull << 63);
        if (be != 0 && be != emax && !(lo >> 63)) {  /* unnormal: invalid today */
            v.cls = V_NAN;
            return v;
        }
    }
    if (be == emax) {
        v.cls = (frac_hi | frac_lo) ? V_NAN : V_INF;
        return v;
    }
    /* The significand as an integer of p bits (integer bit included). */
    uint64_t s_hi = hi, s_lo = lo;
    int e;
    if (be == 0) {                         /* zero or subnormal */
        if (L->explicit_int)
            s_lo = lo;                         /* pseudo-denormals keep their bit */
        e = 1 - L->bias;
    } else {
        if (!L->explicit_int) {            /* put back the hidden bit */
            if (frac_bits >= 64)
                s_hi |= 1ull << (frac_bits - 64);
            else
                s_lo |= 1ull << frac_bits;
        }
        e = be - L->bias;
    }
    /* Place the p-bit integer so that its top bit position (p-1) lands on
     * bit 255: value = s * 2^(e - (p-1)) = sig * 2^(exp - 255). */
    v.sig[0] = 0; v.sig[1] = 0; v.sig[2] = s_hi; v.sig[3] = s_lo;
    int shift = 256 - L->p;                /* bits 0..p-1 -> 256-p..255 */
    for (; shift >= 64; shift -= 64) {
        v.sig[0] = v.sig[1]; v.sig[1] = v.sig[2]; v.sig[2] = v.sig[3]; v.sig[3] = 0;
    }
    for (; shift > 0; shift--)
        sig_shl1(v.sig);
    v.exp = e;
    v.cls = V_FINITE;
    normalize(&v);                         /* subnormals move up, exp down */
    return v;
}

static ldval decode_binary64(const uint8_t le[8])
{
    uint64_t b = le64(le);
    return decode_fields(&L64, (int)(b >> 63), (int)((b >> 52) & 0x7ff), 0, b & ((1ull << 52) - 1));
}

static ldval decode_binary128(const uint8_t le[16])
{
    uint64_t lo = le64(le), hi = le64(le + 8);
    return decode_fields(&L128, (int)(hi >> 63), (int)((hi >> 48) & 0x7fff),
                         hi & ((1ull << 48) - 1), lo);
}

static ldval decode_x87(const uint8_t le[10])
{
    uint64_t m = le64(le);
    unsigned se = (unsigned)le[8] | ((unsigned)le[9] << 8);
    return decode_fields(&L80, (int)(se >> 15), (int)(se & 0x7fff), 0, m);
}

/* hi + lo exactly, when the halves lie within the 256-bit window. */
static ldval decode_dd(const uint8_t hi_le[8], const uint8_t lo_le[8])
{
    ldval h = decode_binary64(hi_le), l = decode_binary64(lo_le);
    if (h.cls == V_NAN || h.cls == V_INF)
        return h;
    if (l.cls == V_NAN || l.cls == V_INF)
        return l;
    if (l.cls == V_ZERO)
        return h;
    if (h.cls == V_ZERO)
        return l;
    ldval *big = &h, *small = &l;
    if (l.exp > h.exp || (l.exp == h.exp && sig_cmp(l.sig, h.sig) > 0)) {
        big = &l;
        small = &h;
    }
    ldval r = *big;
    /* Leave a guard bit at the top for the carry of an addition. */
    int lost = sig_shr(r.sig, 1);
    r.exp++;
    uint64_t s[4];
    memcpy(s, small->sig, sizeof s);
    lost |= sig_shr(s, (unsigned)(r.exp - small->exp));
    if (big->sign == small->sign)
        sig_add(r.sig, s);
    else
        sig_sub(r.sig, s);
    r.wide = lost;
    normalize(&r);
    if (r.cls == V_ZERO)
        r.sign = 0;
    return r;
}

/* ---- Encoding -------------------------------------------------------------- */

/* Rounds v to the layout and returns its biased exponent and significand
 * (p bits, integer bit included, in hi:lo); *inexact tells of loss. A
 * returned exponent of emax means overflow to infinity. */
static void round_to(const layout *L, const ldval *v, int *be, uint64_t *hi, uint64_t *lo,
                     int *inexact)
{
    int emin = 1 - L->bias, emax = (1 << L->ebits) - 1;
    uint64_t s[4];
    memcpy(s, v->sig, sizeof s);
    int e = v->exp;
    /* Keep p bits at exponent e, or fewer for a subnormal. */
    unsigned drop = (unsigned)(256 - L->p);
    if (e < emin)
        drop += (unsigned)(emin - e) < 300 ? (unsigned)(emin - e) : 300;
    int sticky = sig_shr(s, drop - 1);
    int round = (int)(s[3] & 1);
    sig_shr(s, 1);
    *inexact = round || sticky || v->wide;
    if (round && (sticky || (s[3] & 1))) {            /* ties to even */
        uint64_t one[4] = { 0, 0, 0, 1 };
        sig_add(s, one);
    }
    *hi = s[2];
    *lo = s[3];
    /* Did rounding carry into a new top bit (bit p)? */
    int p = L->p;
    int carried = p >= 64 ? (int)((s[2] >> (p - 64)) & 1) : (int)((s[3] >> p) & 1 || s[2]);
    if (e < emin) {
        int normal_now = p - 1 >= 64 ? (int)((s[2] >> (p - 1 - 64)) & 1) : (int)((s[3] >> (p - 1)) & 1);
        *be = normal_now ? 1 : 0;                      /* rounded up into the normal range */
        return;
    }
    if (carried) {
        sig_shr(s, 1);
        *hi = s[2];
        *lo = s[3];
        e++;
    }
    *be = e + L->bias;
    if (*be >= emax) {
        *be = emax;
        *inexact = 1;
    }
}

/* Encodes into the layout's fields; returns 1 when inexact. */
static int encode_fields(const layout *L, const ldval *v, int *sign, int *be, uint64_t *hi,
                         uint64_t *lo)
{
    int emax = (1 << L->ebits) - 1;
    *sign = v->sign;
    *hi = *lo = 0;
    if (v->cls == V_ZERO) {
        *be = 0;
        return 0;
    }
    if (v->cls == V_INF || v->cls == V_NAN) {
        *be = emax;
        if (v->cls == V_NAN) {        /* a quiet NaN: the top fraction bit */
            int top = L->p - 2;
            if (top >= 64)
                *hi = 1ull << (top - 64);
            else
                *lo = 1ull << top;
        }
        if (L->explicit_int)
            *lo |= 1ull << 63;
        return 0;
    }
    int inexact;
    round_to(L, v, be, hi, lo, &inexact);
    if (*be == emax) {                 /* overflow: infinity */
        *hi = 0;
        *lo = L->explicit_int ? 1ull << 63 : 0;
        return 1;
    }
    if (!L->explicit_int) {            /* hide the integer bit */
        int top = L->p - 1;
        if (top >= 64)
            *hi &= ~(1ull << (top - 64));
        else
            *lo &= ~(1ull << top);
    }
    return inexact;
}

static int encode_binary64(const ldval *v, uint8_t le[8])
{
    int sign, be;
    uint64_t hi, lo;
    int inexact = encode_fields(&L64, v, &sign, &be, &hi, &lo);
    put_le64(le, ((uint64_t)sign << 63) | ((uint64_t)be << 52) | lo);
    return inexact;
}

static int encode_binary128(const ldval *v, uint8_t le[16])
{
    int sign, be;
    uint64_t hi, lo;
    int inexact = encode_fields(&L128, v, &sign, &be, &hi, &lo);
    put_le64(le, lo);
    put_le64(le + 8, ((uint64_t)sign << 63) | ((uint64_t)be << 48) | hi);
    return inexact;
}

static int encode_x87(const ldval *v, uint8_t le[10])
{
    int sign, be;
    uint64_t hi, lo;
    int inexact = encode_fields(&L80, v, &sign, &be, &hi, &lo);
    put_le64(le, lo);
    unsigned se = ((unsigned)sign << 15) | (unsigned)be;
    le[8] = (uint8_t)se;
    le[9] = (uint8_t)(se >> 8);
    return inexact;
}

/* hi = v rounded to binary64, lo = v - hi, which must be a binary64. */
static int encode_dd(const ldval *v, uint8_t hi_le[8], uint8_t lo_le[8])
{
    int inexact = encode_binary64(v, hi_le);
    memset(lo_le, 0, 8);
    if (v->cls != V_FINITE)
        return inexact;
    ldval h = decode_binary64(hi_le);
    if (h.cls != V_FINITE)            /* overflowed to infinity */
        return 1;
    /* r = v - h exactly, in the window of the larger exponent plus a guard bit. */
    ldval a = *v, b = h;
    int e = (a.exp > b.exp ? a.exp : b.exp) + 1;
    int lost = sig_shr(a.sig, (unsigned)(e - a.exp)) | sig_shr(b.sig, (unsigned)(e - b.exp));
    ldval r = { .cls = V_FINITE, .exp = e, .wide = lost || v->wide };
    if (a.sign == b.sign) {
        if (sig_cmp(a.sig, b.sig) >= 0) {
            memcpy(r.sig, a.sig, sizeof r.sig);
            sig_sub(r.sig, b.sig);
            r.sign = a.sign;
        } else {
            memcpy(r.sig, b.sig, sizeof r.sig);
            sig_sub(r.sig, a.sig);
            r.sign = !a.sign;
        }
    } else {
        memcpy(r.sig, a.sig, sizeof r.sig);
        sig_add(r.sig, b.sig);
        r.sign = a.sign;
    }
    normalize(&r);
    if (r.cls == V_ZERO)
        return r.wide;
    return encode_binary64(&r, lo_le) | r.wide;
}

/* ---- Entry point --------------------------------------------------------------- */

static size_t value_bytes(enum ld_format f)
{
    switch (f) {
    case LD_BINARY64: return 8;
    case LD_X87: return 10;
    case LD_BINARY128:
    case LD_DOUBLEDOUBLE: return 16;
    default: return 0;
    }
}

static int size_ok(enum ld_format f, size_t size)
{
    size_t need = value_bytes(f);
    if (!need)
        return 0;
    return f == LD_X87 ? size >= 10 && size <= 16 : size == need;
}

static ldval decode(enum ld_format f, const uint8_t *src, int big)
{
    uint8_t le[16];
    switch (f) {
    case LD_BINARY64: load(le, src, 8, big); return decode_binary64(le);
    case LD_X87: load(le, src, 10, big); return decode_x87(le);
    case LD_BINARY128: load(le, src, 16, big); return decode_binary128(le);
    default:
        load(le, src, 8, big);
        load(le + 8, src + 8, 8, big);
        return decode_dd(le, le + 8);
    }
}

/* Encodes into out (dst_size bytes, already zeroed) in the given order. */
static int encode(enum ld_format f, const ldval *v, uint8_t *out, int big)
{
    uint8_t le[16] = { 0 };
    int inexact;
    switch (f) {
    case LD_BINARY64: inexact = encode_binary64(v, le); store(out, le, 8, big); break;
    case LD_X87: inexact = encode_x87(v, le); store(out, le, 10, big); break;
    case LD_BINARY128: inexact = encode_binary128(v, le); store(out, le, 16, big); break;
    default:
        inexact = encode_dd(v, le, le + 8);
        store(out, le, 8, big);
        store(out + 8, le + 8, 8, big);
        break;
    }
    return inexact;
}

int ld_convert(void *dst, enum ld_format df, int dst_big, size_t dst_size,
               const void *src, enum ld_format sf, int src_big, size_t src_size, int lossy)
{
    if (!size_ok(df, dst_size) || !size_ok(sf, src_size))
        return -1;
    uint8_t out[16] = { 0 };
    int inexact;
    if (sf == df) {                    /* only the byte order can differ */
        uint8_t le[16];
        if (sf == LD_DOUBLEDOUBLE) {
            load(le, src, 8, src_big);
            load(le + 8, (const uint8_t *)src + 8, 8, src_big);
            store(out, le, 8, dst_big);
            store(out + 8, le + 8, 8, dst_big);
        } else {
            size_t n = value_bytes(sf);
            load(le, src, n, src_big);
            store(out, le, n, dst_big);
        }
        inexact = 0;
    } else {
        ldval v = decode(sf, src, src_big);
        inexact = encode(df, &v, out, dst_big);
    }
    if (inexact && !lossy)
        return 1;
    memcpy(dst, out, dst_size);
    return inexact;
}
