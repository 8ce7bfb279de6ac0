/* blockmap.h: an open-addressing hash map from a block's start address to
 * its type and element count: the tracked heap's side map (state.c keeps
 * there the blocks its shadow table, heapmap.h, cannot hold, live and
 * freed lately, telling them apart by a tag in the type pointer). */
#ifndef MT_BLOCKMAP_H
#define MT_BLOCKMAP_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

typedef struct blockmap {
    st_heap_block *slots;     /* cap slots; addr NULL marks an empty one */
    size_t cap, live;         /* cap is a power of two (or 0), live <= cap / 2 */
    unsigned shift;           /* 64 - log2(cap): the hash's top bits pick the slot */
} blockmap;

/* Doubles the table: 0, or -1 when out of memory. */
int blockmap_grow(blockmap *m);

/* The slot is the address's own bits (in 8-byte units, malloc's least
 * alignment), folded with the bits above the table's size: blocks
 * allocated one after another land in neighbouring slots, so the probes of
 * a program that allocates as it goes stay in cache (a multiplicative hash
 * that scattered them cost 2.5 times the wall time on the churn
 * benchmark). malloc's blocks start at least 16 bytes apart on every ABI,
 * so at most every other slot of a stretch is a home slot, and runs of
 * full slots stay short. Blocks tracked closer together (mt_heap_track on
 * the elements of one array) make runs as long as the array: still
 * correct, but every deletion in such a run walks to its end. */
static inline size_t blockmap_slot_of(const blockmap *m, const void *p)
{
    uintptr_t a = (uintptr_t)p >> 3;
    return (size_t)(a ^ (a >> (64 - m->shift))) & (m->cap - 1);
}

/* The slot holding addr, or the empty slot that ends its probe. */
static inline size_t blockmap_probe(const blockmap *m, const void *addr)
{
    size_t mask = m->cap - 1;
    size_t j = blockmap_slot_of(m, addr);
    while (m->slots[j].addr && m->slots[j].addr != addr)
        j = (j + 1) & mask;
    return j;
}

/* The map's two calls on every malloc and free are inline: they are a
 * probe and a copy, and the calls cost as much. */

/* Adds or replaces the entry for b->addr: 0 when added, 1 when it
 * replaced one (copied to *old if set), -1 when out of memory. */
static inline int blockmap_put(blockmap *m, const st_heap_block *b, st_heap_block *old)
{
    if (__builtin_expect((m->live + 1) * 2 > m->cap, 0) && blockmap_grow(m) < 0)
        return -1;
    st_heap_block *s = &m->slots[blockmap_probe(m, b->addr)];
    int replaced = s->addr != NULL;
    if (replaced && old)
        *old = *s;
    m->live += !replaced;
    *s = *b;
    return replaced;
}

/* The entry for addr, which the caller may change except for its address,
 * or NULL. */
static inline st_heap_block *blockmap_get(const blockmap *m, const void *addr)
{
    if (!m->live || !addr)
        return NULL;
    size_t j = blockmap_probe(m, addr);
    return m->slots[j].addr ? &m->slots[j] : NULL;
}
/* Removes the entry for addr; 1 if there was one (copied to *out if set).
 * Entries may move: pointers from blockmap_get do not survive it. */
int blockmap_del(blockmap *m, const void *addr, st_heap_block *out);
/* Calls fn on every entry until it returns nonzero; returns that value. */
int blockmap_each(const blockmap *m, int (*fn)(const st_heap_block *b, void *ctx), void *ctx);
/* Removes every entry for which drop returns nonzero, in place (it cannot
 * fail for want of memory). */
void blockmap_drop_if(blockmap *m, int (*drop)(const st_heap_block *b, void *ctx), void *ctx);
/* Empties the map, keeping nothing. */
void blockmap_clear(blockmap *m);

#endif
