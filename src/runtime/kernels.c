/* kernels.c: the conversion loops (see kernels.h).
 *
 * Loads and stores go through memcpy, which compilers turn into single
 * unaligned moves; contiguous runs get their own loop so that the
 * compiler vectorizes them (this file is built with -O3). */
#include "kernels.h"

#include <string.h>

/* On x86-64 the contiguous swaps are also built for AVX2 and picked at
 * load time (an ifunc): the baseline ISA has no byte shuffle. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VECTOR_CLONES __attribute__((target_clones("default", "avx2")))
#else
#define VECTOR_CLONES
#endif

static inline uint16_t bswap16(uint16_t v) { return (uint16_t)((v >> 8) | (v << 8)); }

static inline uint32_t bswap32(uint32_t v)
{
#if defined(__GNUC__)
    return __builtin_bswap32(v);
#else
    return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
#endif
}

static inline uint64_t bswap64(uint64_t v)
{
#if defined(__GNUC__)
    return __builtin_bswap64(v);
#else
    return ((uint64_t)bswap32((uint32_t)v) << 32) | bswap32((uint32_t)(v >> 32));
#endif
}

/* Called with a constant len, this inlines into plain moves; the general
 * case calls memcpy per item. */
static inline void copy_items(uint8_t *dst, size_t dstep, const uint8_t *src, size_t sstep,
                              size_t n, size_t len)
{
    for (size_t i = 0; i < n; i++)
        memcpy(dst + i * dstep, src + i * sstep, len);
}

void k_copy(uint8_t *dst, size_t dstep, const uint8_t *src, size_t sstep, size_t n, size_t len)
{
    if (dstep == len && sstep == len) {
        memcpy(dst, src, n * len);
        return;
    }
    switch (len) {
    case 1: copy_items(dst, dstep, src, sstep, n, 1); break;
    case 2: copy_items(dst, dstep, src, sstep, n, 2); break;
    case 4: copy_items(dst, dstep, src, sstep, n, 4); break;
    case 8: copy_items(dst, dstep, src, sstep, n, 8); break;
    case 16: copy_items(dst, dstep, src, sstep, n, 16); break;
    default: copy_items(dst, dstep, src, sstep, n, len); break;
    }
}

void k_zero(uint8_t *dst, size_t dstep, size_t n, size_t len)
{
    if (len == 1) {
        for (size_t i = 0; i < n; i++)
            dst[i * dstep] = 0;
        return;
    }
    for (size_t i = 0; i < n; i++)
        memset(dst + i * dstep, 0, len);
}

VECTOR_CLONES
void k_swap2(uint8_t *dst, size_t dstep, const uint8_t *src, size_t sstep, size_t n)
{
    uint16_t v;
    if (dstep == 2 && sstep == 2) {
        for (size_t i = 0; i < n; i++) {
            memcpy(&v, src + 2 * i, 2);
            v = bswap16(v);
            memcpy(dst + 2 * i, &v, 2);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(&v, src + i * sstep, 2);
        v = bswap16(v);
        memcpy(dst + i * dstep, &v, 2);
    }
}

VECTOR_CLONES
void k_swap4(uint8_t *dst, size_t dstep, const uint8_t *src, size_t sstep, size_t n)
{
    uint32_t v;
    if (dstep == 4 && sstep == 4) {
        for (size_t i = 0; i < n; i++) {
            memcpy(&v, src + 4 * i, 4);
            v = bswap32(v);
            memcpy(dst + 4 * i, &v, 4);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(&v, src + i * sstep, 4);
        v = bswap32(v);
        memcpy(dst + i * dstep, &v, 4);
    }
}

VECTOR_CLONES
void k_swap8(uint8_t *dst, size_t dstep, const uint8_t *src, size_t sstep, size_t n)
{
    uint64_t v;
    if (dstep == 8 && sstep == 8) {
        for (size_t i = 0; i < n; i++) {
            memcpy(&v, src + 8 * i, 8);
            v = bswap64(v);
            memcpy(dst + 8 * i, &v, 8);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(&v, src + i * sstep, 8);
        v = bswap64(v);
        memcpy(dst + i * dstep, &v, 8);
    }
}

void k_swap16(uint8_t *dst, size_t dstep, const uint8_t *src, size_t sstep, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t tmp[16];
        for (int b = 0; b < 16; b++)
            tmp[b] = src[i * sstep + 15 - b];
        memcpy(dst + i * dstep, tmp, 16);
    }
}

uint64_t k_load_uint(const uint8_t *p, unsigned size, int big)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned shift = 8 * (big ? size - 1 - i : i);
        v |= (uint64_t)p[i] << shift;
    }
    return v;
}

