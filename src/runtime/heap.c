/* heap.c: the allocation wrappers mtcc puts in place of malloc and kin.
 *
 * Each block is tracked with the element type mtcc inferred from the
 * allocation (the sizeof expression or the destination pointer), so a
 * checkpoint knows how to convert it; a size that is not a whole number of
 * elements is tracked as raw bytes.
 *
 * New memory is zeroed: a checkpoint may come while the program is still
 * filling a block, and a pointer slot it has not written yet must read as
 * NULL, not as garbage that no restore could translate. Small blocks are
 * zeroed by hand rather than by calloc, which bypasses glibc's per-thread
 * cache (tcache) and so costs twice a malloc; large ones keep calloc,
 * which knows when fresh pages from the kernel are zero already. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "migthread-gen.h"
#include "state.h"
#include "types.h"

static const mt_type *bytes_type(void)
{
    static const mt_type *t;
    if (!t)
        t = mt_type_scalar("unsigned char", MT_CLASS_BYTES, 1, 1);
    return t;
}

static void track(void *p, size_t size, const mt_type *t)
{
    if (!p || size == 0)
        return;
    if (!t || t->size == 0 || size % t->size != 0)
        t = bytes_type();
    if (state_heap_add(p, t, size / t->size) < 0) {
        /* the tracker is out of memory: a checkpoint would be wrong */
        mt_error err;
        mt_fail(&err, MT_ENOMEM, "out of memory tracking a heap block");
        mt_die(&err);
    }
}

/* Below this size calloc would not find fresh zero pages anyway. */
enum { ZERO_BY_HAND_MAX = 4096 };

/* Out of line, or gcc turns malloc and memset back into calloc. */
static __attribute__((noinline)) void zero(void *p, size_t size)
{
    memset(p, 0, size);
}

static void *zeroed(size_t size)
{
    if (size > ZERO_BY_HAND_MAX)
        return calloc(1, size);
    void *p = malloc(size);
    if (p)
        zero(p, size);
    return p;
}

void *mt_malloc(size_t size, const mt_type *t)
{
    void *p = zeroed(size);
    track(p, size, t);
    return p;
}

void *mt_calloc(size_t n, size_t size, const mt_type *t)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;  /* as calloc says it */
        return NULL;
    }
    void *p = zeroed(n * size);
    track(p, n * size, t);
    return p;
}

void *mt_realloc(void *old, size_t size, const mt_type *t)
{
    /* Untrack first: after realloc the old address means nothing. When
     * realloc fails the old block is still there, so track it again. */
    const struct mt_type *old_type = NULL;
    uint64_t old_count = 0;
    size_t old_size = 0;
    if (old && state_heap_take(old, &old_type, &old_count)) {
        old_size = (size_t)old_count * old_type->size;
    } else if (old) {
        /* a block from untracked code (strndup, getline): all of it that
         * malloc gave is kept, only what realloc adds is zeroed */
        old_size = malloc_usable_size(old);
    }
    void *p = realloc(old, size);
    if (!p && size && old_type) {
        track(old, old_size, old_type);
        return NULL;
    }
    if (p && size > old_size)
        memset((unsigned char *)p + old_size, 0, size - old_size);
    track(p, size, t);
    return p;
}

void mt_free(void *p)
{
    state_heap_release(p);
    free(p);
}

char *mt_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = mt_malloc(n, NULL);
    if (p)
        memcpy(p, s, n);
    return p;
}

char *mt_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = mt_malloc(len + 1, NULL);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

void *mt_reallocarray(void *old, size_t n, size_t size, const mt_type *t)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return mt_realloc(old, n * size, t);
}

void *mt_aligned_alloc(size_t align, size_t size, const mt_type *t)
{
    void *p = aligned_alloc(align, size);
    if (p)
        memset(p, 0, size);
    track(p, size, t);
    return p;
}
