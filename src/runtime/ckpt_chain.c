/* ckpt_chain.c: a chain of incremental checkpoints (ckpt_chain.h).
 *
 * A child names its parent by path, checkpoint id, the digest of the
 * parent's whole stream (its END record's) and size; the parent is read
 * and validated like a single file, then compared with those, so a parent
 * replaced by a newer checkpoint or changed in any byte is refused. The
 * child's DELTA blocks then take their unchanged chunks from the parent's
 * block (a block unchanged whole borrows the parent's bytes: the parent's
 * image lives as long as the child's). */
#include "ckpt_chain.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "input.h"

/* The ids met on the way down, for cycles. */
typedef struct chain_walk {
    uint64_t ids[CK_CHAIN_MAX + 2];
    int n;
} chain_walk;

void ck_chain_dir(const char *path, char *buf, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, cap, ".");
    else if (slash == path)
        snprintf(buf, cap, "/");
    else
        snprintf(buf, cap, "%.*s", (int)(slash - path), path);
}

int ck_chain_link_name(const char *path, uint64_t id, char *buf, size_t cap)
{
    return snprintf(buf, cap, "%s.%016llx", path, (unsigned long long)id) < (int)cap ? 0 : -1;
}

const ck_block *ck_chain_parent_block(const ck_image *img, uint32_t record)
{
    uint64_t lo = 0, hi = img->nblocks;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (img->blocks[mid].record < record)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= img->nblocks || img->blocks[lo].record != record)
        return NULL;
    /* a run of blocks (a BLOCKS record) is no one block a DELTA can name */
    if (lo + 1 < img->nblocks && img->blocks[lo + 1].record == record)
        return NULL;
    return &img->blocks[lo];
}

static int chunk_same(const ck_delta *d, uint64_t i)
{
    return d->same[i / 8] >> (i % 8) & 1;
}

/* Where a chunk of the parent's block came from (0: the parent itself). */
static uint8_t parent_origin(const ck_block *pb, uint64_t offset)
{
    if (!pb->delta || !pb->delta->origin)
        return 0;
    return pb->delta->origin[offset / pb->delta->chunk];
}

/* Gives DELTA block b its bytes: its own chunks, and pb's for the others.
 * When b is the only block that refers to pb and pb's bytes are its own
 * (own), b's chunks are written over pb's and the buffer is handed over:
 * no copy, no allocation (the parent's image is kept only for its bytes). */
static int fill_block(ck_block *b, const ck_block *pb, int own, mt_error *err)
{
    ck_delta *d = b->delta;
    int all_same = 1;
    d->origin = malloc(d->nchunks ? d->nchunks : 1);
    if (!d->origin)
        return mt_fail(err, MT_ENOMEM, "out of memory resolving a chain of checkpoints");
    for (uint64_t i = 0; i < d->nchunks; i++) {
        uint8_t from = parent_origin(pb, i * d->chunk);
        d->origin[i] = chunk_same(d, i) ? (uint8_t)(from < UINT8_MAX - 1 ? from + 1 : from) : 0;
        all_same &= chunk_same(d, i);
    }
    if (all_same || own) {
        b->data = pb->data;  /* borrowed: the parent's image lives as long as this one */
        d->shared = !own;
        uint8_t *mine = (uint8_t *)pb->data;  /* a payload or resolved buffer of the parent's, writable */
        const uint8_t *lit = d->literal;
        for (uint64_t i = 0; i < d->nchunks && !all_same; i++) {
            uint64_t off = i * d->chunk, n = i + 1 < d->nchunks ? d->chunk : b->len - off;
            if (!chunk_same(d, i)) {
                memcpy(mine + off, lit, n);
                lit += n;
            }
        }
        return 0;
    }
    if (!(d->bytes = malloc(b->len)))
        return mt_fail(err, MT_ENOMEM, "out of memory resolving a block of %llu bytes", (unsigned long long)b->len);
    const uint8_t *lit = d->literal;
    for (uint64_t i = 0; i < d->nchunks; i++) {
        uint64_t off = i * d->chunk, n = i + 1 < d->nchunks ? d->chunk : b->len - off;
        if (chunk_same(d, i)) {
            memcpy(d->bytes + off, pb->data + off, n);
        } else {
            memcpy(d->bytes + off, lit, n);
            lit += n;
        }
    }
    b->data = d->bytes;
    return 0;
}

