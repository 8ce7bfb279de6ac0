/* xorlist.c: an XOR-linked list, whose links are the XOR of two addresses:
 * no checkpoint can translate them, so mtcc warns at the XOR and every
 * checkpoint is refused at capture while the program runs on; declared
 * safe (--hidden-pointers-safe=xorlist.c:LINE, or built with -DANNOTATE,
 * which wraps the XOR in MT_NOT_A_POINTER) the checkpoint is written. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef MT_NOT_A_POINTER
#define MT_NOT_A_POINTER(e) (e)
#endif

struct node {
    long value;
    uintptr_t link;  /* address of the previous node XOR address of the next */
};

static uintptr_t xor2(const void *a, const void *b)
{
#ifdef ANNOTATE
    return MT_NOT_A_POINTER((uintptr_t)a ^ (uintptr_t)b);
#else
    return (uintptr_t)a ^ (uintptr_t)b;
#endif
}

static struct node *head, *tail;

static void append(long v)
{
    struct node *n = malloc(sizeof *n);
    n->value = v;
    n->link = xor2(tail, NULL);
    if (tail)
        tail->link = xor2((void *)tail->link, n);  /* its link held the previous node alone */
    else
        head = n;
    tail = n;
}

static long walk(struct node *from, long weight)
{
    long sum = 0, i = 0;
    struct node *prev = NULL;
    for (struct node *cur = from; cur; i++) {
        sum += cur->value * (i % 7 + weight);
        struct node *next = (struct node *)xor2((void *)cur->link, prev);
        prev = cur;
        cur = next;
    }
    return sum;
}

int main(void)
{
    for (long v = 1; v <= 300; v++)
        append(v * 3 - 100);
    long total = 0;
    for (int round = 0; round < 200; round++) {
        total += walk(round % 2 ? tail : head, round % 5) % 100003;
        if (round % 40 == 0)
            printf("round %d: %ld\n", round, total);
    }
    printf("total %ld\n", total);
    return 0;
}
