/* kernels.h: the tight loops of conversion, one per slot operation.
 *
 * Each converts n items, reading src every sstep bytes and writing dst
 * every dstep bytes. They are in a file of their own so that it can be
 * compiled for vectorization without affecting the rest of the runtime. */
#ifndef MT_KERNELS_H
#define MT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

void k_copy(uint8_t *dst, size_t dstep, const uint8_t *src, size_t sstep, size_t n, size_t len);
void k_swap2(uint8_t *dst, size_t dstep, const uint8_t *src, size_t sstep, size_t n);
void k_swap4(uint8_t *dst, size_t dstep, const uint8_t *src, size_t sstep, size_t n);
void k_swap8(uint8_t *dst, size_t dstep, const uint8_t *src, size_t sstep, size_t n);
void k_swap16(uint8_t *dst, size_t dstep, const uint8_t *src, size_t sstep, size_t n);
void k_zero(uint8_t *dst, size_t dstep, size_t n, size_t len);

/* Loads an unsigned integer of size bytes stored in the given byte order
 * (big = 1), and stores one. */
uint64_t k_load_uint(const uint8_t *p, unsigned size, int big);
void k_store_uint(uint8_t *p, unsigned size, int big, uint64_t v);

/* Where a bit-field's value lies in its bytes: read the nbytes bytes as
 * one unsigned integer (little-endian, or big-endian when msb is set); the
 * value is its bits [shift, shift + width). nbytes is at most 9. */
typedef struct k_bits {
    uint8_t nbytes, shift, width, msb;
} k_bits;

/* The value's width bits, zero-extended. */
uint64_t k_bits_load(const uint8_t *p, const k_bits *w);
/* Replaces the value's bits with the low width bits of v; the other bits
 * of the bytes stay. */
void k_bits_store(uint8_t *p, const k_bits *w, uint64_t v);

/* Integer resizing. Returns the index of the first item whose value does
 * not fit (when lossy is 0; that item is not written), or n. */
size_t k_int(uint8_t *dst, size_t dstep, unsigned dsize, const uint8_t *src, size_t sstep,
             unsigned ssize, int sbig, int is_signed, int lossy, size_t n);

/* A whole-element byte shuffle: a struct whose conversion only copies,
 * byte-swaps and zeroes (no value checks, no pointers) maps each reader
 * byte to one writer byte or to zero. Run with vector byte shuffles, an
 * element costs a few instructions instead of one pass per member. */
enum { K_SHUF_MAX = 64, K_SHUF_VEC = 16, K_SHUF_NV = K_SHUF_MAX / K_SHUF_VEC, K_SHUF_ZERO = 0xff };

typedef struct k_shuffle {
    uint8_t ssize, dsize;              /* element sizes, each at most K_SHUF_MAX */
    uint8_t nwin, nvec;                /* source windows loaded, destination vectors stored */
    uint8_t diag;                      /* vector v takes bytes from window v only */
    uint8_t woff[K_SHUF_NV], voff[K_SHUF_NV];
    uint8_t perm[K_SHUF_MAX];          /* reader byte i is writer byte perm[i], or 0 (K_SHUF_ZERO) */
    uint8_t mask[K_SHUF_NV][K_SHUF_NV][K_SHUF_VEC]; /* [vector][window]: indices, 0x80 for none */
} k_shuffle;

/* Fills the windows and masks from ssize, dsize and perm; returns 1 when
 * this machine has the vector shuffle that k_shuffle_run needs, else 0
 * (the caller keeps its per-member path). */
int k_shuffle_init(k_shuffle *k);
/* Converts n elements. */
void k_shuffle_run(const k_shuffle *k, uint8_t *dst, const uint8_t *src, size_t n);

#endif
