/* packed_member.c: pointers that hold the addresses of members a packed
 * struct places below their types' alignment, read and written in every
 * shape (csmith seed 1962): a global pointer the program never changes (gcc
 * folds it into the member in a plain build; mtcc's registered global is
 * loaded), 64-bit integers, doubles and floats, a struct member and its own
 * members, an array member decayed and through a pointer to the array,
 * arrays of packed structs, a pointer member, a record known only by its
 * typedef name, pointers passed to functions, struct copies. On armhf,
 * ldrd/ldm/VFP loads of such an address die of SIGBUS under qemu-arm:
 * mtcc's build did at the first `*g_wide`. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

struct inner {
    int64_t x;
    double y;
};

typedef struct {  /* a record known only by its typedef name */
    int64_t a;
    double b;
} anon_t;

#pragma pack(push)
#pragma pack(1)
struct P {
    uint32_t f0;
    int8_t f1;
    volatile uint64_t wide;
    double d;
    float fl;
    struct inner in;
    int64_t arr[3];
    int32_t *ptr;
    uint8_t tag;
    anon_t an;
};
struct Q {
    int8_t pad;
    struct P p;  /* a packed struct nested at an odd offset */
};
#pragma pack(pop)

static int32_t g_target = 5;
static struct P g = { 1, 2, 0x1122334455667788ULL, 2.5, 0.75f, { 7, 1.5 }, { 4, 5, 6 }, &g_target, 9, { 11, 0.5 } };
static struct Q g_q[3];
static volatile uint64_t *g_wide = &g.wide;  /* never written: gcc folds it, mtcc loads it */
static double *g_d = &g.d;
static struct inner *g_in = &g.in;
static int64_t (*g_arr)[3] = &g.arr;
static int32_t **g_pp = &g.ptr;
static anon_t *g_an = &g.an;
static uint64_t g_sum;

static void add(uint64_t v)
{
    g_sum = g_sum * 1000003u + v;
}

static __attribute__((noinline)) void bump64(int64_t *p, int64_t by)
{
    *p += by;
}

static __attribute__((noinline)) double scale(double *d, float *f)
{
    *d = *d * 0.5 + *f;  /* values stay small: conversions to integers exact everywhere */
    *f = *f + 0.25f;
    return *d;
}

static __attribute__((noinline)) struct inner copy_inner(const struct inner *in)
{
    return *in;
}

static void step(int k)
{
    *g_wide += (uint64_t)k;
    add(*g_wide);
    *g_d = *g_d * 0.5 + k;
    add((uint64_t)(int64_t)(*g_d * 4));
    g_in->x += k;
    g_in->y = g_in->y * 0.75 + 1;
    add((uint64_t)g_in->x + (uint64_t)(int64_t)g_in->y);
    bump64(&g_in->x, 3);
    bump64(&(*g_arr)[k % 3], k);
    int64_t *a = g.arr;  /* an array member decayed */
    a[(k + 1) % 3] ^= (int64_t)k << 33;
    add((uint64_t)a[0] + (uint64_t)a[1] + (uint64_t)a[2]);
    **g_pp += k;
    add((uint64_t)**g_pp);
    add((uint64_t)(int64_t)scale(&g.d, &g.fl));
    struct P *e = &g_q[k % 3].p;
    volatile uint64_t *ew = &e->wide;
    *ew = *ew * 3 + (uint64_t)k;
    bump64(&e->in.x, k + 1);
    double *ed = &g_q[(k + 1) % 3].p.in.y;
    *ed = *ed * 0.5 + 0.5;
    struct inner c = copy_inner(&e->in);
    add((uint64_t)c.x + (uint64_t)(int64_t)(c.y * 2) + *ew);
    g_an->a += k;
    g_an->b = g_an->b * 0.5 + 1;
    add((uint64_t)g_an->a + (uint64_t)(int64_t)(g_an->b * 8));
}

int main(void)
{
    for (int k = 0; k < 400; k++)
        step(k);
    printf("sum %" PRIu64 " wide %" PRIu64 " d %.3f fl %.2f in %" PRId64 " %.3f arr %" PRId64 " %" PRId64 " %" PRId64
           " target %" PRId32 " an %" PRId64 "\n",
           g_sum, (uint64_t)g.wide, g.d, (double)g.fl, g.in.x, g.in.y, g.arr[0], g.arr[1], g.arr[2], g_target, g.an.a);
    for (int i = 0; i < 3; i++)
        printf("q%d %" PRIu64 " %" PRId64 " %.3f\n", i, (uint64_t)g_q[i].p.wide, g_q[i].p.in.x, g_q[i].p.in.y);
    return 0;
}
