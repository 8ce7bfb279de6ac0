/* normalforms.c: self tail calls written in the forms mtcc normalises
 * before it matches them (src/mtcc/normalise.c): returned conditionals
 * (nested, with a call in the condition, accumulating + and *, converting
 * arms), void functions returning or stating a conditional, a call's value
 * kept in a local and returned, a function written by a macro on one line;
 * and forms that must stay as they are (a global read after the call, an
 * address taken). Deep recursions run in constant stack only as jumps
 * (tests/mtcc.sh runs this in 256 KiB). */
#include <stdio.h>
#include <stdlib.h>

#define DEEP 200000

struct node { int key; struct node *next; };

static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

/* a call with an effect in the condition: it runs once a level, first */
static int probes;
static int small(int n)
{
    probes++;
    return n < 2;
}
static long fibc(int n) { return small(n) ? n : fibc(n - 1) + fibc(n - 2); }

/* nested conditionals, each arm accumulating or returning */
static long long tri(int n)
{
    return n <= 0 ? 0
         : n % 3 == 0 ? 3 + tri(n - 1)
         : n % 3 == 1 ? tri(n - 1) + n
         : (long long)(n % 7) + tri(n - 1);
}

/* a product that wraps around, as a conditional */
static unsigned fact(unsigned n) { return n <= 1 ? 1u : n * fact(n - 1); }

/* arms of different types: each converts to the conditional's type, here
 * float, before the return's long long (2^24 + 3 rounds to 2^24 + 4 on
 * the way; an int converts to float in one rounding on every ABI) */
static long long rounded(int n, int acc)
{
    return n == 0 ? acc : n < 0 ? 0.5f : rounded(n - 1, acc + 1);
}

/* arms of unsigned types: 3u widens to the conditional's unsigned long long,
 * and the sum wraps around at 2^64 */
static unsigned long long widened(int n, unsigned long long u)
{
    return n > 0 ? widened(n - 1, u + 7) : n < -1 ? 3u : u;
}

/* a pointer returned through conditionals, along a long list */
static struct node *find(struct node *p, int key)
{
    return !p ? NULL : p->key == key ? p : find(p->next, key);
}

/* a deep sum: a jump with an accumulator */
static long long sum(long long n) { return n == 0 ? 0 : n + sum(n - 1); }

/* void functions: a returned void conditional, and one as a statement */
static long long walked;
static void finish(int n) { walked += 1000 * n; }
static void down(int n)
{
    walked += n % 5;
    return n > 0 ? down(n - 1) : finish(n);
}
static void down2(int n)
{
    walked += n % 3;
    n > 0 ? down2(n - 1) : n == 0 ? finish(7) : (void)0;
}

/* the call's value kept in a local, then returned */
static long depth(int n)
{
    if (n == 0)
        return 0;
    long d = depth(n - 1);
    return d + 1;
}
static long fibv(int n)
{
    if (n < 2)
        return n;
    long a = fibv(n - 1);
    long b = fibv(n - 2);
    return a + b;
}
static unsigned long long powmod(unsigned long long k, int n)
{
    unsigned long long r;
    if (n == 0)
        return 1;
    unsigned long long base = k % 1000;
    r = powmod(k, n - 1);
    return base * r;
}
static int last(int n)
{
    int r;
    if (n == 0)
        return 42;
    r = last(n - 1);
    return r;
}

/* must stay as written: a global the call changes, read after it */
static long seen;
static long counted(int n)
{
    seen += n;
    if (n == 0)
        return 0;
    long r = counted(n - 1);
    return r + seen;
}
/* must stay: the local's address is taken */
static long viaptr(int n)
{
    long r = 0;
    long *p = &r;
    if (n == 0)
        return *p;
    r = viaptr(n - 1);
    return r + 2;
}

/* conditionals of other types: an enum (its arms' integer type holds
 * every value, no cast, still a jump), a struct, a function pointer;
 * conditionals under a switch's cases and after a label */
enum color { RED, GREEN, BLUE };
static enum color hue(int n) { return n > 5 ? hue(n - 1) : n ? BLUE : 0; }
struct pt { int x, y; };
static struct pt mid(struct pt a, struct pt b, int k)
{
    return k <= 0 ? a : mid(b, (struct pt){ (a.x + b.x) / 2, (a.y + b.y) / 2 }, k - 1);
}
static int inc(int v) { return v + 1; }
static int dec(int v) { return v - 1; }
static int (*chooser(int n))(int) { return n > 1 ? chooser(n - 2) : n ? inc : dec; }
static int cases(int n)
{
    switch (n % 4) {
    case 0: return n ? cases(n - 1) + 4 : 0;
    case 1: return cases(n - 1);
    default: return n < 0 ? -1 : 2 + cases(n - 1);
    }
}
static int labelled(int n)
{
    if (n > 3)
        goto big;
    return n ? labelled(n - 1) + 1 : 0;
big:
    return n > 10 ? 10 : labelled(n - 1) * 2;
}

/* written by a macro, on one line */
#define DEFINE_COUNT(name, T) static T name(T n, T step) { return n <= 0 ? 0 : step + name(n - step, step); }
DEFINE_COUNT(count_by, long)

int main(void)
{
    for (int i = 0; i <= 24; i += 8)
        printf("fib(%d) = %ld\n", i, fib(i));
    long fc = fibc(20);
    printf("fibc(20) = %ld after %d probes\n", fc, probes);
    printf("tri = %lld\n", tri(DEEP));
    printf("fact(20) = %u, fact(13) = %u\n", fact(20), fact(13));
    printf("rounded = %lld %lld\n", rounded(3, 1 << 24), rounded(300, 0));
    printf("widened = %llu %llu\n", widened(5, 7), widened(-2, 0) + widened(DEEP, (unsigned long long)-1 - DEEP));
    struct node *head = NULL;
    for (int i = DEEP; i > 0; i--) {
        struct node *n = malloc(sizeof *n);
        n->key = i;
        n->next = head;
        head = n;
    }
    struct node *f = find(head, DEEP - 3);
    printf("find = %d %s\n", f ? f->key : -1, find(head, -5) ? "found" : "absent");
    printf("sum = %lld\n", sum(DEEP));
    down(DEEP);
    down2(DEEP);
    printf("walked = %lld\n", walked);
    printf("depth = %ld, fibv(22) = %ld\n", depth(DEEP), fibv(22));
    printf("powmod = %llu, last = %d\n", powmod(123456789, DEEP), last(DEEP));
    printf("counted = %ld, viaptr = %ld\n", counted(300), viaptr(300));
    printf("count_by = %ld\n", count_by(DEEP, 3));
    struct pt m = mid((struct pt){ 0, 0 }, (struct pt){ 1000, 800 }, 10);
    printf("hue = %d, mid = %d %d, chooser = %d %d\n", hue(DEEP), m.x, m.y, chooser(DEEP + 1)(5), chooser(DEEP)(5));
    printf("cases = %d, labelled = %d %d %d\n", cases(DEEP), labelled(3), labelled(7), labelled(20));
    while (head) {
        struct node *next = head->next;
        free(head);
        head = next;
    }
    return 0;
}
