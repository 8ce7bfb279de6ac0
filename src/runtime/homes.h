/* homes.h: homes for a restore's heap blocks that keep the writer's
 * address order. A program may compare two blocks' addresses (a tree or a
 * sorted array keyed by pointer); malloc promises no order, so a restore
 * asks here, in the writer's order, for each home above the last one. */
#ifndef MT_HOMES_H
#define MT_HOMES_H

#include <stddef.h>
#include <stdint.h>

/* A restore begins and ends (nested: the streamed reader's early
 * placement and the loader share one order). The last end frees what was
 * held back and gives malloc its settings back. */
void homes_begin(void);
void homes_end(void);

/* A home of size bytes (zeroed when zero is set), aligned to align (0:
 * malloc's; else a power of two), or NULL out of memory.
 * It lies above every home given since homes_begin or homes_floor unless
 * malloc gave nothing higher within a few tries: then it lies where
 * malloc put it (homes_gave_up says so), or, after homes_floor, there is
 * none (NULL). */
void *homes_alloc(size_t size, int zero, size_t align);

/* 1 when align is one homes_alloc takes: 0, or a power of two up to
 * HOMES_ALIGN_MAX. */
int homes_align_ok(uint64_t align);
#define HOMES_ALIGN_MAX ((uint64_t)1 << 20)

/* The next home goes above floor, or is NULL: the loader's repair of the
 * order (restore.c) rehomes the blocks after the last one in order. */
void homes_floor(const void *floor);

/* The next home goes below ceiling, each one after below the one before,
 * or is NULL: the loader's repair where malloc gives no rising addresses. */
void homes_ceiling(const void *ceiling);

/* 1 when malloc gave no higher (or lower) home within a few tries. */
int homes_gave_up(void);

/* Tests only (MIGTHREAD_FAULT=unordered-homes): until the next
 * homes_floor, homes are malloc's in whatever order it gives them. */
void homes_test_unordered(void);

#endif
