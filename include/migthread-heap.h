/* migthread-heap.h: the fast path of heap tracking, inline at each
 * allocation site of mtcc's output (docs/design.md, "The heap table").
 *
 * A site's mt_site remembers the descriptor id (type, count, site) its
 * last small block got, keyed by the type and the size, so that a malloc
 * there is the C library's malloc, the zeroing stores and one store into
 * the runtime's shadow table, with no call into the runtime and no
 * per-thread cache lookup. Anything else (the first call, another size,
 * a leaf of the table not made yet, ids used up, a large block) goes
 * through mt_malloc as before. This header has the table's geometry and
 * the slow halves; migthread-gen.h, which defines mt_site, the fast path
 * (mt_malloc_fast, mt_calloc_fast). */
#ifndef MIGTHREAD_HEAP_H
#define MIGTHREAD_HEAP_H

/* Plain C types only: the header comes ahead of system headers already
 * expanded in mtcc's output, and some of those redefine the compiler's
 * type macros (Linux's asm/types.h on arm). An entry is an unsigned short
 * (16 bits) and an address an unsigned long (a pointer's width on every
 * Linux ABI); heapmap.c checks both. */
#include "migthread.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mt_type;
struct mt_site;

/* The runtime's per-thread words that the generated code reads on every
 * poll and free. The runtime is a static library linked into the
 * executable, so code compiled for an executable (-fPIE, or not PIC at
 * all) reaches them at a constant offset from the thread pointer: one
 * instruction and no register, where the default model for PIE code
 * loads the offset into a register first. Code compiled for a shared
 * object keeps the default. */
#if defined(__GNUC__) && (defined(__PIE__) || !defined(__PIC__))
#define MT_TLS_EXE __attribute__((tls_model("local-exec")))
#else
#define MT_TLS_EXE
#endif

/* The shadow table's geometry (the runtime's heapmap.h takes it from
 * here): one 16-bit entry per granule (16 bytes, malloc's least
 * alignment; 8 on 32-bit ABIs), in leaves of 4 MB of address space found
 * through a top array; behind each leaf's entries a byte per page of them
 * that holds a block (a capture reads only those). */
#define MT_HM_GRANULE_LOG2 (sizeof(void *) >= 8 ? 4u : 3u)
#define MT_HM_LEAF_SPAN_LOG2 22u
#define MT_HM_ADDR_BITS (sizeof(void *) >= 8 ? 48u : 32u)
#define MT_HM_LEAF_N ((size_t)1 << (MT_HM_LEAF_SPAN_LOG2 - MT_HM_GRANULE_LOG2))
#define MT_HM_PAGE_ENTRIES ((size_t)4096 / sizeof(unsigned short))
#define MT_HM_LEAF_PAGES (MT_HM_LEAF_N / MT_HM_PAGE_ENTRIES)
/* The bits of an address the table cannot hold a block at: inside a
 * granule, or above its range (none on 32-bit ABIs). */
#define MT_HM_OFF_MASK \
    ((unsigned long)(~0ull << MT_HM_ADDR_BITS) | (((unsigned long)1 << MT_HM_GRANULE_LOG2) - 1))
enum { MT_HM_FREED = 0x8000, MT_HM_GEN = 0x4000, MT_HM_ID_MASK = 0x3fff };

/* The leaves by the address bits above MT_HM_LEAF_SPAN_LOG2 (NULL until
 * the first block is recorded; a leaf, once published, stays). */
extern unsigned short **mt_hm_top;

/* What makes a tracked malloc leave the fast path after its store: the
 * side map holds blocks (MT_HEAP_RARE_SIDE: a live entry there for the
 * same address goes), or the heap is advised into huge pages as it grows
 * (MT_HEAP_RARE_HUGE, MIGTHREAD_FORK). */
enum { MT_HEAP_RARE_SIDE = 1, MT_HEAP_RARE_HUGE = 2 };
extern int mt_heap_rare;

/* Blocks up to this size take the fast path (larger ones are calloc'd:
 * fresh pages from the kernel are zero already). */
enum { MT_HEAP_FAST_MAX = 4096 };

/* A site's remembered descriptor: the size in the bits above 16, the id
 * in the low 16 (0: none yet). */
enum { MT_HEAP_KEY_SHIFT = 16 };

/* A free tags its block's entry FREED and the generation of frees now
 * (0 or MT_HM_GEN); each thread counts its frees and hands the runtime a
 * batch of them at a time (the window of blocks freed lately). The count
 * goes down from a batch to zero: a decrement of the word in memory and
 * a branch on zero, with no compare. */
