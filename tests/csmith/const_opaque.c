/* const_opaque.c: a const global of a type mtcc saves as raw bytes (a
 * bit-field) lives in read-only memory; a restore wrote it back and died
 * of SIGSEGV in restore.c's commit (csmith seeds 500001-500004, reduced).
 * csmith.sh: every check passes */
#include <stdio.h>

struct S {
    unsigned a : 3;
    int b;
};
struct T {
    int b;
};

static const struct S cs = { 5, 7 };
static struct T vs = { 2 };   /* typed: restores on every ABI */
static long sum;

static void step(int i)
{
    sum += cs.a * i + cs.b + vs.b;
    vs.b += i & 1;
}

int main(void)
{
    for (int i = 0; i < 300; i++)
        step(i);
    printf("%ld %d %d\n", sum, vs.b, cs.a);
    return 0;
}
