/* th_record.c: the threads in a checkpoint: each saved thread's record
 * (a THREAD block), its thread-locals, read locks and condition wait, the
 * roots they give the heap traversal, and placing them again on restore. */
#include "th_private.h"

#include <stdlib.h>

#include "error.h"
#include "state.h"

/* ---- Saving -------------------------------------------------------------------- */

static const mt_type *record_type, *read_type, *wait_type;

/* A saved condition wait's block (th_wait_rec) is named WAIT_NAME. */
#define WAIT_NAME CK_NAME_WAIT

/* A checkpoint holds each read lock a saved thread holds as a
 * thread-local block of this name and type (a pointer to the rwlock), so
 * that the pointer is translated like any other on restore. */
#define READ_LOCK_NAME CK_NAME_READ_LOCK

typedef struct th_read_lock {
    void *lock;
} th_read_lock;

static void define_read_type(void)
{
    mt_member m[] = { MT_MEMBER(th_read_lock, lock, MT_CLASS_PTR, 1) };
    mt_error err;
    read_type = mt_type_define(READ_LOCK_NAME, sizeof(th_read_lock), _Alignof(th_read_lock), 0, m, 1, &err);
    if (!read_type)
        mt_die(&err);
}

static void define_wait_type(void)
{
    mt_member m[] = {
        MT_MEMBER(th_wait_rec, cond, MT_CLASS_PTR, 1),
        MT_MEMBER(th_wait_rec, mutex, MT_CLASS_PTR, 1),
        MT_MEMBER(th_wait_rec, count, MT_CLASS_UINT, 1),
        MT_MEMBER(th_wait_rec, woken, MT_CLASS_UINT, 1),
        MT_MEMBER(th_wait_rec, ticket, MT_CLASS_UINT, 1),
    };
    mt_error err;
    wait_type = mt_type_define(WAIT_NAME, sizeof(th_wait_rec), _Alignof(th_wait_rec), 0, m,
                               sizeof m / sizeof m[0], &err);
    if (!wait_type)
        mt_die(&err);
}

/* Defines the read-lock and wait types too: they go out with every type
 * table. */
const struct mt_type *th_record_type(void)
{
    if (!read_type)
        define_read_type();
    if (!wait_type)
        define_wait_type();
    if (!record_type) {
        mt_member m[] = {
            MT_MEMBER(th_record, id, MT_CLASS_UINT, 1),
            MT_MEMBER(th_record, flags, MT_CLASS_UINT, 1),
            MT_MEMBER(th_record, next_id, MT_CLASS_UINT, 1),
            MT_MEMBER(th_record, start, MT_CLASS_FNPTR, 1),
            MT_MEMBER(th_record, arg, MT_CLASS_PTR, 1),
            MT_MEMBER(th_record, retval, MT_CLASS_PTR, 1),
        };
        mt_error err;
        record_type = mt_type_define(CK_NAME_THREAD, sizeof(th_record), _Alignof(th_record), 0, m,
                                     sizeof m / sizeof m[0], &err);
        if (!record_type)
            mt_die(&err);
    }
    return record_type;
}

/* Which threads a checkpoint holds: every thread in a process capture
 * (finished ones for their results), the moving one in a thread capture,
 * the calling thread when no capture runs (mt_save from a program). */
static int saved(const th_thread *t)
{
    if (!th_cap.active)
        return t == th_current;
    if (th_cap.kind == TH_CAPTURE_THREAD)
        return t->id == th_cap.target;
    return 1;
}

static th_record record_of(const th_thread *t)
{
    th_record r = { t->id, 0, th_next_id, t->start, NULL, NULL };
    if (t->is_main)
        r.flags |= CK_THREAD_MAIN;
    if (t->detached)
        r.flags |= CK_THREAD_DETACHED;
    if (t->status != TH_RUNNING)
        r.flags |= CK_THREAD_FINISHED;
    if ((th_cap.active && th_cap.kind == TH_CAPTURE_THREAD) || t->lone)
        r.flags |= CK_THREAD_ALONE;
    /* A result that is not a block of the program (a number cast to a
     * pointer) travels as a number. */
    const mt_type *ty;
    uint64_t n;
    if (t->retval && state_heap_find_locked(t->retval, &ty, &n))  /* state_write holds the lock */
        r.retval = t->retval;
    else
        r.arg = t->retval;
    return r;
}

static int write_tls(ck_writer *w, const th_thread *t)
{
    for (size_t i = 0; i < t->ntls; i++) {
        tls_var v = tls_at(i);
        ck_block b = { .role = CK_ROLE_TLS, .type = v.type->index, .key = v.key,
                       .old_addr = (uint64_t)(uintptr_t)t->tls[i], .count = v.count,
                       .len = v.count * v.type->size, .name = v.name };
        if (ck_write_block(w, &b, t->tls[i]) < 0)
            return -1;
    }
    return 0;
}

