/* heapdesc.c: the interned descriptors of tracked heap blocks
 * (heapdesc.h): an append-only table of (type, count, site) by id, in
 * chunks that never move (a thread reads its entries without a lock),
 * and a hash index over it for interning. */
#include "heapdesc.h"

#include <pthread.h>
#include <stdlib.h>

#include <xxhash.h>

_Thread_local hd_slot hd_cache[HD_CACHE_N];

enum { CHUNK = 1 << HD_CHUNK_LOG2, NCHUNKS = (HD_MAX + CHUNK) / CHUNK };
/* The index: open addressing over ids, at most half full. */
enum { INDEX_N = 2 * (HD_MAX + 1) };

hd_desc *hd_chunks[NCHUNKS];
static uint16_t index_ids[INDEX_N];
static uint16_t last_id;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static size_t home_of(const hd_desc *d)
{
    uint64_t key[3] = { (uintptr_t)d->type, d->count, (uintptr_t)d->site };  /* no padding */
    return (size_t)(XXH3_64bits(key, sizeof key) % INDEX_N);
}

static int same(const hd_desc *a, const hd_desc *b)
{
    return a->type == b->type && a->count == b->count && a->site == b->site;
}

/* The id of *d, added when new; 0 when the ids are used up or out of
 * memory. The caller holds the lock. */
static uint16_t find_or_add(const hd_desc *d)
{
    size_t j = home_of(d);
    for (; index_ids[j]; j = (j + 1) % INDEX_N)
        if (same(hd_get(index_ids[j]), d))
            return index_ids[j];
    if (last_id == HD_MAX)
        return 0;
    uint16_t id = (uint16_t)(last_id + 1);
    hd_desc *chunk = hd_chunks[id >> HD_CHUNK_LOG2];
    if (!chunk) {
        chunk = calloc(CHUNK, sizeof *chunk);
        if (!chunk)
            return 0;
        __atomic_store_n(&hd_chunks[id >> HD_CHUNK_LOG2], chunk, __ATOMIC_RELEASE);
    }
    chunk[id & (CHUNK - 1)] = *d;
    index_ids[j] = id;
    last_id = id;
    return id;
}

uint16_t hd_intern(const struct mt_type *t, uint64_t count, const struct mt_site *site)
{
    hd_desc d = { t, count, site };
    pthread_mutex_lock(&lock);
    uint16_t id = find_or_add(&d);
    pthread_mutex_unlock(&lock);
    if (id)
        hd_cache[(((uintptr_t)site ^ (uintptr_t)t) >> 4) % HD_CACHE_N] = (hd_slot){ site, t, count, id };
    return id;
}
