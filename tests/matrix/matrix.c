/* matrix.c: one half of the ABI matrix, built for each of the six ABIs.
 *
 *   matrix gen KIND FILE     build a rich state and save it to FILE
 *   matrix check KIND FILE   load FILE (written on any ABI) and verify it
 *
 * KIND "state" holds every scalar kind at limits all ABIs share, nested
 * structs with padding, arrays of structs, long doubles, pointers into and
 * across blocks (interior, one past the end, NULL), function pointers and
 * strings, bit-fields (packed too) and complex numbers. KIND "long" and "ldouble" hold a value that some readers cannot
 * represent: the check expects precision loss exactly there, and checks
 * that a lossy load then succeeds. */
#include <complex.h>
#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migthread.h"
#include "arch.h"
#include "ldouble.h"
#include "restore.h"

static int failures;

#define EXPECT(cond) expect((cond) != 0, #cond, __LINE__)
static void expect(int ok, const char *what, int line)
{
    if (!ok) {
        failures++;
        printf("  mismatch at matrix.c:%d: %s\n", line, what);
    }
}

static void die(const char *what, const mt_error *err)
{
    printf("migthread: %s: %s\n", what, err->msg);
    exit(2);
}

/* ---- The state ------------------------------------------------------------------ */

enum color { RED = -1, GREEN = 7, BLUE = 100000 };

struct scalars {
    char c; signed char sc; unsigned char uc;
    short s; unsigned short us;
    int i; unsigned int ui;
    long l; unsigned long ul;
    long long ll; unsigned long long ull;
    _Bool b; float f; double d; long double ld;
    enum color e; size_t sz;
};

struct rec { char a; short b; int c; long d; double e; };   /* the seed's Figure 8 */

struct node { int key; struct node *next; char tag[3]; double w; };

struct inner { short x; long double y; char z; };

struct outer {
    char pad;
    struct inner in[3];
    struct inner many[6];          /* long enough for a nested plan */
    int *iptr;                     /* into the middle of a heap int array */
    long *lptr;                    /* to a member inside an array of structs */
    struct rec *rend;              /* one past the end of the rec array */
    char *smid;                    /* into the middle of a heap string */
    int *null;
    int *gptr;                     /* to a member of another global */
    long double *ldp;              /* into a global array */
    struct node *list;
    char **words;
    int (*fn)(int);
    int (*fn2)(int);
    int (*fnull)(int);
    char name[11];
};

static struct scalars g_lo, g_hi, g_mixed[3];
static double g_doubles[6];
static float g_floats[5];
static long double g_ld[5];
static struct outer g_outer;
static struct rec *g_recs;         /* the heap array the pointers refer to */
static int *g_ints;

static int add1(int x) { return x + 1; }
static int twice(int x) { return 2 * x; }

static long double halvings(int n)
{
    long double v = 1;
    while (n-- > 0)
        v /= 2;
    return v;
}

static double dhalvings(int n)
{
    double v = 1;
    while (n-- > 0)
        v /= 2;
    return v;
}

/* Values chosen to fit every ABI: long holds 32 bits, size_t too. */
static void fill_limits(struct scalars *s, int high)
{
    memset(s, 0, sizeof *s);
    s->c = high ? 'z' : (char)0xC8;
    s->sc = high ? SCHAR_MAX : SCHAR_MIN;
    s->uc = high ? UCHAR_MAX : 0;
    s->s = high ? SHRT_MAX : SHRT_MIN;
    s->us = high ? USHRT_MAX : 0;
    s->i = high ? INT_MAX : INT_MIN;
    s->ui = high ? UINT_MAX : 0;
    s->l = high ? INT32_MAX : INT32_MIN;
    s->ul = high ? UINT32_MAX : 0;
    s->ll = high ? LLONG_MAX : LLONG_MIN;
    s->ull = high ? ULLONG_MAX : 0;
    s->b = high;
    s->f = high ? FLT_MAX : -FLT_MIN;
    s->d = high ? DBL_MAX : -DBL_MIN;
    s->ld = high ? (long double)DBL_MAX : -(long double)DBL_MIN;
    s->e = high ? BLUE : RED;
    s->sz = high ? (size_t)UINT32_MAX : 0;
}

