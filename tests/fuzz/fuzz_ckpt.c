/* fuzz_ckpt.c: libFuzzer target for the checkpoint reader and restore.
 *
 * Each input is read as a checkpoint; when it validates, every type's tag
 * is printed to a buffer and the image is restored into this program's
 * state (a small struct with pointers, a heap array, long doubles), which
 * drives plan compilation and conversion with hostile layouts too. Each
 * input is also read through a file descriptor with its first bytes
 * handed over as already read (migthread restart's way), which must give
 * the same verdict as the memory read. With
 * MT_FUZZ_SEED=PATH set, the target first writes valid seeds: a full
 * checkpoint, then an incremental one over it (PATH, its parent beside it
 * as PATH.ID), so that PARENT and DELTA records are fuzzed too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ckpt.h"
#include "incr.h"
#include "input.h"
#include "migthread.h"
#include "restore.h"
#include "state.h"

struct cell { short s; long double v; struct cell *next; long n[3]; };
static struct cell g_cells[2];
static char *g_text;
/* small blocks of one type, one of zeros: a BLOCKS record's run of them */
static char *g_more[3];
/* large enough to be written as chunks (a DELTA block) in the seed's child */
enum { PAD_LONGS = 2048 };
static long g_pad[PAD_LONGS];

static int setup(void)
{
    mt_error err;
    mt_member m[] = {
        MT_MEMBER(struct cell, s, MT_CLASS_SINT, 1), MT_MEMBER(struct cell, v, MT_CLASS_LDOUBLE, 1),
        MT_MEMBER(struct cell, next, MT_CLASS_PTR, 1), MT_MEMBER(struct cell, n, MT_CLASS_SINT, 3),
    };
    const mt_type *tc = mt_type_define("struct cell", sizeof(struct cell), _Alignof(struct cell), 0, m, 4, &err);
    const mt_type *tp = mt_type_scalar("char *", MT_CLASS_PTR, sizeof(char *), _Alignof(char *));
    const mt_type *tch = mt_type_scalar("char", MT_CLASS_BYTES, 1, 1);
    mt_set_program_id(0xf022);
    mt_register_global("g_cells", g_cells, tc, 2, &err);
    mt_register_global("g_text", &g_text, tp, 1, &err);
    mt_register_global("g_pad", g_pad, mt_type_scalar("long", MT_CLASS_SINT, sizeof(long), _Alignof(long)), PAD_LONGS,
                       &err);
    g_cells[0] = (struct cell){ 1, 2.5L, &g_cells[1], { 1, -2, 3 } };
    g_cells[1] = (struct cell){ -1, -0.5L, NULL, { 4, 5, -6 } };
    mt_register_global("g_more", g_more, tp, 3, &err);
    for (int i = 0; i < 3; i++) {
        g_more[i] = calloc(1, 16);
        if (i != 1)
            memcpy(g_more[i], "run of blocks", 14);
        mt_heap_track(g_more[i], tch, 16, &err);
    }
    g_text = malloc(6);
    memcpy(g_text, "hello", 6);
    return mt_heap_track(g_text, tch, 6, &err);
}

/* A restore adds heap blocks; all but the ones g_text and g_more point to are
 * dropped so that the fuzzer's memory stays flat. */
static int drop_unreachable(const st_heap_block *b, void *ctx)
{
    (void)ctx;
    if (b->addr != g_text && b->addr != g_more[0] && b->addr != g_more[1] && b->addr != g_more[2]) {
        void *p = b->addr;
        mt_heap_forget(p);
        free(p);
    }
    return 0;
}

/* A full checkpoint at path, then an incremental one over it (one chunk
 * of g_pad changed): the parent stays beside it as PATH.ID. */
static int write_seeds(const char *path, mt_error *err)
{
    incr_want(1);
    int rc = mt_save(path, err);
    g_pad[PAD_LONGS - 1] = 42;
    if (rc == 0)
        rc = mt_save(path, err);
    incr_want(0);
    return rc;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setup();
    const char *seed = getenv("MT_FUZZ_SEED");
    mt_error err;
    if (seed && write_seeds(seed, &err) < 0) {
        fprintf(stderr, "migthread: %s\n", err.msg);
        exit(1);
    }
    return 0;
}

/* The input read as a regular file behind a prefix of its first bytes
 * (as many as its last byte says): the verdict must be the memory
 * reader's, code and message alike. */
static void read_as_file(const uint8_t *data, size_t size, const ck_image *want, const mt_error *why)
{
    static int fd = -1;
    if (fd < 0 && (fd = memfd_create("fuzz-ckpt", 0)) < 0)
        return;
    size_t prefix = size ? data[size - 1] % (size + 1) : 0;
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data + prefix, size - prefix, 0) != (ssize_t)(size - prefix) ||
        lseek(fd, 0, SEEK_SET) < 0)
        return;
    mt_error err;
    ck_image *img = in_read_fd(fd, data, prefix, &err);
    if (!img != !want || (img && img->nrecords != want->nrecords) ||
        (!img && (err.code != why->code || strcmp(err.msg, why->msg) != 0))) {
        fprintf(stderr, "fuzz: read through a file (prefix %zu) differs: %s / %s\n", prefix,
                img ? "ok" : err.msg, want ? "ok" : why->msg);
        abort();
    }
    ck_image_free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_stream s;
    mt_error err;
    st_init_mem_reader(&s, data, size);
    ck_image *img = ck_read(&s, &err);
    read_as_file(data, size, img, &err);
    if (!img)
        return 0;
    char tag[256];
    for (uint32_t i = 0; i < img->ntypes; i++)
        mt_type_format(img->types[i], tag, sizeof tag);
    if (restore_image(img, 0, &err) == 0)
        state_heap_each(drop_unreachable, NULL);
    ck_image_free(img);
    return 0;
}
