/* test_runs.c: heap blocks placed as their BLOCKS records arrive
 * (restore.h, runs): a list of many blocks, blocks of numbers and a large
 * block with zero holes come back exactly, with no record of each left in
 * the image; runs whose spans
 * cross are split and restored, blocks that overlap are refused, and a
 * bad pointer in a block of a run is refused naming the block's site. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ckpt.h"
#include "input.h"
#include "migthread-gen.h"
#include "migthread.h"
#include "restore.h"

enum { NODES = 5000, NUMS = 300, BIG = 100000 };

struct run_node {
    long v;
    struct run_node *next;
};
struct holder {
    struct run_node *list;
    double *nums[NUMS];
    double *big;
};
static struct holder g_holder;
static const mt_type *t_node, *t_double;
static const mt_site node_site = { .where = "test_runs.c:30" };

/* The restore's hooks, runs included, as the program's restore sets them. */
static ck_read_hooks hooks_of(restore_early *e)
{
    return (ck_read_hooks){ restore_early_part, restore_early_block, e, restore_early_run_begin,
                            restore_early_run_home, restore_early_run_block };
}

static long node_value(long i)
{
    return i * 3 - 7;
}

/* A checkpoint of the program as it is now, in path (a mkstemp name). */
static int save_to(char *path)
{
    mt_error err;
    int fd = mkstemp(path);
    return fd >= 0 && close(fd) == 0 && mt_save(path, &err) == 0;
}

/* ---- Fabricated runs --------------------------------------------------------------- */

/* An old address with 64 KB free of the image's blocks after it. */
static uint64_t free_base(const ck_image *img)
{
    uint64_t x = 0x30000000;
    for (uint64_t i = 0; i < img->nblocks; i++)
        if (img->blocks[i].old_addr < x + 0x10000 && img->blocks[i].old_addr + img->blocks[i].len > x) {
            x += 0x10000;
            i = (uint64_t)-1;  /* again from the first */
        }
    return x;
}

/* Hands the run hooks one record of n nodes at old addresses old[i] whose
 * next members hold the old addresses next[i]; their homes in homes. */
static int fab_record(restore_early *e, const ck_image *img, uint32_t type, uint32_t record, int n,
                      const uint64_t *old, const uint64_t *next, struct run_node **homes)
{
    ck_block f = { .role = CK_ROLE_HEAP, .type = type, .record = record, .name = (char *)node_site.where };
    if (restore_early_run_begin(e, img, &f, (uint32_t)n, sizeof(struct run_node)) != 1)
        return 0;
    for (int i = 0; i < n; i++) {
        ck_block b = f;
        b.old_addr = old[i];
        b.count = 1;
        b.len = sizeof(struct run_node);
        if (!(homes[i] = restore_early_run_home(e, img, &b)))
            return 0;
        *homes[i] = (struct run_node){ (long)i, (struct run_node *)(uintptr_t)next[i] };
        if (restore_early_run_block(e, img, &b, homes[i]) < 0)
            return 0;
    }
    return 1;
}

static uint32_t type_index(const ck_image *img, const char *name)
{
    for (uint32_t i = 0; i < img->ntypes; i++)
        if (strcmp(img->types[i]->name, name) == 0)
            return i;
    return UINT32_MAX;
}

/* Record A holds nodes at x and x + 0x100, record B one at x + second_b:
 * between them (spans cross, blocks do not) or over A's second (a node
 * is 8 bytes or more). B's node points to A's second, which the restore
 * moves above B's to keep the writer's order. */
static int restore_fabricated(const char *path, uint64_t second_b, uint64_t a0_next, struct run_node **a,
                              struct run_node **b, mt_error *err)
{
    mt_error ignored;
    ck_image *img = in_read_restore_with(path, NULL, &ignored);
    restore_early *e = restore_early_new(0);
    if (!img || !e)
        return -2;
    uint32_t t = type_index(img, "struct run_node");
    uint64_t x = free_base(img);
    uint64_t a_old[] = { x, x + 0x100 }, a_next[] = { a0_next ? a0_next : x + second_b, x };
    uint64_t b_old[] = { x + second_b }, b_next[] = { x + 0x100 };
    int rc = -2;
    if (t != UINT32_MAX && fab_record(e, img, t, 90, 2, a_old, a_next, a) && fab_record(e, img, t, 91, 1, b_old, b_next, b))
        rc = restore_image_early(img, e, 0, err);
    restore_early_free(e);  /* a failed restore's homes are freed here */
    ck_image_free(img);
    return rc;
}

