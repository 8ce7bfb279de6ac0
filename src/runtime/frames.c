/* frames.c: frame records, the pinned-record shadow stack, twins.
 *
 * Pinned records live in a per-thread stack of chunks the runtime owns:
 * entering a function with address-taken locals is a pointer bump, and
 * the records keep one address for the life of the call, so pointers to
 * them are translated like any other block. */
#include "frames.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "error.h"
#include "libc_state.h"
#include "state.h"

/* Records start on this boundary, enough for any scalar. */
#define REC_ALIGN 16
#define ROUND_UP(n) (((n) + REC_ALIGN - 1) & ~(size_t)(REC_ALIGN - 1))

/* ---- Frame records ------------------------------------------------------ */

typedef struct frame_rec {
    struct frame_rec *next;      /* toward the innermost frame */
    uint64_t fn_id;
    const struct mt_type *type;
    unsigned site;               /* a FRAME block's aux (CK_FRAME_IN_CALL, CK_FRAME_SITE_SHIFT) */
} frame_rec;

#define FRAME_DATA(f) ((unsigned char *)(f) + ROUND_UP(sizeof(frame_rec)))

typedef struct pin_chunk pin_chunk;

/* One thread's frames and pinned records. Another thread touches them only
 * while this one is stopped (a capture writes them, a restore builds them
 * before the thread rewinds). */
struct frames_thread {
    frame_rec *outer;            /* head: the outermost saved frame */
    frame_rec *pending_head, *pending_tail; /* built by a restore */
    pin_chunk *pin_top;          /* the shadow stack of pinned records */
    uintptr_t stack_top;         /* the C stack below this is the program's (0: not known) */
    pthread_t os;                /* the OS thread, for its stack's bounds */
    int state_after_rewind;
    int first_in_call;           /* the capture began inside a blocking call */
};

static _Thread_local frames_thread tf;

/* The thread's state word (migthread-gen.h), which every adaptation point
 * polls and which the unwinding and rewinding here drive; safepoint.c
 * tells what a pending request or the poll count does with it. */
_Thread_local int mt_state;

frames_thread *frames_mine(void)
{
    return &tf;
}

void frames_set_state_after_rewind(int state)
{
    tf.state_after_rewind = state;
}

void frames_mark_in_call(void)
{
    tf.first_in_call = 1;
}

_Thread_local int frames_reissue;

void *mt_frame_push(const mt_function_info *fi, unsigned site)
{
    size_t size = fi->frame ? fi->frame->size : 0;
    frame_rec *f = calloc(1, ROUND_UP(sizeof(frame_rec)) + size);
    if (!f)
        mt_fatal("out of memory saving the frame of %s", fi->name);
    f->fn_id = fi->id;
    f->type = fi->frame;
    /* The first frame saved is where the capture began: it resumes after
     * its call (or at its poll), unless the capture interrupted a blocking
     * call (a lock, a join), which it then re-enters; every later frame
     * resumes in its call. */
    f->site = site << CK_FRAME_SITE_SHIFT | ((tf.outer != NULL || tf.first_in_call) ? CK_FRAME_IN_CALL : 0);
    tf.first_in_call = 0;
    f->next = tf.outer;
    tf.outer = f;
    return FRAME_DATA(f);
}

void *mt_frame_pop(const mt_function_info *fi, unsigned *site)
{
    frame_rec *f = tf.outer;
    if (!f || f->fn_id != fi->id) {
        const mt_function_info *saved = f ? frames_info_by_id(f->fn_id) : NULL;
        mt_fatal("resuming %s, but the saved frame is %s", fi->name,
                 f ? (saved ? saved->name : "of an unknown function") : "missing");
    }
    tf.outer = f->next;
    *site = f->site;
    if (!tf.outer) {  /* the innermost frame: rewinding is over */
        frames_reissue = (f->site & CK_FRAME_IN_CALL) != 0;
        /* a capture asked for meanwhile keeps its request standing */
        int rewinding = MT_STATE_REWINDING;
        __atomic_compare_exchange_n(&mt_state, &rewinding, tf.state_after_rewind, 0, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED);
        /* the thread's library state, last: its code goes on next */
        lc_signal_mask_put_back();
        lc_errno_put_back();
    }
    return FRAME_DATA(f);
}

const mt_function_info *mt_frame_next(void)
{
    return tf.outer ? frames_info_by_id(tf.outer->fn_id) : NULL;
}

_Noreturn void mt_frame_bad_site(void)
{
    mt_fatal("a saved frame names a resume site its function does not have");
}

void mt_frame_release(void *record)
{
    if (record)
        free((unsigned char *)record - ROUND_UP(sizeof(frame_rec)));
}

int frames_pending(const frames_thread *ft)
{
    return ft->outer != NULL;
}

void frames_clear(frames_thread *ft)
{
    while (ft->outer) {
        frame_rec *f = ft->outer;
        ft->outer = f->next;
        free(f);
    }
}

/* ---- The shadow stack of pinned records ---------------------------------------- */

struct pin_chunk {
    struct pin_chunk *below;
    size_t cap, used;
};

