/* test_convert_shuffle.c: conversions that are byte moves only (copies,
 * byte swaps, zeroed padding), which run as one byte shuffle per element
 * where the machine has one: mixed widths, padding that changes, nested
 * structs, arrays of structs, small and large elements, with and without
 * a byte-order swap, over block lengths that end inside a vector. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "check.h"
#include "convert.h"
#include "error.h"
#include "kernels.h"
#include "types.h"

enum { GUARD = 64, GUARD_BYTE = 0xCD, PAD_BYTE = 0xEE };

#define M(name, cls, size, off, count, type) { (char *)(name), (cls), (size), (off), (count), (type), 0, 0, 0, 0 }

/* A value per scalar of each element, the same on both sides. */
static uint64_t value_of(size_t elem, uint32_t leaf)
{
    uint64_t x = (uint64_t)elem * 0x9E3779B97F4A7C15u + leaf * 0xBF58476D1CE4E5B9u + 1;
    x ^= x >> 31;
    return x * 0x94D049BB133111EBu;
}

typedef struct walk {
    uint8_t *base;
    size_t elem;
    int big;          /* the side's byte order */
    int bad;          /* check: values that differ */
    uint8_t *covered; /* check: the scalar bytes of the element */
    int fill;         /* 1: store values, 0: check them */
} walk;

static uint64_t low_bytes(uint64_t v, unsigned size)
{
    return size >= 8 ? v : v & (((uint64_t)1 << (8 * size)) - 1);
}

/* Visits every scalar of type t at base + off, numbering them in member
 * order (nested structs and arrays unrolled): both layouts number alike. */
static uint32_t visit(walk *w, const struct mt_type *t, uint32_t off, uint32_t leaf)
{
    for (uint32_t i = 0; i < t->nmembers; i++) {
        const tmember *m = &t->members[i];
        for (uint32_t k = 0; k < m->count; k++) {
            uint32_t at = off + m->offset + k * m->size;
            if (m->type) {
                leaf = visit(w, m->type, at, leaf);
                continue;
            }
            uint64_t v = low_bytes(value_of(w->elem, leaf++), m->size);
            if (w->fill) {
                k_store_uint(w->base + at, m->size, w->big, v);
                continue;
            }
            w->bad += k_load_uint(w->base + at, m->size, w->big) != v;
            memset(w->covered + at, 1, m->size);
        }
    }
    return leaf;
}

/* Converts n elements of writer type ws (byte-swapped when swap) into
 * reader type ds and checks every value, that padding is zero and that
 * nothing past the block is written (nor read: the source is exactly n
 * elements, for AddressSanitizer). */
static int convert_n(const struct mt_type *ws, const struct mt_type *ds, int swap, size_t n)
{
    mt_arch wa = *arch_local();
    int local_big = wa.byte_order == ARCH_BIG;
    if (swap)
        wa.byte_order = local_big ? ARCH_LITTLE : ARCH_BIG;
    mt_error err;
    cv_plan *p = cv_plan_compile(ws, &wa, ds, &err);
    if (!p)
        return 0;
    uint8_t *src = malloc(n * ws->size), *dst = malloc(n * ds->size + GUARD), *covered = calloc(1, ds->size);
    memset(src, PAD_BYTE, n * ws->size);   /* the writer's padding is garbage */
    memset(dst, GUARD_BYTE, n * ds->size + GUARD);
    for (size_t e = 0; e < n; e++) {
        walk w = { src + e * ws->size, e, swap ? !local_big : local_big, 0, NULL, 1 };
        visit(&w, ws, 0, 0);
    }
    cv_ctx ctx = { 0 };
    int ok = cv_run(p, dst, src, n, &ctx, &err) == 0;
    for (size_t e = 0; ok && e < n; e++) {
        walk w = { dst + e * ds->size, e, local_big, 0, covered, 0 };
        visit(&w, ds, 0, 0);
        for (uint32_t b = 0; b < ds->size; b++)
            w.bad += !covered[b] && dst[e * ds->size + b] != 0;
        ok = w.bad == 0;
    }
    for (size_t b = 0; ok && b < GUARD; b++)
        ok = dst[n * ds->size + b] == GUARD_BYTE;
    free(src);
    free(dst);
    free(covered);
    cv_plan_free(p);
    return ok;
}

/* Every block length from 1 to 40 elements (the ends of vectors fall
 * everywhere), and one of many chunks. */
static int convert_all(const struct mt_type *ws, const struct mt_type *ds, int swap)
{
    static const size_t lengths[] = { 41, 64, 100, 5000 };
    for (size_t n = 1; n <= 40; n++)
        if (!convert_n(ws, ds, swap, n))
            return 0;
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++)
        if (!convert_n(ws, ds, swap, lengths[i]))
            return 0;
    return 1;
}

static struct mt_type *make(const char *name, uint32_t size, uint32_t align, const tmember *m, uint32_t n)
{
    mt_error err;
    return type_new(name, size, align, 0, m, n, &err);
}

