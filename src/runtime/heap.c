/* heap.c: the allocation wrappers mtcc puts in place of malloc and kin.
 *
 * Each block is tracked with the element type mtcc inferred from the
 * allocation (the sizeof expression or the destination pointer), so a
 * checkpoint knows how to convert it; a size that is not a whole number of
 * elements is tracked as raw bytes.
 *
 * New memory is zeroed: a checkpoint may come while the program is still
 * filling a block, and a pointer slot it has not written yet must read as
 * NULL, not as garbage that no restore could translate. Small blocks are
 * zeroed by hand rather than by calloc, which bypasses glibc's per-thread
 * cache (tcache) and so costs twice a malloc; large ones keep calloc,
 * which knows when fresh pages from the kernel are zero already.
 * aligned_alloc, posix_memalign, memalign, valloc, getline, getdelim,
 * asprintf and vasprintf allocate too:
 * their blocks are tracked the same way (the text ones as bytes).
 *
 * A block whose type ends in an array of run-time length (a flexible
 * array member) gets a block type for its length (flex.c); each block
 * keeps its allocation site, which its refusals name. */
#include <errno.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "flex.h"
#include "migthread-gen.h"
#include "state.h"
#include "state_heap.h"
#include "types.h"

static const mt_type *bytes_type(void)
{
    static const mt_type *t;
    if (!t)
        t = mt_type_scalar("unsigned char", MT_CLASS_BYTES, 1, 1);
    return t;
}

/* The tracker is out of memory: a checkpoint would be wrong. */
static __attribute__((noinline, cold)) void tracking_failed(void)
{
    mt_error err;
    mt_fail(&err, MT_ENOMEM, "out of memory tracking a heap block");
    mt_die(&err);
}

static void track(void *p, size_t size, const mt_type *t, const mt_site *site)
{
    if (!p || size == 0)
        return;
    if (t && flex_is_desc(t))
        t = flex_block_type(t, size);  /* one element of the type for this length */
    size_t elem = t ? t->size : 0;
    size_t count = elem ? size / elem : 0;
    if (count == 0 || count * elem != size) {  /* not a whole number of elements */
        t = bytes_type();
        count = size;
    }
    if (state_heap_add_inline(p, t, count, site) < 0)
        tracking_failed();
}

/* Blocks up to this size are zeroed by a few stores (most of a program's
 * small structs): memset's call costs more than its work there. */
enum { SMALL_MAX = 32 };

static inline void store8(unsigned char *p)
{
    const uint64_t z = 0;
    memcpy(p, &z, sizeof z);
}

/* Zeroes size bytes, 8 < size <= SMALL_MAX, by overlapping 8-byte stores. */
static inline void zero_small(unsigned char *p, size_t size)
{
    store8(p);
    store8(p + size - 8);
    if (size > 16) {
        store8(p + 8);
        store8(p + size - 16);
    }
}

/* Below this size calloc would not find fresh zero pages anyway. */
enum { ZERO_BY_HAND_MAX = 4096 };

/* Out of line, or gcc turns malloc and memset back into calloc. */
static __attribute__((noinline)) void zero(void *p, size_t size)
{
    memset(p, 0, size);
}

/* MIGTHREAD_FORK: the heap is asked for in transparent huge pages (2 MB
 * on x86-64), so that the fork of a forked capture copies one page-table
 * entry per 2 MB instead of 512: at 1 GB of heap, under a millisecond
 * instead of about 30 (docs/performance.md). The main heap is advised as
 * it grows; a block of its own mapping (32 MB or more) has the huge
 * pages inside it advised, so no mapping grows into memory it did not
 * ask for. The heaps of threads' arenas are left as they are. */
enum { HUGE_PAGE = 2u << 20, HUGE_MIN = 2 * HUGE_PAGE, HUGE_MMAP_THRESHOLD = 32u << 20 };
/* How far the main heap grows at a time: 256 MB of address space, 16 MB
 * where there are only 4 GB of it. */
#define HUGE_TOP_PAD (sizeof(void *) >= 8 ? 256u << 20 : 16u << 20)
static int huge_pages;
static char *brk_seen;  /* the end of the main heap, advised up to here */

void heap_huge_pages(int on)
{
    huge_pages = on;
    if (!on)
        return;
    /* the sites' fast path advises through mt_heap_rare_after */
    __atomic_or_fetch(&mt_heap_rare, MT_HEAP_RARE_HUGE, __ATOMIC_RELAXED);
    /* Blocks below 32 MB come from the main heap (brk), which is advised
     * as it grows, rather than from a mapping each (unaligned, so that a
     * 1 MB block never fills a huge page). It grows HUGE_TOP_PAD at a time (of
     * address space: only what is touched is memory): each growth is a
     * mapping of its own once advised (its neighbour was touched first),
     * and only the huge pages wholly inside one are made. */
    mallopt(M_MMAP_THRESHOLD, HUGE_MMAP_THRESHOLD);
    mallopt(M_TOP_PAD, (int)HUGE_TOP_PAD);
    mallopt(M_TRIM_THRESHOLD, (int)(2 * HUGE_TOP_PAD));
    brk_seen = sbrk(0);
}