typedef struct pin_hdr {
    const struct mt_type *type;
    size_t size;
} pin_hdr;

#define CHUNK_MEM(c) ((unsigned char *)(c) + ROUND_UP(sizeof(pin_chunk)))
#define HDR_SIZE ROUND_UP(sizeof(pin_hdr))
enum { CHUNK_SIZE = 64 * 1024 };

/* Records up to this size are zeroed by stores the compiler writes out
 * (most pinned records: a few locals, a small array): memset's call costs
 * more than its work there (pin_fill). */
enum { PIN_ZERO_INLINE_MAX = 64 };

/* Takes need bytes for a record of type t (size bytes) from chunk c, which
 * has room, and returns its data, zeroed. Records up to four alignments
 * are zeroed by stores the compiler writes out; a larger one by memset,
 * a tail call (it returns its first argument). */
static inline void *pin_fill(pin_chunk *c, const mt_type *t, size_t size, size_t need)
{
    pin_hdr *h = (pin_hdr *)(CHUNK_MEM(c) + c->used);
    h->type = t;
    h->size = size;
    c->used += need;
    unsigned char *data = (unsigned char *)h + HDR_SIZE;
    switch (ROUND_UP(size) / REC_ALIGN) {  /* stores up to the rounding stay in the record */
    case 1: memset(data, 0, 1 * REC_ALIGN); return data;
    case 2: memset(data, 0, 2 * REC_ALIGN); return data;
    case 3: memset(data, 0, 3 * REC_ALIGN); return data;
    case 4: memset(data, 0, 4 * REC_ALIGN); return data;
    default: return memset(data, 0, size);
    }
}
_Static_assert(4 * REC_ALIGN == PIN_ZERO_INLINE_MAX, "pin_fill's cases cover PIN_ZERO_INLINE_MAX");

/* The slow path of pin_enter, apart so that the common case (room in the
 * top chunk) is a pointer bump without a call frame: a fresh chunk of at
 * least the record's size on top of the thread's stack, then the record. */
static __attribute__((noinline)) void *pin_enter_fresh(frames_thread *ft, const mt_type *t)
{
    size_t need = HDR_SIZE + ROUND_UP(t->size);
    size_t cap = need > CHUNK_SIZE ? need : CHUNK_SIZE;
    pin_chunk *fresh = malloc(ROUND_UP(sizeof(pin_chunk)) + cap);
    if (!fresh)
        mt_fatal("out of memory for the locals of a call");
    fresh->below = ft->pin_top;
    fresh->cap = cap;
    fresh->used = 0;
    ft->pin_top = fresh;
    return pin_fill(fresh, t, t->size, need);
}

static inline void *pin_enter(frames_thread *ft, const mt_type *t)
{
    size_t size = t->size;
    size_t need = HDR_SIZE + ROUND_UP(size);
    pin_chunk *c = ft->pin_top;
    if (__builtin_expect(!c || c->cap - c->used < need, 0))
        return pin_enter_fresh(ft, t);
    return pin_fill(c, t, size, need);
}

void *mt_pin_enter(const mt_type *t)
{
    return pin_enter(&tf, t);
}

void mt_pin_leave(void *record)
{
    pin_chunk *c = tf.pin_top;
    unsigned char *h = (unsigned char *)record - HDR_SIZE;
    c->used = (size_t)(h - CHUNK_MEM(c));
    if (c->used == 0 && c->below) {  /* keep the bottom chunk for reuse */
        tf.pin_top = c->below;
        free(c);
    }
}

void frames_pins_drop(void)
{
    while (tf.pin_top) {
        pin_chunk *c = tf.pin_top;
        tf.pin_top = c->below;
        free(c);
    }
}

/* Visits the pinned records from the bottom of the stack up. */
static int pins_each(pin_chunk *c, int (*fn)(pin_hdr *h, void *ctx), void *ctx)
{
    if (!c)
        return 0;
    int r = pins_each(c->below, fn, ctx);
    for (size_t off = 0; r == 0 && off < c->used;) {
        pin_hdr *h = (pin_hdr *)(CHUNK_MEM(c) + off);
        r = fn(h, ctx);
        off += HDR_SIZE + ROUND_UP(h->size);
    }
    return r;
}

void frames_note_stack(const void *top)
{
    tf.stack_top = (uintptr_t)top;
    tf.os = pthread_self();
}

void frames_dead_each(const frames_thread *ft, int capture, void (*fn)(uintptr_t start, uintptr_t end, void *ctx),
                      void *ctx)
{
    for (const pin_chunk *c = ft->pin_top; c; c = c->below)
        if (c->used < c->cap)
            fn((uintptr_t)(CHUNK_MEM(c) + c->used), (uintptr_t)(CHUNK_MEM(c) + c->cap), ctx);
    /* At a capture no live object of the program is on the C stack below
     * its first frame (address-taken locals are pinned, leaves and
     * fallen-back functions are not running), so a pointer there names a
     * local of a leaf that has returned. */
    pthread_attr_t attr;
    void *lo;
    size_t size;
    if (!capture || !ft->stack_top || pthread_getattr_np(ft->os, &attr) != 0)
        return;
    if (pthread_attr_getstack(&attr, &lo, &size) == 0 && (uintptr_t)lo < ft->stack_top)
        fn((uintptr_t)lo, ft->stack_top, ctx);
    pthread_attr_destroy(&attr);
}

