/* msort.c: a recursive merge sort. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void msort(int *v, int *tmp, int n)
{
    if (n < 2)
        return;
    int h = n / 2;
    msort(v, tmp, h);
    msort(v + h, tmp, n - h);
    int i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = v[i] <= v[j] ? v[i++] : v[j++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3000000;
    int *v = malloc(n * sizeof *v), *tmp = malloc(n * sizeof *tmp);
    unsigned x = 7;
    for (int i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        v[i] = (int)(x >> 4);
    }
    msort(v, tmp, n);
    printf("msort %d %d %d\n", v[0], v[n / 2], v[n - 1]);
    return 0;
}
