/* ckpt_read.c: reading and validating a checkpoint container.
 *
 * Nothing read is trusted before it is checked: lengths against limits
 * and against what the stream still holds before anything is allocated,
 * payloads grown only as their bytes actually arrive (a socket that
 * promises a terabyte gets no terabyte buffer), checksums before parsing,
 * and every index and size in the parsed tables against its bounds. Each
 * record's checksum is seeded from the header's checkpoint id, and the END
 * record's checksum of every byte before it is compared with a hash kept
 * while reading, so a record from another checkpoint is refused. Each
 * failure is one line naming the record and the offset. */
#include "ckpt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>

#include <xxhash.h>

#include "error.h"

/* ---- A bounds-checked cursor over a payload ----------------------------- */

typedef struct cursor {
    const uint8_t *p;
    uint64_t left;
    int bad;
} cursor;

static uint64_t get_uint(cursor *c, unsigned size)
{
    if (c->bad || c->left < size) {
        c->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)c->p[i] << (8 * i);
    c->p += size;
    c->left -= size;
    return v;
}

/* An unsigned LEB128 number (BLOCKS records): at most ten bytes, no
 * bits past 64. */
static uint64_t get_varint(cursor *c)
{
    uint64_t v = 0;
    for (unsigned shift = 0; !c->bad; shift += 7) {
        if (c->left == 0 || shift > 63) {
            c->bad = 1;
            break;
        }
        uint8_t byte = *c->p++;
        c->left--;
        if (shift == 63 && (byte & 0x7e)) {
            c->bad = 1;
            break;
        }
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return v;
    }
    return 0;
}

/* Returns a fresh NUL-terminated copy of a length-prefixed string. */
static char *get_str(cursor *c)
{
    uint64_t n = get_uint(c, 2);
    if (c->bad || n > CK_MAX_NAME || c->left < n) {
        c->bad = 1;
        return NULL;
    }
    char *s = malloc(n + 1);
    if (!s) {
        c->bad = 1;
        return NULL;
    }
    memcpy(s, c->p, n);
    s[n] = '\0';
    c->p += n;
    c->left -= n;
    return s;
}

/* ---- Reading state --------------------------------------------------- */

typedef struct reader {
    st_stream *s;
    ck_image *img;
    mt_error *err;
    uint32_t record;     /* number of the record being read */
    uint64_t rec_offset; /* where it starts */
    int have_types, have_funcs, have_freed, have_unions, have_files;
    XXH3_state_t whole;  /* every byte before the record being read */
    uint64_t mem_limit;  /* memory_limit(), once a record asks */
    uint64_t unpacked;   /* bytes of blocks BLOCKS records have claimed so far */
    const ck_read_hooks *hooks; /* ck_read_with's, or NULL */
} reader;

static int corrupt(reader *r, const char *fmt, const char *detail)
{
    char what[sizeof r->err->msg];
    snprintf(what, sizeof what, fmt, detail);
    return mt_fail(r->err, MT_EFORMAT, "corrupt checkpoint: %s in record %u at offset %llu",
                   what, r->record, (unsigned long long)r->rec_offset);
}

/* Reads exactly len bytes or reports the stream as truncated. */
static int read_exact(reader *r, void *buf, size_t len, const char *what)
{
    long long n = r->s->read(r->s, buf, len);
    if (n < 0)
        return mt_fail(r->err, MT_EIO, "cannot read checkpoint %s at offset %llu: %s", what,
                       (unsigned long long)r->s->offset, strerror(errno));
    if ((size_t)n < len)
        return mt_fail(r->err, MT_EFORMAT, "truncated checkpoint: %s ends at offset %llu",
                       what, (unsigned long long)r->s->offset);
    return 0;
}

/* A payload is read this much at a time, and its buffer grows (doubling,
 * so that a large one is copied a few times only) when a chunk does not
 * fit: what is held stays within twice what actually arrived. */
#define READ_CHUNK ((size_t)1 << 20)
/* A payload at most this much over a chunk gets its whole buffer at once:
 * growing a chunk's buffer for the last few bytes copied all of it (a
 * block of 1 MB and its record's header: a copy of every byte of a dense
 * heap). What is held stays within this of what arrived. */
#define READ_SLACK ((size_t)64 << 10)

/* The most bytes this process can hold: its address space and data
 * limits, the machine's memory and swap, and size_t. A record claiming
 * more can never be loaded, so it fails before a byte of it is read (a
 * sparse file of a terabyte of zeros, a stream that promises one). */
static uint64_t memory_limit(void)
{
    uint64_t limit = SIZE_MAX;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < limit)
        limit = rl.rlim_cur;
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < limit)
        limit = rl.rlim_cur;
    struct sysinfo si;
    if (sysinfo(&si) == 0) {
        uint64_t machine = ((uint64_t)si.totalram + si.totalswap) * (si.mem_unit ? si.mem_unit : 1);
        if (machine && machine < limit)
            limit = machine;
    }
    return limit;
}

/* The claimed length against the format's bound, what the file still
 * holds (regular files: st_size) and what this process can hold. */
static int check_claim(reader *r, uint64_t len)
{
    long long left = r->s->remaining(r->s);
    if (len > CK_MAX_PAYLOAD || (left >= 0 && len + 8 > (uint64_t)left))
        return mt_fail(r->err, MT_EFORMAT,
                       "truncated checkpoint: record %u at offset %llu claims %llu bytes, the file holds fewer",
                       r->record, (unsigned long long)r->rec_offset, (unsigned long long)len);
    if (!r->mem_limit)
        r->mem_limit = memory_limit();
    if (len > r->mem_limit)
        return mt_fail(r->err, MT_ENOMEM,
                       "record %u at offset %llu claims %llu bytes, more than this process can hold (%llu)",
                       r->record, (unsigned long long)r->rec_offset, (unsigned long long)len,
                       (unsigned long long)r->mem_limit);
    return 0;
}

/* Records larger than this that lie over a hole of a sparse file are
 * checked against their checksum before they are read into memory: a
 * terabyte of nothing costs a pass over it, never its size in memory.
 * (Checkpoints as written hold no holes, so they are read once.) */
#define VERIFY_FIRST ((uint64_t)16 << 20)

