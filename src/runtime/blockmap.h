/* blockmap.h: an open-addressing hash map from a block's start address to
 * its type and element count. The tracked heap uses two kinds of it: the
 * live blocks, and the blocks freed lately (see state.c). */
#ifndef MT_BLOCKMAP_H
#define MT_BLOCKMAP_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

typedef struct blockmap {
    st_heap_block *slots;
    size_t cap, used, live;   /* used counts deleted slots too */
} blockmap;

/* Adds or replaces the entry for b->addr. Returns -1 when out of memory. */
int blockmap_put(blockmap *m, const st_heap_block *b);
/* Removes the entry for addr; 1 if there was one (copied to *out if set). */
int blockmap_del(blockmap *m, const void *addr, st_heap_block *out);
/* The entry for addr, or NULL. */
const st_heap_block *blockmap_get(const blockmap *m, const void *addr);
/* Calls fn on every entry until it returns nonzero; returns that value. */
int blockmap_each(const blockmap *m, int (*fn)(const st_heap_block *b, void *ctx), void *ctx);
/* Empties the map, keeping nothing. */
void blockmap_clear(blockmap *m);

#endif
