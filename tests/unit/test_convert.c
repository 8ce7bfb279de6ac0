/* test_convert.c: the conversion engine against hand-made foreign layouts:
 * byte swapping, integer resizing and precision loss, pointer translation,
 * offsets inside blocks, nested arrays, unions, chunk boundaries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "check.h"
#include "convert.h"
#include "error.h"
#include "kernels.h"
#include "migthread.h"
#include "types.h"

struct rec { char a; short b; int c; long d; double e; };

static const mt_type *local_rec(void)
{
    mt_error err;
    mt_member m[] = {
        MT_MEMBER(struct rec, a, MT_CLASS_BYTES, 1), MT_MEMBER(struct rec, b, MT_CLASS_SINT, 1),
        MT_MEMBER(struct rec, c, MT_CLASS_SINT, 1), MT_MEMBER(struct rec, d, MT_CLASS_SINT, 1),
        MT_MEMBER(struct rec, e, MT_CLASS_FLOAT, 1),
    };
    return mt_type_define("struct rec", sizeof(struct rec), _Alignof(struct rec), 0, m, 5, &err);
}

/* The writer is big-endian ILP32 (ppc): a@0 b@2 c@4 d@8 (4 bytes) e@16. */
static struct mt_type *ppc_rec(void)
{
    tmember m[] = {
        { "a", MT_CLASS_BYTES, 1, 0, 1, NULL, 0, 0, 0, 0 }, { "b", MT_CLASS_SINT, 2, 2, 1, NULL, 0, 0, 0, 0 },
        { "c", MT_CLASS_SINT, 4, 4, 1, NULL, 0, 0, 0, 0 }, { "d", MT_CLASS_SINT, 4, 8, 1, NULL, 0, 0, 0, 0 },
        { "e", MT_CLASS_FLOAT, 8, 16, 1, NULL, 0, 0, 0, 0 },
    };
    mt_error err;
    return type_new("struct rec", 24, 8, 0, m, 5, &err);
}

static mt_arch foreign_arch(int big, int long_size)
{
    mt_arch a = *arch_local();
    a.byte_order = big ? ARCH_BIG : ARCH_LITTLE;
    a.scalar[AS_LONG].size = a.scalar[AS_LONG].align = (uint8_t)long_size;
    return a;
}

static void put_be(uint8_t *p, unsigned size, uint64_t v) { k_store_uint(p, size, 1, v); }

static void fill_ppc_rec(uint8_t *p, int k)
{
    memset(p, 0xEE, 24);              /* padding garbage must not leak */
    p[0] = (uint8_t)('a' + k);
    put_be(p + 2, 2, (uint16_t)(int16_t)(-k));
    put_be(p + 4, 4, (uint32_t)(int32_t)(100000 * k - 7));
    put_be(p + 8, 4, (uint32_t)(int32_t)(-k * 3));
    double e = k + 0.5;
    uint64_t bits;
    memcpy(&bits, &e, 8);
    put_be(p + 16, 8, bits);
}

static void test_foreign_struct_array(void)
{
    const mt_type *local = local_rec();
    struct mt_type *writer = ppc_rec();
    mt_arch wa = foreign_arch(1, 4);
    mt_error err;
    cv_plan *p = cv_plan_compile(writer, &wa, local, &err);
    CHECK(p != NULL && cv_plan_is_copy(p) == arch_equal(&wa, arch_local()));
    enum { N = 5000 };  /* several chunks */
    uint8_t *src = malloc(N * 24);
    struct rec *dst = malloc(N * sizeof *dst);
    for (int k = 0; k < N; k++)
        fill_ppc_rec(src + 24 * k, k);
    cv_ctx ctx = { 0 };
    CHECK(cv_run(p, dst, src, N, &ctx, &err) == 0);
    int bad = 0;
    for (int k = 0; k < N; k++)
        bad += dst[k].a != (char)('a' + k) || dst[k].b != -k || dst[k].c != 100000 * k - 7 ||
               dst[k].d != -k * 3L || dst[k].e != k + 0.5;
    CHECK(bad == 0);
    /* Interior offsets: &arr[3].d maps to &arr[3].d, one past the end stays so. */
    uint64_t off;
    CHECK(cv_map_offset(p, 3 * 24 + 8, N, &off) == 0 && off == 3 * sizeof(struct rec) + offsetof(struct rec, d));
    CHECK(cv_map_offset(p, (uint64_t)N * 24, N, &off) == 0 && off == N * sizeof(struct rec));
    CHECK(cv_map_offset(p, 24 + 1, N, &off) == 0 && off == sizeof(struct rec) + 1); /* one past a */
    if (!cv_plan_is_copy(p))                             /* same layout: offsets stay */
        CHECK(cv_map_offset(p, 24 + 13, N, &off) < 0);   /* inside the padding before e */
    if (sizeof(long) != 4)
        CHECK(cv_map_offset(p, 24 + 9, N, &off) < 0);    /* inside d, whose size changes */
    else
        CHECK(cv_map_offset(p, 24 + 9, N, &off) == 0 && off == sizeof(struct rec) + offsetof(struct rec, d) + 1);
    CHECK(cv_map_offset(p, (uint64_t)N * 24 + 24, N, &off) < 0);
    free(src);
    free(dst);
    cv_plan_free(p);
    type_free(writer);
}

