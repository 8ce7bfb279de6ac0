/* loops.c: calls in loop conditions, as iterators and parsers write them,
 * with continue and break in the bodies. */
#include <stdio.h>

struct iter {
    int pos, end, step;
};

static int next(struct iter *it, int *out)
{
    if (it->pos >= it->end)
        return 0;
    *out = it->pos;
    it->pos += it->step;
    return 1;
}

static int below(int i, int limit)
{
    return i * i < limit;
}

static long body_calls;

/* called from a loop body that is a single statement */
static int counted(int i)
{
    body_calls++;
    return i;
}

static const char *text = "12 7 0 33 5 -1 8";

static int read_number(const char **p)
{
    while (**p == ' ')
        (*p)++;
    int sign = 1, v = 0;
    if (**p == '-') {
        sign = -1;
        (*p)++;
    }
    while (**p >= '0' && **p <= '9')
        v = v * 10 + (*(*p)++ - '0');
    return sign * v;
}

int main(void)
{
    long total = 0;
    for (int round = 0; round < 300; round++) {
        struct iter it = { round % 7, 200 + round, 3 };
        int x;
        while (next(&it, &x)) {
            if (x % 5 == 0)
                continue;
            total += x;
        }
        for (int i = 0; below(i, 4000 + round); i++) {
            if (i % 3 == 0)
                continue;
            total += i;
        }
        /* calls in the condition and in a one-statement body: the body
         * must not run once more than the condition allows */
        for (int i = 0; below(i, 50 + round); i++)
            total += counted(i);
        const char *p = text;
        int v;
        while ((v = read_number(&p)) >= 0)
            total += v * round;
        if (round % 50 == 0)
            printf("round %d total %ld\n", round, total);
    }
    printf("total %ld body calls %ld\n", total, body_calls);
    return 0;
}
