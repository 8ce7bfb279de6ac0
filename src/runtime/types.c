/* types.c: building, checking, identifying and printing type descriptors.
 *
 * The local type table is process-wide and append-only: types are defined
 * at start-up (by mtcc's generated registration code) and never freed, so
 * pointers to them stay valid for the life of the program. */
#include "types.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "error.h"

/* ---- Layout checks ----------------------------------------------------- */

int type_scalar_size_ok(int cls, uint32_t size)
{
    switch (cls) {
    case MT_CLASS_BYTES: return size == 1;
    case MT_CLASS_SINT:
    case MT_CLASS_UINT:
    case MT_CLASS_ADDR_SINT:
    case MT_CLASS_ADDR_UINT:
    case MT_CLASS_LAYOUT_SINT:
    case MT_CLASS_LAYOUT_UINT: return size == 1 || size == 2 || size == 4 || size == 8;
    case MT_CLASS_BOOL: return size == 1 || size == 2 || size == 4;
    case MT_CLASS_FLOAT: return size == 4 || size == 8;
    case MT_CLASS_LDOUBLE: return size == 8 || size == 12 || size == 16;
    case MT_CLASS_PTR:
    case MT_CLASS_FNPTR: return size == 4 || size == 8;
    default: return 0;
    }
}

static int is_aggregate(int cls)
{
    return cls == MT_CLASS_STRUCT || cls == MT_CLASS_UNION;
}

/* Where the members seen so far end: bytes no later member may reuse, and
 * the first byte of the last bit-field (the next one may share it). */
typedef struct layout_end {
    uint64_t bytes;
    uint64_t bitfield_start;
} layout_end;

static int check_member(const char *tname, uint32_t tsize, int is_union,
                        const tmember *m, layout_end *prev, mt_error *err)
{
    if (m->cls == MT_CLASS_BITFIELD) {
        if (!type_bitfield_ok(m))
            return mt_fail(err, MT_ETYPE, "type %s member %s: a bit-field of %u bits at bit %u cannot span %u bytes",
                           tname, m->name, m->bit_width, m->bit_pos, m->size);
    } else if (is_aggregate(m->cls)) {
        if (!m->type || m->type->size != m->size ||
            (m->cls == MT_CLASS_UNION) != (m->type->is_union != 0))
            return mt_fail(err, MT_ETYPE, "type %s member %s: nested type missing or inconsistent",
                           tname, m->name);
    } else if (!type_scalar_size_ok(m->cls, m->size)) {
        return mt_fail(err, MT_ETYPE, "type %s member %s: class %d cannot have size %u",
                       tname, m->name, m->cls, m->size);
    }
    uint64_t end = (uint64_t)m->offset + (uint64_t)m->size * m->count;
    if (m->count == 0 || end > tsize)
        return mt_fail(err, MT_ETYPE, "type %s member %s lies outside the type (%u bytes)",
                       tname, m->name, tsize);
    /* bit-fields in a row may share bytes, in declaration order */
    int shares = m->cls == MT_CLASS_BITFIELD && m->offset >= prev->bitfield_start;
    if (is_union ? m->offset != 0 : m->offset < prev->bytes && !shares)
        return mt_fail(err, MT_ETYPE, "type %s member %s overlaps the member before it",
                       tname, m->name);
    if (m->cls == MT_CLASS_BITFIELD)
        prev->bitfield_start = m->offset;
    else
        prev->bitfield_start = UINT64_MAX;
    if (end > prev->bytes)
        prev->bytes = end;
    return 0;
}

int type_check_layout(const char *name, uint32_t size, int is_union,
                      const tmember *m, uint32_t n, mt_error *err)
{
    if (n == 0 || n > TYPE_MAX_MEMBERS || size == 0 || size > TYPE_MAX_SIZE)
        return mt_fail(err, MT_ETYPE, "type %s: %u members in %u bytes is not a layout",
                       name, n, size);
    layout_end prev = { 0, UINT64_MAX };
    for (uint32_t i = 0; i < n; i++)
        if (check_member(name, size, is_union, &m[i], &prev, err) < 0)
            return -1;
    return 0;
}

/* ---- Identity ---------------------------------------------------------- */

static void hash_u64(XXH3_state_t *st, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    XXH3_64bits_update(st, b, sizeof b);
}

static void hash_str(XXH3_state_t *st, const char *s)
{
    XXH3_64bits_update(st, s, strlen(s) + 1);
}

uint64_t type_identity(const char *name, int is_union, const tmember *m, uint32_t n)
{
    XXH3_state_t st;
    memset(&st, 0, sizeof st); /* gcc 12 flags the partial init in reset */
    XXH3_64bits_reset(&st);
    hash_str(&st, is_union ? "union" : "struct");
    hash_str(&st, name);
    for (uint32_t i = 0; i < n; i++) {
        hash_str(&st, m[i].name);
        hash_u64(&st, m[i].cls);
        hash_u64(&st, m[i].count);
        hash_u64(&st, is_aggregate(m[i].cls) ? m[i].type->id : 0);
    }
    return XXH3_64bits_digest(&st);
}

