/* incr.c: incremental checkpoints, the writer's side (incr.h).
 *
 * Content hashes, not dirty tracking: mprotect would need a SIGSEGV
 * handler of the runtime's own (it installs none) and makes the program's
 * own system calls into protected memory fail with EFAULT; soft-dirty bits
 * are Linux- and kernel-configuration-specific, absent under qemu-user,
 * and cleared for the whole process. A hash sees only content: a chunk
 * written back to its old bytes counts as unchanged, which is right.
 *
 * Each block of INCR_MIN_BLOCK bytes or more is hashed in chunks of
 * INCR_CHUNK bytes (INCR_STREAM_CHUNK into a descriptor) (XXH3-128,
 * libxxhash) as it goes out; the table of
 * hashes of the last checkpoint file written (by old address and length)
 * is the parent's. A block of the same address and length whose chunks
 * partly hash the same goes out as a DELTA record naming the parent's
 * record; the reader takes the same chunks from the parent file, which
 * the child names by id, digest and size. */
#include "incr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "arch.h"
#include "ckpt_chain.h"
#include "config.h"

/* The chunk compared and referred to: a page, the unit a program's
 * changes come in. */
#define INCR_CHUNK 4096u
/* Into a descriptor (a migration's pre-copies and held checkpoint): the
 * smallest chunk a DELTA record may have (checkpoint-format.md). A program
 * that writes a few words in each of many pages then sends an eighth of
 * those pages, not all of them, held; the table is 16 bytes a chunk
 * (3% of the state, for the migration only) and hashing costs no more
 * (XXH3 runs as fast on 512 bytes as on 4096). */
#define INCR_STREAM_CHUNK 512u
/* A DELTA record's chunk: a power of two in this range. */
#define INCR_CHUNK_MIN 512u
#define INCR_CHUNK_MAX (1u << 24)
/* Smaller blocks are written whole: a DELTA record's framing and map
 * cost about as much as they would save. */
#define INCR_MIN_BLOCK 1024u
/* A block that may be referred to is alone in its record (ckpt.h): the
 * writer gathers only smaller ones in runs, and hands them to block_out,
 * which must leave them alone. */
_Static_assert(INCR_MIN_BLOCK >= CK_RUN_BLOCK_MAX, "a block hashed here could share its record");
_Static_assert(INCR_STREAM_CHUNK >= INCR_CHUNK_MIN && INCR_CHUNK <= INCR_CHUNK_MAX &&
               (INCR_STREAM_CHUNK & (INCR_STREAM_CHUNK - 1)) == 0 && (INCR_CHUNK & (INCR_CHUNK - 1)) == 0,
               "a DELTA record's chunk is a power of two from 512 to 2^24");

/* A block of a checkpoint and where its chunks' hashes start. */
typedef struct entry {
    uint64_t addr, len;
    size_t first;       /* index into the table's hashes */
    uint32_t record;    /* its record number in that checkpoint */
} entry;

typedef struct table {
    uint32_t chunk;     /* the bytes each hash covers */
    entry *e;
    size_t n, cap;
    XXH128_hash_t *h;
    size_t nh, hcap;
} table;

static struct {
    int want;
    /* the last checkpoint file written with hashes: the next one's parent */
    int have;
    char path[PATH_MAX];
    uint64_t id, digest, size;
    uint32_t depth;             /* parents behind it */
    int stream;                 /* it went to a descriptor: path is empty, kept by the reader */
    table prev;
    /* the checkpoint being written */
    int active, child, written;
    char link[PATH_MAX];        /* the parent's chain file */
    table next;
    uint64_t next_id, next_digest, next_size;
    uint64_t bytes_same, bytes_blocks, bytes_hashed;
    double hash_s;              /* spent hashing */
    char (*old_links)[4096];    /* a full checkpoint's: the chain files of the one it replaces */
    int nold;
    uint8_t *same;              /* the chunk map being built */
    size_t same_cap;
    /* what the last one took from its parent, for incr_report */
    int reported, reported_child;
    uint64_t rep_same, rep_blocks, rep_hashed;
    double rep_hash_ms;
} in;

static void table_clear(table *t)
{
    t->n = t->nh = 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *g = realloc(*p, c * size);
    if (!g)
        return -1;
    *p = g;
    *cap = c;
    return 0;
}

/* A new entry with room for nchunks hashes; NULL when out of memory (the
 * block then has no entry: the next checkpoint writes it whole). */
static uint64_t chunks_of(uint64_t len, uint32_t chunk)
{
    return (len + chunk - 1) / chunk;
}