static void test_precision_loss(void)
{
    struct record { long l; };
    mt_error err;
    mt_member m[] = { MT_MEMBER(struct record, l, MT_CLASS_SINT, 1) };
    const mt_type *local = mt_type_define("struct record", sizeof(struct record), _Alignof(struct record), 0, m, 1, &err);
    /* A little-endian LP64 writer (x86_64) holding a value of 64 bits. */
    tmember wm[] = { { "l", MT_CLASS_SINT, 8, 0, 1, NULL, 0, 0, 0, 0 } };
    struct mt_type *writer = type_new("struct record", 8, 8, 0, wm, 1, &err);
    mt_arch wa = foreign_arch(0, 8);
    cv_plan *p = cv_plan_compile(writer, &wa, local, &err);
    uint8_t src[8];
    struct record out[2];
    cv_ctx ctx = { 0 };
    k_store_uint(src, 8, 0, (uint64_t)-5);
    CHECK(cv_run(p, out, src, 1, &ctx, &err) == 0 && out[0].l == -5);
    k_store_uint(src, 8, 0, 5000000000ull);
    int rc = cv_run(p, out, src, 1, &ctx, &err);
    if (sizeof(long) == 4) {
        CHECK(rc < 0 && err.code == MT_ELOSS);
        CHECK_STR(err.msg, "precision loss in struct record member l");
        ctx.lossy = 1;
        CHECK(cv_run(p, out, src, 1, &ctx, &err) == 0 && out[0].l == 705032704L);
    } else {
        CHECK(rc == 0 && out[0].l == 5000000000L);
    }
    cv_plan_free(p);
    type_free(writer);
}

static void test_int_resizing(void)
{
    uint8_t src[8], dst[8];
    k_store_uint(src, 2, 1, 0xFFFE);                        /* -2 big-endian */
    CHECK(k_int(dst, 4, 4, src, 2, 2, 1, 1, 0, 1) == 1);
    int32_t v;
    memcpy(&v, dst, 4);
    CHECK(v == -2);
    CHECK(k_int(dst, 4, 4, src, 2, 2, 1, 0, 0, 1) == 1);   /* unsigned: 65534 */
    memcpy(&v, dst, 4);
    CHECK(v == 65534);
    k_store_uint(src, 8, 0, 0x80000000ull);                 /* 2^31 does not fit int32 */
    CHECK(k_int(dst, 4, 4, src, 8, 8, 0, 1, 0, 1) == 0);
    CHECK(k_int(dst, 4, 4, src, 8, 8, 0, 0, 0, 1) == 1);   /* but fits uint32 */
    k_store_uint(src, 8, 0, (uint64_t)INT32_MIN);
    CHECK(k_int(dst, 4, 4, src, 8, 8, 0, 1, 0, 1) == 1);
    k_store_uint(src, 8, 0, (uint64_t)INT32_MIN - 1);
    CHECK(k_int(dst, 4, 4, src, 8, 8, 0, 1, 0, 1) == 0);
}

static void test_swaps(void)
{
    enum { N = 1027 };
    uint32_t *a = malloc(N * 4), *b = malloc(N * 4);
    uint64_t *c = malloc(N * 8), *d = malloc(N * 8);
    uint16_t *e = malloc(N * 2), *f = malloc(N * 2);
    for (uint32_t i = 0; i < N; i++) {
        a[i] = 0x01020304u * (i + 1);
        c[i] = 0x0102030405060708ull * (i + 1);
        e[i] = (uint16_t)(0x0102u * (i + 1));
    }
    k_swap4((uint8_t *)b, 4, (const uint8_t *)a, 4, N);
    k_swap8((uint8_t *)d, 8, (const uint8_t *)c, 8, N);
    k_swap2((uint8_t *)f, 2, (const uint8_t *)e, 2, N);
    int bad = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint8_t x[8], y[8];
        memcpy(x, &a[i], 4);
        memcpy(y, &b[i], 4);
        bad += x[0] != y[3] || x[1] != y[2] || x[2] != y[1] || x[3] != y[0];
        memcpy(x, &c[i], 8);
        memcpy(y, &d[i], 8);
        for (int j = 0; j < 8; j++)
            bad += x[j] != y[7 - j];
        memcpy(x, &e[i], 2);
        memcpy(y, &f[i], 2);
        bad += x[0] != y[1] || x[1] != y[0];
    }
    CHECK(bad == 0);
    free(a); free(b); free(c); free(d); free(e); free(f);
}