/* ---- Construction ------------------------------------------------------ */

static char *copy_string(const char *s)
{
    size_t len = strlen(s) + 1;
    char *c = malloc(len);
    if (c)
        memcpy(c, s, len);
    return c;
}

void type_free(struct mt_type *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; t->members && i < t->nmembers; i++)
        free(t->members[i].name);
    free(t->members);
    free(t->name);
    free(t->union_positions);
    free(t);
}

static int member_has_pointers(const tmember *m)
{
    if (m->cls == MT_CLASS_PTR || m->cls == MT_CLASS_FNPTR || type_class_is_addr(m->cls))
        return 1;
    return is_aggregate(m->cls) && m->type->has_pointers;
}

struct mt_type *type_new(const char *name, uint32_t size, uint32_t align,
                         int is_union, const tmember *m, uint32_t n, mt_error *err)
{
    if (!name || strlen(name) > TYPE_MAX_NAME) {
        mt_fail(err, MT_ETYPE, "a type needs a name of at most %d bytes", TYPE_MAX_NAME);
        return NULL;
    }
    if (type_check_layout(name, size, is_union, m, n, err) < 0)
        return NULL;
    struct mt_type *t = calloc(1, sizeof *t);
    if (!t || !(t->name = copy_string(name)) || !(t->members = calloc(n, sizeof *m)))
        goto nomem;
    t->size = size;
    t->align = align;
    t->is_union = (uint8_t)(is_union != 0);
    for (uint32_t i = 0; i < n; i++) {
        t->members[i] = m[i];
        if (!(t->members[i].name = copy_string(m[i].name)))
            goto nomem;
        t->nmembers = i + 1;
        t->has_pointers |= (uint8_t)member_has_pointers(&m[i]);
        t->has_unions |= (uint8_t)(is_aggregate(m[i].cls) && m[i].type->has_unions);
    }
    t->has_unions |= t->is_union;
    t->id = type_identity(name, is_union, m, n);
    return t;
nomem:
    type_free(t);
    mt_fail(err, MT_ENOMEM, "out of memory defining type %s", name);
    return NULL;
}

/* ---- The local table --------------------------------------------------- */

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mt_type **table;
static uint32_t table_len, table_cap;

const struct mt_type *const *types_local(uint32_t *count)
{
    pthread_mutex_lock(&table_lock);
    *count = table_len;
    const struct mt_type *const *t = (const struct mt_type *const *)table;
    pthread_mutex_unlock(&table_lock);
    return t;
}

static const struct mt_type *find_locked(uint64_t id)
{
    for (uint32_t i = 0; i < table_len; i++)
        if (table[i]->id == id)
            return table[i];
    return NULL;
}

const struct mt_type *types_local_find(uint64_t id)
{
    pthread_mutex_lock(&table_lock);
    const struct mt_type *t = find_locked(id);
    pthread_mutex_unlock(&table_lock);
    return t;
}

/* Adds t to the table unless its identity is there already; returns the
 * entry that stays. */
static const struct mt_type *table_add(struct mt_type *t, mt_error *err)
{
    pthread_mutex_lock(&table_lock);
    const struct mt_type *old = find_locked(t->id);
    if (old) {
        pthread_mutex_unlock(&table_lock);
        type_free(t);
        return old;
    }
    if (table_len == table_cap) {
        uint32_t cap = table_cap ? table_cap * 2 : 64;
        struct mt_type **grown = realloc(table, cap * sizeof *grown);
        if (!grown) {
            pthread_mutex_unlock(&table_lock);
            type_free(t);
            mt_fail(err, MT_ENOMEM, "out of memory growing the type table");
            return NULL;
        }
        table = grown;
        table_cap = cap;
    }
    t->index = table_len;
    table[table_len++] = t;
    pthread_mutex_unlock(&table_lock);
    return t;
}

static int narrow_u32(size_t v, uint32_t *out)
{
    if (v > TYPE_MAX_SIZE)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int convert_member(const mt_member *in, tmember *out)
{
    const struct mt_type *sub = in->type;
    *out = (tmember){ .name = (char *)(in->name ? in->name : "?"), .cls = (uint8_t)in->cls,
                      .type = sub };
    size_t size = (in->cls == MT_CLASS_STRUCT || in->cls == MT_CLASS_UNION) && sub
                      ? sub->size : in->size;
    return narrow_u32(size, &out->size) | narrow_u32(in->offset, &out->offset) |
           narrow_u32(in->count, &out->count);
}

/* Converts the members of a definition; bit-fields are probed. */
static int convert_members(const char *name, size_t size, size_t align, const mt_member *in,
                           tmember *out, size_t n, mt_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (convert_member(&in[i], &out[i]) < 0)
            return mt_fail(err, MT_ETYPE, "type %s member %s is too large", name, in[i].name);
        if (in[i].cls == MT_CLASS_BITFIELD &&
            type_probe_bitfield(name, size, align, in[i].read, &out[i], err) < 0)
            return -1;
    }
    return 0;
}

