/* state.h: what the program has registered: globals, functions, tracked
 * heap blocks and its identity. The save and load paths read it. */
#ifndef MT_STATE_H
#define MT_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "migthread.h"
#include "stream.h"
#include "types.h"

typedef struct st_global {
    char *name;
    uint64_t key;           /* hash of the name */
    void *addr;
    const struct mt_type *type;
    uint64_t count;
    int constant;           /* identity only: never written over on restore */
} st_global;

typedef struct st_function {
    char *name;
    uint64_t id;            /* hash of the name */
    void (*fn)(void);
} st_function;

struct mt_site;

typedef struct st_heap_block {
    void *addr;
    const struct mt_type *type;
    uint64_t count;
    const struct mt_site *site;  /* where it was allocated (migthread-gen.h), or NULL */
} st_heap_block;

uint64_t state_name_key(const char *name);
uint64_t state_program_id(void);

/* Snapshots of the registries, valid until the next registration. The
 * caller holds the state lock (state_lock/state_unlock) while using them. */
void state_lock(void);
void state_unlock(void);
const st_global *state_globals(size_t *n);
const st_function *state_functions(size_t *n);
/* Visits every tracked heap block; stops when fn returns nonzero and
 * returns that value. With fn NULL, stores the number of blocks in the
 * size_t that ctx points to. */
int state_heap_each(int (*fn)(const st_heap_block *b, void *ctx), void *ctx);

const st_global *state_find_global(uint64_t key);
/* Unregisters the global of that name (a closed stream's identity,
 * libc_files.c); nothing when there is none. */
void state_forget_global(const char *name);

/* 1 and the block's type and count when p starts a tracked block. */
int state_heap_find(const void *p, const struct mt_type **t, uint64_t *count);
/* The same, for a caller that holds the state lock (the save path). */
int state_heap_find_locked(const void *p, const struct mt_type **t, uint64_t *count);
const st_function *state_find_function(uint64_t id);

/* Tracks a block (mt_heap_track without the checks of its arguments,
 * which the allocation wrappers need not make). -1 when out of memory. */
int state_heap_add(void *block, const struct mt_type *t, size_t count, const struct mt_site *site);
/* Untracks a block the program frees and remembers its range among the
 * blocks freed lately (mt_heap_forget only untracks). */
void state_heap_release(void *block);
/* The same, and 1 with the block's entry when it was tracked (realloc
 * needs its type, count and site): one lookup where find and release make
 * two. */
int state_heap_take(void *block, st_heap_block *out);
/* Like state_heap_each, over the blocks freed lately; their ranges may
 * overlap each other and live blocks. The caller holds the state lock. */
int state_freed_each(int (*fn)(const st_heap_block *b, void *ctx), void *ctx);

/* Streams the program closed (fclose): a FILE * it keeps afterwards
 * dangles like a pointer into a freed block (reach.c), and a restore gives
 * it the poison region. A stream open again at the same address is a
 * named constant, which the capture finds first. */
void state_stream_closed(const void *f);
void state_closed_streams_each(void (*fn)(uintptr_t start, uintptr_t end, void *ctx), void *ctx);

/* The allocation site a restored heap block keeps, made once per where,
 * flags and alignment (the checkpoint names it; the program's own site
 * objects are not known by name). NULL for an empty where without an
 * alignment, or when out of memory. */
const struct mt_site *state_site_intern(const char *where, unsigned flags, unsigned long align);

/* On: heap blocks of 4 MB or more are advised into transparent huge
 * pages, for forked captures (heap.c, MIGTHREAD_FORK). */
void heap_huge_pages(int on);

/* Writes the registered state as a checkpoint to s (save.c). */
int state_write(st_stream *s, mt_error *err);

/* Before a forked capture (on 1, in the program): what the checkpoint
 * says of its writer (the program's pid, standard output's size) is
 * taken now, while the program is stopped, and a state_write in the copy
 * uses it; on 0 it is forgotten, and state_write reads them itself. */
void state_note_writer(int on);

struct ck_writer;
/* A writer of records kept above this layer (the open files,
 * libc_files.c), called after the function table: 0, or -1 with the
 * writer's err filled, which fails the checkpoint. NULL: none. */
void state_set_record_writer(int (*fn)(struct ck_writer *w));

#endif
