/* live.c: variables that a resume site must save although nothing after
 * the site in the loop body names them: read again only in the next
 * iteration (at the top of the body, in the loop header, in a while or
 * do-while condition), or only after a backward goto; parameters read once
 * per iteration before the call; call results held while the next call of
 * the same expression runs; the index or the function pointer a call goes
 * through, evaluated again when resuming in that call. mtcc saves only the
 * variables live after each site; losing any of these changes the output.
 * Arithmetic is unsigned int, the same on every ABI. tests/mtcc.sh also
 * checkpoints one round (argument 1) at every adaptation point. */
#include <stdio.h>
#include <stdlib.h>

/* recursive, so that mix and step, which call it, are not leaves (calls
 * to a leaf get no resume site: the cases below need sites) */
static unsigned zero(unsigned n)
{
    return n ? zero(n - 1) : 0;
}

static unsigned mix(unsigned h, unsigned v)
{
    return (h ^ v) * 16777619u + zero(0);
}

static unsigned step(unsigned x)
{
    return x * 2654435761u + 7u + zero(0);
}

static unsigned twice(unsigned x)
{
    return step(step(x));
}

/* carry: read at the top of the body, written before the calls; i: only
 * in the header. */
static unsigned carried(int n)
{
    unsigned h = 2166136261u, carry = 1;
    for (int i = 0; i < n; i++) {
        h = mix(h, carry);
        carry = (unsigned)i * 31u + 5u;
        h = mix(h, step(h));
    }
    return h;
}

/* k: a parameter read before the call in every iteration. */
static unsigned scaled(unsigned k, int n)
{
    unsigned h = 0;
    int j = 0;
    while (j < n) {
        h += k * (unsigned)j;
        j++;
        h = twice(h);
    }
    return h;
}

/* last: read in the body before the calls; limit: only in the condition,
 * which holds a call itself. */
static int below(unsigned v, unsigned limit)
{
    return v % 1000u < limit;
}

static unsigned conditioned(unsigned v, unsigned limit)
{
    unsigned last = 3, sum = 0;
    int count = 0;
    while (below(v, limit) && count < 40) {
        sum = mix(sum, last);
        last = v & 0xffu;
        count++;
        v = step(v);
    }
    return mix(sum, last);
}

/* prev and stop: read only in the do-while condition and before the call. */
static unsigned repeated(unsigned x, int stop)
{
    unsigned acc = 11, prev = 0;
    int count = 0;
    do {
        acc += prev;
        prev = x >> 3;
        x = step(x);
    } while (++count < stop && prev != 5u);
    return acc ^ x;
}

/* row_sum: read at the top of the outer body; the calls are in the inner
 * loop, whose counter the outer loop reuses. */
static unsigned nested(int rows, int cols)
{
    unsigned out = 0, row_sum = 0;
    for (int r = 0; r < rows; r++) {
        out = out * 3u + row_sum;
        row_sum = (unsigned)r;
        for (int c = 0; c < cols; c++)
            row_sum = mix(row_sum, step((unsigned)c));
    }
    return out + row_sum;
}

/* Results held across the next call of the same expression. */
static unsigned held(unsigned a, unsigned b)
{
    unsigned x = step(a) + step(b) * 3u;
    unsigned y = mix(step(x), twice(a ^ b));
    return mix(x, y);
}

static unsigned thrice(unsigned x)
{
    return step(twice(x));
}

/* Calls through a table: resuming in one evaluates the callee again, to
 * find its twin: k, and the result of pick, are needed only for that. */
typedef unsigned (*unary)(unsigned);
static unary table[3] = { step, twice, thrice };

static unsigned through(int k, unsigned h)
{
    return table[k](h);
}

static unary pick(int k)
{
    return table[k];
}

static unsigned picked(int k, unsigned h)
{
    return pick(k)(h);
}

/* A loop built with goto: prev is read only before the call. */
static unsigned jumped(int n)
{
    unsigned h = 1, prev = 0;
    int i = 0;
again:
    h = mix(h, prev);
    prev = h & 0xffu;
    h = step(h);
    if (++i < n)
        goto again;
    return h;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 12;
    unsigned total = 0;
    for (int round = 0; round < rounds; round++) {
        unsigned r = (unsigned)round;
        total = mix(total, carried(10 + round));
        total = mix(total, scaled(r + 3u, 8));
        total = mix(total, conditioned(r * 77u + 1u, 990u));
        total = mix(total, repeated(r, 9));
        total = mix(total, nested(4, 3));
        total = mix(total, held(r, r + 1u));
        total = mix(total, through(1 + round % 2, r));
        total = mix(total, picked(2 - round % 2, r));
        total = mix(total, jumped(6));
        printf("round %d total %u\n", round, total);
    }
    printf("total %u\n", total);
    return 0;
}