/* The first pass over a large record of a regular file: its checksum
 * (over the 16 header bytes h and the payload) without holding it.
 * 0 when it matches or the stream cannot look ahead, else -1. */
static int verify_ahead(reader *r, const uint8_t *h, uint64_t len)
{
    if (len < VERIFY_FIRST || !r->s->peek || !r->s->sparse || !r->s->sparse(r->s, 0, len))
        return 0;
    uint8_t *chunk = malloc(READ_CHUNK);
    if (!chunk)
        return 0;  /* the ordinary read checks it */
    XXH3_state_t st;
    memset(&st, 0, sizeof st);
    XXH3_64bits_reset_withSeed(&st, ck_record_seed(r->img->checkpoint_id, r->record));
    XXH3_64bits_update(&st, h, 16);
    uint64_t at = 0;
    long long n = 0;
    while (at < len && (n = r->s->peek(r->s, at, chunk, len - at < READ_CHUNK ? (size_t)(len - at) : READ_CHUNK)) > 0) {
        XXH3_64bits_update(&st, chunk, (size_t)n);
        at += (uint64_t)n;
    }
    uint8_t sum[8];
    int known = n >= 0 && at == len && r->s->peek(r->s, len, sum, sizeof sum) == (long long)sizeof sum;
    free(chunk);
    if (!known)
        return 0;  /* cannot look ahead after all, or short: the ordinary read says so */
    cursor sc = { sum, 8, 0 };
    if (get_uint(&sc, 8) == XXH3_64bits_digest(&st))
        return 0;
    return mt_fail(r->err, MT_ECHECKSUM, "checksum mismatch in record %u at offset %llu", r->record,
                   (unsigned long long)r->rec_offset);
}

/* Reads a payload of len bytes in chunks, growing the buffer only as
 * data arrives. Each chunk goes into the record's checksum st and, when
 * whole is set, the stream's as it arrives: a stream that comes over a
 * network is hashed while the next bytes travel, not in two more passes
 * over a large record after its last byte (docs/performance.md, live
 * migration). */
static uint8_t *read_payload(reader *r, uint32_t kind, uint64_t len, XXH3_state_t *st, XXH3_state_t *whole)
{
    int tell = kind == CK_BLOCK && r->hooks && r->hooks->part;
    size_t cap = len <= READ_CHUNK + READ_SLACK ? (size_t)len : READ_CHUNK, have = 0;
    uint8_t *buf = malloc(cap ? cap : 1);
    while (buf && have < len) {
        if (have == cap) {
            cap = (uint64_t)cap * 2 < len ? cap * 2 : (size_t)len;
            uint8_t *grown = realloc(buf, cap);
            if (!grown)
                break;
            buf = grown;
        }
        size_t chunk = cap - have < READ_CHUNK ? cap - have : READ_CHUNK;
        if (read_exact(r, buf + have, chunk, "record payload") < 0) {
            free(buf);
            return NULL;
        }
        XXH3_64bits_update(st, buf + have, chunk);
        if (whole)
            XXH3_64bits_update(whole, buf + have, chunk);
        have += chunk;
        if (tell)
            r->hooks->part(r->hooks->ctx, r->img, buf, have, len);
    }
    if (!buf || have < len) {
        free(buf);
        mt_fail(r->err, MT_ENOMEM, "out of memory reading record %u (%llu bytes)", r->record,
                (unsigned long long)len);
        return NULL;
    }
    return buf;
}

/* ---- Header --------------------------------------------------------------- */

static int read_header(reader *r)
{
    uint8_t h[CK_HEADER_LEN];
    long long n = r->s->read(r->s, h, sizeof h);
    if (n < 0)
        return mt_fail(r->err, MT_EIO, "cannot read checkpoint header: %s", strerror(errno));
    if (n >= CK_ZSTD_MAGIC_LEN && ck_zstd_magic(h))
        return mt_fail(r->err, MT_EFORMAT, "a compressed checkpoint (zstd), which a program does not read: "
                       "restore it with `migthread restart FILE`");
    if (n < CK_MAGIC_LEN || memcmp(h, CK_MAGIC, CK_MAGIC_LEN) != 0)
        return mt_fail(r->err, MT_EFORMAT, "not a MigThread checkpoint (bad magic)");
    cursor c = { h + CK_MAGIC_LEN, (uint64_t)n - CK_MAGIC_LEN, 0 };
    uint64_t version = get_uint(&c, 2);
    uint64_t features = get_uint(&c, 2);
    uint64_t arch_len = get_uint(&c, 4);
    if (!c.bad && version < CK_VERSION)
        return mt_fail(r->err, MT_EFORMAT,
                       "checkpoint format version %llu is older than this build reads (%d): write it again",
                       (unsigned long long)version, CK_VERSION);
    if (!c.bad && version > CK_VERSION_CHAIN)
        return mt_fail(r->err, MT_EFORMAT, "checkpoint format version %llu, this build reads %d and %d",
                       (unsigned long long)version, CK_VERSION, CK_VERSION_CHAIN);
    if (!c.bad && version == CK_VERSION_CHAIN && (features & ~(uint64_t)CK_FEATURES_KNOWN))
        return mt_fail(r->err, MT_EFORMAT, "checkpoint needs features this build does not have (header flags 0x%llx)",
                       (unsigned long long)features);
    r->img->features = version == CK_VERSION_CHAIN ? (uint16_t)features : 0;  /* version 3 wrote 0 */
    if (c.bad || (size_t)n < sizeof h)
        return mt_fail(r->err, MT_EFORMAT, "truncated checkpoint: the header is short");
    if (arch_len != sizeof(mt_arch))
        return mt_fail(r->err, MT_EFORMAT, "corrupt checkpoint: architecture descriptor of %llu bytes",
                       (unsigned long long)arch_len);
    memcpy(&r->img->arch, c.p, sizeof(mt_arch));
    c.p += sizeof(mt_arch);
    c.left -= sizeof(mt_arch);
    r->img->program_id = get_uint(&c, 8);
    r->img->checkpoint_id = get_uint(&c, 8);
    uint64_t sum = get_uint(&c, 8);
    if (sum != XXH3_64bits(h, sizeof h - 8))
        return mt_fail(r->err, MT_ECHECKSUM, "checksum mismatch in the checkpoint header");
    XXH3_64bits_update(&r->whole, h, sizeof h);
    if (arch_validate(&r->img->arch) < 0)
        return mt_fail(r->err, MT_EFORMAT, "corrupt checkpoint: the writer's architecture descriptor is invalid");
    return 0;
}

