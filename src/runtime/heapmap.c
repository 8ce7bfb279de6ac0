/* heapmap.c: the shadow table behind the tracked heap (heapmap.h): the
 * top array and the leaves are mapped memory, so that only the pages
 * written are memory at all, and the list of leaves made lets a capture
 * visit them by address without reading the top array. */
#include "heapmap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

uint16_t **hm_top;

/* The leaves made, as indexes into hm_top, kept sorted. */
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
    nleaves++;
    return 0;
}

uint16_t *hm_slot_make(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    if (a & (((uintptr_t)1 << HM_GRANULE_LOG2) - 1))
        return NULL;
    uintptr_t i = a >> HM_LEAF_SPAN_LOG2;
    if (sizeof(void *) >= 8 && i >= HM_TOP_N)
        return NULL;
    uint16_t **top = hm_top;
    if (!top) {
        top = map_zero(HM_TOP_N * sizeof *top);
        if (!top)
            return NULL;
        __atomic_store_n(&hm_top, top, __ATOMIC_RELEASE);
    }
    if (!top[i]) {
        uint16_t *leaf = map_zero(HM_LEAF_N * sizeof *leaf);
        if (!leaf)
            return NULL;
        if (note_leaf(i) < 0) {
            munmap(leaf, HM_LEAF_N * sizeof *leaf);
            return NULL;
        }
        __atomic_store_n(&top[i], leaf, __ATOMIC_RELEASE);
    }
    return hm_slot(p);
}

/* Entries are read a word at a time: most of a leaf is zero. */
typedef uint64_t hm_word;
enum { PER_WORD = sizeof(hm_word) / sizeof(uint16_t) };

int hm_each(int (*fn)(void *addr, uint16_t *e, void *ctx), void *ctx)
{
    for (size_t l = 0; l < nleaves; l++) {
        uint16_t *leaf = hm_top[leaves[l]];
        uintptr_t base = (uintptr_t)leaves[l] << HM_LEAF_SPAN_LOG2;
        for (size_t j = 0; j < HM_LEAF_N; j += PER_WORD) {
            hm_word w;
            memcpy(&w, &leaf[j], sizeof w);
            if (!w)
                continue;
            for (size_t k = j; k < j + PER_WORD; k++) {
                if (!leaf[k])
                    continue;
                int r = fn((void *)(base + ((uintptr_t)k << HM_GRANULE_LOG2)), &leaf[k], ctx);
                if (r)
                    return r;
            }
        }
    }
    return 0;
}

size_t hm_sweep(uint16_t mask, uint16_t match)
{
    size_t live = 0;
    for (size_t l = 0; l < nleaves; l++) {
        uint16_t *leaf = hm_top[leaves[l]];
        for (size_t j = 0; j < HM_LEAF_N; j += PER_WORD) {
            hm_word w;
            memcpy(&w, &leaf[j], sizeof w);
            if (!w)
                continue;
            for (size_t k = j; k < j + PER_WORD; k++) {
                uint16_t v = hm_load(&leaf[k]);
                if (v && (v & mask) == match)
                    __atomic_compare_exchange_n(&leaf[k], &v, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
                else
                    live += v && !(v & HM_FREED);
            }
        }
    }
    return live;
}