static int fill_all(ck_image *img, const ck_image *pimg, const char *label, const char *ppath, mt_error *err)
{
    /* how many of img's blocks refer to each of the parent's (0, 1, 2: more) */
    uint8_t *refs = calloc(pimg->nblocks ? pimg->nblocks : 1, 1);
    if (!refs)
        return mt_fail(err, MT_ENOMEM, "out of memory resolving a chain of checkpoints");
    int rc = 0;
    for (uint64_t i = 0; i < img->nblocks && rc == 0; i++) {
        ck_block *b = &img->blocks[i];
        const ck_block *pb = b->delta ? ck_chain_parent_block(pimg, b->delta->parent_record) : NULL;
        if (b->delta && (!pb || pb->len != b->len))
            rc = mt_fail(err, MT_EFORMAT,
                         "corrupt checkpoint: record %u of %s refers to record %u of its parent %s, "
                         "which is no block of %llu bytes", b->record, label, b->delta->parent_record, ppath,
                         (unsigned long long)b->len);
        else if (pb && refs[pb - pimg->blocks] < 2)
            refs[pb - pimg->blocks]++;
    }
    for (uint64_t i = 0; i < img->nblocks && rc == 0; i++) {
        ck_block *b = &img->blocks[i];
        if (!b->delta)
            continue;
        const ck_block *pb = ck_chain_parent_block(pimg, b->delta->parent_record);
        int own = refs[pb - pimg->blocks] == 1 && !(pb->delta && pb->delta->shared);
        rc = fill_block(b, pb, own, err);
        if (rc == 0)
            img->unresolved--;
    }
    free(refs);
    return rc;
}

/* The parent as read, against what the child says it is. */
static int check_parent(const ck_image *img, const ck_image *pimg, const char *label, const char *ppath,
                        mt_error *err)
{
    const ck_parent *p = &img->parent;
    if (pimg->checkpoint_id != p->id)
        return mt_fail(err, MT_EFORMAT,
                       "checkpoint %s refers to parent %s as checkpoint %016llx, but that file is checkpoint "
                       "%016llx (replaced since)", label, ppath, (unsigned long long)p->id,
                       (unsigned long long)pimg->checkpoint_id);
    if (pimg->end_digest != p->digest || pimg->total_bytes != p->size)
        return mt_fail(err, MT_ECHECKSUM,
                       "checkpoint %s refers to parent %s (checkpoint %016llx), whose content has changed since",
                       label, ppath, (unsigned long long)p->id);
    if (pimg->program_id != img->program_id)
        return mt_fail(err, MT_EPROGRAM, "parent %s of checkpoint %s was made by another program", ppath, label);
    if (memcmp(&pimg->arch, &img->arch, sizeof img->arch) != 0)
        return mt_fail(err, MT_EFORMAT, "parent %s of checkpoint %s was written on another ABI", ppath, label);
    return 0;
}

/* The parent's path: absolute, or relative to the child's directory. */
static int parent_path(const ck_image *img, const char *dir, char *buf, size_t cap)
{
    const char *p = img->parent.path;
    int n = p[0] == '/' ? snprintf(buf, cap, "%s", p) : snprintf(buf, cap, "%s/%s", dir, p);
    return n < (int)cap ? 0 : -1;
}

static int in_chain(const chain_walk *cw, uint64_t id)
{
    for (int i = 0; i < cw->n; i++)
        if (cw->ids[i] == id)
            return 1;
    return 0;
}

static int cycle(const char *label, const char *ppath, uint64_t id, mt_error *err)
{
    return mt_fail(err, MT_EFORMAT, "checkpoint %s refers to parent %s, checkpoint %016llx, which is already in "
                   "its chain (a cycle)", label, ppath, (unsigned long long)id);
}

