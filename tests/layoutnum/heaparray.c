/* heaparray.c: a heap array of offsets filled through an out parameter
 * (an option table's fields, as a parser keeps them), beside a heap array
 * of plain counts filled the same way. The offsets differ on i686: the
 * restore is refused there by the offsets' allocation site, and
 * round-trips on s390x (tests/layoutnum.sh). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

struct cfg { int verbose; long limit; char *name; };

static void fill_offsets(size_t *out)
{
    out[0] = offsetof(struct cfg, verbose);
    out[1] = offsetof(struct cfg, limit);
    out[2] = offsetof(struct cfg, name);
}

static void fill_counts(size_t *out)
{
    for (int i = 0; i < 3; i++)
        out[i] = (size_t)(i * 10 + 1);
}

static volatile long sink;
static void work(long v) { sink += v; }

int main(void)
{
    size_t *offsets = malloc(3 * sizeof *offsets);
    size_t *counts = malloc(3 * sizeof *counts);
    if (!offsets || !counts)
        return 1;
    fill_offsets(offsets);
    fill_counts(counts);
    for (int round = 0; round < 6; round++) {
        work(round);
        printf("round %d: %s %zu\n", round, offsets[2] > offsets[1] ? "ordered" : "unordered", counts[round % 3]);
    }
    free(offsets);
    free(counts);
    return 0;
}
