/* lzmatch.c: an LZ77 match finder in the style of lz4: small static helpers
 * (unaligned loads through memcpy, a hash, a match counter) called from the
 * hot loop. mtcc leaves such helpers plain calls (leaves, docs/design.md);
 * before, each call was a resume site and each memcpy'd local was pinned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BITS 14

static unsigned read32(const unsigned char *p)
{
    unsigned v;
    memcpy(&v, p, sizeof v);
    return v;
}

static unsigned hash4(unsigned v)
{
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* how many bytes from a and b agree, up to limit */
static int count(const unsigned char *a, const unsigned char *b, const unsigned char *limit)
{
    const unsigned char *start = a;
    while (a + 4 <= limit && read32(a) == read32(b)) {
        a += 4;
        b += 4;
    }
    while (a < limit && *a == *b) {
        a++;
        b++;
    }
    return (int)(a - start);
}

/* Text with repetition: words drawn from a small vocabulary. */
static void fill(unsigned char *buf, size_t n)
{
    static const char *words[] = { "migrate ", "thread ", "state ", "checkpoint ", "restore ",
                                   "heap ", "frame ", "pointer ", "byte ", "order " };
    unsigned x = 12345;
    size_t i = 0;
    while (i < n) {
        x = x * 1103515245u + 12345u;
        const char *w = words[(x >> 16) % 10];
        for (size_t k = 0; w[k] && i < n; k++)
            buf[i++] = (unsigned char)w[k];
    }
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 8000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 4;
    unsigned char *buf = malloc(n + 8);
    int *table = malloc(sizeof(int) << HASH_BITS);
    if (!buf || !table)
        return 1;
    fill(buf, n);
    long matched = 0, matches = 0;
    for (int r = 0; r < rounds; r++) {
        memset(table, 0xff, sizeof(int) << HASH_BITS);
        for (size_t i = 0; i + 8 <= n;) {
            unsigned h = hash4(read32(buf + i));
            int cand = table[h];
            table[h] = (int)i;
            int len = cand >= 0 && read32(buf + cand) == read32(buf + i) ? count(buf + i, buf + cand, buf + n) : 0;
            if (len >= 4) {
                matched += len;
                matches++;
                i += (size_t)len;
            } else
                i++;
        }
    }
    printf("matches %ld matched %ld\n", matches, matched);
    free(buf);
    free(table);
    return 0;
}
