/* reach.c: marking the heap blocks reachable from the roots.
 *
 * Typed blocks are scanned precisely, slot by slot, from their type
 * descriptors; raw-byte blocks (allocations mtcc could not type) are
 * scanned conservatively, every aligned pointer-sized word, since keeping
 * an extra block is harmless and losing one is not (a word there marks no
 * freed range: a restore copies raw bytes as they are). A union is
 * scanned through its active member (unions.c); one whose active member
 * is unknown through every pointer member, conservatively (a capture
 * refuses it anyway unless its bytes are zero). */
#include "reach.h"

#include <stdlib.h>
#include <string.h>

#include "threads.h"
#include "unions.h"

typedef struct walker {
    reach_set *rs;
    size_t *stack;
    size_t depth, cap;
    int oom;
} walker;

static int by_addr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const st_heap_block *)a)->addr;
    uintptr_t y = (uintptr_t)((const st_heap_block *)b)->addr;
    return x < y ? -1 : x > y;
}

static int collect(const st_heap_block *b, void *ctx)
{
    reach_set *rs = ctx;
    rs->blocks[rs->n++] = *b;
    return 0;
}

/* The block holding address p (one past the end counts), or -1. */
static long find_block(const reach_set *rs, uintptr_t p)
{
    size_t lo = 0, hi = rs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)rs->blocks[mid].addr <= p)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -1;
    const st_heap_block *b = &rs->blocks[lo - 1];
    uintptr_t start = (uintptr_t)b->addr, end = start + (uintptr_t)(b->count * b->type->size);
    return p <= end ? (long)(lo - 1) : -1;
}

/* The freed range holding p (one past the end counts), or NULL. */
static reach_range *find_freed(const reach_set *rs, uintptr_t p)
{
    size_t lo = 0, hi = rs->nfreed;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rs->freed[mid].start <= p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && p <= rs->freed[lo - 1].end ? &rs->freed[lo - 1] : NULL;
}

/* Marks the block p points into; 0 when p points into no tracked block. */
static int reach_pointer(walker *w, uintptr_t p)
{
    if (!p)
        return 1;
    long i = find_block(w->rs, p);
    if (i < 0)
        return 0;
    if (w->rs->marked[i])
        return 1;
    w->rs->marked[i] = 1;
    if (w->depth == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        size_t *grown = realloc(w->stack, cap * sizeof *grown);
        if (!grown) {
            w->oom = 1;
            return 1;
        }
        w->stack = grown;
        w->cap = cap;
    }
    w->stack[w->depth++] = (size_t)i;
    return 1;
}

/* A typed pointer slot, which a restore translates: one that points into
 * no tracked block but into a freed one dangles. */
static void reach_slot(walker *w, uintptr_t p)
{
    if (!reach_pointer(w, p)) {
        reach_range *r = find_freed(w->rs, p);
        if (r)
            r->pointed = 1;
    }
}

static void scan_type(walker *w, const struct mt_type *t, const unsigned char *data, uint64_t count);
static void scan_member(walker *w, const tmember *m, const unsigned char *base);

static void scan_union(walker *w, const struct mt_type *u, const unsigned char *data)
{
    long active = unions_active(data, u);
    for (uint32_t i = 0; i < u->nmembers; i++)
        if (active < 0 || (uint32_t)active == i)
            scan_member(w, &u->members[i], data);
}

static void scan_member(walker *w, const tmember *m, const unsigned char *base)
{
    if (m->cls == MT_CLASS_UNION && m->type->has_pointers) {
        for (uint32_t k = 0; k < m->count; k++)
            scan_union(w, m->type, base + m->offset + (size_t)k * m->size);
    } else if (m->cls == MT_CLASS_PTR) {
        for (uint32_t k = 0; k < m->count; k++) {
            void *p;
            memcpy(&p, base + m->offset + (size_t)k * m->size, sizeof p);
            reach_slot(w, (uintptr_t)p);
        }
    } else if (m->cls == MT_CLASS_STRUCT && m->type->has_pointers) {
        scan_type(w, m->type, base + m->offset, m->count);
    }
}

