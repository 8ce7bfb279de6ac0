/* main.c: declarations whose initializer calls a function and names the
 * variable being declared, which C puts in scope in its own initializer:
 * sizeof *it, sizeof it, &p, __typeof__(it), a macro that names it, a
 * second declarator naming itself or the first, a for clause, a braced
 * initializer, a pointer to a variable-length array, a local that shadows
 * an outer one or a global, static locals naming themselves; const,
 * volatile and attributed variables, one after a label or a case, two
 * declarators each naming itself, && naming it. mtcc lifts
 * the calls before the declaration: the variable must already exist there
 * (and be the new one, not the one it hides). */
#include <stdio.h>
#include <stdlib.h>

#include "selfinit.h"

struct item {
    int value;
    struct item *next;
};

long width = 1000;  /* hidden by a local char width below */

#define NEW(p) keep(malloc(sizeof *(p)))

static struct item *push(struct item *head, int v)
{
    struct item *it = keep(malloc(sizeof *it));
    it->value = v;
    it->next = head;
    return it;
}

static struct item *push_typeof(struct item *head, int v)
{
    struct item *it = (__typeof__(it))NEW(it);
    it->value = v + id(sizeof it == sizeof(struct item *));
    it->next = head;
    return it;
}

static int self_address(void)
{
    void **p = fill(keep(malloc(sizeof *p)), 0, sizeof(&p));
    int same = (void *)p != (void *)&p && !*p;
    free(p);
    return same;
}

static int several(int k)
{
    int a = id(k), b = id(a + (int)sizeof b), c = id(b) + id((int)sizeof c);
    return a + b + c;
}

static int walk(struct item *head)
{
    int total = 0;
    struct item *first = NULL;
    for (struct item *it = fill(keep(malloc(sizeof *it)), 0, sizeof *it); it; it = it->next) {
        if (!first) {
            first = it;
            it->next = head;
        }
        total += id(it->value);
    }
    free(first);
    return total;
}

static int braced(int k)
{
    struct item it = { id((sizeof it == sizeof(struct item)) + k), 0 };
    int z = { id((int)sizeof z) };
    return it.value + z;
}

static int shadows(int k)
{
    char width = (char)id((int)sizeof width);  /* 1: the new width, not the global */
    int total = width;
    {
        long k2 = k;
        {
            short k2 = (short)id((int)sizeof k2);  /* 2 */
            total += k2;
        }
        total += (int)k2;
    }
    return total;
}

static double vla_row(int n)
{
    double (*m)[n] = keep(malloc(sizeof *m * (size_t)id(3)));
    for (int i = 0; i < n; i++)
        m[2][i] = i * 0.5;
    double s = 0;
    for (int i = 0; i < n; i++)
        s += m[2][i];
    free(m);
    return s;
}

static int conditional(int k)
{
    int x = k & 1 ? id((int)sizeof x) : id(k);
    return x;
}

static int statics(void)
{
    static void *self = &self;
    static int seed = 5;
    static int *ps = &seed;
    return (self == &self) + (*ps)++;
}

static int qualified(int k)
{
    struct item *const it = keep(malloc(sizeof *it));  /* const: kept in its record */
    it->value = k;
    volatile int x = id((int)sizeof x);
    int y __attribute__((unused)) = id((int)sizeof y);
    __attribute__((aligned(16))) int z = id((int)sizeof z);
    int v = it->value + x + y + z + id(k) && id((int)sizeof v);
    free(it);
    return v;
}

static int placed(int k)
{
    if (k % 2)
        goto odd;
    switch (k % 3) {
    case 1: {
        int x = id((int)sizeof x);
        return x;
    }
    default:
        break;
    }
    return 0;
odd:;
    struct item *it = keep(malloc(sizeof *it)), *jt = keep(malloc(sizeof *jt));
    it->value = k;
    jt->value = 1;
    int v = it->value + jt->value;
    for (int i = id(k), j = id((int)sizeof j + i); i < k + 3; i++)
        v += j;
    for (struct item *p = keep(malloc(sizeof *p)), *q = keep(malloc(sizeof *q)); p; p = NULL) {
        p->value = id(k);
        q->value = 2;
        v += p->value * q->value;
        free(p);
        free(q);
    }
    free(it);
    free(jt);
    return v;
}

static void release(struct item *head)
{
    while (head) {
        struct item *next = head->next;
        free(head);
        head = next;
    }
}

int main(void)
{
    long sum = 0;
    for (int r = 0; r < 30; r++) {
        struct item *head = NULL;
        for (int i = 0; i < 6; i++)
            head = i % 2 ? push(head, r + i) : push_typeof(head, r - i);
        sum += walk(head);
        sum += self_address() + several(r) + braced(r) + shadows(r) + conditional(r) + statics();
        sum += (long)vla_row(r % 7 + 1) + qualified(r) + placed(r);
        release(head);
        printf("round %d: %ld (width %ld)\n", r, sum, width);
    }
    return 0;
}