static void fill_mixed(struct scalars *s, int k)
{
    fill_limits(s, k & 1);
    s->i = -12345 * (k + 1);
    s->l = -7 * k;
    s->ld = (long double)k + 0.375L;  /* exact in every format */
    s->d = 0.1 * k;
    s->e = GREEN;
}

static void fill_specials(void)
{
    g_doubles[0] = -0.0;
    g_doubles[1] = 1.0 / 0.0;
    g_doubles[2] = -(1.0 / 0.0);
    g_doubles[3] = 0.0 / 0.0;
    g_doubles[4] = dhalvings(1074);   /* the smallest subnormal */
    g_doubles[5] = -DBL_MAX;
    g_floats[0] = -0.0f;
    g_floats[1] = FLT_MIN / 4;        /* subnormal */
    g_floats[2] = 3.5f;
    g_floats[3] = 1.0f / 0.0f;
    g_floats[4] = -FLT_MAX;
    g_ld[0] = 1.5L;
    g_ld[1] = -(long double)DBL_MAX;
    g_ld[2] = (long double)dhalvings(1074);
    g_ld[3] = -0.0L;
    g_ld[4] = (long double)(1.0 / 3); /* a binary64 value, exact everywhere */
}

static void fill_inner(struct inner *in, int k)
{
    in->x = (short)(-300 * k);
    in->y = (long double)k + 0.25L;
    in->z = (char)('a' + k);
}

/* ---- Types --------------------------------------------------------------------- */

static const mt_type *t_scalars, *t_rec, *t_node, *t_inner, *t_outer, *t_int, *t_char,
                     *t_charp, *t_double, *t_float, *t_ldouble, *t_long;

static const mt_type *define(const char *name, size_t size, size_t align, const mt_member *m,
                             size_t n)
{
    mt_error err;
    const mt_type *t = mt_type_define(name, size, align, 0, m, n, &err);
    if (!t)
        die("defining types", &err);
    return t;
}

#define A(T) _Alignof(T)

/* Bit-fields and complex numbers, below. */
static void register_bits(void);
static void build_bits(void);

