/* homes.c: homes for a restore's heap blocks in the writer's address
 * order (homes.h). glibc's malloc gives lower addresses in two ways: it
 * reuses freed chunks below its top (the reader's own buffers, freed as
 * the checkpoint streams in), and it maps blocks above its mmap threshold
 * top-down. So a chunk that comes back below the last home is held back
 * (kept allocated, so malloc cannot give it again) and malloc is asked
 * again, and while a restore places a large block malloc maps nothing:
 * every home then comes from the heap's top, which grows upwards.
 * Where the heap cannot grow upwards (a 32-bit heap whose brk is blocked
 * falls back to mappings placed downwards, as under qemu-user), holding
 * back does not help: after a few tries the chunk is taken as it is, and
 * the loader homes the blocks again from the last one down, each below
 * the one after it (homes_ceiling). */
#include <malloc.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "homes.h"

/* glibc's least mmap threshold: no smaller block is ever mapped. */
#define MMAP_THRESHOLD_MIN (128 * 1024)
/* glibc's default M_MMAP_MAX, given back when a restore turned it off. */
#define MMAP_MAX_DEFAULT 65536
/* Bytes held back for one home at most: what the restore's own freed
 * buffers and names leave below the top (about 1,400 chunks of 48 bytes
 * for 2,000 blocks), or a hole a few times the home's size. More is a heap
 * that does not grow upwards. */
#define HOLD_BYTES_MIN (1024 * 1024)
#define HOLD_SIZES 4

static struct {
    int depth;               /* nested homes_begin calls */
    uintptr_t last;          /* the highest home given (or the floor) */
    void *held;              /* chunks held back, linked through their first word */
    int unmapped;            /* M_MMAP_MAX is 0 for this restore */
    int unordered;           /* tests: no order until homes_floor */
    int strict;              /* since homes_floor: no home out of order, NULL instead */
    int down;                /* since homes_ceiling: each home below the last */
    int gave_up;             /* malloc gave nothing higher: homes as they come */
} ho;

void homes_begin(void)
{
    if (ho.depth++ == 0) {
        ho.last = 0;
        ho.held = NULL;
        ho.strict = ho.gave_up = ho.down = 0;
    }
}

void homes_end(void)
{
    if (ho.depth == 0 || --ho.depth > 0)
        return;
    while (ho.held) {
        void *next;
        memcpy(&next, ho.held, sizeof next);
        free(ho.held);
        ho.held = next;
    }
    if (ho.unmapped)
        mallopt(M_MMAP_MAX, MMAP_MAX_DEFAULT);
    ho.unmapped = ho.unordered = 0;  /* the fault is one restore's */
}

void homes_floor(const void *floor)
{
    ho.last = (uintptr_t)floor;
    ho.unordered = ho.down = 0;
    ho.strict = 1;
}

void homes_ceiling(const void *ceiling)
{
    ho.last = (uintptr_t)ceiling;
    ho.unordered = ho.gave_up = 0;
    ho.strict = ho.down = 1;
}

int homes_gave_up(void)
{
    return ho.gave_up;
}

void homes_test_unordered(void)
{
    ho.unordered = 1;
}

int homes_align_ok(uint64_t align)
{
    return align <= HOMES_ALIGN_MAX && (align & (align - 1)) == 0;
}

/* One chunk from malloc, or posix_memalign above malloc's alignment. */
static void *one_chunk(size_t want, int zero, size_t align)
{
    if (align <= alignof(max_align_t))
        return zero ? calloc(1, want) : malloc(want);
    void *p;
    if (posix_memalign(&p, align, want) != 0)
        return NULL;
    return zero ? memset(p, 0, want) : p;
}

static void hold(void *p)
{
    memcpy(p, &ho.held, sizeof ho.held);
    ho.held = p;
}

void *homes_alloc(size_t size, int zero, size_t align)
{
    /* room for the link of a chunk held back: a home may be bigger than
     * its block, never smaller */
    size_t want = size < sizeof(void *) ? sizeof(void *) : size;
    if (ho.unordered || (ho.gave_up && !ho.strict))
        return one_chunk(want, zero, align);
    if (ho.gave_up)
        return NULL;
    if (want >= MMAP_THRESHOLD_MIN && !ho.unmapped)
        ho.unmapped = mallopt(M_MMAP_MAX, 0) == 1;
    size_t budget = HOLD_BYTES_MIN + (want < SIZE_MAX / 8 ? HOLD_SIZES * want : 0);
    for (size_t held = 0;; held += want) {
        void *p = one_chunk(want, zero, align);
        if (!p || (ho.down ? (uintptr_t)p < ho.last : (uintptr_t)p > ho.last)) {
            ho.last = p ? (uintptr_t)p : ho.last;
            return p;
        }
        if (held >= budget) {
            ho.gave_up = 1;
            if (!ho.strict)
                return p;
            free(p);
            return NULL;
        }
        hold(p);
    }
}
