/* fread.c: copies a file in blocks of 100 bytes with fread, writing a
 * checksum line per block with fprintf and the block itself with fwrite;
 * the streams are members of a heap block. */
#include <stdio.h>
#include <stdlib.h>

struct job {
    FILE *src, *dst;
    unsigned long sum;
};

static unsigned long step(struct job *j, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        j->sum = (j->sum * 131 + b[i]) % 1000003;  /* fits 32 bits: restores on i686 */
    return j->sum;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    struct job *j = calloc(1, sizeof *j);
    if (!j || !(j->src = fopen(argv[1], "rb")) || !(j->dst = fopen(argv[2], "wb")))
        return 3;
    unsigned char block[100];
    size_t n;
    long blocks = 0;
    while ((n = fread(block, 1, sizeof block, j->src)) > 0) {
        fprintf(j->dst, "block %ld: %zu bytes, sum %lu\n", blocks++, n, step(j, block, n) % 1000003);
        fwrite(block, 1, n, j->dst);
        fputc('\n', j->dst);
    }
    printf("%ld blocks, sum %lu\n", blocks, j->sum);
    fclose(j->src);
    fclose(j->dst);
    free(j);
    return 0;
}