/* The main heap grew (or shrank) since the last look: its new part is
 * advised. sbrk(0) only reads the C library's note of the break. */
static void advise_heap_top(void)
{
    char *top = sbrk(0);
    if (top == (char *)-1 || top == brk_seen)
        return;
    if (top > brk_seen) {
        uintptr_t start = (uintptr_t)brk_seen & ~(uintptr_t)(HUGE_PAGE - 1);
        uintptr_t end = ((uintptr_t)top + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        madvise((void *)start, end - start, MADV_HUGEPAGE);  /* the part past the break is not mapped: ignored */
    }
    brk_seen = top;
}

static void advise_huge(void *p, size_t size)
{
    uintptr_t start = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t end = ((uintptr_t)p + size) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (end > start)
        madvise((void *)start, end - start, MADV_HUGEPAGE);  /* advice: a refusal costs nothing */
}

static void *zeroed(size_t size)
{
    if (huge_pages) {
        void *p = size > ZERO_BY_HAND_MAX ? calloc(1, size) : malloc(size);
        if (!p)
            return NULL;
        if (size <= ZERO_BY_HAND_MAX)
            zero(p, size);
        advise_heap_top();
        if (size >= HUGE_MIN)
            advise_huge(p, size);
        return p;
    }
    if (size > ZERO_BY_HAND_MAX)
        return calloc(1, size);
    void *p = malloc(size);
    if (p)
        zero(p, size);
    return p;
}

void *mt_malloc(size_t size, const mt_type *t, const mt_site *site)
{
    /* the common case, a small struct of one element, straight through */
    if (__builtin_expect(size > 8 && size <= SMALL_MAX && !huge_pages && t && t->size == size && !t->flex, 1)) {
        unsigned char *p = malloc(size);
        if (__builtin_expect(!p, 0))
            return NULL;
        zero_small(p, size);
        if (__builtin_expect(state_heap_add_inline(p, t, 1, site) < 0, 0))
            tracking_failed();
        return p;
    }
    void *p = zeroed(size);
    track(p, size, t, site);
    return p;
}

/* ---- The slow halves of the sites' fast path (migthread-heap.h) ---- */

/* The descriptor id a block of size bytes at site gets, as track() gives
 * it (interned already by the block just tracked: a cache hit), and the
 * site remembers it with the size; not before the table exists (the fast
 * path reads it without a test), nor while the site's type is not known
 * (mt_malloc_fast). */
static void remember(const mt_type *t, size_t size, mt_site *site, int known)
{
    if (!known || !site || size == 0 || size > MT_HEAP_FAST_MAX || !__atomic_load_n(&mt_hm_top, __ATOMIC_ACQUIRE))
        return;
    const mt_type *bt = t && flex_is_desc(t) ? flex_block_type(t, size) : t;
    size_t count = bt && bt->size ? size / bt->size : 0;
    if (count == 0 || count * bt->size != size) {
        bt = bytes_type();
        count = size;
    }
    uint16_t id = hd_id(bt, count, site);
    if (id)
        __atomic_store_n(&site->fast_key, (uintptr_t)size << MT_HEAP_KEY_SHIFT | id, __ATOMIC_RELEASE);
}

void *mt_malloc_miss(size_t size, const mt_type *t, mt_site *site, int known)
{
    void *p = mt_malloc(size, t, site);
    if (p)
        remember(t, size, site, known);
    return p;
}

void *mt_calloc_miss(size_t n, size_t size, const mt_type *t, mt_site *site, int known)
{
    void *p = mt_calloc(n, size, t, site);
    if (p && size && n <= MT_HEAP_FAST_MAX / size)
        remember(t, n * size, site, known);
    return p;
}

/* The fast path malloc'd and zeroed p, with the site's key, but found no
 * leaf for it (or could not hold its start). */
void mt_heap_track_fresh(void *p, size_t size, unsigned long key, const mt_site *site)
{
    /* the descriptor's type is the block's own (a flexible one resolved,
     * or bytes), which track() takes as it is */
    track(p, size, hd_get((uint16_t)(key & MT_HM_ID_MASK))->type, site);
    if (huge_pages)
        advise_heap_top();
}

void mt_heap_rare_after(void *p, size_t size)
{
    int rare = __atomic_load_n(&mt_heap_rare, __ATOMIC_RELAXED);
    if ((rare & MT_HEAP_RARE_SIDE) && state_heap_add_after(p) < 0)
        tracking_failed();
    if ((rare & MT_HEAP_RARE_HUGE) && huge_pages) {
        advise_heap_top();
        if (size >= HUGE_MIN)
            advise_huge(p, size);
    }
}

void *mt_calloc(size_t n, size_t size, const mt_type *t, const mt_site *site)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;  /* as calloc says it */
        return NULL;
    }
    void *p = zeroed(n * size);
    track(p, n * size, t, site);
    return p;
}

