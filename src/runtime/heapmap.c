/* heapmap.c: the shadow table behind the tracked heap (heapmap.h): the
 * top array and the leaves are mapped memory, so that only the pages
 * written are memory at all, and the list of leaves made lets a capture
 * visit them by address without reading the top array. */
#include "heapmap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

uint16_t **mt_hm_top;

/* migthread-heap.h writes the table's types in plain C */
_Static_assert(sizeof(unsigned short) == sizeof(uint16_t), "an entry is 16 bits");
_Static_assert(sizeof(unsigned long) == sizeof(void *), "an address is an unsigned long");

/* The leaves made, as indexes into mt_hm_top, kept sorted. */
static size_t *leaves;
static size_t nleaves, leaves_cap;

static void *map_zero(size_t bytes)
{
    /* NORESERVE: the top array is address space, a page of it memory
     * only where the heap is */
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Notes leaf i among the leaves made, in order; -1 when out of memory. */
static int note_leaf(size_t i)
{
    if (nleaves == leaves_cap) {
        size_t cap = leaves_cap ? leaves_cap * 2 : 64;
        size_t *grown = realloc(leaves, cap * sizeof *leaves);
        if (!grown)
            return -1;
        leaves = grown;
        leaves_cap = cap;
    }
    size_t at = nleaves;
    while (at > 0 && leaves[at - 1] > i)
        at--;
    memmove(&leaves[at + 1], &leaves[at], (nleaves - at) * sizeof *leaves);
    leaves[at] = i;
    __atomic_store_n(&nleaves, nleaves + 1, __ATOMIC_RELAXED);  /* hm_entries reads it without the lock */
    return 0;
}

size_t hm_entries(void)
{
    return __atomic_load_n(&nleaves, __ATOMIC_RELAXED) * HM_LEAF_N;
}

/* A leaf: its entries, then the bits of its pages noted. */
#define LEAF_BYTES (HM_LEAF_N * sizeof(uint16_t) + HM_LEAF_PAGES)

static uint16_t *map_leaf(void)
{
    return map_zero(LEAF_BYTES);
}

uint16_t *hm_slot_make(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    if (a & (((uintptr_t)1 << HM_GRANULE_LOG2) - 1))
        return NULL;
    uintptr_t i = a >> HM_LEAF_SPAN_LOG2;
    if (sizeof(void *) >= 8 && i >= HM_TOP_N)
        return NULL;
    uint16_t **top = mt_hm_top;
    if (!top) {
        top = map_zero(HM_TOP_N * sizeof *top);
        if (!top)
            return NULL;
        __atomic_store_n(&mt_hm_top, top, __ATOMIC_RELEASE);
    }
    if (!top[i]) {
        uint16_t *leaf = map_leaf();
        if (!leaf)
            return NULL;
        if (note_leaf(i) < 0) {
            munmap(leaf, LEAF_BYTES);
            return NULL;
        }
        __atomic_store_n(&top[i], leaf, __ATOMIC_RELEASE);
    }
    return hm_slot_noted(p);
}

/* Entries are read a word at a time (most of a leaf is zero), with an
 * atomic load: threads of the program store into the table while a
 * sweep reads it. A machine word: 32-bit ABIs have no 64-bit atomics. */
typedef uintptr_t hm_word;
enum { PER_WORD = sizeof(hm_word) / sizeof(uint16_t) };

static hm_word load_word(const uint16_t *at)
{
    return __atomic_load_n((const hm_word *)(const void *)at, __ATOMIC_RELAXED);
}

/* Calls fn(leaf base address, entries of one noted page, index of its
 * first entry, ctx) for every noted page, by address; stops at nonzero. */
static int each_page(int (*fn)(uintptr_t base, uint16_t *leaf, size_t first, void *ctx), void *ctx)
{
    for (size_t l = 0; l < nleaves; l++) {
        uint16_t *leaf = mt_hm_top[leaves[l]];
        uint8_t *pages = hm_pages_of(leaf);
        uintptr_t base = (uintptr_t)leaves[l] << HM_LEAF_SPAN_LOG2;
        for (size_t pg = 0; pg < HM_LEAF_PAGES; pg++) {
            if (!__atomic_load_n(&pages[pg], __ATOMIC_RELAXED))
                continue;
            int r = fn(base, leaf, pg * HM_PAGE_ENTRIES, ctx);
            if (r)
                return r;
        }
    }
    return 0;
}

typedef struct each_ctx {
    int (*fn)(void *addr, uint16_t *e, void *ctx);
    void *ctx;
} each_ctx;

static int each_in_page(uintptr_t base, uint16_t *leaf, size_t first, void *ctx)
{
    each_ctx *c = ctx;
    for (size_t j = first; j < first + HM_PAGE_ENTRIES; j += PER_WORD) {
        if (!load_word(&leaf[j]))
            continue;
        for (size_t k = j; k < j + PER_WORD; k++) {
            if (!hm_load(&leaf[k]))
                continue;
            int r = c->fn((void *)(base + ((uintptr_t)k << HM_GRANULE_LOG2)), &leaf[k], c->ctx);
            if (r)
                return r;
        }
    }
    return 0;
}

int hm_each(int (*fn)(void *addr, uint16_t *e, void *ctx), void *ctx)
{
    each_ctx c = { fn, ctx };
    return each_page(each_in_page, &c);
}

/* x in every 16-bit lane of a word */
#define LANES(x) ((hm_word)(x) * (UINTPTR_MAX / 0xffff))

/* The top bit of each lane of w that is nonzero: a lane's top bit is
 * set by adding 0x7fff to its low bits, or was set already. */
static hm_word nonzero_tops(hm_word w)
{
    return (((w & LANES(0x7fff)) + LANES(0x7fff)) | w) & LANES(0x8000);
}

/* The sum of w's lanes (it must fit in 16 bits): the product's top lane
 * adds them all up. */
static size_t lanes_sum(hm_word w)
{
    return (size_t)((w * LANES(1)) >> (8 * sizeof(hm_word) - 16));
}

typedef struct sweep_ctx {
    uint16_t mask, match;
    size_t live;
} sweep_ctx;

/* A word holding freed entries: those that match are zeroed, all of the
 * word's lanes in one compare-and-swap (tried again when a thread of the
 * program stored into the word meanwhile: its new entry stays). Returns
 * the word left. */
static hm_word sweep_word(uint16_t *at, hm_word w, const sweep_ctx *c)
{
    for (;;) {
        hm_word go = ~nonzero_tops((w & LANES(c->mask)) ^ LANES(c->match)) & nonzero_tops(w);
        hm_word nw = w & ~((go >> 15) * 0xffff);  /* each matching lane all ones */
        if (nw == w ||
            __atomic_compare_exchange_n((hm_word *)(void *)at, &w, nw, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            return nw;
    }
}

/* The live entries are counted per lane over the page (at most
 * HM_PAGE_ENTRIES / PER_WORD in a lane, well below its 16 bits) and the
 * lanes added up once: nonzero entries less the freed ones left. */
static int sweep_page(uintptr_t base, uint16_t *leaf, size_t first, void *ctx)
{
    (void)base;
    sweep_ctx *c = ctx;
    hm_word nonzero = 0, freed = 0;
    for (size_t j = first; j < first + HM_PAGE_ENTRIES; j += PER_WORD) {
        hm_word w = load_word(&leaf[j]);
        if (w & LANES(HM_FREED)) {
            w = sweep_word(&leaf[j], w, c);
            freed += (w & LANES(HM_FREED)) >> 15;
        }
        nonzero += nonzero_tops(w) >> 15;
    }
    c->live += lanes_sum(nonzero) - lanes_sum(freed);
    return 0;
}

size_t hm_sweep(uint16_t mask, uint16_t match)
{
    sweep_ctx c = { mask, match, 0 };
    each_page(sweep_page, &c);
    return c.live;
}
