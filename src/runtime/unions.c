/* unions.c: the active member of each union object (see unions.h).
 *
 * The side table maps (address, union type) to the member last stored
 * into: the type is part of the key because a union can start where the
 * union or struct holding it starts. Only calls that mtcc emits for
 * programs with unions touch it. An entry can outlive its object (a
 * freed block, a returned frame), so everything that creates an object
 * holding unions (the _u allocation wrappers, mt_pin_enter_u) first
 * forgets the entries at its union positions (marks them unknown): an
 * entry found at capture was written after its object was created. */
#include "unions.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "migthread-gen.h"
#include "state.h"

static void table_failed(void);

/* ---- The side table ----------------------------------------------------------- */

typedef mt_union_slot un_slot;     /* migthread-gen.h's, which writes a known entry's member inline */

/* A forgotten entry keeps its key and says "unknown": the store that
 * usually follows (a block's or a record's unions set right after it is
 * made) then finds its key and writes the member alone, where deleting
 * would shift the probe run and inserting would probe again. */
#define NO_MEMBER UINT32_MAX

/* The slots and their mask are the header's (mt_union_set_fast reads
 * them; unions_solo.c defines them, with the flag solo). */
#define slots (mt_union_tab.slots)
static size_t cap, live;           /* cap a power of two or 0; live <= cap / 2 */
/* One lock for the table, taken only once the program may have a second
 * thread (mt_union_tab.solo 0): held for a probe or a walk over one
 * value's unions, so waiters spin (yielding) rather than sleep. While
 * solo, the one thread that may touch the table is the caller (the
 * runtime's control thread never does: captures and restores run in a
 * thread of the program, the others stopped). A signal handler of the
 * program never waits for it (it may have interrupted its holder): it
 * queues its update (the queue below), applied by the next taker. */
static atomic_int lock_word;

/* What taking the lock gave: nothing to release while solo, the lock, or
 * (a handler of the program that found it held) the queue to fill. */
enum { LOCK_NONE, LOCK_HELD, LOCK_QUEUED };

/* The updates handlers queued (see "Updates a handler queued"): tested
 * once per lock taken, after taking it. Its value when set is a bit
 * apart from the lock word's, so that one register holds both. */
static atomic_int queue_pending;
enum { QUEUE_WAITING = 2 };
static void drain(void);

/* Takes the lock, or LOCK_QUEUED in a handler that found it held: the
 * general paths then queue. Applies what handlers queued before anything
 * else, so no store, copy or capture sees the table without them; a
 * handler leaves that to the code it interrupted (or another thread)
 * and queues behind it, since applying may allocate (a grown table, a
 * type's union positions) and the code it interrupted may be in malloc. */
static int table_lock(void)
{
    if (__builtin_expect(mt_union_tab.solo, 1))
        return LOCK_NONE;
    while (atomic_exchange_explicit(&lock_word, 1, memory_order_acquire)) {
        if (unions_in_handler())
            return LOCK_QUEUED;
        sched_yield();
    }
    if (!atomic_load_explicit(&queue_pending, memory_order_relaxed))
        return LOCK_HELD;
    if (unions_in_handler()) {
        atomic_store_explicit(&lock_word, 0, memory_order_release);
        return LOCK_QUEUED;
    }
    drain();
    return LOCK_HELD;
}

static inline void table_unlock(int held)
{
    if (held == LOCK_HELD)
        atomic_store_explicit(&lock_word, 0, memory_order_release);
}

/* The common cases of the calls mtcc emits are written once for both
 * modes, `shared` a constant (each entry point tests the flag once and
 * inlines its case for each mode): with no call but tail calls, so that
 * they save no registers. Anything else goes to the call's general path,
 * out of line, told whether the lock is held (held 0: it takes the lock
 * itself if the program is shared). */

/* Nothing while solo; while shared, takes the lock unless it is held or
 * handlers queued updates: 0 then, the lock not held (the general path
 * waits for it, or queues, and applies the queue first), without a call.
 * The queue's flag is read after the exchange (which orders it) and
 * or-ed into the exchange's result: one load and an or. */
static inline __attribute__((always_inline)) int fast_enter(int shared)
{
    if (!shared)
        return 1;
    int seen = atomic_exchange_explicit(&lock_word, 1, memory_order_acquire);
    seen |= atomic_load_explicit(&queue_pending, memory_order_relaxed);
    if (__builtin_expect(seen == 0, 1))
        return 1;
    if (!(seen & 1))  /* taken, but the queue comes first: the general path applies it */
        atomic_store_explicit(&lock_word, 0, memory_order_release);
    return 0;
}

static inline __attribute__((always_inline)) void fast_leave(int shared)
{
    if (shared)
        atomic_store_explicit(&lock_word, 0, memory_order_release);
}

enum { FIRST_CAP = 1024 };

/* The slot is the address's own bits, folded with the bits above the
 * table's size, as blockmap.h does for heap blocks (neighbouring unions
 * land in neighbouring slots, so a walk over an array stays in cache),
 * and a few bits of the type, which tells apart unions that start at one
 * address. */
static inline __attribute__((always_inline)) size_t slot_of(uintptr_t addr, const struct mt_type *t)
{
    return (size_t)mt_union_slot_of(addr, t, cap - 1);
}

/* The slot holding the key, or the empty slot that ends its probe:
 * inlined into every caller (a call and its frame cost about as much as
 * the probe itself, run on every store into a union member). */
