/* textio.c: blocks the C library allocates for the program (getline,
 * asprintf, posix_memalign) are tracked and saved like malloc's. The input
 * is read by a leaf (its loop calls only the C library), which no capture
 * interrupts while its stream is open. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec {
    char *text;
    double *vals;
};

static struct rec *recs;
static char *last_line;

static int score(const char *s)
{
    int v = 0;
    for (; *s; s++)
        v = (v * 31 + *s) & 0xffff;
    return v;
}

static int load(void)
{
    static const char input[] = "alpha 1\nbeta 22\ngamma 333\ndelta 4444\n";
    FILE *f = fmemopen((void *)input, sizeof input - 1, "r");
    size_t cap = 0;
    int n = 0;
    recs = calloc(8, sizeof *recs);
    while (f && n < 8 && getline(&last_line, &cap, f) > 0) {
        last_line[strcspn(last_line, "\n")] = 0;
        if (asprintf(&recs[n].text, "[%s]", last_line) < 0)
            break;
        if (posix_memalign((void **)&recs[n].vals, 64, 4 * sizeof(double)) != 0)
            break;
        n++;
    }
    if (f)
        fclose(f);
    return n;
}

int main(void)
{
    int n = load();
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 4; k++)
            recs[i].vals[k] = score(recs[i].text) * (k + 1);
    long total = 0;
    for (int r = 0; r < 3000; r++)
        for (int i = 0; i < n; i++)
            total += score(recs[i].text) + (long)recs[i].vals[r % 4] + (long)strlen(last_line);
    printf("%d records, total %ld, first %s last %s (%s)\n", n, total, recs[0].text, recs[n - 1].text, last_line);
    return 0;
}
