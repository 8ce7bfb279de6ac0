/* merged.c: static functions written together that call each other only in
 * tail position, which mtcc makes one function with a switch on which of
 * them runs (src/mtcc/merge.c): parameters of other names and types in
 * each (a struct, a pointer, a double), a parameter named like a global
 * another member reads, a member called through a pointer and from main,
 * a switch in a member, members written by a macro, a member that could
 * fall off its end; and groups left apart (a member with a label, one
 * called not in tail position, void members). Checkpoints land inside. */
#include <stdio.h>
#include <stdlib.h>

struct vec { long x, y; };
static long total;   /* a global that another member's parameter is named after */

/* a walk in the plane: each state moves one way, then hands over */
static long east(struct vec v, int steps);
static long north(const char *path, long total, struct vec at, int steps);
static long west(double scale, struct vec v, int steps);
static long east(struct vec v, int steps)
{
    if (steps <= 0)
        return v.x * 1000 + v.y + total;
    v.x += 1;
    return steps % 7 == 0 ? north("nnn", v.x + v.y, v, steps - 1) : east(v, steps - 1);
}
static long north(const char *path, long total, struct vec at, int steps)
{
    at.y += *path == 'n' ? 2 : 1;
    if (path[1])
        return north(path + 1, total + at.y, at, steps);
    return west(0.5, at, steps - (int)(total % 3));
}
static long west(double scale, struct vec v, int steps)
{
    switch (steps % 4) {
    case 0:
        v.x -= 1;
        break;
    case 1:
        v.y -= (long)(scale * 2);
        break;
    default:
        v.x += 0;
    }
    if (steps <= 0)
        return v.x - v.y;
    return east(v, steps - 1);
}

/* by a macro, with a value that could fall off the end */
#define PING(name, other, mul) \
    static unsigned name(unsigned n, unsigned acc) { if (n == 0) return acc; else if (n > 0) return other(n - 1, acc * (mul) + n); }
static unsigned pong(unsigned n, unsigned acc);
PING(ping, pong, 3u)
PING(pong, ping, 5u)

/* not merged: a label in one member */
static int odd_l(int n);
static int even_l(int n)
{
    if (n == 0)
        return 1;
again:
    if (n > 1000000) {
        n -= 2;
        goto again;
    }
    return odd_l(n - 1);
}
static int odd_l(int n) { return n == 0 ? 0 : even_l(n - 1); }

/* not merged: a call between them not in tail position */
static long up(long n);
static long down(long n) { return n <= 0 ? 0 : up(n - 1); }
static long up(long n) { return n <= 0 ? 1 : 1 + down(n - 1) % 1000; }

int main(void)
{
    long (*walk)(struct vec, int) = east;
    long long acc = 0;
    for (int r = 0; r < 30; r++) {
        struct vec v = { r, -r };
        total = r;
        acc += walk(v, 30000 + r);
        acc += north("nxn", r, v, 100 + r);
        acc += (long long)ping(40000u + (unsigned)r, 1u);
        acc += even_l(20001 + r);
        acc += up(3000 + r);
        printf("round %d: %lld\n", r, acc);
    }
    return 0;
}
