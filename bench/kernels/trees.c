/* trees.c: building, walking and freeing binary trees, as the Benchmarks
 * Game's binary-trees does (issue 17): one malloc and one free per node,
 * recursion on both sides. */
#include <stdio.h>
#include <stdlib.h>

struct node {
    struct node *left, *right;
};

static struct node *build(int depth)
{
    struct node *n = malloc(sizeof *n);
    if (depth > 0) {
        n->left = build(depth - 1);
        n->right = build(depth - 1);
    } else {
        n->left = n->right = NULL;
    }
    return n;
}

static long check(const struct node *n)
{
    return n->left ? 1 + check(n->left) + check(n->right) : 1;
}

static void release(struct node *n)
{
    if (n->left) {
        release(n->left);
        release(n->right);
    }
    free(n);
}

int main(int argc, char **argv)
{
    int max = argc > 1 ? atoi(argv[1]) : 18;
    struct node *lasting = build(max);
    long total = 0;
    for (int d = 4; d <= max; d += 2) {
        int iterations = 1 << (max - d + 4);
        for (int i = 0; i < iterations; i++) {
            struct node *t = build(d);
            total += check(t);
            release(t);
        }
    }
    printf("trees %ld %ld\n", total, check(lasting));
    release(lasting);
    return 0;
}