/* ---- Compressed parents: their plain streams, handed over by a tool ----------------------- */

/* A program does not decompress (src/zfile is the tools'): migthread
 * restart, run and inspect decompress each compressed file of the chain
 * into a descriptor, in the order the chain names them
 * (MIGTHREAD_RESTORE_PARENT_FDS); a compressed parent takes the next one.
 * The stream read from it is validated against what the child names as
 * any parent is, so a descriptor that is not that file's is refused. */
static struct {
    int fd[CK_CHAIN_MAX];
    int n, next;
} handed;

void ck_chain_hand_parents(const int *fds, int n)
{
    for (int i = handed.next; i < handed.n; i++)
        close(handed.fd[i]);
    handed.n = handed.next = 0;
    for (int i = 0; i < n && i < CK_CHAIN_MAX; i++)
        handed.fd[handed.n++] = fds[i];
}

/* The descriptors of MIGTHREAD_RESTORE_PARENT_FDS (numbers, comma
 * separated), closed on exec: the restored program never sees them. */
static void hand_from_env(void)
{
    const char *v = getenv("MIGTHREAD_RESTORE_PARENT_FDS");
    int fds[CK_CHAIN_MAX], n = 0;
    for (char *end; v && *v && n < CK_CHAIN_MAX; v = *end == ',' ? end + 1 : end) {
        errno = 0;
        long fd = strtol(v, &end, 10);
        if (end == v || errno || fd < 0 || fd > INT_MAX || fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0)
            break;
        fds[n++] = (int)fd;
    }
    ck_chain_hand_parents(fds, n);
}

/* The parent's file, opened: a plain checkpoint's descriptor, or for a
 * compressed one the next plain stream handed over. -1 with why. */
static int open_parent(const char *ppath, mt_error *why)
{
    int fd = in_open_file(ppath, why);
    unsigned char magic[CK_ZSTD_MAGIC_LEN];
    if (fd < 0 || pread(fd, magic, sizeof magic, 0) != (ssize_t)sizeof magic || !ck_zstd_magic(magic))
        return fd;
    close(fd);
    if (handed.next < handed.n)
        return handed.fd[handed.next++];
    return mt_fail(why, MT_EFORMAT, "it is a compressed checkpoint (zstd), which a program does not read: "
                   "restore the chain from its file, `migthread restart FILE`");
}

/* ---- Parents read ahead (a migration's kept pre-copies) ---------------------------------- */

/* A file read ahead: validated whole, its own chain resolved, kept until a
 * child names it (then it is that child's parent_img) or the restore's
 * read ends. The file's identity says it is the file the child's path
 * opens; what the child names (id, digest, size) is checked against the
 * image as for any parent. */
typedef struct ahead {
    ck_image *img;
    dev_t dev;
    ino_t ino;
    void *ctx;  /* the restore's, for this image (its blocks placed ahead) */
} ahead;

static struct {
    ahead a[CK_CHAIN_MAX];
    int n;
    ck_ahead_hooks hooks;
    ck_ahead_stats stats;
    int at_hold;  /* resolving the restore's checkpoint, not one read ahead */
} kept;

void ck_chain_ahead_hooks(const ck_ahead_hooks *h)
{
    kept.hooks = h ? *h : (ck_ahead_hooks){ 0 };
}

static void ahead_drop_ctx(void *ctx)
{
    if (ctx && kept.hooks.drop)
        kept.hooks.drop(ctx);
}

void ck_chain_ahead_clear(void)
{
    for (int i = 0; i < kept.n; i++) {
        ck_image_free(kept.a[i].img);
        ahead_drop_ctx(kept.a[i].ctx);
    }
    kept.n = 0;
}

ck_ahead_stats ck_chain_ahead_stats(void)
{
    return kept.stats;
}

/* The image read ahead from the file open at fd, when it is the parent
 * img names (id, digest and size: anything else, and the file is read
 * as it is now, which checks it as always); taken out of the kept ones,
 * with its context in *ctx. NULL when there is none. */
