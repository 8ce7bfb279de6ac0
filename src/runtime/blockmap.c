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
static size_t slot_of(const blockmap *m, const void *p)
{
    uintptr_t a = (uintptr_t)p >> 3;
    return (size_t)(a ^ (a >> (64 - m->shift))) & (m->cap - 1);
}

/* The slot holding addr, or the empty slot that ends its probe. */
static size_t probe(const blockmap *m, const void *addr)
{
    size_t mask = m->cap - 1;
    size_t j = slot_of(m, addr);
    while (m->slots[j].addr && m->slots[j].addr != addr)
        j = (j + 1) & mask;
    return j;
}

/* Doubles the table (out of line: the put that needs it is rare). */
static __attribute__((noinline)) int grow(blockmap *m)
{
    unsigned log2 = m->cap ? 64 - m->shift + 1 : FIRST_CAP_LOG2;
    blockmap fresh = { .slots = table_new((size_t)1 << log2),
                       .cap = (size_t)1 << log2, .live = m->live, .shift = 64 - log2 };
    if (!fresh.slots)
        return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].addr)
            fresh.slots[probe(&fresh, m->slots[i].addr)] = m->slots[i];
    if (m->slots)
        table_free(m->slots, m->cap);
    *m = fresh;
    return 0;
}

int blockmap_put(blockmap *m, const st_heap_block *b, st_heap_block *old)
{
    if ((m->live + 1) * 2 > m->cap && grow(m) < 0)
        return -1;
    st_heap_block *s = &m->slots[probe(m, b->addr)];
    int replaced = s->addr != NULL;
    if (replaced && old)
        *old = *s;
    m->live += !replaced;
    *s = *b;
    return replaced;
}

/* Empties slot hole and moves back each later entry of its run that may
 * sit there: one whose home slot is not between the hole and where it is
 * now. */
static void remove_at(blockmap *m, size_t hole)
{
    size_t mask = m->cap - 1;
    for (size_t k = (hole + 1) & mask; m->slots[k].addr; k = (k + 1) & mask) {
        size_t home = slot_of(m, m->slots[k].addr);
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
    size_t j = probe(m, addr);
    if (!m->slots[j].addr)
        return 0;
    if (out)
        *out = m->slots[j];
    remove_at(m, j);
    return 1;
}

st_heap_block *blockmap_get(const blockmap *m, const void *addr)
{
    if (!m->live || !addr)
        return NULL;
    size_t j = probe(m, addr);
    return m->slots[j].addr ? &m->slots[j] : NULL;
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
