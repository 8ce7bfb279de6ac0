/* flex.c: block types for allocations that end in an array of run-time
 * length (flexible array members, a header followed by elements).
 *
 * A block type is made once per descriptor, array length and left-over
 * byte count, and kept in the local type table like any type (it goes out
 * in the checkpoint's type table); a cache keyed by those three finds it
 * again on the next allocation of the same length without a hash of its
 * members. */
#include "flex.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "error.h"
#include "migthread-gen.h"

static pthread_mutex_t flex_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- Descriptors -------------------------------------------------------------- */

static flex_info **descs;  /* every descriptor made, for the reader's match */
static size_t ndescs, capdescs;

static int is_scalar_type(const struct mt_type *t)
{
    return t->nmembers == 1 && t->members[0].name[0] == '\0' && t->members[0].offset == 0;
}

static flex_info *find_desc(const struct mt_type *header, const char *member, size_t offset,
                            const struct mt_type *elem, size_t elem_count)
{
    for (size_t i = 0; i < ndescs; i++) {
        flex_info *f = descs[i];
        if (f->header == header && f->elem == elem && f->offset == offset && f->elem_count == elem_count &&
            strcmp(f->member, member) == 0)
            return f;
    }
    return NULL;
}

static flex_info *new_desc(const struct mt_type *header, const char *member, size_t offset,
                           const struct mt_type *elem, size_t elem_count)
{
    flex_info *f = calloc(1, sizeof *f);
    struct mt_type *d = calloc(1, sizeof *d);
    size_t len = strlen(header->name) + strlen(member) + 2;
    char *name = malloc(len);
    char *mname = malloc(strlen(member) + 1);
    if (!f || !d || !name || !mname) {
        free(f), free(d), free(name), free(mname);
        return NULL;
    }
    snprintf(name, len, "%s+%s", header->name, member);
    strcpy(mname, member);
    int scalar = is_scalar_type(elem);
    *f = (flex_info){ .desc = d, .header = header, .elem = elem, .member = mname, .offset = (uint32_t)offset,
                      .elem_count = (uint32_t)elem_count,
                      .elem_size = scalar ? elem->members[0].size : elem->size,
                      .elem_cls = (uint8_t)(scalar ? elem->members[0].cls
                                                   : elem->is_union ? MT_CLASS_UNION : MT_CLASS_STRUCT) };
    d->name = name;
    d->size = f->elem_size * f->elem_count;  /* one element: what a division by size expects */
    d->align = header->align > elem->align ? header->align : elem->align;
    d->has_pointers = header->has_pointers | elem->has_pointers;
    d->flex = f;
    return f;
}

const mt_type *mt_type_flex(const mt_type *header, const char *member, size_t offset, const mt_type *elem,
                            size_t elem_count, mt_error *err)
{
    if (!header || !elem || !member || elem_count == 0 || offset > TYPE_MAX_SIZE ||
        elem->size * elem_count > TYPE_MAX_SIZE || header->flex || elem->flex) {
        mt_fail(err, MT_EUSAGE, "mt_type_flex: bad arguments");
        return NULL;
    }
    pthread_mutex_lock(&flex_lock);
    flex_info *f = find_desc(header, member, offset, elem, elem_count);
    if (!f && ndescs == capdescs) {
        size_t cap = capdescs ? capdescs * 2 : 16;
        flex_info **grown = realloc(descs, cap * sizeof *grown);
        if (grown) {
            descs = grown;
            capdescs = cap;
        }
    }
    if (!f && ndescs < capdescs && (f = new_desc(header, member, offset, elem, elem_count)))
        descs[ndescs++] = f;
    pthread_mutex_unlock(&flex_lock);
    if (!f)
        mt_fail(err, MT_ENOMEM, "out of memory describing %s+%s", header->name, member);
    return f ? f->desc : NULL;
}

/* ---- Block types ------------------------------------------------------------------ */

/* The member that holds the bytes after the last element. */
static const char SLACK_NAME[] = "(slack)";

/* The header's members before the array (a struct-hack header's own last
 * member, `char n_value[1]`, is where the array starts: the array
 * describes it), then the array (when it has elements), then the bytes
 * left over (when there are any). */
