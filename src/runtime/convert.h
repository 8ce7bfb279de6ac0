/* convert.h: receiver-makes-right conversion (the seeds' CGT-RMR).
 *
 * A plan is compiled once per (writer type, writer ABI, reader type) and
 * then run over whole blocks: a memcpy when nothing differs, otherwise a
 * list of operations over runs of equal slots (byte swaps, integer
 * resizing with a precision check, long double reformatting, pointer
 * translation), applied chunk by chunk so that each runs as a tight loop. */
#ifndef MT_CONVERT_H
#define MT_CONVERT_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "types.h"

typedef struct cv_plan cv_plan;

/* Translates an old (writer's) address to a new one; returns 0, or -1
 * with err filled (the engine adds the type and member). NULL pointers
 * never reach it. */
typedef int (*cv_translate_fn)(void *ctx, uint64_t old_addr, uint64_t *new_addr,
                               mt_error *err);

/* Translates an integer that may hold an address: returns 1 with
 * *new_addr set when old_value points into a saved object, 0 when it is a
 * plain number (converted as an integer), -1 with err filled. */
typedef int (*cv_translate_addr_fn)(void *ctx, uint64_t old_value, uint64_t *new_addr,
                                    mt_error *err);

/* The writer's active member of the union of writer type u at old
 * address old_addr, or -1 when unknown. */
typedef long (*cv_union_fn)(void *ctx, uint64_t old_addr, const struct mt_type *u);

typedef struct cv_ctx {
    unsigned lossy;                /* nonzero: narrow instead of failing */
    cv_translate_fn translate_ptr; /* data pointers; NULL: refuse any */
    cv_translate_fn translate_fn;  /* function pointers; NULL: refuse any */
    cv_translate_addr_fn translate_addr; /* address-holding integers; NULL: numbers */
    void *cb_ctx;
    /* Unions are converted by their active member: union_member (NULL:
     * every one unknown) is asked with the old address of each, which is
     * src_old plus its distance from src_data (the block being run). A
     * union whose member is unknown is zero when its bytes are, copied
     * when every member has the same layout and representation on both
     * sides and none is a pointer, and refused otherwise. */
    cv_union_fn union_member;
    const uint8_t *src_data;
    uint64_t src_old;
} cv_ctx;

/* Compiles the conversion of src (laid out by the writer, whose ABI is
 * src_arch) into dst (a local type with the same identity). Fails with
 * MT_ETYPE when the member lists differ. */
cv_plan *cv_plan_compile(const struct mt_type *src, const mt_arch *src_arch,
                         const struct mt_type *dst, mt_error *err);
void cv_plan_free(cv_plan *p);

/* The local type the plan converts into. */
const struct mt_type *cv_plan_dst(const cv_plan *p);

/* 1 when the plan is a plain memcpy (same layout and representation, no
 * pointers to translate). */
int cv_plan_is_copy(const cv_plan *p);

/* 1 when running the plan needs nothing beyond the block's own bytes: no
 * pointer or address to translate, no union's active member to look up.
 * Such a block converts as soon as it arrives (restore.h, early). */
int cv_plan_self_contained(const cv_plan *p);

/* Converts count elements from src (writer's bytes) into dst. Returns 0,
 * or -1 with err naming the type and member ("precision loss in struct
 * record member l") and the element. */
int cv_run(const cv_plan *p, void *dst, const void *src, size_t count,
           const cv_ctx *ctx, mt_error *err);

/* Maps a byte offset inside a block of count writer elements to the
 * matching offset in the reader's layout: a pointer to arr[3].field still
 * points at arr[3].field, one past the end stays one past the end.
 * Returns 0, or -1 when the offset falls in padding or between the bytes
 * of a scalar whose size changes. */
int cv_map_offset(const cv_plan *p, uint64_t old_off, uint64_t count, uint64_t *new_off);

#endif
