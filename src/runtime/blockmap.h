/* blockmap.h: an open-addressing hash map from a block's start address to
 * its type and element count, behind the tracked heap (state.c keeps the
 * live blocks and the blocks freed lately in one of these, telling them
 * apart by a tag in the type pointer). */
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

/* Adds or replaces the entry for b->addr: 0 when added, 1 when it
 * replaced one (copied to *old if set), -1 when out of memory. */
int blockmap_put(blockmap *m, const st_heap_block *b, st_heap_block *old);
/* Removes the entry for addr; 1 if there was one (copied to *out if set).
 * Entries may move: pointers from blockmap_get do not survive it. */
int blockmap_del(blockmap *m, const void *addr, st_heap_block *out);
/* The entry for addr, which the caller may change except for its address,
 * or NULL. */
st_heap_block *blockmap_get(const blockmap *m, const void *addr);
/* Calls fn on every entry until it returns nonzero; returns that value. */
int blockmap_each(const blockmap *m, int (*fn)(const st_heap_block *b, void *ctx), void *ctx);
/* Removes every entry for which drop returns nonzero, in place (it cannot
 * fail for want of memory). */
void blockmap_drop_if(blockmap *m, int (*drop)(const st_heap_block *b, void *ctx), void *ctx);
/* Empties the map, keeping nothing. */
void blockmap_clear(blockmap *m);

#endif
