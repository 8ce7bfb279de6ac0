/* mergedtypes.c: groups of functions calling each other in tail position
 * (src/mtcc/merge.c) that return a struct and a function pointer and take
 * typedefs, an enum, a _Bool and function pointers; checkpoints inside. */
#include <stdio.h>
#include <stdbool.h>
typedef struct { long long a, b; } pair;
typedef enum { RED, GREEN } color;
typedef int (*op)(int);
static int inc(int x) { return x + 1; }
static int dec(int x) { return x - 1; }
static pair pa(int n, pair acc);
static pair pb(color c, bool flag, int n, pair acc);
static pair pa(int n, pair acc) { if (n == 0) return acc; acc.a += n; return pb(n & 1 ? RED : GREEN, n % 3 == 0, n - 1, acc); }
static pair pb(color c, bool flag, int n, pair acc) { acc.b += c == RED ? 1 : 2; acc.b += flag; return pa(n, acc); }
static op fa(int n, op cur);
static op fb(int n, op cur);
static op fa(int n, op cur) { return n <= 0 ? cur : fb(n - 1, cur == inc ? dec : inc); }
static op fb(int n, op cur) { return n <= 0 ? cur : fa(n - 1, cur); }
int main(void)
{
    long long s = 0;
    for (int r = 0; r < 50; r++) {
        pair p = { 0, 0 };
        p = pa(100000 + r, p);
        s += p.a ^ p.b;
        s += fa(70001 + r, inc)(r);
    }
    printf("%lld\n", s);
    return 0;
}
