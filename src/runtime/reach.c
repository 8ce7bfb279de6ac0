/* reach.c: marking the heap blocks reachable from the roots, and refusing
 * at capture a checkpoint that no reader could restore.
 *
 * Typed blocks are scanned precisely, slot by slot, from their type
 * descriptors. A pointer slot must land in a saved object (a tracked
 * block, a global, a pinned record, a frame, a thread-local), in a block
 * freed lately (it dangles, see design.md), below the lowest mapping (a
 * number) or be NULL; a function pointer must be NULL or a registered
 * function. Anything else cannot be translated by any reader, so the
 * capture is refused there, naming the variable and the member. Raw-byte
 * blocks (allocations mtcc could not type, opaque types) are copied as
 * bytes, so a word in one that points into a saved object refuses the
 * capture too. A union is scanned through its active member (unions.c);
 * one whose active member is unknown through every pointer member, keeping
 * what they may point to without refusing (the capture refuses such a
 * union in save.c unless its bytes are zero). An integer that may hold an
 * address (mtcc's pointer inference) keeps the block it points into but is
 * never refused: one that points nowhere is a number. */
#include "reach.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "flex.h"
#include "frames.h"
#include "kernels.h"
#include "migthread-gen.h"
#include "threads.h"
#include "unions.h"

/* No mapping lives below this on Linux (vm.mmap_min_addr): a pointer slot
 * holding less holds a number (restore.c keeps it as it is). */
#define LOWEST_MAPPING 65536

/* A saved object that is not a heap block: [start, end]. */
typedef struct root_range {
    uintptr_t start, end;
} root_range;

/* The host's byte order, for reading an integer slot of any width. */
#define ARCH_HOST_BIG (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

typedef struct walker {
    reach_set *rs;
    size_t *stack;
    size_t depth, cap;
    int oom;
    root_range *roots;          /* sorted */
    size_t nroots, roots_cap;
    uintptr_t *fns;             /* registered function addresses, sorted */
    size_t nfns;
    /* the object being scanned, for a refusal's message */
    int lenient;                /* scanning a union whose active member is unknown */
    const char *kind;           /* "global", "heap block" or NULL (a root named by its type) */
    const char *name;
    const unsigned char *obj;
    const struct mt_type *obj_type;
    uint64_t obj_count;
    mt_error *err;
    int refused;
    size_t last_hit;            /* 1 + the block a pointer fell in last; 0 none yet */
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

/* The saved non-heap object holding p (one past the end counts). */
static int in_root(const walker *w, uintptr_t p)
{
    size_t lo = 0, hi = w->nroots;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->roots[mid].start <= p)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* ranges may nest (a thread record on the stack), so look back a little */
    for (size_t i = lo, k = 0; i > 0 && k < 4; i--, k++)
        if (p <= w->roots[i - 1].end && p >= w->roots[i - 1].start)
            return 1;
    return 0;
}

static int is_function(const walker *w, uintptr_t p)
{
    size_t lo = 0, hi = w->nfns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->fns[mid] < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < w->nfns && w->fns[lo] == p;
}

/* Fails the capture: the first reason found, with the object and member
 * holding the byte at slot. */
