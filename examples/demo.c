/* demo.c: an ordinary C program for `make demo`: a heat simulation on a
 * heap grid with a tree of hot spots, printing its progress. Nothing in
 * it knows about MigThread. */
#include <stdio.h>
#include <stdlib.h>

struct spot {
    int row, col;
    double heat;
    struct spot *left, *right;
};

static struct spot *add_spot(struct spot *t, int row, int col, double heat)
{
    if (!t) {
        t = malloc(sizeof *t);
        t->row = row;
        t->col = col;
        t->heat = heat;
        t->left = t->right = NULL;
        return t;
    }
    if (row * 1000 + col < t->row * 1000 + t->col)
        t->left = add_spot(t->left, row, col, heat);
    else
        t->right = add_spot(t->right, row, col, heat);
    return t;
}

static void apply(struct spot *t, double **grid)
{
    if (!t)
        return;
    grid[t->row][t->col] = t->heat;
    apply(t->left, grid);
    apply(t->right, grid);
}

static double step(double **from, double **to, int n)
{
    double total = 0;
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++) {
            to[i][j] = (from[i - 1][j] + from[i + 1][j] + from[i][j - 1] + from[i][j + 1]) / 4;
            total += to[i][j];
        }
    return total;
}

int main(void)
{
    int n = 64;
    double **a = malloc(n * sizeof *a), **b = malloc(n * sizeof *b);
    for (int i = 0; i < n; i++) {
        a[i] = calloc(n, sizeof **a);
        b[i] = calloc(n, sizeof **b);
    }
    struct spot *spots = NULL;
    unsigned x = 2024;
    for (int k = 0; k < 40; k++) {
        x = x * 1103515245u + 12345u;
        spots = add_spot(spots, 1 + (int)(x >> 16) % (n - 2), 1 + (int)(x >> 8) % (n - 2), 100 + k);
    }
    for (int t = 1; t <= 400; t++) {
        apply(spots, a);
        double total = step(a, b, n);
        double **swap = a;
        a = b;
        b = swap;
        if (t % 40 == 0)
            printf("step %3d: total heat %12.4f  centre %9.5f\n", t, total, a[n / 2][n / 2]);
    }
    return 0;
}