static ck_image *take_ahead(int fd, const ck_image *img, void **ctx)
{
    struct stat st;
    if (kept.n == 0 || fstat(fd, &st) < 0)
        return NULL;
    for (int i = 0; i < kept.n; i++) {
        ahead *a = &kept.a[i];
        if (a->dev != st.st_dev || a->ino != st.st_ino)
            continue;
        if (a->img->checkpoint_id != img->parent.id || a->img->end_digest != img->parent.digest ||
            a->img->total_bytes != img->parent.size || !ck_file_is(fd, img->parent.id, img->parent.digest,
                                                                  img->parent.size)) {
            kept.stats.stale++;
            return NULL;
        }
        ck_image *p = a->img;
        *ctx = a->ctx;
        kept.a[i] = kept.a[--kept.n];
        return p;
    }
    return NULL;
}

/* The checks resolve makes on the way down a chain, made again on one
 * resolved ahead (its ids joined to those met above it): a cycle through
 * it, or a chain too long with it, is refused as when read now. */
static int walk_ahead(const ck_image *pimg, const char *ppath, chain_walk *cw, mt_error *err)
{
    for (const ck_image *q = pimg; q && q->has_parent; q = q->parent_img) {
        cw->ids[cw->n++] = q->checkpoint_id;
        if (cw->n > CK_CHAIN_MAX)
            return mt_fail(err, MT_EFORMAT, "checkpoint %s: its chain of parents is longer than %d", ppath,
                           CK_CHAIN_MAX);
        if (in_chain(cw, q->parent.id))
            return cycle(q == pimg ? ppath : q->parent_file ? q->parent_file : ppath, q->parent.path,
                         q->parent.id, err);
    }
    return 0;
}

static int resolve(ck_image *img, const char *dir, const char *label, chain_walk *cw, void *ctx, mt_error *err)
{
    if (!img->has_parent)
        return 0;
    cw->ids[cw->n++] = img->checkpoint_id;
    if (cw->n > CK_CHAIN_MAX)
        return mt_fail(err, MT_EFORMAT, "checkpoint %s: its chain of parents is longer than %d", label,
                       CK_CHAIN_MAX);
    char ppath[PATH_MAX], pdir[PATH_MAX];
    if (parent_path(img, dir, ppath, sizeof ppath) < 0)
        return mt_fail(err, MT_EFORMAT, "checkpoint %s: its parent's path is too long", label);
    if (in_chain(cw, img->parent.id))
        return cycle(label, ppath, img->parent.id, err);
    mt_error why;
    int fd = open_parent(ppath, &why);
    if (fd < 0)
        return mt_fail(err, MT_EIO, "checkpoint %s refers to parent %s: %s", label, ppath, why.msg);
    void *pctx = NULL;
    ck_image *pimg = take_ahead(fd, img, &pctx);
    int early = pimg != NULL;
    if (!pimg)
        pimg = in_read_fd(fd, NULL, 0, &why);
    close(fd);
    if (!pimg)
        return mt_fail(err, why.code, "parent %s of checkpoint %s: %s", ppath, label, why.msg);
    ck_chain_dir(ppath, pdir, sizeof pdir);
    /* a cycle is named as one before the parent's digest, which a cycle
     * of real files cannot match, says less */
    int rc = pimg->checkpoint_id == img->parent.id && pimg->has_parent && in_chain(cw, pimg->parent.id)
             ? cycle(ppath, pimg->parent.path, pimg->parent.id, err) : 0;
    if (rc == 0)
        rc = check_parent(img, pimg, label, ppath, err);
    if (rc == 0)  /* a parent read ahead was resolved then: its walk is checked again here */
        rc = early ? walk_ahead(pimg, ppath, cw, err) : resolve(pimg, pdir, ppath, cw, NULL, err);
    if (rc == 0)
        rc = fill_all(img, pimg, label, ppath, err);
    if (rc == 0 && pctx && ctx && kept.hooks.inherit)
        kept.hooks.inherit(ctx, img, pctx, pimg);
    ahead_drop_ctx(pctx);
    kept.stats.used += early && rc == 0;
    kept.stats.reread += !early && kept.at_hold;
    img->parent_img = pimg;  /* freed with img, also on failure */
    img->parent_file = strdup(ppath);
    return rc;
}

