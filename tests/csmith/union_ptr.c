/* union_ptr.c: a global union one of whose members is a pointer (csmith
 * seed 15, reduced). Which member is active is not known, so no reader can
 * tell whether to translate its bytes: the same-ABI restore copied them and
 * the program died using the stale pointer. The capture must be refused,
 * naming the global, and the program carry on. */
#include <stdio.h>

union U {
    long n;
    int *p;
};

static int cells[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static union U u;
static long sum;

static void step(int i)
{
    u.p = &cells[i % 8];
    sum += *u.p;
}

int main(void)
{
    for (int i = 0; i < 300; i++)
        step(i);
    printf("%ld %d\n", sum, *u.p);
    return 0;
}
