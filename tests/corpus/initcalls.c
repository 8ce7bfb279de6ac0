/* initcalls.c: initializers that call functions mtcc lifts, in the shapes
 * C allows: compound literals, designated initializers (nested, out of
 * order), a statement expression, _Generic, ?:, GNU ?:, &&, ||, a comma,
 * const scalars and structs, char arrays, an array compound literal,
 * __typeof__ of a call, a VLA type in sizeof, several declarators naming
 * the earlier ones, and an initializer naming its own variable in code that
 * stays in place (sizeof p.x). Output is the same on every ABI. */
#include <stdio.h>
#include <stdlib.h>

struct pt {
    int x, y;
};

struct box {
    struct pt a, b;
    int tag;
};

static int depth;

/* a function of the program that calls itself, so that its calls are
 * resume sites (not leaves) */
static int id(int v)
{
    return depth++ % 7 == 6 ? id(v) : v;
}

static void *keep(void *p)
{
    if (!p)
        abort();
    return id(1) ? p : NULL;
}

#define NEWP(p) keep(malloc(sizeof *(p)))

static int f1(int k)
{
    struct pt p = (struct pt){ id(k), id(k + 1) };
    return p.x + p.y;
}
static int f2(int k)
{
    struct pt *p = &(struct pt){ .y = id(k), .x = id(2) };
    return p->x * p->y;
}
static int f3(int k)
{
    struct box b = { .b = { .y = id(k) }, .tag = id(3), .a.x = id(1) };
    return b.a.x + b.b.y + b.tag;
}
static int f4(int k)
{
    int a[4] = { [2] = id(k), [0] = id(1) };
    return a[0] + a[2];
}
static int f5(int k)
{
    int x = ({
                int t = k;
                t * 2;
            }) +
            id(k);
    return x;
}
static int f6(int k)
{
    long x = _Generic(k, int : id(k), default : 0) + 1;
    return (int)x;
}
static int f7(int k)
{
    int x = k > 2 ? id(k) : id(-k);
    return x;
}
static int f8(int k)
{
    int x = (id(k) && id(k + 1)) || id(0);
    return x;
}
static int f9(int k)
{
    int x = (id(k), id(k * 3));
    return x;
}
static int f10(int k)
{
    struct pt p = { .x = id(k), .y = (int)sizeof p.x };
    return p.x + p.y;
}
static int f11(int k)
{
    int x = id(k) ?: id(7);
    return x;
}
static int f12(int k)
{
    const int c = id(k) + 1;
    return c;
}
static int f13(int k)
{
    const struct pt cp = { id(k), id(k) };
    return cp.x + cp.y;
}
static int f14(int k)
{
    char s[8] = { (char)id('a' + k), 0 };
    return s[0];
}
static int f15(int k)
{
    int *p = (int[]){ id(k), id(k + 1), 3 };
    return p[1];
}
static int f16(int k)
{
    __typeof__(id(k)) x = id(k);
    return x;
}
static int f17(int k)
{
    int x = (int)(sizeof(int[id(k) + 1]) / sizeof(int));
    return x;
}
static int f18(int k)
{
    struct pt p = { id(k), id(k) }, q = { p.x + id(1), id(2) };
    return q.x + q.y + p.y;
}
static int g1(int k)
{
    int a = id((int)sizeof a + k), b = 2;
    struct pt *p = NEWP(p);
    p->x = a + b;
    int v = p->x;
    free(p);
    return v;
}
int main(void)
{
    long sum = 0;
    for (int k = 0; k < 25; k++) {
        sum += f1(k) + f2(k) + f3(k) + f4(k) + f5(k) + f6(k) + f7(k) + f8(k) + f9(k);
        sum += f10(k) + f11(k) + f12(k) + f13(k) + f14(k) + f15(k) + f16(k) + f17(k) + f18(k) + g1(k);
        printf("round %d: %ld\n", k, sum);
    }
    return 0;
}
