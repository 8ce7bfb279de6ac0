/* compact.c: the state bench/compact.sh and tests/compact.sh checkpoint
 * (docs/performance.md, "Compact state"). Usage: compact SHAPE N POLLS,
 * SHAPE one of list (N heap blocks of 16 bytes on x86_64, a linked list),
 * zeros (N heap blocks of 16 bytes, every other one only zeroed), sparse
 * (a block of N megabytes of which an eighth is written and another
 * eighth only zeroed: a threaded sort's buffers), dense (N megabytes of
 * numbers in blocks of a megabyte). It fills the state,
 * polls POLLS times (a checkpoint is taken at a poll; 0: until a
 * restored run, see go_on), then prints a digest of the whole state, the
 * same whether or not it was migrated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct cell {
    long long v;
    struct cell *next;
} cell;

static cell *head;
static cell **zeroed;
static size_t nzeroed;
static long long *sparse;
static size_t sparse_n;

/* A call per round, so that the runtime has a point to stop at. */
static long poll_once(long i)
{
    return i + (head ? (long)(head->v & 1) : 0);
}

/* list: n cells in a list. zeros: the even cells in a list, the odd ones
 * all zeros (no pointer either), reachable through the array zeroed. */
static void fill_list(long n, int zeros)
{
    cell **at = &head;
    if (zeros)
        zeroed = malloc((size_t)(n / 2 + 1) * sizeof *zeroed);
    for (long i = 0; i < n; i++) {
        cell *c = malloc(sizeof *c);
        if (zeros && i % 2) {
            memset(c, 0, sizeof *c);
            zeroed[nzeroed++] = c;
            continue;
        }
        c->v = i * 7 + 1;
        c->next = NULL;
        *at = c;
        at = &c->next;
    }
}

static void fill_sparse(long mb)
{
    sparse_n = (size_t)mb * 1024 * 1024 / sizeof *sparse;
    sparse = malloc(sparse_n * sizeof *sparse);  /* never touched past a quarter */
    size_t eighth = sparse_n / 8;
    for (size_t i = 0; i < eighth; i++)
        sparse[i] = (long long)(i * 3 + 1);
    memset(sparse + eighth, 0, eighth * sizeof *sparse);
}

static long long **dense;
static size_t ndense;
enum { DENSE_BLOCK = 1024 * 1024 / sizeof(long long) };

static void fill_dense(long mb)
{
    ndense = (size_t)mb;
    dense = malloc(ndense * sizeof *dense);
    for (size_t b = 0; b < ndense; b++) {
        dense[b] = malloc(DENSE_BLOCK * sizeof **dense);
        for (size_t i = 0; i < DENSE_BLOCK; i++)
            dense[b][i] = (long long)(i * 5 + b + 1);
    }
}

static unsigned long long digest(void)
{
    unsigned long long d = 0, n = 0;
    for (const cell *c = head; c; c = c->next, n++)
        d = d * 31 + (unsigned long long)c->v;
    for (size_t i = 0; i < nzeroed; i++)
        d = d * 31 + (unsigned long long)zeroed[i]->v + (zeroed[i]->next != NULL);
    for (size_t b = 0; b < ndense; b++)
        for (size_t i = 0; i < DENSE_BLOCK; i += 61)
            d = d * 31 + (unsigned long long)dense[b][i];
    for (size_t i = 0; i < sparse_n / 4; i++)
        d = d * 31 + (unsigned long long)sparse[i];
    return d ^ n;
}

/* Whether the polling goes on: POLLS rounds, or with POLLS 0 until the
 * environment has COMPACT_STOP (a restored run's has: bench/compact.sh
 * checkpoints the first run with `migthread checkpoint --exit`). */
static int go_on(long i, long polls)
{
    if (polls)
        return i < polls;
    struct timespec ms = { 0, 1000000 };
    nanosleep(&ms, NULL);
    return getenv("COMPACT_STOP") == NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: compact list|zeros|sparse|dense N POLLS\n");
        return 2;
    }
    long n = atol(argv[2]), polls = atol(argv[3]);
    if (strcmp(argv[1], "sparse") == 0)
        fill_sparse(n);
    else if (strcmp(argv[1], "dense") == 0)
        fill_dense(n);
    else
        fill_list(n, strcmp(argv[1], "zeros") == 0);
    printf("filled\n");
    fflush(stdout);
    long acc = 0;
    for (long i = 0; go_on(i, polls); i++)
        acc = poll_once(acc);
    printf("digest %llx %ld\n", digest(), polls ? acc : 0);
    return 0;
}
