/* test_homes.c: homes.c's promise, on the ABI the test runs on: homes
 * rise in the order they are asked for, through holes that freed chunks
 * leave below (small ones in glibc's caches, a large freed buffer) and
 * across the mmap threshold; each has the alignment asked; after
 * homes_floor none lies at or below the floor; after homes_ceiling each
 * lies below the one before or there is none; nesting shares one order;
 * the alignments a checkpoint may carry are checked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "homes.h"

enum { NSMALL = 400, NHOLES = 200, LARGE = 300 * 1024 };

/* AddressSanitizer's allocator is not glibc's: it gives no order at all,
 * so only what does not depend on it is checked there. */
#ifdef __SANITIZE_ADDRESS__
#define GLIBC_MALLOC 0
#else
#define GLIBC_MALLOC 1
#endif

static void *small_holes[NHOLES];

/* Small chunks made and freed every other one: holes below the top. */
static void make_holes(void)
{
    void *keep[NHOLES];
    for (int i = 0; i < NHOLES; i++) {
        small_holes[i] = malloc(24 + (size_t)(i % 3) * 16);
        keep[i] = malloc(40);
    }
    for (int i = 0; i < NHOLES; i++)
        free(small_holes[i]);
    for (int i = 0; i < NHOLES; i++)
        free(keep[i]);
}

static void test_rising(void)
{
    void *homes[NSMALL + 4];
    int n = 0, rising = 1, zeroed = 1;
    homes_begin();
    make_holes();
    void *buffer = malloc(LARGE);  /* a reader's buffer, freed mid-way */
    for (int i = 0; i < NSMALL; i++) {
        unsigned char *h = homes_alloc(24 + (size_t)(i % 5) * 8, 1, 0);
        CHECK(h != NULL);
        for (int k = 0; h && k < 24; k++)
            zeroed &= h[k] == 0;
        homes[n++] = h;
        if (i == NSMALL / 2) {
            free(buffer);
            homes[n++] = homes_alloc(LARGE, 0, 0);  /* above the threshold: no mapping */
            homes[n++] = homes_alloc(LARGE, 0, 0);
        }
    }
    for (int i = 1; i < n; i++)
        rising &= (uintptr_t)homes[i] > (uintptr_t)homes[i - 1];
    CHECK(rising || !GLIBC_MALLOC);
    CHECK(zeroed);
    CHECK(!homes_gave_up() || !GLIBC_MALLOC);
    homes_end();
    for (int i = 0; i < n; i++)
        free(homes[i]);
}

static void test_aligned(void)
{
    homes_begin();
    void *prev = homes_alloc(16, 0, 0);
    int ok = prev != NULL;
    for (size_t align = 32; align <= 8192; align *= 2) {
        unsigned char *h = homes_alloc(align + 8, 1, align);
        ok &= h && (uintptr_t)h % align == 0 && ((uintptr_t)h > (uintptr_t)prev || !GLIBC_MALLOC) && h[align + 7] == 0;
        free(prev);
        prev = h;
    }
    free(prev);
    CHECK(ok);
    homes_end();
    CHECK(homes_align_ok(0) && homes_align_ok(1) && homes_align_ok(64) && homes_align_ok(HOMES_ALIGN_MAX));
    CHECK(!homes_align_ok(3) && !homes_align_ok(96) && !homes_align_ok(HOMES_ALIGN_MAX * 2) &&
          !homes_align_ok(UINT64_MAX));
}

static void test_floor_and_nesting(void)
{
    homes_begin();
    void *a = homes_alloc(64, 0, 0);
    homes_begin();  /* the loader inside the streamed reader: one order */
    void *b = homes_alloc(64, 0, 0);
    homes_end();
    void *c = homes_alloc(64, 0, 0);
    CHECK(a && b && c && ((uintptr_t)b > (uintptr_t)a || !GLIBC_MALLOC) && ((uintptr_t)c > (uintptr_t)b || !GLIBC_MALLOC));
    void *top = malloc(64);
    homes_floor(top);
    void *d = homes_alloc(64, 0, 0);
    CHECK(d == NULL || (uintptr_t)d > (uintptr_t)top);
    homes_end();
    free(a), free(b), free(c), free(d), free(top);
}

static void test_ceiling(void)
{
    homes_begin();
    homes_ceiling((const void *)UINTPTR_MAX);
    void *prev = NULL;
    int ok = 1;
    for (int i = 0; i < 8; i++) {
        void *h = homes_alloc(4096, 0, 0);
        ok &= h == NULL || prev == NULL || (uintptr_t)h < (uintptr_t)prev;  /* below, or none */
        free(prev);
        prev = h;
        if (!h)
            break;
    }
    free(prev);
    CHECK(ok);
    homes_end();
}

static void test_unordered(void)
{
    homes_begin();
    homes_test_unordered();
    void *a = homes_alloc(32, 1, 0);
    CHECK(a != NULL && !homes_gave_up());
    homes_floor(a);  /* ordered again from here */
    void *b = homes_alloc(32, 1, 0);
    CHECK(b == NULL || (uintptr_t)b > (uintptr_t)a);
    homes_end();
    free(a), free(b);
}

int main(void)
{
    test_rising();
    test_aligned();
    test_floor_and_nesting();
    test_ceiling();
    test_unordered();
    return check_done("homes");
}