static int translate_plus(void *ctx, uint64_t old, uint64_t *now, mt_error *err)
{
    (void)ctx;
    if (old == 0xdead)
        return mt_fail(err, MT_EPOINTER, "pointer 0x%llx points into nothing saved", (unsigned long long)old);
    *now = old + 0x1000;
    return 0;
}

static void test_pointers(void)
{
    struct pp { int *p; void (*f)(void); };
    mt_error err;
    mt_member m[] = { MT_MEMBER(struct pp, p, MT_CLASS_PTR, 1), MT_MEMBER(struct pp, f, MT_CLASS_FNPTR, 1) };
    const mt_type *local = mt_type_define("struct pp", sizeof(struct pp), _Alignof(struct pp), 0, m, 2, &err);
    /* Homogeneous: a memcpy, then the pointers are translated. */
    cv_plan *p = cv_plan_compile(local, arch_local(), local, &err);
    CHECK(p && !cv_plan_is_copy(p));
    struct pp src[3] = { { (int *)0x2000, NULL }, { NULL, (void (*)(void))0x3000 }, { (int *)0xdead, NULL } };
    struct pp dst[3];
    cv_ctx ctx = { .translate_ptr = translate_plus, .translate_fn = translate_plus };
    CHECK(cv_run(p, dst, src, 2, &ctx, &err) == 0);
    CHECK(dst[0].p == (int *)0x3000 && dst[0].f == NULL);
    CHECK(dst[1].p == NULL && dst[1].f == (void (*)(void))0x4000);
    CHECK(cv_run(p, dst, src, 3, &ctx, &err) < 0 && err.code == MT_EPOINTER);
    CHECK_STR(err.msg, "pointer 0xdead points into nothing saved in struct pp member p (element 2)");
    cv_ctx none = { 0 };
    CHECK(cv_run(p, dst, src, 1, &none, &err) < 0);
    cv_plan_free(p);
    /* A 4-byte big-endian writer's pointers widen (or stay) to ours. */
    tmember wm[] = { { "p", MT_CLASS_PTR, 4, 0, 1, NULL, 0, 0, 0, 0 }, { "f", MT_CLASS_FNPTR, 4, 4, 1, NULL, 0, 0, 0, 0 } };
    struct mt_type *writer = type_new("struct pp", 8, 4, 0, wm, 2, &err);
    mt_arch wa = foreign_arch(1, 4);
    p = cv_plan_compile(writer, &wa, local, &err);
    uint8_t raw[8];
    k_store_uint(raw, 4, 1, 0x2000);
    k_store_uint(raw + 4, 4, 1, 0);
    CHECK(cv_run(p, dst, raw, 1, &ctx, &err) == 0 && dst[0].p == (int *)0x3000 && dst[0].f == NULL);
    cv_plan_free(p);
    type_free(writer);
}

/* An integer that may hold an address: 0x2000..0x2fff is "saved" and
 * moves by 0x1000; anything else is a number. */
static int translate_addr_window(void *ctx, uint64_t old, uint64_t *now, mt_error *err)
{
    (void)ctx;
    if (old == 0xbad0)
        return mt_fail(err, MT_EPOINTER, "integer 0x%llx holds an address between the members of a block",
                       (unsigned long long)old);
    if (old < 0x2000 || old >= 0x3000)
        return 0;
    *now = old + 0x1000;
    return 1;
}

