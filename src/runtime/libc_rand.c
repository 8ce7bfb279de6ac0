/* libc_rand.c: the C library's random number generators, kept by the runtime.
 *
 * glibc keeps the state of rand/random and of the drand48 family inside
 * itself, where no checkpoint can read it on one ABI and write it on
 * another. mtcc points the program's calls here instead: the same
 * algorithms, so the same numbers as glibc's, with their state in a
 * registered global of a described type, saved and converted like any
 * global. The definitions followed are the published ones: random() is
 * the additive lagged Fibonacci generator of BSD random(3) (glibc's
 * TYPE_0 to TYPE_4; rand is random), the drand48 family is the 48-bit
 * linear congruential generator of POSIX drand48(3). */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "ckpt.h"
#include "error.h"
#include "libc_state.h"
#include "migthread-gen.h"

/* ---- random() and rand() -------------------------------------------------------------- */

/* The shapes of the generator, by the size of the state a program hands
 * initstate: degree (the longer lag) and separation (the lags' difference).
 * TYPE_0 is a plain linear congruential generator. */
enum { RAND_TYPES = 5, RAND_DEG_MAX = 63, RAND_DEFAULT_TYPE = 3 };
static const int rand_deg[RAND_TYPES] = { 0, 7, 15, 31, 63 };
static const int rand_sep[RAND_TYPES] = { 0, 3, 1, 3, 1 };
static const unsigned rand_min_bytes[RAND_TYPES] = { 8, 32, 64, 128, 256 };

/* Lehmer's minimal standard multiplier and modulus (2^31 - 1), with
 * Schrage's factorisation (m = a * q + r), which fills the lagged table. */
enum { LEHMER_A = 16807, LEHMER_Q = 127773, LEHMER_R = 2836 };
#define LEHMER_M 2147483647
/* TYPE_0's congruence. */
#define LCG31_A 1103515245u
#define LCG31_C 12345u
/* Outputs discarded after seeding, per word of state. */
enum { RAND_WARMUP = 10 };
/* States initstate handed out that setstate can return to. */
enum { RAND_PARKED = 8 };

/* One generator: its shape, its two positions and its words. */
typedef struct lr_gen {
    int32_t type;
    int32_t front;   /* the index the next output is added into */
    int32_t rear;    /* the index added to it */
    int32_t word[RAND_DEG_MAX];
} lr_gen;

/* A generator set aside by initstate or setstate, found again by the
 * buffer the program named it by (a pointer: it translates). */
typedef struct lr_parked {
    char *buf;
    lr_gen gen;
} lr_parked;

/* The drand48 family: X, the multiplier a and the addend c of
 * X' = (a X + c) mod 2^48; seed48's copy of the previous X, whose address
 * it returns. */
typedef struct lr_lcg48 {
    uint64_t x, a, c;
    unsigned short old_x[3];
    int32_t ready;   /* a and c hold their defaults or lcong48's */
} lr_lcg48;

/* Everything, in the one registered global. */
typedef struct lr_state {
    int32_t seeded;          /* 0: random() behaves as after srandom(1) */
    lr_gen cur;
    char *cur_buf;           /* the buffer the current generator came from, NULL: the default */
    char default_tag[8];     /* what initstate returns for the default generator */
    lr_parked parked[RAND_PARKED];
    lr_lcg48 lcg;
} lr_state;

static lr_state st;

/* glibc's generators are safe to call from several threads: so are these.
 * A spin lock rather than a mutex: it is held for the few dozen
 * instructions of one step, and an uncontended mutex's lock and unlock
 * cost more than that (em3d, which calls drand48 in its inner loop, ran
 * 77 million instructions of pthread_mutex_lock and unlock, 20% of the
 * plain build's whole run). A waiter yields the core. */
static int lock;

static void rand_lock(void)
{
    while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
        sched_yield();
}