/* struct { char a; short b; int c; long long d; double e; }: natural
 * (24 bytes) and packed (23 bytes, every member moves). */
static void test_mixed_widths(void)
{
    tmember nat[] = { M("a", MT_CLASS_BYTES, 1, 0, 1, NULL), M("b", MT_CLASS_SINT, 2, 2, 1, NULL),
                      M("c", MT_CLASS_SINT, 4, 4, 1, NULL), M("d", MT_CLASS_SINT, 8, 8, 1, NULL),
                      M("e", MT_CLASS_FLOAT, 8, 16, 1, NULL) };
    tmember pk[] = { M("a", MT_CLASS_BYTES, 1, 0, 1, NULL), M("b", MT_CLASS_SINT, 2, 1, 1, NULL),
                     M("c", MT_CLASS_SINT, 4, 3, 1, NULL), M("d", MT_CLASS_SINT, 8, 7, 1, NULL),
                     M("e", MT_CLASS_FLOAT, 8, 15, 1, NULL) };
    struct mt_type *local = make("struct mix", 24, 8, nat, 5), *packed = make("struct mix", 23, 1, pk, 5);
    CHECK(convert_all(local, local, 1));      /* byte order only */
    CHECK(convert_all(packed, local, 0));     /* padding only */
    CHECK(convert_all(packed, local, 1));     /* both */
    CHECK(convert_all(local, packed, 1));     /* padding removed */
    type_free(local);
    type_free(packed);
}

/* struct outer { char t; struct inner { short x; int y; } in; long long z;
 * char u[3]; }: 32 bytes here, 18 packed by the writer. */
static void test_nested(void)
{
    tmember li[] = { M("x", MT_CLASS_SINT, 2, 0, 1, NULL), M("y", MT_CLASS_SINT, 4, 4, 1, NULL) };
    tmember wi[] = { M("x", MT_CLASS_SINT, 2, 0, 1, NULL), M("y", MT_CLASS_SINT, 4, 2, 1, NULL) };
    struct mt_type *lin = make("struct inner", 8, 4, li, 2), *win = make("struct inner", 6, 1, wi, 2);
    tmember lo[] = { M("t", MT_CLASS_BYTES, 1, 0, 1, NULL), M("in", MT_CLASS_STRUCT, 8, 4, 1, lin),
                     M("z", MT_CLASS_SINT, 8, 16, 1, NULL), M("u", MT_CLASS_BYTES, 1, 24, 3, NULL) };
    tmember wo[] = { M("t", MT_CLASS_BYTES, 1, 0, 1, NULL), M("in", MT_CLASS_STRUCT, 6, 1, 1, win),
                     M("z", MT_CLASS_SINT, 8, 7, 1, NULL), M("u", MT_CLASS_BYTES, 1, 15, 3, NULL) };
    struct mt_type *lout = make("struct outer", 32, 8, lo, 4), *wout = make("struct outer", 18, 1, wo, 4);
    CHECK(convert_all(lout, lout, 1));
    CHECK(convert_all(wout, lout, 0));
    CHECK(convert_all(wout, lout, 1));
    /* an array of three of them inside a struct, and shorts after it */
    tmember la[] = { M("s", MT_CLASS_STRUCT, 8, 0, 3, lin), M("w", MT_CLASS_SINT, 2, 24, 2, NULL) };
    tmember wa[] = { M("s", MT_CLASS_STRUCT, 6, 0, 3, win), M("w", MT_CLASS_SINT, 2, 18, 2, NULL) };
    struct mt_type *larr = make("struct arr", 28, 4, la, 2), *warr = make("struct arr", 22, 1, wa, 2);
    CHECK(convert_all(larr, larr, 1));
    CHECK(convert_all(warr, larr, 0));
    CHECK(convert_all(warr, larr, 1));
    type_free(larr);
    type_free(warr);
    type_free(lout);
    type_free(wout);
    type_free(lin);
    type_free(win);
}

/* Elements smaller than a vector (4 and 6 bytes), 48 and 64 bytes (up
 * to four vectors), and 72 bytes (over the shuffle's limit). */