static entry *table_add(table *t, uint64_t addr, uint64_t len, uint32_t record, uint64_t nchunks)
{
    if (grow((void **)&t->e, &t->cap, t->n + 1, sizeof *t->e) < 0 ||
        grow((void **)&t->h, &t->hcap, t->nh + nchunks, sizeof *t->h) < 0)
        return NULL;
    entry *e = &t->e[t->n++];
    *e = (entry){ addr, len, t->nh, record };
    t->nh += nchunks;
    return e;
}

static int by_addr(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static const entry *table_find(const table *t, uint64_t addr)
{
    entry key = { .addr = addr };
    return t->n ? bsearch(&key, t->e, t->n, sizeof *t->e, by_addr) : NULL;
}

void incr_want(int on)
{
    in.want = on;
}

/* The previous checkpoint is still at abs, as written. */
static int parent_intact(const char *abs)
{
    int fd = open(abs, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return 0;
    int ok = ck_file_is(fd, in.id, in.digest, in.size);
    close(fd);
    return ok;
}

/* Keeps the parent under its chain name, which the child names: a hard
 * link, made before the child replaces abs (one left by an earlier
 * attempt that failed is the same file). */
static int link_parent(const char *abs)
{
    if (ck_chain_link_name(abs, in.id, in.link, sizeof in.link) < 0)
        return -1;
    if (link(abs, in.link) == 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    int fd = open(in.link, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    int ok = fd >= 0 && ck_file_is(fd, in.id, in.digest, in.size);
    if (fd >= 0)
        close(fd);
    return ok ? 0 : -1;
}

void incr_prepare(const char *path)
{
    table_clear(&in.next);
    in.next.chunk = INCR_CHUNK;
    in.active = in.want;
    in.child = in.written = 0;
    in.nold = 0;
    in.bytes_same = in.bytes_blocks = in.bytes_hashed = 0;
    in.hash_s = 0;
    if (!in.active)
        return;
    char abs[PATH_MAX];
    int same_path = in.have && realpath(path, abs) && strcmp(abs, in.path) == 0;
    uint32_t max = cfg.incr_max ? cfg.incr_max : CFG_INCR_MAX_DEFAULT;  /* cfg is unread without mt_run_main */
    if (same_path && in.depth < max && parent_intact(abs) && link_parent(abs) == 0) {
        in.child = 1;
        return;
    }
    /* a full one: the chain files of the checkpoint it replaces go once it is in place */
    if (!in.old_links)
        in.old_links = malloc(sizeof *in.old_links * CK_CHAIN_MAX);
    if (in.old_links)
        in.nold = ck_chain_links(path, in.old_links, CK_CHAIN_MAX);
}

uint16_t incr_features(void)
{
    return in.active && in.child ? CK_FEATURE_PARENT : 0;
}

/* The chunk map of a block against the parent's entry pe; 1 when some
 * chunk is the same. */
static int map_same(const entry *pe, const XXH128_hash_t *now, uint64_t nchunks, uint64_t len, uint32_t chunk)
{
    size_t bytes = (size_t)((nchunks + 7) / 8);
    if (grow((void **)&in.same, &in.same_cap, bytes, 1) < 0)
        return 0;
    memset(in.same, 0, bytes);
    int any = 0;
    for (uint64_t i = 0; i < nchunks; i++) {
        if (!XXH128_isEqual(in.prev.h[pe->first + i], now[i]))
            continue;
        in.same[i / 8] |= (uint8_t)(1u << (i % 8));
        in.bytes_same += i + 1 < nchunks ? chunk : len - i * chunk;
        any = 1;
    }
    return any;
}

/* The writer's hook (ck_writer.block_out): hashes the block's chunks for
 * the next checkpoint and, in a child, writes the chunks that changed. */
static int block_out(void *ctx, ck_writer *w, const ck_block *b, const void *data)
{
    (void)ctx;
    in.bytes_blocks += b->len;
    if (b->len < INCR_MIN_BLOCK || ck_block_patched(w, data, b->len))
        return 0;  /* a patched block's bytes are not memory's: never referred to */
    uint32_t chunk = in.next.chunk;
    uint64_t nchunks = chunks_of(b->len, chunk);
    entry *e = table_add(&in.next, b->old_addr, b->len, w->records, nchunks);
    if (!e)
        return 0;
    XXH128_hash_t *now = &in.next.h[e->first];
    const uint8_t *p = data;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint64_t i = 0; i < nchunks; i++)
        now[i] = XXH3_128bits(p + i * chunk, i + 1 < nchunks ? chunk : b->len - i * chunk);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    in.hash_s += (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    in.bytes_hashed += b->len;
    /* (a parent hashed at another grain is never compared with) */
    const entry *pe = in.child && in.prev.chunk == chunk ? table_find(&in.prev, b->old_addr) : NULL;
    if (!pe || pe->len != b->len || !map_same(pe, now, nchunks, b->len, chunk))
        return 0;
    return ck_write_delta(w, b, data, pe->record, chunk, in.same) < 0 ? -1 : 1;
}

int incr_begin(ck_writer *w)
{
    if (!in.active)
        return 0;
    w->block_out = block_out;
    if (!in.child)
        return 0;
    const char *slash = strrchr(in.link, '/');
    ck_parent p = { in.id, in.digest, in.size, slash ? (char *)slash + 1 : in.link };
    return ck_write_parent(w, &p);
}

void incr_written(const ck_writer *w, int rc)
{
    if (!in.active || rc != 0)
        return;
    in.written = 1;
    in.next_id = w->checkpoint_id;
    in.next_digest = w->end_digest;
    in.next_size = w->s->offset;
}

/* The hashes just taken become the ones the next checkpoint compares
 * with (sorted by address for its lookups). */
static void take_next_table(void)
{
    qsort(in.next.e, in.next.n, sizeof *in.next.e, by_addr);
    table t = in.prev;
    in.prev = in.next;
    in.next = t;
    table_clear(&in.next);
    in.have = 1;
}

/* What MIGTHREAD_VERBOSE's line says about the checkpoint just written. */
static void keep_report(void)
{
    in.reported = 1;
    in.reported_child = in.child;
    in.rep_same = in.bytes_same;
    in.rep_blocks = in.bytes_blocks;
    in.rep_hashed = in.bytes_hashed;
    in.rep_hash_ms = in.hash_s * 1e3;
}

/* The checkpoint just written is the next one's parent: its hashes, id,
 * digest and size, one deeper in its chain when it is a child; stream:
 * it went to a descriptor (the reader keeps it, not a file here). */
static void become_parent(int stream)
{
    take_next_table();
    in.stream = stream;
    in.id = in.next_id;
    in.digest = in.next_digest;
    in.size = in.next_size;
    in.depth = in.child ? in.depth + 1 : 0;
}

void incr_commit(const char *path)
{
    if (!in.active || !in.written || !realpath(path, in.path)) {
        incr_abort();
        return;
    }
    become_parent(0);
    for (int i = 0; !in.child && i < in.nold; i++)
        unlink(in.old_links[i]);
    keep_report();
    in.active = in.nold = 0;
}

/* path made absolute without requiring it to exist: its directory's
 * real path and its name (a tool's file not yet renamed into place). */
static int absolute_of(const char *path, char *out)
{
    if (realpath(path, out))
        return 0;
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(path, '/');
    ck_chain_dir(path, dir, sizeof dir);
    if (!realpath(dir, real))
        return -1;
    return snprintf(out, PATH_MAX, "%s/%s", strcmp(real, "/") == 0 ? "" : real, slash ? slash + 1 : path) <
           PATH_MAX ? 0 : -1;
}

void incr_commit_stream(const char *path)
{
    if (!in.active || !in.written || absolute_of(path, in.path) < 0) {
        incr_abort();
        return;
    }
    /* the file is not in place yet: the old chain's files stay (its tool
     * removes them once it renamed a whole one into place) */
    become_parent(0);
    keep_report();
    in.active = in.nold = 0;
}

void incr_abort(void)
{
    /* the file at the parent's path is as it was: it stays the parent */
    table_clear(&in.next);
    in.active = in.nold = in.written = 0;
    in.reported = 0;
}

/* ---- A forked checkpoint's table, back to the program -------------------------------- */

/* What the copy sends: this header, the entries, the hashes. Both sides
 * are the same program on the same ABI: native layout. */
#define INCR_FORK_MAGIC 0x6d7466696e637232ULL  /* "mtfincr2" */
typedef struct fork_msg {
    uint64_t magic;
    uint64_t id, digest, size;
    uint64_t n, nh;                    /* entries, hashes */
    uint64_t rep_same, rep_blocks, rep_hashed;
    double rep_hash_ms;
    uint32_t depth;
    uint32_t chunk;                    /* the bytes each hash covers */
    int32_t child;
    int32_t stream;                    /* a descriptor's pre-copy: the kept parent (no file here) */
    char path[PATH_MAX], link[PATH_MAX];
} fork_msg;

/* Where the memory file goes: out of the program's way (forkcap.c's
 * pipe sits at the same height). */
enum { INCR_FD_FLOOR = 800 };

int incr_fork_begin(int keep)
{
    if (!in.want && !keep)
        return -1;
    int fd = memfd_create("migthread-incr", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, INCR_FD_FLOOR);
    if (high >= 0) {
        close(fd);
        fd = high;
    }
    return fd;
}

static int put_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int incr_send(int fd)
{
    if (!in.reported || !in.have)
        return 0;  /* nothing committed: the program keeps what it had */
    fork_msg *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    *m = (fork_msg){ .magic = INCR_FORK_MAGIC, .id = in.id, .digest = in.digest, .size = in.size,
                     .n = in.prev.n, .nh = in.prev.nh, .rep_same = in.rep_same, .rep_blocks = in.rep_blocks,
                     .rep_hashed = in.rep_hashed, .rep_hash_ms = in.rep_hash_ms, .depth = in.depth,
                     .chunk = in.prev.chunk, .child = in.reported_child, .stream = in.stream };
    memcpy(m->path, in.path, sizeof m->path);
    memcpy(m->link, in.link, sizeof m->link);
    int rc = put_all(fd, m, sizeof *m) < 0 || put_all(fd, in.prev.e, in.prev.n * sizeof *in.prev.e) < 0 ||
             put_all(fd, in.prev.h, in.prev.nh * sizeof *in.prev.h) < 0 ? -1 : 0;
    free(m);
    if (rc < 0 && ftruncate(fd, 0) < 0)
        rc = -1;  /* (a partial file fails the program's checks anyway) */
    return rc;
}

/* The copy's table as the program reads it: every entry's hashes inside
 * the hashes sent, together exactly all of them, entries in address
 * order; strings terminated. 0 or -1. */
static int fork_msg_valid(const fork_msg *m, const entry *e, uint64_t total)
{
    if (m->magic != INCR_FORK_MAGIC || !memchr(m->path, 0, sizeof m->path) || !memchr(m->link, 0, sizeof m->link) ||
        m->depth > CK_CHAIN_MAX || m->chunk < INCR_CHUNK_MIN || m->chunk > INCR_CHUNK_MAX || (m->chunk & (m->chunk - 1)))
        return -1;
    uint64_t want = (uint64_t)sizeof *m + m->n * sizeof *e + m->nh * sizeof(XXH128_hash_t);
    if (m->n > total / sizeof *e || m->nh > total / sizeof(XXH128_hash_t) || want != total)
        return -1;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < m->n; i++) {
        uint64_t k = chunks_of(e[i].len, m->chunk);
        if (e[i].len == 0 || e[i].first > m->nh || k > m->nh - e[i].first || (i && e[i - 1].addr >= e[i].addr))
            return -1;
        sum += k;
    }
    return sum == m->nh ? 0 : -1;
}

static int get_all(int fd, void *buf, size_t len, off_t at)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        at += n;
        len -= (size_t)n;
    }
    return 0;
}

int incr_receive(int fd)
{
    struct stat st;
    fork_msg *m = malloc(sizeof *m);
    table t = { 0 };
    int ok = m && fstat(fd, &st) == 0 && (uint64_t)st.st_size > sizeof *m && (uint64_t)st.st_size <= SIZE_MAX &&
             get_all(fd, m, sizeof *m, 0) == 0 && m->magic == INCR_FORK_MAGIC &&
             m->n <= (uint64_t)st.st_size / sizeof *t.e && m->nh <= (uint64_t)st.st_size / sizeof *t.h &&
             grow((void **)&t.e, &t.cap, m->n ? m->n : 1, sizeof *t.e) == 0 &&
             grow((void **)&t.h, &t.hcap, m->nh ? m->nh : 1, sizeof *t.h) == 0 &&
             get_all(fd, t.e, m->n * sizeof *t.e, sizeof *m) == 0 &&
             get_all(fd, t.h, m->nh * sizeof *t.h, (off_t)(sizeof *m + m->n * sizeof *t.e)) == 0 &&
             fork_msg_valid(m, t.e, (uint64_t)st.st_size) == 0;
    close(fd);
    if (ok) {
        t.n = m->n;
        t.nh = m->nh;
        t.chunk = m->chunk;
        free(in.prev.e);
        free(in.prev.h);
        in.prev = t;
        in.have = 1;
        in.id = m->id;
        in.digest = m->digest;
        in.size = m->size;
        in.depth = m->depth;
        memcpy(in.path, m->path, sizeof in.path);
        memcpy(in.link, m->link, sizeof in.link);
        in.stream = m->stream != 0;  /* a file's: the parent of the next checkpoint to it */
        in.reported = 1;
        in.reported_child = m->child;
        in.rep_same = m->rep_same;
        in.rep_blocks = m->rep_blocks;
        in.rep_hashed = m->rep_hashed;
        in.rep_hash_ms = m->rep_hash_ms;
    } else {
        free(t.e);
        free(t.h);
    }
    free(m);
    return ok ? 0 : -1;
}

void incr_forget(void)
{
    table_clear(&in.prev);
    table_clear(&in.next);
    in.have = in.stream = 0;
    in.path[0] = '\0';
    in.reported = 0;
}

/* ---- Into a descriptor: migthread migrate's pre-copy ------------------------------------- */

static int keeping;  /* the checkpoint being written is to become the kept parent */

int incr_stream_name(uint64_t id, char *buf, size_t cap)
{
    return snprintf(buf, cap, "migthread-precopy.%016llx", (unsigned long long)id) < (int)cap ? 0 : -1;
}

void incr_prepare_stream(int keep, int delta)
{
    table_clear(&in.next);
    in.next.chunk = INCR_STREAM_CHUNK;
    in.active = keep || delta;
    in.child = in.written = 0;
    in.nold = 0;
    in.bytes_same = in.bytes_blocks = in.bytes_hashed = 0;
    in.hash_s = 0;
    keeping = keep;
    uint32_t max = cfg.incr_max ? cfg.incr_max : CFG_INCR_MAX_DEFAULT;
    if (delta && in.have && in.stream && in.prev.chunk == INCR_STREAM_CHUNK && in.depth < max &&
        incr_stream_name(in.id, in.link, sizeof in.link) == 0)
        in.child = 1;
}

void incr_stream_done(int rc)
{
    if (!in.active || rc != 0 || !in.written) {
        incr_abort();
        return;
    }
    keep_report();
    if (keeping) {  /* a file parent is replaced: the next file checkpoint is full */
        become_parent(1);
        in.path[0] = '\0';
    } else
        table_clear(&in.next);  /* the kept parent stays the parent */
    in.active = in.nold = 0;
    keeping = 0;
}

/* ---- A restored process -------------------------------------------------------------- */

static int seeding;

void incr_seed_begin(const ck_image *img, const char *path)
{
    seeding = 0;
    if (!cfg.incremental || !arch_equal(&img->arch, arch_local()) || strcmp(path, "-") == 0 ||
        !realpath(path, in.path))
        return;  /* another ABI's bytes are never this process's memory */
    table_clear(&in.next);
    in.next.chunk = INCR_CHUNK;
    in.id = img->checkpoint_id;
    in.digest = img->end_digest;
    in.size = img->total_bytes;
    in.depth = 0;
    in.stream = 0;
    for (const ck_image *p = img->parent_img; p; p = p->parent_img)
        in.depth++;
    seeding = 1;
}

/* The hashes of the checkpoint's bytes of b (as read, its chain resolved),
 * under the address the block has now: where the program's memory still
 * holds those bytes at its next checkpoint, a chunk refers to them. */
void incr_seed_block(const ck_block *b, const void *new_addr)
{
    if (!seeding || b->len < INCR_MIN_BLOCK)
        return;
    uint64_t nchunks = chunks_of(b->len, INCR_CHUNK);
    entry *e = table_add(&in.next, (uint64_t)(uintptr_t)new_addr, b->len, b->record, nchunks);
    for (uint64_t i = 0; e && i < nchunks; i++)
        in.next.h[e->first + i] = XXH3_128bits(b->data + i * INCR_CHUNK,
                                               i + 1 < nchunks ? INCR_CHUNK : b->len - i * INCR_CHUNK);
}

void incr_seed_end(void)
{
    if (!seeding)
        return;
    seeding = 0;
    take_next_table();
}

void incr_report(FILE *out, const char *path)
{
    if (!in.reported)
        return;
    in.reported = 0;
    const char *slash = strrchr(in.link, '/');
    if (in.reported_child)
        fprintf(out, "migthread: checkpoint %s refers to parent %s: %llu of %llu bytes of blocks taken from it, "
                "%llu bytes hashed in %.3f ms\n", path, slash ? slash + 1 : in.link, (unsigned long long)in.rep_same,
                (unsigned long long)in.rep_blocks, (unsigned long long)in.rep_hashed, in.rep_hash_ms);
    else
        fprintf(out, "migthread: checkpoint %s is whole (the next one may refer to it), %llu bytes hashed in %.3f ms\n",
                path, (unsigned long long)in.rep_hashed, in.rep_hash_ms);
}