void k_store_uint(uint8_t *p, unsigned size, int big, uint64_t v)
{
    for (unsigned i = 0; i < size; i++) {
        unsigned shift = 8 * (big ? size - 1 - i : i);
        p[i] = (uint8_t)(v >> shift);
    }
}

/* Byte k of the window counted from its least significant end. */
static inline unsigned window_byte(const k_bits *w, unsigned k)
{
    return w->msb ? w->nbytes - 1u - k : k;
}

static inline uint64_t width_mask(unsigned width)
{
    return width >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << width) - 1;
}

/* The part of value v (already at the value's place, shifted by `shift`)
 * that falls into byte k of the window. */
static inline uint8_t byte_of(uint64_t v, unsigned k, unsigned shift)
{
    int at = 8 * (int)k - (int)shift;
    if (at < 0)
        return (uint8_t)(v << -at);
    return at < 64 ? (uint8_t)(v >> at) : 0;
}

uint64_t k_bits_load(const uint8_t *p, const k_bits *w)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < w->nbytes; k++) {
        int at = 8 * (int)k - (int)w->shift;
        uint64_t b = p[window_byte(w, k)];
        if (at < 0)
            v |= b >> -at;
        else if (at < 64)
            v |= b << at;
    }
    return v & width_mask(w->width);
}

void k_bits_store(uint8_t *p, const k_bits *w, uint64_t v)
{
    uint64_t mask = width_mask(w->width);
    v &= mask;
    for (unsigned k = 0; k < w->nbytes; k++) {
        uint8_t keep = (uint8_t)~byte_of(mask, k, w->shift);
        uint8_t *b = &p[window_byte(w, k)];
        *b = (uint8_t)((*b & keep) | byte_of(v, k, w->shift));
    }
}

static int local_big(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 0;
}

/* 1 when v, read as a value of ssize bytes (sign-extended when
 * is_signed), survives being stored in dsize bytes. */
static int int_fits(uint64_t v, unsigned dsize, int is_signed)
{
    if (dsize >= 8)
        return 1;
    unsigned bits = 8 * dsize;
    if (!is_signed)
        return (v >> bits) == 0;
    int64_t s = (int64_t)v;
    int64_t lo = -((int64_t)1 << (bits - 1)), hi = ((int64_t)1 << (bits - 1)) - 1;
    return s >= lo && s <= hi;
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
    if (size >= 8)
        return v;
    unsigned bits = 8 * size;
    uint64_t sign = (uint64_t)1 << (bits - 1);
    v &= (sign << 1) - 1;
    return (v ^ sign) - sign;
}

/* An unsigned integer of size 1, 2, 4 or 8 bytes in the local byte order
 * (swapped when swap), with one load. */
static inline uint64_t load_native(const uint8_t *p, unsigned size, int swap)
{
    uint16_t v2;
    uint32_t v4;
    uint64_t v8;
    switch (size) {
    case 1: return p[0];
    case 2: memcpy(&v2, p, 2); return swap ? bswap16(v2) : v2;
    case 4: memcpy(&v4, p, 4); return swap ? bswap32(v4) : v4;
    default: memcpy(&v8, p, 8); return swap ? bswap64(v8) : v8;
    }
}

static inline void store_native(uint8_t *p, unsigned size, uint64_t v)
{
    uint16_t v2 = (uint16_t)v;
    uint32_t v4 = (uint32_t)v;
    switch (size) {
    case 1: p[0] = (uint8_t)v; break;
    case 2: memcpy(p, &v2, 2); break;
    case 4: memcpy(p, &v4, 4); break;
    default: memcpy(p, &v, 8); break;
    }
}

static int power_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

/* k_int for sizes of 1, 2, 4 and 8 bytes: whole-word loads and stores
 * instead of a byte at a time (the values and the check are the same). */
static size_t int_words(uint8_t *dst, size_t dstep, unsigned dsize, const uint8_t *src, size_t sstep,
                        unsigned ssize, int swap, int is_signed, int lossy, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t v = load_native(src + i * sstep, ssize, swap);
        if (is_signed)
            v = sign_extend(v, ssize);
        if (dsize < ssize && !lossy && !int_fits(v, dsize, is_signed))
            return i;
        store_native(dst + i * dstep, dsize, v);
    }
    return n;
}

size_t k_int(uint8_t *dst, size_t dstep, unsigned dsize, const uint8_t *src, size_t sstep,
             unsigned ssize, int sbig, int is_signed, int lossy, size_t n)
{
    int dbig = local_big();
    if (power_size(ssize) && power_size(dsize))
        return int_words(dst, dstep, dsize, src, sstep, ssize, sbig != dbig, is_signed, lossy, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = k_load_uint(src + i * sstep, ssize, sbig);
        if (is_signed)
            v = sign_extend(v, ssize);
        if (dsize < ssize && !lossy && !int_fits(v, dsize, is_signed))
            return i;
        k_store_uint(dst + i * dstep, dsize, dbig, v);
    }
    return n;
}