static void define_types(void)
{
    mt_member sc[] = {
        MT_MEMBER(struct scalars, c, MT_CLASS_BYTES, 1),
        MT_MEMBER(struct scalars, sc, MT_CLASS_SINT, 1),
        MT_MEMBER(struct scalars, uc, MT_CLASS_UINT, 1),
        MT_MEMBER(struct scalars, s, MT_CLASS_SINT, 1),
        MT_MEMBER(struct scalars, us, MT_CLASS_UINT, 1),
        MT_MEMBER(struct scalars, i, MT_CLASS_SINT, 1),
        MT_MEMBER(struct scalars, ui, MT_CLASS_UINT, 1),
        MT_MEMBER(struct scalars, l, MT_CLASS_SINT, 1),
        MT_MEMBER(struct scalars, ul, MT_CLASS_UINT, 1),
        MT_MEMBER(struct scalars, ll, MT_CLASS_SINT, 1),
        MT_MEMBER(struct scalars, ull, MT_CLASS_UINT, 1),
        MT_MEMBER(struct scalars, b, MT_CLASS_BOOL, 1),
        MT_MEMBER(struct scalars, f, MT_CLASS_FLOAT, 1),
        MT_MEMBER(struct scalars, d, MT_CLASS_FLOAT, 1),
        MT_MEMBER(struct scalars, ld, MT_CLASS_LDOUBLE, 1),
        MT_MEMBER(struct scalars, e, MT_CLASS_SINT, 1),
        MT_MEMBER(struct scalars, sz, MT_CLASS_UINT, 1),
    };
    t_scalars = define("struct scalars", sizeof(struct scalars), A(struct scalars), sc, 17);
    mt_member rc[] = {
        MT_MEMBER(struct rec, a, MT_CLASS_BYTES, 1), MT_MEMBER(struct rec, b, MT_CLASS_SINT, 1),
        MT_MEMBER(struct rec, c, MT_CLASS_SINT, 1), MT_MEMBER(struct rec, d, MT_CLASS_SINT, 1),
        MT_MEMBER(struct rec, e, MT_CLASS_FLOAT, 1),
    };
    t_rec = define("struct rec", sizeof(struct rec), A(struct rec), rc, 5);
    mt_member nd[] = {
        MT_MEMBER(struct node, key, MT_CLASS_SINT, 1), MT_MEMBER(struct node, next, MT_CLASS_PTR, 1),
        MT_MEMBER(struct node, tag, MT_CLASS_BYTES, 3), MT_MEMBER(struct node, w, MT_CLASS_FLOAT, 1),
    };
    t_node = define("struct node", sizeof(struct node), A(struct node), nd, 4);
    mt_member in[] = {
        MT_MEMBER(struct inner, x, MT_CLASS_SINT, 1), MT_MEMBER(struct inner, y, MT_CLASS_LDOUBLE, 1),
        MT_MEMBER(struct inner, z, MT_CLASS_BYTES, 1),
    };
    t_inner = define("struct inner", sizeof(struct inner), A(struct inner), in, 3);
    mt_member out[] = {
        MT_MEMBER(struct outer, pad, MT_CLASS_BYTES, 1),
        MT_MEMBER_OF(struct outer, in, MT_CLASS_STRUCT, 3, t_inner),
        MT_MEMBER_OF(struct outer, many, MT_CLASS_STRUCT, 6, t_inner),
        MT_MEMBER(struct outer, iptr, MT_CLASS_PTR, 1), MT_MEMBER(struct outer, lptr, MT_CLASS_PTR, 1),
        MT_MEMBER(struct outer, rend, MT_CLASS_PTR, 1), MT_MEMBER(struct outer, smid, MT_CLASS_PTR, 1),
        MT_MEMBER(struct outer, null, MT_CLASS_PTR, 1), MT_MEMBER(struct outer, gptr, MT_CLASS_PTR, 1),
        MT_MEMBER(struct outer, ldp, MT_CLASS_PTR, 1), MT_MEMBER(struct outer, list, MT_CLASS_PTR, 1),
        MT_MEMBER(struct outer, words, MT_CLASS_PTR, 1), MT_MEMBER(struct outer, fn, MT_CLASS_FNPTR, 1),
        MT_MEMBER(struct outer, fn2, MT_CLASS_FNPTR, 1), MT_MEMBER(struct outer, fnull, MT_CLASS_FNPTR, 1),
        MT_MEMBER(struct outer, name, MT_CLASS_BYTES, 11),
    };
    t_outer = define("struct outer", sizeof(struct outer), A(struct outer), out, 16);
    t_int = mt_type_scalar("int", MT_CLASS_SINT, sizeof(int), A(int));
    t_long = mt_type_scalar("long", MT_CLASS_SINT, sizeof(long), A(long));
    t_char = mt_type_scalar("char", MT_CLASS_BYTES, 1, 1);
    t_charp = mt_type_scalar("char *", MT_CLASS_PTR, sizeof(char *), A(char *));
    t_double = mt_type_scalar("double", MT_CLASS_FLOAT, sizeof(double), A(double));
    t_float = mt_type_scalar("float", MT_CLASS_FLOAT, sizeof(float), A(float));
    t_ldouble = mt_type_scalar("long double", MT_CLASS_LDOUBLE, sizeof(long double), A(long double));
}

static void reg(const char *name, void *addr, const mt_type *t, size_t n)
{
    mt_error err;
    if (mt_register_global(name, addr, t, n, &err) < 0)
        die("registering globals", &err);
}

