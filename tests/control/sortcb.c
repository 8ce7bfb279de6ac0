/* sortcb.c: qsort with a comparator that has adaptation points (a loop
 * over the keys), for the cost of a request that waits while the sort
 * runs: inside a callback from untransformed code no capture can start,
 * and the comparator's polls must stay cheap meanwhile. Prints the sort's
 * time on stderr and a checksum on stdout. argv[1]: the number of keys;
 * argv[2], if given: a checkpoint file to wait for after the sort, passing
 * adaptation points, so that a request sent while the program runs is
 * always taken before it ends (the restored run finds the file there). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum { KEY = 24 };

typedef struct rec {
    unsigned char key[KEY];
} rec;

/* strcmp by recursion from position i: a function that is no leaf (it
 * calls itself), so mtcc gives it and the comparator adaptation points */
static int compare_from(const rec *x, const rec *y, int i)
{
    if (x->key[i] != y->key[i])
        return x->key[i] < y->key[i] ? -1 : 1;
    return x->key[i] ? compare_from(x, y, i + 1) : 0;
}

static int compare(const void *a, const void *b)
{
    return compare_from(a, b, 0);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 400000;
    rec *v = malloc((size_t)n * sizeof *v);
    if (!v)
        return 1;
    unsigned s = 7;
    for (long i = 0; i < n; i++)
        for (int k = 0; k < KEY; k++) {
            s = s * 1103515245u + 12345u;
            v[i].key[k] = k == KEY - 1 ? 0 : k < KEY - 5 ? 'a' : (unsigned char)('a' + (s >> 16) % 26);  /* long common prefixes */
        }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    qsort(v, (size_t)n, sizeof *v, compare);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    while (argc > 2 && access(argv[2], F_OK) != 0)
        compare(&v[0], &v[n - 1]);  /* adaptation points until the checkpoint exists */
    unsigned long sum = 0;
    for (long i = 0; i < n; i += 97)
        sum = sum * 31 + v[i].key[KEY - 1] + v[i].key[KEY - 2];
    printf("sorted %ld sum %lu\n", n, sum);
    fprintf(stderr, "sort %.3f s\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
