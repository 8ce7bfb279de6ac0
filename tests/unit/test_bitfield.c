/* test_bitfield.c: bit-fields on the ABI the test runs on and from hand-made
 * foreign layouts: the probe against the compiler's own layout (packed,
 * :0, const, 1 and 64 bits), the bit kernels against a bit-by-bit model,
 * conversion from a big-endian layout, precision loss by name, the memcpy
 * fast path, the layout checks, and a save and load through a file. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "check.h"
#include "convert.h"
#include "kernels.h"
#include "migthread.h"
#include "types.h"

/* ---- Local layouts, described through readers -------------------------------- */

struct issue { unsigned a : 3, b : 5, c : 12; int d : 7; };

#define READER(T, m)                                                      \
    static unsigned long long read_##T##_##m(const void *o, int *pos)    \
    {                                                                     \
        const struct T *r = o;                                            \
        double sign = r->m;                                               \
        *pos = sign > 0;                                                  \
        return (unsigned long long)r->m;                                  \
    }

READER(issue, a) READER(issue, b) READER(issue, c) READER(issue, d)

struct __attribute__((packed)) odd {
    char c;
    unsigned a : 4;
    unsigned long long b : 63;
    const signed s : 1;
    unsigned : 0;
    bool t : 1;
    unsigned long long full : 64;
};

READER(odd, a) READER(odd, b) READER(odd, s) READER(odd, t) READER(odd, full)

static const mt_type *issue_type(void)
{
    mt_error err;
    mt_member m[] = { MT_BITFIELD(a, read_issue_a), MT_BITFIELD(b, read_issue_b), MT_BITFIELD(c, read_issue_c),
                      MT_BITFIELD(d, read_issue_d) };
    const mt_type *t = mt_type_define("struct issue", sizeof(struct issue), _Alignof(struct issue), 0, m, 4, &err);
    CHECK(t != NULL);
    return t;
}

/* The value of member m of the object at p, by the probe's description. */
static long long value_of(const tmember *m, const void *p)
{
    k_bits w = { (uint8_t)m->size, (uint8_t)type_bit_shift(m), m->bit_width, (m->bit_flags & TYPE_BIT_MSB) != 0 };
    uint64_t v = k_bits_load((const uint8_t *)p + m->offset, &w);
    if ((m->bit_flags & TYPE_BIT_SIGNED) && m->bit_width < 64 && (v >> (m->bit_width - 1) & 1))
        v |= ~(uint64_t)0 << m->bit_width;
    return (long long)v;
}

static void test_probe(void)
{
    const struct mt_type *t = issue_type();
    CHECK(t->nmembers == 4 && t->members[0].bit_width == 3 && t->members[2].bit_width == 12);
    CHECK(!(t->members[0].bit_flags & TYPE_BIT_SIGNED) && (t->members[3].bit_flags & TYPE_BIT_SIGNED));
    struct issue x = { 5, 17, 3000, -20 };
    CHECK(value_of(&t->members[0], &x) == 5 && value_of(&t->members[1], &x) == 17);
    CHECK(value_of(&t->members[2], &x) == 3000 && value_of(&t->members[3], &x) == -20);

    mt_error err;
    mt_member m[] = { MT_MEMBER(struct odd, c, MT_CLASS_BYTES, 1), MT_BITFIELD(a, read_odd_a), MT_BITFIELD(b, read_odd_b),
                      MT_BITFIELD(s, read_odd_s), MT_BITFIELD(t, read_odd_t), MT_BITFIELD(full, read_odd_full) };
    const struct mt_type *o = mt_type_define("struct odd", sizeof(struct odd), 1, 0, m, 6, &err);
    CHECK(o != NULL);
    if (!o)
        return;
    CHECK(o->members[2].size == 9 && o->members[2].bit_width == 63);  /* b: bits 12..74 */
    CHECK(o->members[3].bit_width == 1 && (o->members[3].bit_flags & TYPE_BIT_SIGNED));
    CHECK(o->members[5].bit_width == 64 && !(o->members[5].bit_flags & TYPE_BIT_SIGNED));
    struct odd v = { 'x', 9, 0x5555555555555555ull, -1, true, 0xFEDCBA9876543210ull };
    CHECK(value_of(&o->members[1], &v) == 9);
    CHECK((unsigned long long)value_of(&o->members[2], &v) == 0x5555555555555555ull);
    CHECK(value_of(&o->members[3], &v) == -1 && value_of(&o->members[4], &v) == 1);
    CHECK((unsigned long long)value_of(&o->members[5], &v) == 0xFEDCBA9876543210ull);
    char tag[256];
    mt_type_format(o, tag, sizeof tag);
    CHECK(strstr(tag, "(u63@1.4") != NULL || strstr(tag, "(u63@1.4M") != NULL);
    /* a member without a reader is refused by name */
    mt_member none[] = { MT_BITFIELD(a, NULL) };
    CHECK(mt_type_define("struct none", 4, 4, 0, none, 1, &err) == NULL && strstr(err.msg, "member a") != NULL);
}

