/* state.c: the registries of globals, functions and tracked heap blocks.
 *
 * The heap registry is an open-addressing hash table keyed by address,
 * since mtcc's allocation wrappers hit it on every malloc and free. */
#include "state.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "error.h"
#include "migthread-gen.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t program_id;

static st_global *globals;
static size_t nglobals, globals_cap;
static st_function *functions;
static size_t nfunctions, functions_cap;

void state_lock(void) { pthread_mutex_lock(&lock); }
void state_unlock(void) { pthread_mutex_unlock(&lock); }

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

#define HEAP_TOMBSTONE ((void *)1)

static st_heap_block *heap;
static size_t heap_cap, heap_used, heap_live; /* used counts tombstones too */

static size_t slot_of(const void *p, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17) & (cap - 1);
}

static int heap_rehash(size_t cap)
{
    st_heap_block *fresh = calloc(cap, sizeof *fresh);
    if (!fresh)
        return -1;
    for (size_t i = 0; i < heap_cap; i++) {
        if (heap[i].addr == NULL || heap[i].addr == HEAP_TOMBSTONE)
            continue;
        size_t j = slot_of(heap[i].addr, cap);
        while (fresh[j].addr)
            j = (j + 1) & (cap - 1);
        fresh[j] = heap[i];
    }
    free(heap);
    heap = fresh;
    heap_cap = cap;
    heap_used = heap_live;
    return 0;
}

int mt_heap_track(void *block, const mt_type *t, size_t count, mt_error *err)
{
    if (!block || !t || count == 0)
        return mt_fail(err, MT_EUSAGE, "mt_heap_track: bad arguments");
    state_lock();
    if ((heap_used + 1) * 2 > heap_cap &&
        heap_rehash(heap_cap ? (heap_live * 4 > heap_cap ? heap_cap * 2 : heap_cap) : 1024) < 0) {
        state_unlock();
        return mt_fail(err, MT_ENOMEM, "out of memory tracking a heap block");
    }
    size_t j = slot_of(block, heap_cap);
    while (heap[j].addr && heap[j].addr != HEAP_TOMBSTONE && heap[j].addr != block)
        j = (j + 1) & (heap_cap - 1);
    if (heap[j].addr != block) {
        heap_live++;
        if (heap[j].addr == NULL)
            heap_used++;
    }
    heap[j] = (st_heap_block){ block, t, count };
    state_unlock();
    return 0;
}

void mt_heap_forget(void *block)
{
    if (!block)
        return;
    state_lock();
    if (heap_cap) {
        size_t j = slot_of(block, heap_cap);
        while (heap[j].addr && heap[j].addr != block)
            j = (j + 1) & (heap_cap - 1);
        if (heap[j].addr == block) {
            heap[j].addr = HEAP_TOMBSTONE;
            heap_live--;
        }
    }
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
    int found = 0;
    if (heap_cap && p) {
        size_t j = slot_of(p, heap_cap);
        while (heap[j].addr && heap[j].addr != p)
            j = (j + 1) & (heap_cap - 1);
        if (heap[j].addr == p) {
            *t = heap[j].type;
            *count = heap[j].count;
            found = 1;
        }
    }
    return found;
}

int state_heap_each(int (*fn)(const st_heap_block *b, void *ctx), void *ctx)
{
    if (!fn) {  /* count only */
        *(size_t *)ctx = heap_live;
        return 0;
    }
    for (size_t i = 0; i < heap_cap; i++) {
        if (heap[i].addr == NULL || heap[i].addr == HEAP_TOMBSTONE)
            continue;
        int r = fn(&heap[i], ctx);
        if (r)
            return r;
    }
    return 0;
}
