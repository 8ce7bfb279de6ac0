/* exitmain.c: main ends by calling exit(0) instead of returning, as many
 * old benchmark programs do (Olden's); a count of the adaptation points
 * (MIGTHREAD_AFTER_POLLS past the end) must still be reported. */
#include <stdio.h>
#include <stdlib.h>

struct cell {
    long value;
    struct cell *next;
};

static struct cell *push(struct cell *list, long value)
{
    struct cell *c = malloc(sizeof *c);
    c->value = value;
    c->next = list;
    return c;
}

static long sum(const struct cell *c)
{
    long s = 0;
    for (; c; c = c->next)
        s += c->value;
    return s;
}

int main(void)
{
    struct cell *list = NULL;
    for (long round = 1; round <= 40; round++) {
        for (long i = 0; i < 50; i++)
            list = push(list, round * i % 97);
        printf("round %ld: %ld\n", round, sum(list));
    }
    exit(0);
}
