/* clangcc.c: a program built with `mtcc --cc=clang` (glibc's headers
 * preprocessed by clang define _FloatN as typedefs, which gcc keeps as
 * keywords): math, the heap and a loop of adaptation points. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct cell {
    double root;
    struct cell *next;
};

int main(int argc, char **argv)
{
    int cells = argc > 1 ? atoi(argv[1]) : 200000;
    struct cell *list = NULL;
    double sum = 0;
    for (int i = 1; i <= cells; i++) {
        struct cell *c = malloc(sizeof *c);
        c->root = sqrt((double)i);
        c->next = list;
        list = c;
        sum += c->root;
        if (i % 40000 == 0)
            printf("%d %.17g\n", i, sum);
    }
    long n = 0;
    for (struct cell *c = list; c; c = c->next)
        n++;
    printf("cells %ld\n", n);
    return 0;
}