static void test_sizes(void)
{
    tmember s4[] = { M("a", MT_CLASS_SINT, 2, 0, 1, NULL), M("b", MT_CLASS_BYTES, 1, 2, 1, NULL) };
    tmember s6[] = { M("a", MT_CLASS_SINT, 2, 0, 1, NULL), M("b", MT_CLASS_BYTES, 1, 2, 1, NULL),
                     M("c", MT_CLASS_UINT, 2, 4, 1, NULL) };
    tmember s48[] = { M("v", MT_CLASS_FLOAT, 8, 0, 5, NULL), M("k", MT_CLASS_SINT, 4, 40, 1, NULL),
                      M("c", MT_CLASS_BYTES, 1, 44, 3, NULL) };
    tmember s64[] = { M("i", MT_CLASS_SINT, 4, 0, 1, NULL), M("v", MT_CLASS_FLOAT, 8, 8, 7, NULL) };
    tmember s72[] = { M("i", MT_CLASS_SINT, 4, 0, 1, NULL), M("v", MT_CLASS_FLOAT, 8, 8, 8, NULL) };
    struct mt_type *t4 = make("struct s4", 4, 2, s4, 2), *t6 = make("struct s4", 6, 2, s6, 3);
    struct mt_type *t48 = make("struct s48", 48, 8, s48, 3), *t64 = make("struct s64", 64, 8, s64, 2);
    tmember w64[] = { M("i", MT_CLASS_SINT, 4, 0, 1, NULL), M("v", MT_CLASS_FLOAT, 8, 16, 7, NULL) };
    struct mt_type *t72 = make("struct s72", 72, 8, s72, 2), *wide = make("struct s64", 72, 8, w64, 2);
    CHECK(convert_all(t4, t4, 1));
    CHECK(convert_all(t6, t6, 1));
    CHECK(convert_all(t48, t48, 1));
    CHECK(convert_all(t64, t64, 1));
    CHECK(convert_all(t72, t72, 1));
    CHECK(convert_all(wide, t64, 1));  /* writer over the limit, reader under it */
    CHECK(convert_all(t64, wide, 0));  /* and the other way */
    type_free(t4);
    type_free(t6);
    type_free(t48);
    type_free(t64);
    type_free(t72);
    type_free(wide);
}

/* Byte moves beside an integer that changes size: the moves run as the
 * shuffle, the resizing after it over the same chunk; a value that does
 * not fit is still refused, naming the member and the element. Writer:
 * struct { char a; short b; long long d; int c; } with d at 4 (packed),
 * 16 bytes, byte-swapped; reader: the same with d in 4 bytes at 4, 12. */
static void test_moves_and_resizing(void)
{
    tmember wm[] = { M("a", MT_CLASS_BYTES, 1, 0, 1, NULL), M("b", MT_CLASS_SINT, 2, 2, 1, NULL),
                     M("d", MT_CLASS_SINT, 8, 4, 1, NULL), M("c", MT_CLASS_SINT, 4, 12, 1, NULL) };
    tmember lm[] = { M("a", MT_CLASS_BYTES, 1, 0, 1, NULL), M("b", MT_CLASS_SINT, 2, 2, 1, NULL),
                     M("d", MT_CLASS_SINT, 4, 4, 1, NULL), M("c", MT_CLASS_SINT, 4, 8, 1, NULL) };
    mt_error err;
    struct mt_type *w = make("struct rz", 16, 4, wm, 4), *l = make("struct rz", 12, 4, lm, 4);
    mt_arch wa = *arch_local();
    int local_big = wa.byte_order == ARCH_BIG;
    wa.byte_order = local_big ? ARCH_LITTLE : ARCH_BIG;
    cv_plan *p = cv_plan_compile(w, &wa, l, &err);
    CHECK(p != NULL);
    enum { N = 3000, BAD = 2345 };  /* several chunks; the bad element in a later one */
    uint8_t *src = malloc(N * 16), *dst = malloc(N * 12);
    memset(src, PAD_BYTE, N * 16);
    for (int e = 0; e < N; e++) {
        uint8_t *s = src + e * 16;
        s[0] = (uint8_t)e;
        k_store_uint(s + 2, 2, !local_big, (uint64_t)(-e & 0xffff));
        k_store_uint(s + 4, 8, !local_big, (uint64_t)(int64_t)(e * 1000 - 7));
        k_store_uint(s + 12, 4, !local_big, (uint64_t)(e * 77 + 1));
    }
    cv_ctx ctx = { 0 };
    CHECK(cv_run(p, dst, src, N, &ctx, &err) == 0);
    int bad = 0;
    for (int e = 0; e < N; e++) {
        const uint8_t *d = dst + e * 12;
        bad += d[0] != (uint8_t)e || d[1] != 0 || k_load_uint(d + 2, 2, local_big) != (uint64_t)(-e & 0xffff) ||
               (int32_t)k_load_uint(d + 4, 4, local_big) != e * 1000 - 7 ||
               k_load_uint(d + 8, 4, local_big) != (uint64_t)(e * 77 + 1);
    }
    CHECK(bad == 0);
    k_store_uint(src + BAD * 16 + 4, 8, !local_big, (uint64_t)1 << 40);
    CHECK(cv_run(p, dst, src, N, &ctx, &err) < 0 && err.code == MT_ELOSS);
    CHECK(strstr(err.msg, "precision loss in struct rz member d") != NULL && strstr(err.msg, "element 2345") != NULL);
    free(src);
    free(dst);
    cv_plan_free(p);
    type_free(w);
    type_free(l);
}

int main(void)
{
    test_moves_and_resizing();
    test_mixed_widths();
    test_nested();
    test_sizes();
    return check_done("convert_shuffle");
}
