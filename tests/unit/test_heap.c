/* test_heap.c: the tracked heap: the address map under growth, deletion
 * and reuse; the shadow table and the blocks it sends to the map (starts
 * off the granule, descriptors past the last id), from several threads; blocks freed lately remembered within their window and
 * forgotten when a block starts at their address again; realloc keeping
 * the bytes of a block it did not track; a pointer left dangling into a
 * freed block saved as such and restored into the poison region; the
 * freed-range table refused when it is out of order; blocks converted as
 * they arrive (the pipelined restore) and kept apart until the end; the
 * allocation sites' inline fast path; the sweep of freed entries, a word
 * at a time. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blockmap.h"
#include "check.h"
#include "heapmap.h"
#include "ckpt.h"
#include "input.h"
#include "migthread-gen.h"
#include "migthread.h"
#include "restore.h"
#include "state.h"

static const mt_type *t_double;

/* Puts, deletes every other entry, puts again over the holes, and checks
 * that each address is held once with its last count. */
static void test_blockmap(void)
{
    blockmap m = { 0 };
    int ok = 1;
    enum { N = 5000 };
    static char arena[N * 8];
    for (int i = 0; i < N; i++)
        ok &= blockmap_put(&m, &(st_heap_block){ arena + 8 * i, t_double, 1, NULL }, NULL) == 0;
    CHECK(ok && m.live == N);
    for (int i = 0; i < N; i += 2)
        ok &= blockmap_del(&m, arena + 8 * i, NULL) == 1;
    CHECK(ok);
    CHECK(m.live == N / 2 && blockmap_get(&m, arena) == NULL && blockmap_get(&m, arena + 8) != NULL);
    CHECK(blockmap_del(&m, arena, NULL) == 0);
    for (int i = 0; i < N; i++)  /* half new, half replacing */
        ok &= blockmap_put(&m, &(st_heap_block){ arena + 8 * i, t_double, 2, NULL }, NULL) == (i % 2);
    CHECK(ok && m.live == N);
    int twos = 0;
    for (int i = 0; i < N; i++) {
        const st_heap_block *b = blockmap_get(&m, arena + 8 * i);
        twos += b && b->count == 2;
    }
    CHECK(twos == N);
    for (int i = 0; i < N; i++)
        blockmap_del(&m, arena + 8 * i, NULL);
    CHECK(m.live == 0 && blockmap_get(&m, arena + 8) == NULL);
    blockmap_clear(&m);
}

/* Random puts, deletes and lookups against a plain array, on addresses
 * 8 bytes apart, denser than malloc's, so that they crowd into long runs
 * of full slots, some wrapping round the end of the table (the map hashes
 * an address by its own bits, blockmap.c): a deletion that moved the
 * wrong entry back would lose one. Then every third entry is dropped in
 * place. The addresses are never dereferenced. */
static int third(const st_heap_block *b, void *ctx)
{
    (void)ctx;
    return b->count % 3 == 0;
}

static void test_blockmap_random(void)
{
    enum { N = 700, STEPS = 200000, SPREAD = 1500 };
    static uint64_t want[N];   /* 0: absent, else the count stored */
    /* key i at one of SPREAD 8-byte places from 1900 slots into a table
     * of 2048 (the size 700 entries grow it to), so runs wrap */
    uintptr_t base = ((uintptr_t)1 << 20) + 8 * 1900;
    blockmap m = { 0 };
    unsigned seed = 12345;
    int ok = 1;
    size_t live = 0;
    for (int step = 0; step < STEPS; step++) {
        seed = seed * 1103515245u + 12345u;
        size_t i = (seed >> 8) % N;
        void *a = (void *)(base + 8 * (i * 97 % SPREAD));
        st_heap_block old;
        switch ((seed >> 24) % 3) {
        case 0: {
            int r = blockmap_put(&m, &(st_heap_block){ a, t_double, (uint64_t)step + 1, NULL }, &old);
            ok &= r == (want[i] != 0) && (!r || old.count == want[i]);
            live += !want[i];
            want[i] = (uint64_t)step + 1;
            break;
        }
        case 1:
            ok &= blockmap_del(&m, a, &old) == (want[i] != 0) && (!want[i] || old.count == want[i]);
            live -= want[i] != 0;
            want[i] = 0;
            break;
        default: {
            const st_heap_block *b = blockmap_get(&m, a);
            ok &= want[i] ? b && b->count == want[i] : b == NULL;
        }
        }
    }
    CHECK(ok && m.live == live);
    blockmap_drop_if(&m, third, NULL);
    size_t left = 0;
    for (size_t i = 0; i < N; i++) {
        const st_heap_block *b = blockmap_get(&m, (void *)(base + 8 * (i * 97 % SPREAD)));
        int keep = want[i] && want[i] % 3 != 0;
        ok &= keep ? b && b->count == want[i] : b == NULL;
        left += keep;
    }
    CHECK(ok && m.live == left);
    blockmap_clear(&m);
}

