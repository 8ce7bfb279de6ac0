/* shapes.c: C written in the shapes mtcc must read like the compiler:
 * calls right after '{' and '(', functions a macro writes on one line,
 * const members, anonymous structs and unions, designated initializers,
 * compound literals (also at file scope), statement expressions,
 * _Generic, typeof, attributes and _Static_assert. */
#include <stdio.h>

_Static_assert(sizeof(int) >= 2, "int holds a short");

static int f(int n){return n <= 0 ? 1 : f(n - 1) + n % 7;}
static int g(int n){return f(n)+1;}
static int h(int n){ return (f(n)) * (g((n))); }
static void note(long *acc, int v){*acc += v;}

#define MAKE_SCALED(name, k) static int name(int x){return g(x) * (k);}
MAKE_SCALED(triple, 3)
MAKE_SCALED(quintuple, 5)
#define WALK(fn) static long fn(int n){long s=0;for(int i=0;i<n;i++){s+=g(i%9);}return s;}
WALK(walker)

struct pt { int x, y; };
struct limits { const int lo; int hi; };
union cell { const short tag; int word; };

/* a leaf, whose locals are never saved: a union whose active member is
 * unknown does not cross byte orders (tests/mtcc/inputs/constmembers.c
 * saves one on one ABI) */
static int cell_tag(int v)
{
    const union cell c = { v };
    return c.tag;
}

/* file-scope compound literals a pointer keeps */
static struct pt *origin = &(struct pt){ 1, 2 };
static const int *primes = (const int[]){ 2, 3, 5, 7, 11, 13 };
static struct pt *corner = &(struct pt){ .y = 40, .x = 30 };

struct shape {
    int kind;
    struct { int w, h; };          /* anonymous struct member */
    union { int radius; int side; }; /* anonymous union member */
};

/* a leaf: its locals are never saved (an anonymous union member of more
 * than one type in a saved object makes its function fall back: its
 * layout is unknown; this one, int under two names, converts as an int) */
static int area(int kind, int a, int b)
{
    struct shape s = { .kind = kind, .w = a, .h = b };
    if (kind)
        s.side = a;
    return s.kind ? s.side * s.side : s.w * s.h;
}

struct box {
    struct { int w, h; };  /* an anonymous struct in a saved object */
    int depth;
};

__attribute__((noinline)) static int weigh(const struct limits *l, int v)
{
    return v < l->lo ? l->lo : v > l->hi ? l->hi : v;
}

static struct limits make_limits(int lo, int hi)
{
    struct limits l = { lo, hi };
    return l;
}

#define KIND(x) _Generic((x), int: 1, long: 2, double: 3, default: 0)

/* a statement expression holding calls: the function may fall back */
static int stmt_expr(int n)
{
    int v = ({ int t = g(n); t * 2; });
    return v + ({ f(n % 5); });
}

static long round_of(int r)
{
    long acc = 0;
    const struct limits lim = { .lo = 3, .hi = 3 + r % 11 };  /* const members, designated */
    struct limits copy = make_limits(r, r + 9);
    struct pt pts[4] = { [2] = { .x = g(r) }, [0] = { 1, f(r % 4) } };
    __typeof__(acc) t = 0;
    __typeof__(pts[0]) *pp = &pts[2];
    int __attribute__((unused)) spare = 0;
    {note(&acc, g(r));}
    if ((h(r % 6)) > 0)
        note(&acc, (f(r % 3)));
    while ((t = triple(r % 4)) > 1000)
        ;
    acc += t + quintuple(r % 3) + walker(r % 5);
    acc += weigh(&lim, g(r % 13)) + weigh(&copy, f(r % 8)) + cell_tag(r);
    acc += pts[0].y + pp->x + origin->x * corner->y + primes[r % 6];
    struct box b = { .w = r % 5, .h = g(r % 4), .depth = 2 };
    acc += area(0, b.w, b.h) + area(1, g(r % 4), 0) + b.depth * f(b.w);
    int *arr = (int[]){ g(1), g(2), r };                     /* a local compound literal */
    struct pt q = (struct pt){ .x = arr[2], .y = f(arr[0]) };
    acc += q.x + q.y + KIND(acc) * 100 + KIND(r) * 10 + KIND(1.5);
    acc += stmt_expr(r % 7);
    return acc;
}

int main(void)
{
    long total = 0;
    for (int r = 0; r < 60; r++) {
        total += round_of(r);
        if (r % 10 == 9)
            printf("round %d: total %ld\n", r, total);
    }
    printf("shapes: %ld\n", total);
    return 0;
}
