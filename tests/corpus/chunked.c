/* chunked.c: functions calling themselves in tail position whose loop is
 * counted by a parameter, which mtcc cuts into chunks of 4096 turns
 * without the exit test and a polled turn (src/mtcc/tailchunk.c): every
 * form of the exit test (==, <=, <, !n, the bound on the left, an else
 * branch that leaves, a bound passed along unchanged), indices going down
 * and up, signed and unsigned, an index that has passed its bound (the
 * recursion ends another way), a switch before the test and jumps in one
 * after it, runs longer and shorter than a chunk; and
 * two that are not counted (a step of 2, a bound that moves). Checkpoints
 * land inside these loops. */
#include <stdio.h>
#include <stdlib.h>

struct node { int key; struct node *next; };

static long long hits;

static long tsum(long n) { return n == 0 ? 0 : n % 1000 + tsum(n - 1); }

static long depth(int n)
{
    if (n == 0)
        return 0;
    long d = depth(n - 1);
    return d + 1;
}

static int last(int n)
{
    int r;
    if (n == 0)
        return 42;
    r = last(n - 1);
    return r;
}

/* a statement before the test, the else branch leaves */
static void mark(int n)
{
    hits += n & 3;
    if (n > 0)
        mark(n - 1);
    else
        hits += 1000;
}

/* going up to a bound passed along */
static void fill(int *a, int i, int n)
{
    if (i >= n)
        return;
    a[i] = i * 7 % 13;
    fill(a, i + 1, n);
}

static unsigned fact(unsigned n) { return n <= 1u ? 1u : (n | 1u) * fact(n - 1); }

static int flip(int n, int acc)
{
    if (!n)
        return acc;
    return flip(n - 1, acc ^ (n * 2654435761u >> 7));
}

/* the bound on the left, going up */
static long up(long i, long lim)
{
    if (lim == i)
        return i * 3;
    return up(i + 1, lim);
}

static long tri(int n)
{
    return n <= 0 ? 0 : n % 3 == 0 ? 3 + tri(n - 1) : n % 3 == 1 ? tri(n - 1) + n : (long)(n % 7) + tri(n - 1);
}

/* called with i = -1: i never reaches 0, the list's end ends it */
static int count(struct node *p, int i)
{
    if (i == 0)
        return -1;
    if (!p)
        return i;
    return count(p->next, i - 1);
}

/* unsigned: u wraps below 0 and never meets 5 before the list ends */
static unsigned wrapu(struct node *p, unsigned u)
{
    if (u == 5u)
        return 0;
    if (!p)
        return u;
    return wrapu(p->next, u - 1);
}

/* unsigned going up to a bound passed along, near UINT_MAX too */
static unsigned long long su(unsigned i, unsigned n, unsigned long long s) { if (i >= n) return s; return su(i + 1, n, s * 31 + i); }

/* long long (two registers on ILP32), 0 on the left */
static long long lldown(long long n) { if (0 == n) return 7; return 3 + lldown(n - 1); }

/* a negative bound, reached from above and from below (never: other calls) */
static int negk(int n, int acc) { if (n == -5) return acc; return negk(n - 1, acc + (n & 7)); }

/* the counted parameter is not the first; another one steps the other way */
static int two(int i, int j, int lim) { if (j >= lim) return i; return two(i - 1, j + 1, lim); }

/* a switch before the test, jumps inside a switch after it */
static long sw(int n, long acc)
{
    switch (n & 3) {
    case 0: acc += 2; break;
    case 1: acc ^= 5; break;
    default: acc -= 1;
    }
    if (n == 0)
        return acc;
    switch (n % 3) {
    case 0: return sw(n - 1, acc + 1);
    case 1: return sw(n - 1, acc * 3 % 1000003);
    default: break;
    }
    return sw(n - 1, acc);
}

/* not counted: a step of 2, a bound that moves */
static long stepper(long n) { return n == 0 ? 0 : 1 + stepper(n - 2); }
static long meet(long n, long k) { return n == k ? n : meet(n - 1, k + 1); }

int main(void)
{
    enum { LIST = 10000, ARR = 30000 };
    struct node *head = NULL;
    for (int i = LIST; i > 0; i--) {
        struct node *n = malloc(sizeof *n);
        n->key = i, n->next = head, head = n;
    }
    int *a = calloc(ARR, sizeof *a);
    long long acc = 0;
    for (int r = 0; r < 30; r++) {
        int big = 20000 + r * 37, small = 700 + r;
        acc += tsum(big) + tsum(small);
        acc += depth(big) + depth(small);
        acc += last(big) + last(small);
        mark(big);
        mark(small);
        fill(a, r, ARR - r);
        acc += a[ARR - 1 - r] + a[r + 5];
        acc += fact(30000u + (unsigned)r) + fact(100u + (unsigned)r);
        acc += flip(big, r) + flip(small, r);
        acc += up(r, 25000) + up(r, 900);
        acc += tri(big) + tri(small);
        acc += count(head, -1) + count(head, 3000 + r);
        acc += wrapu(head, 3u + (unsigned)r % 2);
        acc += stepper(2 * big) + meet(2 * small, 0);
        acc += (long long)su((unsigned)r, 9000u + (unsigned)r, 1) + (long long)(su(4000000000u, 4000010000u, 3) % 1000);
        acc += lldown(9000 + r) + lldown(r);
        acc += negk(12000 + r, r) + negk(-5, 1);
        acc += two(0, r, 20000) + two(5, 7, 100);
        acc += sw(15000 + r, r) + sw(50, 1);
        printf("round %d: %lld %lld\n", r, acc, hits);
    }
    while (head) {
        struct node *n = head->next;
        free(head);
        head = n;
    }
    free(a);
    return 0;
}