int ck_chain_resolve(ck_image *img, const char *dir, const char *label, mt_error *err)
{
    chain_walk *cw = calloc(1, sizeof *cw);
    if (!cw)
        return mt_fail(err, MT_ENOMEM, "out of memory reading a chain of checkpoints");
    int rc = resolve(img, dir, label, cw, NULL, err);
    free(cw);
    if (rc == 0 && img->unresolved)
        rc = mt_fail(err, MT_EFORMAT, "corrupt checkpoint: %s has delta blocks without a parent", label);
    return rc;
}

ck_image *ck_chain_read_file(const char *path, mt_error *err)
{
    int stdin_given = strcmp(path, IN_STDIN) == 0;
    int fd = stdin_given ? STDIN_FILENO : in_open_file(path, err);
    if (fd < 0)
        return NULL;
    ck_image *img = in_read_fd(fd, NULL, 0, err);
    if (!stdin_given)
        close(fd);
    char dir[PATH_MAX];
    ck_chain_dir(stdin_given ? "" : path, dir, sizeof dir);
    if (img && ck_chain_resolve(img, dir, stdin_given ? "from standard input" : path, err) < 0) {
        ck_image_free(img);
        return NULL;
    }
    return img;
}

ck_image *ck_chain_read_restore(const char *path, mt_error *err)
{
    return ck_chain_read_restore_with(path, NULL, err);
}

/* Resolves img's chain, with ctx the restore's context for img. */
static int resolve_with(ck_image *img, const char *dir, const char *label, void *ctx, mt_error *err)
{
    chain_walk *cw = calloc(1, sizeof *cw);
    if (!cw)
        return mt_fail(err, MT_ENOMEM, "out of memory reading a chain of checkpoints");
    int rc = resolve(img, dir, label, cw, ctx, err);
    free(cw);
    if (rc == 0 && img->unresolved)
        rc = mt_fail(err, MT_EFORMAT, "corrupt checkpoint: %s has delta blocks without a parent", label);
    return rc;
}

ck_image *ck_chain_read_restore_with(const char *path, const ck_read_hooks *hooks, mt_error *err)
{
    hand_from_env();
    ck_image *img = in_read_restore_with(path, hooks, err);
    char dir[PATH_MAX];
    ck_chain_dir(strcmp(path, IN_STDIN) == 0 ? "" : path, dir, sizeof dir);
    kept.at_hold = 1;
    int rc = img ? resolve_with(img, dir, path, hooks ? hooks->ctx : NULL, err) : 0;
    kept.at_hold = 0;
    if (rc < 0) {
        ck_image_free(img);
        img = NULL;
    }
    ck_chain_hand_parents(NULL, 0);  /* those not taken: the program never sees them */
    ck_chain_ahead_clear();          /* those not named: not this checkpoint's chain */
    return img;
}

int ck_chain_keep_ahead(ck_image *img, const char *path, void *ctx, mt_error *err)
{
    if (kept.n == CK_CHAIN_MAX)
        return mt_fail(err, MT_EFORMAT, "more than %d files read ahead", CK_CHAIN_MAX);
    struct stat st;
    int fd = in_open_file(path, err);
    if (fd < 0)
        return -1;
    int same = fstat(fd, &st) == 0 && ck_file_is(fd, img->checkpoint_id, img->end_digest, img->total_bytes);
    close(fd);
    if (!same)
        return mt_fail(err, MT_EFORMAT, "%s is not the checkpoint read ahead for it", path);
    char dir[PATH_MAX];
    ck_chain_dir(path, dir, sizeof dir);
    if (resolve_with(img, dir, path, ctx, err) < 0)
        return -1;
    kept.a[kept.n++] = (ahead){ .img = img, .dev = st.st_dev, .ino = st.st_ino, .ctx = ctx };
    kept.stats.read++;
    kept.stats.bytes += img->total_bytes;
    return 0;
}

