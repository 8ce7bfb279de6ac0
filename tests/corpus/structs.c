/* structs.c: arrays of structs holding every scalar type, long double too. */
#include <stdbool.h>
#include <stdio.h>

enum kind { SMALL, MEDIUM = 5, LARGE = 100 };

struct rec {
    char c;
    signed char sc;
    unsigned char uc;
    short s;
    unsigned short us;
    int i;
    unsigned u;
    long l;
    unsigned long ul;
    long long ll;
    unsigned long long ull;
    float f;
    double d;
    long double ld;
    bool b;
    enum kind k;
};

static struct rec recs[40];

static void step(struct rec *r, int n)
{
    r->c = (char)('a' + n % 26);
    r->sc = (signed char)(r->sc - 3);
    r->uc = (unsigned char)(r->uc + 7);
    r->s = (short)(r->s * 3 - n);
    r->us = (unsigned short)(r->us + 1000);
    r->i = r->i * 5 + n;
    r->u = r->u * 2654435761u;
    r->l = (r->l + n) % 100000;
    r->ul = (r->ul * 3 + 1) % 1000000007ul;  /* stays within 32 bits */
    r->ll = (r->ll * 7 - n) % 1000000000039ll;
    r->ull = r->ull * 0x9E3779B97F4A7C15ull + 1;
    r->f = r->f * 0.5f + 1.25f;
    r->d = r->d * 0.75 + n;
    r->ld = r->ld / 2 + 3;  /* halves and small integers: exact in every format */
    r->b = !r->b;
    r->k = r->k == SMALL ? MEDIUM : r->k == MEDIUM ? LARGE : SMALL;
}

static void report(int round)
{
    long long h = 0;
    double fd = 0;
    for (int j = 0; j < 40; j++) {
        const struct rec *r = &recs[j];
        h = h * 31 + r->c + r->sc + r->uc + r->s + r->us + r->i + (long long)(r->u % 1000) +
            r->l + (long long)(r->ul % 1000) + r->ll % 1000 + (long long)(r->ull % 1000) + r->b + r->k;
        fd += r->f + r->d + (double)r->ld;
    }
    printf("round %d hash %lld fp %.6f\n", round, h, fd);
}

int main(void)
{
    for (int round = 0; round < 25; round++) {
        for (int j = 0; j < 40; j++)
            step(&recs[j], round * 40 + j);
        report(round);
    }
    return 0;
}