static int write_reads(ck_writer *w, const th_thread *t)
{
    _Static_assert(sizeof(th_read_lock) == sizeof(void *), "a list entry is one th_read_lock");
    for (uint32_t i = 0; i < t->reads.n; i++) {
        ck_block b = { .role = CK_ROLE_TLS, .type = read_type->index, .key = state_name_key(READ_LOCK_NAME),
                       .old_addr = (uint64_t)(uintptr_t)&t->reads.locks[i], .count = 1,
                       .len = read_type->size, .name = READ_LOCK_NAME };
        if (ck_write_block(w, &b, &t->reads.locks[i]) < 0)
            return -1;
    }
    return 0;
}

static th_wait_rec wait_of(const th_thread *t)
{
    const th_waiter *w = &t->wait;
    return (th_wait_rec){ (void *)w->obj, w->mutex, w->count, w->woken, w->ticket };
}

/* The condition wait a thread is in, if any (a thread gives way to a
 * capture still queued, or woken and taking its mutex again). */
static int write_wait(ck_writer *w, const th_thread *t)
{
    if (!t->wait.obj)
        return 0;
    th_wait_rec r = wait_of(t);
    ck_block b = { .role = CK_ROLE_TLS, .type = wait_type->index, .key = state_name_key(WAIT_NAME),
                   .old_addr = (uint64_t)(uintptr_t)&t->wait, .count = 1, .len = wait_type->size,
                   .name = WAIT_NAME };
    return ck_write_block(w, &b, &r) < 0 ? -1 : 0;
}

static int write_pin_as_heap(void *data, const struct mt_type *ty, uint64_t count, void *ctx)
{
    ck_block b = { .role = CK_ROLE_HEAP, .type = ty->index, .old_addr = (uint64_t)(uintptr_t)data,
                   .count = count, .len = count * ty->size, .name = "" };
    return ck_write_block(ctx, &b, data) < 0;
}

int th_tls_check(mt_error *err)
{
    pthread_mutex_lock(&th_mu);
    uint32_t lost = 0;
    for (th_thread *t = th_all; t && !lost; t = t->next)
        if (th_cap.active && saved(t) && t->status == TH_RUNNING && t->tls_lost)
            lost = t->id;
    pthread_mutex_unlock(&th_mu);
    if (lost)
        return mt_fail(err, MT_ENOMEM, "out of memory noting thread %u's thread-local variables; "
                       "checkpoint refused, the program carries on", lost);
    return 0;
}

int th_write(ck_writer *w)
{
    pthread_mutex_lock(&th_mu);
    int rc = 0;
    if (!th_cap.active) {
        rc = frames_write(w, frames_mine());
        pthread_mutex_unlock(&th_mu);
        return rc;
    }
    const mt_type *rt = th_record_type();
    for (th_thread *t = th_all; t && rc == 0; t = t->next) {
        if (!saved(t)) {
            /* another thread's pinned locals, which the moving thread's
             * pointers may reach (an argument array in main) */
            if (t->status == TH_RUNNING && t->frames)
                rc = frames_pins_each(t->frames, write_pin_as_heap, w);
            continue;
        }
        th_record r = record_of(t);
        ck_block b = { .role = CK_ROLE_THREAD, .type = rt->index, .key = t->id, .aux = r.flags,
                       .old_addr = (uint64_t)(uintptr_t)t, .count = 1, .len = rt->size, .name = "" };
        rc = ck_write_block(w, &b, &r);
        if (rc == 0 && t->status == TH_RUNNING)
            rc = write_tls(w, t);
        if (rc == 0 && t->status == TH_RUNNING)
            rc = write_reads(w, t);
        if (rc == 0 && t->status == TH_RUNNING)
            rc = write_wait(w, t);
        if (rc == 0 && t->status == TH_RUNNING)
            rc = frames_write(w, t->frames);
    }
    pthread_mutex_unlock(&th_mu);
    return rc;
}

int th_roots_each(int (*fn)(void *data, const struct mt_type *t, uint64_t count, void *ctx), void *ctx)
{
    pthread_mutex_lock(&th_mu);
    int r = 0;
    if (!th_cap.active)
        r = frames_each(frames_mine(), fn, ctx);
    for (th_thread *t = th_all; th_cap.active && t && !r; t = t->next) {
        if (!saved(t)) {
            if (t->status == TH_RUNNING && t->frames)
                r = frames_pins_each(t->frames, fn, ctx);
            continue;
        }
        if (t->retval && t->status != TH_RUNNING) {
            th_record rec = record_of(t);
            r = fn(&rec, th_record_type(), 1, ctx);  /* the scan reads it at once */
        }
        for (size_t i = 0; !r && t->status == TH_RUNNING && i < t->ntls; i++) {
            tls_var v = tls_at(i);
            r = fn(t->tls[i], v.type, v.count, ctx);
        }
        if (!r && t->status == TH_RUNNING && t->reads.n)
            r = fn(t->reads.locks, read_type, t->reads.n, ctx);
        if (!r && t->status == TH_RUNNING && t->wait.obj) {
            th_wait_rec rec = wait_of(t);
            r = fn(&rec, wait_type, 1, ctx);  /* the scan reads it at once */
        }
        if (!r && t->status == TH_RUNNING)
            r = frames_each(t->frames, fn, ctx);
    }
    pthread_mutex_unlock(&th_mu);
    return r;
}

