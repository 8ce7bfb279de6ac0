/* ldouble.h: conversion between the long double formats of the supported ABIs. */
#ifndef MT_LDOUBLE_H
#define MT_LDOUBLE_H

#include <stddef.h>

enum ld_format {
    LD_BINARY64 = 1,     /* armhf: long double is IEEE double, 8 bytes */
    LD_X87 = 2,          /* x86: 80-bit extended with an explicit integer bit, in 12 or 16 bytes */
    LD_BINARY128 = 3,    /* aarch64, s390x: IEEE binary128, 16 bytes */
    LD_DOUBLEDOUBLE = 4  /* ppc: IBM double-double, two doubles hi then lo, 16 bytes */
};

/* Converts one value from src (src_size bytes in format sf, big-endian
 * when src_big) to dst. Returns 0 when the value was converted exactly
 * (NaN to NaN counts as exact), 1 when it cannot be represented exactly:
 * then dst is untouched unless lossy, in which case it receives the value
 * rounded to nearest, ties to even (overflow gives infinity). Returns -1
 * for an unknown format or a size that does not fit it. Padding bytes of
 * dst (x87 in 12 or 16 bytes) are written as zero. */
int ld_convert(void *dst, enum ld_format df, int dst_big, size_t dst_size,
               const void *src, enum ld_format sf, int src_big, size_t src_size, int lossy);

#endif
