/* test_chain.c: incremental checkpoints on every ABI: a chain of three
 * written by mt_save restores the last state exactly and is much smaller
 * than a full one; a missing, replaced or corrupted parent, a cycle and a
 * chain deeper than CK_CHAIN_MAX are each refused with one line. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ckpt.h"
#include "ckpt_chain.h"
#include "incr.h"
#include "migthread.h"
#include "restore.h"
#include "state.h"

enum { NINTS = 64 * 1024, PAGE_INTS = 1024 };

static int g_table[NINTS];
static char dir[] = "/tmp/mt-chain-XXXXXX";

static void setup(void)
{
    mt_error err;
    const mt_type *t_int = mt_type_scalar("int", MT_CLASS_SINT, sizeof(int), _Alignof(int));
    mt_set_program_id(4242);
    CHECK(mt_register_global("g_table", g_table, t_int, NINTS, &err) == 0);
    for (int i = 0; i < NINTS; i++)
        g_table[i] = i;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Three checkpoints to one path, a page changed between them. */
static void test_chain_of_three(const char *path, long long sizes[3])
{
    mt_error err;
    incr_want(1);
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < PAGE_INTS; i++)
            g_table[k * 3 * PAGE_INTS + i] += 1000 + k;
        CHECK(mt_save(path, &err) == 0);
        sizes[k] = file_size(path);
    }
    incr_want(0);
    CHECK(sizes[1] > 0 && sizes[1] * 10 < sizes[0] && sizes[2] * 10 < sizes[0]);
    int want[NINTS];
    memcpy(want, g_table, sizeof want);
    memset(g_table, 0, sizeof g_table);
    CHECK(mt_load(path, 0, &err) == 0);
    CHECK(memcmp(want, g_table, sizeof want) == 0);
    ck_image *img = ck_chain_read_file(path, &err);
    CHECK(img && img->has_parent && img->parent_img && img->parent_img->has_parent &&
          img->parent_img->parent_img && !img->parent_img->parent_img->has_parent);
    ck_image_free(img);
}

/* Reads path's chain and expects a refusal containing what. */
static void refused(const char *path, const char *what)
{
    mt_error err;
    ck_image *img = ck_chain_read_file(path, &err);
    CHECK(img == NULL);
    if (img) {
        ck_image_free(img);
        return;
    }
    CHECK(strchr(err.msg, '\n') == NULL);
    if (!strstr(err.msg, what))
        fprintf(stderr, "  expected '%s' in: %s\n", what, err.msg);
    CHECK(strstr(err.msg, what) != NULL);
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    CHECK(in && out);
    int c;
    while (in && out && (c = getc(in)) != EOF)
        putc(c, out);
    if (in)
        fclose(in);
    if (out)
        fclose(out);
}

/* The parent of path, by the name its PARENT record gives. */
static void parent_of(const char *path, char *buf, size_t cap)
{
    mt_error err;
    int fd = open(path, O_RDONLY);
    st_stream s;
    st_init_fd(&s, fd);
    ck_image *img = ck_read_start(&s, &err);
    close(fd);
    CHECK(img && img->has_parent);
    snprintf(buf, cap, "%s/%s", dir, img && img->has_parent ? img->parent.path : "?");
    ck_image_free(img);
}

static void test_bad_parents(const char *path)
{
    char parent[256], saved[300], other[256];
    parent_of(path, parent, sizeof parent);
    snprintf(saved, sizeof saved, "%s.saved", parent);
    CHECK(rename(parent, saved) == 0);
    refused(path, "No such file");
    /* another checkpoint in its place: another id */
    snprintf(other, sizeof other, "%s/other.ckpt", dir);
    mt_error err;
    CHECK(mt_save(other, &err) == 0);
    copy_file(other, parent);
    refused(path, "(replaced since)");
    /* the parent with a byte changed: its own checks */
    copy_file(saved, parent);
    FILE *f = fopen(parent, "r+b");
    CHECK(f && fseek(f, file_size(parent) / 2, SEEK_SET) == 0);
    int c = getc(f);
    fseek(f, -1, SEEK_CUR);
    putc(c ^ 0x40, f);
    fclose(f);
    refused(path, "parent ");
    CHECK(rename(saved, parent) == 0);
    ck_image *img = ck_chain_read_file(path, &err);
    CHECK(img != NULL);
    ck_image_free(img);
    unlink(other);
}