const mt_type *mt_type_define(const char *name, size_t size, size_t align, int is_union,
                              const mt_member *members, size_t nmembers, mt_error *err)
{
    if (nmembers > TYPE_MAX_MEMBERS || size > TYPE_MAX_SIZE) {
        mt_fail(err, MT_ETYPE, "type %s is too large to describe", name ? name : "?");
        return NULL;
    }
    tmember *m = calloc(nmembers ? nmembers : 1, sizeof *m);
    if (!m) {
        mt_fail(err, MT_ENOMEM, "out of memory defining type %s", name ? name : "?");
        return NULL;
    }
    if (convert_members(name ? name : "?", size, align, members, m, nmembers, err) < 0) {
        free(m);
        return NULL;
    }
    struct mt_type *t = type_new(name, (uint32_t)size, (uint32_t)align, is_union, m,
                                 (uint32_t)nmembers, err);
    free(m);
    return t ? table_add(t, err) : NULL;
}

const mt_type *mt_type_scalar(const char *name, mt_class cls, size_t size, size_t align)
{
    mt_member m = { "", cls, size, 0, 1, NULL, 0 };
    mt_error err;
    return mt_type_define(name, size, align, 0, &m, 1, &err);
}

void mt_type_punned(const mt_type *t, const char *member)
{
    struct mt_type *w = (struct mt_type *)t;  /* a mark on the shared definition, set at start-up */
    if (!w || !w->is_union)
        return;
    for (uint32_t i = 0; member && i < w->nmembers; i++)
        if (strcmp(w->members[i].name, member) == 0) {
            w->members[i].pun_read = 1;
            return;
        }
    w->punned = 1;  /* the bytes, or a member this description does not list */
}

uint64_t mt_type_identity(const mt_type *t) { return t->id; }
size_t mt_type_size(const mt_type *t) { return t->size; }
const char *mt_type_name(const mt_type *t) { return t->name; }

/* ---- The seeds' tuple notation ------------------------------------------ */

typedef struct textbuf {
    char *buf;
    size_t cap, len;
} textbuf;

static void put(textbuf *tb, const char *fmt, long long a, long long b)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, fmt, a, b);
    for (int i = 0; i < n; i++, tb->len++)
        if (tb->len + 1 < tb->cap)
            tb->buf[tb->len] = tmp[i];
}

static void format_members(const struct mt_type *t, textbuf *tb)
{
    for (uint32_t i = 0; i < t->nmembers; i++) {
        const tmember *m = &t->members[i];
        if (is_aggregate(m->cls)) {
            put(tb, "(", 0, 0);
            format_members(m->type, tb);
            put(tb, ",%lld)", m->count, 0);
        } else if (m->cls == MT_CLASS_BITFIELD) {
            /* (u3@1.4,1): an unsigned 3-bit field from bit 4 of byte 1 */
            put(tb, m->bit_flags & TYPE_BIT_SIGNED ? "(s%lld@%lld" : "(u%lld@%lld", m->bit_width, m->offset);
            put(tb, m->bit_flags & TYPE_BIT_MSB ? ".%lldM,1)" : ".%lld,1)", m->bit_pos, 0);
        } else if (m->cls == MT_CLASS_PTR || m->cls == MT_CLASS_FNPTR) {
            put(tb, "(%lld,-%lld)", m->size, m->count);
        } else {
            put(tb, "(%lld,%lld)", m->size, m->count);
        }
        uint64_t end = (uint64_t)m->offset + (uint64_t)m->size * m->count;
        uint64_t next = t->is_union ? t->size
                        : i + 1 < t->nmembers ? t->members[i + 1].offset : t->size;
        if (!t->is_union || i + 1 == t->nmembers)
            put(tb, "(%lld,0)", (long long)(next > end ? next - end : 0), 0);
    }
}

size_t mt_type_format(const mt_type *t, char *buf, size_t cap)
{
    textbuf tb = { buf, cap, 0 };
    format_members(t, &tb);
    if (cap)
        buf[tb.len < cap ? tb.len : cap - 1] = '\0';
    return tb.len;
}

void types_member_path(const struct mt_type *t, uint64_t off, const tmember *want, char *buf, size_t cap)
{
    buf[0] = '\0';
    size_t used = 0;
    while (t && !t->is_union && used + 1 < cap) {
        const tmember *hit = NULL;
        for (uint32_t i = 0; i < t->nmembers && !hit; i++) {
            const tmember *m = &t->members[i];
            if (m->cls == MT_CLASS_BITFIELD && m != want)
                continue;  /* bit-fields share bytes: of those, only want is taken */
            if (off >= m->offset && off < m->offset + (uint64_t)m->size * m->count)
                hit = m;
        }
        if (!hit)
            break;
        uint64_t k = (off - hit->offset) / hit->size;
        int n = hit->count > 1
                    ? snprintf(buf + used, cap - used, "%s%s[%llu]", used ? "." : "", hit->name,
                               (unsigned long long)k)
                    : snprintf(buf + used, cap - used, "%s%s", used ? "." : "", hit->name);
        used += n > 0 ? (size_t)n : 0;
        off = (off - hit->offset) % hit->size;
        t = hit->type;
    }
}