static void register_state(void)
{
    mt_error err;
    reg("g_lo", &g_lo, t_scalars, 1);
    reg("g_hi", &g_hi, t_scalars, 1);
    reg("g_mixed", g_mixed, t_scalars, 3);
    reg("g_doubles", g_doubles, t_double, 6);
    reg("g_floats", g_floats, t_float, 5);
    reg("g_ld", g_ld, t_ldouble, 5);
    reg("g_outer", &g_outer, t_outer, 1);
    reg("g_recs", &g_recs, t_charp, 1);  /* any data pointer type will do */
    reg("g_ints", &g_ints, t_charp, 1);
    register_bits();
    if (mt_register_function("add1", (void (*)(void))add1, &err) < 0 ||
        mt_register_function("twice", (void (*)(void))twice, &err) < 0)
        die("registering functions", &err);
}

static void *tracked(size_t count, const mt_type *t, size_t size)
{
    mt_error err;
    void *p = calloc(count, size);
    if (!p || mt_heap_track(p, t, count, &err) < 0) {
        printf("migthread: out of memory building the state\n");
        exit(2);
    }
    return p;
}

static void build_state(void)
{
    fill_limits(&g_lo, 0);
    fill_limits(&g_hi, 1);
    for (int k = 0; k < 3; k++)
        fill_mixed(&g_mixed[k], k);
    fill_specials();
    g_ints = tracked(100, t_int, sizeof(int));
    for (int k = 0; k < 100; k++)
        g_ints[k] = k * k - 50;
    g_recs = tracked(5, t_rec, sizeof(struct rec));
    for (int k = 0; k < 5; k++)
        g_recs[k] = (struct rec){ (char)('A' + k), (short)(-k), 1000 * k, -100000L * k, k / 4.0 };
    char *str = tracked(13, t_char, 1);
    memcpy(str, "hello, world", 13);
    struct node *head = NULL;
    for (int k = 4; k >= 0; k--) {
        struct node *n = tracked(1, t_node, sizeof *n);
        *n = (struct node){ k, head, { 'n', (char)('0' + k), 0 }, k * 1.5 };
        head = n;
    }
    char **words = tracked(3, t_charp, sizeof(char *));
    words[0] = str;          /* "hello, world" */
    words[1] = str + 7;      /* "world" */
    words[2] = NULL;
    struct outer *o = &g_outer;
    o->pad = '#';
    for (int k = 0; k < 3; k++)
        fill_inner(&o->in[k], k);
    for (int k = 0; k < 6; k++)
        fill_inner(&o->many[k], 10 + k);
    o->iptr = &g_ints[37];
    o->lptr = &g_recs[3].d;
    o->rend = g_recs + 5;
    o->smid = str + 7;
    o->null = NULL;
    o->gptr = &g_mixed[2].i;
    o->ldp = &g_ld[4];
    o->list = head;
    o->words = words;
    o->fn = add1;
    o->fn2 = twice;
    o->fnull = NULL;
    memcpy(o->name, "migthread!", 11);
    build_bits();
}

/* ---- Bit-fields and complex numbers -------------------------------------------- */

struct bits {
    char c;
    unsigned a : 3;
    int d : 7;
    unsigned long long w : 40;
    signed char sc : 5;
    unsigned : 0;
    long long v : 63;
    _Bool t : 1;
};

struct __attribute__((packed)) pbits {
    char c;
    unsigned a : 4;
    unsigned long long b : 63;  /* from bit 12: nine bytes */
    short s : 9;
};

#define BIT_READER(T, m)                                                  \
    static unsigned long long read_##T##_##m(const void *o, int *pos)    \
    {                                                                     \
        const struct T *r = o;                                            \
        double sign = r->m;                                               \
        *pos = sign > 0;                                                  \
        return (unsigned long long)r->m;                                  \
    }
BIT_READER(bits, a) BIT_READER(bits, d) BIT_READER(bits, w) BIT_READER(bits, sc) BIT_READER(bits, v)
BIT_READER(bits, t) BIT_READER(pbits, a) BIT_READER(pbits, b) BIT_READER(pbits, s)

