/* blockmap.c: the address-keyed hash map behind the tracked heap.
 *
 * Linear probing over a power-of-two table kept at most half full.
 * Deletion shifts the entries after the hole back (Knuth's algorithm R)
 * instead of leaving markers, so a probe never walks over dead slots and a
 * table that sees as many deletions as insertions never needs rebuilding. */
#include "blockmap.h"

#include <stdlib.h>
#include <sys/mman.h>

enum { FIRST_CAP_LOG2 = 10 };

/* A large table is mapped on its own and asks for huge pages: it is
 * touched all over at once (a rehash, then random probes), and with 4 KB
 * pages its page faults took most of the time of a program that keeps a
 * few million blocks. Mapped memory is zero already. */
enum { MAP_BYTES_MIN = 2 << 20 };

static st_heap_block *table_new(size_t cap)
{
    size_t bytes = cap * sizeof(st_heap_block);
    if (bytes < MAP_BYTES_MIN)
        return calloc(cap, sizeof(st_heap_block));
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);  /* a hint: refused is fine */
#endif
    return p;
}

static void table_free(st_heap_block *slots, size_t cap)
{
    if (cap * sizeof(st_heap_block) < MAP_BYTES_MIN)
        free(slots);
    else
        munmap(slots, cap * sizeof(st_heap_block));
}

int blockmap_grow(blockmap *m)
{
    unsigned log2 = m->cap ? 64 - m->shift + 1 : FIRST_CAP_LOG2;
    blockmap fresh = { .slots = table_new((size_t)1 << log2),
                       .cap = (size_t)1 << log2, .live = m->live, .shift = 64 - log2 };
    if (!fresh.slots)
        return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].addr)
            fresh.slots[blockmap_probe(&fresh, m->slots[i].addr)] = m->slots[i];
    if (m->slots)
        table_free(m->slots, m->cap);
    *m = fresh;
    return 0;
}

/* Empties slot hole and moves back each later entry of its run that may
 * sit there: one whose home slot is not between the hole and where it is
 * now. */
static void remove_at(blockmap *m, size_t hole)
{
    size_t mask = m->cap - 1;
    for (size_t k = (hole + 1) & mask; m->slots[k].addr; k = (k + 1) & mask) {
        size_t home = blockmap_slot_of(m, m->slots[k].addr);
        if (((k - home) & mask) >= ((k - hole) & mask)) {
            m->slots[hole] = m->slots[k];
            hole = k;
        }
    }
    m->slots[hole].addr = NULL;
    m->live--;
}

int blockmap_del(blockmap *m, const void *addr, st_heap_block *out)
{
    if (!m->live || !addr)
        return 0;
    size_t j = blockmap_probe(m, addr);
    if (!m->slots[j].addr)
        return 0;
    if (out)
        *out = m->slots[j];
    remove_at(m, j);
    return 1;
}

int blockmap_each(const blockmap *m, int (*fn)(const st_heap_block *b, void *ctx), void *ctx)
{
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].addr)
            continue;
        int r = fn(&m->slots[i], ctx);
        if (r)
            return r;
    }
    return 0;
}

/* The sweep starts after an empty slot, so that no run it has not reached
 * wraps around behind it: removing at i only moves entries it has yet to
 * see into i or past it, and i is looked at again. */
void blockmap_drop_if(blockmap *m, int (*drop)(const st_heap_block *b, void *ctx), void *ctx)
{
    if (!m->live)
        return;
    size_t mask = m->cap - 1, start = 0;
    while (m->slots[start].addr)
        start++;
    for (size_t n = 1; n <= m->cap; n++) {
        size_t i = (start + n) & mask;
        while (m->slots[i].addr && drop(&m->slots[i], ctx))
            remove_at(m, i);
    }
}

void blockmap_clear(blockmap *m)
{
    if (m->slots)
        table_free(m->slots, m->cap);
    *m = (blockmap){ 0 };
}