/* ---- Whole-element shuffles ---------------------------------------------- */

/* Where the vectors of an element of size bytes start: one at 0 when it
 * fits a vector (the load or store runs past the element: only elements
 * with a whole vector left in the block take the vector path), else every
 * 16 bytes with the last one flush with the element's end. */
static uint8_t place_vectors(uint8_t *off, unsigned size)
{
    if (size <= K_SHUF_VEC) {
        off[0] = 0;
        return 1;
    }
    const unsigned vec = K_SHUF_VEC;
    unsigned nv = (size + vec - 1) / vec;
    for (unsigned v = 0; v < nv; v++)
        off[v] = (uint8_t)(v * vec + vec <= size ? v * vec : size - vec);
    return (uint8_t)nv;
}

static void shuffle_masks(k_shuffle *k)
{
    memset(k->mask, 0x80, sizeof k->mask);
    for (unsigned v = 0; v < k->nvec; v++)
        for (unsigned i = 0; i < K_SHUF_VEC && k->voff[v] + i < k->dsize; i++) {
            unsigned from = k->perm[k->voff[v] + i];
            if (from == K_SHUF_ZERO)
                continue;
            /* window v first: a layout kept then needs one window per vector */
            for (unsigned j = 0; j < k->nwin; j++) {
                unsigned w = (v + j) % k->nwin;
                if (from >= k->woff[w] && from - k->woff[w] < (unsigned)K_SHUF_VEC) {
                    k->mask[v][w][i] = (uint8_t)(from - k->woff[w]);
                    break;
                }
            }
        }
}

/* The shapes that get a loop of their own: elements of up to 32 bytes,
 * and those whose vectors each take from one window (the layout kept,
 * the byte order swapped); any other shape runs the general loop. */
#define SHUFFLE_CASES \
    do { \
        unsigned nw = k->nwin, nv = k->nvec; \
        if (k->diag && nv == 1) \
            SHUFFLE_LOOP(1, 1, 1); \
        else if (k->diag && nv == 2) \
            SHUFFLE_LOOP(2, 2, 1); \
        else if (k->diag && nv == 3) \
            SHUFFLE_LOOP(3, 3, 1); \
        else if (k->diag && nv == 4) \
            SHUFFLE_LOOP(4, 4, 1); \
        else if (nw == 2 && nv == 2) \
            SHUFFLE_LOOP(2, 2, 0); \
        else if (nw == 1 && nv == 2) \
            SHUFFLE_LOOP(1, 2, 0); \
        else if (nw == 2 && nv == 1) \
            SHUFFLE_LOOP(2, 1, 0); \
        else \
            SHUFFLE_LOOP(nw, nv, 0); \
    } while (0)

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_SHUFFLE 1

/* One element: nw windows loaded, nv vectors stored (with diag, vector v
 * takes bytes from window v only). Called with constants, it unrolls
 * completely and the offsets stay in registers. */
__attribute__((target("ssse3"), always_inline)) static inline void
shuffle_one(const __m128i m[K_SHUF_NV][K_SHUF_NV], const size_t *woff, const size_t *voff, uint8_t *d,
            const uint8_t *s, unsigned nw, unsigned nv, int diag)
{
    __m128i win[K_SHUF_NV] = { _mm_setzero_si128() };
    for (unsigned w = 0; w < nw; w++)
        win[w] = _mm_loadu_si128((const __m128i *)(s + woff[w]));
    for (unsigned v = 0; v < nv; v++) {
        __m128i acc = _mm_shuffle_epi8(win[diag ? v : 0], m[v][diag ? v : 0]);
        for (unsigned w = 1; !diag && w < nw; w++)
            acc = _mm_or_si128(acc, _mm_shuffle_epi8(win[w], m[v][w]));
        _mm_storeu_si128((__m128i *)(d + voff[v]), acc);
    }
}

#define SHUFFLE_LOOP(NW, NV, DIAG) \
    for (size_t i = 0; i < n; i++) \
        shuffle_one(m, woff, voff, dst + i * dsz, src + i * ssz, NW, NV, DIAG)

