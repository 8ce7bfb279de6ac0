/* bitfield.c: where a bit-field's bits are, found on the running ABI.
 *
 * C has no offsetof for a bit-field, and each ABI packs them its own way
 * (from the least or the most significant bit, in units of its choosing,
 * packed or not). So the probe reads the member, through a function mtcc
 * generates, from zeroed objects in which it has set chosen bits: which
 * bytes change the value, then which value bit each of their bits holds.
 * What it finds is described in tmember's bit_* fields; no table of
 * platforms. Reading works for const members too, which writing would not. */
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "error.h"
#include "types.h"

/* The bytes a bit-field of 64 bits can touch: 8, plus one when it starts
 * inside a byte (packed structs). */
enum { BIT_MAX_WINDOW = 9, BITS_PER_BYTE = 8 };

typedef struct probe {
    uint8_t *obj;
    size_t size;
    mt_bitfield_read read;
} probe;

/* The member's value with bytes [from, to) of the object all ones and the
 * others zero. */
static unsigned long long with_bytes(const probe *p, size_t from, size_t to, int *positive)
{
    memset(p->obj, 0, p->size);
    memset(p->obj + from, 0xff, to - from);
    return p->read(p->obj, positive);
}

/* The first and last byte that hold bits of the member: two binary
 * searches, since setting more bytes can only add bits of the value. */
static void find_window(const probe *p, size_t *first, size_t *last)
{
    int pos;
    size_t lo = 1, hi = p->size;  /* the smallest n with bytes [0, n) reaching the member */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (with_bytes(p, 0, mid, &pos))
            hi = mid;
        else
            lo = mid + 1;
    }
    *first = lo - 1;
    lo = 0, hi = p->size - 1;     /* the largest m with bytes [m, size) reaching it */
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (with_bytes(p, mid, p->size, &pos))
            lo = mid;
        else
            hi = mid - 1;
    }
    *last = lo;
}

/* Which value bit a single set object bit gave: v is 2^j, or for the sign
 * bit of a signed member -2^j. Returns j, or -1 when v is neither. */
static int value_bit(unsigned long long v, int is_signed)
{
    int j = __builtin_ctzll(v);
    if (v == 1ull << j || (is_signed && v == ~0ull << j))
        return j;
    return -1;
}

/* The position of memory bit p (counted from the least significant bit of
 * the window's first byte) counted from its most significant bit. */
static unsigned msb_number(unsigned p)
{
    return BITS_PER_BYTE * (p / BITS_PER_BYTE) + (BITS_PER_BYTE - 1) - p % BITS_PER_BYTE;
}

int type_bitfield_ok(const tmember *m)
{
    unsigned bits = (unsigned)m->bit_pos + m->bit_width;
    return m->cls == MT_CLASS_BITFIELD && m->bit_width >= 1 && m->bit_width <= TYPE_BIT_MAX_WIDTH &&
           m->bit_pos < 8 && !(m->bit_flags & ~TYPE_BIT_FLAGS) && m->count == 1 &&
           m->size == (bits + 7) / 8;
}

/* Describes value bits at[0..width) (memory bits of the window) as a run
 * in one of the two numberings; 0, or -1 when they form neither. */
static int fit_numbering(const unsigned *at, unsigned width, tmember *m)
{
    int lsb = 1, msb = 1;
    for (unsigned j = 0; j < width; j++) {
        lsb &= at[j] == at[0] + j;
        msb &= msb_number(at[j]) == msb_number(at[width - 1]) + (width - 1 - j);
    }
    if (!lsb && !msb)
        return -1;
    if (lsb && msb)  /* inside one byte both fit: count as this ABI's byte order would */
        lsb = arch_local()->byte_order != ARCH_BIG;
    m->bit_pos = (uint8_t)(lsb ? at[0] : msb_number(at[width - 1]));
    m->bit_flags |= lsb ? 0 : TYPE_BIT_MSB;
    return 0;
}

/* Reads the member once per bit of its window and records the value bit
 * each holds; fills width and numbering. */
static int map_bits(const probe *p, size_t first, size_t nbytes, int is_signed, tmember *m)
{
    unsigned at[TYPE_BIT_MAX_WIDTH];
    uint64_t seen = 0;
    unsigned width = 0;
    for (unsigned b = 0; b < nbytes * BITS_PER_BYTE; b++) {
        int pos;
        memset(p->obj, 0, p->size);
        p->obj[first + b / BITS_PER_BYTE] = (uint8_t)(1u << (b % BITS_PER_BYTE));
        unsigned long long v = p->read(p->obj, &pos);
        if (v == 0)
            continue;
        int j = value_bit(v, is_signed);
        if (j < 0 || (seen >> j & 1))
            return -1;
        seen |= 1ull << j;
        at[j] = b;
        width++;
    }
    /* the value bits found are exactly 0..width-1 */
    if (width == 0 || (width < TYPE_BIT_MAX_WIDTH && seen != (1ull << width) - 1))
        return -1;
    m->bit_width = (uint8_t)width;
    return fit_numbering(at, width, m);
}

static int probe_object(const probe *p, tmember *m)
{
    int positive;
    unsigned long long all = with_bytes(p, 0, p->size, &positive);
    if (all == 0)
        return -1;
    int is_signed = !positive;  /* all ones reads -1 only in a signed member */
    size_t first, last;
    find_window(p, &first, &last);
    size_t nbytes = last - first + 1;
    if (last < first || nbytes > BIT_MAX_WINDOW)
        return -1;
    m->bit_flags = is_signed ? TYPE_BIT_SIGNED : 0;
    if (map_bits(p, first, nbytes, is_signed, m) < 0)
        return -1;
    /* all ones must read as the value of that many ones */
    unsigned w = m->bit_width;
    unsigned long long ones = is_signed || w == TYPE_BIT_MAX_WIDTH ? ~0ull : (1ull << w) - 1;
    if (all != ones)
        return -1;
    m->offset = (uint32_t)first;
    m->size = (uint32_t)nbytes;
    m->count = 1;
    return type_bitfield_ok(m) ? 0 : -1;
}

int type_probe_bitfield(const char *tname, size_t size, size_t align, mt_bitfield_read read,
                        tmember *m, mt_error *err)
{
    if (!read || size == 0)
        return mt_fail(err, MT_ETYPE, "type %s member %s: a bit-field needs its read function", tname,
                       m->name);
    if (align < sizeof(void *))
        align = sizeof(void *);
    void *obj = NULL;
    if (posix_memalign(&obj, align, size) != 0)
        return mt_fail(err, MT_ENOMEM, "out of memory probing type %s", tname);
    probe p = { obj, size, read };
    int r = probe_object(&p, m);
    free(obj);
    if (r < 0)
        return mt_fail(err, MT_ETYPE, "type %s member %s: a bit-field layout MigThread does not understand",
                       tname, m->name);
    return 0;
}