static inline __attribute__((always_inline)) size_t probe(uintptr_t addr, const struct mt_type *t)
{
    size_t j = slot_of(addr, t);
    while (slots[j].addr && (slots[j].addr != addr || slots[j].type != t))
        j = (j + 1) & (cap - 1);
    return j;
}

static int grow(void)
{
    size_t old_cap = cap, new_cap = cap ? cap * 2 : FIRST_CAP;
    un_slot *old = slots, *fresh = calloc(new_cap, sizeof *fresh);
    if (!fresh)
        return -1;
    slots = fresh;
    cap = new_cap;
    mt_union_tab.mask = new_cap - 1;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].addr)
            slots[probe(old[i].addr, old[i].type)] = old[i];
    if (old != mt_union_no_slots)
        free(old);
    return 0;
}

static inline __attribute__((always_inline)) int put_at(uintptr_t addr, const struct mt_type *t, uint32_t member)
{
    un_slot *s = &slots[probe(addr, t)];
    if (s->addr) {  /* the key is there: the common case, a store into a union stored into before */
        s->member = member;
        return 0;
    }
    live++;
    *s = (un_slot){ addr, t, member };
    return 0;
}

/* put when the table must grow first: out of line, so that put's callers
 * save no registers for a call they seldom make. */
static __attribute__((noinline)) int put_grown(uintptr_t addr, const struct mt_type *t, uint32_t member)
{
    if (grow() < 0)
        return -1;
    return put_at(addr, t, member);
}

/* 1 when one more entry fits without growing the table. */
static inline __attribute__((always_inline)) int has_room(void)
{
    return __builtin_expect((live + 1) * 2 <= cap, 1);
}

static inline __attribute__((always_inline)) int put(uintptr_t addr, const struct mt_type *t, uint32_t member)
{
    if (!has_room())
        return put_grown(addr, t, member);
    return put_at(addr, t, member);
}

static inline __attribute__((always_inline)) long get(uintptr_t addr, const struct mt_type *t)
{
    if (!live)
        return -1;
    const un_slot *s = &slots[probe(addr, t)];
    return s->addr && s->member != NO_MEMBER ? (long)s->member : -1;
}

/* Empties slot j and moves later entries of its run back (linear
 * probing's deletion), so that every probe still finds its key. */
static void del_slot(size_t j)
{
    size_t mask = cap - 1;
    slots[j].addr = 0;
    live--;
    for (size_t k = (j + 1) & mask; slots[k].addr; k = (k + 1) & mask) {
        size_t home = slot_of(slots[k].addr, slots[k].type);
        /* k's entry may move to j when j lies cyclically in [home, k) */
        if (((k - home) & mask) >= ((k - j) & mask)) {
            slots[j] = slots[k];
            slots[k].addr = 0;
            j = k;
        }
    }
}

/* Marks the key's member unknown, if the key is there. */
static inline __attribute__((always_inline)) void unknow(uintptr_t addr, const struct mt_type *t)
{
    if (!live)
        return;
    un_slot *s = &slots[probe(addr, t)];
    if (s->addr)
        s->member = NO_MEMBER;
}

/* Drops every entry in [from, to): for objects with more union positions
 * than the table has entries. */
static __attribute__((noinline)) void del_range(uintptr_t from, uintptr_t to)
{
    for (size_t j = 0; j < cap && live;) {
        if (slots[j].addr >= from && slots[j].addr < to)
            del_slot(j);  /* an entry may have moved into j: look again */
        else
            j++;
    }
}

/* Every union object inside one element of a type, nested ones too
 * (inside every member of a union, so positions may overlap), as a flat
 * list made on first use: the walks below run on every copy of a value. */
typedef struct un_position {
    uintptr_t offset;
    const struct mt_type *u;
} un_position;

typedef struct pos_list {
    un_position *p;
    uint32_t n, cap;
    int oom;
} pos_list;

static void collect_positions(pos_list *l, const struct mt_type *t, uintptr_t offset, uint64_t count)
{
    for (uint64_t e = 0; e < count && !l->oom; e++) {
        uintptr_t at = offset + (uintptr_t)(e * t->size);
        if (t->is_union) {
            if (l->n == l->cap) {
                uint32_t cap = l->cap ? l->cap * 2 : 4;
                un_position *grown = realloc(l->p, cap * sizeof *grown);
                if (!grown) {
                    l->oom = 1;
                    return;
                }
                l->p = grown;
                l->cap = cap;
            }
            l->p[l->n++] = (un_position){ at, t };
        }
        for (uint32_t i = 0; i < t->nmembers; i++) {
            const tmember *m = &t->members[i];
            if (m->type && m->type->has_unions)
                collect_positions(l, m->type, at + m->offset, m->count);
        }
    }
}

/* Makes the list of t's union positions on first use. */
static __attribute__((noinline)) void make_positions(const struct mt_type *t)
{
    pos_list l = { 0 };
    collect_positions(&l, t, 0, 1);
    if (l.oom || !l.n) {
        free(l.p);
        if (l.oom)
            table_failed();
        return;
    }
    struct mt_type *w = (struct mt_type *)t;  /* a cache: the type's meaning is unchanged */
    w->nunion_positions = l.n;
    w->union_positions = l.p;
}

