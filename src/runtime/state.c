/* state.c: the registries of globals, functions and tracked heap blocks.
 *
 * The heap registry is a shadow table indexed by address (heapmap.c),
 * with a hash map (blockmap.c) for the blocks the table cannot hold,
 * since mtcc's allocation wrappers hit it on every malloc and free. */
#include "state.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <xxhash.h>

#include "blockmap.h"
#include "heapdesc.h"
#include "heapmap.h"
#include "state_heap.h"
#include "error.h"
#include "migthread-gen.h"

static uint64_t program_id;

static st_global *globals;
static size_t nglobals, globals_cap;
static st_function *functions;
static size_t nfunctions, functions_cap;

/* The registry lock is taken on every malloc and free of the program, so
 * it is a futex word (0 free, 1 held, 2 held with waiters: Drepper's
 * "Futexes are tricky", mutex 3) rather than a pthread mutex, whose
 * uncontended lock and unlock cost five times the instructions. */
static atomic_int lock_word;

static void futex(atomic_int *word, int op, int val)
{
    syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

/* The lock word is taken: mark it contended and sleep until it is free. */
static __attribute__((noinline, cold)) void lock_contended(int c)
{
    if (c != 2)
        c = atomic_exchange_explicit(&lock_word, 2, memory_order_acquire);
    while (c != 0) {
        futex(&lock_word, FUTEX_WAIT, 2);
        c = atomic_exchange_explicit(&lock_word, 2, memory_order_acquire);
    }
}

/* Every malloc and free takes the lock: its uncontended half is inline
 * here, one compare-and-swap and one exchange. */
static inline void lock_here(void)
{
    int c = 0;
    if (!atomic_compare_exchange_strong_explicit(&lock_word, &c, 1, memory_order_acquire, memory_order_relaxed))
        lock_contended(c);
}

static inline void unlock_here(void)
{
    if (atomic_exchange_explicit(&lock_word, 0, memory_order_release) == 2)
        futex(&lock_word, FUTEX_WAKE, 1);
}

void state_lock(void) { lock_here(); }
void state_unlock(void) { unlock_here(); }

uint64_t state_name_key(const char *name)
{
    return XXH3_64bits(name, strlen(name));
}

void mt_set_program_id(uint64_t id) { program_id = id; }
void mt_add_program_part(uint64_t part) { program_id += part; }

uint64_t state_program_id(void) { return program_id; }

/* Grows *arr (of elements of size elem) to hold one more. */
static int reserve(void **arr, size_t *cap, size_t len, size_t elem)
{
    if (len < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 32;
    void *grown = realloc(*arr, ncap * elem);
    if (!grown)
        return -1;
    *arr = grown;
    *cap = ncap;
    return 0;
}

static char *copy_name(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

/* ---- Globals and functions ------------------------------------------------- */

static const st_global *find_global_locked(uint64_t key)
{
    for (size_t i = 0; i < nglobals; i++)
        if (globals[i].key == key)
            return &globals[i];
    return NULL;
}

static int register_block(const char *name, void *addr, const mt_type *t, size_t count,
                          int constant, mt_error *err)
{
    if (!name || !addr || !t || count == 0)
        return mt_fail(err, MT_EUSAGE, "mt_register_global: bad arguments for %s", name ? name : "?");
    uint64_t key = state_name_key(name);
    state_lock();
    const st_global *old = find_global_locked(key);
    int rc = 0;
    if (old && (old->addr != addr || old->type != t))
        rc = mt_fail(err, MT_EUSAGE, "global %s registered twice", name);
    else if (!old) {
        char *copy = copy_name(name);
        if (!copy || reserve((void **)&globals, &globals_cap, nglobals, sizeof *globals) < 0) {
            free(copy);
            rc = mt_fail(err, MT_ENOMEM, "out of memory registering global %s", name);
        } else {
            globals[nglobals++] = (st_global){ copy, key, addr, t, count, constant };
        }
    }
    state_unlock();
    return rc;
}

int mt_register_global(const char *name, void *addr, const mt_type *t, size_t count,
                       mt_error *err)
{
    return register_block(name, addr, t, count, 0, err);
}

int mt_register_constant(const char *name, const void *addr, const mt_type *t, size_t count,
                         mt_error *err)
{
    return register_block(name, (void *)addr, t, count, 1, err);
}

static int register_bytes(const char *name, void *addr, size_t size, int constant, mt_error *err)
{
    char tname[300];
    snprintf(tname, sizeof tname, "raw %s", name);
    mt_member m = { "bytes", MT_CLASS_BYTES, 1, 0, size, NULL, NULL };
    const mt_type *t = mt_type_define(tname, size, 1, 0, &m, 1, err);
    return t ? register_block(name, addr, t, 1, constant, err) : -1;
}

int mt_register_global_bytes(const char *name, void *addr, size_t size, mt_error *err)
{
    return register_bytes(name, addr, size, 0, err);
}

int mt_register_constant_bytes(const char *name, const void *addr, size_t size, mt_error *err)
{
    return register_bytes(name, (void *)addr, size, 1, err);
}

int mt_register_function(const char *name, void (*fn)(void), mt_error *err)
{
    if (!name || !fn)
        return mt_fail(err, MT_EUSAGE, "mt_register_function: bad arguments");
    uint64_t id = state_name_key(name);
    state_lock();
    int rc = 0;
    const st_function *old = state_find_function(id);
    if (old && old->fn != fn)
        rc = mt_fail(err, MT_EUSAGE, "function %s registered twice", name);
    else if (!old) {
        char *copy = copy_name(name);
        if (!copy || reserve((void **)&functions, &functions_cap, nfunctions, sizeof *functions) < 0) {
            free(copy);
            rc = mt_fail(err, MT_ENOMEM, "out of memory registering function %s", name);
        } else {
            functions[nfunctions++] = (st_function){ copy, id, fn };
        }
    }
    state_unlock();
    return rc;
}

void state_forget_global(const char *name)
{
    uint64_t key = state_name_key(name);
    state_lock();
    for (size_t i = 0; i < nglobals; i++)
        if (globals[i].key == key) {
            free(globals[i].name);
            globals[i] = globals[--nglobals];
            break;
        }
    state_unlock();
}

const st_global *state_globals(size_t *n) { *n = nglobals; return globals; }
const st_function *state_functions(size_t *n) { *n = nfunctions; return functions; }
const st_global *state_find_global(uint64_t key) { return find_global_locked(key); }

const st_function *state_find_function(uint64_t id)
{
    for (size_t i = 0; i < nfunctions; i++)
        if (functions[i].id == id)
            return &functions[i];
    return NULL;
}

/* ---- Tracked heap ------------------------------------------------------------ */

/* Most blocks live in the shadow table (heapmap.h): a malloc stores its
 * block's descriptor id (heapdesc.h) at the entry of its start, a free
 * tags that entry FREED, both without a lock (at a capture every thread
 * of the program is stopped). The blocks the table cannot hold (a start
 * off the granule, an address above its range, a descriptor once the ids
 * are used up) go to the side map, a hash map under the state lock, as
 * all blocks did before; the side bit of mt_heap_rare tells the fast paths whether to look
 * there at all.
 *
 * Blocks freed lately are remembered, so that a checkpoint can tell a
 * dangling pointer (hash.c's grow() frees each key while the old array,
 * still in its frame, keeps pointing at it) from a pointer into memory it
 * never knew. A free tags its entry in place and an allocation at the same
 * address overwrites it, so a block is forgotten as freed once a new block
 * starts at its address. Two generations bound how long: when the newer
 * holds a window's worth (max(65536, twice the live blocks, a quarter of
 * the table's entries)), the older is swept out and the newer becomes the
 * older. */
enum { FREED_WINDOW_MIN = 1 << 16 };
/* A sweep reads every entry of the table's leaves: the window is at
 * least a quarter of them, so that sweeping costs about one word read per
 * free however sparse the table (each thread's arena has a 4 MB leaf of
 * its own, mostly empty). */
enum { SWEEP_ENTRIES_PER_FREE = 4 };

/* Each thread counts its own frees (state_heap.h) and adds them to the
 * generation's count a batch at a time, so that the window is looked at
 * without an atomic operation on every free. The live blocks the window
 * is measured by are counted by the sweep, which reads every entry. */
_Thread_local unsigned mt_heap_tl_frees_left = MT_HEAP_COUNT_BATCH;
static size_t freed_newer;  /* frees counted into the newer generation (an atomic, word-sized:
                               32-bit ABIs lack 64-bit ones) */
static size_t table_live;   /* live entries in the table at the last sweep */
uint16_t mt_heap_free_tag = HM_FREED;  /* and the newer generation's bit */
int mt_heap_rare;  /* MT_HEAP_RARE_SIDE: the side map holds entries (migthread-heap.h) */

/* The side map: tags in the low bits of the type pointer (a type is
 * aligned to at least 4): FREED, and GEN_ONE for a freed entry of
 * generation 1. */
static blockmap blocks;
static size_t nlive;            /* untagged entries */
static size_t nfreed[2];        /* freed entries of each generation */
static unsigned newer;          /* the generation frees go to now */
enum { FREED = 1, GEN_ONE = 2, TAGS = 3 };

_Static_assert(_Alignof(struct mt_type) >= 4, "two tag bits in a type pointer");

static uintptr_t tag_of(const st_heap_block *b)
{
    return (uintptr_t)b->type & TAGS;
}

static unsigned gen_of(uintptr_t tag)
{
    return (tag & GEN_ONE) != 0;
}

static int is_older_freed(const st_heap_block *b, void *unused)
{
    (void)unused;
    uintptr_t tag = tag_of(b);
    return (tag & FREED) && gen_of(tag) != newer;
}

/* Before a free is remembered in the side map: when the newer
 * generation holds a window's worth, the older one goes and the newer
 * becomes the older. 1 when it did (entries have moved). */
static int age_freed(void)
{
    size_t window = nlive * 2;
    if (window < FREED_WINDOW_MIN)
        window = FREED_WINDOW_MIN;
    if (nfreed[newer] < window)
        return 0;
    blockmap_drop_if(&blocks, is_older_freed, NULL);
    nfreed[!newer] = 0;
    newer = !newer;
    return 1;
}

static int side_add(void *block, const mt_type *t, size_t count, const struct mt_site *site)
{
    st_heap_block b = { block, t, count, site }, old;
    int r = blockmap_put(&blocks, &b, &old);
    if (r == 0)
        nlive++;
    else if (r == 1 && (tag_of(&old) & FREED)) {
        nfreed[gen_of(tag_of(&old))]--;
        nlive++;
    }
    if (r >= 0)
        __atomic_or_fetch(&mt_heap_rare, MT_HEAP_RARE_SIDE, __ATOMIC_RELAXED);
    return r < 0 ? -1 : 0;
}

/* Untracks block's live entry in the side map, remembering it as freed
 * when it is; 1 and the entry when there was one. Under the lock. */
static int side_take(void *block, st_heap_block *out, int remember)
{
    st_heap_block *b = blockmap_get(&blocks, block);
    if (!b || tag_of(b))
        return 0;
    *out = *b;
    nlive--;
    if (!remember) {
        blockmap_del(&blocks, block, NULL);
        return 1;
    }
    if (age_freed())  /* entries moved: b is looked up again */
        b = blockmap_get(&blocks, block);
    b->type = (const mt_type *)((uintptr_t)b->type | FREED | (newer ? GEN_ONE : 0));
    nfreed[newer]++;
    return 1;
}

/* A thread's batch of frees is counted: when the newer generation holds
 * a window's worth, the older one is swept out of the table. */
void mt_heap_count_frees(void)
{
    size_t in_newer = __atomic_add_fetch(&freed_newer, MT_HEAP_COUNT_BATCH, __ATOMIC_RELAXED);
    mt_heap_tl_frees_left = MT_HEAP_COUNT_BATCH;
    size_t window = 2 * __atomic_load_n(&table_live, __ATOMIC_RELAXED);
    if (window < FREED_WINDOW_MIN)
        window = FREED_WINDOW_MIN;
    if (window < hm_entries() / SWEEP_ENTRIES_PER_FREE)
        window = hm_entries() / SWEEP_ENTRIES_PER_FREE;
    if (in_newer < window)
        return;
    lock_here();
    if (__atomic_load_n(&freed_newer, __ATOMIC_RELAXED) >= window) {
        /* the older generation: freed, with the other tag */
        size_t live = hm_sweep(HM_FREED | HM_GEN, (uint16_t)(mt_heap_free_tag ^ HM_GEN));
        __atomic_store_n(&table_live, live, __ATOMIC_RELAXED);
        __atomic_store_n(&mt_heap_free_tag, mt_heap_free_tag ^ HM_GEN, __ATOMIC_RELAXED);
        __atomic_store_n(&freed_newer, 0, __ATOMIC_RELAXED);
    }
    unlock_here();
}

/* After a block went into the table while the side map holds entries:
 * a live entry it holds for the same address goes. */
int state_heap_add_after(void *block)
{
    st_heap_block gone;
    lock_here();
    side_take(block, &gone, 0);
    unlock_here();
    return 0;
}

/* The slow half of state_heap_add: makes the table's leaf, or uses the
 * side map. */
int state_heap_add_slow(void *block, const mt_type *t, size_t count, const struct mt_site *site)
{
    lock_here();
    uint16_t *e = hm_slot_make(block);
    uint16_t id = e ? hd_id(t, count, site) : 0;
    int rc = 0;
    if (id) {
        st_heap_block gone;
        side_take(block, &gone, 0);
        hm_store(e, id);  /* its page noted by hm_slot_make */
    } else {
        if (e && hm_load(e) && !(hm_load(e) & HM_FREED))
            hm_store(e, 0);  /* the side map's entry replaces it */
        rc = side_add(block, t, count, site);
    }
    unlock_here();
    return rc;
}

int state_heap_add(void *block, const mt_type *t, size_t count, const struct mt_site *site)
{
    return state_heap_add_inline(block, t, count, site);
}

int mt_heap_track(void *block, const mt_type *t, size_t count, mt_error *err)
{
    if (!block || !t || count == 0)
        return mt_fail(err, MT_EUSAGE, "mt_heap_track: bad arguments");
    if (state_heap_add(block, t, count, NULL) < 0)
        return mt_fail(err, MT_ENOMEM, "out of memory tracking a heap block");
    return 0;
}

static void fill(st_heap_block *out, void *block, uint16_t v)
{
    const hd_desc *d = hd_get(v & HM_ID_MASK);
    *out = (st_heap_block){ block, d->type, d->count, d->site };
}

void mt_heap_forget(void *block)
{
    uint16_t *e = hm_slot(block);
    if (e && hm_load(e) && !(hm_load(e) & HM_FREED)) {
        hm_store(e, 0);
        return;
    }
    st_heap_block gone;
    state_lock();
    side_take(block, &gone, 0);
    state_unlock();
}

/* state_heap_take off the table's fast path: the side map. out may be
 * NULL (a free asks for nothing back). */
int state_heap_take_slow(void *block, st_heap_block *out)
{
    if (!(__atomic_load_n(&mt_heap_rare, __ATOMIC_RELAXED) & MT_HEAP_RARE_SIDE) || !block)
        return 0;
    st_heap_block b;
    lock_here();
    int found = side_take(block, out ? out : &b, 1);
    unlock_here();
    return found;
}

int state_heap_take(void *block, st_heap_block *out)
{
    return state_heap_take_inline(block, out);
}

void state_heap_release(void *block)
{
    state_heap_take_inline(block, NULL);
}

int state_heap_find(const void *p, const struct mt_type **t, uint64_t *count)
{
    state_lock();
    int found = state_heap_find_locked(p, t, count);
    state_unlock();
    return found;
}

int state_heap_find_locked(const void *p, const struct mt_type **t, uint64_t *count)
{
    uint16_t *e = hm_slot(p);
    uint16_t v = e ? hm_load(e) : 0;
    if (v && !(v & HM_FREED)) {
        const hd_desc *d = hd_get(v);
        *t = d->type;
        *count = d->count;
        return 1;
    }
    const st_heap_block *b = blockmap_get(&blocks, p);
    if (!b || tag_of(b))
        return 0;
    *t = b->type;
    *count = b->count;
    return 1;
}

/* Visits the entries of one kind, freed ones with their tags taken off. */
typedef struct visit {
    int freed;
    int (*fn)(const st_heap_block *b, void *ctx);
    void *ctx;
    size_t n;    /* counted when fn is NULL */
} visit;

static int visit_one(const st_heap_block *b, void *ctx)
{
    visit *v = ctx;
    if (!v->freed)
        return tag_of(b) ? 0 : v->fn(b, v->ctx);
    if (!tag_of(b))
        return 0;
    st_heap_block clean = { b->addr, (const mt_type *)((uintptr_t)b->type & ~(uintptr_t)TAGS), b->count,
                            b->site };
    return v->fn(&clean, v->ctx);
}

static int visit_entry(void *addr, uint16_t *e, void *ctx)
{
    visit *v = ctx;
    uint16_t x = hm_load(e);
    if (!x || !(x & HM_FREED) != !v->freed)
        return 0;
    if (!v->fn) {
        v->n++;
        return 0;
    }
    st_heap_block b;
    fill(&b, addr, x);
    return v->fn(&b, v->ctx);
}

/* Visits the table's entries, then the side map's, of one kind. */
static int visit_all(int freed, int (*fn)(const st_heap_block *b, void *ctx), void *ctx)
{
    visit v = { freed, fn, ctx, 0 };
    int r = hm_each(visit_entry, &v);
    if (!fn) {
        *(size_t *)ctx = v.n + (freed ? nfreed[0] + nfreed[1] : nlive);
        return 0;
    }
    return r ? r : blockmap_each(&blocks, visit_one, &v);
}

int state_heap_each(int (*fn)(const st_heap_block *b, void *ctx), void *ctx)
{
    return visit_all(0, fn, ctx);
}

int state_freed_each(int (*fn)(const st_heap_block *b, void *ctx), void *ctx)
{
    return visit_all(1, fn, ctx);
}

/* ---- Streams closed ---------------------------------------------------------------- */

/* Each address once: libc hands the same few FILE objects out again. */
static uintptr_t *closed;
static size_t nclosed, capclosed;
static pthread_mutex_t closed_lock = PTHREAD_MUTEX_INITIALIZER;

void state_stream_closed(const void *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&closed_lock);
    size_t i = 0;
    while (i < nclosed && closed[i] != (uintptr_t)f)
        i++;
    if (i == nclosed && nclosed == capclosed) {
        size_t cap = capclosed ? capclosed * 2 : 16;
        uintptr_t *grown = realloc(closed, cap * sizeof *grown);
        if (grown) {
            closed = grown;
            capclosed = cap;
        }
    }
    if (i == nclosed && nclosed < capclosed)
        closed[nclosed++] = (uintptr_t)f;  /* out of memory: it is refused by name, as before */
    pthread_mutex_unlock(&closed_lock);
}

void state_closed_streams_each(void (*fn)(uintptr_t start, uintptr_t end, void *ctx), void *ctx)
{
    pthread_mutex_lock(&closed_lock);
    for (size_t i = 0; i < nclosed; i++)
        fn(closed[i], closed[i] + 1, ctx);
    pthread_mutex_unlock(&closed_lock);
}

/* ---- Allocation sites of restored blocks ---------------------------------------- */

typedef struct interned_site {
    mt_site site;
    struct interned_site *next;
} interned_site;

static interned_site *sites;
static pthread_mutex_t sites_lock = PTHREAD_MUTEX_INITIALIZER;

const struct mt_site *state_site_intern(const char *where, unsigned flags, unsigned long align)
{
    if (!where || (!*where && !align))
        return NULL;
    pthread_mutex_lock(&sites_lock);
    interned_site *s = sites;
    while (s && (s->site.flags != flags || s->site.align != align || strcmp(s->site.where, where) != 0))
        s = s->next;
    if (!s && (s = calloc(1, sizeof *s)) != NULL) {
        char *copy = malloc(strlen(where) + 1);
        if (!copy) {
            free(s);
            s = NULL;
        } else {
            s->site = (mt_site){ strcpy(copy, where), flags, NULL, 0, align };
            s->next = sites;
            sites = s;
        }
    }
    pthread_mutex_unlock(&sites_lock);
    return s ? &s->site : NULL;
}