/* ---- Record payloads ------------------------------------------------------ */

static int parse_member(reader *r, cursor *c, uint32_t tindex, tmember *m)
{
    m->name = get_str(c);
    uint64_t cls = get_uint(c, 1);
    m->cls = (uint8_t)(cls & ~(uint64_t)CK_MEMBER_PUN_READ);
    m->pun_read = (cls & CK_MEMBER_PUN_READ) != 0;
    m->size = (uint32_t)get_uint(c, 4);
    m->offset = (uint32_t)get_uint(c, 4);
    m->count = (uint32_t)get_uint(c, 4);
    uint64_t sub = get_uint(c, 4);
    if (m->cls == MT_CLASS_BITFIELD) {  /* where its bits are: checked with the layout */
        m->bit_width = (uint8_t)get_uint(c, 1);
        m->bit_pos = (uint8_t)get_uint(c, 1);
        m->bit_flags = (uint8_t)get_uint(c, 1);
    }
    if (c->bad)
        return corrupt(r, "%s", "type table overruns its record");
    int aggregate = m->cls == MT_CLASS_STRUCT || m->cls == MT_CLASS_UNION;
    if (aggregate != (sub != UINT32_MAX) || (aggregate && sub >= tindex))
        return corrupt(r, "member %s refers to a type not defined before it", m->name);
    m->type = aggregate ? r->img->types[sub] : NULL;
    return 0;
}

static void free_members(tmember *m, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(m[i].name);
    free(m);
}

static int parse_type(reader *r, cursor *c, uint32_t index)
{
    uint64_t id = get_uint(c, 8), size = get_uint(c, 4), align = get_uint(c, 4);
    uint64_t is_union = get_uint(c, 1), n = get_uint(c, 4);
    char *name = get_str(c);
    if (c->bad || n == 0 || n > TYPE_MAX_MEMBERS || n * 19 > c->left ||
        is_union > (CK_TYPE_UNION | CK_TYPE_PUNNED) || is_union == CK_TYPE_PUNNED) {
        free(name);
        return corrupt(r, "%s", "bad type table entry");
    }
    tmember *m = calloc(n, sizeof *m);
    int rc = m ? 0 : mt_fail(r->err, MT_ENOMEM, "out of memory reading the type table");
    for (uint32_t i = 0; rc == 0 && i < n; i++)
        rc = parse_member(r, c, index, &m[i]);
    struct mt_type *t = NULL;
    if (rc == 0) {
        mt_error why;
        t = type_new(name, (uint32_t)size, (uint32_t)align, (int)(is_union & CK_TYPE_UNION), m, (uint32_t)n, &why);
        if (!t)
            rc = corrupt(r, "%s", why.msg);
        else if (t->id != id)
            rc = corrupt(r, "type %s has the wrong identity", name);
        else
            t->punned = (is_union & CK_TYPE_PUNNED) != 0;
    }
    if (rc == 0) {
        t->index = index;
        r->img->types[index] = t;
    } else {
        type_free(t);
    }
    free_members(m, m ? (uint32_t)n : 0);
    free(name);
    return rc;
}

static int parse_types(reader *r, const uint8_t *p, uint64_t len)
{
    if (r->have_types || r->img->nblocks)
        return corrupt(r, "%s", "a second type table, or one after blocks");
    r->have_types = 1;
    cursor c = { p, len, 0 };
    uint64_t n = get_uint(&c, 4);
    if (c.bad || n > CK_MAX_TYPES || n * 27 > c.left)
        return corrupt(r, "%s", "bad type count");
    r->img->types = calloc(n ? n : 1, sizeof *r->img->types);
    if (!r->img->types)
        return mt_fail(r->err, MT_ENOMEM, "out of memory reading the type table");
    for (uint32_t i = 0; i < n; i++) {
        if (parse_type(r, &c, i) < 0)
            return -1;
        r->img->ntypes = i + 1;
    }
    return c.left ? corrupt(r, "%s", "trailing bytes after the type table") : 0;
}

static int parse_funcs(reader *r, const uint8_t *p, uint64_t len)
{
    if (r->have_funcs)
        return corrupt(r, "%s", "a second function table");
    r->have_funcs = 1;
    cursor c = { p, len, 0 };
    uint64_t n = get_uint(&c, 4);
    if (c.bad || n > CK_MAX_FUNCS || n * 18 > c.left)
        return corrupt(r, "%s", "bad function count");
    r->img->funcs = calloc(n ? n : 1, sizeof *r->img->funcs);
    if (!r->img->funcs)
        return mt_fail(r->err, MT_ENOMEM, "out of memory reading the function table");
    for (uint32_t i = 0; i < n; i++) {
        ck_func *f = &r->img->funcs[i];
        f->id = get_uint(&c, 8);
        f->old_addr = get_uint(&c, 8);
        f->name = get_str(&c);
        r->img->nfuncs = i + 1;
        if (c.bad)
            return corrupt(r, "%s", "function table overruns its record");
    }
    return c.left ? corrupt(r, "%s", "trailing bytes after the function table") : 0;
}

/* The writer's freed ranges: each non-empty, inside its address space,
 * and after the one before it, so a restore can search them. */
static int parse_freed(reader *r, const uint8_t *p, uint64_t len)
{
    if (r->have_freed)
        return corrupt(r, "%s", "a second table of freed ranges");
    r->have_freed = 1;
    cursor c = { p, len, 0 };
    uint64_t n = get_uint(&c, 8);
    if (c.bad || n != c.left / 16 || c.left % 16 != 0)
        return corrupt(r, "%s", "bad count of freed ranges");
    r->img->freed = calloc(n ? n : 1, sizeof *r->img->freed);
    if (!r->img->freed)
        return mt_fail(r->err, MT_ENOMEM, "out of memory reading the freed ranges");
    uint64_t limit = r->img->arch.scalar[AS_PTR].size == 4 ? (uint64_t)1 << 32 : UINT64_MAX;
    uint64_t prev_end = 0;
    for (uint64_t i = 0; i < n; i++) {
        ck_range *f = &r->img->freed[i];
        f->start = get_uint(&c, 8);
        f->len = get_uint(&c, 8);
        if (f->start == 0 || f->len == 0 || f->start > limit - f->len || f->start < prev_end)
            return corrupt(r, "%s", "freed range out of order or out of the writer's address space");
        prev_end = f->start + f->len;
        r->img->nfreed = i + 1;
    }
    return 0;
}

