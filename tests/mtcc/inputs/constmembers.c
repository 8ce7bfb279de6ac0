/* constmembers.c: objects mtcc copies that C does not let it assign: a
 * local struct or union with a const member (csmith writes
 * `const union U1 l = {...}`), one passed by value, returned by a call
 * whose result is saved, and an array of them. */
#include <stdio.h>

union U1 { const int a; short b; };
struct S { const long k; int v; };
struct T { struct S inner; const char tag; };

static int f(int x) { return x <= 0 ? 1 : f(x - 1) + 1; }

static struct S make(int k, int v)
{
    struct S s = { k, f(v) };
    return s;
}

static long take(struct S s, const union U1 u)
{
    return s.k * 3 + s.v + u.a + f(s.v % 4);
}

int main(void)
{
    const union U1 l = { 5 };
    struct S s = { 7, 2 };
    const struct S cs = { .k = 9, .v = 1 };
    struct T t[2] = { { { 1, 2 }, 'x' }, { { 3, 4 }, 'y' } };
    long total = 0;
    for (int i = 0; i < 300; i++) {
        struct S m = make(i % 13, i % 5);
        total += f(l.a) + s.k + s.v + cs.k + take(m, l) + t[i % 2].inner.k + t[i % 2].tag;
        if (i % 100 == 99)
            printf("%d: %ld\n", i, total);
    }
    printf("constmembers: %ld\n", total);
    return 0;
}