static void test_fabricated(void)
{
    char path[] = "/tmp/mt-runs-XXXXXX";
    CHECK(save_to(path));
    struct run_node *a[2], *b[1];
    mt_error err;
    /* spans cross, blocks do not: split and restored, pointers right, the
     * homes in the writer's order (A's second moved above B's) */
    CHECK(restore_fabricated(path, 0x80, 0, a, b, &err) == 0);
    struct run_node *a1 = b[0]->next;
    CHECK(a[0]->next == b[0] && a1 && a1->next == a[0] && a1->v == 1 && b[0]->v == 0);
    CHECK((uintptr_t)a[0] < (uintptr_t)b[0] && (uintptr_t)b[0] < (uintptr_t)a1);
    mt_free(a[0]);
    mt_free(a1);
    mt_free(b[0]);
    /* B's block over A's second: refused */
    CHECK(restore_fabricated(path, 0x104, 0, a, b, &err) == -1 && strstr(err.msg, "overlap") &&
          strstr(err.msg, "records 90 and 91"));
    /* A's first points into nothing: refused, naming the block by its site */
    CHECK(restore_fabricated(path, 0x200, 0x7ff00000, a, b, &err) == -1 && strstr(err.msg, "points into nothing") &&
          strstr(err.msg, node_site.where));
    unlink(path);
}

/* ---- A list and blocks of numbers --------------------------------------------------- */

static void test_list(void)
{
    for (long i = 0; i < NODES; i++) {
        struct run_node *n = mt_malloc(sizeof *n, t_node, &node_site);
        *n = (struct run_node){ node_value(i), g_holder.list };
        g_holder.list = n;
    }
    for (int i = 0; i < NUMS; i++) {
        g_holder.nums[i] = mt_malloc(2 * sizeof(double), t_double, NULL);
        g_holder.nums[i][1] = i + 0.5;
    }
    g_holder.big = mt_malloc(BIG * sizeof(double), t_double, NULL);  /* every other 4 KB all zeros */
    for (long i = 0; i < BIG; i++)
        g_holder.big[i] = (i / 512) % 2 ? (double)i + 0.25 : 0;
    char path[] = "/tmp/mt-runs-XXXXXX";
    CHECK(save_to(path));
    struct holder old = g_holder;
    mt_error err;
    restore_early *e = restore_early_new(0);
    restore_early_drop_bytes(e, 1);  /* the large block too: nothing hashes it after */
    ck_read_hooks hooks = hooks_of(e);
    ck_image *img = in_read_restore_with(path, &hooks, &err);
    CHECK(img != NULL && img->nblocks < 100);  /* the heap blocks are not in the image */
    CHECK(img != NULL && restore_image_early(img, e, 0, &err) == 0);
    CHECK(restore_early_taken(e) >= NODES + NUMS + 1);
    restore_early_free(e);
    ck_image_free(img);
    long i = NODES - 1, same = g_holder.list != old.list;
    for (const struct run_node *n = g_holder.list; same && n; n = n->next, i--)
        same = n->v == node_value(i);
    CHECK(same && i == -1);
    same = 1;
    for (int k = 0; k < NUMS; k++)
        same &= g_holder.nums[k] != old.nums[k] && g_holder.nums[k][1] == k + 0.5 && g_holder.nums[k][0] == 0;
    CHECK(same);
    same = g_holder.big != old.big;
    for (long k = 0; same && k < BIG; k++)
        same = g_holder.big[k] == ((k / 512) % 2 ? (double)k + 0.25 : 0);
    CHECK(same);
    mt_free(old.big);
    for (struct run_node *n = old.list, *next; n; n = next) {  /* the writer's blocks, untouched */
        next = n->next;
        mt_free(n);
    }
    for (int k = 0; k < NUMS; k++)
        mt_free(old.nums[k]);
    unlink(path);
}

int main(void)
{
    mt_error err;
    t_double = mt_type_scalar("double", MT_CLASS_FLOAT, sizeof(double), _Alignof(double));
    mt_member nm[] = { MT_MEMBER(struct run_node, v, MT_CLASS_SINT, 1),
                       MT_MEMBER(struct run_node, next, MT_CLASS_PTR, 1) };
    t_node = mt_type_define("struct run_node", sizeof(struct run_node), _Alignof(struct run_node), 0, nm, 2, &err);
    mt_member hm[] = { MT_MEMBER(struct holder, list, MT_CLASS_PTR, 1),
                       MT_MEMBER(struct holder, nums, MT_CLASS_PTR, NUMS),
                       MT_MEMBER(struct holder, big, MT_CLASS_PTR, 1) };
    const mt_type *t_holder = mt_type_define("struct holder", sizeof(struct holder), _Alignof(struct holder), 0, hm,
                                             3, &err);
    mt_set_program_id(7);
    CHECK(t_node && t_holder && mt_register_global("g_holder", &g_holder, t_holder, 1, &err) == 0);
    test_fabricated();
    test_list();
    return check_done("runs");
}