enum { MT_HEAP_COUNT_BATCH = 1024 };
extern _Thread_local unsigned mt_heap_tl_frees_left MT_TLS_EXE;
/* What a free ors into its entry: MT_HM_FREED and the generation of
 * frees now (one or, no constant to add). */
extern unsigned short mt_heap_free_tag;
void mt_heap_count_frees(void);

/* The slow halves (heap.c): mt_malloc (or mt_calloc) that also
 * remembers the site's id when its type is known (known: t is the site's
 * type, not a NULL its unit's constructor has yet to fill); the tracking of a block malloc'd and zeroed
 * already whose table leaf is missing; the rare flags' work. */
/* (a new block aliases nothing, as malloc's: the fast path's caller keeps
 * its loads and stores apart only when both ways say so) */
void *mt_malloc_miss(size_t size, const struct mt_type *t, struct mt_site *site, int known)
    __attribute__((malloc, alloc_size(1)));
void *mt_calloc_miss(size_t n, size_t size, const struct mt_type *t, struct mt_site *site, int known)
    __attribute__((malloc, alloc_size(1, 2)));
/* (the block's descriptor is the site's key's id: the fast path keeps no
 * type in a register across the call of malloc) */
void mt_heap_track_fresh(void *p, size_t size, unsigned long key, const struct mt_site *site);
void mt_heap_rare_after(void *p, size_t size);

/* The entry of the block that starts at p, or NULL when p is off a
 * granule, above the table's range or in a leaf not made yet. */
static inline __attribute__((always_inline)) unsigned short *mt_hm_entry(const void *p)
{
    unsigned long a = (unsigned long)p;
    unsigned long off = a & MT_HM_OFF_MASK;
    unsigned short **top = __atomic_load_n(&mt_hm_top, __ATOMIC_ACQUIRE);
    if (__builtin_expect(off != 0 || !top, 0))
        return (unsigned short *)0;
    unsigned short *leaf = __atomic_load_n(&top[a >> MT_HM_LEAF_SPAN_LOG2], __ATOMIC_ACQUIRE);
    if (__builtin_expect(!leaf, 0))
        return (unsigned short *)0;
    return &leaf[(a & (((unsigned long)1 << MT_HM_LEAF_SPAN_LOG2) - 1)) >> MT_HM_GRANULE_LOG2];
}

/* The free of mtcc's output: a tracked block's entry is tagged inline;
 * anything else (no entry, the side map) is mt_free. */
void mt_free(void *p);
static inline __attribute__((always_inline)) void mt_free_fast(void *p)
{
    unsigned short *e = mt_hm_entry(p);
    unsigned short v = e ? __atomic_load_n(e, __ATOMIC_RELAXED) : 0;
    if (__builtin_expect(!v || (v & MT_HM_FREED), 0)) {
        mt_free(p);
        return;
    }
    __atomic_store_n(e, (unsigned short)(v | __atomic_load_n(&mt_heap_free_tag, __ATOMIC_RELAXED)),
                     __ATOMIC_RELAXED);
    if (__builtin_expect(--mt_heap_tl_frees_left == 0, 0))
        mt_heap_count_frees();
    __builtin_free(p);
}

/* The entry of the block that starts at p, its page noted; NULL when p
 * is off a granule, above the table's range or in a leaf not made yet.
 * The table exists: only a site that remembered an id calls it. */
static inline __attribute__((always_inline)) unsigned short *mt_hm_entry_noted(const void *p)
{
    unsigned long a = (unsigned long)p;
    unsigned long off = a & MT_HM_OFF_MASK;
    unsigned short **top = __atomic_load_n(&mt_hm_top, __ATOMIC_RELAXED);
    if (__builtin_expect(off != 0, 0))
        return (unsigned short *)0;
    unsigned short *leaf = __atomic_load_n(&top[a >> MT_HM_LEAF_SPAN_LOG2], __ATOMIC_ACQUIRE);
    if (__builtin_expect(!leaf, 0))
        return (unsigned short *)0;
    size_t i = (a & (((unsigned long)1 << MT_HM_LEAF_SPAN_LOG2) - 1)) >> MT_HM_GRANULE_LOG2;
    /* stored, not tested first: a store costs one instruction where the
     * test cost a load, a test and a branch (the byte's line is the
     * leaf's own, written only by the blocks of that 4 MB) */
    __atomic_store_n((unsigned char *)(leaf + MT_HM_LEAF_N) + i / MT_HM_PAGE_ENTRIES, 1, __ATOMIC_RELAXED);
    return &leaf[i];
}

#ifdef __cplusplus
}
#endif

#endif
