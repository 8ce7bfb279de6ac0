/* list.c: linked lists: building, reversing, merge sort, filtering. */
#include <stdio.h>
#include <stdlib.h>

struct item {
    long value;
    struct item *next;
};

static struct item *push(struct item *head, long v)
{
    struct item *it = malloc(sizeof *it);
    it->value = v;
    it->next = head;
    return it;
}

static struct item *reverse(struct item *l)
{
    struct item *out = NULL;
    while (l) {
        struct item *next = l->next;
        l->next = out;
        out = l;
        l = next;
    }
    return out;
}

static struct item *merge(struct item *a, struct item *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    if (a->value <= b->value) {
        struct item *rest = merge(a->next, b);
        a->next = rest;
        return a;
    }
    struct item *rest = merge(a, b->next);
    b->next = rest;
    return b;
}

static struct item *sort(struct item *l)
{
    if (!l || !l->next)
        return l;
    struct item *slow = l, *fast = l->next;
    while (fast && fast->next) {
        slow = slow->next;
        fast = fast->next->next;
    }
    struct item *second = slow->next;
    slow->next = NULL;
    struct item *a = sort(l);
    struct item *b = sort(second);
    return merge(a, b);
}

static long sum_every(struct item *l, int k)
{
    long s = 0;
    for (int i = 0; l; l = l->next, i++)
        if (i % k == 0)
            s += l->value;
    return s;
}

int main(void)
{
    struct item *l = NULL;
    long long x = 7;
    for (int i = 0; i < 1500; i++) {
        x = (x * 48271) % 2147483647;
        l = push(l, (long)(x % 100000));
    }
    for (int pass = 0; pass < 6; pass++) {
        l = sort(l);
        printf("pass %d: first %ld every7 %ld\n", pass, l->value, sum_every(l, 7));
        l = reverse(l);
        for (struct item *p = l; p; p = p->next)
            p->value = (p->value * 31 + pass) % 100003;
    }
    return 0;
}
