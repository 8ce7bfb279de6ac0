/* arch.c: probes the running ABI's data representation.
 *
 * Sizes come from sizeof, alignments from the offset of a member placed
 * after a char (the alignment that matters inside structs, which on i686
 * is 4 for double even though _Alignof says 8), byte order from the bytes
 * of a known integer, and the long double format from a run-time count of
 * its mantissa digits. */
#include "arch.h"

#include <stdio.h>
#include <string.h>

#include "ldouble.h"

#define ALIGN_IN_STRUCT(T) offsetof(struct { char c; T x; }, x)

enum probe_enum { PROBE_A, PROBE_B };
typedef void (*probe_fn)(void);

static int probe_byte_order(void)
{
    const uint32_t word = 0x01020304;
    unsigned char bytes[sizeof word];
    memcpy(bytes, &word, sizeof word);
    return bytes[0] == 0x04 ? ARCH_LITTLE : ARCH_BIG;
}

/* Counts the mantissa bits of long double: the smallest n for which
 * 1 + 2^-n == 1 gives n-1 digits after the point. volatile keeps the
 * compiler from folding the loop or using wider registers. Double-double
 * never stops before its exponent range, so the loop is capped. */
static int probe_ldouble_digits(void)
{
    volatile long double one = 1.0L, eps = 1.0L, sum;
    int n = 0;
    for (;;) {
        eps = eps / 2;
        sum = one + eps;
        if (sum == one || n >= 200)
            break;
        n++;
    }
    return n + 1;
}

static uint8_t ldouble_format(int digits, size_t size)
{
    if (digits == 53 && size == 8)
        return LD_BINARY64;
    if (digits == 64)
        return LD_X87;
    if (digits == 113 && size == 16)
        return LD_BINARY128;
    if (digits > 113 && size == 16)
        return LD_DOUBLEDOUBLE; /* the gap between hi and lo is unbounded */
    return 0;
}

static void set_scalar(mt_arch *a, enum arch_scalar s, size_t size, size_t align)
{
    a->scalar[s].size = (uint8_t)size;
    a->scalar[s].align = (uint8_t)align;
}

static void probe(mt_arch *a)
{
    memset(a, 0, sizeof *a);
    a->version = ARCH_VERSION;
    a->byte_order = (uint8_t)probe_byte_order();
    a->char_signed = (char)-1 < 0;
    int digits = probe_ldouble_digits();
    a->ldouble_digits = (uint8_t)(digits > 255 ? 255 : digits);
    a->ldouble = ldouble_format(digits, sizeof(long double));
    set_scalar(a, AS_CHAR, sizeof(char), ALIGN_IN_STRUCT(char));
    set_scalar(a, AS_SHORT, sizeof(short), ALIGN_IN_STRUCT(short));
    set_scalar(a, AS_INT, sizeof(int), ALIGN_IN_STRUCT(int));
    set_scalar(a, AS_LONG, sizeof(long), ALIGN_IN_STRUCT(long));
    set_scalar(a, AS_LLONG, sizeof(long long), ALIGN_IN_STRUCT(long long));
    set_scalar(a, AS_PTR, sizeof(void *), ALIGN_IN_STRUCT(void *));
    set_scalar(a, AS_FNPTR, sizeof(probe_fn), ALIGN_IN_STRUCT(probe_fn));
    set_scalar(a, AS_FLOAT, sizeof(float), ALIGN_IN_STRUCT(float));
    set_scalar(a, AS_DOUBLE, sizeof(double), ALIGN_IN_STRUCT(double));
    set_scalar(a, AS_LDOUBLE, sizeof(long double), ALIGN_IN_STRUCT(long double));
    set_scalar(a, AS_BOOL, sizeof(_Bool), ALIGN_IN_STRUCT(_Bool));
    set_scalar(a, AS_SIZE_T, sizeof(size_t), ALIGN_IN_STRUCT(size_t));
    set_scalar(a, AS_ENUM, sizeof(enum probe_enum), ALIGN_IN_STRUCT(enum probe_enum));
}

const mt_arch *arch_local(void)
{
    /* Probing is deterministic, so a race between two first callers only
     * writes the same bytes twice; the flag is set last. */
    static mt_arch local;
    static volatile int ready;
    if (!ready) {
        probe(&local);
        ready = 1;
    }
    return &local;
}

int arch_equal(const mt_arch *a, const mt_arch *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

int arch_same_layout(const mt_arch *a, const mt_arch *b, int with_ldouble)
{
    for (int s = 0; s < AS_COUNT; s++)
        if ((s != AS_LDOUBLE || with_ldouble) &&
            (a->scalar[s].size != b->scalar[s].size || a->scalar[s].align != b->scalar[s].align))
            return 0;
    return 1;
}

static const char *ldouble_name(int format)
{
    switch (format) {
    case LD_BINARY64: return "binary64";
    case LD_X87: return "x87-80";
    case LD_BINARY128: return "binary128";
    case LD_DOUBLEDOUBLE: return "double-double";
    default: return "unknown";
    }
}

const char *arch_describe(const mt_arch *a, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s-endian %s, long double %s (%u bytes), char %s",
             a->byte_order == ARCH_BIG ? "big" : "little",
             a->scalar[AS_LONG].size == 8 ? "LP64" : "ILP32",
             ldouble_name(a->ldouble), a->scalar[AS_LDOUBLE].size,
             a->char_signed ? "signed" : "unsigned");
    return buf;
}

static int is_pow2(unsigned v)
{
    return v && (v & (v - 1)) == 0;
}

int arch_validate(const mt_arch *a)
{
    if (a->version != ARCH_VERSION)
        return -1;
    if (a->byte_order != ARCH_LITTLE && a->byte_order != ARCH_BIG)
        return -1;
    if (a->char_signed > 1 || a->ldouble < LD_BINARY64 || a->ldouble > LD_DOUBLEDOUBLE)
        return -1;
    for (int i = 0; i < AS_COUNT; i++) {
        unsigned size = a->scalar[i].size, align = a->scalar[i].align;
        if (size == 0 || size > 16 || !is_pow2(align) || align > size)
            return -1;
    }
    if (a->scalar[AS_CHAR].size != 1)
        return -1;
    return 0;
}