/* ---- The writer's checks on its own files ------------------------------------------ */

static uint64_t le_uint(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* An END record: kind, flags, length 12, record count, digest, checksum. */
enum { END_RECORD_LEN = 16 + 12 + 8, HEADER_ID_AT = CK_HEADER_LEN - 16 };

/* A compressed file (a tool's container around the stream the process
 * wrote): its header's size, id and digest, checked there before it was
 * renamed into place, say which plain stream it holds. */
static int zfile_is(int fd, uint64_t id, uint64_t digest, uint64_t size)
{
    uint8_t h[CK_ZHEAD_LEN];
    if (pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h)
        return 0;
    return le_uint(h, 4) == CK_ZHEAD_MAGIC && le_uint(h + 4, 4) == CK_ZHEAD_LEN - 8 &&
           memcmp(h + CK_ZHEAD_TAG_AT, CK_ZHEAD_TAG, sizeof CK_ZHEAD_TAG - 1) == 0 &&
           le_uint(h + CK_ZHEAD_SIZE_AT, 8) == size && le_uint(h + CK_ZHEAD_ID_AT, 8) == id &&
           le_uint(h + CK_ZHEAD_DIGEST_AT, 8) == digest;
}

int ck_file_is(int fd, uint64_t id, uint64_t digest, uint64_t size)
{
    struct stat st;
    uint8_t head[CK_HEADER_LEN], end[END_RECORD_LEN];
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return 0;
    if (pread(fd, head, CK_ZSTD_MAGIC_LEN, 0) == CK_ZSTD_MAGIC_LEN && le_uint(head, 4) == CK_ZHEAD_MAGIC)
        return zfile_is(fd, id, digest, size);
    if ((uint64_t)st.st_size != size || size < sizeof head + sizeof end)
        return 0;
    if (pread(fd, head, sizeof head, 0) != (ssize_t)sizeof head ||
        pread(fd, end, sizeof end, (off_t)(size - sizeof end)) != (ssize_t)sizeof end)
        return 0;
    return memcmp(head, CK_MAGIC, CK_MAGIC_LEN) == 0 && le_uint(head + HEADER_ID_AT, 8) == id &&
           le_uint(end, 4) == CK_END && le_uint(end + 8, 8) == 12 && le_uint(end + 20, 8) == digest;
}

/* path's parent, into buf, when it is one of head's chain files: beside
 * it, named by ck_chain_link_name(head, its id). 0, or -1 when it is not
 * (or path has no parent). */
static int own_parent(const char *head, const char *path, char *buf, size_t cap)
{
    mt_error err;
    int fd = in_open_file(path, &err);
    st_stream *s = fd >= 0 ? malloc(sizeof *s) : NULL;
    ck_image *img = NULL;
    if (s) {
        st_init_fd(s, fd);
        img = ck_read_start(s, &err);
    }
    free(s);
    if (fd >= 0)
        close(fd);
    const char *slash = strrchr(head, '/');
    char dir[PATH_MAX], want[PATH_MAX];
    ck_chain_dir(path, dir, sizeof dir);
    int rc = img && img->has_parent &&
             ck_chain_link_name(slash ? slash + 1 : head, img->parent.id, want, sizeof want) == 0 &&
             strcmp(want, img->parent.path) == 0 && parent_path(img, dir, buf, cap) == 0 ? 0 : -1;
    ck_image_free(img);
    return rc;
}

int ck_chain_links(const char *path, char (*out)[4096], int max)
{
    int n = 0;
    const char *at = path;
    while (n < max && own_parent(path, at, out[n], sizeof out[n]) == 0)
        at = out[n++];
    return n;
}

void ck_chain_remove_links(const char *path)
{
    char (*links)[4096] = malloc(sizeof *links * CK_CHAIN_MAX);
    if (!links)
        return;
    int n = ck_chain_links(path, links, CK_CHAIN_MAX);
    for (int i = 0; i < n; i++)
        unlink(links[i]);
    free(links);
}