static size_t freed_count(void)
{
    size_t n = 0;
    state_lock();
    state_freed_each(NULL, &n);
    state_unlock();
    return n;
}

static void test_freed_window(void)
{
    size_t before = freed_count();
    double *d = mt_malloc(3 * sizeof *d, t_double, NULL);
    mt_free(d);
    CHECK(freed_count() == before + 1);
    mt_error err;
    CHECK(mt_heap_track(d, t_double, 1, &err) == 0);  /* a block starts there again */
    CHECK(freed_count() == before);
    mt_heap_forget(d);  /* untracked only: not a free */
    CHECK(freed_count() == before);
    /* (d's memory went back to malloc: only its address is used here)
     * freed twice at one address: remembered once; a freed block is not
     * live, and forgetting its address leaves it remembered */
    const struct mt_type *ft;
    uint64_t fc;
    CHECK(mt_heap_track(d, t_double, 2, &err) == 0 && state_heap_find(d, &ft, &fc) && fc == 2);
    state_heap_release(d);
    CHECK(mt_heap_track(d, t_double, 1, &err) == 0);
    state_heap_release(d);
    CHECK(freed_count() == before + 1 && !state_heap_find(d, &ft, &fc));
    mt_heap_forget(d);
    CHECK(freed_count() == before + 1);
    /* Past the window the older generation goes: what is remembered
     * stays bounded. The window is max(65536, twice the live blocks, a
     * quarter of the table's entries): every granule of 32 MB freed,
     * more than half the table's entries, passes it twice. */
    size_t span = (size_t)32 << 20, granule = (size_t)1 << HM_GRANULE_LOG2;
    unsigned char *region = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK(region != MAP_FAILED);
    if (region == MAP_FAILED)
        return;
    size_t base = freed_count(), frees = span / granule;
    int ok = 1;
    for (size_t off = 0; off < span; off += granule) {
        ok &= mt_heap_track(region + off, t_double, 1, &err) == 0;
        state_heap_release(region + off);
    }
    size_t window = hm_entries() / 4 > 65536 ? hm_entries() / 4 : 65536, n = freed_count();
    CHECK(ok && frees > 2 * window && n <= base + 2 * (window + 1024) && n + 1024 >= window);
    munmap(region, span);
}

static size_t live_count(void)
{
    size_t n = 0;
    state_lock();
    state_heap_each(NULL, &n);
    state_unlock();
    return n;
}

typedef struct sum_ctx { const void *lo, *hi; size_t n; uint64_t count; } sum_ctx;

static int sum_in(const st_heap_block *b, void *ctx)
{
    sum_ctx *c = ctx;
    if ((const char *)b->addr >= (const char *)c->lo && (const char *)b->addr < (const char *)c->hi) {
        c->n++;
        c->count += b->count;
    }
    return 0;
}

/* Blocks of many descriptors (more than the table's ids), at starts on
 * and off the granule, one address moved between the table and the map:
 * each found once with its count, live and freed alike. */
enum { MANY_DESCS = 20000 };
static _Alignas(16) double spread[2 * MANY_DESCS + 2];

