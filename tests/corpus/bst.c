/* bst.c: a binary search tree with insertions and deletions. */
#include <stdio.h>
#include <stdlib.h>

struct node {
    int key;
    int count;
    struct node *left, *right;
};

static struct node *insert(struct node *t, int key)
{
    if (!t) {
        t = malloc(sizeof *t);
        t->key = key;
        t->count = 1;
        t->left = t->right = NULL;
        return t;
    }
    if (key == t->key)
        t->count++;
    else if (key < t->key)
        t->left = insert(t->left, key);
    else
        t->right = insert(t->right, key);
    return t;
}

static struct node *min_node(struct node *t)
{
    while (t->left)
        t = t->left;
    return t;
}

static struct node *delete(struct node *t, int key)
{
    if (!t)
        return NULL;
    if (key < t->key) {
        t->left = delete(t->left, key);
    } else if (key > t->key) {
        t->right = delete(t->right, key);
    } else if (!t->left || !t->right) {
        struct node *child = t->left ? t->left : t->right;
        free(t);
        return child;
    } else {
        struct node *m = min_node(t->right);
        t->key = m->key;
        t->count = m->count;
        m->count = 1;
        t->right = delete(t->right, m->key);
    }
    return t;
}

static long checksum(struct node *t, int depth)
{
    if (!t)
        return 0;
    long l = checksum(t->left, depth + 1);
    long r = checksum(t->right, depth + 1);
    return l + r + (long)t->key * t->count * (depth + 1);
}

int main(void)
{
    struct node *root = NULL;
    unsigned x = 12345;
    for (int round = 0; round < 30; round++) {
        for (int i = 0; i < 200; i++) {
            x = x * 1103515245u + 12345u;
            root = insert(root, (int)(x >> 16) % 5000);
        }
        for (int i = 0; i < 80; i++) {
            x = x * 1103515245u + 12345u;
            root = delete(root, (int)(x >> 16) % 5000);
        }
        printf("round %d checksum %ld\n", round, checksum(root, 0));
    }
    return 0;
}
