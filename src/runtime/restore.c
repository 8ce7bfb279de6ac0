/* restore.c: loading a checkpoint into the running program.
 *
 * The seeds' restore order: validate the whole image; give every old block
 * a new home (globals where they are now, heap blocks freshly allocated);
 * convert every block with its plan, translating pointers through the map
 * of old address ranges; and only when all of that succeeded, copy the
 * globals into place and track the new heap blocks. A failure leaves the
 * program untouched. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "ckpt_chain.h"
#include "convert.h"
#include "error.h"
#include "flex.h"
#include "frames.h"
#include "homes.h"
#include "input.h"
#include "migthread-gen.h"
#include "poison.h"
#include "restore.h"
#include "state.h"
#include "threads.h"
#include "unions.h"

/* Small heap blocks placed as their BLOCKS record arrived, by runs: the
 * address map of blocks whose old addresses and new homes are each a
 * fixed stride apart (malloc gives one block after another at a fixed
 * stride), with what the blocks share. The image keeps no record of
 * them, and the loader no home per block: a million blocks of a list
 * take a few of these. */
typedef struct run {
    uint64_t old_start, old_stride;  /* the first block's old address; the distance to the next */
    uint8_t *new_base;               /* the first block's home */
    int64_t new_stride;              /* the distance to the next block's home */
    uint64_t n;                      /* blocks */
    uint64_t count, len;             /* each block's elements, and bytes in the writer */
    uint64_t aux;                    /* the blocks' allocation site flags */
    const struct mt_site *site;      /* their allocation site, or NULL */
    uint32_t type, record;
    uint8_t pending;                 /* the homes hold the writer's bytes: converted by the loader */
    uint8_t open;                    /* the last of its record so far: the next block may join */
} run;

/* One old block and its new home. */
typedef struct home {
    uint64_t old_start, old_end;   /* [start, end) in the writer */
    const ck_block *block;
    uint8_t *new_addr;             /* final address (global or heap) */
    uint8_t *stage;                /* where conversion writes */
    const cv_plan *plan;
    int converted;                 /* early, as it arrived: only placed now */
} home;

typedef struct loader {
    const ck_image *img;
    home *homes;                   /* sorted by old_start */
    uint64_t nhomes;
    cv_plan **plans;               /* per writer type, compiled on demand */
    const struct mt_type **locals; /* per writer type, its local type (plan_for): looked up once */
    uint64_t *fn_old;              /* writer's function addresses, sorted */
    const ck_func **fn_sorted;
    mt_error *err;
    uint32_t thread;               /* whose blocks are being placed */
    restore_early *early;          /* blocks converted as they arrived, or NULL */
    const home *near;              /* the home the last pointer was found in: a hint */
    run *runs;                     /* the early blocks' runs, sorted by old_start */
    uint64_t nruns;
    uint64_t run_near;             /* the run the last pointer was found in: a hint */
    home run_hit;                  /* a block of a run found by home_of, as a home */
    ck_block run_block;            /* ... and its record */
} loader;

/* The address of block k of run r. */
static uint8_t *run_addr(const run *r, uint64_t k)
{
    return (uint8_t *)((uintptr_t)r->new_base + (uintptr_t)((int64_t)k * r->new_stride));
}

/* The distance between a run's blocks in the writer (a lone block: its length). */
static uint64_t run_stride(const run *r)
{
    return r->n > 1 ? r->old_stride : r->len;
}

static uint64_t run_end(const run *r)
{
    return r->old_start + (r->n - 1) * run_stride(r) + r->len;
}

/* Blocks converted while the stream still arrives (restore.h): their
 * bytes, by block index, until a home takes them; and the block record
 * arriving now, converted element by element as its bytes come. */
struct restore_early {
    unsigned flags;
    int drop;                      /* the reader may free a block's bytes once converted here */
    int off;                       /* nothing more early: another program's checkpoint, no memory */
    cv_plan **plans;               /* per writer type, handed to the loader */
    uint32_t nplans;
    uint8_t **stage;               /* per block index: its converted bytes, or NULL */
    uint8_t *reserved;             /* per block index: stage is a zeroed home, not yet converted */
    uint64_t nstage;
    uint64_t taken;                /* blocks the loader placed as converted here */
    int cur_state;                 /* the record arriving: CUR_* */
    ck_block cur_block;            /* its header */
    const cv_plan *cur_plan;
    uint8_t *cur;                  /* its converted elements so far */
    uint64_t cur_off, cur_done;    /* where its data starts; elements converted */
    size_t cur_ssz, cur_dsz;       /* an element's size in the writer, here */
    run *runs;                     /* blocks of BLOCKS records placed as they came */
    uint64_t nruns, runs_cap, run_blocks;
    const cv_plan *run_plan;       /* the record arriving: its plan, local type, site */
    const struct mt_type *run_local;
    const struct mt_site *run_site;
    int run_self;                  /* its plan needs nothing beyond a block's own bytes */
    int failed;                    /* a block placed early did not convert: err says why */
    mt_error err;
    uint64_t ahead;                /* blocks placed ahead (a parent read ahead) now this image's */
    int ahead_mode;                /* an image read ahead: only blocks a DELTA can name are placed */
};
enum { CUR_HEADER, CUR_CONVERTING, CUR_NOT_EARLY };

/* Names a block for messages: a global by its name, a frame or pinned
 * record by its type ("frame f.c:g", whose members are g's locals), a heap
 * block by its type and old address. */
static const char *describe(const ck_image *img, const ck_block *b, char *buf, size_t cap)
{
    static const char *roles[] = { "?", "global", "heap block", "frame", "pinned locals", "thread",
                                   "thread-local" };
    const char *tname = b->type < img->ntypes ? img->types[b->type]->name : "?";
    if (b->role == CK_ROLE_GLOBAL || b->role == CK_ROLE_TLS)
        snprintf(buf, cap, "%s %s", roles[b->role], b->name);
    else if (b->role == CK_ROLE_HEAP && b->name[0])  /* its allocation site */
        snprintf(buf, cap, "heap block allocated at %s (0x%llx, record %u)", b->name,
                 (unsigned long long)b->old_addr, b->record);
    else if (b->role == CK_ROLE_FRAME || b->role == CK_ROLE_PIN)
        snprintf(buf, cap, "%s, record %u", tname, b->record);
    else
        snprintf(buf, cap, "%s of %s at 0x%llx, record %u", roles[b->role], tname,
                 (unsigned long long)b->old_addr, b->record);
    return buf;
}

/* The name mt_register_global_bytes gives an opaque global's type. */
#define RAW_PREFIX "raw "

static const cv_plan *plan_for(loader *ld, uint32_t type_index)
{
    if (ld->plans[type_index])
        return ld->plans[type_index];
    const struct mt_type *src = ld->img->types[type_index];
    const struct mt_type *dst = types_local_find(src->id);
    if (!dst && strncmp(src->name, RAW_PREFIX, strlen(RAW_PREFIX)) != 0)
        dst = flex_local_match(src);  /* a flexible block of a length this run has not made */
    if (!dst && strncmp(src->name, RAW_PREFIX, strlen(RAW_PREFIX)) == 0) {
        /* an opaque global's type is its name and byte count */
        mt_fail(ld->err, MT_ETYPE, "%u raw bytes of a type mtcc cannot describe have another size in this program",
                src->size);
        return NULL;
    }
    if (!dst) {
        mt_fail(ld->err, MT_ETYPE, "type %s of the checkpoint does not exist in this program", src->name);
        return NULL;
    }
    ld->plans[type_index] = cv_plan_compile(src, &ld->img->arch, dst, ld->err);
    ld->locals[type_index] = types_local_find(src->id);
    return ld->plans[type_index];
}

/* ---- Homes ------------------------------------------------------------------- */

/* An untyped heap block that mtcc saw used as a type with multi-byte
 * numbers: its bytes are right only where the writer's ABI is this one. */
static int untyped_numbers(const ck_image *img, const ck_block *b, const struct mt_type *local)
{
    return (b->aux & MT_SITE_NUMBERS) && flex_untyped(local) && !arch_equal(&img->arch, arch_local());
}

/* The home of block b placed as it arrived, now the caller's, NULL when
 * none; *converted says whether it holds b's converted bytes (else it is
 * a zeroed home kept for b in the writer's order). */
static uint8_t *take_early(loader *ld, const ck_block *b, int *converted)
{
    uint64_t i = (uint64_t)(b - ld->img->blocks);
    *converted = 0;
    if (!ld->early || i >= ld->early->nstage)
        return NULL;
    uint8_t *stage = ld->early->stage[i];
    ld->early->stage[i] = NULL;
    *converted = stage && !ld->early->reserved[i];
    ld->early->taken += *converted;
    return stage;
}