static void refuse(walker *w, const unsigned char *slot, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void refuse(walker *w, const unsigned char *slot, const char *fmt, ...)
{
    if (w->refused)
        return;
    w->refused = 1;
    char reason[200], where[300], path[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    const struct mt_type *t = w->obj_type;
    uint64_t off = (uint64_t)(slot - w->obj), size = t->size ? t->size : 1;
    types_member_path(t, off % size, NULL, path, sizeof path);
    int n;
    if (w->kind && w->name)
        n = snprintf(where, sizeof where, "%s %s", w->kind, w->name);
    else if (w->kind)
        n = snprintf(where, sizeof where, "%s of %s at %p", w->kind, t->name, (const void *)w->obj);
    else
        n = snprintf(where, sizeof where, "%s", t->name);
    if (n > 0 && (size_t)n < sizeof where && w->obj_count > 1)
        n += snprintf(where + n, sizeof where - (size_t)n, " element %llu", (unsigned long long)(off / size));
    if (n > 0 && (size_t)n < sizeof where && path[0])
        snprintf(where + n, sizeof where - (size_t)n, " member %s", path);
    mt_fail(w->err, MT_EREFUSED, "%s in %s; checkpoint refused, the program carries on", reason, where);
}

/* Marks the block p points into; 0 when p points into no tracked block. */
/* find_block, first trying the block the last pointer fell in: a list's
 * or a tree's nodes in one array point into their own block, and the
 * search over every block per pointer was most of the scan's time. Only
 * strictly inside: one past its end may be the next block's start. */
static long find_block_near(walker *w, uintptr_t p)
{
    if (w->last_hit) {
        const st_heap_block *b = &w->rs->blocks[w->last_hit - 1];
        uintptr_t start = (uintptr_t)b->addr;
        if (p >= start && p - start < (uintptr_t)(b->count * b->type->size))
            return (long)(w->last_hit - 1);
    }
    long i = find_block(w->rs, p);
    if (i >= 0)
        w->last_hit = (size_t)i + 1;
    return i;
}

static int reach_pointer(walker *w, uintptr_t p)
{
    if (!p)
        return 1;
    long i = find_block_near(w, p);
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
 * no tracked block but into a freed one dangles; one that points nowhere
 * saved cannot be translated. A registered function's address in a data
 * pointer (`(char *)handler` in an option table) translates as a function
 * pointer does (restore.c, translate_ptr). */
static void reach_slot(walker *w, const unsigned char *slot, uintptr_t p)
{
    if (reach_pointer(w, p) || p < LOWEST_MAPPING || in_root(w, p) || w->lenient || is_function(w, p))
        return;
    reach_range *r = find_freed(w->rs, p);
    if (r)
        r->pointed = 1;
    else
        refuse(w, slot, "pointer %p points into nothing saved", (void *)p);
}

static void fn_slot(walker *w, const unsigned char *slot, uintptr_t p)
{
    if (p && !w->lenient && !is_function(w, p))
        refuse(w, slot, "function pointer %p is not a registered function", (void *)p);
}

/* Raw bytes are copied, never translated: a word that points into a saved
 * object, or at a function, would be stale after any restore. */
static void scan_raw(walker *w, const unsigned char *data, size_t bytes)
{
    for (size_t off = 0; off + sizeof(void *) <= bytes; off += sizeof(void *)) {
        void *p;
        memcpy(&p, data + off, sizeof p);
        uintptr_t v = (uintptr_t)p;
        if (v >= LOWEST_MAPPING && (reach_pointer(w, v) || in_root(w, v) || is_function(w, v)))
            refuse(w, data + off, "untyped bytes hold what looks like pointer %p (bytes are copied, not translated)", p);
    }
}

static void scan_type(walker *w, const struct mt_type *t, const unsigned char *data, uint64_t count);
static void scan_member(walker *w, const tmember *m, const unsigned char *base);

static void scan_union(walker *w, const struct mt_type *u, const unsigned char *data)
{
    long active = unions_active(data, u);
    if (active < 0 && u->nmembers == 1)
        active = 0;  /* a union of one member holds that member */
    if (active >= 0) {
        scan_member(w, &u->members[active], data);
        return;
    }
    int was = w->lenient;  /* the bytes may be any member's: keep, never refuse */
    w->lenient = 1;
    for (uint32_t i = 0; i < u->nmembers; i++)
        scan_member(w, &u->members[i], data);
    w->lenient = was;
}

/* What scan_member looks at: the members of numbers an element holds
 * beside its pointers cost no call. */
static inline int member_may_point(const tmember *m)
{
    return m->cls == MT_CLASS_PTR || m->cls == MT_CLASS_FNPTR || type_class_is_addr(m->cls) ||
           ((m->cls == MT_CLASS_UNION || m->cls == MT_CLASS_STRUCT) && m->type->has_pointers);
}

static void scan_member(walker *w, const tmember *m, const unsigned char *base)
{
    if (m->cls == MT_CLASS_UNION && m->type->has_pointers) {
        for (uint32_t k = 0; k < m->count; k++)
            scan_union(w, m->type, base + m->offset + (size_t)k * m->size);
    } else if (m->cls == MT_CLASS_PTR || m->cls == MT_CLASS_FNPTR) {
        for (uint32_t k = 0; k < m->count; k++) {
            const unsigned char *slot = base + m->offset + (size_t)k * m->size;
            void *p;
            memcpy(&p, slot, sizeof p);
            if (m->cls == MT_CLASS_PTR)
                reach_slot(w, slot, (uintptr_t)p);
            else
                fn_slot(w, slot, (uintptr_t)p);
        }
    } else if (type_class_is_addr(m->cls)) {
        /* an integer that may hold an address keeps what it points into */
        for (uint32_t k = 0; k < m->count; k++) {
            uint64_t v = k_load_uint(base + m->offset + (size_t)k * m->size, m->size, ARCH_HOST_BIG);
            reach_pointer(w, (uintptr_t)v);
        }
    } else if (m->cls == MT_CLASS_STRUCT && m->type->has_pointers) {
        scan_type(w, m->type, base + m->offset, m->count);
    }
}

static void scan_type(walker *w, const struct mt_type *t, const unsigned char *data, uint64_t count)
{
    if (w->refused)
        return;
    if (t->nmembers == 1 && t->members[0].cls == MT_CLASS_BYTES) {
        scan_raw(w, data, (size_t)(count * t->size));
        return;
    }
    if (!t->has_pointers)
        return;
    if (t->is_union) {
        for (uint64_t e = 0; e < count; e++)
            scan_union(w, t, data + e * t->size);
        return;
    }
    for (uint64_t e = 0; e < count && !w->refused; e++)
        for (uint32_t i = 0; i < t->nmembers; i++)
            if (member_may_point(&t->members[i]))
                scan_member(w, &t->members[i], data + e * t->size);
}

/* Scans one object, named for messages by kind and name (a root without
 * a kind is named by its type: "frame f.c:g", "pinned f.c:g"). */
static void scan_object(walker *w, const char *kind, const char *name, const void *data,
                        const struct mt_type *t, uint64_t count)
{
    w->kind = kind;
    w->name = name;
    w->obj = data;
    w->obj_type = t;
    w->obj_count = count;
    scan_type(w, t, data, count);
}

static int scan_root(void *data, const struct mt_type *t, uint64_t count, void *ctx)
{
    scan_object(ctx, NULL, NULL, data, t, count);
    return 0;
}

static int add_root(walker *w, const void *data, uint64_t bytes)
{
    if (w->nroots == w->roots_cap) {
        size_t cap = w->roots_cap ? w->roots_cap * 2 : 256;
        root_range *grown = realloc(w->roots, cap * sizeof *grown);
        if (!grown)
            return -1;
        w->roots = grown;
        w->roots_cap = cap;
    }
    w->roots[w->nroots++] = (root_range){ (uintptr_t)data, (uintptr_t)data + (uintptr_t)bytes };
    return 0;
}

static int collect_root(void *data, const struct mt_type *t, uint64_t count, void *ctx)
{
    return add_root(ctx, data, count * t->size);
}

static int by_root_start(const void *a, const void *b)
{
    uintptr_t x = ((const root_range *)a)->start, y = ((const root_range *)b)->start;
    return x < y ? -1 : x > y;
}

static int by_uintptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

/* Every saved object that is not a heap block, and the function table:
 * what a pointer slot may point into besides the heap. */
static int collect_targets(walker *w)
{
    size_t ng, nf;
    const st_global *g = state_globals(&ng);
    for (size_t i = 0; i < ng; i++)
        if (add_root(w, g[i].addr, g[i].count * g[i].type->size) < 0)
            return -1;
    if (th_roots_each(collect_root, w))
        return -1;
    qsort(w->roots, w->nroots, sizeof *w->roots, by_root_start);
    const st_function *f = state_functions(&nf);
    w->fns = malloc((nf ? nf : 1) * sizeof *w->fns);
    if (!w->fns)
        return -1;
    for (size_t i = 0; i < nf; i++)
        w->fns[w->nfns++] = (uintptr_t)f[i].fn;
    qsort(w->fns, w->nfns, sizeof *w->fns, by_uintptr);
    return 0;
}

/* A growable list of ranges. */
typedef struct range_list {
    reach_range *r;
    size_t n, cap;
    int oom;
} range_list;

static void add_range(uintptr_t start, uintptr_t end, void *ctx)
{
    range_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        reach_range *grown = realloc(l->r, cap * sizeof *grown);
        if (!grown) {
            l->oom = 1;
            return;
        }
        l->r = grown;
        l->cap = cap;
    }
    l->r[l->n++] = (reach_range){ start, end, 0 };
}

static int collect_freed(const st_heap_block *b, void *ctx)
{
    uintptr_t start = (uintptr_t)b->addr;
    add_range(start, start + (uintptr_t)(b->count * b->type->size), ctx);
    return 0;
}

static void collect_dead_locals(const frames_thread *ft, int capture, void *ctx)
{
    frames_dead_each(ft, capture, add_range, ctx);
}

static int by_start(const void *a, const void *b)
{
    uintptr_t x = ((const reach_range *)a)->start, y = ((const reach_range *)b)->start;
    return x < y ? -1 : x > y;
}

/* What a pointer may dangle into, as sorted, disjoint ranges: the freed
 * blocks (a block freed, its memory reused for a larger one and freed
 * again gives overlapping entries), the locals of returned calls (on
 * the shadow stacks and the C stacks) and the streams closed (a FILE *
 * kept after fclose, as the McCat imp benchmark keeps img->fp). */
static int collect_freed_ranges(reach_set *rs)
{
    range_list l = { 0 };
    state_freed_each(collect_freed, &l);
    th_frames_each(collect_dead_locals, &l);
    state_closed_streams_each(add_range, &l);
    if (l.oom) {
        free(l.r);
        return -1;
    }
    rs->freed = l.r ? l.r : malloc(sizeof *rs->freed);
    rs->nfreed = l.n;
    if (!rs->freed)
        return -1;
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

/* An untyped block that mtcc saw used as a type holding pointers (a pool
 * allocator's pieces): its bytes would be copied, never translated. */
static int untyped_with_pointers(walker *w, const st_heap_block *b)
{
    const mt_site *site = b->site;
    if (!site || !(site->flags & MT_SITE_POINTERS) || !flex_untyped(b->type))
        return 0;
    w->refused = 1;
    mt_fail(w->err, MT_EREFUSED,
            "heap block allocated at %s (%llu bytes, untyped) is used as %s, which holds pointers: "
            "it cannot be saved (type the allocation); checkpoint refused, the program carries on",
            site->where, (unsigned long long)(b->count * b->type->size), site->used_as ? site->used_as : "a type");
    return 1;
}

/* The first spot mtcc found where an address is computed in a way no
 * checkpoint can follow (XOR-ed, hashed, split): set at start-up by the
 * program's registration; every capture is then refused with it. */
static const char *hidden_refusal;

void mt_hidden_unsafe(const char *spot)
{
    if (!hidden_refusal)
        hidden_refusal = spot;
}

int reach_compute(reach_set *rs, mt_error *err)
{
    memset(rs, 0, sizeof *rs);
    if (hidden_refusal) {
        mt_fail(err, MT_EREFUSED, "checkpoint refused: %s", hidden_refusal);
        return REACH_REFUSED;
    }
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
    walker w = { .rs = rs, .err = err };
    if (collect_targets(&w) < 0)
        w.oom = 1;
    size_t ng;
    const st_global *g = state_globals(&ng);
    for (size_t i = 0; i < ng && !w.oom; i++)
        if (!g[i].constant)
            scan_object(&w, "global", g[i].name, g[i].addr, g[i].type, g[i].count);
    if (!w.oom)
        th_roots_each(scan_root, &w);
    while (w.depth > 0 && !w.oom && !w.refused) {
        const st_heap_block *b = &rs->blocks[w.stack[--w.depth]];
        if (untyped_with_pointers(&w, b))
            break;
        /* named by where it was allocated, when mtcc said */
        scan_object(&w, b->site ? "heap block allocated at" : "heap block", b->site ? b->site->where : NULL,
                    b->addr, b->type, b->count);
    }
    free(w.stack);
    free(w.roots);
    free(w.fns);
    if (w.oom || w.refused) {
        reach_free(rs);
        return w.refused ? REACH_REFUSED : -1;
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