__attribute__((target("ssse3"))) static void shuffle_vec(const k_shuffle *k, uint8_t *dst,
                                                         const uint8_t *src, size_t n)
{
    __m128i m[K_SHUF_NV][K_SHUF_NV];
    size_t woff[K_SHUF_NV], voff[K_SHUF_NV];  /* copies: stores through dst may alias k */
    for (unsigned v = 0; v < K_SHUF_NV; v++) {
        woff[v] = k->woff[v];
        voff[v] = k->voff[v];
        for (unsigned w = 0; w < K_SHUF_NV; w++)
            m[v][w] = _mm_loadu_si128((const __m128i *)k->mask[v][w]);
    }
    size_t ssz = k->ssize, dsz = k->dsize;
    SHUFFLE_CASES;
}

static int shuffle_supported(void)
{
    return __builtin_cpu_supports("ssse3");
}
#elif defined(__aarch64__) && defined(__GNUC__)
#include <arm_neon.h>
#define HAVE_SHUFFLE 1

/* NEON's table lookup gives 0 for an index past the table, as 0x80
 * does for SSSE3: the same masks serve. */
__attribute__((always_inline)) static inline void
shuffle_one(const uint8x16_t m[K_SHUF_NV][K_SHUF_NV], const size_t *woff, const size_t *voff, uint8_t *d,
            const uint8_t *s, unsigned nw, unsigned nv, int diag)
{
    uint8x16_t win[K_SHUF_NV] = { vdupq_n_u8(0) };
    for (unsigned w = 0; w < nw; w++)
        win[w] = vld1q_u8(s + woff[w]);
    for (unsigned v = 0; v < nv; v++) {
        uint8x16_t acc = vqtbl1q_u8(win[diag ? v : 0], m[v][diag ? v : 0]);
        for (unsigned w = 1; !diag && w < nw; w++)
            acc = vorrq_u8(acc, vqtbl1q_u8(win[w], m[v][w]));
        vst1q_u8(d + voff[v], acc);
    }
}

#define SHUFFLE_LOOP(NW, NV, DIAG) \
    for (size_t i = 0; i < n; i++) \
        shuffle_one(m, woff, voff, dst + i * dsz, src + i * ssz, NW, NV, DIAG)

static void shuffle_vec(const k_shuffle *k, uint8_t *dst, const uint8_t *src, size_t n)
{
    uint8x16_t m[K_SHUF_NV][K_SHUF_NV];
    size_t woff[K_SHUF_NV], voff[K_SHUF_NV];  /* copies: stores through dst may alias k */
    for (unsigned v = 0; v < K_SHUF_NV; v++) {
        woff[v] = k->woff[v];
        voff[v] = k->voff[v];
        for (unsigned w = 0; w < K_SHUF_NV; w++)
            m[v][w] = vld1q_u8(k->mask[v][w]);
    }
    size_t ssz = k->ssize, dsz = k->dsize;
    SHUFFLE_CASES;
}

static int shuffle_supported(void) { return 1; }  /* NEON is part of AArch64 */
#else
#define HAVE_SHUFFLE 0
static int shuffle_supported(void) { return 0; }
static void shuffle_vec(const k_shuffle *k, uint8_t *dst, const uint8_t *src, size_t n)
{
    (void)k, (void)dst, (void)src, (void)n;
}
#endif

int k_shuffle_init(k_shuffle *k)
{
    if (k->ssize == 0 || k->dsize == 0 || k->ssize > K_SHUF_MAX || k->dsize > K_SHUF_MAX)
        return 0;
    k->nwin = place_vectors(k->woff, k->ssize);
    k->nvec = place_vectors(k->voff, k->dsize);
    shuffle_masks(k);
    k->diag = k->nwin == k->nvec;
    static const uint8_t none[K_SHUF_VEC] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                              0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80 };
    for (unsigned v = 0; v < k->nvec; v++)
        for (unsigned w = 0; w < k->nwin; w++)
            if (v != w && memcmp(k->mask[v][w], none, K_SHUF_VEC) != 0)
                k->diag = 0;
    return HAVE_SHUFFLE && shuffle_supported();
}

/* Elements at the end of the block without a whole vector after their
 * start (small elements only) go byte by byte. */
static void shuffle_bytes(const k_shuffle *k, uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t e = 0; e < n; e++, dst += k->dsize, src += k->ssize)
        for (unsigned i = 0; i < k->dsize; i++)
            dst[i] = k->perm[i] == K_SHUF_ZERO ? 0 : src[k->perm[i]];
}

void k_shuffle_run(const k_shuffle *k, uint8_t *dst, const uint8_t *src, size_t n)
{
    unsigned small = k->ssize < k->dsize ? k->ssize : k->dsize;
    size_t tail = small >= K_SHUF_VEC ? 0 : (K_SHUF_VEC + small - 1) / small;
    size_t nvec = n > tail ? n - tail : 0;
    shuffle_vec(k, dst, src, nvec);
    shuffle_bytes(k, dst + nvec * k->dsize, src + nvec * k->ssize, n - nvec);
}
