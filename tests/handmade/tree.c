/* tree.c: the plain program that tree_mt.c transforms by hand. */
#include <stdio.h>
#include <stdlib.h>

struct node { int key; struct node *left, *right; };
static struct node *root;
static long total;

static struct node *insert(struct node *t, int key)
{
    if (!t) {
        t = malloc(sizeof *t);
        t->key = key;
        t->left = t->right = NULL;
        return t;
    }
    if (key < t->key)
        t->left = insert(t->left, key);
    else
        t->right = insert(t->right, key);
    return t;
}

static long sum(struct node *t)
{
    if (!t)
        return 0;
    return t->key + sum(t->left) + sum(t->right);
}

int main(void)
{
    int keys[8];
    int *kp = keys;
    const char *label = "round";
    for (int round = 0; round < 120; round++) {
        for (int i = 0; i < 8; i++)
            kp[i] = (round * 37 + i * 11) % 1000;
        for (int i = 0; i < 8; i++)
            root = insert(root, keys[i]);
        total += sum(root) % 1000;
        if (round % 20 == 0)
            printf("%s %d total %ld\n", label, round, total);
    }
    printf("final %ld\n", total);
    return 0;
}