/* The bytes of an opaque global (a bit-field, an unnamed member: mtcc
 * saves it as raw bytes) mean something else under the other byte order;
 * a constant's bytes are never written, only its address maps. */
static int raw_elsewhere(const loader *ld, const ck_block *b)
{
    const struct mt_type *src = ld->img->types[b->type];
    if (ld->img->arch.byte_order == arch_local()->byte_order ||  /* first: a block's cost, a million times */
        strncmp(src->name, RAW_PREFIX, strlen(RAW_PREFIX)) != 0 || (b->role == CK_ROLE_GLOBAL && b->aux))
        return 0;
    return mt_fail(ld->err, MT_ETYPE, "%u raw bytes of a type mtcc cannot describe cannot be read under another byte order",
                   src->size);
}

static int find_home(loader *ld, const ck_block *b, home *h)
{
    char what[200];
    h->block = b;
    h->old_start = b->old_addr;
    h->old_end = b->old_addr + b->len;
    if (!(h->plan = plan_for(ld, b->type)) || raw_elsewhere(ld, b) < 0) {
        mt_error_context(ld->err, "%s", describe(ld->img, b, what, sizeof what));
        return -1;
    }
    const struct mt_type *local = ld->locals[b->type];
    uint64_t bytes = b->count * local->size;
    if (b->role == CK_ROLE_GLOBAL) {
        const st_global *g = state_find_global(b->key);
        if (!g || g->type != local || g->count != b->count || g->constant != (b->aux != 0))
            return mt_fail(ld->err, MT_ETYPE, "%s of the checkpoint does not match this program",
                           describe(ld->img, b, what, sizeof what));
        h->new_addr = g->addr;
        if (g->constant)
            return 0;  /* identity only: its address maps, its bytes stay */
        h->stage = take_early(ld, b, &h->converted);  /* placed ahead (a parent read ahead), copied in at commit */
        if (!h->stage)
            h->stage = calloc(1, bytes);
    } else if (b->role == CK_ROLE_HEAP) {
        if (!homes_align_ok(b->key))
            return mt_fail(ld->err, MT_EFORMAT, "corrupt checkpoint: %s asks for an alignment of %llu bytes",
                           describe(ld->img, b, what, sizeof what), (unsigned long long)b->key);
        if (untyped_numbers(ld->img, b, local))
            return mt_fail(ld->err, MT_ETYPE, "%s is untyped and used as a type with numbers of more than one "
                           "byte, which cannot be converted between these ABIs (type the allocation)",
                           describe(ld->img, b, what, sizeof what));
        /* in the writer's order: a home kept as the block arrived, or the
         * next above the last (the image holds the heap in address order) */
        h->new_addr = h->stage = take_early(ld, b, &h->converted);
        if (!h->stage && bytes <= SIZE_MAX)  /* a 32-bit reader: no home of more than it can address */
            h->new_addr = h->stage = homes_alloc((size_t)bytes, 1, b->key);
    } else if (b->count != 1) {
        return mt_fail(ld->err, MT_EFORMAT, "corrupt checkpoint: %s holds %llu records",
                       describe(ld->img, b, what, sizeof what), (unsigned long long)b->count);
    } else if (b->role == CK_ROLE_THREAD) {
        if (local != th_record_type())
            return mt_fail(ld->err, MT_EFORMAT, "corrupt checkpoint: %s", describe(ld->img, b, what, sizeof what));
        ld->thread = (uint32_t)b->key;
        h->new_addr = h->stage = calloc(1, bytes);
    } else if (b->role == CK_ROLE_TLS) {
        if (!(h->new_addr = th_restore_tls(ld->thread, b->key, local, b->count)))
            return mt_fail(ld->err, MT_ETYPE, "%s of the checkpoint does not match this program",
                           describe(ld->img, b, what, sizeof what));
        h->stage = calloc(1, bytes);
    } else {
        frames_thread *ft = th_restore_frames(ld->thread);
        if (!ft)
            return mt_fail(ld->err, MT_EFORMAT, "corrupt checkpoint: %s of thread %u, which it does not hold",
                           describe(ld->img, b, what, sizeof what), ld->thread);
        if (b->role == CK_ROLE_PIN) {
            h->new_addr = h->stage = frames_new_pin(ft, local);
        } else {
            if (!frames_info_by_id(b->key))
                return mt_fail(ld->err, MT_EPROGRAM, "%s belongs to a function this program does not have",
                               describe(ld->img, b, what, sizeof what));
            h->new_addr = h->stage = frames_new_frame(ft, b->key, b->aux, local);
        }
    }
    if (!h->stage)
        return mt_fail(ld->err, MT_ENOMEM, "out of memory for %s (%llu bytes)",
                       describe(ld->img, b, what, sizeof what), (unsigned long long)bytes);
    return 0;
}

static int by_old_start(const void *a, const void *b)
{
    const home *x = a, *y = b;
    return x->old_start < y->old_start ? -1 : x->old_start > y->old_start;
}

/* Sorts the homes by old address. The writer writes the heap in address
 * order, between the globals and the threads' blocks: the longest
 * ascending run is nearly all of them. The others are sorted apart and
 * merged in, in one pass and without a copy of the whole array (qsort's
 * merge sort makes one); many out of order, and qsort does it all. */
static int sort_homes(loader *ld)
{
    home *h = ld->homes;
    uint64_t n = ld->nhomes, best = 0, best_len = n ? 1 : 0;
    for (uint64_t i = 0, start = 0; i < n; i++) {
        if (i > 0 && h[i - 1].old_start > h[i].old_start)
            start = i;
        if (i + 1 - start > best_len) {
            best = start;
            best_len = i + 1 - start;
        }
    }
    uint64_t m = n - best_len;
    if (m == 0)
        return 0;
    if (m > n / 8) {
        qsort(h, n, sizeof *h, by_old_start);
        return 0;
    }
    home *rest = malloc(m * sizeof *rest);
    if (!rest)
        return -1;
    memcpy(rest, h, best * sizeof *h);
    memcpy(rest + best, h + best + best_len, (m - best) * sizeof *h);
    qsort(rest, m, sizeof *rest, by_old_start);
    memmove(h + m, h + best, best_len * sizeof *h);  /* the run at the end */
    /* forward merge: the write index never passes the run's read index */
    uint64_t i = 0, j = m, k = 0;
    while (i < m && j < n)
        h[k++] = rest[i].old_start <= h[j].old_start ? rest[i++] : h[j++];
    while (i < m)
        h[k++] = rest[i++];
    free(rest);
    return 0;
}

static int place_blocks(loader *ld)
{
    const ck_image *img = ld->img;
    ld->homes = calloc(img->nblocks ? img->nblocks : 1, sizeof *ld->homes);
    if (!ld->homes)
        return mt_fail(ld->err, MT_ENOMEM, "out of memory placing blocks");
    ld->thread = 1;  /* blocks before any THREAD block are the main thread's */
    for (uint64_t i = 0; i < img->nblocks; i++) {
        ld->nhomes = i + 1;
        if (find_home(ld, &img->blocks[i], &ld->homes[i]) < 0)
            return -1;
    }
    if (sort_homes(ld) < 0)
        return mt_fail(ld->err, MT_ENOMEM, "out of memory placing blocks");
    for (uint64_t i = 1; i < ld->nhomes; i++)
        if (ld->homes[i].old_start < ld->homes[i - 1].old_end)
            return mt_fail(ld->err, MT_EFORMAT, "corrupt checkpoint: blocks of records %u and %u overlap",
                           ld->homes[i - 1].block->record, ld->homes[i].block->record);
    return 0;
}

static int by_run_start(const void *a, const void *b)
{
    const run *x = a, *y = b;
    return x->old_start < y->old_start ? -1 : x->old_start > y->old_start;
}

/* The records of a run and a home (or another run) whose ranges cross,
 * the runs taken as the span from their first block to their last: 0
 * when none do. */