/* The active members of the writer's union objects: each names a union
 * type of the table and one of its members, in the order of their
 * addresses (then types: a union may start where the union holding it
 * does), so that a restore can search them. */
static int parse_unions(reader *r, const uint8_t *p, uint64_t len)
{
    enum { ENTRY_BYTES = 24 };
    if (r->have_unions || !r->have_types)
        return corrupt(r, "%s", r->have_unions ? "a second table of union members"
                                                : "union members before the type table");
    r->have_unions = 1;
    cursor c = { p, len, 0 };
    uint64_t n = get_uint(&c, 8);
    if (c.bad || n == 0 || n != c.left / ENTRY_BYTES || c.left % ENTRY_BYTES != 0)
        return corrupt(r, "%s", "bad count of union members");
    ck_image *img = r->img;
    img->unions = calloc(n, sizeof *img->unions);
    if (!img->unions)
        return mt_fail(r->err, MT_ENOMEM, "out of memory reading the union members");
    uint64_t limit = img->arch.scalar[AS_PTR].size == 4 ? (uint64_t)1 << 32 : UINT64_MAX;
    for (uint64_t i = 0; i < n; i++) {
        ck_union *u = &img->unions[i];
        u->block = get_uint(&c, 8);
        u->offset = get_uint(&c, 8);
        u->type = (uint32_t)get_uint(&c, 4);
        u->member = (uint32_t)get_uint(&c, 4);
        if (u->block == 0 || u->offset >= limit - u->block)
            return corrupt(r, "%s", "union member out of the writer's address space");
        if (u->type >= img->ntypes || !img->types[u->type]->is_union ||
            u->member >= img->types[u->type]->nmembers)
            return corrupt(r, "%s", "union member of no union in the type table");
        const ck_union *prev = i ? &img->unions[i - 1] : NULL;
        uint64_t at = u->block + u->offset, prev_at = prev ? prev->block + prev->offset : 0;
        if (prev && (at < prev_at || (at == prev_at && u->type <= prev->type)))
            return corrupt(r, "%s", "union members out of order");
        img->nunions = i + 1;
    }
    return 0;
}

static int keep_buffer(reader *r, uint8_t *buf);

/* One open file: known flags, a name, a descriptor that is no standard
 * stream, an id after the one before it, a group naming an earlier entry
 * (or itself) and bounded unread input. */
static int parse_file(reader *r, cursor *c, ck_file *f, const ck_file *prev)
{
    f->id = get_uint(c, 8);
    f->group = get_uint(c, 8);
    f->fd = (int32_t)get_uint(c, 4);
    f->flags = (uint32_t)get_uint(c, 4);
    f->offset = get_uint(c, 8);
    f->path = get_str(c);
    f->nunread = get_uint(c, 8);
    if (c->bad || f->nunread > c->left || f->nunread > CK_MAX_UNREAD)
        return corrupt(r, "%s", "open file entry overruns its record");
    f->unread = c->p;
    c->p += f->nunread;
    c->left -= f->nunread;
    if (!f->path[0] || f->fd < 3 || (f->flags & ~(uint32_t)CK_FILE_KNOWN) ||
        !(f->flags & (CK_FILE_READ | CK_FILE_WRITE)) || (f->offset >> 62) ||
        (f->nunread && !(f->flags & CK_FILE_STREAM)) ||
        ((f->flags & CK_FILE_UNBUFFERED) && (f->flags & CK_FILE_LINE_BUFFERED)) ||
        ((f->flags & (CK_FILE_UNBUFFERED | CK_FILE_LINE_BUFFERED)) && !(f->flags & CK_FILE_STREAM)))
        return corrupt(r, "open file %s: bad descriptor, flags or offset", f->path);
    if ((prev && f->id <= prev->id) || f->group > f->id)
        return corrupt(r, "open file %s: out of order", f->path);
    return 0;
}

/* The open files of the writer (libc_files.c), in id order. The payload
 * is kept: unread input points into it. */
static int parse_files(reader *r, uint8_t *payload, uint64_t len)
{
    if (r->have_files) {
        free(payload);
        return corrupt(r, "%s", "a second table of open files");
    }
    r->have_files = 1;
    if (keep_buffer(r, payload) < 0) {
        free(payload);
        return -1;
    }
    cursor c = { payload, len, 0 };
    uint64_t n = get_uint(&c, 4);
    if (c.bad || n == 0 || n > CK_MAX_FILES)
        return corrupt(r, "%s", "bad count of open files");
    ck_image *img = r->img;
    if (!(img->files = calloc(n, sizeof *img->files)))
        return mt_fail(r->err, MT_ENOMEM, "out of memory reading the open files");
    for (uint32_t i = 0; i < n; i++) {
        img->nfiles = i + 1;  /* freed with the image from here on */
        if (parse_file(r, &c, &img->files[i], i ? &img->files[i - 1] : NULL) < 0)
            return -1;
        for (uint32_t j = 0; j < i; j++)
            if (img->files[j].fd == img->files[i].fd)
                return corrupt(r, "open file %s: a descriptor saved twice", img->files[i].path);
    }
    if (c.left)
        return corrupt(r, "%s", "bytes after the last open file");
    return 0;
}

static int keep_buffer(reader *r, uint8_t *buf)
{
    ck_image *img = r->img;
    if (img->nbuffers == img->buffers_cap) {
        uint64_t cap = img->buffers_cap ? img->buffers_cap * 2 : 64;
        uint8_t **grown = realloc(img->buffers, cap * sizeof *grown);
        if (!grown)
            return mt_fail(r->err, MT_ENOMEM, "out of memory reading blocks");
        img->buffers = grown;
        img->buffers_cap = cap;
    }
    img->buffers[img->nbuffers++] = buf;
    return 0;
}

