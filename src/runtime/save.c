/* save.c: writing the registered state as a checkpoint.
 *
 * The writer never converts: each block goes out as it is in memory, with
 * the local type table and architecture descriptor that describe it. A
 * checkpoint file is replaced atomically (temporary file, fsync, rename,
 * fsync of the directory), so a crash mid-write leaves the old one whole. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt.h"
#include "ckpt_tmp.h"
#include "error.h"
#include "flex.h"
#include "frames.h"
#include "incr.h"
#include "migthread-gen.h"
#include "reach.h"
#include "state.h"
#include "sync.h"
#include "threads.h"
#include "unions.h"

static int write_globals(ck_writer *w)
{
    size_t n;
    const st_global *g = state_globals(&n);
    for (size_t i = 0; i < n; i++) {
        ck_block b = { .role = CK_ROLE_GLOBAL, .type = g[i].type->index, .key = g[i].key,
                       .aux = (uint64_t)g[i].constant,
                       .old_addr = (uint64_t)(uintptr_t)g[i].addr, .count = g[i].count,
                       .len = g[i].count * g[i].type->size, .name = g[i].name };
        if (ck_write_block(w, &b, g[i].addr) < 0)
            return -1;
    }
    return 0;
}

/* A block mtcc could not type whose bytes the program uses as a type
 * holding pointers (pieces of a pool): no reader could translate them, so
 * the capture refuses it, naming its allocation site. */
static int refuse_untyped(const st_heap_block *h, ck_writer *w)
{
    const mt_site *site = h->site;
    if (!site || !(site->flags & MT_SITE_POINTERS) || !flex_untyped(h->type))
        return 0;
    mt_fail(w->err, MT_EPOINTER,
            "heap block allocated at %s (%llu bytes, untyped) is used as %s, which holds pointers: "
            "it cannot be saved (type the allocation)",
            site->where, (unsigned long long)(h->count * h->type->size),
            site->used_as ? site->used_as : "a type");
    return 1;
}

static int write_heap_block(const st_heap_block *h, void *ctx)
{
    if (refuse_untyped(h, ctx))
        return 1;
    /* the name is the allocation site, aux its MT_SITE_* flags, key the
     * alignment it was asked for (restore.c) */
    ck_block b = { .role = CK_ROLE_HEAP, .type = h->type->index, .aux = h->site ? h->site->flags : 0,
                   .key = h->site ? h->site->align : 0,
                   .old_addr = (uint64_t)(uintptr_t)h->addr, .count = h->count,
                   .len = h->count * h->type->size, .name = h->site ? (char *)h->site->where : "" };
    return ck_write_block(ctx, &b, h->addr) < 0 ? 1 : 0;
}

/* The freed ranges that saved pointers still point into. */
static int write_freed(ck_writer *w, const reach_set *rs)
{
    ck_range *out = malloc((rs->nfreed ? rs->nfreed : 1) * sizeof *out);
    if (!out)
        return mt_fail(w->err, MT_ENOMEM, "out of memory writing the freed ranges");
    uint64_t n = 0;
    for (size_t i = 0; i < rs->nfreed; i++)
        if (rs->freed[i].pointed)
            out[n++] = (ck_range){ rs->freed[i].start, rs->freed[i].end - rs->freed[i].start };
    int rc = ck_write_freed(w, out, n);
    free(out);
    return rc;
}

/* Writes the heap blocks reachable from the roots and the freed ranges
 * they dangle into; every block if the traversal ran out of memory (rs
 * NULL). */
static int write_heap(ck_writer *w, const reach_set *rs)
{
    if (!rs)
        return state_heap_each(write_heap_block, w) ? -1 : 0;
    int rc = 0;
    for (size_t i = 0; i < rs->n && rc == 0; i++)
        if (rs->marked[i] && write_heap_block(&rs->blocks[i], w))
            rc = -1;
    if (rc == 0)
        rc = write_freed(w, rs);
    return rc;
}

static int write_functions(ck_writer *w)
{
    size_t n;
    const st_function *f = state_functions(&n);
    ck_func *table = calloc(n ? n : 1, sizeof *table);
    if (!table)
        return mt_fail(w->err, MT_ENOMEM, "out of memory writing the function table");
    for (size_t i = 0; i < n; i++)
        table[i] = (ck_func){ f[i].id, (uint64_t)(uintptr_t)f[i].fn, f[i].name };
    int rc = ck_write_funcs(w, table, (uint32_t)n);
    free(table);
    return rc;
}

/* When standard output is a regular file (a batch job's output file), its
 * size and inode at the capture (stdio is flushed by then): `migthread
 * run` cuts the file back to that size when it resumes this checkpoint,
 * so that output written after it is not there twice. */
static void stdout_file(char *out, size_t cap)
{
    struct stat st;
    *out = '\0';
    if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode))
        snprintf(out, cap, "writer-stdout-size: %lld\nwriter-stdout-inode: %llu\n", (long long)st.st_size,
                 (unsigned long long)st.st_ino);
}

