/* allocs.c: the less common allocation calls: strndup for tokens kept in
 * a growing table (reallocarray), and an aligned_alloc'd buffer of
 * doubles, all reachable from globals and used after a restore; the text
 * comes from a static local table of string literals, which frames point
 * into. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct token {
    char *text;
    int length;
};

static struct token *tokens;
static size_t ntokens, cap;
static double *weights;

static void add_token(const char *start, int len)
{
    if (ntokens == cap) {
        cap = cap ? cap * 2 : 4;
        tokens = reallocarray(tokens, cap, sizeof *tokens);
    }
    tokens[ntokens].text = strndup(start, (size_t)len);
    tokens[ntokens].length = len;
    ntokens++;
}

static void tokenize(const char *line)
{
    const char *p = line;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        if (p > start)
            add_token(start, (int)(p - start));
    }
}

static double score(size_t i)
{
    return weights[i % 64] * tokens[i].length + (double)(unsigned char)tokens[i].text[0];
}

int main(void)
{
    weights = aligned_alloc(64, 64 * sizeof *weights);
    for (int i = 0; i < 64; i++)
        weights[i] = 0.5 * i;
    static const char *const lines[] = { "the quick brown fox", "jumps over the lazy dog",
                                         "pack my box with five dozen liquor jugs" };
    static char title[] = "tokens";  /* a literal that fills an array stays one */
    for (int round = 0; round < 40; round++)
        tokenize(lines[round % 3]);
    double total = 0;
    for (size_t i = 0; i < ntokens; i++)
        total += score(i);
    printf("%zu %s, last %s, total %.1f\n", ntokens, title, tokens[ntokens - 1].text, total);
    for (size_t i = 0; i < ntokens; i++)
        free(tokens[i].text);
    free(tokens);
    free(weights);
    return 0;
}