static const struct mt_type *make_block_type(const flex_info *f, uint64_t elems, uint64_t slack)
{
    const struct mt_type *h = f->header;
    uint64_t scalars = elems * f->elem_count;
    uint64_t size = f->offset + scalars * f->elem_size + slack;
    if (scalars > UINT32_MAX || size > TYPE_MAX_SIZE || size == 0)
        return NULL;
    mt_member *m = calloc(h->nmembers + 2, sizeof *m);
    if (!m)
        return NULL;
    size_t n = 0;
    for (uint32_t i = 0; i < h->nmembers; i++) {
        const tmember *hm = &h->members[i];
        if (hm->offset < f->offset)
            m[n++] = (mt_member){ hm->name, (mt_class)hm->cls, hm->size, hm->offset, hm->count, hm->type, NULL };
    }
    int aggregate = f->elem_cls == MT_CLASS_STRUCT || f->elem_cls == MT_CLASS_UNION;
    if (scalars)
        m[n++] = (mt_member){ f->member, (mt_class)f->elem_cls, f->elem_size, f->offset, (size_t)scalars,
                              aggregate ? f->elem : NULL, NULL };
    if (slack)
        m[n++] = (mt_member){ SLACK_NAME, MT_CLASS_BYTES, 1, (size_t)(f->offset + scalars * f->elem_size),
                              (size_t)slack, NULL, NULL };
    mt_error err;
    const mt_type *t = mt_type_define(f->desc->name, (size_t)size, f->desc->align, 0, m, n, &err);
    free(m);
    if (t)
        ((struct mt_type *)t)->flex = f;  /* types are the runtime's own, never read-only */
    return t;
}

/* The cache: (descriptor, elements, slack) -> block type, open addressing. */
typedef struct cache_key {
    const flex_info *f;
    uint64_t elems, slack;
} cache_key;

typedef struct cache_slot {
    cache_key key;
    const struct mt_type *type;  /* NULL: empty */
} cache_slot;

static cache_slot *cache;
static size_t cache_cap, cache_live;

static size_t slot_of(const cache_key *k, size_t cap)
{
    return (size_t)XXH3_64bits(k, sizeof *k) & (cap - 1);
}

static cache_slot *cache_probe(cache_slot *slots, size_t cap, const cache_key *k)
{
    size_t j = slot_of(k, cap);
    while (slots[j].type && memcmp(&slots[j].key, k, sizeof *k) != 0)
        j = (j + 1) & (cap - 1);
    return &slots[j];
}

static int cache_grow(void)
{
    size_t cap = cache_cap ? cache_cap * 2 : 64;
    cache_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < cache_cap; i++)
        if (cache[i].type)
            *cache_probe(slots, cap, &cache[i].key) = cache[i];
    free(cache);
    cache = slots;
    cache_cap = cap;
    return 0;
}

static const struct mt_type *block_type(const flex_info *f, uint64_t elems, uint64_t slack)
{
    cache_key k;
    memset(&k, 0, sizeof k);  /* the padding is hashed and compared too */
    k.f = f, k.elems = elems, k.slack = slack;
    pthread_mutex_lock(&flex_lock);
    const struct mt_type *t = NULL;
    if ((cache_live + 1) * 2 <= cache_cap || cache_grow() == 0) {
        cache_slot *s = cache_probe(cache, cache_cap, &k);
        if (!s->type && (s->type = make_block_type(f, elems, slack))) {
            s->key = k;
            cache_live++;
        }
        t = s->type;
    }
    pthread_mutex_unlock(&flex_lock);
    return t;
}

const struct mt_type *flex_block_type(const struct mt_type *desc, size_t size)
{
    const flex_info *f = desc->flex;
    uint64_t per = (uint64_t)f->elem_size * f->elem_count;
    if (size < f->offset || per == 0)
        return NULL;
    uint64_t elems = (size - f->offset) / per;
    return block_type(f, elems, size - f->offset - elems * per);
}

/* ---- The reader's side ------------------------------------------------------------- */

static uint64_t member_count(const struct mt_type *t, const char *name)
{
    for (uint32_t i = 0; i < t->nmembers; i++)
        if (strcmp(t->members[i].name, name) == 0)
            return t->members[i].count;
    return 0;
}

const struct mt_type *flex_local_match(const struct mt_type *writer)
{
    for (size_t i = 0;; i++) {
        pthread_mutex_lock(&flex_lock);  /* the array may move; its entries do not */
        const flex_info *f = i < ndescs ? descs[i] : NULL;
        pthread_mutex_unlock(&flex_lock);
        if (!f)
            break;
        if (strcmp(f->desc->name, writer->name) != 0)
            continue;
        uint64_t scalars = member_count(writer, f->member);
        if (scalars % f->elem_count)
            continue;
        const struct mt_type *t = block_type(f, scalars / f->elem_count, member_count(writer, SLACK_NAME));
        if (t && t->id == writer->id)
            return t;
    }
    return NULL;
}