void th_frames_each(void (*fn)(const frames_thread *ft, int capture, void *ctx), void *ctx)
{
    pthread_mutex_lock(&th_mu);
    if (!th_cap.active)
        fn(frames_mine(), 0, ctx);
    for (th_thread *t = th_all; th_cap.active && t; t = t->next)
        if (t->status == TH_RUNNING && t->frames)
            fn(t->frames, 1, ctx);
    pthread_mutex_unlock(&th_mu);
}

void th_reads_left_behind(void (*fn)(void *lock, void *ctx), void *ctx)
{
    pthread_mutex_lock(&th_mu);
    for (th_thread *t = th_all; th_cap.active && th_cap.kind == TH_CAPTURE_THREAD && t; t = t->next)
        if (!saved(t) && t->status == TH_RUNNING)
            for (uint32_t i = 0; i < t->reads.n; i++)
                fn(t->reads.locks[i], ctx);
    pthread_mutex_unlock(&th_mu);
}

/* ---- Restoring ------------------------------------------------------------------ */

frames_thread *th_restore_frames(uint32_t id)
{
    th_thread *t = th_find(id);
    return t ? t->frames : NULL;
}

void *th_restore_tls(uint32_t id, uint64_t key, const struct mt_type *ty, uint64_t count)
{
    th_thread *t = th_find(id);
    if (t && key == state_name_key(READ_LOCK_NAME)) {  /* room made by reserve_reads */
        if (ty != read_type || count != 1 || t->reads.n + t->reads_placed >= t->reads.cap)
            return NULL;
        return &t->reads.locks[t->reads.n + t->reads_placed++];
    }
    if (t && key == state_name_key(WAIT_NAME)) {
        if (ty != wait_type || count != 1 || t->wait_placed)
            return NULL;
        t->wait_placed = 1;
        return &t->wait_in;
    }
    for (size_t i = 0; t && i < t->ntls; i++) {
        tls_var v = tls_at(i);
        if (v.key == key)
            return v.type == ty && v.count == count ? t->tls[i] : NULL;
    }
    return NULL;
}

/* Makes room in the lists of the restored threads for the read locks the
 * image holds for them, one place more per entry, before any is placed:
 * th_restore_tls hands out places that must not move until the restore
 * commits them (lock held). */
int th_reserve_reads(const ck_image *img, mt_error *err)
{
    uint64_t key = state_name_key(READ_LOCK_NAME);
    th_thread *t = NULL;
    for (uint64_t i = 0; i < img->nblocks; i++) {
        const ck_block *b = &img->blocks[i];
        if (b->role == CK_ROLE_THREAD)
            t = th_find((uint32_t)b->key);
        if (!t || b->role != CK_ROLE_TLS || b->key != key)
            continue;
        void **grown = realloc(t->reads.locks, (t->reads.cap + 1) * sizeof *grown);
        if (!grown)
            return mt_fail(err, MT_ENOMEM, "out of memory restoring the read locks of thread %u", t->id);
        t->reads.locks = grown;
        t->reads.cap++;
    }
    return 0;
}

void th_restore_record(const th_record *r)
{
    pthread_mutex_lock(&th_mu);
    th_thread *t = th_find(r->id);
    if (t) {
        t->start = r->start;
        t->retval = r->retval ? r->retval : r->arg;
    }
    if (r->next_id > th_next_id)
        th_next_id = r->next_id;
    pthread_mutex_unlock(&th_mu);
}

/* A restored thread's condition wait goes back on its queue, in its old
 * place among the others, before any restored thread runs; its ticket
 * keeps the order, and new waiters queue behind every restored one. */
static void requeue_wait(th_thread *t)
{
    th_waiter *w = &t->wait;
    w->obj = t->wait_in.cond;
    w->mutex = t->wait_in.mutex;
    w->count = t->wait_in.count;
    w->woken = t->wait_in.woken;
    w->ticket = t->wait_in.ticket;
    th_waiter_requeue(w);
    if (w->woken == CK_WAIT_QUEUED)
        th_sync.cond_waiter_restored(t->wait_in.cond);
    t->wait_placed = 0;
}

void th_restore_commit(void)
{
    pthread_mutex_lock(&th_mu);
    for (th_thread *t = th_all; t; t = t->next) {
        if (t->frames)
            frames_commit(t->frames);
        t->reads.n += t->reads_placed;
        t->reads_placed = 0;
    }
    /* after every thread's records: a condition may live in another
     * thread's pinned locals */
    for (th_thread *t = th_all; t; t = t->next)
        if (t->wait_placed)
            requeue_wait(t);
    pthread_mutex_unlock(&th_mu);
}

void th_restore_abandon(void)
{
    for (th_thread *t = th_all; t; t = t->next) {
        if (t->frames)
            frames_abandon(t->frames);
        t->reads_placed = 0;
        t->wait_placed = 0;
    }
}