/* The positions of t's unions; the caller holds the lock. */
static inline __attribute__((always_inline)) const un_position *positions_of(const struct mt_type *t, uint32_t *n)
{
    if (__builtin_expect(!t->union_positions, 0))
        make_positions(t);
    if (!t->union_positions) {
        *n = 0;
        return NULL;
    }
    *n = t->nunion_positions;
    return t->union_positions;
}

/* Calls fn on every union object inside count elements of t at offset. */
typedef void (*position_fn)(void *ctx, uintptr_t offset, const struct mt_type *u);

static inline __attribute__((always_inline)) void each_union(const struct mt_type *t, uintptr_t offset,
                                                             uint64_t count, position_fn fn, void *ctx)
{
    if (!t->has_unions)
        return;
    uint32_t n;
    const un_position *p = positions_of(t, &n);
    for (uint64_t e = 0; e < count; e++) {
        uintptr_t at = offset + (uintptr_t)(e * t->size);
        for (uint32_t i = 0; i < n; i++)
            fn(ctx, at + p[i].offset, p[i].u);
    }
}

static inline __attribute__((always_inline)) void forget_one(void *ctx, uintptr_t offset, const struct mt_type *u)
{
    unknow((uintptr_t)ctx + offset, u);
}

/* Forgets what is known of the unions in count elements of t at p. */
static inline __attribute__((always_inline)) void forget(const void *p, const struct mt_type *t, uint64_t count)
{
    if (!live || !p || !t || !t->has_unions)
        return;
    if (count > live)
        del_range((uintptr_t)p, (uintptr_t)p + (uintptr_t)(count * t->size));
    else
        each_union(t, 0, count, forget_one, (void *)p);
}

/* Copies what is known of the unions of one value of t at src to dst;
 * the caller holds the lock. */
typedef struct copy_ctx {
    uintptr_t dst, src;
    int failed;
} copy_ctx;

static void copy_one(void *ctx, uintptr_t offset, const struct mt_type *u)
{
    copy_ctx *c = ctx;
    long m = get(c->src + offset, u);
    if (m < 0)
        unknow(c->dst + offset, u);
    else if (put(c->dst + offset, u, (uint32_t)m) < 0)
        c->failed = 1;
}

static int copy_locked(uintptr_t dst, uintptr_t src, const mt_type *t)
{
    copy_ctx c = { dst, src, 0 };
    if (live && dst != src)
        each_union(t, 0, 1, copy_one, &c);
    return c.failed ? -1 : 0;
}

/* ---- Updates a handler queued ------------------------------------------------------ */

/* A signal handler of the program that finds the lock held must not wait:
 * the holder may be the operation it interrupted, on its own thread,
 * which cannot go on before the handler returns. It queues the update
 * here instead, and whoever takes the lock next (table_lock, fast_enter)
 * applies the queue, in order, before its own operation (a handler
 * queues behind it instead: table_lock). Every store,
 * copy, capture and restore takes the lock, so none sees the table
 * without what handlers queued before it; a handler's update lands after
 * the operation it interrupted, as if it had run just after it. The ring
 * is filled by handlers on any thread (a slot reserved by
 * compare-and-swap, written, then marked ready) and emptied only by the
 * lock's holder, which stops at a slot not yet ready (a handler on
 * another CPU, or one this thread's handler interrupted) and leaves the
 * rest for the next taker. Nothing here allocates or waits. */
enum { QUEUE_CAP = 4096 };  /* a power of two: the indices wrap */
enum queued_kind { Q_SET, Q_FORGET, Q_COPY };

typedef struct queued {
    atomic_uint ready;          /* 1 once written; 0 again once applied */
    uint32_t kind;              /* enum queued_kind */
    uint32_t member;            /* Q_SET: the member stored, NO_MEMBER: forgotten */
    uintptr_t addr, src;        /* the object; Q_COPY: the value copied from */
    const mt_type *t;           /* Q_SET: the union; else the object's type */
    uint64_t count;             /* Q_FORGET: elements of t */
} queued;

static struct {
    atomic_uint tail;           /* the next slot to reserve */
    atomic_uint head;           /* the next slot to apply (the lock's holder moves it) */
    atomic_int full;            /* an update found the ring full: captures are refused */
    queued q[QUEUE_CAP];
} queue;

/* From a handler that found the lock held: one update into the ring. A
 * full ring (thousands of updates from handlers during one operation)
 * drops it and says so: every later capture is refused by name. */
static void enqueue(enum queued_kind kind, uintptr_t addr, uintptr_t src, const mt_type *t, uint64_t count,
                    uint32_t member)
{
    unsigned at = atomic_load_explicit(&queue.tail, memory_order_relaxed);
    do {
        if (at - atomic_load_explicit(&queue.head, memory_order_acquire) >= QUEUE_CAP) {
            atomic_store_explicit(&queue.full, 1, memory_order_relaxed);
            return;
        }
    } while (!atomic_compare_exchange_weak_explicit(&queue.tail, &at, at + 1, memory_order_relaxed,
                                                    memory_order_relaxed));
    queued *e = &queue.q[at % QUEUE_CAP];
    e->kind = kind;
    e->member = member;
    e->addr = addr;
    e->src = src;
    e->t = t;
    e->count = count;
    atomic_store_explicit(&e->ready, 1, memory_order_release);
    /* a read-modify-write, so that the taker that clears the flag sees
     * every update whose flag it clears (one release sequence) */
    atomic_fetch_or_explicit(&queue_pending, QUEUE_WAITING, memory_order_release);
}