/* A forked capture's copy of the process writes what the program was
 * when it stopped: its pid, and its standard output's size then (the
 * program writes on while the copy works). */
static struct {
    int on;
    long pid;
    char out[128];
} noted;

void state_note_writer(int on)
{
    noted.on = on;
    if (on) {
        noted.pid = (long)getpid();
        stdout_file(noted.out, sizeof noted.out);
    }
}

static int write_info(ck_writer *w)
{
    char text[4700], arch[128], exe[4096], out[128];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    long pid = (long)getpid();
    if (noted.on) {
        pid = noted.pid;
        snprintf(out, sizeof out, "%s", noted.out);
    } else
        stdout_file(out, sizeof out);
    snprintf(text, sizeof text, "writer-arch: %s\nwriter-pid: %ld\nwriter-exe: %s\n%s",
             arch_describe(arch_local(), arch, sizeof arch), pid, exe, out);
    return ck_write_info(w, text);
}

static int (*record_writer)(struct ck_writer *w);

void state_set_record_writer(int (*fn)(struct ck_writer *w))
{
    record_writer = fn;
}

int state_write(st_stream *s, mt_error *err)
{
    ck_writer w;
    memset(&w, 0, sizeof w);  /* released below even when the header was never written */
    uint32_t ntypes;
    th_record_type();  /* defined before the type table goes out */
    const struct mt_type *const *types = types_local(&ntypes);
    ck_patch *patches = NULL;
    un_capture unions = { 0 };
    state_lock();
    /* the pointer graph first: a checkpoint no reader could restore is
     * refused before anything is written */
    reach_set rs;
    int reach = reach_compute(&rs, err);
    int rc = reach == REACH_REFUSED || th_tls_check(err) < 0
             ? -1 : ck_write_header_features(&w, s, state_program_id(), incr_features() | CK_FEATURE_RUNS, err);
    if (rc == 0)
        rc = sync_reader_patches(&patches, &w.npatches, err);
    w.patches = patches;
    if (unions_in_program()) {  /* programs without unions pay nothing */
        w.block_seen = unions_block_seen;
        w.block_seen_ctx = &unions;
    }
    if (rc == 0)
        rc = write_info(&w);
    if (rc == 0)
        rc = incr_begin(&w);  /* the parent of an incremental checkpoint */
    if (rc == 0)
        rc = ck_write_types(&w, types, ntypes);
    if (rc == 0)
        rc = write_functions(&w);
    if (rc == 0 && record_writer)
        rc = record_writer(&w);
    if (rc == 0)
        rc = write_globals(&w);
    if (rc == 0)
        rc = write_heap(&w, reach == 0 ? &rs : NULL);
    if (rc == 0)
        rc = th_write(&w);
    if (rc == 0) {
        unions_capture_sort(&unions);
        rc = ck_write_unions(&w, unions.entries, unions.n);
    }
    if (rc == 0)
        rc = ck_write_end(&w);
    incr_written(&w, rc);
    ck_write_release(&w);
    state_unlock();
    unions_capture_free(&unions);
    if (reach == 0)
        reach_free(&rs);
    free(patches);
    return rc;
}

static int fsync_dir_of(const char *path)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

/* A failed write names the checkpoint it was for: the stream only knew
 * the record and the offset. */
static int write_failed(mt_error *err, const char *path)
{
    if (err && err->code == MT_EIO) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        mt_fail(err, MT_EIO, "checkpoint %s not written: %s", path, why);
    }
    return -1;
}

int mt_save(const char *path, mt_error *err)
{
    char tmp[4096];
    if (ck_tmp_name(path, tmp, sizeof tmp) < 0)
        return mt_fail(err, MT_EUSAGE, "checkpoint path too long: %s", path);
    ck_tmp_sweep(path);  /* what writers killed mid-write left behind */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return mt_fail(err, MT_EIO, "checkpoint %s not written: cannot create %s: %s", path, tmp,
                       strerror(errno));
    ck_tmp_lock(fd);  /* held until close: the file is not a dead writer's */
    st_stream *s = malloc(sizeof *s);
    if (!s) {
        close(fd);
        unlink(tmp);
        return mt_fail(err, MT_ENOMEM, "out of memory saving a checkpoint");
    }
    st_init_fd(s, fd);
    incr_prepare(path);  /* a child of the previous checkpoint at path, or a full one */
    int rc = state_write(s, err);
    free(s);
    if (rc == 0 && fsync(fd) < 0)
        rc = mt_fail(err, MT_EIO, "cannot sync %s: %s", tmp, strerror(errno));
    if (close(fd) < 0 && rc == 0)
        rc = mt_fail(err, MT_EIO, "cannot close %s: %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) < 0)
        rc = mt_fail(err, MT_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (rc < 0) {
        unlink(tmp);  /* the previous checkpoint at path stays as it was */
        incr_abort();
        return write_failed(err, path);
    }
    fsync_dir_of(path);
    incr_commit(path);
    return 0;
}