/* Hands a block just read to the hooks; frees its bytes when the hook
 * has taken them and they are alone in their payload (a block converted
 * as it arrived is not held twice). */
static void tell_block(reader *r, uint64_t index)
{
    ck_image *img = r->img;
    ck_block *b = &img->blocks[index];
    if (!r->hooks || !r->hooks->block || r->hooks->block(r->hooks->ctx, img, b) != 1 || !b->alone)
        return;
    free(img->buffers[b->alone - 1]);
    img->buffers[b->alone - 1] = NULL;
    b->data = NULL;
    b->alone = 0;
}

static int add_block(reader *r, const ck_block *b)
{
    ck_image *img = r->img;
    if (img->nblocks == img->blocks_cap) {
        uint64_t cap = img->blocks_cap ? img->blocks_cap * 2 : 64;
        ck_block *grown = realloc(img->blocks, cap * sizeof *grown);
        if (!grown)
            return mt_fail(r->err, MT_ENOMEM, "out of memory reading blocks");
        img->blocks = grown;
        img->blocks_cap = cap;
    }
    img->blocks[img->nblocks++] = *b;
    return 0;
}

static int check_block(reader *r, const ck_block *b)
{
    if (b->role < 1 || b->role > CK_ROLE_MAX)
        return corrupt(r, "%s", "unknown block role");
    if (!r->have_types || b->type >= r->img->ntypes)
        return corrupt(r, "%s", "block of an undefined type");
    uint64_t size = r->img->types[b->type]->size;
    if (b->count == 0 || b->count > b->len / size || b->count * size != b->len)
        return corrupt(r, "block of %s: length does not match its count", r->img->types[b->type]->name);
    uint64_t limit = r->img->arch.scalar[AS_PTR].size == 4 ? (uint64_t)1 << 32 : UINT64_MAX;
    if (b->old_addr == 0 || b->old_addr > limit - b->len)
        return corrupt(r, "%s", "block address out of the writer's address space");
    return 0;
}

/* The fixed fields of a block record's payload. */
static void get_block_fields(cursor *c, ck_block *b)
{
    b->role = (uint8_t)get_uint(c, 1);
    b->type = (uint32_t)get_uint(c, 4);
    b->key = get_uint(c, 8);
    b->aux = get_uint(c, 8);
    b->old_addr = get_uint(c, 8);
    b->count = get_uint(c, 8);
}

long ck_block_header(const uint8_t *p, uint64_t n, ck_block *b)
{
    cursor c = { p, n, 0 };
    *b = (ck_block){ 0 };
    get_block_fields(&c, b);
    uint64_t name = get_uint(&c, 2);
    if (!c.bad && name > CK_MAX_NAME)
        return -1;
    if (c.bad || c.left < name)
        return 0;
    return (long)(n - c.left + name);
}

/* Takes ownership of payload (kept alive for the block's data). */
static int parse_block(reader *r, uint8_t *payload, uint64_t len)
{
    cursor c = { payload, len, 0 };
    ck_block b = { .record = r->record };
    get_block_fields(&c, &b);
    b.name = get_str(&c);
    b.data = c.p;
    b.len = c.left;
    int rc = c.bad ? corrupt(r, "%s", "block header overruns its record") : check_block(r, &b);
    if (rc == 0)
        rc = keep_buffer(r, payload);
    else
        free(payload);
    b.alone = (uint32_t)r->img->nbuffers;  /* the index of payload, plus 1 */
    if (rc == 0)
        rc = add_block(r, &b);
    if (rc < 0)
        free(b.name);
    else
        tell_block(r, r->img->nblocks - 1);
    return rc;
}

/* ---- BLOCKS records: runs of blocks, zero holes ------------------------------------- */

/* One block of a BLOCKS record: its address (the gap after the block
 * before it, the first's whole), its count and the pieces of its bytes,
 * literal and zero in turn, exactly covering count * size. Checked
 * before anything is allocated; with out, the literal bytes are copied
 * there (zeros are already). */
static int run_member_head(reader *r, cursor *c, ck_block *b, uint64_t prev_end, int first)
{
    uint64_t gap = get_varint(c);
    b->count = get_varint(c);
    uint64_t size = r->img->types[b->type]->size;
    if (c->bad || b->count == 0 || b->count > CK_MAX_PAYLOAD / size)
        return corrupt(r, "%s", "a block of a run has a bad count");
    if (!first && gap > UINT64_MAX - prev_end)
        return corrupt(r, "%s", "block address out of the writer's address space");
    b->old_addr = first ? gap : prev_end + gap;
    b->len = b->count * size;
    return check_block(r, b);
}

/* The pieces of block b of a run, after its head: with out, the literal
 * bytes are copied there. */
static int run_member_pieces(reader *r, cursor *c, const ck_block *b, uint8_t *out)
{
    for (uint64_t covered = 0, piece = 0; covered < b->len || piece == 0; piece++) {
        uint64_t n = get_varint(c);
        int literal = piece % 2 == 0;
        if (c->bad || n > b->len - covered || (!literal && n == 0) || (literal && n > c->left))
            return corrupt(r, "%s", "a block of a run does not match its pieces");
        if (literal && out)
            memcpy(out + covered, c->p, (size_t)n);
        if (literal) {
            c->p += n;
            c->left -= n;
        }
        covered += n;
    }
    return 0;
}

static int run_member(reader *r, cursor *c, ck_block *b, uint64_t prev_end, int first, uint8_t *out)
{
    return run_member_head(r, c, b, prev_end, first) < 0 ? -1 : run_member_pieces(r, c, b, out);
}

/* The fields a BLOCKS record's blocks share, and their number: at least
 * one, and no more than its bytes could describe (three each). */
static int run_head(reader *r, cursor *c, ck_block *f, uint32_t *n)
{
    f->role = (uint8_t)get_uint(c, 1);
    f->type = (uint32_t)get_uint(c, 4);
    f->key = get_uint(c, 8);
    f->aux = get_uint(c, 8);
    f->name = get_str(c);
    *n = (uint32_t)get_uint(c, 4);
    if (c->bad)
        return corrupt(r, "%s", "block header overruns its record");
    if (f->role < 1 || f->role > CK_ROLE_MAX)
        return corrupt(r, "%s", "unknown block role");
    if (!r->have_types || f->type >= r->img->ntypes)
        return corrupt(r, "%s", "block of an undefined type");
    if (*n == 0 || *n > c->left / 3)
        return corrupt(r, "%s", "a run of blocks claims more blocks than it holds");
    return 0;
}