static void apply(const queued *e)
{
    int rc = 0;
    if (e->kind == Q_SET && e->member == NO_MEMBER)
        unknow(e->addr, e->t);
    else if (e->kind == Q_SET)
        rc = put(e->addr, e->t, e->member);
    else if (e->kind == Q_FORGET)
        forget((const void *)e->addr, e->t, e->count);
    else
        rc = copy_locked(e->addr, e->src, e->t);
    if (rc < 0)
        table_failed();
}

/* Applies the ring up to its first slot not yet written; the caller has
 * just taken the lock. */
static __attribute__((noinline)) void drain(void)
{
    atomic_exchange_explicit(&queue_pending, 0, memory_order_acquire);
    unsigned at = atomic_load_explicit(&queue.head, memory_order_relaxed);
    unsigned end = atomic_load_explicit(&queue.tail, memory_order_acquire);
    for (; at != end; at++) {
        queued *e = &queue.q[at % QUEUE_CAP];
        if (!atomic_load_explicit(&e->ready, memory_order_acquire)) {  /* the next taker goes on */
            atomic_fetch_or_explicit(&queue_pending, QUEUE_WAITING, memory_order_relaxed);
            break;
        }
        apply(e);
        atomic_store_explicit(&e->ready, 0, memory_order_relaxed);
        atomic_store_explicit(&queue.head, at + 1, memory_order_release);
    }
}

/* 1 when an update a handler made was dropped (the ring was full). What
 * is still queued after a taker's drain was queued after it took the
 * lock: by a handler that interrupted the taker, or on another thread
 * meanwhile; it comes after the taker's operation, and the next taker
 * applies it. */
static int queue_lost(void)
{
    return atomic_load_explicit(&queue.full, memory_order_relaxed);
}

/* ---- What mtcc's output calls ---------------------------------------------------------- */

/* The table is out of memory: a capture could not tell the members. */
static __attribute__((noinline, cold)) void table_failed(void)
{
    mt_error err;
    mt_fail(&err, MT_ENOMEM, "out of memory noting the active member of a union");
    mt_die(&err);
}

/* The general store: any table, any mode. */
static __attribute__((noinline)) void *set_any(const volatile void *u, unsigned member, const mt_type *t, int held)
{
    if (!held)
        held = table_lock();
    if (held == LOCK_QUEUED) {
        enqueue(Q_SET, (uintptr_t)u, 0, t, 1, member);
        return (void *)(uintptr_t)u;
    }
    int rc = put((uintptr_t)u, t, member);
    table_unlock(held);
    if (rc < 0)
        table_failed();
    return (void *)(uintptr_t)u;
}

/* A store while the table has room (the header's mt_union_set_fast wrote
 * it already when solo and the key sat at its first slot). */
static inline __attribute__((always_inline)) void *set_fast(const volatile void *u, unsigned member,
                                                            const mt_type *t, int shared)
{
    if (!fast_enter(shared))
        return set_any(u, member, t, 0);
    if (!has_room())
        return set_any(u, member, t, shared);
    put_at((uintptr_t)u, t, member);
    fast_leave(shared);
    return (void *)(uintptr_t)u;
}

void *mt_union_set(const volatile void *u, unsigned member, const mt_type *t)
{
    if (mt_union_tab.solo)
        return set_fast(u, member, t, 0);
    return set_fast(u, member, t, 1);
}

/* t's union position when it has one and it is known, else NULL. While
 * shared, read under the lock (another thread may be making it). */
static inline __attribute__((always_inline)) const un_position *one_position(const mt_type *t)
{
    const un_position *p = t->union_positions;
    return __builtin_expect(p && t->nunion_positions == 1, 1) ? p : NULL;
}

static __attribute__((noinline)) void *copy_any(const volatile void *dst, const volatile void *src,
                                                const mt_type *t, int held)
{
    if (!held)
        held = table_lock();
    if (held == LOCK_QUEUED) {  /* applied in turn: src's members as they will be then */
        enqueue(Q_COPY, (uintptr_t)dst, (uintptr_t)src, t, 1, 0);
        return (void *)(uintptr_t)dst;
    }
    int rc = copy_locked((uintptr_t)dst, (uintptr_t)src, t);
    table_unlock(held);
    if (rc < 0)
        table_failed();
    return (void *)(uintptr_t)dst;
}

/* A copy of a value of a type holding one union, the table with room. */
static inline __attribute__((always_inline)) void *copy_fast(const volatile void *dst, const volatile void *src,
                                                             const mt_type *t, int shared)
{
    if (!fast_enter(shared))
        return copy_any(dst, src, t, 0);
    const un_position *p = one_position(t);
    if (!p || !has_room())
        return copy_any(dst, src, t, shared);
    if (live && dst != src) {
        long m = get((uintptr_t)src + p->offset, p->u);
        if (m < 0)
            unknow((uintptr_t)dst + p->offset, p->u);
        else
            put_at((uintptr_t)dst + p->offset, p->u, (uint32_t)m);
    }
    fast_leave(shared);
    return (void *)(uintptr_t)dst;
}

void *mt_union_copy(const volatile void *dst, const volatile void *src, const mt_type *t)
{
    if (mt_union_tab.solo)
        return copy_fast(dst, src, t, 0);
    return copy_fast(dst, src, t, 1);
}