/* A small checkpoint whose parent is p (NULL: none); its identity out. */
static void forge(const char *path, const ck_parent *p, ck_parent *out)
{
    mt_error err;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    st_stream s;
    st_init_fd(&s, fd);
    ck_writer w;
    CHECK(ck_write_header_features(&w, &s, 4242, p ? CK_FEATURE_PARENT : 0, &err) == 0);
    if (p)
        CHECK(ck_write_parent(&w, p) == 0);
    CHECK(ck_write_types(&w, NULL, 0) == 0);
    CHECK(ck_write_end(&w) == 0);
    out->id = w.checkpoint_id;
    out->digest = w.end_digest;
    out->size = s.offset;
    close(fd);
}

static void test_depth(void)
{
    char path[256], name[64];
    ck_parent prev, cur;
    snprintf(path, sizeof path, "%s/deep.0", dir);
    forge(path, NULL, &prev);
    for (int i = 1; i <= CK_CHAIN_MAX + 1; i++) {
        snprintf(name, sizeof name, "deep.%d", i - 1);
        prev.path = name;
        snprintf(path, sizeof path, "%s/deep.%d", dir, i);
        forge(path, &prev, &cur);
        prev = cur;
        if (i == CK_CHAIN_MAX) {  /* as many parents as a reader follows */
            mt_error err;
            ck_image *img = ck_chain_read_file(path, &err);
            CHECK(img != NULL);
            ck_image_free(img);
        }
    }
    refused(path, "its chain of parents is longer than 64");
    for (int i = 0; i <= CK_CHAIN_MAX + 1; i++) {
        snprintf(path, sizeof path, "%s/deep.%d", dir, i);
        unlink(path);
    }
}

/* Two checkpoints that name each other: their ids are known once their
 * headers are written, so both are written side by side. */
static void test_cycle(void)
{
    char pa[256], pb[256];
    snprintf(pa, sizeof pa, "%s/cyc.a", dir);
    snprintf(pb, sizeof pb, "%s/cyc.b", dir);
    int fa = open(pa, O_WRONLY | O_CREAT | O_TRUNC, 0644), fb = open(pb, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    st_stream sa, sb;
    st_init_fd(&sa, fa);
    st_init_fd(&sb, fb);
    ck_writer wa, wb;
    mt_error ea, eb;
    CHECK(ck_write_header_features(&wa, &sa, 4242, CK_FEATURE_PARENT, &ea) == 0);
    CHECK(ck_write_header_features(&wb, &sb, 4242, CK_FEATURE_PARENT, &eb) == 0);
    ck_parent to_b = { wb.checkpoint_id, 0, 0, "cyc.b" }, to_a = { wa.checkpoint_id, 0, 0, "cyc.a" };
    CHECK(ck_write_parent(&wa, &to_b) == 0 && ck_write_parent(&wb, &to_a) == 0);
    CHECK(ck_write_types(&wa, NULL, 0) == 0 && ck_write_types(&wb, NULL, 0) == 0);
    CHECK(ck_write_end(&wa) == 0 && ck_write_end(&wb) == 0);
    close(fa);
    close(fb);
    refused(pa, "(a cycle)");
    /* a checkpoint that names itself */
    int fs = open(pa, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    st_init_fd(&sa, fs);
    CHECK(ck_write_header_features(&wa, &sa, 4242, CK_FEATURE_PARENT, &ea) == 0);
    ck_parent self = { wa.checkpoint_id, 0, 0, "cyc.a" };
    CHECK(ck_write_parent(&wa, &self) == 0 && ck_write_types(&wa, NULL, 0) == 0 && ck_write_end(&wa) == 0);
    close(fs);
    refused(pa, "(a cycle)");
    unlink(pa);
    unlink(pb);
}

int main(void)
{
    setup();
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/state.ckpt", dir);
    long long sizes[3];
    test_chain_of_three(path, sizes);
    test_bad_parents(path);
    test_depth();
    test_cycle();
    /* a full checkpoint to the path removes the chain files it replaces */
    mt_error err;
    incr_want(1);
    CHECK(mt_save(path, &err) == 0);  /* a fourth: a child still */
    incr_want(0);
    ck_chain_remove_links(path);
    unlink(path);
    CHECK(rmdir(dir) == 0);
    return check_done("chain");
}
