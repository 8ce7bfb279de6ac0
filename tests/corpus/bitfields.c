/* bitfields.c: bit-fields of every shape, converted value by value: a
 * struct without a tag, signed and unsigned long long fields of 1 to 63
 * bits at their extremes, unnamed padding fields and :0, a packed struct
 * whose field spans nine bytes, _Bool and enum fields, const members, an
 * array of structs, nested structs, heap blocks, and locals and a
 * parameter that are live across a checkpoint. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct { unsigned a:3, b:5, c:12; int d:7; } flags;

#define WIDTHS(X) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) \
    X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) \
    X(28) X(29) X(30) X(31) X(32) X(33) X(34) X(35) X(36) X(37) X(38) X(39) X(40) X(41) \
    X(42) X(43) X(44) X(45) X(46) X(47) X(48) X(49) X(50) X(51) X(52) X(53) X(54) X(55) \
    X(56) X(57) X(58) X(59) X(60) X(61) X(62) X(63)

struct wide {
#define FIELDS(n) long long s##n : n; unsigned long long u##n : n;
    WIDTHS(FIELDS)
};

struct pad {
    unsigned x : 5;
    unsigned : 0;      /* the next field starts a new unit */
    unsigned y : 7;
    unsigned : 3;      /* three bits of padding */
    int z : 9;
    char tail;
};

struct __attribute__((packed)) packed {
    char c;
    unsigned a : 4;
    unsigned long long b : 63;  /* from bit 12: nine bytes */
    short s : 9;
    bool t : 1;
};

enum color { RED, GREEN, BLUE, WHITE };

struct item {
    unsigned id : 10;
    int delta : 6;
    unsigned char tag;
    bool live : 1;
    enum color col : 2;
};

struct outer {
    short k;
    struct item it;
    struct pad p[2];
};

struct limits {
    const signed lo : 19;
    const volatile unsigned hi : 13;
    int n;
};

static struct wide wide;
static struct pad pads[3];
static struct packed packs[5];
static struct item items[64];
static struct outer outers[6];
static struct limits limits = { -200000, 8000, 0 };
static struct wide *heap_wide;
static struct item *heap_items;

static unsigned long long state = 0x9E3779B97F4A7C15ull;

static unsigned long long next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* A value of n bits: the extremes in the first rounds, then random ones. */
static unsigned long long raw(int n, int round)
{
    unsigned long long mask = n == 64 ? ~0ull : (1ull << n) - 1;
    if (round == 0)
        return mask;                 /* all ones: -1 signed, the maximum unsigned */
    if (round == 1)
        return 1ull << (n - 1);      /* the minimum signed */
    if (round == 2)
        return mask >> 1;            /* the maximum signed */
    return next() & mask;
}

static long long as_signed(unsigned long long r, int n)
{
    unsigned long long half = 1ull << (n - 1);
    return (long long)(r ^ half) - (long long)half;
}

static void fill_wide(struct wide *w, int round)
{
#define SET(n) w->s##n = as_signed(raw(n, round), n); w->u##n = raw(n, round + 1);
    WIDTHS(SET)
}

static unsigned long long hash_wide(const struct wide *w)
{
    unsigned long long h = 0;
#define MIX(n) h = h * 1000003 + (unsigned long long)w->s##n; h = h * 1000003 + w->u##n;
    WIDTHS(MIX)
    return h;
}

static void step_items(int round)
{
    for (int i = 0; i < 64; i++) {
        struct item *it = &items[i];
        it->id = (unsigned)(it->id + 37 * i + round) & 1023;
        it->delta = (int)(next() % 64) - 32;
        it->tag = (unsigned char)(it->tag + it->id);
        it->live = !it->live;
        it->col = (enum color)((it->col + 1) % 4);
    }
}

static unsigned long long hash_item(const struct item *it)
{
    return it->id * 131ull + (unsigned long long)(it->delta + 32) * 7 + it->tag + it->live * 3ull + it->col;
}

