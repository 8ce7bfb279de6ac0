/* bitfield_global.c: a global of a type mtcc saves as raw bytes (a
 * bit-field; csmith seeds 2, 5, 8 and 39, reduced). Its bytes were copied
 * to an ABI of the other byte order and the restored program printed other
 * values with exit 0; they must convert exactly or be refused by name. */
#include <stdio.h>

struct S1 {
    unsigned f0 : 31;
    signed f1 : 27;
    short f2;
};

static struct S1 g = { 300, 3992, 4 };
static long sum;

static void step(int i)
{
    sum += g.f0 + g.f1 + g.f2;
    g.f0 += (unsigned)i;
    g.f1 -= i & 3;
}

int main(void)
{
    for (int i = 0; i < 300; i++)
        step(i);
    printf("%ld %u %d %d\n", sum, (unsigned)g.f0, (int)g.f1, g.f2);
    return 0;
}