static int spans_cross(const loader *ld, uint32_t *rec_a, uint32_t *rec_b)
{
    uint64_t i = 0, j = 0, prev_end = 0;
    uint32_t prev_rec = 0;
    while (i < ld->nruns || j < ld->nhomes) {
        int take_run = j == ld->nhomes || (i < ld->nruns && ld->runs[i].old_start < ld->homes[j].old_start);
        uint64_t start = take_run ? ld->runs[i].old_start : ld->homes[j].old_start;
        uint64_t end = take_run ? run_end(&ld->runs[i]) : ld->homes[j].old_end;
        uint32_t rec = take_run ? ld->runs[i].record : ld->homes[j].block->record;
        if ((i || j) && start < prev_end) {
            *rec_a = prev_rec;
            *rec_b = rec;
            return 1;
        }
        prev_end = end;
        prev_rec = rec;
        i += take_run;
        j += !take_run;
    }
    return 0;
}

/* Every run of more than one block split into runs of one: a run's span
 * holds the gaps between its blocks, where the writer may have had other
 * blocks (its heap is written nearly in address order). */
static int runs_split(loader *ld)
{
    restore_early *e = ld->early;
    run *one = malloc((e->run_blocks ? e->run_blocks : 1) * sizeof *one);
    if (!one)
        return -1;
    uint64_t n = 0;
    for (uint64_t i = 0; i < e->nruns; i++)
        for (uint64_t k = 0; k < e->runs[i].n; k++) {
            one[n] = e->runs[i];
            one[n].old_start = e->runs[i].old_start + k * run_stride(&e->runs[i]);
            one[n].new_base = run_addr(&e->runs[i], k);
            one[n].n = 1;
            one[n++].old_stride = 0;
        }
    free(e->runs);
    e->runs = ld->runs = one;
    e->nruns = e->runs_cap = ld->nruns = n;
    qsort(ld->runs, ld->nruns, sizeof *ld->runs, by_run_start);
    return 0;
}

/* The runs sorted by old address, none crossing another or a home: when
 * spans cross, the runs are split into their blocks and checked again. */
static int place_runs(loader *ld)
{
    if (!ld->nruns)
        return 0;
    qsort(ld->runs, ld->nruns, sizeof *ld->runs, by_run_start);
    uint32_t a, b;
    if (!spans_cross(ld, &a, &b))
        return 0;
    if (ld->nruns < ld->early->run_blocks && runs_split(ld) < 0)
        return mt_fail(ld->err, MT_ENOMEM, "out of memory placing blocks");
    if (spans_cross(ld, &a, &b))
        return mt_fail(ld->err, MT_EFORMAT, "corrupt checkpoint: blocks of records %u and %u overlap", a, b);
    return 0;
}

/* ---- The order of heap blocks ---------------------------------------------------- */

/* The heap's homes and runs in the writer's address order, walked
 * together (a run's span holds no home: place_runs). */
typedef struct heap_walk {
    uint64_t run, home;  /* the next of each */
} heap_walk;

/* The next heap item: 1 and *is_run, or 0 at the end. */
static int walk_next(const loader *ld, heap_walk *w, int *is_run)
{
    while (w->home < ld->nhomes && ld->homes[w->home].block->role != CK_ROLE_HEAP)
        w->home++;
    if (w->run == ld->nruns && w->home == ld->nhomes)
        return 0;
    *is_run = w->home == ld->nhomes ||
              (w->run < ld->nruns && ld->runs[w->run].old_start < ld->homes[w->home].old_start);
    return 1;
}

/* Where the order of the homes first breaks: the walk stops at the item
 * whose lowest home is not above the highest home before it (or a run
 * whose homes descend), *floor the highest home before it. 0 when none. */
static int order_breaks(const loader *ld, heap_walk *w, uintptr_t *floor)
{
    uintptr_t prev = 0;
    int is_run;
    while (walk_next(ld, w, &is_run)) {
        uintptr_t lo, hi;
        if (is_run) {
            const run *r = &ld->runs[w->run];
            lo = (uintptr_t)run_addr(r, 0);
            hi = (uintptr_t)run_addr(r, r->n - 1);
            if (hi < lo)
                break;
        } else {
            lo = hi = (uintptr_t)ld->homes[w->home].new_addr;
        }
        if (lo <= prev)
            break;
        prev = hi;
        w->run += is_run;
        w->home += !is_run;
    }
    *floor = prev;
    return w->run < ld->nruns || w->home < ld->nhomes;
}

/* The runs being made again, in order, in room made for them all. */
typedef struct run_list {
    run *v;
    uint64_t n, cap;
} run_list;

static void runs_add(run_list *l, const run *r)
{
    if (l->n < l->cap)
        l->v[l->n++] = *r;
}

static uint64_t moved_for_order;
static int order_lost;

uint64_t restore_moved_for_order(void)
{
    return moved_for_order;
}

int restore_order_kept(void)
{
    return !order_lost;
}

/* Moves bytes of a heap home to a new one above the last; NULL when none. */
static uint8_t *move_home(uint8_t *old, size_t bytes, size_t align)
{
    uint8_t *now = homes_alloc(bytes, 0, align);
    if (now) {
        memcpy(now, old, bytes);
        free(old);
        moved_for_order++;
    }
    return now;
}

/* Run r's blocks given new homes in order, as runs of blocks a fixed
 * stride apart added to l (room for them is the caller's: one more than
 * r's blocks at most). 0; -1 when a home is missing: the blocks not moved
 * go into l as they lie (every value is still restored, not the order). */
static int rehome_run(loader *ld, const run *r, run_list *l)
{
    size_t bytes = (size_t)r->count * ld->locals[r->type]->size;
    run piece = *r;
    piece.n = 0;
    for (uint64_t k = 0; k < r->n; k++) {
        uint8_t *now = move_home(run_addr(r, k), bytes, r->site ? r->site->align : 0);
        int joins = now && (piece.n == 1 || (piece.n > 1 && now == run_addr(&piece, piece.n)));
        if (piece.n && !joins) {
            runs_add(l, &piece);
            piece.n = 0;
        }
        piece.old_start = piece.n ? piece.old_start : r->old_start + k * run_stride(r);
        if (!now) {
            piece.new_base = run_addr(r, k);
            piece.new_stride = r->new_stride;
            piece.n = r->n - k;
            runs_add(l, &piece);
            return -1;
        }
        if (piece.n == 0)
            piece.new_base = now;
        else if (piece.n == 1)
            piece.new_stride = (int64_t)(now - piece.new_base);
        piece.n++;
    }
    runs_add(l, &piece);
    return 0;
}

/* Room for every run split into its blocks, and one more: runs_add never
 * fails into it. */
static int runs_room(const loader *ld, run_list *l)
{
    uint64_t blocks = 0;
    for (uint64_t i = 0; i < ld->nruns; i++)
        blocks += ld->runs[i].n;
    *l = (run_list){ malloc((blocks + 1) * sizeof *l->v), 0, blocks + 1 };
    return l->v ? 0 : -1;
}

/* l becomes the runs, in place of the early ones. */
static void runs_replace(loader *ld, run_list *l)
{
    if (ld->early) {
        free(ld->early->runs);
        ld->early->runs = l->v;
        ld->early->nruns = l->n;
        ld->early->runs_cap = l->cap;
    } else {
        free(l->v);
    }
    ld->runs = ld->early ? l->v : NULL;
    ld->nruns = ld->early ? l->n : 0;
    ld->run_near = 0;
}

static int move_heap_home(loader *ld, home *h)
{
    uint8_t *now = move_home(h->new_addr, (size_t)(h->block->count * ld->locals[h->block->type]->size),
                             (size_t)h->block->key);
    if (now)
        h->new_addr = h->stage = now;
    return now ? 0 : -1;  /* the rest stays where it lies */
}

/* Every block from where the order breaks (w) moved above the last one
 * in order (floor), in the writer's order. */
static void rehome_up(loader *ld, heap_walk w, uintptr_t floor, run_list *l)
{
    for (uint64_t i = 0; i < w.run; i++)
        runs_add(l, &ld->runs[i]);
    homes_floor((const void *)floor);
    int is_run;
    while (!order_lost && walk_next(ld, &w, &is_run))
        order_lost = is_run ? rehome_run(ld, &ld->runs[w.run++], l) < 0 : move_heap_home(ld, &ld->homes[w.home++]) < 0;
    for (uint64_t i = w.run; i < ld->nruns; i++)  /* after a failure: as they lie */
        runs_add(l, &ld->runs[i]);
}

/* rehome_run from the last block down, each home below the one after it;
 * the pieces go into rev from the highest, the blocks not moved after a
 * failure last. */
