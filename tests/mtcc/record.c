/* record.c: a long that holds 5000000000 on LP64 ABIs. (Chosen by
 * LONG_MAX, not by sizeof(long): a value chosen by a sizeof is a number
 * of the layout, refused for that before its size is looked at.) */
#include <limits.h>
#include <stdio.h>

struct record {
    long l;
    int n;
};

static struct record rec;

static void bump(int i)
{
    rec.n += i;  /* a leaf: main's loop around it polls */
}

int main(void)
{
    rec.l = LONG_MAX > INT_MAX ? 5000000000L : 2000000000L;
    for (int i = 0; i < 100; i++)
        bump(i);
    printf("l %ld n %d\n", rec.l, rec.n);
    return 0;
}
