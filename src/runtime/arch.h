/* arch.h: the architecture descriptor, detected at run time.
 *
 * Everything the reader of a checkpoint needs to know about the writer's
 * data representation: byte order, sizes and alignments of the C scalar
 * types, plain char signedness and the long double format. Probed, never
 * looked up in a table of known platforms ("plug-and-play"). */
#ifndef MT_ARCH_H
#define MT_ARCH_H

#include <stddef.h>
#include <stdint.h>

enum { ARCH_LITTLE = 1, ARCH_BIG = 2 };

/* Indexes into mt_arch.scalar. */
enum arch_scalar {
    AS_CHAR, AS_SHORT, AS_INT, AS_LONG, AS_LLONG, AS_PTR, AS_FNPTR,
    AS_FLOAT, AS_DOUBLE, AS_LDOUBLE, AS_BOOL, AS_SIZE_T, AS_ENUM,
    AS_COUNT
};

/* All fields are bytes, so the struct has no padding: two descriptors
 * compare equal with one memcmp (the homogeneous fast path) and the
 * descriptor is written to a checkpoint as it is. */
typedef struct mt_arch {
    uint8_t version;      /* ARCH_VERSION: layout of this struct */
    uint8_t byte_order;   /* ARCH_LITTLE or ARCH_BIG */
    uint8_t char_signed;  /* 1 when plain char is signed */
    uint8_t ldouble;      /* enum ld_format of long double */
    uint8_t ldouble_digits; /* mantissa bits of long double (53, 64, 106, 113) */
    uint8_t reserved[3];  /* zero */
    struct { uint8_t size, align; } scalar[AS_COUNT];
} mt_arch;

#define ARCH_VERSION 1

/* The descriptor of the running ABI, probed once. */
const mt_arch *arch_local(void);

/* 1 when a and b describe the same representation. */
int arch_equal(const mt_arch *a, const mt_arch *b);

/* 1 when a and b place every scalar alike (sizes and alignments), so
 * that a sizeof or an offsetof is one number under both; long double is
 * compared only when with_ldouble is 1. Byte order does not matter. */
int arch_same_layout(const mt_arch *a, const mt_arch *b, int with_ldouble);

/* A short name for messages, e.g. "LE LP64 ld=x87" or a triple-like
 * "x86_64-like" guess; written into buf of cap bytes. */
const char *arch_describe(const mt_arch *a, char *buf, size_t cap);

/* Validates a descriptor read from a file: 0 when it is plausible (known
 * byte order and long double format, power-of-two sizes and alignments in
 * range), -1 otherwise. */
int arch_validate(const mt_arch *a);

#endif
