/* test_types.c: the architecture descriptor and type descriptors: probing,
 * layout checks, identities that ignore the ABI, the tuple notation. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "check.h"
#include "migthread.h"
#include "types.h"

struct pi { void *p; int i; };
struct in { short x; double y; char z; };
struct out { char c; struct in v[3]; };

static void test_arch(void)
{
    const mt_arch *a = arch_local();
    uint32_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    CHECK(arch_validate(a) == 0);
    CHECK(arch_equal(a, arch_local()));
    CHECK(a->byte_order == (first ? ARCH_LITTLE : ARCH_BIG));
    CHECK(a->scalar[AS_LONG].size == sizeof(long));
    CHECK(a->scalar[AS_PTR].size == sizeof(void *));
    CHECK(a->scalar[AS_LDOUBLE].size == sizeof(long double));
    CHECK(a->char_signed == ((char)-1 < 0));
    CHECK(a->ldouble >= 1 && a->ldouble <= 4);
    mt_arch other = *a;
    other.byte_order = a->byte_order == ARCH_BIG ? ARCH_LITTLE : ARCH_BIG;
    CHECK(!arch_equal(a, &other));
    other = *a;
    other.ldouble = 9;
    CHECK(arch_validate(&other) < 0);
    other = *a;
    other.scalar[AS_INT].align = 3;
    CHECK(arch_validate(&other) < 0);
    char buf[128];
    CHECK(strstr(arch_describe(a, buf, sizeof buf), "endian") != NULL);
}

static void test_tag_text(void)
{
    mt_error err;
    mt_member m[] = { MT_MEMBER(struct pi, p, MT_CLASS_PTR, 1), MT_MEMBER(struct pi, i, MT_CLASS_SINT, 1) };
    const mt_type *t = mt_type_define("struct pi", sizeof(struct pi), _Alignof(struct pi), 0, m, 2, &err);
    CHECK(t != NULL);
    char want[64], got[64];
    snprintf(want, sizeof want, "(%zu,-1)(0,0)(%zu,1)(%zu,0)", sizeof(void *), sizeof(int),
             sizeof(struct pi) - offsetof(struct pi, i) - sizeof(int));
    CHECK(mt_type_format(t, got, sizeof got) == strlen(want));
    CHECK_STR(got, want);
    /* Truncated output still reports the full length and stays terminated. */
    char small[5];
    CHECK(mt_type_format(t, small, sizeof small) == strlen(want));
    CHECK(strlen(small) == 4);
    /* Defining the same identity again returns the first definition. */
    CHECK(mt_type_define("struct pi", sizeof(struct pi), _Alignof(struct pi), 0, m, 2, &err) == t);

    mt_member im[] = { MT_MEMBER(struct in, x, MT_CLASS_SINT, 1), MT_MEMBER(struct in, y, MT_CLASS_FLOAT, 1),
                       MT_MEMBER(struct in, z, MT_CLASS_BYTES, 1) };
    const mt_type *ti = mt_type_define("struct in", sizeof(struct in), _Alignof(struct in), 0, im, 3, &err);
    mt_member om[] = { MT_MEMBER(struct out, c, MT_CLASS_BYTES, 1),
                       MT_MEMBER_OF(struct out, v, MT_CLASS_STRUCT, 3, ti) };
    const mt_type *to = mt_type_define("struct out", sizeof(struct out), _Alignof(struct out), 0, om, 2, &err);
    CHECK(to != NULL);
    snprintf(want, sizeof want, "(1,1)(%zu,0)((2,1)(%zu,0)(8,1)(0,0)(1,1)(%zu,0),3)(0,0)",
             offsetof(struct out, v) - 1, offsetof(struct in, y) - 2,
             sizeof(struct in) - offsetof(struct in, z) - 1);
    mt_type_format(to, got, sizeof got);
    CHECK_STR(got, want);
}

