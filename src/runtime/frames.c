/* frames.c: frame records, the pinned-record shadow stack, twins.
 *
 * Pinned records live in a per-thread stack of chunks the runtime owns:
 * entering a function with address-taken locals is a pointer bump, and
 * the records keep one address for the life of the call, so pointers to
 * them are translated like any other block. */
#include "frames.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "state.h"

/* Records start on this boundary, enough for any scalar. */
#define REC_ALIGN 16
#define ROUND_UP(n) (((n) + REC_ALIGN - 1) & ~(size_t)(REC_ALIGN - 1))

/* ---- Frame records ------------------------------------------------------ */

typedef struct frame_rec {
    struct frame_rec *next;      /* toward the innermost frame */
    uint64_t fn_id;
    const struct mt_type *type;
    unsigned site;               /* site * 2 + 1 when resuming in the call */
} frame_rec;

#define FRAME_DATA(f) ((unsigned char *)(f) + ROUND_UP(sizeof(frame_rec)))

typedef struct thread_frames {
    frame_rec *outer;            /* head: the outermost saved frame */
    frame_rec *pending_head, *pending_tail; /* built by a restore */
} thread_frames;

static _Thread_local thread_frames tf;
static _Thread_local int state_after_rewind = MT_STATE_IDLE;

void frames_set_state_after_rewind(int state)
{
    state_after_rewind = state;
}

void *mt_frame_push(const mt_function_info *fi, unsigned site)
{
    size_t size = fi->frame ? fi->frame->size : 0;
    frame_rec *f = calloc(1, ROUND_UP(sizeof(frame_rec)) + size);
    if (!f) {
        fprintf(stderr, "migthread: out of memory saving the frame of %s\n", fi->name);
        exit(1);
    }
    f->fn_id = fi->id;
    f->type = fi->frame;
    /* The first frame saved is where the capture began: it resumes after
     * its call (or at its poll); every later one resumes in its call. */
    f->site = site * 2 + (tf.outer != NULL);
    f->next = tf.outer;
    tf.outer = f;
    return FRAME_DATA(f);
}

void *mt_frame_pop(const mt_function_info *fi, unsigned *site)
{
    frame_rec *f = tf.outer;
    if (!f || f->fn_id != fi->id) {
        const mt_function_info *saved = f ? frames_info_by_id(f->fn_id) : NULL;
        fprintf(stderr, "migthread: resuming %s, but the saved frame is %s\n", fi->name,
                f ? (saved ? saved->name : "of an unknown function") : "missing");
        exit(1);
    }
    tf.outer = f->next;
    *site = f->site;
    if (!tf.outer)
        mt_state = state_after_rewind;  /* the innermost frame: rewinding is over */
    return FRAME_DATA(f);
}

_Noreturn void mt_frame_bad_site(void)
{
    fflush(stdout);
    fprintf(stderr, "migthread: a saved frame names a resume site its function does not have\n");
    exit(1);
}

void mt_frame_release(void *record)
{
    if (record)
        free((unsigned char *)record - ROUND_UP(sizeof(frame_rec)));
}

int frames_pending(void)
{
    return tf.outer != NULL;
}

void frames_clear(void)
{
    while (tf.outer) {
        frame_rec *f = tf.outer;
        tf.outer = f->next;
        free(f);
    }
}

/* ---- The shadow stack of pinned records ---------------------------------------- */

typedef struct pin_chunk {
    struct pin_chunk *below;
    size_t cap, used;
} pin_chunk;

typedef struct pin_hdr {
    const struct mt_type *type;
    size_t size;
} pin_hdr;

#define CHUNK_MEM(c) ((unsigned char *)(c) + ROUND_UP(sizeof(pin_chunk)))
#define HDR_SIZE ROUND_UP(sizeof(pin_hdr))
enum { CHUNK_SIZE = 64 * 1024 };

static _Thread_local pin_chunk *pin_top;

void *mt_pin_enter(const mt_type *t)
{
    size_t need = HDR_SIZE + ROUND_UP(t->size);
    pin_chunk *c = pin_top;
    if (!c || c->cap - c->used < need) {
        size_t cap = need > CHUNK_SIZE ? need : CHUNK_SIZE;
        pin_chunk *fresh = malloc(ROUND_UP(sizeof(pin_chunk)) + cap);
        if (!fresh) {
            fprintf(stderr, "migthread: out of memory for the locals of a call\n");
            exit(1);
        }
        fresh->below = c;
        fresh->cap = cap;
        fresh->used = 0;
        pin_top = c = fresh;
    }
    pin_hdr *h = (pin_hdr *)(CHUNK_MEM(c) + c->used);
    h->type = t;
    h->size = t->size;
    c->used += need;
    unsigned char *data = (unsigned char *)h + HDR_SIZE;
    memset(data, 0, t->size);
    return data;
}

void mt_pin_leave(void *record)
{
    pin_chunk *c = pin_top;
    unsigned char *h = (unsigned char *)record - HDR_SIZE;
    c->used = (size_t)(h - CHUNK_MEM(c));
    if (c->used == 0 && c->below) {  /* keep the bottom chunk for reuse */
        pin_top = c->below;
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

/* ---- Writing --------------------------------------------------------------------- */

static int write_pin(pin_hdr *h, void *ctx)
{
    unsigned char *data = (unsigned char *)h + HDR_SIZE;
    ck_block b = { .role = CK_ROLE_PIN, .type = h->type->index, .old_addr = (uintptr_t)data,
                   .count = 1, .len = h->size, .name = "" };
    return ck_write_block(ctx, &b, data) < 0;
}

int frames_write(ck_writer *w)
{
    if (pins_each(pin_top, write_pin, w))
        return -1;
    for (frame_rec *f = tf.outer; f; f = f->next) {
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

int frames_each(int (*fn)(void *data, const struct mt_type *t, uint64_t count, void *ctx), void *ctx)
{
    root_visit rv = { fn, ctx };
    int r = pins_each(pin_top, visit_pin, &rv);
    for (frame_rec *f = tf.outer; f && !r; f = f->next)
        if (f->type)
            r = fn(FRAME_DATA(f), f->type, 1, ctx);
    return r;
}

/* ---- Restoring ------------------------------------------------------------------ */

void *frames_new_pin(const struct mt_type *local)
{
    return mt_pin_enter(local);
}

void *frames_new_frame(uint64_t fn_id, uint64_t site, const struct mt_type *local)
{
    frame_rec *f = calloc(1, ROUND_UP(sizeof(frame_rec)) + local->size);
    if (!f)
        return NULL;
    f->fn_id = fn_id;
    f->type = local;
    f->site = (unsigned)site;
    if (tf.pending_tail)
        tf.pending_tail->next = f;
    else
        tf.pending_head = f;
    tf.pending_tail = f;
    return FRAME_DATA(f);
}

void frames_commit(void)
{
    frames_clear();
    tf.outer = tf.pending_head;
    tf.pending_head = tf.pending_tail = NULL;
}

void frames_abandon(void)
{
    while (tf.pending_head) {
        frame_rec *f = tf.pending_head;
        tf.pending_head = f->next;
        free(f);
    }
    tf.pending_tail = NULL;
    while (pin_top && (pin_top->used || pin_top->below)) {  /* a failed restore ran no code */
        pin_chunk *c = pin_top;
        pin_top = c->below;
        free(c);
    }
    if (pin_top)
        pin_top->used = 0;
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
    fprintf(stderr, "migthread: resuming a call through a pointer to an unknown function\n");
    exit(1);
}