static int rehome_run_down(loader *ld, const run *r, run_list *rev)
{
    size_t bytes = (size_t)r->count * ld->locals[r->type]->size;
    run piece = *r;
    piece.n = 0;
    for (uint64_t k = r->n; k-- > 0;) {
        uint8_t *now = move_home(run_addr(r, k), bytes, r->site ? r->site->align : 0);
        int joins = now && (piece.n == 1 || (piece.n > 1 && now == run_addr(&piece, 0) - piece.new_stride));
        if (piece.n && !joins) {
            runs_add(rev, &piece);
            piece.n = 0;
        }
        if (!now) {
            piece = *r;
            piece.n = k + 1;
            runs_add(rev, &piece);
            return -1;
        }
        if (piece.n == 1)
            piece.new_stride = (int64_t)(piece.new_base - now);
        piece.new_base = now;
        piece.old_start = r->old_start + k * run_stride(r);
        piece.n++;
    }
    runs_add(rev, &piece);
    return 0;
}

/* Where malloc gives no rising addresses (homes.c): every heap block
 * moved, from the writer's last down, each below the one after it. */
static void rehome_down(loader *ld, run_list *l)
{
    run_list rev;
    if (runs_room(ld, &rev) < 0) {
        order_lost = 1;
        for (uint64_t i = 0; i < ld->nruns; i++)
            runs_add(l, &ld->runs[i]);
        return;
    }
    homes_ceiling((const void *)UINTPTR_MAX);
    uint64_t ri = ld->nruns, hi = ld->nhomes;
    while (!order_lost) {
        while (hi > 0 && ld->homes[hi - 1].block->role != CK_ROLE_HEAP)
            hi--;
        if (ri == 0 && hi == 0)
            break;
        int is_run = hi == 0 || (ri > 0 && ld->runs[ri - 1].old_start > ld->homes[hi - 1].old_start);
        order_lost = is_run ? rehome_run_down(ld, &ld->runs[--ri], &rev) < 0 : move_heap_home(ld, &ld->homes[--hi]) < 0;
    }
    for (uint64_t i = 0; i < ri; i++)  /* not reached: as they lie */
        runs_add(l, &ld->runs[i]);
    while (rev.n > 0)
        runs_add(l, &rev.v[--rev.n]);
    free(rev.v);
}

/* A program may compare its blocks' addresses: every heap block's home
 * must lie in the writer's order. The homes are asked for in that order
 * (homes.c), so this is most often a check; where the order breaks (a
 * block placed late, a chain's blocks placed ahead), every block from
 * there on moves to a new home above the last one in order. Where malloc
 * gives no rising addresses (homes.c gave up), every block moves, from
 * the last down. If that fails too, the blocks stay where they lie, and
 * restore_order_kept says so. */
static int keep_order(loader *ld)
{
    heap_walk w = { 0, 0 };
    uintptr_t floor;
    moved_for_order = 0;
    order_lost = 0;
    if (!order_breaks(ld, &w, &floor))
        return 0;
    run_list l;
    if (runs_room(ld, &l) < 0)
        return mt_fail(ld->err, MT_ENOMEM, "out of memory keeping the order of heap blocks");
    if (!homes_gave_up()) {
        rehome_up(ld, w, floor, &l);
        runs_replace(ld, &l);
        if (!homes_gave_up())
            return 0;  /* in order, or out of memory: order_lost says which */
        if (runs_room(ld, &l) < 0) {
            order_lost = 1;
            return 0;
        }
    }
    order_lost = 0;
    rehome_down(ld, &l);
    runs_replace(ld, &l);
    return 0;
}

/* ---- Pointer translation ------------------------------------------------------- */

/* The home whose range holds addr, one past the end included; a block
 * that starts at addr wins over one that ends there. */
static const home *home_in(loader *ld, uint64_t addr)
{
    /* a list's or a tree's next node is most often the next block (the
     * last one looked for, or the one after it): tried before the search */
    const home *near = ld->near;
    for (int k = 0; near && k < 2 && near < ld->homes + ld->nhomes; k++, near++)
        if (addr >= near->old_start && addr < near->old_end) {
            ld->near = near;
            return near;
        }
    uint64_t lo = 0, hi = ld->nhomes;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ld->homes[mid].old_start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const home *h = &ld->homes[lo - 1];
    if (addr > h->old_end)
        return NULL;
    ld->near = h;
    return h;
}

/* Block k of run r as the loader's run_hit: the home of one block. */
static const home *run_as_home(loader *ld, const run *r, uint64_t k)
{
    const cv_plan *plan = ld->plans[r->type];  /* compiled: take_runs */
    ld->run_block = (ck_block){ .role = CK_ROLE_HEAP, .type = r->type, .record = r->record, .aux = r->aux,
                                .old_addr = r->old_start + k * run_stride(r), .count = r->count, .len = r->len,
                                .name = (char *)(r->site ? r->site->where : "") };
    ld->run_hit = (home){ .old_start = ld->run_block.old_addr, .old_end = ld->run_block.old_addr + r->len,
                          .block = &ld->run_block, .new_addr = run_addr(r, k), .plan = plan, .converted = 1 };
    return &ld->run_hit;
}

/* The block of a run whose range holds addr, one past the end included,
 * as home_of's; the run of the last hit is tried first. */
static const home *run_home_of(loader *ld, uint64_t addr)
{
    uint64_t i = ld->run_near;
    if (!(i < ld->nruns && addr >= ld->runs[i].old_start && (i + 1 == ld->nruns || addr < ld->runs[i + 1].old_start))) {
        uint64_t lo = 0, hi = ld->nruns;
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (ld->runs[mid].old_start <= addr)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0)
            return NULL;
        i = lo - 1;
    }
    const run *r = &ld->runs[i];
    uint64_t rel = addr - r->old_start, stride = run_stride(r), k = rel / stride;
    if (k >= r->n)
        k = r->n - 1;
    if (rel - k * stride > r->len)
        return NULL;  /* past the last block, or between two */
    ld->run_near = i;
    return run_as_home(ld, r, k);
}

/* The block whose range holds addr, one past the end included; a block
 * that starts at addr wins over one that ends there. */
static const home *home_of(loader *ld, uint64_t addr)
{
    /* inside a block of the run of the last hit: no home can start
     * there (the blocks do not overlap, place_runs) */
    const run *last = ld->run_near < ld->nruns ? &ld->runs[ld->run_near] : NULL;
    if (last && addr >= last->old_start) {
        uint64_t stride = run_stride(last), k = (addr - last->old_start) / stride;
        if (k < last->n && addr - last->old_start - k * stride < last->len)
            return run_as_home(ld, last, k);
    }
    const home *h = home_in(ld, addr);
    if (!ld->nruns || (h && addr < h->old_end))
        return h;
    const home *r = run_home_of(ld, addr);
    return r && (addr < r->old_end || !h) ? r : h;
}

/* No mapping lives below this on Linux (vm.mmap_min_addr): a pointer
 * slot holding less holds a number, as in pthread_create(..., (void *)i). */
#define LOWEST_MAPPING 65536

/* A pointer into a range the writer had freed dangles: it goes to the
 * poison region, anything else unknown is refused. */
static int translate_freed(const loader *ld, uint64_t old, uint64_t *now, mt_error *err)
{
    const ck_range *f = ld->img->freed;
    uint64_t lo = 0, hi = ld->img->nfreed;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (f[mid].start <= old)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || old > f[lo - 1].start + f[lo - 1].len)
        return mt_fail(err, MT_EPOINTER, "pointer 0x%llx points into nothing saved",
                       (unsigned long long)old);
    void *p = poison_address(old - f[lo - 1].start, err);
    if (!p)
        return -1;
    *now = (uint64_t)(uintptr_t)p;
    return 0;
}

/* The writer's function whose address was old: its index in fn_sorted, or
 * nfuncs when old was no registered function's address. */
static uint32_t old_function(const loader *ld, uint64_t old)
{
    uint32_t lo = 0, hi = ld->img->nfuncs;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ld->fn_old[mid] < old)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ld->img->nfuncs && ld->fn_old[lo] == old ? lo : ld->img->nfuncs;
}

static int translate_fn(void *ctx, uint64_t old, uint64_t *now, mt_error *err)
{
    const loader *ld = ctx;
    uint32_t i = old_function(ld, old);
    if (i == ld->img->nfuncs)
        return mt_fail(err, MT_EPOINTER, "function pointer 0x%llx is not a registered function",
                       (unsigned long long)old);
    const st_function *f = state_find_function(ld->fn_sorted[i]->id);
    if (!f)
        return mt_fail(err, MT_EPOINTER, "function %s does not exist in this program",
                       ld->fn_sorted[i]->name);
    *now = (uint64_t)(uintptr_t)f->fn;
    return 0;
}