/* ---- The kernels ------------------------------------------------------------ */

/* The memory bit (byte * 8 + bit from the least significant) holding
 * value bit j. */
static unsigned model_bit(const k_bits *w, unsigned j)
{
    unsigned q = w->shift + j;  /* in the window read as one integer */
    unsigned byte = q / 8;
    return 8 * (w->msb ? w->nbytes - 1 - byte : byte) + q % 8;
}

static void test_kernels(void)
{
    int bad = 0;
    uint64_t seed = 12345;
    for (unsigned width = 1; width <= 64; width++)
        for (unsigned pos = 0; pos < 8; pos++)
            for (int msb = 0; msb < 2; msb++) {
                unsigned nbytes = (pos + width + 7) / 8;
                k_bits w = { (uint8_t)nbytes, (uint8_t)(msb ? 8 * nbytes - pos - width : pos), (uint8_t)width,
                             (uint8_t)msb };
                uint8_t buf[9], want[9];
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                uint64_t v = seed & (width == 64 ? ~0ull : (1ull << width) - 1);
                memset(buf, 0xA5, sizeof buf);
                memcpy(want, buf, sizeof want);
                for (unsigned j = 0; j < width; j++) {
                    unsigned b = model_bit(&w, j);
                    want[b / 8] = (uint8_t)((want[b / 8] & ~(1u << b % 8)) | ((v >> j & 1) << b % 8));
                }
                k_bits_store(buf, &w, v);
                bad += memcmp(buf, want, sizeof buf) != 0 || k_bits_load(buf, &w) != v;
            }
    CHECK(bad == 0);
}

/* ---- Conversion --------------------------------------------------------------- */

static mt_arch foreign_arch(int big)
{
    mt_arch a = *arch_local();
    a.byte_order = big ? ARCH_BIG : ARCH_LITTLE;
    return a;
}

/* struct issue as s390x lays it out: from the most significant bit of a
 * big-endian 32-bit unit. */
static struct mt_type *s390x_issue(void)
{
    tmember m[] = {
        { .name = "a", .cls = MT_CLASS_BITFIELD, .size = 1, .offset = 0, .count = 1, .bit_width = 3, .bit_pos = 0,
          .bit_flags = TYPE_BIT_MSB },
        { .name = "b", .cls = MT_CLASS_BITFIELD, .size = 1, .offset = 0, .count = 1, .bit_width = 5, .bit_pos = 3,
          .bit_flags = TYPE_BIT_MSB },
        { .name = "c", .cls = MT_CLASS_BITFIELD, .size = 2, .offset = 1, .count = 1, .bit_width = 12, .bit_pos = 0,
          .bit_flags = TYPE_BIT_MSB },
        { .name = "d", .cls = MT_CLASS_BITFIELD, .size = 2, .offset = 2, .count = 1, .bit_width = 7, .bit_pos = 4,
          .bit_flags = TYPE_BIT_MSB | TYPE_BIT_SIGNED },
    };
    mt_error err;
    struct mt_type *t = type_new("struct issue", 4, 4, 0, m, 4, &err);
    CHECK(t != NULL);
    return t;
}

static void put_issue_be(uint8_t *p, unsigned a, unsigned b, unsigned c, int d)
{
    uint32_t word = a << 29 | b << 24 | c << 12 | ((unsigned)d & 0x7f) << 5 | 0x1f;  /* padding bits set */
    k_store_uint(p, 4, 1, word);
}

