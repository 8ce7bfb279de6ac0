/* A union stored through one member and read through another (type
 * punning): what the read gives depends on byte order, so a restore under
 * another byte order must refuse it by name, while one under the same
 * byte order and layout copies it. The shape comes from -D: PUN_GLOBAL,
 * PUN_LOCAL, PUN_HEAP, PUN_STRUCT (a union member of a struct in an
 * array), PUN_CONST (read through a pointer to const, as csmith does),
 * PUN_VIEW (its bytes read through an unsigned char pointer); TAGGED is
 * a tagged union whose reads always match its stores, which converts
 * across byte orders exactly. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

union pun {
    int64_t wide;
    int16_t narrow;
};

struct holder {
    int id;
    union pun u;
};

/* Reads and stores through macros and nested expressions, as programs do. */
#define WIDE(x) ((x).wide)
#define NARROW(x) (x).narrow

static long tick(long k)
{
    return k % 7;
}

#if defined(TAGGED)
enum tag { T_INT, T_DBL };
struct value {
    enum tag tag;
    union {
        long i;
        double d;
    } as;
};
static struct value vals[8];

static double num(const struct value *v)
{
    return v->tag == T_INT ? (double)v->as.i : v->as.d;
}

int main(void)
{
    double acc = 0;
    for (long k = 0; k < 200; k++) {
        struct value *v = &vals[k % 8];
        if (k % 3) {
            v->tag = T_INT;
            v->as.i = k * 1000003L + tick(k);
        } else {
            v->tag = T_DBL;
            v->as.d = k / 8.0 + tick(k);
        }
        acc += num(&vals[(k + 5) % 8]);
        if (k % 50 == 49)
            printf("%ld %.3f\n", k, acc);
    }
    return 0;
}
#else

#if defined(PUN_STRUCT)
static struct holder hs[3];
#define OBJ hs[1].u
#elif !defined(PUN_LOCAL) && !defined(PUN_HEAP)
static union pun g;   /* PUN_GLOBAL, PUN_CONST, PUN_VIEW */
#define OBJ g
#endif

int main(void)
{
    long acc = 0;
#if defined(PUN_LOCAL)
    union pun l;
#define OBJ l
    WIDE(l) = 0;
#elif defined(PUN_HEAP)
    union pun *hp = malloc(sizeof *hp);
#define OBJ (*hp)
    hp->wide = 0;
#endif
    for (long k = 0; k < 200; k++) {
        WIDE(OBJ) = 0x0001000200030004LL + k * 0x10001LL + tick(k);
#if defined(PUN_CONST)
        const int16_t *p = &OBJ.narrow;
        acc += *p;
#elif defined(PUN_VIEW)
        const unsigned char *b = (const unsigned char *)&OBJ;
        acc += b[0] - b[7];
#else
        acc += NARROW(OBJ) % 1000;
#endif
        if (k % 50 == 49)
            printf("%ld %ld\n", k, acc);
    }
    return 0;
}
#endif
