/* libc_mmap.c: anonymous private mappings as heap blocks.
 *
 * mtcc turns mmap into mt_mmap with the element type it infers, as for
 * malloc. A readable MAP_ANONYMOUS|MAP_PRIVATE region is tracked as a heap
 * block (saved, converted and restored like one) and listed in a
 * registered table, so that munmap knows the regions: in the process that
 * mapped them it unmaps, and in a restored process, whose regions are
 * ordinary heap memory placed by the restore, it frees. Unmapping part of
 * a region keeps the rest tracked. Shared, file-backed and unreadable
 * mappings are not tracked: a pointer kept into one is refused by name at
 * the checkpoint. */
#define _FILE_OFFSET_BITS 64
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ckpt.h"
#include "error.h"
#include "libc_state.h"
#include "migthread-gen.h"
#include "state.h"
#include "types.h"

typedef struct lm_region {
    char *addr;
    uint64_t len;
    const mt_type *type;  /* the element type it is tracked with: not saved */
    const mt_site *site;  /* where it was mapped, which refusals name */
    int32_t mapped;       /* 1: mapped by this process; 0: restored into the heap */
} lm_region;

/* The table: a tracked array, reached from a registered global. */
typedef struct lm_table {
    lm_region *r;
    int64_t n, cap;
} lm_table;

static lm_table tab;
static const mt_type *region_type;

static const mt_type *bytes_type(void)
{
    return mt_type_scalar("unsigned char", MT_CLASS_BYTES, 1, 1);
}

static _Noreturn void out_of_memory(void)
{
    mt_error err;
    mt_fail(&err, MT_ENOMEM, "out of memory tracking an mmap region");
    mt_die(&err);
}

/* Tracks [addr, addr + len) as a block of t where it is a whole number of
 * t, else as bytes. */
static void track(char *addr, size_t len, const mt_type *t, const mt_site *site)
{
    size_t elem = t ? mt_type_size(t) : 0;
    if (!elem || len % elem)
        t = bytes_type(), elem = 1;
    if (len && state_heap_add(addr, t, len / elem, site) < 0)
        out_of_memory();
}

static void add_region(char *addr, size_t len, const mt_type *t, const mt_site *site, int mapped)
{
    if (tab.n == tab.cap) {
        int64_t cap = tab.cap ? tab.cap * 2 : 8;
        lm_region *grown = mt_realloc(tab.r, (size_t)cap * sizeof *grown, region_type, NULL);
        if (!grown)
            out_of_memory();
        tab.r = grown;
        tab.cap = cap;
    }
    tab.r[tab.n++] = (lm_region){ addr, len, t, site, mapped };
    track(addr, len, t, site);
}

void *mt_mmap(void *addr, size_t len, int prot, int flags, int fd, long long off, const mt_type *t, const mt_site *site)
{
    void *p = mmap(addr, len, prot, flags, fd, (off_t)off);
    int private_anon = (flags & MAP_ANONYMOUS) && (flags & MAP_PRIVATE) && !(flags & MAP_SHARED);
    if (p != MAP_FAILED && private_anon && (prot & PROT_READ))
        add_region(p, len, t, site, 1);
    return p;
}

static size_t page_up(size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (n + page - 1) / page * page;
}

/* Takes [lo, hi) out of region i: untracks it, unmaps or frees what goes,
 * and tracks the pieces left on either side as regions of their own. */
static void cut(int64_t i, char *lo, char *hi)
{
    lm_region r = tab.r[i];
    tab.r[i] = tab.r[--tab.n];
    char *end = r.addr + r.len;
    if (lo < r.addr)
        lo = r.addr;
    if (hi > end)
        hi = end;
    st_heap_block was;  /* a restored region's site lives in its heap entry only */
    const mt_site *site = state_heap_take(r.addr, &was) ? was.site : r.site;
    if (r.mapped) {
        if (lo > r.addr)
            add_region(r.addr, (size_t)(lo - r.addr), r.type, site, 1);
        if (hi < end)
            add_region(hi, (size_t)(end - hi), r.type, site, 1);
        return;
    }
    /* a restored region is one heap allocation: it is freed whole when
     * nothing of it is left, else its rest stays tracked */
    if (lo == r.addr && hi == end) {
        free(r.addr);
        return;
    }
    if (lo > r.addr)
        add_region(r.addr, (size_t)(lo - r.addr), r.type, site, 0);
    if (hi < end)
        add_region(hi, (size_t)(end - hi), r.type, site, 0);
}

int mt_munmap(void *addr, size_t len)
{
    /* the kernel unmaps whole pages; a restored region is heap memory
     * that may share its pages with its neighbours, and loses only the
     * bytes named */
    char *lo = addr;
    int mapped_part = 1;
    for (int64_t i = tab.n - 1; i >= 0; i--) {
        lm_region *r = &tab.r[i];
        char *hi = lo + (r->mapped ? page_up(len) : len);
        if (r->addr < hi && lo < r->addr + r->len) {
            mapped_part &= r->mapped;
            cut(i, lo, hi);
        }
    }
    /* a range that touches restored regions only is no mapping */
    if (!mapped_part)
        return 0;
    return munmap(addr, len);
}

/* A restored table's regions live in the heap, with their types unknown
 * until asked (raw bytes are kept as they were restored). */
static void mark_restored(void)
{
    for (int64_t i = 0; i < tab.n; i++) {
        tab.r[i].mapped = 0;
        tab.r[i].site = NULL;  /* not saved: cut() takes it from the heap entry */
        const struct mt_type *t;
        uint64_t count;
        tab.r[i].type = state_heap_find(tab.r[i].addr, &t, &count) ? t : NULL;
    }
}

int lc_mmap_restored(mt_error *err)
{
    (void)err;
    mark_restored();
    return 0;
}

int lc_mmap_register(mt_error *err)
{
    mt_member rm[] = {
        MT_MEMBER(lm_region, addr, MT_CLASS_PTR, 1),
        MT_MEMBER(lm_region, len, MT_CLASS_UINT, 1),
        MT_MEMBER(lm_region, mapped, MT_CLASS_SINT, 1),
    };
    /* type is left out (a pointer into this process's runtime): a restore
     * finds it again from the block (mark_restored) */
    region_type = mt_type_define("<libc mmap region>", sizeof(lm_region), _Alignof(lm_region), 0, rm, 3, err);
    mt_member tm[] = {
        MT_MEMBER(lm_table, r, MT_CLASS_PTR, 1),
        MT_MEMBER(lm_table, n, MT_CLASS_SINT, 1),
        MT_MEMBER(lm_table, cap, MT_CLASS_SINT, 1),
    };
    const mt_type *t = mt_type_define("<libc mmap table>", sizeof(lm_table), _Alignof(lm_table), 0, tm, 3, err);
    if (!region_type || !t)
        return -1;
    return mt_register_global(CK_NAME_MMAP, &tab, t, 1, err);
}
