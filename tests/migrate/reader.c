/* reader.c: a job for tests/migrate-opts.sh with an open file: it opens
 * FILE (argv[2], a path relative to its working directory) and each of
 * STEPS steps (argv[1]) reads a line of it, works, and prints it on stdout
 * and "tick N" on stderr. A destination without FILE cannot reopen it. */
#include <stdio.h>
#include <stdlib.h>

#define WORK 8000000  /* iterations per step: about 25 ms natively */

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 20;
    FILE *in = fopen(argc > 2 ? argv[2] : "data.txt", "r");
    if (!in)
        return perror("reader"), 1;
    unsigned long long x = 1;
    char line[128];
    for (int step = 0; step < steps && fgets(line, sizeof line, in); step++) {
        for (int i = 0; i < WORK; i++)
            x = (x ^ (x >> 7)) * 0x9E3779B97F4A7C15ull + (unsigned long long)i;
        printf("step %d %llu %s", step, x % 1000003, line);
        fflush(stdout);
        fprintf(stderr, "tick %d\n", step);
    }
    fclose(in);
    return 0;
}