/* Room for n more blocks, at once. */
static int reserve_blocks(reader *r, uint64_t n)
{
    ck_image *img = r->img;
    if (img->nblocks + n <= img->blocks_cap)
        return 0;
    uint64_t cap = img->blocks_cap ? img->blocks_cap : 64;
    while (cap < img->nblocks + n)
        cap *= 2;
    ck_block *grown = realloc(img->blocks, cap * sizeof *grown);
    if (!grown)
        return mt_fail(r->err, MT_ENOMEM, "out of memory reading blocks");
    img->blocks = grown;
    img->blocks_cap = cap;
    return 0;
}

/* A checked BLOCKS record's blocks handed to the hooks, which take them:
 * each block's bytes are unpacked into the home run_home gives it, and
 * no block stays in the image (a restore of a million small blocks holds
 * no record of each). c is at the first block. */
static int hand_run(reader *r, cursor *c, const ck_block *f, uint32_t n)
{
    const ck_read_hooks *h = r->hooks;
    uint64_t end = 0;
    for (uint32_t i = 0; i < n; i++) {
        ck_block b = *f;
        run_member_head(r, c, &b, end, i == 0);  /* checked in the first pass */
        void *home = h->run_home(h->ctx, r->img, &b);
        if (!home)
            return mt_fail(r->err, MT_ENOMEM, "out of memory reading record %u (a block of %llu bytes)", r->record,
                           (unsigned long long)b.len);
        run_member_pieces(r, c, &b, home);
        end = b.old_addr + b.len;
        if (h->run_block(h->ctx, r->img, &b, home) < 0)
            return mt_fail(r->err, MT_ENOMEM, "out of memory reading record %u", r->record);
    }
    return 0;
}

/* The bytes of a run's blocks, one buffer for them all: the first pass
 * checks every block and sums their lengths against what this process
 * can hold (zeros cost nothing in the file, so the sum is bounded, not
 * the payload), the second copies the literal pieces. Takes ownership
 * of payload, freed once unpacked, before the hooks see the blocks. */
static int parse_blocks(reader *r, uint8_t *payload, uint64_t len)
{
    cursor c = { payload, len, 0 };
    ck_block f = { .record = r->record };
    uint32_t n = 0;
    int rc = run_head(r, &c, &f, &n);
    cursor start = c;
    uint64_t total = 0, end = 0, max_len = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        ck_block b = f;
        rc = run_member(r, &c, &b, end, i == 0, NULL);
        end = b.old_addr + b.len;
        total += b.len;  /* each below 2^40: no overflow in 2^32 of them */
        max_len = b.len > max_len ? b.len : max_len;
        if (rc == 0 && (total > r->mem_limit || total > r->mem_limit - r->unpacked))
            rc = mt_fail(r->err, MT_ENOMEM,
                         "record %u at offset %llu holds %llu bytes of blocks, more than this process can hold (%llu)",
                         r->record, (unsigned long long)r->rec_offset, (unsigned long long)(total + r->unpacked),
                         (unsigned long long)r->mem_limit);
    }
    if (rc == 0 && c.left)
        rc = corrupt(r, "%s", "bytes after the last block of a run");
    if (rc == 0 && r->hooks && r->hooks->run_begin && r->hooks->run_home && r->hooks->run_block &&
        r->hooks->run_begin(r->hooks->ctx, r->img, &f, n, max_len) == 1) {
        r->unpacked += total;
        rc = hand_run(r, &start, &f, n);
        free(f.name);
        free(payload);
        return rc;
    }
    uint8_t *bytes = rc == 0 ? calloc(1, total ? total : 1) : NULL;  /* zero pages stay untouched */
    if (rc == 0 && !bytes)
        rc = mt_fail(r->err, MT_ENOMEM, "out of memory reading record %u (%llu bytes of blocks)", r->record,
                     (unsigned long long)total);
    if (rc == 0 && (rc = keep_buffer(r, bytes)) < 0)
        free(bytes);
    if (rc == 0)
        rc = reserve_blocks(r, n);
    if (rc < 0) {
        free(f.name);
        free(payload);
        return rc;
    }
    r->unpacked += total;
    c = start;
    end = 0;
    uint64_t first = r->img->nblocks;
    for (uint32_t i = 0; i < n; i++) {
        ck_block b = f;
        b.name_shared = i > 0;
        run_member(r, &c, &b, end, i == 0, bytes);  /* checked in the first pass */
        b.data = bytes;
        bytes += b.len;
        end = b.old_addr + b.len;
        b.alone = n == 1 ? (uint32_t)r->img->nbuffers : 0;  /* its buffer was the last kept */
        r->img->blocks[r->img->nblocks++] = b;
    }
    free(payload);  /* unpacked: not held beside the blocks while the hooks convert them */
    for (uint64_t k = first; k < r->img->nblocks; k++)
        tell_block(r, k);
    return 0;
}

/* ---- Incremental checkpoints: PARENT and DELTA --------------------------------------- */

/* The parent a child refers to: at most one, before any block, and only
 * in a checkpoint whose header says it has one. */
static int parse_parent(reader *r, const uint8_t *p, uint64_t len)
{
    ck_image *img = r->img;
    if (img->has_parent || img->nblocks || !(img->features & CK_FEATURE_PARENT))
        return corrupt(r, "%s", "a parent record where none can be");
    cursor c = { p, len, 0 };
    img->parent.id = get_uint(&c, 8);
    img->parent.digest = get_uint(&c, 8);
    img->parent.size = get_uint(&c, 8);
    img->parent.path = get_str(&c);
    img->has_parent = 1;
    if (c.bad || c.left || !img->parent.path || !img->parent.path[0])
        return corrupt(r, "%s", "bad parent record");
    return 0;
}

/* The chunk map of a DELTA block: a power-of-two chunk, the bitmap of
 * chunks that are the parent's (no bit set past the last chunk), then
 * exactly the bytes of the others. */
