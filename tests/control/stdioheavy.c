/* stdioheavy.c: a program whose one thread does nothing but stdio (getc
 * from a file, putc to another, a line per pass on stdout) while
 * checkpoints are asked for through the control channel: its streams lock
 * nothing then (libc_locks.c), so the control thread must never touch them. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    int passes = atoi(argv[3]);
    FILE *out = fopen(argv[2], "w");
    if (!out)
        return 3;
    for (int p = 0; p < passes; p++) {
        FILE *in = fopen(argv[1], "r");
        if (!in)
            return 4;
        unsigned long sum = 0;
        int c;
        while ((c = getc(in)) != EOF) {
            sum = sum * 31 + (unsigned char)c;
            putc(c ^ (p & 7), out);
        }
        fclose(in);
        printf("pass %d sum %lu\n", p, sum);
    }
    return fclose(out) != 0;
}
