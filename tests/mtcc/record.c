/* record.c: a long that holds 5000000000 on LP64 ABIs. */
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
    rec.l = sizeof(long) == 8 ? 5000000000L : 2000000000L;
    for (int i = 0; i < 100; i++)
        bump(i);
    printf("l %ld n %d\n", rec.l, rec.n);
    return 0;
}