static void rand_unlock(void)
{
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

#define LCG48_A 0x5DEECE66Dull
#define LCG48_C 0xBull
#define LCG48_MASK ((1ull << 48) - 1)
#define LCG48_SRAND_LOW 0x330Eu
enum { LCG48_BITS = 48 };

static void gen_seed(lr_gen *g, int type, uint32_t seed);

static int32_t gen_next(lr_gen *g)
{
    if (g->type == 0) {
        uint32_t v = ((uint32_t)g->word[0] * LCG31_A + LCG31_C) & 0x7fffffffu;
        g->word[0] = (int32_t)v;
        return (int32_t)v;
    }
    int deg = rand_deg[g->type];
    uint32_t v = (uint32_t)g->word[g->front] + (uint32_t)g->word[g->rear];
    g->word[g->front] = (int32_t)v;
    if (++g->front >= deg)
        g->front = 0;
    if (++g->rear >= deg)
        g->rear = 0;
    return (int32_t)(v >> 1);
}

static void gen_seed(lr_gen *g, int type, uint32_t seed)
{
    memset(g, 0, sizeof *g);
    g->type = type;
    if (seed == 0)
        seed = 1;
    g->word[0] = (int32_t)seed;
    if (type == 0)
        return;
    int deg = rand_deg[type];
    for (int i = 1; i < deg; i++) {
        /* word[i] = LEHMER_A * word[i-1] mod LEHMER_M, without overflow */
        int64_t prev = g->word[i - 1];
        int64_t hi = prev / LEHMER_Q, lo = prev % LEHMER_Q;
        int64_t w = LEHMER_A * lo - LEHMER_R * hi;
        if (w < 0)
            w += LEHMER_M;
        g->word[i] = (int32_t)w;
    }
    g->front = rand_sep[type];
    g->rear = 0;
    for (int i = 0; i < RAND_WARMUP * deg; i++)
        (void)gen_next(g);
}

static lr_gen *current(void)
{
    if (!st.seeded) {
        gen_seed(&st.cur, RAND_DEFAULT_TYPE, 1);
        st.seeded = 1;
    }
    return &st.cur;
}

long mt_random(void)
{
    rand_lock();
    long v = gen_next(current());
    rand_unlock();
    return v;
}

int mt_rand(void) { return (int)mt_random(); }

void mt_srandom(unsigned seed)
{
    rand_lock();
    int type = st.seeded ? st.cur.type : RAND_DEFAULT_TYPE;
    gen_seed(&st.cur, type, seed);
    st.seeded = 1;
    rand_unlock();
}

void mt_srand(unsigned seed) { mt_srandom(seed); }

/* ---- initstate and setstate ------------------------------------------------------------------ */

/* The buffer a generator is known by: the program's, or the tag of the
 * default one. */
static char *name_of_current(void)
{
    return st.cur_buf ? st.cur_buf : st.default_tag;
}

static lr_parked *parked_for(const char *buf)
{
    for (int i = 0; i < RAND_PARKED; i++)
        if (st.parked[i].buf == buf)
            return &st.parked[i];
    return NULL;
}

/* Sets the current generator aside under its name; 0, or -1 when every
 * place is taken (the program juggles more states than the runtime keeps). */
static int park_current(void)
{
    char *name = name_of_current();
    lr_parked *p = parked_for(name);
    if (!p)
        p = parked_for(NULL);
    if (!p)
        return -1;
    p->buf = name;
    p->gen = *current();
    return 0;
}

static _Noreturn void too_many_states(void)
{
    mt_error err;
    mt_fail(&err, MT_EUSAGE, "initstate: the program uses more than %d random() states at once, which MigThread does not keep", RAND_PARKED - 1);
    mt_die(&err);
}

static char *initstate_locked(unsigned seed, char *buf, size_t n)
{
    if (!buf || n < rand_min_bytes[0]) {
        errno = EINVAL;
        return NULL;
    }
    int type = 0;
    while (type + 1 < RAND_TYPES && n >= rand_min_bytes[type + 1])
        type++;
    char *old = name_of_current();
    if (park_current() < 0)
        too_many_states();
    lr_parked *mine = parked_for(buf);
    if (mine)
        mine->buf = NULL;   /* its old contents are gone */
    gen_seed(&st.cur, type, seed);
    st.cur_buf = buf == st.default_tag ? NULL : buf;
    st.seeded = 1;
    return old;
}

static char *setstate_locked(char *buf)
{
    if (buf && buf == name_of_current())
        return buf;  /* the generator in use already */
    lr_parked *p = buf ? parked_for(buf) : NULL;
    if (!p) {
        /* a state glibc's layout would be read from: not one of ours */
        errno = EINVAL;
        return NULL;
    }
    char *old = name_of_current();
    lr_gen next = p->gen;
    p->buf = NULL;
    if (park_current() < 0)
        too_many_states();
    st.cur = next;
    st.cur_buf = buf == st.default_tag ? NULL : buf;
    st.seeded = 1;
    return old;
}

char *mt_initstate(unsigned seed, char *buf, size_t n)
{
    rand_lock();
    char *old = initstate_locked(seed, buf, n);
    rand_unlock();
    return old;
}

char *mt_setstate(char *buf)
{
    rand_lock();
    char *old = setstate_locked(buf);
    rand_unlock();
    return old;
}

/* ---- The drand48 family ----------------------------------------------------------------------- */

static lr_lcg48 *lcg(void)
{
    if (!st.lcg.ready) {
        st.lcg.a = LCG48_A;
        st.lcg.c = LCG48_C;
        st.lcg.ready = 1;
    }
    return &st.lcg;
}

static uint64_t x_of(const unsigned short v[3])
{
    return (uint64_t)v[0] | (uint64_t)v[1] << 16 | (uint64_t)v[2] << 32;
}

static void x_to(uint64_t x, unsigned short v[3])
{
    v[0] = (unsigned short)(x & 0xffff);
    v[1] = (unsigned short)(x >> 16 & 0xffff);
    v[2] = (unsigned short)(x >> 32 & 0xffff);
}

static uint64_t step(uint64_t x)
{
    lr_lcg48 *g = lcg();
    return (g->a * x + g->c) & LCG48_MASK;
}

/* A caller's X (erand48 and kin) advanced in place: the new X. */
static uint64_t step_caller(unsigned short xsubi[3])
{
    rand_lock();
    uint64_t x = step(x_of(xsubi));
    rand_unlock();
    x_to(x, xsubi);
    return x;
}

static uint64_t step_own(void)
{
    rand_lock();
    lr_lcg48 *g = lcg();
    uint64_t x = g->x = step(g->x);
    rand_unlock();
    return x;
}

/* X / 2^48: 48 bits, exact in a double. */
static double as_double(uint64_t x) { return (double)x / (double)(1ull << LCG48_BITS); }
/* The high 31 bits, non-negative. */
static long as_nonneg(uint64_t x) { return (long)(x >> 17); }
/* The high 32 bits as a signed 32-bit number. */
static long as_signed(uint64_t x) { return (long)(int32_t)(uint32_t)(x >> 16); }

double mt_drand48(void) { return as_double(step_own()); }
double mt_erand48(unsigned short xsubi[3]) { return as_double(step_caller(xsubi)); }
long mt_lrand48(void) { return as_nonneg(step_own()); }
long mt_nrand48(unsigned short xsubi[3]) { return as_nonneg(step_caller(xsubi)); }
long mt_mrand48(void) { return as_signed(step_own()); }
long mt_jrand48(unsigned short xsubi[3]) { return as_signed(step_caller(xsubi)); }

void mt_srand48(long seed)
{
    rand_lock();
    lr_lcg48 *g = &st.lcg;
    g->x = ((uint64_t)(uint32_t)seed << 16) | LCG48_SRAND_LOW;
    g->a = LCG48_A;
    g->c = LCG48_C;
    g->ready = 1;
    rand_unlock();
}

unsigned short *mt_seed48(unsigned short seed16v[3])
{
    rand_lock();
    lr_lcg48 *g = lcg();
    x_to(g->x, g->old_x);
    g->x = x_of(seed16v);
    g->a = LCG48_A;
    g->c = LCG48_C;
    rand_unlock();
    return g->old_x;
}

void mt_lcong48(unsigned short param[7])
{
    rand_lock();
    lr_lcg48 *g = &st.lcg;
    g->x = x_of(param);
    g->a = x_of(param + 3);
    g->c = param[6];
    g->ready = 1;
    rand_unlock();
}

/* ---- Registration ------------------------------------------------------------------------------ */

static const mt_type *gen_type(mt_error *err)
{
    mt_member m[] = {
        MT_MEMBER(lr_gen, type, MT_CLASS_SINT, 1),
        MT_MEMBER(lr_gen, front, MT_CLASS_SINT, 1),
        MT_MEMBER(lr_gen, rear, MT_CLASS_SINT, 1),
        MT_MEMBER(lr_gen, word, MT_CLASS_SINT, RAND_DEG_MAX),
    };
    return mt_type_define("<libc random generator>", sizeof(lr_gen), _Alignof(lr_gen), 0, m, 4, err);
}

int lc_rand_register(mt_error *err)
{
    const mt_type *gen = gen_type(err);
    if (!gen)
        return -1;
    mt_member pm[] = {
        MT_MEMBER(lr_parked, buf, MT_CLASS_PTR, 1),
        MT_MEMBER_OF(lr_parked, gen, MT_CLASS_STRUCT, 1, gen),
    };
    const mt_type *parked = mt_type_define("<libc random parked>", sizeof(lr_parked), _Alignof(lr_parked), 0, pm, 2, err);
    mt_member lm[] = {
        MT_MEMBER(lr_lcg48, x, MT_CLASS_UINT, 1),
        MT_MEMBER(lr_lcg48, a, MT_CLASS_UINT, 1),
        MT_MEMBER(lr_lcg48, c, MT_CLASS_UINT, 1),
        MT_MEMBER(lr_lcg48, old_x, MT_CLASS_UINT, 3),
        MT_MEMBER(lr_lcg48, ready, MT_CLASS_SINT, 1),
    };
    const mt_type *lcg48 = mt_type_define("<libc drand48 generator>", sizeof(lr_lcg48), _Alignof(lr_lcg48), 0, lm, 5, err);
    if (!parked || !lcg48)
        return -1;
    mt_member sm[] = {
        MT_MEMBER(lr_state, seeded, MT_CLASS_SINT, 1),
        MT_MEMBER_OF(lr_state, cur, MT_CLASS_STRUCT, 1, gen),
        MT_MEMBER(lr_state, cur_buf, MT_CLASS_PTR, 1),
        MT_MEMBER(lr_state, default_tag, MT_CLASS_BYTES, 8),
        MT_MEMBER_OF(lr_state, parked, MT_CLASS_STRUCT, RAND_PARKED, parked),
        MT_MEMBER_OF(lr_state, lcg, MT_CLASS_STRUCT, 1, lcg48),
    };
    const mt_type *t = mt_type_define("<libc random state>", sizeof(lr_state), _Alignof(lr_state), 0, sm, 6, err);
    return t ? mt_register_global(CK_NAME_RANDOM, &st, t, 1, err) : -1;
}
