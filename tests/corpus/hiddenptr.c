/* hiddenptr.c: pointers kept in integers (uintptr_t, intptr_t, long) in
 * globals, locals, struct members, arrays and heap blocks, some with a tag
 * in their low bits, a function's address, a pointer copied by memcpy into
 * an address-taken local, next to integers of the same storage that are
 * not addresses. A restore on another ABI must give each the new address. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
    long value;
    uintptr_t next;      /* the next node, tagged with 1 when it is marked */
    intptr_t owner;      /* a pointer to the list head, or a plain number */
};

struct list {
    uintptr_t head;
    long count;
};

static struct list lists[2];
static uintptr_t slots[4];        /* heap blocks, and one number */
static intptr_t last_seen;        /* a node */
static long counter_addr;         /* a pointer to a global counter */
static long counter;
static uintptr_t *table;          /* a heap array of addresses */
static const long plain_numbers[3] = { 123456789, -5, 42 };

static uintptr_t scale_fn;        /* a function */

static long scale(long x) { return x * 3 + 1; }

static struct node *untag(uintptr_t u) { return (struct node *)(u & ~(uintptr_t)1); }

static void push(struct list *l, long v)
{
    struct node *n = malloc(sizeof *n);
    n->value = v;
    n->next = l->head;
    n->owner = v % 3 == 0 ? (intptr_t)l : (intptr_t)v * 7;
    uintptr_t mark = v % 2 == 0 ? 1 : 0;
    l->head = (uintptr_t)n | mark;
    l->count++;
}

static long walk(const struct list *l)
{
    long sum = 0, marked = 0, owned = 0, numbers = 0;
    for (uintptr_t u = l->head; u; u = untag(u)->next) {
        struct node *n = untag(u);
        sum += n->value;
        marked += (long)(u & 1);
        if (n->owner == (intptr_t)l)
            owned++;
        else
            numbers += n->owner;  /* a number kept next to addresses */
        last_seen = (intptr_t)n;
    }
    *(long *)counter_addr += 1;
    return sum * 1000 + marked * 10 + owned + (numbers == 0 ? 0 : numbers > 0 ? 1 : 2);
}

static long step(int round)
{
    uintptr_t local = (uintptr_t)&lists[round % 2];  /* a local in a frame */
    long acc = walk((const struct list *)local);
    uintptr_t keep = (uintptr_t)table[round % 8];
    acc += *(long *)keep;
    long *cell = (long *)slots[round % 3];
    *cell += round;
    acc += walk((const struct list *)local) % 97;
    return acc;
}

int main(void)
{
    counter_addr = (long)&counter;
    table = malloc(8 * sizeof *table);
    for (int i = 0; i < 8; i++) {
        long *b = malloc(sizeof *b);
        *b = i * 11;
        table[i] = (uintptr_t)b;
    }
    for (int i = 0; i < 3; i++) {
        long *b = malloc(sizeof *b);
        *b = 0;
        slots[i] = (uintptr_t)b;
    }
    slots[3] = (uintptr_t)plain_numbers[0];  /* a number in address storage */
    scale_fn = (uintptr_t)&scale;
    long *first = (long *)table[1];
    uintptr_t copied;                        /* pinned: its address is taken */
    memcpy(&copied, &first, sizeof first);
    long total = 0;
    for (int round = 0; round < 400; round++) {
        if (round < 60)
            push(&lists[round % 2], round - 5);
        total += step(round) % 100003 + ((long (*)(long))scale_fn)(*(long *)copied);
        if (round % 50 == 0)
            printf("round %d: total %ld counter %ld\n", round, total, counter);
    }
    struct node *last = (struct node *)last_seen;
    printf("slots %ld %ld %ld %lu\n", *(long *)slots[0], *(long *)slots[1], *(long *)slots[2],
           (unsigned long)slots[3]);
    printf("last %ld counts %ld %ld numbers %ld %ld %ld\n", last->value, lists[0].count, lists[1].count,
           plain_numbers[0], plain_numbers[1], plain_numbers[2]);
    printf("total %ld counter %ld\n", total, counter);
    return 0;
}