static struct bits g_bits[3];
static struct pbits g_pbits[2];
static double _Complex g_z[2];
static long double _Complex g_lz;

static void register_bits(void)
{
    mt_member bm[] = { MT_MEMBER(struct bits, c, MT_CLASS_BYTES, 1), MT_BITFIELD(a, read_bits_a),
                       MT_BITFIELD(d, read_bits_d), MT_BITFIELD(w, read_bits_w), MT_BITFIELD(sc, read_bits_sc),
                       MT_BITFIELD(v, read_bits_v), MT_BITFIELD(t, read_bits_t) };
    reg("g_bits", g_bits, define("struct bits", sizeof(struct bits), A(struct bits), bm, 7), 3);
    mt_member pm[] = { MT_MEMBER(struct pbits, c, MT_CLASS_BYTES, 1), MT_BITFIELD(a, read_pbits_a),
                       MT_BITFIELD(b, read_pbits_b), MT_BITFIELD(s, read_pbits_s) };
    reg("g_pbits", g_pbits, define("struct pbits", sizeof(struct pbits), 1, pm, 4), 2);
    mt_member zm[] = { { "", MT_CLASS_FLOAT, sizeof(double), 0, 2, NULL, 0 } };
    reg("g_z", g_z, define("double _Complex", sizeof(double _Complex), A(double _Complex), zm, 1), 2);
    mt_member lm[] = { { "", MT_CLASS_LDOUBLE, sizeof(long double), 0, 2, NULL, 0 } };
    reg("g_lz", &g_lz, define("long double _Complex", sizeof g_lz, A(long double _Complex), lm, 1), 1);
}

static void fill_bits(struct bits *b, struct pbits *p, int k)
{
    *b = (struct bits){ (char)('a' + k), (unsigned)(5 + k), -20 - 20 * k, 0xFEDCBA9876ull - (unsigned)k, -16 + k,
                        k == 1 ? -0x4000000000000000ll : 0x3FFFFFFFFFFFFFFFll - k, k % 2 };
    *p = (struct pbits){ (char)('A' + k), (unsigned)(9 + k), 0x7FFFFFFFFFFFFFFFull - (unsigned)k, (short)(-256 + k) };
}

static void build_bits(void)
{
    struct pbits spare;
    for (int k = 0; k < 3; k++)
        fill_bits(&g_bits[k], k < 2 ? &g_pbits[k] : &spare, k);
    g_z[0] = 1.5 + 2.25 * _Complex_I;
    g_z[1] = -0.125 - 4096.0 * _Complex_I;
    g_lz = 0.75L + -3.5L * _Complex_I;
}

static void verify_bits(void)
{
    for (int k = 0; k < 3; k++) {
        struct bits want;
        struct pbits pwant;
        fill_bits(&want, &pwant, k);
        const struct bits *g = &g_bits[k];
        EXPECT(g->c == want.c && g->a == want.a && g->d == want.d && g->w == want.w && g->sc == want.sc);
        EXPECT(g->v == want.v && g->t == want.t);
        if (k < 2)
            EXPECT(g_pbits[k].c == pwant.c && g_pbits[k].a == pwant.a && g_pbits[k].b == pwant.b &&
                   g_pbits[k].s == pwant.s);
    }
    EXPECT(__real__ g_z[0] == 1.5 && __imag__ g_z[0] == 2.25 && __real__ g_z[1] == -0.125 &&
           __imag__ g_z[1] == -4096.0);
    EXPECT(__real__ g_lz == 0.75L && __imag__ g_lz == -3.5L);
}

/* ---- Verification -------------------------------------------------------------- */

static int same_bits_d(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }
static int same_bits_f(float a, float b) { return memcmp(&a, &b, sizeof a) == 0; }
static int same_ld(long double a, long double b) { return a == b; }