void *mt_union_assign(const volatile void *dst, const volatile void *src, size_t size, const mt_type *t)
{
    memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, size);
    return mt_union_copy(dst, src, t);
}

/* Forgets count elements' unions at p, whatever taking the lock gave. */
static void forget_held(const void *p, const mt_type *t, uint64_t count, int held)
{
    if (held == LOCK_QUEUED)
        enqueue(Q_FORGET, (uintptr_t)p, 0, t, count, 0);
    else
        forget(p, t, count);
    table_unlock(held);
}

void *mt_union_forget(const volatile void *dst, const mt_type *t)
{
    forget_held((const void *)(uintptr_t)dst, t, 1, table_lock());
    return (void *)(uintptr_t)dst;
}

/* A value of a type holding unions, returned by a function: the members
 * of its unions wait here, per thread, for the caller that stores the
 * value (mt_union_take). Every return of such a value in mtcc's output
 * sets or clears it, so what a take finds is the latest return's. The
 * first union position's member is in `one` (most such types hold one
 * union: the return and the take then run no loop), the others' in
 * members. */
static _Thread_local struct {
    const mt_type *type;   /* NULL: nothing known */
    uint32_t one;          /* NO_MEMBER: unknown */
    uint32_t *members;     /* per union position after the first, NO_MEMBER: unknown */
    size_t n, cap;
} returned;

static inline __attribute__((always_inline)) uint32_t member_or_none(uintptr_t addr, const struct mt_type *u)
{
    long k = get(addr, u);
    return k < 0 ? NO_MEMBER : (uint32_t)k;
}

/* The members of src's unions after the first (n positions p). */
static __attribute__((noinline)) int stash_more(uintptr_t src, const un_position *p, uint32_t n)
{
    if (n - 1 > returned.cap) {
        size_t cap = returned.cap ? returned.cap : 16;
        while (cap < n - 1)
            cap *= 2;
        uint32_t *grown = realloc(returned.members, cap * sizeof *grown);
        if (!grown)
            return -1;
        returned.members = grown;
        returned.cap = cap;
    }
    for (uint32_t i = 1; i < n; i++)
        returned.members[i - 1] = member_or_none(src + p[i].offset, p[i].u);
    returned.n = n;
    return 0;
}

/* src is not NULL. */
static __attribute__((noinline)) void *ret_any(const volatile void *src, const mt_type *t, int held)
{
    returned.type = NULL;
    if (!held)
        held = table_lock();  /* (before t's positions: another thread may be making them) */
    if (held == LOCK_QUEUED)
        return (void *)(uintptr_t)src;  /* the table may be mid-change: nothing known, the take forgets */
    uint32_t n;
    const un_position *p = positions_of(t, &n);
    int rc = -1;
    if (n) {
        returned.one = member_or_none((uintptr_t)src + p[0].offset, p[0].u);
        rc = n > 1 ? stash_more((uintptr_t)src, p, n) : 0;
    }
    table_unlock(held);
    if (rc == 0)
        returned.type = t;
    return (void *)(uintptr_t)src;
}

static inline __attribute__((always_inline)) void *ret_fast(const volatile void *src, const mt_type *t, int shared)
{
    if (!src) {
        returned.type = NULL;  /* nothing known */
        return NULL;
    }
    if (!fast_enter(shared))
        return ret_any(src, t, 0);
    const un_position *p = one_position(t);
    if (!p)
        return ret_any(src, t, shared);
    returned.one = member_or_none((uintptr_t)src + p->offset, p->u);
    fast_leave(shared);
    returned.type = t;
    return (void *)(uintptr_t)src;
}

void *mt_union_ret(const volatile void *src, const mt_type *t)
{
    if (mt_union_tab.solo)
        return ret_fast(src, t, 0);
    return ret_fast(src, t, 1);
}

/* The trampolines' hooks (unions.h): the handler starts with nothing
 * handed over and a members array of its own, so that neither its
 * returns nor its growing of the array touch what the interrupted code
 * stashed (a loop over the array may hold its address). */
static void set_aside(unions_saved *s)
{
    *s = (unions_saved){ returned.type, returned.one, returned.members, returned.n, returned.cap };
    returned.type = NULL;
    returned.members = NULL;
    returned.n = returned.cap = 0;
}

static void put_back(unions_saved *s)
{
    free(returned.members);  /* the handler's, if it returned a value of several unions */
    returned.type = s->type;
    returned.one = s->one;
    returned.members = s->members;
    returned.n = s->n;
    returned.cap = s->cap;
}

/* Handed down as the program starts, before any handler of it can run. */
__attribute__((constructor)) static void hand_hooks_down(void)
{
    unions_set_handover_hooks(set_aside, put_back);
}

/* Gives dst's union positions after the first the members stashed. */
static __attribute__((noinline)) int unstash_more(uintptr_t dst, const un_position *p, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t k = i <= returned.n ? returned.members[i - 1] : NO_MEMBER;
        if (k == NO_MEMBER)
            unknow(dst + p[i].offset, p[i].u);
        else if (put(dst + p[i].offset, p[i].u, k) < 0)
            return -1;
    }
    return 0;
}

