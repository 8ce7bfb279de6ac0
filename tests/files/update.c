/* update.c: a file opened for reading and writing ("r+"): fixed-size
 * records are read, changed and written back in place, with fseek between
 * the read and the write as C requires, several passes over the file. */
#include <stdio.h>
#include <stdlib.h>

enum { WIDTH = 12 };

static long next(long v, int pass)
{
    return (v * 7 + pass) % 1000003;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    FILE *f = fopen(argv[1], "r+");
    if (!f)
        return 3;
    char rec[WIDTH + 1];
    long sum = 0;
    for (int pass = 0; pass < 3; pass++) {
        if (fseek(f, 0, SEEK_SET) != 0)
            return 4;
        for (long i = 0;; i++) {
            if (fread(rec, 1, WIDTH, f) != WIDTH)
                break;
            rec[WIDTH] = '\0';
            long v = next(strtol(rec, NULL, 10), pass);
            sum += v;
            if (fseek(f, -WIDTH, SEEK_CUR) != 0 || fprintf(f, "%11ld\n", v) != WIDTH || fseek(f, 0, SEEK_CUR) != 0)
                return 5;
        }
    }
    printf("sum %ld\n", sum);
    fclose(f);
    return 0;
}
