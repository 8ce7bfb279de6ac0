/* charbits.c: plain char bit-fields, signed on x86 and unsigned on
 * aarch64, s390x, ppc and armhf: a value that only one of them can hold
 * is refused by name, one both hold converts. VALUE picks c's value; main
 * keeps a local with bit-fields across the checkpoint. */
#include <stdio.h>
#include <stdlib.h>

struct flags {
    int n;
    char c : 4;
    unsigned u : 4;
};

struct holder {
    short k;
    struct flags f;
};

struct small {
    unsigned a : 3;
    int b : 5;
};

static struct holder h;

static void bump(int i)
{
    h.f.n += i;  /* a leaf: main's loop around it polls */
}

int main(void)
{
    const char *v = getenv("VALUE");
    struct small s = { 5, -9 };
    h.f.c = (char)(v ? atoi(v) : 5);
    h.f.u = 9;
    for (int i = 0; i < 100; i++)
        bump(i);
    printf("c %d u %u n %d a %u b %d\n", h.f.c, h.f.u, h.f.n, s.a, s.b);
    return 0;
}
