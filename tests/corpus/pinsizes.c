/* pinsizes.c: pinned records (arrays of pointers, whose address is taken)
 * of every size the runtime zeroes its own way, 16 to 64 bytes by stores
 * and larger by memset, and so many at once that they fill several chunks
 * of the shadow stack. Each function sets one slot of its array before its
 * call and scribbles over the whole array after it: the next record to
 * reuse that memory must start zeroed, or a checkpoint taken in the call
 * finds the scribble where a pointer should be. */
#include <stdio.h>
#include <string.h>

enum { DEPTH = 1500, ROUNDS = 12, SCRIBBLE = 0x5a };

static unsigned long long seeds[5] = { 3, 5, 7, 11, 13 };

static unsigned long long level(int depth, unsigned long long h);

static unsigned long long s16(int depth, unsigned long long h)
{
    unsigned long long *a[2];
    a[0] = &seeds[0];
    unsigned long long r = level(depth - 1, h * 31 + *a[0]);
    memset(a, SCRIBBLE, sizeof a);
    return r;
}

static unsigned long long s32(int depth, unsigned long long h)
{
    unsigned long long *a[4];
    a[0] = &seeds[1];
    unsigned long long r = s16(depth, h * 31 + *a[0]);
    memset(a, SCRIBBLE, sizeof a);
    return r;
}

static unsigned long long s48(int depth, unsigned long long h)
{
    unsigned long long *a[6];
    a[0] = &seeds[2];
    unsigned long long r = s32(depth, h * 31 + *a[0]);
    memset(a, SCRIBBLE, sizeof a);
    return r;
}

static unsigned long long s64(int depth, unsigned long long h)
{
    unsigned long long *a[8];
    a[0] = &seeds[3];
    unsigned long long r = s48(depth, h * 31 + *a[0]);
    memset(a, SCRIBBLE, sizeof a);
    return r;
}

static unsigned long long s200(int depth, unsigned long long h)
{
    unsigned long long *a[25];
    a[0] = &seeds[4];
    unsigned long long r = s64(depth, h * 31 + *a[0] + (unsigned long long)depth);
    memset(a, SCRIBBLE, sizeof a);
    return r;
}

static unsigned long long level(int depth, unsigned long long h)
{
    return depth <= 0 ? h : s200(depth, h);
}

int main(void)
{
    unsigned long long h = 7;
    for (int r = 0; r < ROUNDS; r++) {
        h = level(DEPTH - r * 100, h);  /* each round leaves records of another depth behind */
        printf("round %d: %llu\n", r, h);
    }
    return 0;
}
