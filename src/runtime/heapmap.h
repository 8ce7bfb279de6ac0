/* heapmap.h: the shadow table of the tracked heap: one 16-bit entry per
 * granule of address space (16 bytes, malloc's least alignment; 8 on
 * 32-bit ABIs), found in two steps by address (a top array of leaves,
 * each covering 4 MB), so that a malloc or free records its block with
 * one store and no lock, and the table costs an eighth of the heap it
 * covers at most (only the pages of it that blocks start in are memory).
 * An entry is 0 (no block starts there) or a block's descriptor id
 * (heapdesc.h) with two tags: FREED, and GEN, the generation of a freed
 * entry. state.c keeps the blocks this table cannot hold (unaligned
 * starts, addresses above its range) in its hash map. */
#ifndef MT_HEAPMAP_H
#define MT_HEAPMAP_H

#include <stddef.h>
#include <stdint.h>

#include "migthread-heap.h"  /* the geometry, shared with the sites' fast path */

#define HM_GRANULE_LOG2 MT_HM_GRANULE_LOG2
#define HM_LEAF_SPAN_LOG2 MT_HM_LEAF_SPAN_LOG2
#define HM_ADDR_BITS MT_HM_ADDR_BITS
#define HM_TOP_N ((size_t)1 << (HM_ADDR_BITS - HM_LEAF_SPAN_LOG2))
#define HM_LEAF_N MT_HM_LEAF_N

enum { HM_FREED = MT_HM_FREED, HM_GEN = MT_HM_GEN, HM_ID_MASK = MT_HM_ID_MASK };

/* The leaves are mt_hm_top (migthread-heap.h). */

/* The leaf that holds the entry of the block that would start at p, or
 * NULL when p is not at a granule's start, above the table's range, or in
 * a leaf not made yet (hm_slot_make). Lock-free: a leaf, once published,
 * stays. */
static inline uint16_t *hm_leaf_of(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    uint16_t **top = __atomic_load_n(&mt_hm_top, __ATOMIC_ACQUIRE);
    if ((a & (((uintptr_t)1 << HM_GRANULE_LOG2) - 1)) || !top)
        return NULL;
    uintptr_t i = a >> HM_LEAF_SPAN_LOG2;
    if (sizeof(void *) >= 8 && i >= HM_TOP_N)
        return NULL;
    return __atomic_load_n(&top[i], __ATOMIC_ACQUIRE);
}

/* p's entry in its leaf. */
static inline uint16_t *hm_in_leaf(uint16_t *leaf, const void *p)
{
    return &leaf[((uintptr_t)p & (((uintptr_t)1 << HM_LEAF_SPAN_LOG2) - 1)) >> HM_GRANULE_LOG2];
}

/* The entry of the block that would start at p, or NULL (hm_leaf_of). */
static inline uint16_t *hm_slot(const void *p)
{
    uint16_t *leaf = hm_leaf_of(p);
    return leaf ? hm_in_leaf(leaf, p) : NULL;
}

static inline uint16_t hm_load(const uint16_t *e) { return __atomic_load_n(e, __ATOMIC_RELAXED); }
static inline void hm_store(uint16_t *e, uint16_t v) { __atomic_store_n(e, v, __ATOMIC_RELAXED); }

/* Behind each leaf's entries, a byte per page of them that a block was
 * ever recorded in: a capture reads only those pages, so that a heap of
 * large blocks (one entry per leaf) costs a word per block to visit, not
 * a fault on each of the leaf's 128 zero pages. */
#define HM_PAGE_ENTRIES MT_HM_PAGE_ENTRIES
#define HM_LEAF_PAGES MT_HM_LEAF_PAGES

static inline uint8_t *hm_pages_of(uint16_t *leaf) { return (uint8_t *)(leaf + HM_LEAF_N); }

/* Notes the page of leaf that the entry of address a is on: a load and a
 * test once it is noted. */
static inline void hm_note(uint16_t *leaf, uintptr_t a)
{
    uint8_t *noted = hm_pages_of(leaf) + (a >> HM_GRANULE_LOG2) / HM_PAGE_ENTRIES % HM_LEAF_PAGES;
    if (__builtin_expect(!__atomic_load_n(noted, __ATOMIC_RELAXED), 0))
        __atomic_store_n(noted, 1, __ATOMIC_RELAXED);
}

/* hm_slot for an entry about to be stored: its page is noted. */
static inline uint16_t *hm_slot_noted(const void *p)
{
    uint16_t *leaf = hm_leaf_of(p);
    if (!leaf)
        return NULL;
    hm_note(leaf, (uintptr_t)p);
    return hm_in_leaf(leaf, p);
}

/* hm_slot_noted, making the table and the leaf when they are missing;
 * NULL when p cannot be held (see hm_slot) or out of memory. The caller
 * serialises calls (the state lock). */
uint16_t *hm_slot_make(const void *p);

/* Calls fn on every nonzero entry, by address, until it returns nonzero;
 * returns that value. The caller serialises it against hm_slot_make and
 * no thread of the program stores meanwhile, except through hm_sweep. */
int hm_each(int (*fn)(void *addr, uint16_t *e, void *ctx), void *ctx);

/* The number of entries in the leaves made (what hm_each and hm_sweep
 * read); any thread may ask. */
size_t hm_entries(void);

/* Clears every entry whose bits under mask are match, with a
 * compare-and-swap, so that an entry a thread stores meanwhile stays;
 * returns the number of live (untagged) entries it saw. The caller
 * serialises it against hm_slot_make. */
size_t hm_sweep(uint16_t mask, uint16_t match);

#endif