/* Gives dst's unions the members handed over for t. */
static int unstash(uintptr_t dst, const mt_type *t)
{
    /* t's positions were made by the return that handed them over */
    const un_position *p = t->union_positions;
    uint32_t n = t->nunion_positions;
    int rc = 0;
    uintptr_t at = dst + p[0].offset;
    if (returned.one == NO_MEMBER)
        unknow(at, p[0].u);
    else
        rc = put(at, p[0].u, returned.one);
    if (rc == 0 && n > 1)
        rc = unstash_more(dst, p, n);
    return rc;
}

/* A take in a handler that found the lock held: the members handed over
 * (t's positions were made by the return that stashed them, and stay),
 * else dst's unions forgotten, queued. */
static void queue_take(uintptr_t dst, const mt_type *t)
{
    if (returned.type != t) {
        enqueue(Q_FORGET, dst, 0, t, 1, 0);
        return;
    }
    const un_position *p = t->union_positions;
    enqueue(Q_SET, dst + p[0].offset, 0, p[0].u, 1, returned.one);
    for (uint32_t i = 1; i < t->nunion_positions; i++)
        enqueue(Q_SET, dst + p[i].offset, 0, p[i].u, 1, i <= returned.n ? returned.members[i - 1] : NO_MEMBER);
}

/* A take with anything handed over, or nothing (dst's members are then
 * forgotten). */
static __attribute__((noinline)) void *take_any(const volatile void *dst, const mt_type *t, int held)
{
    if (!held)
        held = table_lock();
    if (held == LOCK_QUEUED) {
        queue_take((uintptr_t)dst, t);
        returned.type = NULL;
        return (void *)(uintptr_t)dst;
    }
    int rc = 0;
    if (returned.type == t)
        rc = unstash((uintptr_t)dst, t);
    else
        forget((const void *)(uintptr_t)dst, t, 1);
    returned.type = NULL;
    table_unlock(held);
    if (rc < 0)
        table_failed();
    return (void *)(uintptr_t)dst;
}

static inline __attribute__((always_inline)) void *take_fast(const volatile void *dst, const mt_type *t, int shared)
{
    if (returned.type != t || !fast_enter(shared))
        return take_any(dst, t, 0);
    const un_position *p = one_position(t);
    if (!p || !has_room())
        return take_any(dst, t, shared);
    returned.type = NULL;
    uintptr_t at = (uintptr_t)dst + p->offset;
    if (returned.one == NO_MEMBER)
        unknow(at, p->u);
    else
        put_at(at, p->u, returned.one);
    fast_leave(shared);
    return (void *)(uintptr_t)dst;
}

void *mt_union_take(const volatile void *dst, const mt_type *t)
{
    if (mt_union_tab.solo)
        return take_fast(dst, t, 0);
    return take_fast(dst, t, 1);
}

/* A new heap block of elements of t: nothing is known of its unions. */
static void *fresh_block(void *p, size_t size, const mt_type *t)
{
    if (p && t && t->size)
        forget_held(p, t, size / t->size, table_lock());
    return p;
}

/* Forgets the unions of one element of t at p when t's positions are
 * known: 1, else 0 (nothing done). */
static inline __attribute__((always_inline)) int forget_fast(uintptr_t p, const mt_type *t, int shared)
{
    if (!fast_enter(shared))
        return 0;
    const un_position *q = t->union_positions;
    if (q && live)
        for (uint32_t i = 0, n = t->nunion_positions; i < n; i++)
            unknow(p + q[i].offset, q[i].u);
    fast_leave(shared);
    return q != NULL;
}

static inline __attribute__((always_inline)) int forget_one_element(void *p, const mt_type *t)
{
    if (mt_union_tab.solo)
        return forget_fast((uintptr_t)p, t, 0);
    return forget_fast((uintptr_t)p, t, 1);
}

void *mt_pin_enter_u(const mt_type *t)
{
    void *p = mt_pin_enter(t);
    if (p && !forget_one_element(p, t))
        fresh_block(p, t->size, t);
    return p;
}

void *mt_malloc_u(size_t size, const mt_type *t, const mt_site *site)
{
    void *p = mt_malloc(size, t, site);
    if (p && t && t->size && size == t->size && forget_one_element(p, t))
        return p;
    return fresh_block(p, size, t);
}

void *mt_calloc_u(size_t n, size_t size, const mt_type *t, const mt_site *site)
{
    return fresh_block(mt_calloc(n, size, t, site), n * size, t);
}

void *mt_aligned_alloc_u(size_t align, size_t size, const mt_type *t, const mt_site *site)
{
    return fresh_block(mt_aligned_alloc(align, size, t, site), size, t);
}

void *mt_memalign_u(size_t align, size_t size, const mt_type *t, const mt_site *site)
{
    return fresh_block(mt_memalign(align, size, t, site), size, t);
}

void *mt_valloc_u(size_t size, const mt_type *t, const mt_site *site)
{
    return fresh_block(mt_valloc(size, t, site), size, t);
}

int mt_posix_memalign_u(void **out, size_t align, size_t size, const mt_type *t, const mt_site *site)
{
    int rc = mt_posix_memalign(out, align, size, t, site);
    if (rc == 0)
        fresh_block(*out, size, t);
    return rc;
}

/* The members of the unions that stay in a block realloc moved go with
 * them; the rest of the new block knows nothing. */
typedef struct moved_tags {
    uint32_t *members;   /* per union position, UINT32_MAX: unknown */
    size_t n, at;
} moved_tags;

