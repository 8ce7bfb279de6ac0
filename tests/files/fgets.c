/* fgets.c: reads a text file line by line with fgets and writes a report
 * with fprintf. The input stream is a global, the output a local, and a
 * third pointer to the input lives in a heap block: all three must be the
 * restored process's streams after a restore. */
#include <stdio.h>
#include <stdlib.h>

static FILE *in;

struct reader {
    FILE *src;
    long lines;
};

static unsigned long mix(const char *s, unsigned long h)
{
    while (*s)
        h = (h * 31 + (unsigned char)*s++) % 1000003;  /* fits 32 bits: restores on i686 */
    return h;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    in = fopen(argv[1], "r");
    FILE *out = fopen(argv[2], "w");
    struct reader *r = malloc(sizeof *r);
    if (!in || !out || !r)
        return 3;
    r->src = in;
    r->lines = 0;
    char line[200];
    unsigned long h = 5381;
    while (fgets(line, sizeof line, r->src)) {
        h = mix(line, h);
        fprintf(out, "%ld %lu %s", ++r->lines, h % 100000, line);
    }
    printf("%ld lines, hash %lu, eof %d\n", r->lines, h, feof(in) != 0);
    fclose(in);
    fclose(out);
    free(r);
    return 0;
}
