/* bulk.c: a program with a heap of a chosen size (argv[1] kilobytes,
 * default 256) that sums it in rounds, for checkpoints too big for a small
 * disk or a file-size limit, and big enough to be killed mid-write. */
#include <stdio.h>
#include <stdlib.h>

static unsigned long round_sum(const unsigned *v, size_t n, unsigned round)
{
    unsigned long s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i] ^ round;
    return s;
}

int main(int argc, char **argv)
{
    size_t kb = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 256;
    size_t n = kb * 1024 / sizeof(unsigned);
    unsigned *v = malloc(n * sizeof *v);
    if (!v)
        return 1;
    for (size_t i = 0; i < n; i++)
        v[i] = (unsigned)(i * 2654435761u);
    for (unsigned round = 0; round < 40; round++) {
        unsigned long s = round_sum(v, n, round);
        v[round % n] += (unsigned)s;
        printf("round %u: %lu\n", round, s);
    }
    free(v);
    return 0;
}