static void count_one(void *ctx, uintptr_t offset, const struct mt_type *u)
{
    (void)offset;
    (void)u;
    ((moved_tags *)ctx)->n++;
}

static void take_one(void *ctx, uintptr_t offset, const struct mt_type *u)
{
    moved_tags *m = ctx;
    long k = get(offset, u);  /* offset is absolute here */
    m->members[m->at++] = k < 0 ? UINT32_MAX : (uint32_t)k;
}

static void give_one(void *ctx, uintptr_t offset, const struct mt_type *u)
{
    moved_tags *m = ctx;
    uint32_t k = m->members[m->at++];
    if (k != UINT32_MAX && put(offset, u, k) < 0)
        table_failed();
}

static void give_queued(void *ctx, uintptr_t offset, const struct mt_type *u)
{
    moved_tags *m = ctx;
    uint32_t k = m->members[m->at++];
    if (k != UINT32_MAX)
        enqueue(Q_SET, offset, 0, u, 1, k);
}

/* Gives the unions of count elements of t at base the members taken
 * (t's positions were made when they were taken). */
static void give_members(moved_tags *m, uintptr_t base, uint64_t count, const mt_type *t)
{
    m->at = 0;
    int held = table_lock();
    each_union(t, base, count, held == LOCK_QUEUED ? give_queued : give_one, m);
    table_unlock(held);
}

void *mt_realloc_u(void *old, size_t size, const mt_type *t, const mt_site *site)
{
    const struct mt_type *ot;
    uint64_t count = 0;
    moved_tags m = { 0 };
    /* the heap's lock is never taken inside this one (a capture takes
     * them the other way round) */
    int known = old && t && t->size && state_heap_find(old, &ot, &count) && ot == t;
    int held = table_lock();
    if (held == LOCK_QUEUED && known)
        enqueue(Q_FORGET, (uintptr_t)old, 0, t, count, 0);  /* the members are not carried: unknown */
    else if (known && live) {
        each_union(t, (uintptr_t)old, count, count_one, &m);
        m.members = malloc((m.n ? m.n : 1) * sizeof *m.members);
        if (!m.members)
            table_failed();
        each_union(t, (uintptr_t)old, count, take_one, &m);
        forget(old, t, count);
    }
    table_unlock(held);
    void *p = mt_realloc(old, size, t, site);
    fresh_block(p, size, t);
    if (p && m.members)
        give_members(&m, (uintptr_t)p, size / t->size < count ? size / t->size : count, t);
    else if (!p && m.members)  /* the old block stays: so do its members */
        give_members(&m, (uintptr_t)old, count, t);
    free(m.members);
    return p;
}

void *mt_reallocarray_u(void *old, size_t n, size_t size, const mt_type *t, const mt_site *site)
{
    if (size && n > SIZE_MAX / size)
        return mt_reallocarray(old, n, size, t, site);  /* fails as reallocarray does */
    return mt_realloc_u(old, n * size, t, site);
}

/* ---- Queries ------------------------------------------------------------------------ */

long unions_active(const void *addr, const struct mt_type *u)
{
    int held = table_lock();
    if (held == LOCK_QUEUED)
        return -1;  /* (a capture in a handler: the table may be mid-change) unknown */
    long m = get((uintptr_t)addr, u);
    table_unlock(held);
    return m;
}

int unions_in_program(void)
{
    uint32_t n;
    const struct mt_type *const *t = types_local(&n);
    for (uint32_t i = 0; i < n; i++)
        if (t[i]->has_unions)
            return 1;
    return 0;
}

/* ---- Capture ---------------------------------------------------------------------- */

typedef struct cap_walk {
    un_capture *c;
    const ck_block *b;
    const struct mt_type *block_type;
    const uint8_t *data;
    int use_table;       /* 0 for frame records: their unions' stores were made elsewhere */
    char path[256];
    mt_error *err;
} cap_walk;

