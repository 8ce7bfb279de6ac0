/* recforms.c: one self-recursive form per argument (sum, fact, tri, find,
 * down, down2, depth, last: returned conditionals, void ones, kept locals),
 * each run 2000 times (or as many as the second argument says) 1000 deep;
 * bench/recforms.sh measures them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct node { int key; struct node *next; };
static long sum(long n) { return n == 0 ? 0 : n + sum(n - 1); }
static unsigned fact(unsigned n) { return n <= 1 ? 1u : n * fact(n - 1); }
static long tri(int n)
{
    return n <= 0 ? 0 : n % 3 == 0 ? 3 + tri(n - 1) : n % 3 == 1 ? tri(n - 1) + n : (long)(n % 7) + tri(n - 1);
}
static struct node *find(struct node *p, int key) { return !p ? NULL : p->key == key ? p : find(p->next, key); }
static long long walked;
static void finish(int n) { walked += 1000 * n; }
static void down(int n) { walked += n & 3; return n > 0 ? down(n - 1) : finish(n); }
static void down2(int n) { walked += n & 3; n > 0 ? down2(n - 1) : finish(7); }
static long depth(int n)
{
    if (n == 0)
        return 0;
    long d = depth(n - 1);
    return d + 1;
}
static int last(int n)
{
    int r;
    if (n == 0)
        return 42;
    r = last(n - 1);
    return r;
}
int main(int argc, char **argv)
{
    const char *f = argc > 1 ? argv[1] : "sum";
    int reps = argc > 2 ? atoi(argv[2]) : 2000;
    long acc = 0;
    struct node *head = NULL;
    if (strcmp(f, "find") == 0)
        for (int i = 1000; i > 0; i--) {
            struct node *n = malloc(sizeof *n);
            n->key = i, n->next = head, head = n;
        }
    for (int rep = 0; rep < reps; rep++) {
        int n = 1000 + rep % 7;
        if (strcmp(f, "sum") == 0) acc += sum(n);
        else if (strcmp(f, "fact") == 0) acc += fact((unsigned)n);
        else if (strcmp(f, "tri") == 0) acc += tri(n);
        else if (strcmp(f, "find") == 0) acc += find(head, 990 + rep % 7)->key;
        else if (strcmp(f, "down") == 0) down(n);
        else if (strcmp(f, "down2") == 0) down2(n);
        else if (strcmp(f, "depth") == 0) acc += depth(n);
        else if (strcmp(f, "last") == 0) acc += last(n);
    }
    printf("%s %ld %lld\n", f, acc, walked);
    return 0;
}
