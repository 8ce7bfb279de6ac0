/* tailrec.c: functions calling themselves in tail position, which mtcc
 * turns into jumps back to their start (src/mtcc/tailcall.c): plain tail
 * calls, sums and products accumulated across them (with wrap-around),
 * void functions ending in a call, tail calls inside loops, branches and
 * conditional expressions,
 * arguments that call functions, struct and pointer parameters, and a
 * list walk deeper than the stack would hold as real recursion. */
#include <stdio.h>
#include <stdlib.h>

struct node { int key; struct node *next; };
struct span { int lo, hi; };

static long fib(int n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

/* a product that wraps around in 32 bits */
static unsigned fact(unsigned n)
{
    if (n <= 1)
        return 1;
    return n * fact(n - 1);
}

/* signed, with the accumulated sum going negative on the way */
static int alternate(int n)
{
    if (n == 0)
        return 0;
    return (n % 2 ? -n : n) + alternate(n - 1);
}

static int gcd(int a, int b)
{
    if (b == 0)
        return a;
    return gcd(b, a % b);
}

/* the same as conditionals, whose arms return or jump */
static int gcd2(int a, int b) { return b ? gcd2(b, a % b) : a; }
static long long sumto(long long n, long long acc) { return n == 0 ? acc : sumto(n - 1, acc + n); }

static int search(const int *a, struct span s, int key)
{
    if (s.lo >= s.hi)
        return -1;
    int mid = s.lo + (s.hi - s.lo) / 2;
    if (a[mid] == key)
        return mid;
    if (a[mid] < key) {
        struct span right = { mid + 1, s.hi };
        return search(a, right, key);
    }
    struct span left = { s.lo, mid };
    return search(a, left, key);
}

static long long walked;
static void walk(const struct node *n, long depth)
{
    if (!n)
        return;
    walked += (long long)n->key * (depth % 7);
    if (n->key % 1000 == 0)
        printf("  at %d, depth %ld\n", n->key, depth);
    walk(n->next, depth + 1);
}

/* a tail call in a branch at the end, then a plain return after one */
static int visits;
static void countdown(int n)
{
    visits++;
    if (n > 0) {
        if (n % 3 == 0) {
            countdown(n - 2);
            return;
        }
        countdown(n - 1);
    }
}

static int twice(int x) { return fib(x % 5) + 2 * x; }

/* arguments that call functions, and a tail call inside a loop */
static long mix(int n, long acc)
{
    for (int i = 0; i < 3; i++)
        if ((n + i) % 4 == 0 && n > 0)
            return mix(n - 1, acc + twice(i));
    if (n <= 0)
        return acc;
    return mix(twice(n) % n == 0 ? n - 2 : n - 1, acc * 3 % 1000003);
}

/* both kinds in one function: the sum accumulates, the product stays a call */
static long both(int n)
{
    if (n <= 0)
        return 1;
    if (n % 5 == 0)
        return 2 * both(n - 1);
    return n + both(n - 1);
}

int main(void)
{
    for (int i = 0; i <= 24; i += 6)
        printf("fib(%d) = %ld\n", i, fib(i));
    printf("fact(20) = %u, fact(13) = %u\n", fact(20), fact(13));
    printf("alternate(1001) = %d\n", alternate(1001));
    printf("gcd = %d %d %d\n", gcd(1071, 462), gcd(832040, 514229), gcd2(832040, 514229));
    printf("sumto = %lld\n", sumto(150000, 0));
    int a[500];
    for (int i = 0; i < 500; i++)
        a[i] = 3 * i + 1;
    long found = 0;
    for (int k = 0; k < 1500; k += 7) {
        struct span all = { 0, 500 };
        found += search(a, all, k);
    }
    printf("search: %ld\n", found);
    int len = 200000;
    struct node *head = NULL;
    for (int i = len; i > 0; i--) {
        struct node *n = malloc(sizeof *n);
        n->key = i;
        n->next = head;
        head = n;
    }
    walk(head, 0);
    printf("walked %lld\n", walked);
    countdown(3000);
    printf("visits %d\n", visits);
    printf("mix %ld\n", mix(600, 1));
    printf("both %ld\n", both(60));
    while (head) {
        struct node *next = head->next;
        free(head);
        head = next;
    }
    return 0;
}
