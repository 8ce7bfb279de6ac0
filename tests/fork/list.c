/* list.c: a deterministic program for forked checkpoints (tests/fork.sh):
 * a list grows and is summed, the sums printed as it goes. With a second
 * argument it waits, polling, until that file exists before its last
 * part, so that `migthread checkpoint --fork` finds it running. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct node {
    long v;
    struct node *next;
};

static long step(struct node **head, long i)
{
    struct node *n = malloc(sizeof *n);
    n->v = i * i % 1009;
    n->next = *head;
    *head = n;
    long s = 0;
    for (struct node *p = *head; p; p = p->next)
        s += p->v;
    return s;
}

static long part(struct node **head, long from, long to, long total)
{
    for (long i = from; i < to; i++) {
        total += step(head, i);
        if (i % 50 == 0)
            printf("i=%ld total=%ld\n", i, total);
    }
    return total;
}

/* A millisecond's sleep; recursive, so that the loop that calls it has
 * an adaptation point (a loop calling only leaves has none). */
static void nap(int depth)
{
    struct timespec ms = { 0, 1000000 };
    if (depth > 0)
        nap(depth - 1);
    else
        nanosleep(&ms, NULL);
}

static void wait_for(const char *file)
{
    while (access(file, F_OK) != 0)
        nap(1);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 400;
    struct node *head = NULL;
    long total = part(&head, 0, n / 2, 0);
    fflush(stdout);
    if (argc > 2)
        wait_for(argv[2]);
    total = part(&head, n / 2, n, total);
    printf("end total=%ld\n", total);
    return 0;
}
