/* shortcircuit.c: calls that run only on some paths: operands of &&, ||,
 * ?: (and GNU a ?: b), the right of a comma, do-while conditions and for
 * increments with continue; declarations whose later initializers call
 * functions with the earlier variables; parameters whose address is taken.
 * A recursive-descent evaluator, as parsers write them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long calls;

static int is_digit(int c)
{
    calls++;
    return c >= '0' && c <= '9';
}

static int is_space(int c)
{
    calls++;
    return c == ' ';
}

struct parser {
    const char *s;
    int pos;
};

static int peek(struct parser *p)
{
    return p->s[p->pos];
}

static int accept(struct parser *p, int c)
{
    while (is_space(peek(p)))
        p->pos++;
    return peek(p) == c && ++p->pos;
}

static long expr(struct parser *p);

static long number(struct parser *p)
{
    long v = 0;
    while (is_space(peek(p)))
        p->pos++;
    do
        v = v * 10 + (peek(p) - '0');
    while (++p->pos, is_digit(peek(p)));
    return v;
}

static long primary(struct parser *p)
{
    /* a parenthesised expression or a number, by short-circuit */
    long v = accept(p, '(') ? expr(p) : number(p);
    if (v >= 0 && accept(p, ')'))
        return v;
    return v;
}

static long term(struct parser *p)
{
    long v = primary(p);
    for (;;) {
        if (accept(p, '*'))
            v *= primary(p);
        else if (accept(p, '/') || accept(p, '%')) {
            long d = primary(p);
            v = d ? v / d : 0;
        } else
            return v;
    }
}

static long expr(struct parser *p)
{
    long v = term(p), w;
    while ((accept(p, '+') && (w = term(p), 1)) || (accept(p, '-') && (w = -term(p), 1)))
        v += w;
    return v;
}

/* A parameter whose address is taken lives in memory from the start. */
static long scaled(long v, int shift)
{
    int *s = &shift;
    while (*s > 0 && v < 1000000)
        v *= 2, (*s)--;
    return v + shift;
}

struct pair {
    long a, b;
};

static struct pair split(long v)
{
    struct pair p = { v / 100, v % 100 };
    return p;
}

static long weight(const struct pair *p)
{
    return p->a * 3 + p->b;
}

static int cmp_long(const void *x, const void *y)
{
    long a = *(const long *)x, b = *(const long *)y;
    return (a > b) - (a < b);
}

static const long known[] = { 3, 14, 15, 92, 653 };

static int is_known(long v)
{
    return bsearch(&v, known, 5, sizeof known[0], cmp_long) != NULL;
}

static long collatz_steps(long n)
{
    long steps = 0;
    for (; n != 1; n = n & 1 ? scaled(n, 0) * 3 + 1 : n / 2, steps++)
        if (steps > 500)
            break;
    return steps;
}

static const char *programs[] = {
    "1 + 2 * 3", "(4 + 5) * (6 - 7)", "100 / (3 - 3) + 8", "12 % 5 * 3 - (2 * (3 + 4))",
    "  42", "((((7))))", "9 * 9 * 9 - 1000 / 7", "15 + 92 - 14 * 3 % 653",
};

int main(void)
{
    long total = 0;
    int n = (int)(sizeof programs / sizeof programs[0]), i = 0;
    for (struct parser p = { programs[0], 0 }; i < n; p.s = programs[i < n - 1 ? i + 1 : i], p.pos = 0, i++) {
        long v = expr(&p), k = is_known(v) || is_known(-v), c = v > 0 ? collatz_steps(v) : 0;
        struct pair q = v % 2 ? split(v) : split(-v);
        long sc = (v & 7) ?: scaled(v, 3);
        printf("%-28s = %6ld known %ld collatz %3ld weight %4ld scaled %ld\n", programs[i], v, k, c,
               weight(&q), sc);
        total += v;
        if (!is_known(v % 100) && v < 0)
            continue;
        total += c;
    }
    int j = 0;
    long acc = 0;
    do {
        if (j % 3 == 0) {
            j++;
            continue;
        }
        acc += j * scaled(j, j % 4);
        j++;
    } while (j < 40 && is_known(j % 16) | (j < 20));
    printf("total %ld acc %ld j %d calls %ld\n", total, acc, j, calls);
    return 0;
}