static void test_from_big_endian(void)
{
    const mt_type *local = issue_type();
    struct mt_type *writer = s390x_issue();
    mt_arch wa = foreign_arch(1);
    mt_error err;
    cv_plan *p = cv_plan_compile(writer, &wa, local, &err);
    CHECK(p != NULL && !cv_plan_is_copy(p) == (arch_local()->byte_order != ARCH_BIG));
    enum { N = 20000 };  /* several chunks */
    uint8_t *src = malloc(4 * N);
    struct issue *dst = malloc(N * sizeof *dst);
    for (int k = 0; k < N; k++)
        put_issue_be(src + 4 * k, (unsigned)k & 7, (unsigned)k & 31, (unsigned)k & 4095, k % 128 - 64);
    cv_ctx ctx = { 0 };
    CHECK(cv_run(p, dst, src, N, &ctx, &err) == 0);
    int bad = 0;
    for (int k = 0; k < N; k++)
        bad += dst[k].a != ((unsigned)k & 7) || dst[k].b != ((unsigned)k & 31) || dst[k].c != ((unsigned)k & 4095) ||
               dst[k].d != k % 128 - 64;
    CHECK(bad == 0);
    put_issue_be(src, 5, 17, 3000, -20);
    CHECK(cv_run(p, dst, src, 1, &ctx, &err) == 0 && dst[0].a == 5 && dst[0].b == 17 && dst[0].c == 3000 &&
          dst[0].d == -20);
    cv_plan_free(p);
    type_free(writer);
    free(src);
    free(dst);
}

/* A signed writer member and an unsigned reader one (plain char on x86
 * and on aarch64), and a reader narrower than the writer. */
static void test_precision_loss(void)
{
    tmember sm[] = { { .name = "n", .cls = MT_CLASS_SINT, .size = 4, .offset = 0, .count = 1 },
                     { .name = "c", .cls = MT_CLASS_BITFIELD, .size = 1, .offset = 4, .count = 1, .bit_width = 4,
                       .bit_flags = TYPE_BIT_SIGNED },
                     { .name = "w", .cls = MT_CLASS_BITFIELD, .size = 1, .offset = 4, .count = 1, .bit_width = 4,
                       .bit_pos = 4 } };
    tmember dm[] = { { .name = "n", .cls = MT_CLASS_SINT, .size = 4, .offset = 0, .count = 1 },
                     { .name = "c", .cls = MT_CLASS_BITFIELD, .size = 1, .offset = 4, .count = 1, .bit_width = 4 },
                     { .name = "w", .cls = MT_CLASS_BITFIELD, .size = 1, .offset = 5, .count = 1, .bit_width = 3,
                       .bit_flags = TYPE_BIT_SIGNED } };
    mt_error err;
    struct mt_type *writer = type_new("struct cb", 8, 4, 0, sm, 3, &err);
    struct mt_type *reader = type_new("struct cb", 8, 4, 0, dm, 3, &err);
    CHECK(writer && reader);
    mt_arch wa = foreign_arch(arch_local()->byte_order == ARCH_BIG);
    wa.char_signed = !wa.char_signed;  /* another ABI: no memcpy */
    cv_plan *p = cv_plan_compile(writer, &wa, reader, &err);
    CHECK(p != NULL);
    uint8_t src[8] = { 0 }, dst[8];
    cv_ctx ctx = { 0 };
    src[4] = 0x35;  /* c = 5, w = 3 */
    CHECK(cv_run(p, dst, src, 1, &ctx, &err) == 0 && dst[4] == 5 && dst[5] == 3);
    src[4] = 0x3D;  /* c = -3 */
    CHECK(cv_run(p, dst, src, 1, &ctx, &err) < 0 && err.code == MT_ELOSS);
    CHECK_STR(err.msg, "precision loss in struct cb member c");
    src[4] = 0x45;  /* w = 4: above a signed 3-bit field */
    CHECK(cv_run(p, dst, src, 1, &ctx, &err) < 0);
    CHECK_STR(err.msg, "precision loss in struct cb member w");
    ctx.lossy = 1;
    CHECK(cv_run(p, dst, src, 1, &ctx, &err) == 0 && dst[5] == 4);
    cv_plan_free(p);
    type_free(writer);
    type_free(reader);
}

static void test_fast_path(void)
{
    const mt_type *local = issue_type();
    mt_error err;
    cv_plan *p = cv_plan_compile(local, arch_local(), local, &err);
    CHECK(p != NULL && cv_plan_is_copy(p));
    cv_plan_free(p);
}