/* A data pointer: into a saved block with its offset; a number below any
 * mapping as it is; a registered function's address (a data pointer that
 * holds `(char *)handler`, which the writer let through, reach.c) as that
 * function's new address; into a freed range to the poison region. */
static int translate_ptr(void *ctx, uint64_t old, uint64_t *now, mt_error *err)
{
    loader *ld = ctx;
    const home *h = home_of(ld, old);
    uint64_t off;
    if (!h && old < LOWEST_MAPPING) {
        *now = old;
        return 0;
    }
    if (!h && old_function(ld, old) < ld->img->nfuncs)
        return translate_fn(ctx, old, now, err);
    if (!h)
        return translate_freed(ld, old, now, err);
    if (cv_map_offset(h->plan, old - h->old_start, h->block->count, &off) < 0)
        return mt_fail(err, MT_EPOINTER, "pointer 0x%llx points between the members of a block",
                       (unsigned long long)old);
    *now = (uint64_t)(uintptr_t)(h->new_addr + off);
    return 0;
}

/* An integer that may hold an address (mtcc's pointer inference): a value
 * inside a saved block translates with its offset; one whose offset falls
 * inside a scalar that changes size is a tagged pointer (low bits below
 * the writer's alignment of the block's type), translated without the tag
 * and given it back; a registered function's address translates; a value
 * inside a range the writer freed dangles; any other value is a number. */
static int translate_addr(void *ctx, uint64_t old, uint64_t *now, mt_error *err)
{
    loader *ld = ctx;
    if (old < LOWEST_MAPPING)
        return 0;
    const home *h = home_of(ld, old);
    if (h) {
        uint64_t off, rel = old - h->old_start;
        uint64_t tag = rel & (uint64_t)(ld->img->types[h->block->type]->align - 1);
        if (cv_map_offset(h->plan, rel, h->block->count, &off) == 0) {
            *now = (uint64_t)(uintptr_t)(h->new_addr + off);
            return 1;
        }
        if (tag && cv_map_offset(h->plan, rel - tag, h->block->count, &off) == 0) {
            *now = (uint64_t)(uintptr_t)(h->new_addr + off) + tag;
            return 1;
        }
        return mt_fail(err, MT_EPOINTER, "integer 0x%llx holds an address between the members of a block",
                       (unsigned long long)old);
    }
    mt_error ignored;
    if (translate_fn(ctx, old, now, &ignored) == 0)
        return 1;
    if (translate_freed(ld, old, now, &ignored) == 0)
        return 1;
    return 0;
}

static int by_func_addr(const void *a, const void *b)
{
    const ck_func *x = *(const ck_func *const *)a, *y = *(const ck_func *const *)b;
    return x->old_addr < y->old_addr ? -1 : x->old_addr > y->old_addr;
}

static int index_functions(loader *ld)
{
    uint32_t n = ld->img->nfuncs;
    ld->fn_sorted = calloc(n ? n : 1, sizeof *ld->fn_sorted);
    ld->fn_old = calloc(n ? n : 1, sizeof *ld->fn_old);
    if (!ld->fn_sorted || !ld->fn_old)
        return mt_fail(ld->err, MT_ENOMEM, "out of memory indexing functions");
    for (uint32_t i = 0; i < n; i++)
        ld->fn_sorted[i] = &ld->img->funcs[i];
    qsort(ld->fn_sorted, n, sizeof *ld->fn_sorted, by_func_addr);
    for (uint32_t i = 0; i < n; i++)
        ld->fn_old[i] = ld->fn_sorted[i]->old_addr;
    return 0;
}

/* ---- Conversion and commit -------------------------------------------------------- */

static long union_member(void *ctx, uint64_t old_addr, const struct mt_type *u)
{
    const loader *ld = ctx;
    return unions_image_member(ld->img, old_addr, u->index);
}

/* Pages of a copy looked at alone: a checkpoint's zero pieces are zero
 * pages of the reader's buffer that were never touched (ckpt_read.c). */
#define SPARSE_PAGE 4096

/* A plain copy into a home that calloc made: the source's all-zero pages
 * are left out, so memory the program never touched (or only zeroed)
 * stays untouched here too. A page of data most often starts with a
 * nonzero byte: dense memory costs a byte a page. */
static void copy_sparse(uint8_t *dst, const uint8_t *src, uint64_t len)
{
    for (uint64_t at = 0; at < len; at += SPARSE_PAGE) {
        size_t n = len - at < SPARSE_PAGE ? (size_t)(len - at) : SPARSE_PAGE;
        if (src[at] != 0 || memcmp(src + at, src + at + 1, n - 1) != 0)
            memcpy(dst + at, src + at, n);
    }
}

/* The blocks of runs that hold the writer's bytes (pointers to
 * translate) converted in their homes, now that every block has one. */
static int convert_runs(loader *ld, cv_ctx *ctx)
{
    uint8_t scratch[CK_RUN_BLOCK_MAX];
    for (uint64_t i = 0; i < ld->nruns; i++) {
        const run *r = &ld->runs[i];
        const cv_plan *plan = r->pending ? plan_for(ld, r->type) : NULL;
        if (!plan)
            continue;
        size_t bytes = (size_t)r->count * ld->locals[r->type]->size;
        for (uint64_t k = 0; k < r->n; k++) {
            uint8_t *at = run_addr(r, k);
            memcpy(scratch, at, (size_t)r->len);
            memset(at, 0, bytes);
            ctx->src_data = scratch;
            ctx->src_old = r->old_start + k * run_stride(r);
            if (cv_run(plan, at, scratch, (size_t)r->count, ctx, ld->err) < 0) {
                char what[200];
                const home *h = run_as_home(ld, r, k);
                mt_error_context(ld->err, "%s", h ? describe(ld->img, h->block, what, sizeof what) : "a heap block");
                return -1;
            }
        }
    }
    return 0;
}

static int convert_all(loader *ld, unsigned flags)
{
    cv_ctx ctx = { .lossy = flags & MT_LOAD_LOSSY, .translate_ptr = translate_ptr,
                   .translate_fn = translate_fn, .translate_addr = translate_addr, .cb_ctx = ld, .union_member = union_member };
    for (uint64_t i = 0; i < ld->nhomes; i++) {
        const home *h = &ld->homes[i];
        if (!h->stage || h->converted)
            continue;  /* a constant, or converted as it arrived */
        if (h->block->role == CK_ROLE_HEAP && cv_plan_is_copy(h->plan)) {
            copy_sparse(h->stage, h->block->data, h->block->len);  /* the home is calloc's */
            continue;
        }
        ctx.src_data = h->block->data;
        ctx.src_old = h->old_start;
        if (cv_run(h->plan, h->stage, h->block->data, h->block->count, &ctx, ld->err) < 0) {
            char what[200];
            mt_error_context(ld->err, "%s", describe(ld->img, h->block, what, sizeof what));
            return -1;
        }
    }
    return convert_runs(ld, &ctx);
}

/* The restored unions' active members go back into the side table, at
 * their new addresses, so that a later checkpoint knows them too. */
static int install_unions(loader *ld)
{
    const ck_image *img = ld->img;
    if (!img->nunions && !unions_in_program())
        return 0;
    unions_reset();
    for (uint64_t i = 0; i < img->nunions; i++) {
        const ck_union *u = &img->unions[i];
        const home *h = home_of(ld, u->block);
        uint64_t off;
        const struct mt_type *local = types_local_find(img->types[u->type]->id);
        if (!h || h == &ld->run_hit || h->old_start != u->block || !h->new_addr || !local ||
            u->offset >= h->block->len)  /* a run's blocks hold no union */
            return mt_fail(ld->err, MT_EFORMAT, "corrupt checkpoint: union member of no saved union at 0x%llx",
                           (unsigned long long)(u->block + u->offset));
        if (cv_map_offset(h->plan, u->offset, h->block->count, &off) < 0)
            continue;  /* inside a union whose layout changed: unknown from now on, which is safe */
        if (unions_install(h->new_addr + off, local, u->member, ld->err) < 0)
            return -1;
    }
    return 0;
}

static void (*placed)(const ck_block *b, const void *new_addr);

void restore_on_placed(void (*fn)(const ck_block *b, const void *new_addr))
{
    placed = fn;
}

/* The blocks of runs tracked as the program's: from here on they are
 * not the restore's to free. */