static void test_address_integers(void)
{
    struct ai { intptr_t s; uintptr_t u[2]; };
    mt_error err;
    mt_member m[] = { MT_MEMBER(struct ai, s, MT_CLASS_ADDR_SINT, 1), MT_MEMBER(struct ai, u, MT_CLASS_ADDR_UINT, 2) };
    const mt_type *local = mt_type_define("struct ai", sizeof(struct ai), _Alignof(struct ai), 0, m, 2, &err);
    cv_plan *same = local ? cv_plan_compile(local, arch_local(), local, &err) : NULL;
    CHECK(same && !cv_plan_is_copy(same));  /* the values are looked at even on the same ABI */
    cv_plan_free(same);
    /* A big-endian ILP32 writer: an address with a tag bit, a negative
     * number, a number that is not an address. */
    tmember wm[] = { { .name = "s", .cls = MT_CLASS_ADDR_SINT, .size = 4, .offset = 0, .count = 1 },
                     { .name = "u", .cls = MT_CLASS_ADDR_UINT, .size = 4, .offset = 4, .count = 2 } };
    struct mt_type *writer = type_new("struct ai", 12, 4, 0, wm, 2, &err);
    mt_arch wa = foreign_arch(1, 4);
    cv_plan *p = cv_plan_compile(writer, &wa, local, &err);
    CHECK(p != NULL);
    uint8_t raw[12];
    k_store_uint(raw, 4, 1, (uint32_t)(int32_t)-5);
    k_store_uint(raw + 4, 4, 1, 0x2001);
    k_store_uint(raw + 8, 4, 1, 123456789);
    struct ai dst;
    cv_ctx ctx = { .translate_addr = translate_addr_window };
    CHECK(cv_run(p, &dst, raw, 1, &ctx, &err) == 0);
    CHECK(dst.s == -5 && dst.u[0] == 0x3001 && dst.u[1] == 123456789);
    k_store_uint(raw, 4, 1, 0xbad0);
    CHECK(cv_run(p, &dst, raw, 1, &ctx, &err) < 0 && err.code == MT_EPOINTER);
    CHECK_STR(err.msg, "integer 0xbad0 holds an address between the members of a block in struct ai member s");
    cv_ctx none = { 0 };  /* no translation: every value is a number */
    k_store_uint(raw, 4, 1, 0x2000);
    CHECK(cv_run(p, &dst, raw, 1, &none, &err) == 0 && dst.s == 0x2000);
    cv_plan_free(p);
    type_free(writer);
}

struct small { short x; int y; };
struct holder { char c; struct small s[7]; int tail; };

/* The union at old address 0x1000 was last stored through member f (1). */
static long member_f(void *ctx, uint64_t old_addr, const struct mt_type *u)
{
    (void)ctx;
    (void)u;
    return old_addr == 0x1000 ? 1 : -1;
}

static void test_nested_and_unions(void)
{
    mt_error err;
    mt_member sm[] = { MT_MEMBER(struct small, x, MT_CLASS_SINT, 1), MT_MEMBER(struct small, y, MT_CLASS_SINT, 1) };
    const mt_type *ls = mt_type_define("struct small", sizeof(struct small), _Alignof(struct small), 0, sm, 2, &err);
    mt_member hm[] = { MT_MEMBER(struct holder, c, MT_CLASS_BYTES, 1),
                       MT_MEMBER_OF(struct holder, s, MT_CLASS_STRUCT, 7, ls),
                       MT_MEMBER(struct holder, tail, MT_CLASS_SINT, 1) };
    const mt_type *lh = mt_type_define("struct holder", sizeof(struct holder), _Alignof(struct holder), 0, hm, 3, &err);
    /* The writer: byte-swapped, same layout; the array of 7 uses a nested plan. */
    mt_arch wa = foreign_arch(arch_local()->byte_order != ARCH_BIG, sizeof(long));
    int wbig = wa.byte_order == ARCH_BIG;
    cv_plan *p = cv_plan_compile(lh, &wa, lh, &err);
    CHECK(p != NULL);
    uint8_t raw[sizeof(struct holder)];
    memset(raw, 0, sizeof raw);
    raw[0] = 'q';
    for (int k = 0; k < 7; k++) {
        uint8_t *e = raw + offsetof(struct holder, s) + k * sizeof(struct small);
        k_store_uint(e, 2, wbig, (uint64_t)(-k));
        k_store_uint(e + offsetof(struct small, y), 4, wbig, (uint64_t)(1000 + k));
    }
    k_store_uint(raw + offsetof(struct holder, tail), 4, wbig, 77);
    struct holder h;
    cv_ctx ctx = { 0 };
    CHECK(cv_run(p, &h, raw, 1, &ctx, &err) == 0);
    int bad = h.c != 'q' || h.tail != 77;
    for (int k = 0; k < 7; k++)
        bad += h.s[k].x != -k || h.s[k].y != 1000 + k;
    CHECK(bad == 0);
    uint64_t off;
    uint64_t want = offsetof(struct holder, s) + 5 * sizeof(struct small) + offsetof(struct small, y);
    CHECK(cv_map_offset(p, want, 1, &off) == 0 && off == want);
    cv_plan_free(p);

    union u { int i; float f; };
    mt_member um[] = { { "i", MT_CLASS_SINT, sizeof(int), 0, 1, NULL, 0 }, { "f", MT_CLASS_FLOAT, sizeof(float), 0, 1, NULL, 0 } };
    const mt_type *lu = mt_type_define("union u", sizeof(union u), _Alignof(union u), 1, um, 2, &err);
    CHECK(lu != NULL);
    cv_plan *same = cv_plan_compile(lu, arch_local(), lu, &err);
    CHECK(same != NULL && cv_plan_is_copy(same));
    cv_plan_free(same);
    /* Across byte orders a union converts by its active member; with no
     * member known it is refused by name, unless its bytes are zero. */
    cv_plan *q = cv_plan_compile(lu, &wa, lu, &err);
    CHECK(q != NULL);
    uint8_t ub[sizeof(union u)];
    union u out;
    float one_half = 1.5f;
    uint32_t bits;
    memcpy(&bits, &one_half, 4);
    k_store_uint(ub, 4, wbig, bits);
    cv_ctx unknown = { 0 };
    CHECK(cv_run(q, &out, ub, 1, &unknown, &err) < 0 && err.code == MT_ETYPE &&
          strstr(err.msg, "union u") != NULL && strstr(err.msg, "active member is unknown") != NULL);
    cv_ctx known = { .union_member = member_f, .src_data = ub, .src_old = 0x1000 };
    CHECK(cv_run(q, &out, ub, 1, &known, &err) == 0 && out.f == 1.5f);
    uint8_t zero[sizeof(union u)] = { 0 };
    out.i = 7;
    CHECK(cv_run(q, &out, zero, 1, &unknown, &err) == 0 && out.i == 0);
    cv_plan_free(q);
}

