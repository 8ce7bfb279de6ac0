/* types.h: type descriptors ("tags") inside the runtime.
 *
 * An mt_type describes one C struct, union or scalar type as laid out on
 * one ABI: its members with their classes, sizes, offsets and counts. The
 * local types are built at run time from sizeof/offsetof (mt_type_define);
 * a checkpoint carries the writer's types, decoded into the same struct.
 * The identity (a hash of the name and member list without sizes) is what
 * matches a writer's type to the reader's. */
#ifndef MT_TYPES_H
#define MT_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "migthread.h"

typedef struct tmember {
    char *name;
    uint8_t cls;            /* mt_class */
    uint32_t size;          /* one element; for STRUCT/UNION the type's size;
                               for BITFIELD the bytes its bits touch */
    uint32_t offset;        /* for BITFIELD the first of those bytes */
    uint32_t count;
    const struct mt_type *type; /* STRUCT and UNION only */
    /* BITFIELD only: the value's bits are bits [bit_pos, bit_pos + bit_width)
     * of its bytes, numbered from the least significant bit of the first
     * byte up, or with TYPE_BIT_MSB from the most significant bit of the
     * first byte down, the value's most significant bit first. */
    uint8_t bit_width;      /* 1..64 */
    uint8_t bit_pos;        /* 0..7 */
    uint8_t bit_flags;      /* TYPE_BIT_* */
    uint8_t pun_read;       /* a union member read while another may be the one stored (mt_type_punned) */
} tmember;

enum {
    TYPE_BIT_SIGNED = 1,    /* two's complement */
    TYPE_BIT_MSB = 2,       /* numbered from the most significant bit */
    TYPE_BIT_FLAGS = 3,     /* every flag there is */
    TYPE_BIT_MAX_WIDTH = 64
};

struct flex_info;

struct mt_type {
    uint64_t id;            /* identity: equal on every ABI */
    char *name;
    uint32_t size, align;
    uint32_t index;         /* position in its table (local or image) */
    uint8_t is_union;
    uint8_t punned;         /* a union whose bytes the program reads as another type (mt_type_punned) */
    uint8_t has_pointers;   /* a PTR or FNPTR anywhere inside */
    uint8_t has_unions;     /* a union anywhere inside, or the type is one */
    struct un_position *union_positions; /* unions.c's flat list of them, made on first use */
    uint32_t nunion_positions;
    uint32_t nmembers;
    tmember *members;       /* in declaration order (increasing offset) */
    /* A heap block type with a trailing array (flex.c): set on the
     * descriptor mtcc passes to the allocation wrappers and on each block
     * type made from it; NULL for every other type. */
    const struct flex_info *flex;
};

/* Limits that keep a hostile description from costing much. */
enum {
    TYPE_MAX_MEMBERS = 1 << 16,
    TYPE_MAX_NAME = 1024,
    TYPE_MAX_SIZE = 0x7fffffff
};

/* Checks that a member list fits its type: known classes, plausible
 * scalar sizes, every member inside the type, struct members in order and
 * not overlapping. Used for local definitions and for types read from a
 * checkpoint. Returns 0, or -1 with err naming the type and member. */
int type_check_layout(const char *name, uint32_t size, int is_union,
                      const tmember *m, uint32_t n, mt_error *err);

/* Computes the identity of a type from its name and members. */
uint64_t type_identity(const char *name, int is_union, const tmember *m,
                       uint32_t n);

/* Builds a type in freshly allocated memory (the caller owns it; free with
 * type_free); member names and name are copied. Returns NULL on error. */
struct mt_type *type_new(const char *name, uint32_t size, uint32_t align,
                         int is_union, const tmember *m, uint32_t n,
                         mt_error *err);
void type_free(struct mt_type *t);

/* The local type table, in definition order (nested types come first). */
const struct mt_type *const *types_local(uint32_t *count);
const struct mt_type *types_local_find(uint64_t id);

/* 1 for the classes of integers that may hold an address. */
static inline int type_class_is_addr(int cls)
{
    return cls == MT_CLASS_ADDR_SINT || cls == MT_CLASS_ADDR_UINT;
}

/* 1 for the classes of integers that may hold a number of the layout. */
static inline int type_class_is_layout(int cls)
{
    return cls == MT_CLASS_LAYOUT_SINT || cls == MT_CLASS_LAYOUT_UINT;
}

/* 1 for a type of single bytes (char, unsigned char, the raw bytes of a
 * block mtcc could not type): its blocks say nothing of what they hold. */
static inline int type_is_bytes(const struct mt_type *t)
{
    return t->nmembers == 1 && t->size == 1 && t->members[0].name[0] == '\0' && t->members[0].count == 1;
}

/* Writes into buf the path of the member holding byte off of one element
 * of t, such as "l", "in.l" or "v[3]" (empty when off is in padding); it
 * stops at a union, whose active member is not known here. Bit-fields
 * share bytes: of those only want (or none, with NULL) is taken. */
void types_member_path(const struct mt_type *t, uint64_t off, const tmember *want, char *buf, size_t cap);

/* 1 when a scalar class and size make sense together. */
int type_scalar_size_ok(int cls, uint32_t size);

/* 1 when a bit-field member's window (size bytes) fits its bit position
 * and width, and its flags are known (bitfield.c, below this file). */
int type_bitfield_ok(const tmember *m);

/* The shift of a bit-field's value in its bytes read as one integer
 * (kernels.h's k_bits). */
static inline unsigned type_bit_shift(const tmember *m)
{
    return m->bit_flags & TYPE_BIT_MSB ? 8u * m->size - m->bit_pos - m->bit_width : m->bit_pos;
}

/* Finds where the bit-field that read reads lies in an object of size
 * bytes aligned to align, by reading it from objects with chosen bits set
 * (bitfield.c); fills m's offset, size and bit_* fields. Returns 0, or -1
 * with err naming type tname and the member. */
int type_probe_bitfield(const char *tname, size_t size, size_t align, mt_bitfield_read read,
                        tmember *m, mt_error *err);

#endif