static int commit_runs(loader *ld)
{
    if (ld->early)
        ld->early->nruns = 0;
    for (uint64_t i = 0; i < ld->nruns; i++) {
        const run *r = &ld->runs[i];
        const struct mt_type *local = ld->locals[r->type];
        for (uint64_t k = 0; k < r->n; k++)
            if (state_heap_add(run_addr(r, k), local, r->count, r->site) < 0)
                return mt_fail(ld->err, MT_ENOMEM, "out of memory tracking a heap block");
    }
    return 0;
}

static int commit(loader *ld)
{
    if (commit_runs(ld) < 0)
        return -1;
    for (uint64_t i = 0; i < ld->nhomes; i++) {
        home *h = &ld->homes[i];
        const struct mt_type *local = ld->locals[h->block->type];
        if (placed && h->stage && (h->block->role == CK_ROLE_GLOBAL || h->block->role == CK_ROLE_HEAP))
            placed(h->block, h->new_addr);
        if (h->block->role == CK_ROLE_GLOBAL || h->block->role == CK_ROLE_TLS) {
            if (h->stage)
                memcpy(h->new_addr, h->stage, h->block->count * local->size);
        } else if (h->block->role == CK_ROLE_THREAD) {
            th_restore_record((const th_record *)h->stage);
            free(h->stage);
        } else if (h->block->role == CK_ROLE_HEAP &&
                   state_heap_add(h->new_addr, local, h->block->count,
                                  state_site_intern(h->block->name, (unsigned)h->block->aux, h->block->key)) < 0) {
            return mt_fail(ld->err, MT_ENOMEM, "out of memory tracking a heap block");
        }
        if (h->stage != h->new_addr)
            free(h->stage);
        h->stage = NULL;
        h->new_addr = NULL; /* now owned by the program */
    }
    th_restore_commit();
    return 0;
}

static void loader_free(loader *ld)
{
    for (uint64_t i = 0; ld->homes && i < ld->nhomes; i++) {
        home *h = &ld->homes[i];
        if (h->stage != h->new_addr)
            free(h->stage);
        if (h->block && (h->block->role == CK_ROLE_HEAP || h->block->role == CK_ROLE_THREAD))
            free(h->new_addr);
    }
    free(ld->homes);
    for (uint32_t i = 0; ld->plans && i < ld->img->ntypes; i++)
        cv_plan_free(ld->plans[i]);
    free(ld->plans);
    free(ld->locals);
    free(ld->fn_old);
    free(ld->fn_sorted);
}

int restore_image(const ck_image *img, unsigned flags, mt_error *err)
{
    return restore_image_early(img, NULL, flags, err);
}

/* The runs of blocks placed as they arrived, for the loader. */
static int take_runs(loader *ld, restore_early *early)
{
    if (early && early->nruns && !ld->early)
        return mt_fail(ld->err, MT_EFORMAT, "blocks placed as the checkpoint arrived were converted with other flags");
    if (!ld->early)
        return 0;
    if (ld->early->failed) {
        *ld->err = ld->early->err;  /* a block of a run whose value does not fit */
        return -1;
    }
    ld->runs = ld->early->runs;
    ld->nruns = ld->early->nruns;
    ld->early->taken += ld->early->run_blocks;
    for (uint64_t i = 0; i < ld->nruns; i++)
        if (!plan_for(ld, ld->runs[i].type))  /* compiled early: found, and its local type known */
            return -1;
    return 0;
}

int restore_image_early(const ck_image *img, restore_early *early, unsigned flags, mt_error *err)
{
    if (img->program_id != state_program_id())
        return mt_fail(err, MT_EPROGRAM, "checkpoint was made by another program");
    if (img->unresolved)  /* a reader that did not follow the chain */
        return mt_fail(err, MT_EFORMAT, "checkpoint refers to a parent checkpoint that was not read");
    th_record_type();
    loader ld = { .img = img, .err = err, .early = early && early->flags == flags ? early : NULL };
    homes_begin();
    if (ld.early && ld.early->plans && ld.early->nplans == img->ntypes) {
        ld.plans = ld.early->plans;  /* the plans compiled early go on */
        ld.early->plans = NULL;
    } else
        ld.plans = calloc(img->ntypes ? img->ntypes : 1, sizeof *ld.plans);
    ld.locals = calloc(img->ntypes ? img->ntypes : 1, sizeof *ld.locals);
    if (ld.plans)  /* the early plans: their local types are looked up once more */
        for (uint32_t t = 0; ld.locals && t < img->ntypes; t++)
            if (ld.plans[t])
                ld.locals[t] = types_local_find(img->types[t]->id);
    int rc = ld.plans && ld.locals ? 0 : mt_fail(err, MT_ENOMEM, "out of memory loading a checkpoint");
    if (rc == 0)
        rc = take_runs(&ld, early);
    if (rc == 0)
        rc = place_blocks(&ld);
    if (rc == 0)
        rc = place_runs(&ld);
    if (rc == 0)
        rc = keep_order(&ld);
    if (rc == 0)
        rc = index_functions(&ld);
    if (rc == 0)
        rc = convert_all(&ld, flags);
    if (rc == 0)
        rc = install_unions(&ld);
    if (rc == 0)
        rc = commit(&ld);
    if (rc < 0)
        th_restore_abandon();
    loader_free(&ld);
    homes_end();
    return rc;
}

/* ---- Early conversion ------------------------------------------------------------ */

restore_early *restore_early_new(unsigned flags)
{
    restore_early *e = calloc(1, sizeof *e);
    if (e) {
        e->flags = flags;
        homes_begin();  /* its homes and the loader's share one order */
    }
    return e;
}

/* Room for block index i's bytes; 0, or -1 out of memory. */
static int early_room(restore_early *e, uint64_t i)
{
    if (i < e->nstage)
        return 0;
    uint64_t cap = e->nstage ? e->nstage : 64;
    while (cap <= i)
        cap *= 2;
    uint8_t **grown = realloc(e->stage, cap * sizeof *grown);
    if (!grown)
        return -1;
    memset(grown + e->nstage, 0, (cap - e->nstage) * sizeof *grown);
    e->stage = grown;
    uint8_t *flags = realloc(e->reserved, cap);
    if (!flags)
        return -1;
    memset(flags + e->nstage, 0, cap - e->nstage);
    e->reserved = flags;
    e->nstage = cap;
    return 0;
}

/* The plan of writer type t into local, compiled once; NULL when it does
 * not compile (the loader compiles it again and says why). */
static const cv_plan *early_plan(restore_early *e, const ck_image *img, uint32_t t, const struct mt_type *local)
{
    if (!e->plans) {
        e->nplans = img->ntypes;
        if (!(e->plans = calloc(img->ntypes ? img->ntypes : 1, sizeof *e->plans)))
            return NULL;
    }
    if (t >= e->nplans)
        return NULL;
    mt_error ignored;
    if (!e->plans[t])
        e->plans[t] = cv_plan_compile(img->types[t], &img->arch, local, &ignored);
    return e->plans[t];
}

/* Whether block b (its header, datalen bytes of data) converts early:
 * a heap block of a type this program has, whose plan needs nothing
 * beyond its own bytes. Anything unusual (no local type, a raw or untyped
 * block, a malformed header) is left to the loader, which does it the
 * usual way and says why when it fails. */
static const cv_plan *plan_of(restore_early *e, const ck_image *img, const ck_block *b, uint64_t datalen, int globals)
{
    int global = globals && b->role == CK_ROLE_GLOBAL && !b->aux;  /* (aux: a constant, whose bytes stay) */
    if ((b->role != CK_ROLE_HEAP && !global) || b->type >= img->ntypes || (!global && !homes_align_ok(b->key)))
        return NULL;
    if (img->program_id != state_program_id()) {
        e->off = 1;
        return NULL;
    }
    const struct mt_type *src = img->types[b->type];
    if (b->count == 0 || src->size == 0 || datalen / src->size != b->count || datalen % src->size)
        return NULL;
    if (!e->plans || b->type >= e->nplans || !e->plans[b->type]) {  /* a type's first block */
        const struct mt_type *local = types_local_find(src->id);
        if (!local || strncmp(src->name, RAW_PREFIX, strlen(RAW_PREFIX)) == 0 || !early_plan(e, img, b->type, local))
            return NULL;
    }
    const cv_plan *p = e->plans[b->type];
    if (!cv_plan_self_contained(p) || untyped_numbers(img, b, cv_plan_dst(p)))
        return NULL;
    return p;
}

static const cv_plan *early_plan_of(restore_early *e, const ck_image *img, const ck_block *b, uint64_t datalen)
{
    return plan_of(e, img, b, datalen, 0);
}