/* The union at old address 0x1000 was last stored through member 0. */
static long member_0(void *ctx, uint64_t old_addr, const struct mt_type *u)
{
    (void)ctx;
    (void)u;
    return old_addr == 0x1000 ? 0 : -1;
}

/* Unions read through a member other than the one stored (mt_type_punned). */
static void test_punned_unions(void)
{
    mt_error err;
    mt_arch swapped = foreign_arch(arch_local()->byte_order != ARCH_BIG, sizeof(long));
    int wbig = swapped.byte_order == ARCH_BIG;
    cv_ctx known = { .union_member = member_0, .src_old = 0x1000 };

    /* wide stored, narrow read: refused across byte orders, naming both */
    union wn { int64_t wide; int16_t narrow; };
    mt_member wm[] = { { "wide", MT_CLASS_SINT, 8, 0, 1, NULL, 0 }, { "narrow", MT_CLASS_SINT, 2, 0, 1, NULL, 0 } };
    const mt_type *lw = mt_type_define("union wn", sizeof(union wn), _Alignof(union wn), 1, wm, 2, &err);
    CHECK(lw != NULL);
    mt_type_punned(lw, "narrow");
    CHECK(lw->members[1].pun_read && !lw->members[0].pun_read && !lw->punned);
    cv_plan *p = cv_plan_compile(lw, &swapped, lw, &err);
    CHECK(p != NULL);
    uint8_t raw[8];
    k_store_uint(raw, 8, wbig, 0x0001000200030004ull);
    union wn out;
    known.src_data = raw;
    CHECK(cv_run(p, &out, raw, 1, &known, &err) < 0 && err.code == MT_ETYPE &&
          strstr(err.msg, "member narrow is read while member wide is the one stored (type punning)") != NULL);
    uint8_t zero[8] = { 0 };  /* zero in every member on every ABI */
    known.src_data = zero;
    CHECK(cv_run(p, &out, zero, 1, &known, &err) == 0 && out.wide == 0);
    cv_plan_free(p);

    /* viewed as bytes: refused too */
    union vb { int32_t i; float f; };
    mt_member vm[] = { { "i", MT_CLASS_SINT, 4, 0, 1, NULL, 0 }, { "f", MT_CLASS_FLOAT, 4, 0, 1, NULL, 0 } };
    const mt_type *lv = mt_type_define("union vb", sizeof(union vb), _Alignof(union vb), 1, vm, 2, &err);
    mt_type_punned(lv, NULL);
    CHECK(lv->punned);
    p = cv_plan_compile(lv, &swapped, lv, &err);
    k_store_uint(raw, 4, wbig, 0x3fc00000u);
    known.src_data = raw;
    CHECK(p && cv_run(p, &out, raw, 1, &known, &err) < 0 && strstr(err.msg, "its bytes are read as another type") != NULL);
    cv_plan_free(p);

    /* i stored, f read: the same bits on both byte orders, converted */
    union fi { int32_t i; float f; };
    mt_member fm[] = { { "i", MT_CLASS_SINT, 4, 0, 1, NULL, 0 }, { "f", MT_CLASS_FLOAT, 4, 0, 1, NULL, 0 } };
    const mt_type *lf = mt_type_define("union fi", sizeof(union fi), _Alignof(union fi), 1, fm, 2, &err);
    mt_type_punned(lf, "f");
    p = cv_plan_compile(lf, &swapped, lf, &err);
    union fi fo;
    CHECK(p && cv_run(p, &fo, raw, 1, &known, &err) == 0 && fo.f == 1.5f);
    cv_plan_free(p);

    /* the same byte order, another layout (a long of 4 bytes): narrow reads
     * the same low bytes of wide on both sides, converted by wide */
    union lw { int64_t wide; int16_t narrow; long l; };
    mt_member lm[] = { { "wide", MT_CLASS_SINT, 8, 0, 1, NULL, 0 }, { "narrow", MT_CLASS_SINT, 2, 0, 1, NULL, 0 },
                       { "l", MT_CLASS_SINT, sizeof(long), 0, 1, NULL, 0 } };
    const mt_type *ll = mt_type_define("union lw", sizeof(union lw), _Alignof(union lw), 1, lm, 3, &err);
    mt_type_punned(ll, "narrow");
    tmember wl[] = { { "wide", MT_CLASS_SINT, 8, 0, 1, NULL, 0, 0, 0, 0 }, { "narrow", MT_CLASS_SINT, 2, 0, 1, NULL, 0, 0, 0, 1 },
                     { "l", MT_CLASS_SINT, sizeof(long) == 8 ? 4 : 8, 0, 1, NULL, 0, 0, 0, 0 } };
    struct mt_type *writer = type_new("union lw", 8, 4, 1, wl, 3, &err);
    mt_arch other = foreign_arch(arch_local()->byte_order == ARCH_BIG, sizeof(long) == 8 ? 4 : 8);
    p = writer ? cv_plan_compile(writer, &other, ll, &err) : NULL;
    int big = arch_local()->byte_order == ARCH_BIG;
    k_store_uint(raw, 8, big, 0x0001000200030004ull);
    known.src_data = raw;
    union lw lo;
    CHECK(p && cv_run(p, &lo, raw, 1, &known, &err) == 0 && lo.wide == 0x0001000200030004ll &&
          lo.narrow == (big ? 1 : 4));
    cv_plan_free(p);
    type_free(writer);

    /* the same byte order, another descriptor: copied whole, not only the
     * member stored (c stored, i read: i keeps its other bytes) */
    union ci { char c; int32_t i; };
    mt_member cm[] = { { "c", MT_CLASS_BYTES, 1, 0, 1, NULL, 0 }, { "i", MT_CLASS_SINT, 4, 0, 1, NULL, 0 } };
    const mt_type *lc = mt_type_define("union ci", sizeof(union ci), _Alignof(union ci), 1, cm, 2, &err);
    mt_type_punned(lc, "i");
    mt_arch near = *arch_local();
    near.char_signed = !near.char_signed;
    p = cv_plan_compile(lc, &near, lc, &err);
    union ci in = { .i = 0x11223344 }, co = { .i = 0 };
    known.src_data = (const uint8_t *)&in;
    CHECK(p && cv_run(p, &co, &in, 1, &known, &err) == 0 && co.i == 0x11223344);
    cv_plan_free(p);
}