static int parse_delta_map(reader *r, cursor *c, ck_block *b, ck_delta *d)
{
    d->parent_record = (uint32_t)get_uint(c, 4);
    d->chunk = (uint32_t)get_uint(c, 4);
    if (c->bad || d->chunk < CK_CHUNK_MIN || d->chunk > CK_CHUNK_MAX || (d->chunk & (d->chunk - 1)))
        return corrupt(r, "%s", "bad chunk size in a delta block");
    d->nchunks = (b->len + d->chunk - 1) / d->chunk;
    uint64_t map = (d->nchunks + 7) / 8, literal = 0;
    if (c->left < map)
        return corrupt(r, "%s", "delta block's chunk map overruns its record");
    d->same = c->p;
    for (uint64_t i = 0; i < d->nchunks; i++)
        if (!(d->same[i / 8] >> (i % 8) & 1))
            literal += i + 1 < d->nchunks ? d->chunk : b->len - i * d->chunk;
    if (d->nchunks % 8 && d->same[map - 1] >> (d->nchunks % 8))
        return corrupt(r, "%s", "delta block's chunk map marks chunks past its end");
    d->literal = c->p + map;
    if (c->left - map != literal)
        return corrupt(r, "%s", "delta block's bytes do not match its chunk map");
    return 0;
}

/* A DELTA record: a block's header as in BLOCK, its length from its type
 * and count (its bytes are resolved later, from the parent). Takes
 * ownership of payload. */
static int parse_delta(reader *r, uint8_t *payload, uint64_t len)
{
    cursor c = { payload, len, 0 };
    ck_block b = { .record = r->record };
    b.role = (uint8_t)get_uint(&c, 1);
    b.type = (uint32_t)get_uint(&c, 4);
    b.key = get_uint(&c, 8);
    b.aux = get_uint(&c, 8);
    b.old_addr = get_uint(&c, 8);
    b.count = get_uint(&c, 8);
    b.name = get_str(&c);
    ck_delta *d = calloc(1, sizeof *d);
    int rc = c.bad ? corrupt(r, "%s", "block header overruns its record")
             : !d ? mt_fail(r->err, MT_ENOMEM, "out of memory reading blocks")
             : !r->img->has_parent ? corrupt(r, "%s", "a delta block without a parent record")
             : !r->have_types || b.type >= r->img->ntypes ? corrupt(r, "%s", "block of an undefined type") : 0;
    uint64_t size = rc == 0 ? r->img->types[b.type]->size : 1;
    if (rc == 0 && (b.count == 0 || b.count > CK_MAX_PAYLOAD / size))
        rc = corrupt(r, "%s", "delta block of a bad count");
    b.len = b.count * size;
    if (rc == 0 && !r->mem_limit)
        r->mem_limit = memory_limit();
    if (rc == 0 && b.len > r->mem_limit)
        rc = mt_fail(r->err, MT_ENOMEM, "record %u at offset %llu claims %llu bytes, more than this process can hold (%llu)",
                     r->record, (unsigned long long)r->rec_offset, (unsigned long long)b.len,
                     (unsigned long long)r->mem_limit);
    if (rc == 0)
        rc = check_block(r, &b);
    if (rc == 0)
        rc = parse_delta_map(r, &c, &b, d);
    if (rc == 0)
        rc = keep_buffer(r, payload);
    else
        free(payload);
    b.delta = d;
    if (rc == 0)
        rc = add_block(r, &b);
    if (rc < 0) {
        free(b.name);
        free(d);
        return rc;
    }
    r->img->unresolved++;
    return 0;
}

/* ---- Records -------------------------------------------------------------- */

/* The END record: the count of records before it, then the XXH3-64 of every
 * byte before it. Each record passed its own check, seeded from this
 * file's id; this one ties them to each other. Returns 1, or -1. */
static int check_end(reader *r, const uint8_t *payload, uint64_t len)
{
    cursor e = { payload, len, 0 };
    uint64_t count = get_uint(&e, 4), whole = get_uint(&e, 8);
    if (e.bad || e.left || count != r->record)
        return corrupt(r, "%s", "end record does not match the stream");
    r->img->end_digest = whole;
    if (whole != XXH3_64bits_digest(&r->whole))
        return mt_fail(r->err, MT_ECHECKSUM,
                       "checksum mismatch in the end record at offset %llu: the records before it "
                       "do not belong to one checkpoint", (unsigned long long)r->rec_offset);
    return 1;
}