/* ---- Writing --------------------------------------------------------------------- */

static int write_pin(pin_hdr *h, void *ctx)
{
    unsigned char *data = (unsigned char *)h + HDR_SIZE;
    ck_block b = { .role = CK_ROLE_PIN, .type = h->type->index, .old_addr = (uintptr_t)data,
                   .count = 1, .len = h->size, .name = "" };
    return ck_write_block(ctx, &b, data) < 0;
}

int frames_write(ck_writer *w, const frames_thread *ft)
{
    if (pins_each(ft->pin_top, write_pin, w))
        return -1;
    for (frame_rec *f = ft->outer; f; f = f->next) {
        if (!f->type)
            continue;
        ck_block b = { .role = CK_ROLE_FRAME, .type = f->type->index, .key = f->fn_id,
                       .aux = f->site, .old_addr = (uintptr_t)FRAME_DATA(f), .count = 1,
                       .len = f->type->size, .name = "" };
        if (ck_write_block(w, &b, FRAME_DATA(f)) < 0)
            return -1;
    }
    return 0;
}

typedef struct root_visit {
    int (*fn)(void *data, const struct mt_type *t, uint64_t count, void *ctx);
    void *ctx;
} root_visit;

static int visit_pin(pin_hdr *h, void *ctx)
{
    root_visit *rv = ctx;
    return rv->fn((unsigned char *)h + HDR_SIZE, h->type, 1, rv->ctx);
}

int frames_pins_each(const frames_thread *ft,
                     int (*fn)(void *data, const struct mt_type *t, uint64_t count, void *ctx), void *ctx)
{
    root_visit rv = { fn, ctx };
    return pins_each(ft->pin_top, visit_pin, &rv);
}

int frames_each(const frames_thread *ft,
                int (*fn)(void *data, const struct mt_type *t, uint64_t count, void *ctx), void *ctx)
{
    root_visit rv = { fn, ctx };
    int r = pins_each(ft->pin_top, visit_pin, &rv);
    for (frame_rec *f = ft->outer; f && !r; f = f->next)
        if (f->type)
            r = fn(FRAME_DATA(f), f->type, 1, ctx);
    return r;
}

/* ---- Restoring ------------------------------------------------------------------ */

void *frames_new_pin(frames_thread *ft, const struct mt_type *local)
{
    return pin_enter(ft, local);
}

void *frames_new_frame(frames_thread *ft, uint64_t fn_id, uint64_t site, const struct mt_type *local)
{
    frame_rec *f = calloc(1, ROUND_UP(sizeof(frame_rec)) + local->size);
    if (!f)
        return NULL;
    f->fn_id = fn_id;
    f->type = local;
    f->site = (unsigned)site;
    if (ft->pending_tail)
        ft->pending_tail->next = f;
    else
        ft->pending_head = f;
    ft->pending_tail = f;
    return FRAME_DATA(f);
}

void frames_commit(frames_thread *ft)
{
    frames_clear(ft);
    ft->outer = ft->pending_head;
    ft->pending_head = ft->pending_tail = NULL;
}

void frames_abandon(frames_thread *ft)
{
    while (ft->pending_head) {
        frame_rec *f = ft->pending_head;
        ft->pending_head = f->next;
        free(f);
    }
    ft->pending_tail = NULL;
    while (ft->pin_top && (ft->pin_top->used || ft->pin_top->below)) {  /* a failed restore ran no code */
        pin_chunk *c = ft->pin_top;
        ft->pin_top = c->below;
        free(c);
    }
    if (ft->pin_top)
        ft->pin_top->used = 0;
}

/* ---- Function infos and twins ------------------------------------------------------ */

static const mt_function_info **infos;
static size_t ninfos, infos_cap;

int mt_register_function_info(mt_function_info *fi, mt_error *err)
{
    if (mt_register_function(fi->name, fi->fn, err) < 0)
        return -1;
    fi->id = state_name_key(fi->name);
    state_lock();
    if (ninfos == infos_cap) {
        size_t cap = infos_cap ? infos_cap * 2 : 64;
        const mt_function_info **grown = realloc(infos, cap * sizeof *grown);
        if (!grown) {
            state_unlock();
            return mt_fail(err, MT_ENOMEM, "out of memory registering %s", fi->name);
        }
        infos = grown;
        infos_cap = cap;
    }
    infos[ninfos++] = fi;
    state_unlock();
    return 0;
}

const mt_function_info *frames_info_by_id(uint64_t id)
{
    for (size_t i = 0; i < ninfos; i++)
        if (infos[i]->id == id)
            return infos[i];
    return NULL;
}

void (*mt_twin_of(void (*fn)(void)))(void)
{
    for (size_t i = 0; i < ninfos; i++)
        if (infos[i]->fn == fn)
            return infos[i]->twin;
    mt_fatal("resuming a call through a pointer to an unknown function");
}