/* A punned union refused by its types is restored when what each member
 * read holds reads the same value on both sides (across byte orders). */
static void test_punned_same_value(void)
{
    mt_error err;
    mt_arch swapped = foreign_arch(arch_local()->byte_order != ARCH_BIG, sizeof(long));
    int wbig = swapped.byte_order == ARCH_BIG;
    uint8_t raw[8];
    cv_ctx known = { .union_member = member_0, .src_old = 0x1000, .src_data = raw };

    union wn { int64_t wide; int16_t narrow; };
    mt_member wm[] = { { "wide", MT_CLASS_SINT, 8, 0, 1, NULL, 0 }, { "narrow", MT_CLASS_SINT, 2, 0, 1, NULL, 0 } };
    const mt_type *lw = mt_type_define("union wn", sizeof(union wn), _Alignof(union wn), 1, wm, 2, &err);
    mt_type_punned(lw, "narrow");
    cv_plan *p = lw ? cv_plan_compile(lw, &swapped, lw, &err) : NULL;
    CHECK(p != NULL);
    union wn out;
    k_store_uint(raw, 8, wbig, ~0ull);  /* all ones: narrow reads -1 on both */
    CHECK(p && cv_run(p, &out, raw, 1, &known, &err) == 0 && out.wide == -1 && out.narrow == -1);
    k_store_uint(raw, 8, wbig, 0x0001000000000001ull);  /* narrow reads 1 from either end */
    CHECK(p && cv_run(p, &out, raw, 1, &known, &err) == 0 && out.wide == 0x0001000000000001ll && out.narrow == 1);
    k_store_uint(raw, 8, wbig, 0x0002000000000001ull);
    CHECK(p && cv_run(p, &out, raw, 1, &known, &err) < 0 &&
          strstr(err.msg, "member narrow is read while member wide is the one stored") != NULL);
    cv_plan_free(p);

    /* an array read: each element compared */
    union wb { uint32_t w; uint8_t b[4]; };
    mt_member bm[] = { { "w", MT_CLASS_UINT, 4, 0, 1, NULL, 0 }, { "b", MT_CLASS_UINT, 1, 0, 4, NULL, 0 } };
    const mt_type *lb = mt_type_define("union wb", sizeof(union wb), _Alignof(union wb), 1, bm, 2, &err);
    mt_type_punned(lb, "b");
    p = lb ? cv_plan_compile(lb, &swapped, lb, &err) : NULL;
    union wb bo;
    k_store_uint(raw, 4, wbig, 0x07070707u);
    CHECK(p && cv_run(p, &bo, raw, 1, &known, &err) == 0 && bo.w == 0x07070707u && bo.b[3] == 7);
    k_store_uint(raw, 4, wbig, 0x07070708u);
    CHECK(p && cv_run(p, &bo, raw, 1, &known, &err) < 0 && strstr(err.msg, "member b is read") != NULL);
    cv_plan_free(p);

    /* a pointer read stays refused, whatever the bits */
    union wp { int64_t w; char *q; };
    mt_member pm[] = { { "w", MT_CLASS_SINT, 8, 0, 1, NULL, 0 }, { "q", MT_CLASS_PTR, sizeof(char *), 0, 1, NULL, 0 } };
    const mt_type *lp = mt_type_define("union wp", sizeof(union wp), _Alignof(union wp), 1, pm, 2, &err);
    mt_type_punned(lp, "q");
    p = lp ? cv_plan_compile(lp, &swapped, lp, &err) : NULL;
    union wp po;
    k_store_uint(raw, 8, wbig, ~0ull);
    CHECK(p && cv_run(p, &po, raw, 1, &known, &err) < 0 && strstr(err.msg, "member q is read") != NULL);
    cv_plan_free(p);
}