static void test_shadow_and_side(void)
{
    mt_error err;
    size_t before = live_count();
    int ok = 1;
    for (size_t i = 0; i < MANY_DESCS; i++)  /* count i + 1: a descriptor each */
        ok &= mt_heap_track(&spread[2 * i], t_double, i + 1, &err) == 0;
    const struct mt_type *ft;
    uint64_t fc;
    for (size_t i = 0; i < MANY_DESCS; i++)
        ok &= state_heap_find(&spread[2 * i], &ft, &fc) && fc == i + 1 && ft == t_double;
    CHECK(ok && live_count() == before + MANY_DESCS);
    sum_ctx c = { spread, spread + 2 * MANY_DESCS, 0, 0 };
    state_lock();
    state_heap_each(sum_in, &c);
    state_unlock();
    CHECK(c.n == MANY_DESCS && c.count == (uint64_t)MANY_DESCS * (MANY_DESCS + 1) / 2);
    size_t freed = freed_count();
    for (size_t i = 0; i < MANY_DESCS; i++)
        state_heap_release(&spread[2 * i]);
    CHECK(live_count() == before && freed_count() == freed + MANY_DESCS);
    /* a start off the granule (the elements of one array) */
    CHECK(mt_heap_track(&spread[1], t_double, 1, &err) == 0 && state_heap_find(&spread[1], &ft, &fc) && fc == 1);
    CHECK(live_count() == before + 1);
    state_heap_release(&spread[1]);
    CHECK(!state_heap_find(&spread[1], &ft, &fc) && live_count() == before);
    /* an address whose descriptor has no id (in the map) tracked again
     * with one (in the table), and back: live once each time */
    CHECK(mt_heap_track(&spread[0], t_double, MANY_DESCS + 5, &err) == 0);
    CHECK(mt_heap_track(&spread[0], t_double, 1, &err) == 0);
    CHECK(live_count() == before + 1 && state_heap_find(&spread[0], &ft, &fc) && fc == 1);
    CHECK(mt_heap_track(&spread[0], t_double, MANY_DESCS + 6, &err) == 0);
    CHECK(live_count() == before + 1 && state_heap_find(&spread[0], &ft, &fc) && fc == MANY_DESCS + 6);
    mt_heap_forget(&spread[0]);
    CHECK(live_count() == before);
}

/* Threads track and free blocks of their own at once (no lock on the
 * table's fast path): every block is found, none lost. */
enum { NTHREADS = 4, PER_THREAD = 50000 };
static _Alignas(16) char arena[NTHREADS][PER_THREAD][16];

static void *churn_thread(void *arg)
{
    char (*mine)[16] = arena[(size_t)arg];
    mt_error err;
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < PER_THREAD; i++) {
            if (mt_heap_track(mine[i], t_double, 2, &err) != 0)
                return arg;
            if (i % 3 == (size_t)round)
                state_heap_release(mine[i]);
        }
    return NULL;
}

static void test_threads(void)
{
    size_t before = live_count();
    pthread_t th[NTHREADS];
    for (size_t i = 0; i < NTHREADS; i++)
        pthread_create(&th[i], NULL, churn_thread, (void *)i);
    int ok = 1;
    for (size_t i = 0; i < NTHREADS; i++) {
        void *r;
        pthread_join(th[i], &r);
        ok &= r == NULL;
    }
    /* the last round leaves two of three blocks live */
    size_t want = NTHREADS * (PER_THREAD - PER_THREAD / 3);
    CHECK(ok && live_count() == before + want);
    sum_ctx c = { arena, (char *)arena + sizeof arena, 0, 0 };
    state_lock();
    state_heap_each(sum_in, &c);
    state_unlock();
    CHECK(c.n == want && c.count == 2 * want);
    for (size_t t = 0; t < NTHREADS; t++)
        for (size_t i = 0; i < PER_THREAD; i++)
            mt_heap_forget(arena[t][i]);
    CHECK(live_count() == before);
}

/* The sites' fast path (mt_malloc_fast, mt_calloc_fast, mt_free_fast):
 * a site remembers its key only once its type is known, later calls of
 * that size store it inline, and every block (the fast path's, another
 * size's, calloc's, a size that is no whole number of elements) is
 * tracked, zeroed and freed exactly as mt_malloc and mt_free do. */