static void early_drop_current(restore_early *e, int state)
{
    free(e->cur);
    e->cur = NULL;
    e->cur_state = state;
}

/* The first bytes of a block record: its header, and its home if it
 * converts early. */
static void early_begin(restore_early *e, const ck_image *img, const uint8_t *payload, uint64_t have, uint64_t len)
{
    long off = ck_block_header(payload, have, &e->cur_block);
    if (off == 0)
        return;  /* more bytes first */
    e->cur_state = CUR_NOT_EARLY;
    if (off < 0 || (uint64_t)off > len || !(e->cur_plan = early_plan_of(e, img, &e->cur_block, len - (uint64_t)off)))
        return;
    const struct mt_type *local = types_local_find(img->types[e->cur_block.type]->id);
    /* a copy writes every byte before the block is kept (cur_done ==
     * count): calloc's memset of it would be a pass over it for nothing */
    size_t bytes = e->cur_block.count * local->size;
    if (!(e->cur = homes_alloc(bytes, !cv_plan_is_copy(e->cur_plan), e->cur_block.key)))
        return;
    e->cur_ssz = img->types[e->cur_block.type]->size;
    e->cur_dsz = local->size;
    e->cur_off = (uint64_t)off;
    e->cur_done = 0;
    e->cur_state = CUR_CONVERTING;
}

void restore_early_part(void *ctx, const ck_image *img, const uint8_t *payload, uint64_t have, uint64_t len)
{
    restore_early *e = ctx;
    if (e->off)
        return;
    if (e->cur_state == CUR_HEADER)
        early_begin(e, img, payload, have, len);
    if (e->cur_state != CUR_CONVERTING || have < e->cur_off)
        return;
    /* the elements whose bytes are all here; each converts on its own */
    size_t ssz = e->cur_ssz, dsz = e->cur_dsz;
    uint64_t upto = (have - e->cur_off) / ssz;
    if (upto > e->cur_block.count)
        upto = e->cur_block.count;
    if (upto <= e->cur_done)
        return;
    const uint8_t *src = payload + e->cur_off + e->cur_done * ssz;
    cv_ctx cx = { .lossy = e->flags & MT_LOAD_LOSSY, .src_data = payload + e->cur_off,
                  .src_old = e->cur_block.old_addr };
    mt_error ignored;
    if (cv_run(e->cur_plan, e->cur + e->cur_done * dsz, src, (size_t)(upto - e->cur_done), &cx, &ignored) < 0)
        early_drop_current(e, CUR_NOT_EARLY);  /* a value that does not fit: the loader says so */
    else
        e->cur_done = upto;
}

/* Block i (b, its bytes all there) converted with plan into a home of
 * its own, kept as stage i; none when plan is NULL or a value does not fit
 * (the loader converts it then, and says why). */
static void convert_whole(restore_early *e, const ck_block *b, uint64_t i, const cv_plan *plan)
{
    if (!plan || early_room(e, i) < 0)
        return;
    size_t bytes = b->count * cv_plan_dst(plan)->size;
    uint8_t *stage = b->role == CK_ROLE_HEAP ? homes_alloc(bytes, 1, b->key) : calloc(1, bytes);
    cv_ctx cx = { .lossy = e->flags & MT_LOAD_LOSSY, .src_data = b->data, .src_old = b->old_addr };
    mt_error ignored;
    if (stage && cv_plan_is_copy(plan))
        copy_sparse(stage, b->data, b->len);
    else if (stage && cv_run(plan, stage, b->data, (size_t)b->count, &cx, &ignored) < 0) {
        free(stage);  /* a value that does not fit: the loader says so */
        stage = NULL;
    }
    e->stage[i] = stage;
    e->reserved[i] = 0;
}

/* A block of a BLOCKS record, read whole and checked, converted at once
 * (its bytes never came in pieces): small blocks convert while the next
 * record travels. */
static void early_whole(restore_early *e, const ck_image *img, const ck_block *b, uint64_t i)
{
    convert_whole(e, b, i, early_plan_of(e, img, b, b->len));
}

/* A zeroed home for heap block i, which did not convert as it arrived,
 * taken now so that it lies in the writer's order among the blocks that
 * did (the loader converts into it); none when its type is not this
 * program's (the loader says why). */
static void keep_place(restore_early *e, const ck_image *img, const ck_block *b, uint64_t i)
{
    if (e->off || e->ahead_mode || b->role != CK_ROLE_HEAP || b->type >= img->ntypes || !homes_align_ok(b->key) ||
        img->program_id != state_program_id() || early_room(e, i) < 0)
        return;
    const struct mt_type *src = img->types[b->type];
    const struct mt_type *local = types_local_find(src->id);
    if (!local && strncmp(src->name, RAW_PREFIX, strlen(RAW_PREFIX)) != 0)
        local = flex_local_match(src);  /* as plan_for: a flexible block of a length not made yet */
    if (!local || b->count > SIZE_MAX / (local->size ? local->size : 1))
        return;  /* the loader says why */
    uint64_t bytes = b->count * local->size;
    e->stage[i] = homes_alloc((size_t)bytes, 1, b->key);
    e->reserved[i] = e->stage[i] != NULL;
}

int restore_early_block(void *ctx, const ck_image *img, const ck_block *b)
{
    restore_early *e = ctx;
    uint64_t i = (uint64_t)(b - img->blocks);
    /* the record read whole and checked: its converted bytes are kept
     * when they are all there and it is the block they were made for */
    if (e->cur_state == CUR_CONVERTING && e->cur_done == b->count && b->role == e->cur_block.role &&
        b->type == e->cur_block.type && b->old_addr == e->cur_block.old_addr && early_room(e, i) == 0) {
        e->stage[i] = e->cur;
        e->reserved[i] = 0;
        e->cur = NULL;
    } else if (e->cur_state == CUR_HEADER && !e->off && b->data && !e->ahead_mode) {
        early_whole(e, img, b, i);
    }
    early_drop_current(e, CUR_HEADER);
    if (!(i < e->nstage && e->stage[i]))
        keep_place(e, img, b, i);
    return e->drop && i < e->nstage && e->stage[i] != NULL && !e->reserved[i];
}

int restore_early_run_begin(void *ctx, const ck_image *img, const ck_block *first, uint32_t n, uint64_t max_len)
{
    restore_early *e = ctx;
    /* a large block: only when nothing needs its bytes after (incr.c's
     * seeding) and they need no conversion (no scratch copy of it) */
    int large = max_len >= CK_RUN_BLOCK_MAX;
    if (e->off || first->role != CK_ROLE_HEAP || first->type >= img->ntypes || (large && (n != 1 || !e->drop)))
        return 0;
    if (img->program_id != state_program_id()) {
        e->off = 1;
        return 0;
    }
    /* a union's member is looked up by its block, which the image will
     * not hold; a raw, flexible or untyped block: the usual way, which
     * says why it fails */
    const struct mt_type *src = img->types[first->type];
    if (src->has_unions || strncmp(src->name, RAW_PREFIX, strlen(RAW_PREFIX)) == 0)
        return 0;
    const struct mt_type *local = types_local_find(src->id);
    const cv_plan *plan = local ? early_plan(e, img, first->type, local) : NULL;
    if (!plan || local->size < src->size || untyped_numbers(img, first, local) || (large && !cv_plan_is_copy(plan)))
        return 0;  /* the writer's bytes must fit in the home until converted */
    const struct mt_site *site = NULL;
    if (!homes_align_ok(first->key))
        return 0;  /* the loader says the checkpoint is corrupt */
    if (((first->name && first->name[0]) || first->key) &&
        !(site = state_site_intern(first->name ? first->name : "", (unsigned)first->aux, first->key)))
        return 0;
    e->run_plan = plan;
    e->run_local = local;
    e->run_site = site;
    e->run_self = cv_plan_self_contained(plan);
    if (e->nruns)
        e->runs[e->nruns - 1].open = 0;  /* runs do not cross records: messages name the record */
    return 1;
}

void *restore_early_run_home(void *ctx, const ck_image *img, const ck_block *b)
{
    restore_early *e = ctx;
    (void)img;
    return homes_alloc((size_t)b->count * e->run_local->size, 1, b->key);  /* at least b->len: run_begin */
}

/* A block of numbers converted in its home at once: its bytes copied
 * aside first (a block of a run is below CK_RUN_BLOCK_MAX bytes). */