static void test_bad_layouts(void)
{
    mt_error err;
    tmember ok[] = { { .name = "a", .cls = MT_CLASS_BITFIELD, .size = 1, .count = 1, .bit_width = 3 },
                     { .name = "b", .cls = MT_CLASS_BITFIELD, .size = 2, .count = 1, .bit_width = 9, .bit_pos = 3 },
                     { .name = "x", .cls = MT_CLASS_SINT, .size = 4, .offset = 4, .count = 1 } };
    CHECK(type_check_layout("struct s", 8, 0, ok, 3, &err) == 0);
    tmember wide[] = { { .name = "a", .cls = MT_CLASS_BITFIELD, .size = 9, .count = 1, .bit_width = 65 } };
    CHECK(type_check_layout("struct s", 16, 0, wide, 1, &err) < 0 && strstr(err.msg, "member a"));
    tmember zero[] = { { .name = "a", .cls = MT_CLASS_BITFIELD, .size = 1, .count = 1, .bit_width = 0 } };
    CHECK(type_check_layout("struct s", 8, 0, zero, 1, &err) < 0);
    tmember span[] = { { .name = "a", .cls = MT_CLASS_BITFIELD, .size = 1, .count = 1, .bit_width = 6, .bit_pos = 4 } };
    CHECK(type_check_layout("struct s", 8, 0, span, 1, &err) < 0);
    tmember pos[] = { { .name = "a", .cls = MT_CLASS_BITFIELD, .size = 2, .count = 1, .bit_width = 1, .bit_pos = 8 } };
    CHECK(type_check_layout("struct s", 8, 0, pos, 1, &err) < 0);
    tmember flags[] = { { .name = "a", .cls = MT_CLASS_BITFIELD, .size = 1, .count = 1, .bit_width = 1, .bit_flags = 4 } };
    CHECK(type_check_layout("struct s", 8, 0, flags, 1, &err) < 0);
    tmember outside[] = { { .name = "a", .cls = MT_CLASS_BITFIELD, .size = 2, .offset = 7, .count = 1, .bit_width = 9 } };
    CHECK(type_check_layout("struct s", 8, 0, outside, 1, &err) < 0);
    tmember over[] = { { .name = "x", .cls = MT_CLASS_SINT, .size = 4, .count = 1 },
                       { .name = "a", .cls = MT_CLASS_BITFIELD, .size = 1, .offset = 3, .count = 1, .bit_width = 3 } };
    CHECK(type_check_layout("struct s", 8, 0, over, 2, &err) < 0 && strstr(err.msg, "overlaps"));
    tmember back[] = { { .name = "a", .cls = MT_CLASS_BITFIELD, .size = 1, .offset = 2, .count = 1, .bit_width = 3 },
                       { .name = "b", .cls = MT_CLASS_BITFIELD, .size = 1, .offset = 1, .count = 1, .bit_width = 3 } };
    CHECK(type_check_layout("struct s", 8, 0, back, 2, &err) < 0);
}

/* ---- Through a file --------------------------------------------------------------- */

static struct issue g_issue[3];

static void test_save_and_load(void)
{
    mt_error err;
    mt_set_program_id(77);
    CHECK(mt_register_global("g_issue", g_issue, issue_type(), 3, &err) == 0);
    for (int i = 0; i < 3; i++)
        g_issue[i] = (struct issue){ (unsigned)i + 4, 17, 3000u + (unsigned)i, -20 - i };
    char path[] = "/tmp/mt-bitfield-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK(mt_save(path, &err) == 0);
    memset(g_issue, 0, sizeof g_issue);
    CHECK(mt_load(path, 0, &err) == 0);
    int bad = 0;
    for (int i = 0; i < 3; i++)
        bad += g_issue[i].a != (unsigned)i + 4 || g_issue[i].b != 17 || g_issue[i].c != 3000u + (unsigned)i ||
               g_issue[i].d != -20 - i;
    CHECK(bad == 0);
    unlink(path);
}

int main(void)
{
    test_probe();
    test_kernels();
    test_from_big_endian();
    test_precision_loss();
    test_fast_path();
    test_bad_layouts();
    test_save_and_load();
    return check_done("bitfield");
}