static void verify_scalars(const struct scalars *got, const struct scalars *want)
{
    EXPECT(got->c == want->c && got->sc == want->sc && got->uc == want->uc);
    EXPECT(got->s == want->s && got->us == want->us);
    EXPECT(got->i == want->i && got->ui == want->ui);
    EXPECT(got->l == want->l && got->ul == want->ul);
    EXPECT(got->ll == want->ll && got->ull == want->ull);
    EXPECT(got->b == want->b && got->e == want->e && got->sz == want->sz);
    EXPECT(same_bits_f(got->f, want->f) && same_bits_d(got->d, want->d));
}

static void verify_state(const mt_arch *writer)
{
    struct scalars want;
    fill_limits(&want, 0);
    verify_scalars(&g_lo, &want);
    EXPECT(same_ld(g_lo.ld, want.ld));
    fill_limits(&want, 1);
    verify_scalars(&g_hi, &want);
    EXPECT(same_ld(g_hi.ld, want.ld));
    for (int k = 0; k < 3; k++) {
        fill_mixed(&want, k);
        verify_scalars(&g_mixed[k], &want);
        EXPECT(same_ld(g_mixed[k].ld, want.ld));
    }
    verify_bits();
    (void)writer;
}

static void verify_specials(void)
{
    double d[6];
    float f[5];
    long double ld[5];
    memcpy(d, g_doubles, sizeof d);
    memcpy(f, g_floats, sizeof f);
    memcpy(ld, g_ld, sizeof ld);
    fill_specials();
    for (int k = 0; k < 6; k++)
        EXPECT(k == 3 ? d[k] != d[k] : same_bits_d(d[k], g_doubles[k]));
    for (int k = 0; k < 5; k++)
        EXPECT(same_bits_f(f[k], g_floats[k]));
    for (int k = 0; k < 5; k++)
        EXPECT(same_ld(ld[k], g_ld[k]));
    EXPECT(ld[3] == 0 && 1 / (double)ld[3] < 0);  /* -0 kept its sign */
}

static void verify_heap_and_pointers(void)
{
    const struct outer *o = &g_outer;
    EXPECT(o->pad == '#' && strcmp(o->name, "migthread!") == 0);
    for (int k = 0; k < 9; k++) {
        struct inner want;
        fill_inner(&want, k < 3 ? k : 10 + k - 3);
        const struct inner *got = k < 3 ? &o->in[k] : &o->many[k - 3];
        EXPECT(got->x == want.x && got->y == want.y && got->z == want.z);
    }
    for (int k = 0; k < 100; k++)
        EXPECT(g_ints[k] == k * k - 50);
    for (int k = 0; k < 5; k++)
        EXPECT(g_recs[k].a == 'A' + k && g_recs[k].b == -k && g_recs[k].c == 1000 * k &&
               g_recs[k].d == -100000L * k && g_recs[k].e == k / 4.0);
    EXPECT(o->iptr == &g_ints[37] && *o->iptr == 37 * 37 - 50);
    EXPECT(o->lptr == &g_recs[3].d && *o->lptr == -300000L);
    EXPECT(o->rend == g_recs + 5);
    EXPECT(o->smid && strcmp(o->smid, "world") == 0);
    EXPECT(o->null == NULL && o->fnull == NULL);
    EXPECT(o->gptr == &g_mixed[2].i);
    EXPECT(o->ldp == &g_ld[4]);
    EXPECT(o->fn && o->fn(20) == 21 && o->fn2 && o->fn2(20) == 40);
    EXPECT(o->words && strcmp(o->words[0], "hello, world") == 0 && o->words[1] == o->words[0] + 7 &&
           o->words[2] == NULL && o->smid == o->words[1]);
    int k = 0;
    for (const struct node *n = o->list; n; n = n->next, k++)
        EXPECT(n->key == k && n->tag[0] == 'n' && n->tag[1] == '0' + k && n->w == k * 1.5);
    EXPECT(k == 5);
}

/* ---- Values that not every reader can hold --------------------------------------- */

struct record { long l; };
static struct record g_loss_long;
static long double g_loss_ld;

/* The most precise value the writer's long double format holds, as a sum
 * of powers of two. */