static void test_identity(void)
{
    /* The same declaration laid out for ILP32 and LP64 has one identity. */
    tmember lp64[] = { { "p", MT_CLASS_PTR, 8, 0, 1, NULL, 0, 0, 0, 0 }, { "l", MT_CLASS_SINT, 8, 8, 1, NULL, 0, 0, 0, 0 } };
    tmember ilp32[] = { { "p", MT_CLASS_PTR, 4, 0, 1, NULL, 0, 0, 0, 0 }, { "l", MT_CLASS_SINT, 4, 4, 1, NULL, 0, 0, 0, 0 } };
    CHECK(type_identity("struct s", 0, lp64, 2) == type_identity("struct s", 0, ilp32, 2));
    tmember renamed[] = { { "p", MT_CLASS_PTR, 8, 0, 1, NULL, 0, 0, 0, 0 }, { "m", MT_CLASS_SINT, 8, 8, 1, NULL, 0, 0, 0, 0 } };
    CHECK(type_identity("struct s", 0, lp64, 2) != type_identity("struct s", 0, renamed, 2));
    tmember unsig[] = { { "p", MT_CLASS_PTR, 8, 0, 1, NULL, 0, 0, 0, 0 }, { "l", MT_CLASS_UINT, 8, 8, 1, NULL, 0, 0, 0, 0 } };
    CHECK(type_identity("struct s", 0, lp64, 2) != type_identity("struct s", 0, unsig, 2));
    tmember arr[] = { { "p", MT_CLASS_PTR, 8, 0, 1, NULL, 0, 0, 0, 0 }, { "l", MT_CLASS_SINT, 8, 8, 2, NULL, 0, 0, 0, 0 } };
    CHECK(type_identity("struct s", 0, lp64, 2) != type_identity("struct s", 0, arr, 2));
    CHECK(type_identity("struct s", 0, lp64, 2) != type_identity("union s", 1, lp64, 2));
    CHECK(type_identity("struct s", 0, lp64, 2) != type_identity("struct t", 0, lp64, 2));
}

static void test_bad_layouts(void)
{
    mt_error err;
    tmember overrun[] = { { "a", MT_CLASS_SINT, 4, 0, 1, NULL, 0, 0, 0, 0 }, { "b", MT_CLASS_SINT, 4, 4, 2, NULL, 0, 0, 0, 0 } };
    CHECK(type_check_layout("struct s", 8, 0, overrun, 2, &err) < 0 && err.code == MT_ETYPE);
    CHECK(strstr(err.msg, "member b") != NULL);
    tmember overlap[] = { { "a", MT_CLASS_SINT, 4, 0, 1, NULL, 0, 0, 0, 0 }, { "b", MT_CLASS_SINT, 4, 2, 1, NULL, 0, 0, 0, 0 } };
    CHECK(type_check_layout("struct s", 8, 0, overlap, 2, &err) < 0);
    tmember badsize[] = { { "a", MT_CLASS_FLOAT, 6, 0, 1, NULL, 0, 0, 0, 0 } };
    CHECK(type_check_layout("struct s", 8, 0, badsize, 1, &err) < 0);
    tmember badclass[] = { { "a", 77, 4, 0, 1, NULL, 0, 0, 0, 0 } };
    CHECK(type_check_layout("struct s", 8, 0, badclass, 1, &err) < 0);
    tmember nonested[] = { { "a", MT_CLASS_STRUCT, 4, 0, 1, NULL, 0, 0, 0, 0 } };
    CHECK(type_check_layout("struct s", 8, 0, nonested, 1, &err) < 0);
    tmember zero[] = { { "a", MT_CLASS_SINT, 4, 0, 0, NULL, 0, 0, 0, 0 } };
    CHECK(type_check_layout("struct s", 8, 0, zero, 1, &err) < 0);
    tmember un[] = { { "a", MT_CLASS_SINT, 4, 0, 1, NULL, 0, 0, 0, 0 }, { "b", MT_CLASS_FLOAT, 8, 0, 1, NULL, 0, 0, 0, 0 } };
    CHECK(type_check_layout("union u", 8, 1, un, 2, &err) == 0);
    tmember unbad[] = { { "a", MT_CLASS_SINT, 4, 0, 1, NULL, 0, 0, 0, 0 }, { "b", MT_CLASS_FLOAT, 8, 4, 1, NULL, 0, 0, 0, 0 } };
    CHECK(type_check_layout("union u", 16, 1, unbad, 2, &err) < 0);
    mt_member big = { "x", MT_CLASS_SINT, 4, 0, SIZE_MAX / 2, NULL, 0 };
    CHECK(mt_type_define("struct big", 8, 4, 0, &big, 1, &err) == NULL);
}

int main(void)
{
    test_arch();
    test_tag_text();
    test_identity();
    test_bad_layouts();
    return check_done("types");
}