static void test_site_fast_path(void)
{
    static mt_site site = { "test_heap.c:1", 0, NULL, 0, 0 };
    static const mt_type *ty[1];  /* NULL, as a unit's type before its constructor ran */
    enum { KEY_SHIFT = MT_HEAP_KEY_SHIFT };
    size_t before = live_count(), freed = freed_count();
    const struct mt_type *ft;
    uint64_t fc;
    double *a = mt_malloc_fast(2 * sizeof(double), ty[0], &site);
    CHECK(a && site.fast_key == 0 && state_heap_find(a, &ft, &fc) && ft != t_double && fc == 2 * sizeof(double));
    ty[0] = t_double;
    double *b = mt_malloc_fast(2 * sizeof(double), ty[0], &site);
    CHECK(b && site.fast_key >> KEY_SHIFT == 2 * sizeof(double) && (site.fast_key & MT_HM_ID_MASK) != 0);
    memset(b, 0xff, 2 * sizeof(double));
    mt_free_fast(b);
    CHECK(!state_heap_find(b, &ft, &fc) && freed_count() == freed + 1);
    double *c = mt_malloc_fast(2 * sizeof(double), ty[0], &site);  /* the fast path, likely b's bytes again */
    CHECK(c && c[0] == 0 && c[1] == 0 && state_heap_find(c, &ft, &fc) && ft == t_double && fc == 2);
    double *d = mt_malloc_fast(3 * sizeof(double), ty[0], &site);
    double *e = mt_calloc_fast(4, sizeof(double), ty[0], &site);
    double *f = mt_malloc_fast(3 * sizeof(double), ty[0], &site);  /* the key of 3 now */
    char *g = mt_malloc_fast(12, ty[0], &site);
    CHECK(d && state_heap_find(d, &ft, &fc) && ft == t_double && fc == 3);
    CHECK(e && e[3] == 0 && state_heap_find(e, &ft, &fc) && ft == t_double && fc == 4);
    CHECK(f && f[2] == 0 && state_heap_find(f, &ft, &fc) && ft == t_double && fc == 3);
    CHECK(g && g[11] == 0 && state_heap_find(g, &ft, &fc) && ft != t_double && fc == 12);
    st_heap_block got;
    CHECK(state_heap_take(c, &got) && got.site == &site && got.count == 2);
    free(c);
    CHECK(live_count() == before + 5);
    mt_free_fast(a);
    mt_free_fast(d);
    mt_free_fast(e);
    mt_free_fast(f);
    mt_free_fast(g);
    mt_free_fast(NULL);
    CHECK(live_count() == before);
}

/* realloc of a block untracked code made keeps its bytes and zeroes only
 * the growth; of a tracked one, zeroes past its tracked size. */
static void test_realloc_keeps_bytes(void)
{
    char *s = strdup("hello");  /* libc's, not the wrapper's: untracked */
    char *g = mt_realloc(s, 4096, NULL, NULL);
    CHECK(g && strcmp(g, "hello") == 0 && g[4095] == 0);
    char *t = mt_malloc(4, NULL, NULL);
    memcpy(t, "abcd", 4);
    t = mt_realloc(t, 64, NULL, NULL);
    CHECK(t && memcmp(t, "abcd", 4) == 0 && t[4] == 0 && t[63] == 0);
    mt_free(g);
    mt_free(t);
}

struct holder { int a; double *p; };
static struct holder g_holder;

static void test_dangling_restore(void)
{
    mt_error err;
    mt_member m[] = { MT_MEMBER(struct holder, a, MT_CLASS_SINT, 1),
                      MT_MEMBER(struct holder, p, MT_CLASS_PTR, 1) };
    const mt_type *t_holder = mt_type_define("struct holder", sizeof(struct holder),
                                             _Alignof(struct holder), 0, m, 2, &err);
    CHECK(mt_register_global("g_holder", &g_holder, t_holder, 1, &err) == 0);
    double *d = mt_malloc(4 * sizeof *d, t_double, NULL);
    g_holder.a = 5;
    g_holder.p = d + 2;
    mt_free(d);  /* g_holder.p dangles */
    char path[] = "/tmp/mt-heap-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK(mt_save(path, &err) == 0);
    ck_image *img = restore_read_file(path, &err);
    CHECK(img && img->nfreed == 1 && img->freed[0].len >= 4 * sizeof(double));
    ck_image_free(img);
    g_holder.a = 0;
    g_holder.p = NULL;
    CHECK(mt_load(path, 0, &err) == 0);
    CHECK(g_holder.a == 5 && g_holder.p != NULL && g_holder.p != d + 2);
    /* The poison region keeps the offset into the freed block. */
    double *again = g_holder.p;
    g_holder.p = NULL;
    CHECK(mt_load(path, 0, &err) == 0 && g_holder.p == again);
    g_holder.p = NULL;
    unlink(path);
}