static void scan_type(walker *w, const struct mt_type *t, const unsigned char *data, uint64_t count)
{
    if (t->nmembers == 1 && t->members[0].cls == MT_CLASS_BYTES) {
        /* raw bytes: every aligned word that looks like a pointer */
        size_t bytes = (size_t)(count * t->size);
        for (size_t off = 0; off + sizeof(void *) <= bytes; off += sizeof(void *)) {
            void *p;
            memcpy(&p, data + off, sizeof p);
            reach_pointer(w, (uintptr_t)p);
        }
        return;
    }
    if (!t->has_pointers)
        return;
    if (t->is_union) {
        for (uint64_t e = 0; e < count; e++)
            scan_union(w, t, data + e * t->size);
        return;
    }
    for (uint64_t e = 0; e < count; e++)
        for (uint32_t i = 0; i < t->nmembers; i++)
            scan_member(w, &t->members[i], data + e * t->size);
}

static int scan_root(void *data, const struct mt_type *t, uint64_t count, void *ctx)
{
    scan_type(ctx, t, data, count);
    return 0;
}

static int collect_freed(const st_heap_block *b, void *ctx)
{
    reach_set *rs = ctx;
    uintptr_t start = (uintptr_t)b->addr;
    rs->freed[rs->nfreed++] = (reach_range){ start, start + (uintptr_t)(b->count * b->type->size), 0 };
    return 0;
}

static int by_start(const void *a, const void *b)
{
    uintptr_t x = ((const reach_range *)a)->start, y = ((const reach_range *)b)->start;
    return x < y ? -1 : x > y;
}

/* The freed blocks as sorted, disjoint ranges (a block freed, its memory
 * reused for a larger one and freed again gives overlapping entries). */
static int collect_freed_ranges(reach_set *rs)
{
    size_t n = 0;
    state_freed_each(NULL, &n);
    rs->freed = malloc((n ? n : 1) * sizeof *rs->freed);
    if (!rs->freed)
        return -1;
    state_freed_each(collect_freed, rs);
    qsort(rs->freed, rs->nfreed, sizeof *rs->freed, by_start);
    size_t out = 0;
    for (size_t i = 0; i < rs->nfreed; i++) {
        if (out > 0 && rs->freed[i].start <= rs->freed[out - 1].end) {
            if (rs->freed[i].end > rs->freed[out - 1].end)
                rs->freed[out - 1].end = rs->freed[i].end;
        } else {
            rs->freed[out++] = rs->freed[i];
        }
    }
    rs->nfreed = out;
    return 0;
}

int reach_compute(reach_set *rs)
{
    memset(rs, 0, sizeof *rs);
    size_t n = 0;
    state_heap_each(NULL, &n);  /* counts */
    rs->blocks = malloc((n ? n : 1) * sizeof *rs->blocks);
    rs->marked = calloc(n ? n : 1, 1);
    if (!rs->blocks || !rs->marked || collect_freed_ranges(rs) < 0) {
        reach_free(rs);
        return -1;
    }
    state_heap_each(collect, rs);
    qsort(rs->blocks, rs->n, sizeof *rs->blocks, by_addr);
    walker w = { .rs = rs };
    size_t ng;
    const st_global *g = state_globals(&ng);
    for (size_t i = 0; i < ng; i++)
        if (!g[i].constant)
            scan_type(&w, g[i].type, g[i].addr, g[i].count);
    th_roots_each(scan_root, &w);
    while (w.depth > 0 && !w.oom) {
        const st_heap_block *b = &rs->blocks[w.stack[--w.depth]];
        scan_type(&w, b->type, b->addr, b->count);
    }
    free(w.stack);
    if (w.oom) {
        reach_free(rs);
        return -1;
    }
    return 0;
}

void reach_free(reach_set *rs)
{
    free(rs->blocks);
    free(rs->marked);
    free(rs->freed);
    memset(rs, 0, sizeof *rs);
}