static void run_convert_now(restore_early *e, const ck_image *img, const ck_block *b, uint8_t *home)
{
    uint8_t scratch[CK_RUN_BLOCK_MAX];
    memcpy(scratch, home, (size_t)b->len);
    memset(home, 0, (size_t)b->count * e->run_local->size);
    cv_ctx cx = { .lossy = e->flags & MT_LOAD_LOSSY, .src_data = scratch, .src_old = b->old_addr };
    if (cv_run(e->run_plan, home, scratch, (size_t)b->count, &cx, &e->err) < 0) {
        char what[200];
        mt_error_context(&e->err, "%s", describe(img, b, what, sizeof what));
        e->failed = 1;  /* the restore says so, before anything is placed */
    }
}

/* Block b, at home, joins the run of the block before it: 1, else 0. */
static int run_join(restore_early *e, const ck_block *b, uint8_t *home, int pending)
{
    run *r = e->nruns ? &e->runs[e->nruns - 1] : NULL;
    if (!r || !r->open || r->count != b->count || r->pending != pending)
        return 0;
    uint64_t old_gap = b->old_addr - r->old_start;  /* the record's addresses ascend */
    int64_t new_gap = (int64_t)((uintptr_t)home - (uintptr_t)r->new_base);
    if (r->n == 1) {
        r->old_stride = old_gap;
        r->new_stride = new_gap;
    } else if (old_gap != r->n * r->old_stride || new_gap != (int64_t)r->n * r->new_stride) {
        return 0;
    }
    r->n++;
    return 1;
}

int restore_early_run_block(void *ctx, const ck_image *img, const ck_block *b, void *home)
{
    restore_early *e = ctx;
    if (e->run_self && !cv_plan_is_copy(e->run_plan) && !e->failed)
        run_convert_now(e, img, b, home);
    int pending = !e->run_self;
    e->run_blocks++;
    if (run_join(e, b, home, pending))
        return 0;
    if (e->nruns == e->runs_cap) {
        uint64_t cap = e->runs_cap ? e->runs_cap * 2 : 64;
        run *grown = realloc(e->runs, cap * sizeof *grown);
        if (!grown) {
            free(home);
            e->run_blocks--;
            return -1;
        }
        e->runs = grown;
        e->runs_cap = cap;
    }
    e->runs[e->nruns++] = (run){ .old_start = b->old_addr, .new_base = home, .n = 1, .count = b->count,
                                 .len = b->len, .aux = b->aux, .site = e->run_site, .type = b->type,
                                 .record = b->record, .pending = (uint8_t)pending, .open = 1 };
    return 0;
}

/* ---- Blocks placed ahead (a parent read ahead: ckpt_chain.h) ------------------------- */

/* Whether block i of img is alone in its record: only such a block can
 * be a DELTA's parent (a BLOCKS record's blocks are each written whole). */
static int alone_in_record(const ck_image *img, uint64_t i)
{
    uint32_t r = img->blocks[i].record;
    return (i == 0 || img->blocks[i - 1].record != r) && (i + 1 == img->nblocks || img->blocks[i + 1].record != r);
}

void restore_early_for_ahead(restore_early *e)
{
    e->ahead_mode = 1;
}

uint64_t restore_early_place_ahead(restore_early *e, const ck_image *img)
{
    uint64_t placed = 0;
    for (uint64_t i = 0; i < img->nblocks && !e->off; i++) {
        const ck_block *b = &img->blocks[i];
        if (i < e->nstage && e->stage[i])
            placed++;  /* converted as it arrived, or inherited from its own parent */
        else if (b->data && alone_in_record(img, i)) {
            convert_whole(e, b, i, plan_of(e, img, b, b->len, 1));
            placed += i < e->nstage && e->stage[i] != NULL;
        }
    }
    return placed;
}

static int chunk_changed(const ck_delta *d, uint64_t k)
{
    return !(d->same[k / 8] >> (k % 8) & 1);
}

/* The elements of b (ssz bytes each in the writer) that hold a byte of a
 * chunk its delta does not take from the parent, converted again from b's
 * resolved bytes into stage; the others hold the parent's bytes, which
 * converted alike. 0, or -1 when a value does not fit (the loader
 * converts the block then, and says so). */
static int convert_changed(const restore_early *e, const cv_plan *plan, const ck_block *b, size_t ssz, uint8_t *stage)
{
    const ck_delta *d = b->delta;
    size_t dsz = cv_plan_dst(plan)->size;
    cv_ctx cx = { .lossy = e->flags & MT_LOAD_LOSSY, .src_data = b->data, .src_old = b->old_addr };
    mt_error ignored;
    for (uint64_t k = 0; k < d->nchunks; k++) {
        if (!chunk_changed(d, k))
            continue;
        uint64_t first = k;
        while (k + 1 < d->nchunks && chunk_changed(d, k + 1))
            k++;
        uint64_t off = first * d->chunk, end = (k + 1) * d->chunk < b->len ? (k + 1) * d->chunk : b->len;
        uint64_t lo = off / ssz, hi = (end + ssz - 1) / ssz;
        if (hi > b->count)
            hi = b->count;
        if (cv_plan_is_copy(plan))
            memcpy(stage + lo * dsz, b->data + lo * ssz, (size_t)((hi - lo) * ssz));
        else if (cv_run(plan, stage + lo * dsz, b->data + lo * ssz, (size_t)(hi - lo), &cx, &ignored) < 0)
            return -1;
    }
    return 0;
}

/* Whether parent block pb, placed ahead, is child block b's as it was:
 * the same block (role, address, type, elements), converted alike. */
static int same_block(const restore_early *e, const ck_image *img, const ck_block *b, const restore_early *pe,
                      const ck_image *pimg, const ck_block *pb)
{
    return e->flags == pe->flags && b->role == pb->role && b->old_addr == pb->old_addr && b->len == pb->len &&
           b->count == pb->count && b->aux == pb->aux && b->key == pb->key && b->type < img->ntypes &&
           pb->type < pimg->ntypes && img->types[b->type]->id == pimg->types[pb->type]->id &&
           img->types[b->type]->size == pimg->types[pb->type]->size;
}

void restore_early_inherit(void *ctx, const ck_image *img, void *pctx, const ck_image *pimg)
{
    restore_early *e = ctx, *pe = pctx;
    for (uint64_t i = 0; i < img->nblocks && !e->off && !pe->off; i++) {
        const ck_block *b = &img->blocks[i];
        const ck_block *pb = b->delta ? ck_chain_parent_block(pimg, b->delta->parent_record) : NULL;
        uint64_t j = pb ? (uint64_t)(pb - pimg->blocks) : 0;
        if (!pb || j >= pe->nstage || !pe->stage[j] || pe->reserved[j] || !same_block(e, img, b, pe, pimg, pb) ||
            (i < e->nstage && e->stage[i]) || early_room(e, i) < 0)
            continue;
        const cv_plan *plan = plan_of(e, img, b, b->len, 1);
        uint8_t *stage = pe->stage[j];
        pe->stage[j] = NULL;
        if (!plan || convert_changed(e, plan, b, img->types[b->type]->size, stage) < 0) {
            free(stage);  /* the loader converts it as usual, and says why when it fails */
            continue;
        }
        e->stage[i] = stage;
        e->reserved[i] = 0;
        e->ahead++;
    }
}

uint64_t restore_early_ahead(const restore_early *e)
{
    return e ? e->ahead : 0;
}

void restore_early_drop(void *ctx)
{
    restore_early_free(ctx);
}

void restore_early_drop_bytes(restore_early *e, int on)
{
    if (e)
        e->drop = on;
}

uint64_t restore_early_taken(const restore_early *e)
{
    return e ? e->taken : 0;
}

void restore_early_free(restore_early *e)
{
    if (!e)
        return;
    homes_end();
    free(e->cur);
    for (uint64_t i = 0; i < e->nstage; i++)
        free(e->stage[i]);
    for (uint64_t i = 0; i < e->nruns; i++)  /* placed, never committed */
        for (uint64_t k = 0; k < e->runs[i].n; k++)
            free(run_addr(&e->runs[i], k));
    free(e->runs);
    free(e->stage);
    free(e->reserved);
    for (uint32_t i = 0; e->plans && i < e->nplans; i++)
        cv_plan_free(e->plans[i]);
    free(e->plans);
    free(e);
}

ck_image *restore_read_file(const char *path, mt_error *err)
{
    return ck_chain_read_file(path, err);  /* with its parents */
}

int mt_load(const char *path, unsigned flags, mt_error *err)
{
    ck_image *img = restore_read_file(path, err);
    if (!img)
        return -1;
    int rc = restore_image(img, flags, err);
    ck_image_free(img);
    return rc;
}
