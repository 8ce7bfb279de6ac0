/* state.c: the registries of globals, functions and tracked heap blocks.
 *
 * The heap registry is a hash map keyed by address (blockmap.c), since
 * mtcc's allocation wrappers hit it on every malloc and free. */
#include "state.h"

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <xxhash.h>

#include "blockmap.h"
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

void state_lock(void)
{
    int c = 0;
    if (atomic_compare_exchange_strong_explicit(&lock_word, &c, 1, memory_order_acquire,
                                                memory_order_relaxed))
        return;
    if (c != 2)
        c = atomic_exchange_explicit(&lock_word, 2, memory_order_acquire);
    while (c != 0) {
        futex(&lock_word, FUTEX_WAIT, 2);
        c = atomic_exchange_explicit(&lock_word, 2, memory_order_acquire);
    }
}

void state_unlock(void)
{
    if (atomic_exchange_explicit(&lock_word, 0, memory_order_release) == 2)
        futex(&lock_word, FUTEX_WAKE, 1);
}

uint64_t state_name_key(const char *name)
{
    return XXH3_64bits(name, strlen(name));
}

void mt_set_program_id(uint64_t id) { program_id = id; }
void mt_add_program_part(uint64_t part) { program_id += part; }

int mt_register_global_bytes(const char *name, void *addr, size_t size, mt_error *err)
{
    char tname[300];
    snprintf(tname, sizeof tname, "raw %s", name);
    mt_member m = { "bytes", MT_CLASS_BYTES, 1, 0, size, NULL };
    const mt_type *t = mt_type_define(tname, size, 1, 0, &m, 1, err);
    return t ? mt_register_global(name, addr, t, 1, err) : -1;
}

_Noreturn void mt_die(const mt_error *err)
{
    fflush(stdout);
    fprintf(stderr, "migthread: %s\n", err->msg);
    exit(1);
}
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

static blockmap live_blocks;

/* The blocks freed lately, so that a checkpoint can tell a dangling
 * pointer (hash.c's grow() frees each key while the old array, still in
 * its frame, keeps pointing at it) from a pointer into memory it never
 * knew. Two generations bound the memory: when the newer holds a window's
 * worth, the older is dropped. A block is forgotten here once a new block
 * starts at its address. */
static blockmap freed_new, freed_old;
enum { FREED_WINDOW_MIN = 1 << 16 };

static void remember_freed(const st_heap_block *b)
{
    size_t window = live_blocks.live * 2;
    if (window < FREED_WINDOW_MIN)
        window = FREED_WINDOW_MIN;
    if (freed_new.live >= window) {
        blockmap_clear(&freed_old);
        freed_old = freed_new;
        freed_new = (blockmap){ 0 };
    }
    blockmap_put(&freed_new, b);  /* out of memory: a pointer into it stays refused */
}

int mt_heap_track(void *block, const mt_type *t, size_t count, mt_error *err)
{
    if (!block || !t || count == 0)
        return mt_fail(err, MT_EUSAGE, "mt_heap_track: bad arguments");
    st_heap_block b = { block, t, count };
    state_lock();
    if (freed_new.live)
        blockmap_del(&freed_new, block, NULL);
    if (freed_old.live)
        blockmap_del(&freed_old, block, NULL);
    int rc = blockmap_put(&live_blocks, &b);
    state_unlock();
    return rc < 0 ? mt_fail(err, MT_ENOMEM, "out of memory tracking a heap block") : 0;
}

void mt_heap_forget(void *block)
{
    state_lock();
    blockmap_del(&live_blocks, block, NULL);
    state_unlock();
}

void state_heap_release(void *block)
{
    st_heap_block b;
    state_lock();
    if (blockmap_del(&live_blocks, block, &b))
        remember_freed(&b);
    state_unlock();
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
    const st_heap_block *b = blockmap_get(&live_blocks, p);
    if (b) {
        *t = b->type;
        *count = b->count;
    }
    return b != NULL;
}

int state_heap_each(int (*fn)(const st_heap_block *b, void *ctx), void *ctx)
{
    if (!fn) {  /* count only */
        *(size_t *)ctx = live_blocks.live;
        return 0;
    }
    return blockmap_each(&live_blocks, fn, ctx);
}

int state_freed_each(int (*fn)(const st_heap_block *b, void *ctx), void *ctx)
{
    if (!fn) {
        *(size_t *)ctx = freed_new.live + freed_old.live;
        return 0;
    }
    int r = blockmap_each(&freed_new, fn, ctx);
    return r ? r : blockmap_each(&freed_old, fn, ctx);
}