static long double precise_value(int format)
{
    switch (format) {
    case LD_X87: return 1 + halvings(63);
    case LD_BINARY128: return 1 + halvings(54) + halvings(112);
    case LD_DOUBLEDOUBLE: return 1 + halvings(120);
    default: return 1 + halvings(52);
    }
}

/* Whether a reader of format r holds the writer's precise value exactly. */
static int ld_fits(int w, int r)
{
    return w == r || w == LD_BINARY64 ||
           (w == LD_X87 && (r == LD_BINARY128 || r == LD_DOUBLEDOUBLE));
}

static void register_loss(const char *kind)
{
    if (strcmp(kind, "long") == 0) {
        mt_member m[] = { MT_MEMBER(struct record, l, MT_CLASS_SINT, 1) };
        reg("g_loss_long", &g_loss_long, define("struct record", sizeof(struct record), A(struct record), m, 1), 1);
    } else {
        reg("g_loss_ld", &g_loss_ld, t_ldouble, 1);
    }
}

static void check_loss(const char *kind, const char *path, const mt_arch *writer)
{
    mt_error err;
    int is_long = strcmp(kind, "long") == 0;
    int fits = is_long ? writer->scalar[AS_LONG].size <= sizeof(long)
                       : ld_fits(writer->ldouble, arch_local()->ldouble);
    int rc = mt_load(path, 0, &err);
    if (fits) {
        EXPECT(rc == 0);
        if (rc < 0)
            printf("  unexpected: %s\n", err.msg);
        else if (is_long)
            EXPECT(g_loss_long.l == (writer->scalar[AS_LONG].size == 8 ? (long)5000000000LL : 2000000000L));
        else
            EXPECT(g_loss_ld == precise_value(writer->ldouble));
        return;
    }
    EXPECT(rc < 0 && err.code == MT_ELOSS);
    const char *want = is_long ? "precision loss in struct record member l (global g_loss_long)"
                               : "precision loss in long double (global g_loss_ld)";
    EXPECT(rc < 0 && strcmp(err.msg, want) == 0);
    if (rc < 0 && strcmp(err.msg, want) != 0)
        printf("  message: %s\n", err.msg);
    EXPECT(mt_load(path, MT_LOAD_LOSSY, &err) == 0);  /* opting in narrows */
    if (is_long)
        EXPECT(g_loss_long.l == 705032704L);           /* 5000000000 mod 2^32 */
    else
        EXPECT(g_loss_ld >= 1 && g_loss_ld - 1 < halvings(50));
}

/* ---- main -------------------------------------------------------------------------------- */

static int usage(void)
{
    fprintf(stderr, "usage: matrix gen|check state|long|ldouble FILE\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return usage();
    const char *mode = argv[1], *kind = argv[2], *path = argv[3];
    int state = strcmp(kind, "state") == 0;
    if (!state && strcmp(kind, "long") != 0 && strcmp(kind, "ldouble") != 0)
        return usage();
    mt_set_program_id(0x6d6174726978ull);  /* "matrix" */
    define_types();
    if (state)
        register_state();
    else
        register_loss(kind);
    mt_error err;
    if (strcmp(mode, "gen") == 0) {
        if (state)
            build_state();
        g_loss_long.l = sizeof(long) == 8 ? (long)5000000000LL : 2000000000L;
        g_loss_ld = precise_value(arch_local()->ldouble);
        if (mt_save(path, &err) < 0)
            die("saving", &err);
        return 0;
    }
    if (strcmp(mode, "check") != 0)
        return usage();
    ck_image *img = restore_read_file(path, &err);
    if (!img)
        die(path, &err);
    mt_arch writer = img->arch;
    ck_image_free(img);
    if (state) {
        if (mt_load(path, 0, &err) < 0)
            die(path, &err);
        verify_state(&writer);
        verify_specials();
        verify_heap_and_pointers();
    } else {
        check_loss(kind, path, &writer);
    }
    if (failures)
        printf("matrix check %s %s: %d mismatches\n", kind, path, failures);
    return failures ? 1 : 0;
}
