/* sorting.c: qsort with a comparator, and a recursive merge sort. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pair {
    int key;
    int tag;
};

static int compare_pairs(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->tag - y->tag;
}

static void merge_sort(int *v, int *tmp, int n)
{
    if (n < 2)
        return;
    int h = n / 2;
    merge_sort(v, tmp, h);
    merge_sort(v + h, tmp, n - h);
    int i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = v[i] <= v[j] ? v[i++] : v[j++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

int main(void)
{
    int n = 3000;
    struct pair *p = malloc(n * sizeof *p);
    int *v = malloc(n * sizeof *v);
    int *tmp = malloc(n * sizeof *tmp);
    unsigned x = 99;
    for (int round = 0; round < 8; round++) {
        for (int i = 0; i < n; i++) {
            x = x * 1664525u + 1013904223u;
            p[i].key = (int)(x >> 20);
            p[i].tag = i;
            v[i] = (int)(x >> 8) % 100000;
        }
        qsort(p, n, sizeof *p, compare_pairs);
        merge_sort(v, tmp, n);
        long s = 0;
        for (int i = 0; i < n; i += 97)
            s += p[i].key * 3 + p[i].tag + v[i];
        printf("round %d: %ld min %d max %d\n", round, s, v[0], v[n - 1]);
    }
    return 0;
}