static int note(cap_walk *w, uint64_t offset, const struct mt_type *u, uint32_t member)
{
    un_capture *c = w->c;
    if (c->n == c->cap) {
        uint64_t ncap = c->cap ? c->cap * 2 : 256;
        ck_union *grown = realloc(c->entries, ncap * sizeof *grown);
        if (!grown)
            return mt_fail(w->err, MT_ENOMEM, "out of memory noting the members of unions");
        c->entries = grown;
        c->cap = ncap;
    }
    c->entries[c->n++] = (ck_union){ w->b->old_addr, offset, u->index, member };
    return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* "global g member v.as", "function main local v.as", "heap block 0x10 (struct cell) member [3].v" */
static void where(const cap_walk *w, char *buf, size_t n)
{
    const ck_block *b = w->b;
    const char *tn = w->block_type->name, *path = w->path[0] == '.' ? w->path + 1 : w->path;
    if (b->role == CK_ROLE_PIN || b->role == CK_ROLE_FRAME) {
        const char *fn = strchr(tn, ' ');
        snprintf(buf, n, "function %s local %s", fn ? fn + 1 : tn, path);
    } else if (b->role == CK_ROLE_HEAP) {
        snprintf(buf, n, "heap block 0x%llx (%s)%s%s", (unsigned long long)b->old_addr, tn,
                 *path ? " member " : "", w->path);
    } else {
        snprintf(buf, n, "%s %s%s%s", b->role == CK_ROLE_TLS ? "thread-local" : "global", b->name,
                 *path ? " member " : "", path);
    }
}

static int walk_type(cap_walk *w, const struct mt_type *t, uint64_t offset, uint64_t count);

static int walk_union(cap_walk *w, const struct mt_type *u, uint64_t offset)
{
    const uint8_t *bytes = w->data + offset;
    long m = w->use_table ? get((uintptr_t)(w->b->old_addr + offset), u) : -1;
    /* a union of one member holds that member: walked, not noted (the
     * restore takes it as the active one too) */
    int only = m < 0 && u->nmembers == 1;
    if (only)
        m = 0;
    if (m >= 0 && (uint32_t)m < u->nmembers) {
        if (!only && note(w, offset, u, (uint32_t)m) < 0)
            return -1;
        const tmember *am = &u->members[m];
        size_t len = strlen(w->path);
        snprintf(w->path + len, sizeof w->path - len, ".%s", am->name);
        int rc = am->type ? walk_type(w, am->type, offset + am->offset, am->count) : 0;
        w->path[len] = '\0';
        return rc;
    }
    if (u->has_pointers && !all_zero(bytes, u->size)) {
        char at[400];
        where(w, at, sizeof at);
        return mt_fail(w->err, MT_EPOINTER,
                       "%s%s in %s may hold a pointer (a member is one) and its active member is unknown",
                       strstr(u->name, "union ") ? "" : "union ", u->name, at);  /* "volatile union U7" says it */
    }
    return 0;
}

static int walk_type(cap_walk *w, const struct mt_type *t, uint64_t offset, uint64_t count)
{
    if (!t->has_unions)
        return 0;
    size_t len = strlen(w->path);
    for (uint64_t e = 0; e < count; e++) {
        uint64_t at = offset + e * t->size;
        if (count > 1)
            snprintf(w->path + len, sizeof w->path - len, "[%llu]", (unsigned long long)e);
        if (t->is_union) {
            if (walk_union(w, t, at) < 0)
                return -1;
            continue;
        }
        size_t elen = strlen(w->path);
        for (uint32_t i = 0; i < t->nmembers; i++) {
            const tmember *m = &t->members[i];
            if (!m->type || !m->type->has_unions)
                continue;
            snprintf(w->path + elen, sizeof w->path - elen, ".%s", m->name);
            if (walk_type(w, m->type, at + m->offset, m->count) < 0)
                return -1;
            w->path[elen] = '\0';
        }
    }
    w->path[len] = '\0';
    return 0;
}

int unions_block_seen(void *ctx, const ck_block *b, const void *data, mt_error *err)
{
    uint32_t ntypes;
    const struct mt_type *const *types = types_local(&ntypes);
    if (b->type >= ntypes || !types[b->type]->has_unions || b->role == CK_ROLE_THREAD)
        return 0;
    if (b->role == CK_ROLE_GLOBAL && b->aux)
        return 0;  /* identity only: its bytes are never written over */
    cap_walk w = { .c = ctx, .b = b, .block_type = types[b->type], .data = data,
                   .use_table = b->role != CK_ROLE_FRAME, .err = err };
    int held = table_lock();
    if (held == LOCK_QUEUED)
        return mt_fail(err, MT_EREFUSED, "a capture in a signal handler that interrupted its thread's update of "
                                         "the union table cannot read the active members of unions");
    if (queue_lost()) {
        table_unlock(held);
        return mt_fail(err, MT_EREFUSED, "signal handlers stored into more unions than the queue of their "
                                         "updates holds (%d) while the union table was busy: the active "
                                         "members are not known", QUEUE_CAP);
    }
    int rc = walk_type(&w, w.block_type, 0, b->count);
    table_unlock(held);
    return rc;
}

static int by_position(const void *a, const void *b)
{
    const ck_union *x = a, *y = b;
    uint64_t xa = x->block + x->offset, ya = y->block + y->offset;
    if (xa != ya)
        return xa < ya ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

void unions_capture_sort(un_capture *c)
{
    if (c->n > 1)
        qsort(c->entries, c->n, sizeof *c->entries, by_position);
}

void unions_capture_free(un_capture *c)
{
    free(c->entries);
    memset(c, 0, sizeof *c);
}

/* ---- Restore ------------------------------------------------------------------------ */

long unions_image_member(const ck_image *img, uint64_t addr, uint32_t type)
{
    uint64_t lo = 0, hi = img->nunions;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        const ck_union *u = &img->unions[mid];
        uint64_t at = u->block + u->offset;
        if (at < addr || (at == addr && u->type < type))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == img->nunions)
        return -1;
    const ck_union *u = &img->unions[lo];
    return u->block + u->offset == addr && u->type == type ? (long)u->member : -1;
}

void unions_reset(void)
{
    int held = table_lock();  /* (a restore's own code: never LOCK_QUEUED) */
    if (live)
        memset(slots, 0, cap * sizeof *slots);
    live = 0;
    atomic_store_explicit(&queue.full, 0, memory_order_relaxed);  /* the table is the checkpoint's now */
    table_unlock(held);
}

int unions_install(void *addr, const struct mt_type *u, uint32_t member, mt_error *err)
{
    int held = table_lock();  /* (a restore's own code: never LOCK_QUEUED) */
    int rc = put((uintptr_t)addr, u, member);
    table_unlock(held);
    return rc < 0 ? mt_fail(err, MT_ENOMEM, "out of memory restoring the members of unions") : 0;
}
