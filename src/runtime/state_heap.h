/* state_heap.h: the fast halves of tracking and freeing a heap block,
 * inline in the allocation wrappers (heap.c) and in state.c: a malloc
 * stores its descriptor id into the shadow table and a free tags it, each
 * in about ten instructions, with no lock and no call; anything else (a
 * leaf to make, the side map, a batch of counts) is a call to state.c. */
#ifndef MT_STATE_HEAP_H
#define MT_STATE_HEAP_H

#include "heapdesc.h"
#include "heapmap.h"
#include "state.h"

/* Each thread counts its frees and hands state.c a batch of them at a
 * time (the window of blocks freed lately): mt_heap_tl_frees_left,
 * mt_heap_free_tag and mt_heap_count_frees (migthread-heap.h, where the
 * sites' fast path of free uses them too). */
enum { STATE_COUNT_BATCH = MT_HEAP_COUNT_BATCH };

/* The slow halves (state.c). */
int state_heap_add_slow(void *block, const struct mt_type *t, size_t count, const struct mt_site *site);
/* A live entry the side map holds for the same address goes. */
int state_heap_add_after(void *block);
int state_heap_take_slow(void *block, st_heap_block *out);

/* state_heap_add. */
static inline __attribute__((always_inline)) int state_heap_add_inline(void *block, const struct mt_type *t, size_t count,
                                        const struct mt_site *site)
{
    uint16_t *e = hm_slot_noted(block);
    uint16_t id = e ? hd_id(t, count, site) : 0;
    if (__builtin_expect(!id, 0))
        return state_heap_add_slow(block, t, count, site);
    hm_store(e, id);
    if (__builtin_expect(__atomic_load_n(&mt_heap_rare, __ATOMIC_RELAXED) & MT_HEAP_RARE_SIDE, 0))
        return state_heap_add_after(block);
    return 0;
}

/* state_heap_take; with out NULL, state_heap_release. */
static inline __attribute__((always_inline)) int state_heap_take_inline(void *block, st_heap_block *out)
{
    uint16_t *e = hm_slot(block);
    uint16_t v = e ? hm_load(e) : 0;
    if (__builtin_expect(!v || (v & HM_FREED), 0))
        return state_heap_take_slow(block, out);
    if (out) {
        const hd_desc *d = hd_get(v);
        *out = (st_heap_block){ block, d->type, d->count, d->site };
    }
    hm_store(e, (uint16_t)(v | __atomic_load_n(&mt_heap_free_tag, __ATOMIC_RELAXED)));
    if (__builtin_expect(--mt_heap_tl_frees_left == 0, 0))
        mt_heap_count_frees();
    return 1;
}

#endif
