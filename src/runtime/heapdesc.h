/* heapdesc.h: what a tracked heap block is (its type, element count and
 * allocation site), interned once as a small id, so that the shadow table
 * (heapmap.h) holds two bytes per block instead of the three words. Most
 * sites allocate one type and length over and over: each thread keeps the
 * ids it used lately in a small cache of its own, so that a malloc finds
 * its id without a lock. */
#ifndef MT_HEAPDESC_H
#define MT_HEAPDESC_H

#include <stddef.h>
#include <stdint.h>

#include "heapmap.h"
#include "types.h"

struct mt_site;

typedef struct hd_desc {
    const struct mt_type *type;
    uint64_t count;
    const struct mt_site *site;  /* or NULL */
} hd_desc;

enum { HD_MAX = HM_ID_MASK, HD_CACHE_N = 64 };

typedef struct hd_slot {
    const struct mt_site *site;
    const struct mt_type *type;
    uint64_t count;
    uint16_t id;                 /* 0: empty */
} hd_slot;

extern _Thread_local hd_slot hd_cache[HD_CACHE_N];

/* The id of a descriptor not in this thread's cache: interned (under a
 * lock of its own) and cached; 0 when the ids are used up or out of
 * memory (the block then goes to state.c's hash map). */
uint16_t hd_intern(const struct mt_type *t, uint64_t count, const struct mt_site *site);

/* The id of (t, count, site), 1 to HD_MAX, or 0 as hd_intern says. */
static inline uint16_t hd_id(const struct mt_type *t, uint64_t count, const struct mt_site *site)
{
    hd_slot *s = &hd_cache[(((uintptr_t)site ^ (uintptr_t)t) >> 4) % HD_CACHE_N];
    if (__builtin_expect(s->site == site && s->type == t && s->count == count && s->id, 1))
        return s->id;
    return hd_intern(t, count, site);
}

/* The descriptor of an id hd_id returned (in any thread). */
extern hd_desc *hd_chunks[];
enum { HD_CHUNK_LOG2 = 8 };
static inline const hd_desc *hd_get(uint16_t id)
{
    const hd_desc *chunk = __atomic_load_n(&hd_chunks[id >> HD_CHUNK_LOG2], __ATOMIC_ACQUIRE);
    return &chunk[id & ((1u << HD_CHUNK_LOG2) - 1)];
}

#endif
