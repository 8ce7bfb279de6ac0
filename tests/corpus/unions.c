/* Tagged values whose unions hold ints, doubles and pointers, in globals,
 * locals, heap blocks, arrays of structs and nested unions; a union of a
 * pointer and an intptr_t used as a pointer. A restore must convert each
 * union by the member last stored into and translate its pointers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum kind { K_INT, K_DBL, K_STR, K_CELL };

struct cell;

typedef struct value {
    enum kind kind;
    union {
        long i;
        double d;
        const char *s;
        struct cell *c;
    } as;
} value;

struct cell {
    value head;
    struct cell *next;
};

union shape {
    struct { short w, h; } rect;
    union { float r; long long big; } round;   /* a union in a union */
    int sides[3];
};

union word {
    void *p;
    intptr_t bits;
};

static const char *names[] = { "zero", "one", "two", "three", "four" };

value global_vals[6] = { { K_INT, { .i = 7 } }, { K_DBL, { .d = 2.5 } }, { K_STR, { .s = "lit" } } };
union shape global_shape = { .round = { .r = 1.5f } };
union word global_word;
long sum_cells;

static value make(int k, long n)
{
    value v;
    v.kind = (enum kind)k;
    if (k == K_INT)
        v.as.i = n * 3 - 40;
    else if (k == K_DBL)
        v.as.d = n / 4.0;
    else
        v.as.s = names[n % 5];
    return v;
}

static void show(const value *v)
{
    switch (v->kind) {
    case K_INT: printf("i%ld ", v->as.i); break;
    case K_DBL: printf("d%.3f ", v->as.d); break;
    case K_STR: printf("s%s ", v->as.s); break;
    case K_CELL: printf("c%ld ", v->as.c ? v->as.c->head.as.i : -1L); break;
    }
}

static struct cell *push(struct cell *list, long n)
{
    struct cell *c = malloc(sizeof *c);
    c->head.kind = K_INT;
    c->head.as.i = n;
    c->next = list;
    return c;
}

static long walk(struct cell *c)
{
    long s = 0;
    for (; c; c = c->next)
        s += c->head.as.i;
    return s;
}

static void step(int round, value *heap_vals, struct cell **list)
{
    value local;
    local.kind = K_CELL;
    *list = push(*list, round);
    local.as.c = *list;                            /* a pointer in a local union */
    heap_vals[round % 8] = make(round % 3, round); /* a whole struct holding a union */
    heap_vals[(round + 4) % 8].kind = K_CELL;
    heap_vals[(round + 4) % 8].as.c = *list;       /* a pointer in a heap union */
    global_vals[3 + round % 3] = local;             /* copied: the member goes along */
    if (round % 2)
        global_shape.rect.w = (short)round, global_shape.rect.h = 2;
    else
        global_shape.round.big = 1000000007LL * round;
    global_word.p = &global_vals[round % 6];        /* a pointer in a union of pointer and intptr_t */
    sum_cells += walk(*list) % 1000;
    show(&local);
    show(&heap_vals[round % 8]);
    show(&global_vals[3 + round % 3]);
    printf("%ld\n", (long)(((value *)global_word.p) - global_vals));
}

int main(void)
{
    value *heap_vals = calloc(8, sizeof *heap_vals);
    struct cell *list = NULL;
    union shape local_shape = { .sides = { 1, 2, 3 } };
    for (int round = 0; round < 60; round++) {
        step(round, heap_vals, &list);
        local_shape.sides[round % 3] += round;
    }
    for (int i = 0; i < 6; i++)
        show(&global_vals[i]);
    for (int i = 0; i < 8; i++)
        show(&heap_vals[i]);
    if (global_shape.rect.h == 2)
        printf("\nrect %d %d", global_shape.rect.w, global_shape.rect.h);
    else
        printf("\nbig %lld", global_shape.round.big);
    printf(" sides %d %d %d sum %ld\n", local_shape.sides[0], local_shape.sides[1], local_shape.sides[2],
           sum_cells);
    return 0;
}