/* Reads one record. Returns 1 after the END record, 0 to go on, -1. */
static int read_record(reader *r)
{
    uint8_t h[16];
    r->rec_offset = r->s->offset;
    long long n = r->s->read(r->s, h, sizeof h);
    if (n == 0)
        return mt_fail(r->err, MT_EFORMAT, "truncated checkpoint: no end record (stream ends at offset %llu)",
                       (unsigned long long)r->s->offset);
    if (n < (long long)sizeof h)
        return n < 0 ? read_exact(r, h, sizeof h, "record header")
                     : mt_fail(r->err, MT_EFORMAT, "truncated checkpoint: record %u header at offset %llu",
                               r->record, (unsigned long long)r->rec_offset);
    cursor c = { h, sizeof h, 0 };
    uint32_t kind = (uint32_t)get_uint(&c, 4), flags = (uint32_t)get_uint(&c, 4);
    uint64_t len = get_uint(&c, 8);
    int known = kind == CK_TYPES || kind == CK_BLOCK || kind == CK_FUNCS || kind == CK_INFO ||
                kind == CK_FREED || kind == CK_UNIONS || kind == CK_FILES || kind == CK_END ||
                kind == CK_PARENT || kind == CK_DELTA || (kind == CK_BLOCKS && (r->img->features & CK_FEATURE_RUNS));
    if (!known && !(flags & CK_FLAG_SKIPPABLE))
        return corrupt(r, "unknown record kind%s", "");
    if (check_claim(r, len) < 0 || verify_ahead(r, h, len) < 0)
        return -1;
    XXH3_state_t st;
    memset(&st, 0, sizeof st); /* gcc 12 flags the partial init in reset */
    XXH3_64bits_reset_withSeed(&st, ck_record_seed(r->img->checkpoint_id, r->record));
    XXH3_64bits_update(&st, h, sizeof h);
    /* the END record's own bytes are not in the stream's sum; a record
     * that fails its own check fails the whole read, so the stream's sum
     * may take the bytes before they are checked */
    XXH3_state_t *whole = kind != CK_END ? &r->whole : NULL;
    if (whole)
        XXH3_64bits_update(whole, h, sizeof h);
    uint8_t *payload = read_payload(r, kind, len, &st, whole);
    if (!payload)
        return -1;
    uint8_t sum[8];
    if (read_exact(r, sum, sizeof sum, "record checksum") < 0) {
        free(payload);
        return -1;
    }
    cursor sc = { sum, 8, 0 };
    if (get_uint(&sc, 8) != XXH3_64bits_digest(&st)) {
        free(payload);
        return mt_fail(r->err, MT_ECHECKSUM, "checksum mismatch in record %u at offset %llu",
                       r->record, (unsigned long long)r->rec_offset);
    }
    if (whole)
        XXH3_64bits_update(whole, sum, sizeof sum);
    int rc = 0;
    switch (known ? kind : 0) {
    case CK_TYPES: rc = parse_types(r, payload, len); break;
    case CK_FUNCS: rc = parse_funcs(r, payload, len); break;
    case CK_FREED: rc = parse_freed(r, payload, len); break;
    case CK_UNIONS: rc = parse_unions(r, payload, len); break;
    case CK_BLOCK: rc = parse_block(r, payload, len); payload = NULL; break;
    case CK_FILES: rc = parse_files(r, payload, len); payload = NULL; break;
    case CK_PARENT: rc = parse_parent(r, payload, len); break;
    case CK_DELTA: rc = parse_delta(r, payload, len); payload = NULL; break;
    case CK_BLOCKS: rc = parse_blocks(r, payload, len); payload = NULL; break;
    case CK_INFO:
        if (!r->img->info && (r->img->info = malloc(len + 1))) {
            memcpy(r->img->info, payload, len);
            r->img->info[len] = '\0';
        }
        break;
    case CK_END: rc = check_end(r, payload, len); break;
    default: break; /* a skippable record of a later version */
    }
    free(payload);
    if (rc >= 0 && ++r->record > CK_MAX_RECORDS)
        return corrupt(r, "%s", "too many records");
    return rc;
}

ck_image *ck_read(st_stream *s, mt_error *err)
{
    return ck_read_with(s, NULL, err);
}

ck_image *ck_read_with(st_stream *s, const ck_read_hooks *hooks, mt_error *err)
{
    ck_image *img = calloc(1, sizeof *img);
    if (!img) {
        mt_fail(err, MT_ENOMEM, "out of memory reading a checkpoint");
        return NULL;
    }
    reader r = { .s = s, .img = img, .err = err, .hooks = hooks };
    XXH3_64bits_reset(&r.whole);
    int rc = read_header(&r);
    while (rc == 0)
        rc = read_record(&r);
    if (rc == 1 && !r.have_types)
        rc = corrupt(&r, "%s", "no type table");
    if (rc == 1 && (img->features & CK_FEATURE_PARENT) && !img->has_parent)
        rc = corrupt(&r, "%s", "no parent record in a checkpoint that says it has one");
    if (rc == 1 && s->remaining(s) > 0)
        rc = mt_fail(err, MT_EFORMAT, "corrupt checkpoint: bytes after the end record at offset %llu",
                     (unsigned long long)s->offset);
    if (rc != 1) {
        ck_image_free(img);
        return NULL;
    }
    img->nrecords = r.record;
    img->total_bytes = s->offset;
    return img;
}

ck_image *ck_read_start(st_stream *s, mt_error *err)
{
    ck_image *img = calloc(1, sizeof *img);
    if (!img) {
        mt_fail(err, MT_ENOMEM, "out of memory reading a checkpoint");
        return NULL;
    }
    reader r = { .s = s, .img = img, .err = err };
    XXH3_64bits_reset(&r.whole);
    int rc = read_header(&r);
    while (rc == 0 && !r.have_types)
        rc = read_record(&r);
    if (rc == 1 && !r.have_types)
        rc = corrupt(&r, "%s", "no type table");
    if (rc < 0) {
        ck_image_free(img);
        return NULL;
    }
    return img;
}

char *ck_read_info(st_stream *s, mt_error *err)
{
    ck_image *img = calloc(1, sizeof *img);
    if (!img) {
        mt_fail(err, MT_ENOMEM, "out of memory reading a checkpoint");
        return NULL;
    }
    reader r = { .s = s, .img = img, .err = err };
    XXH3_64bits_reset(&r.whole);
    int rc = read_header(&r);
    if (rc == 0)
        rc = read_record(&r);
    char *info = NULL;
    if (rc >= 0 && img->info)
        info = img->info, img->info = NULL;
    else if (rc >= 0 && !(info = calloc(1, 1)))  /* no INFO first: nothing said */
        mt_fail(err, MT_ENOMEM, "out of memory reading a checkpoint");
    ck_image_free(img);
    return info;
}

void ck_image_free(ck_image *img)
{
    if (!img)
        return;
    for (uint32_t i = 0; i < img->ntypes; i++)
        type_free(img->types[i]);
    free(img->types);
    for (uint64_t i = 0; i < img->nblocks; i++) {
        if (!img->blocks[i].name_shared)
            free(img->blocks[i].name);
        if (img->blocks[i].delta) {
            free(img->blocks[i].delta->bytes);
            free(img->blocks[i].delta->origin);
            free(img->blocks[i].delta);
        }
    }
    free(img->blocks);
    free(img->parent.path);
    free(img->parent_file);
    ck_image_free(img->parent_img);
    for (uint32_t i = 0; i < img->nfuncs; i++)
        free(img->funcs[i].name);
    free(img->funcs);
    free(img->freed);
    free(img->unions);
    for (uint32_t i = 0; i < img->nfiles; i++)
        free(img->files[i].path);
    free(img->files);
    for (uint64_t i = 0; i < img->nbuffers; i++)
        free(img->buffers[i]);
    free(img->buffers);
    free(img->info);
    free(img);
}