static void step_others(int round)
{
    flags.a = (unsigned)(round * 3) & 7;
    flags.b = (unsigned)(round * 5 + 17) & 31;
    flags.c = (unsigned)(3000 + round * 77) & 4095;
    flags.d = (round % 2 ? -20 : 20) - round % 40;
    for (int i = 0; i < 3; i++) {
        pads[i].x = (unsigned)(round + i) & 31;
        pads[i].y = (unsigned)(round * 9 + i) & 127;
        pads[i].z = -256 + (round * 13 + i) % 512;
        pads[i].tail = (char)('a' + (round + i) % 26);
    }
    for (int i = 0; i < 5; i++) {
        packs[i].c = (char)('A' + i);
        packs[i].a = (unsigned)(round + i) & 15;
        packs[i].b = raw(63, round + i);
        packs[i].s = (short)(-256 + (round * 31 + i) % 512);
        packs[i].t = (round + i) % 2;
    }
    for (int i = 0; i < 6; i++) {
        outers[i].k = (short)(round - i);
        outers[i].it = items[(round + i) % 64];
        outers[i].p[i % 2] = pads[i % 3];
    }
    limits.n += round;
}

static unsigned long long hash_others(void)
{
    unsigned long long h = flags.a + flags.b * 10ull + flags.c * 1000ull + (unsigned long long)(flags.d + 64) * 10000000ull;
    for (int i = 0; i < 3; i++)
        h = h * 31 + pads[i].x + pads[i].y * 32ull + (unsigned long long)(pads[i].z + 256) * 4096 + (unsigned char)pads[i].tail;
    for (int i = 0; i < 5; i++)
        h = h * 31 + (unsigned char)packs[i].c + packs[i].a + packs[i].b + (unsigned long long)(packs[i].s + 256) + packs[i].t;
    for (int i = 0; i < 6; i++)
        h = h * 31 + (unsigned long long)(outers[i].k + 100) + hash_item(&outers[i].it) + outers[i].p[0].y + outers[i].p[1].x +
            (unsigned long long)(outers[i].p[1].z + 256);
    return h * 31 + (unsigned long long)(limits.lo + 300000) + limits.hi + (unsigned long long)limits.n;
}

/* Recursion keeps the frames (with their bit-field parameter) on the
 * stack while the deepest one polls. */
static unsigned long long walk(int depth, struct item acc)
{
    if (depth == 0)
        return hash_item(&acc);
    acc.id = (acc.id * 3 + (unsigned)depth) & 1023;
    acc.delta = depth % 2 ? -depth : depth;
    unsigned long long below = walk(depth - 1, acc);
    return below * 7 + acc.id + (unsigned long long)(acc.delta + 32);
}

int main(void)
{
    heap_wide = malloc(3 * sizeof *heap_wide);
    heap_items = calloc(100, sizeof *heap_items);
    if (!heap_wide || !heap_items)
        return 1;
    struct item local = { 5, -7, 'q', true, BLUE };
    struct wide lw;
    fill_wide(&lw, 1);
    for (int round = 0; round < 30; round++) {
        fill_wide(&wide, round);
        for (int k = 0; k < 3; k++)
            fill_wide(&heap_wide[k], round + k + 1);
        step_items(round);
        step_others(round);
        for (int i = 0; i < 100; i++)
            heap_items[i] = items[(i * 7 + round) % 64];
        local.id = (local.id + 11) & 1023;
        local.delta = local.delta == 31 ? -32 : local.delta + 1;
        unsigned long long h = hash_wide(&wide) ^ hash_wide(&lw);
        for (int k = 0; k < 3; k++)
            h = h * 31 + hash_wide(&heap_wide[k]);
        unsigned long long hi = 0;
        for (int i = 0; i < 64; i++)
            hi = hi * 31 + hash_item(&items[i]);
        for (int i = 0; i < 100; i++)
            hi = hi * 31 + hash_item(&heap_items[i]);
        printf("round %d wide %llu items %llu others %llu local %llu walk %llu\n", round, h, hi, hash_others(),
               hash_item(&local), walk(8, local));
        if (round < 3)
            printf("  s1 %lld s33 %lld s63 %lld u1 %llu u40 %llu u63 %llu flags %u %u %u %d packed %llu\n",
                   (long long)wide.s1, (long long)wide.s33, (long long)wide.s63, (unsigned long long)wide.u1,
                   (unsigned long long)wide.u40, (unsigned long long)wide.u63, flags.a, flags.b, flags.c, flags.d,
                   (unsigned long long)packs[0].b);
    }
    free(heap_wide);
    free(heap_items);
    return 0;
}
