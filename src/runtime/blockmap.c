/* blockmap.c: the address-keyed hash map behind the tracked heap.
 *
 * Linear probing over a power-of-two table with deletion markers; the
 * table is rebuilt (dropping the markers) when live and deleted entries
 * together fill half of it, so a probe stays short however the program
 * allocates and frees. */
#include "blockmap.h"

#include <stdlib.h>

#define DELETED ((void *)1)

static size_t slot_of(const void *p, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17) & (cap - 1);
}

static int in_use(const st_heap_block *s)
{
    return s->addr != NULL && s->addr != DELETED;
}

/* The slot holding addr, or the empty slot that ends its probe. */
static size_t probe(const blockmap *m, const void *addr)
{
    size_t j = slot_of(addr, m->cap);
    while (m->slots[j].addr && m->slots[j].addr != addr)
        j = (j + 1) & (m->cap - 1);
    return j;
}

static int rehash(blockmap *m, size_t cap)
{
    st_heap_block *fresh = calloc(cap, sizeof *fresh);
    if (!fresh)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!in_use(&m->slots[i]))
            continue;
        size_t j = slot_of(m->slots[i].addr, cap);
        while (fresh[j].addr)
            j = (j + 1) & (cap - 1);
        fresh[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = fresh;
    m->cap = cap;
    m->used = m->live;
    return 0;
}

int blockmap_put(blockmap *m, const st_heap_block *b)
{
    if ((m->used + 1) * 2 > m->cap) {
        size_t cap = !m->cap ? 1024 : m->live * 4 > m->cap ? m->cap * 2 : m->cap;
        if (rehash(m, cap) < 0)
            return -1;
    }
    size_t j = probe(m, b->addr);
    if (m->slots[j].addr != b->addr) {
        /* new: take the first deleted slot on the probe path, if any */
        size_t k = slot_of(b->addr, m->cap);
        while (m->slots[k].addr && m->slots[k].addr != DELETED)
            k = (k + 1) & (m->cap - 1);
        if (m->slots[k].addr == NULL)
            m->used++;
        m->live++;
        j = k;
    }
    m->slots[j] = *b;
    return 0;
}

int blockmap_del(blockmap *m, const void *addr, st_heap_block *out)
{
    if (!m->cap || !addr)
        return 0;
    size_t j = probe(m, addr);
    if (m->slots[j].addr != addr)
        return 0;
    if (out)
        *out = m->slots[j];
    m->slots[j].addr = DELETED;
    m->live--;
    return 1;
}

const st_heap_block *blockmap_get(const blockmap *m, const void *addr)
{
    if (!m->cap || !addr)
        return NULL;
    size_t j = probe(m, addr);
    return m->slots[j].addr == addr ? &m->slots[j] : NULL;
}

int blockmap_each(const blockmap *m, int (*fn)(const st_heap_block *b, void *ctx), void *ctx)
{
    for (size_t i = 0; i < m->cap; i++) {
        if (!in_use(&m->slots[i]))
            continue;
        int r = fn(&m->slots[i], ctx);
        if (r)
            return r;
    }
    return 0;
}

void blockmap_clear(blockmap *m)
{
    free(m->slots);
    *m = (blockmap){ 0 };
}