/* The type a realloc without one keeps: the block's own (a flexible
 * block's descriptor, which gives it its new length), unless it was bytes. */
static const mt_type *kept_type(const mt_type *old)
{
    if (old == bytes_type())
        return NULL;
    return old->flex ? old->flex->desc : old;
}

void *mt_realloc(void *old, size_t size, const mt_type *t, const mt_site *site)
{
    /* Untrack first: after realloc the old address means nothing. When
     * realloc fails the old block is still there, so track it again. */
    st_heap_block was = { 0 };
    size_t old_size = 0;
    if (old && state_heap_take(old, &was)) {
        old_size = (size_t)was.count * was.type->size;
        if (!t)
            t = kept_type(was.type);
        if (was.site)
            site = was.site;  /* the block is where it was first allocated */
    } else if (old) {
        /* a block from untracked code (strndup, getline): all of it that
         * malloc gave is kept, only what realloc adds is zeroed */
        old_size = malloc_usable_size(old);
    }
    void *p = realloc(old, size);
    if (!p && size && was.type) {
        if (state_heap_add(old, was.type, was.count, was.site) < 0)
            tracking_failed();
        return NULL;
    }
    if (p && huge_pages) {
        advise_heap_top();
        if (size >= HUGE_MIN)
            advise_huge(p, size);
    }
    if (p && size > old_size)
        memset((unsigned char *)p + old_size, 0, size - old_size);
    track(p, size, t, site);
    return p;
}

void mt_free(void *p)
{
    state_heap_take_inline(p, NULL);
    free(p);
}

char *mt_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = mt_malloc(n, NULL, NULL);
    if (p)
        memcpy(p, s, n);
    return p;
}

char *mt_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = mt_malloc(len + 1, NULL, NULL);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

void *mt_reallocarray(void *old, size_t n, size_t size, const mt_type *t, const mt_site *site)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return mt_realloc(old, n * size, t, site);
}

/* The site remembers the largest alignment asked there, which the block
 * keeps across a restore (restore.c); sites are mtcc's writable statics. */
static void note_align(const mt_site *site, size_t align)
{
    if (site && align > site->align)
        ((mt_site *)site)->align = align;
}

void *mt_aligned_alloc(size_t align, size_t size, const mt_type *t, const mt_site *site)
{
    void *p = aligned_alloc(align, size);
    if (p)
        note_align(site, align);
    if (p)
        memset(p, 0, size);
    track(p, size, t, site);
    return p;
}

/* memalign and valloc: obsolete, still in older code; a block of theirs
 * is an aligned block like aligned_alloc's. */
void *mt_memalign(size_t align, size_t size, const mt_type *t, const mt_site *site)
{
    void *p = memalign(align, size);
    if (p) {
        note_align(site, align);
        memset(p, 0, size);
    }
    track(p, size, t, site);
    return p;
}

void *mt_valloc(size_t size, const mt_type *t, const mt_site *site)
{
    return mt_memalign((size_t)sysconf(_SC_PAGESIZE), size, t, site);
}

int mt_posix_memalign(void **out, size_t align, size_t size, const mt_type *t, const mt_site *site)
{
    int rc = posix_memalign(out, align, size);
    if (rc == 0) {
        note_align(site, align);
        memset(*out, 0, size);
        track(*out, size, t, site);
    }
    return rc;
}

/* getline and getdelim grow *line with realloc: the old block is untracked
 * first (its address may not survive) and the buffer tracked as bytes
 * afterwards, whatever the call did, with what lies past the text zeroed. */
long mt_getdelim(char **line, size_t *n, int delim, void *stream)
{
    st_heap_block was;
    if (*line)
        state_heap_take(*line, &was);
    ssize_t got = getdelim(line, n, delim, stream);
    if (*line && *n) {
        /* at the end of the stream the last line stays (glibc keeps it) */
        size_t used = got > 0 ? (size_t)got + 1 : strnlen(*line, *n) + 1;
        if (used < *n)
            memset(*line + used, 0, *n - used);
        track(*line, *n, NULL, NULL);
    }
    return (long)got;
}

long mt_getline(char **line, size_t *n, void *stream)
{
    return mt_getdelim(line, n, '\n', stream);
}

int mt_vasprintf(char **out, const char *fmt, va_list ap)
{
    int n = vasprintf(out, fmt, ap);
    if (n >= 0)
        track(*out, (size_t)n + 1, NULL, NULL);
    return n;
}

int mt_asprintf(char **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = mt_vasprintf(out, fmt, ap);
    va_end(ap);
    return n;
}
