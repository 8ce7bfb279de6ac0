/* fnindata.c: a function's address kept in a data pointer, as lemon's
 * option table does (`{OPT_FSTR, "D", (char*)handle_D_option, ...}`, the
 * member being `char *arg`, cast back to a function pointer when the
 * option is seen). A checkpoint must translate such a slot to the
 * function's new address, like a function pointer, not refuse it as a
 * pointer into nothing saved. */
#include <stdio.h>
#include <stdlib.h>

struct option {
    int kind;          /* 0: arg points at an int flag; 1: at a handler */
    const char *name;
    char *arg;
};

static int verbose;

static long twice(long x) { return 2 * x; }
static long square(long x) { return x * x % 30011; }

static struct option table[] = {
    { 0, "v", (char *)&verbose },
    { 1, "t", (char *)twice },
    { 1, "s", (char *)square },
};

/* A handler read back from its data pointer. */
static long apply(const struct option *o, long x)
{
    long (*f)(long) = (long (*)(long))o->arg;
    return f(x);
}

int main(void)
{
    /* a local copy and a heap copy, besides the global table */
    struct option mine = table[2];
    struct option *heap = malloc(sizeof *heap);
    *heap = table[1];
    long acc = 1;
    for (long round = 1; round <= 30; round++) {
        for (long i = 0; i < 200; i++) {
            acc = apply(&table[1 + (i + round) % 2], acc + i) % 30011;
            acc = (acc + apply(&mine, i) + apply(heap, round)) % 30011;
        }
        *(int *)table[0].arg += 1;
        printf("round %ld: %ld (flag %d)\n", round, acc, verbose);
    }
    free(heap);
    return 0;
}