/* Pipelined restore (restore.h, early): a large block of numbers arrives
 * in pieces and is converted as they come; a block with pointers waits for
 * the end. Both come back exactly, and the large one was placed as
 * converted early. A stream that fails its last check leaves the program
 * untouched, whatever was converted early. */
struct early_holder { long *big; double *small; struct early_holder *self; };
static struct early_holder g_early;
enum { EARLY_LONGS = 3 * 1024 * 1024 / sizeof(long) + 5 };  /* several of the reader's 1 MB pieces */
/* element i's value, within a 32-bit long on every ABI */
static long early_value(long i)
{
    return (i % 100003) * 7919 - 3;
}

static void test_early_restore(void)
{
    mt_error err;
    mt_member m[] = { MT_MEMBER(struct early_holder, big, MT_CLASS_PTR, 1),
                      MT_MEMBER(struct early_holder, small, MT_CLASS_PTR, 1),
                      MT_MEMBER(struct early_holder, self, MT_CLASS_PTR, 1) };
    const mt_type *t_holder = mt_type_define("struct early_holder", sizeof(struct early_holder),
                                             _Alignof(struct early_holder), 0, m, 3, &err);
    const mt_type *t_long = mt_type_scalar("long", MT_CLASS_SINT, sizeof(long), _Alignof(long));
    CHECK(mt_register_global("g_early", &g_early, t_holder, 1, &err) == 0);
    g_early.big = mt_malloc(EARLY_LONGS * sizeof(long), t_long, NULL);
    g_early.small = mt_malloc(3 * sizeof(double), t_double, NULL);
    g_early.self = mt_malloc(sizeof(struct early_holder), t_holder, NULL);
    for (long i = 0; i < EARLY_LONGS; i++)
        g_early.big[i] = early_value(i);
    g_early.small[2] = 2.5;
    *g_early.self = (struct early_holder){ g_early.big + 1, NULL, g_early.self };
    char path[] = "/tmp/mt-early-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && close(fd) == 0 && mt_save(path, &err) == 0);
    struct early_holder old = g_early;  /* the writer's blocks, freed once restored */
    long *old_big = old.big;
    restore_early *e = restore_early_new(0);
    ck_read_hooks hooks = { .part = restore_early_part, .block = restore_early_block, .ctx = e };
    ck_image *img = in_read_restore_with(path, &hooks, &err);
    CHECK(img != NULL && restore_image_early(img, e, 0, &err) == 0);
    CHECK(restore_early_taken(e) >= 2);  /* big and small: numbers only */
    restore_early_free(e);
    ck_image_free(img);
    int same = g_early.big != old_big;
    for (long i = 0; same && i < EARLY_LONGS; i++)
        same = g_early.big[i] == early_value(i);
    CHECK(same && g_early.small[2] == 2.5);
    CHECK(g_early.self->big == g_early.big + 1 && g_early.self->self == g_early.self);
    mt_free(old.big);
    mt_free(old.small);
    mt_free(old.self);
    /* the END record's checksum broken: nothing of it reaches the program */
    struct early_holder before = g_early;
    FILE *f = fopen(path, "r+b");
    CHECK(f && fseek(f, -1, SEEK_END) == 0);
    int c = fgetc(f);
    CHECK(fseek(f, -1, SEEK_END) == 0 && fputc(c ^ 0x40, f) != EOF && fclose(f) == 0);
    e = restore_early_new(0);
    hooks.ctx = e;
    CHECK(in_read_restore_with(path, &hooks, &err) == NULL && strstr(err.msg, "checksum"));
    restore_early_free(e);
    CHECK(memcmp(&before, &g_early, sizeof before) == 0 && g_early.big[EARLY_LONGS - 1] == early_value(EARLY_LONGS - 1));
    unlink(path);
}