/* Under one byte order with another layout (ILP32 against LP64): a member
 * read of one layout on both sides reads the bytes of a number stored,
 * whatever they are; one whose layout differs reads the same only for
 * some values, compared. */
static void test_punned_ilp32(void)
{
    mt_error err;
    int big = arch_local()->byte_order == ARCH_BIG;
    mt_arch other = foreign_arch(big, sizeof(long) == 8 ? 4 : 8);
    uint32_t olong = sizeof(long) == 8 ? 4 : 8;
    uint8_t raw[16];
    cv_ctx known = { .union_member = member_0, .src_old = 0x1000, .src_data = raw };

    /* w stored, h (two int16_t) read; l differs, h and w do not */
    struct two { int16_t x, y; };
    mt_member tm[] = { MT_MEMBER(struct two, x, MT_CLASS_SINT, 1), MT_MEMBER(struct two, y, MT_CLASS_SINT, 1) };
    const mt_type *lt = mt_type_define("struct two", sizeof(struct two), _Alignof(struct two), 0, tm, 2, &err);
    union wh { int32_t w; struct two h; long l; };
    mt_member hm[] = { { "w", MT_CLASS_SINT, 4, 0, 1, NULL, 0 }, { "h", MT_CLASS_STRUCT, 4, 0, 1, lt, 0 },
                       { "l", MT_CLASS_SINT, sizeof(long), 0, 1, NULL, 0 } };
    const mt_type *lh = mt_type_define("union wh", sizeof(union wh), _Alignof(union wh), 1, hm, 3, &err);
    mt_type_punned(lh, "h");
    tmember wt[] = { { "w", MT_CLASS_SINT, 4, 0, 1, NULL, 0, 0, 0, 0 }, { "h", MT_CLASS_STRUCT, 4, 0, 1, lt, 0, 0, 0, 1 },
                     { "l", MT_CLASS_SINT, olong, 0, 1, NULL, 0, 0, 0, 0 } };
    struct mt_type *writer = type_new("union wh", olong, olong, 1, wt, 3, &err);
    cv_plan *p = writer && lh ? cv_plan_compile(writer, &other, lh, &err) : NULL;
    memset(raw, 0, sizeof raw);
    k_store_uint(raw, 4, big, 0x12345678u);
    union wh ho;
    memset(&ho, 0xEE, sizeof ho);
    CHECK(p && cv_run(p, &ho, raw, 1, &known, &err) == 0 && ho.w == 0x12345678 &&
          ho.h.x == (big ? 0x1234 : 0x5678));
    cv_plan_free(p);
    type_free(writer);

    /* w (8 bytes) stored, s read: s.b lies at 4 on ILP32, at 8 on LP64 */
    struct il { int32_t a; long b; };
    mt_member im[] = { MT_MEMBER(struct il, a, MT_CLASS_SINT, 1), MT_MEMBER(struct il, b, MT_CLASS_SINT, 1) };
    const mt_type *li = mt_type_define("struct il", sizeof(struct il), _Alignof(struct il), 0, im, 2, &err);
    union ws { int64_t w; struct il s; };
    mt_member sm[] = { { "w", MT_CLASS_SINT, 8, 0, 1, NULL, 0 }, { "s", MT_CLASS_STRUCT, sizeof(struct il), 0, 1, li, 0 } };
    const mt_type *ls = mt_type_define("union ws", sizeof(union ws), _Alignof(union ws), 1, sm, 2, &err);
    mt_type_punned(ls, "s");
    tmember wi[] = { { "a", MT_CLASS_SINT, 4, 0, 1, NULL, 0, 0, 0, 0 }, { "b", MT_CLASS_SINT, olong, olong, 1, NULL, 0, 0, 0, 0 } };
    struct mt_type *wil = type_new("struct il", 2 * olong, olong, 0, wi, 2, &err);
    tmember ws[] = { { "w", MT_CLASS_SINT, 8, 0, 1, NULL, 0, 0, 0, 0 }, { "s", MT_CLASS_STRUCT, 2 * olong, 0, 1, wil, 0, 0, 0, 1 } };
    struct mt_type *wsu = wil ? type_new("union ws", 2 * olong, 8, 1, ws, 2, &err) : NULL;
    p = wsu && ls ? cv_plan_compile(wsu, &other, ls, &err) : NULL;
    union ws so;
    memset(raw, 0, sizeof raw);
    k_store_uint(raw, 8, big, 5);  /* a small number: s.a and s.b read the same on both */
    int bytes_b_zero = !big;       /* big-endian: a reads the high half, 0 */
    CHECK(p && (cv_run(p, &so, raw, 1, &known, &err) == 0) == bytes_b_zero);
    memset(raw, 0, sizeof raw);
    k_store_uint(raw, 8, big, 0x0000000700000005ull);  /* the high half is s.b on ILP32 only */
    CHECK(p && cv_run(p, &so, raw, 1, &known, &err) < 0 && strstr(err.msg, "member s is read") != NULL);
    cv_plan_free(p);
    type_free(wsu);
    type_free(wil);
}

static void test_mismatch(void)
{
    mt_error err;
    tmember a[] = { { "x", MT_CLASS_SINT, 4, 0, 1, NULL, 0, 0, 0, 0 } };
    tmember b[] = { { "y", MT_CLASS_SINT, 4, 0, 1, NULL, 0, 0, 0, 0 } };
    struct mt_type *ta = type_new("struct m", 4, 4, 0, a, 1, &err);
    struct mt_type *tb = type_new("struct m", 4, 4, 0, b, 1, &err);
    CHECK(cv_plan_compile(ta, arch_local(), tb, &err) == NULL && err.code == MT_ETYPE);
    type_free(ta);
    type_free(tb);
}

int main(void)
{
    test_foreign_struct_array();
    test_precision_loss();
    test_int_resizing();
    test_swaps();
    test_pointers();
    test_address_integers();
    test_nested_and_unions();
    test_punned_unions();
    test_punned_same_value();
    test_punned_ilp32();
    test_mismatch();
    return check_done("convert");
}
