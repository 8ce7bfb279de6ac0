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
    uint32_t size;          /* one element; for STRUCT/UNION the type's size */
    uint32_t offset;
    uint32_t count;
    const struct mt_type *type; /* STRUCT and UNION only */
} tmember;

struct mt_type {
    uint64_t id;            /* identity: equal on every ABI */
    char *name;
    uint32_t size, align;
    uint32_t index;         /* position in its table (local or image) */
    uint8_t is_union;
    uint8_t has_pointers;   /* a PTR or FNPTR anywhere inside */
    uint32_t nmembers;
    tmember *members;       /* in declaration order (increasing offset) */
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

/* Writes into buf the path of the member holding byte off of one element
 * of t, such as "l", "in.l" or "v[3]" (empty when off is in padding); it
 * stops at a union, whose active member is not known here. */
void types_member_path(const struct mt_type *t, uint64_t off, char *buf, size_t cap);

/* 1 when a scalar class and size make sense together. */
int type_scalar_size_ok(int cls, uint32_t size);

#endif