/* A FREED record with the given ranges, read back. */
static ck_image *with_freed(const ck_range *r, uint64_t n, int twice, mt_error *err)
{
    st_stream s;
    ck_writer w;
    uint32_t ntypes;
    const struct mt_type *const *types = types_local(&ntypes);
    st_init_mem_writer(&s);
    ck_write_header(&w, &s, 42, err);
    ck_write_types(&w, types, ntypes);
    ck_write_freed(&w, r, n);
    if (twice)
        ck_write_freed(&w, r, n);
    ck_write_end(&w);
    size_t len;
    uint8_t *buf = st_mem_take(&s, &len);
    st_stream in;
    st_init_mem_reader(&in, buf, len);
    ck_image *img = ck_read(&in, err);
    free(buf);
    return img;
}

static void test_freed_records(void)
{
    mt_error err;
    ck_range good[] = { { 0x1000, 16 }, { 0x2000, 8 } };
    ck_image *img = with_freed(good, 2, 0, &err);
    CHECK(img && img->nfreed == 2 && img->freed[1].start == 0x2000 && img->freed[1].len == 8);
    ck_image_free(img);
    ck_range unordered[] = { { 0x2000, 8 }, { 0x1000, 16 } };
    CHECK(with_freed(unordered, 2, 0, &err) == NULL && strstr(err.msg, "freed range out of order"));
    ck_range overlapping[] = { { 0x1000, 0x20 }, { 0x1010, 8 } };
    CHECK(with_freed(overlapping, 2, 0, &err) == NULL && strstr(err.msg, "freed range out of order"));
    ck_range empty[] = { { 0x1000, 0 } };
    CHECK(with_freed(empty, 1, 0, &err) == NULL && strstr(err.msg, "corrupt checkpoint"));
    ck_range wraps[] = { { UINT64_MAX - 4, 16 } };
    CHECK(with_freed(wraps, 1, 0, &err) == NULL && strstr(err.msg, "address space"));
    CHECK(with_freed(good, 2, 1, &err) == NULL && strstr(err.msg, "a second table of freed ranges"));
}

/* A sweep clears the freed entries of the generation it is given, a
 * word of entries at a time, and only those: entries of the other
 * generation, live entries and empty ones in the same words stay, and
 * the live ones are counted (against the rest of the table, counted by a
 * sweep just before). Last: it sweeps the whole table. */
static void test_sweep_words(void)
{
    enum { N = 16 };
    static _Alignas(64) char area[N * 16];
    const uint16_t old_gen = HM_FREED | HM_GEN;
    static const uint16_t pattern[N] = {
        5, HM_FREED | 5, HM_FREED | HM_GEN | 6, 0,
        HM_FREED | HM_GEN | 7, HM_FREED | HM_GEN | 7, HM_FREED | HM_GEN | 7, HM_FREED | HM_GEN | 7,
        1, 2, 3, HM_FREED | 8,
        0, 0, 0, HM_FREED | HM_GEN | 9,
    };
    uint16_t *e[N];
    int ok = 1;
    for (int i = 0; i < N; i++)
        ok &= (e[i] = hm_slot_make(area + ((size_t)i << MT_HM_GRANULE_LOG2))) != NULL;
    CHECK(ok);
    if (!ok)
        return;
    size_t base = hm_sweep(HM_FREED | HM_GEN, old_gen);
    for (int i = 0; i < N; i++)
        hm_store(e[i], pattern[i]);
    size_t live = hm_sweep(HM_FREED | HM_GEN, old_gen);
    for (int i = 0; i < N; i++)
        ok &= hm_load(e[i]) == ((pattern[i] & (HM_FREED | HM_GEN)) == old_gen ? 0 : pattern[i]);
    CHECK(ok && live == base + 4);
    for (int i = 0; i < N; i++)
        hm_store(e[i], 0);
}

int main(void)
{
    t_double = mt_type_scalar("double", MT_CLASS_FLOAT, sizeof(double), _Alignof(double));
    mt_set_program_id(7);
    test_blockmap();
    test_blockmap_random();
    test_freed_window();
    test_site_fast_path();  /* before test_shadow_and_side uses the ids up */
    test_shadow_and_side();
    test_threads();
    test_realloc_keeps_bytes();
    test_dangling_restore();
    test_freed_records();
    test_early_restore();
    test_sweep_words();
    return check_done("heap");
}
