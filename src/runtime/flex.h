/* flex.h: heap blocks that end in an array whose length only the
 * allocation's size tells: a struct with a flexible array member, or a
 * header followed by elements (malloc(sizeof(H) + n * sizeof(E))).
 *
 * mtcc passes a descriptor (mt_type_flex) to the allocation wrappers; each
 * allocation is tracked as one element of a block type made for its
 * length: the header's members, the array with its count, and the bytes
 * left over. A reader makes the same block type from its own descriptor,
 * so the identities agree and the block converts like any struct. */
#ifndef MT_FLEX_H
#define MT_FLEX_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

typedef struct flex_info {
    const struct mt_type *desc;    /* what mtcc passes: no members, in no table */
    const struct mt_type *header;  /* the struct before the array */
    const struct mt_type *elem;    /* the array's element (a scalar type or a record) */
    char *member;                  /* the array's name ("items", or "[]" after a header) */
    uint32_t offset;               /* where the array starts */
    uint32_t elem_count;           /* scalars per element: int a[][3] has 3 */
    uint32_t elem_size;            /* one scalar or record */
    uint8_t elem_cls;              /* its mt_class */
} flex_info;

/* 1 when t is a descriptor from mt_type_flex (not yet a block type). */
static inline int flex_is_desc(const struct mt_type *t)
{
    return t->flex && t->flex->desc == t;
}

/* 1 when a block of type t is bytes, or ends in an array of bytes (a
 * header before an arena of chars): its bytes say nothing of what they
 * hold, so mtcc's marks of its allocation site decide. */
static inline int flex_untyped(const struct mt_type *t)
{
    return type_is_bytes(t) || (t->flex && type_is_bytes(t->flex->elem));
}

/* The block type of a size-byte allocation made with descriptor desc, or
 * NULL when the size cannot hold the header's members (or the type could
 * not be made): the block is then bytes. */
const struct mt_type *flex_block_type(const struct mt_type *desc, size_t size);

/* The local block type matching a writer's block type that this program's
 * table lacks (one made for a length no local block had), or NULL. */
const struct mt_type *flex_local_match(const struct mt_type *writer);

#endif
