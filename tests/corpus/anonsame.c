/* anonsame.c: anonymous unions whose members are one type under two names,
 * as glibc's struct rusage has (`union { long ru_maxrss;
 * __syscall_slong_t __ru_maxrss_word; }`, the sequence aligner sim keeps
 * one in a global). Such a union holds one value whichever name wrote it,
 * so it converts as that type on every ABI (longs that change size,
 * pointers that are translated) instead of being saved as raw bytes. */
#include <stdio.h>
#include <stdlib.h>

typedef long word_t;

struct node {
    long value;
    struct node *next;
};

struct stats {
    int runs;
    union {
        long total;
        word_t total_word;
    };
    union {
        struct node *head;
        struct node *first;
    };
    union {
        double mean;
        double average;
    };
};

static struct stats global_stats;

static void add(struct stats *s, long v)
{
    struct node *n = malloc(sizeof *n);
    n->value = v;
    n->next = s->head;
    s->first = n;
    s->total_word += v;
    s->runs++;
    s->average = (double)s->total / s->runs;
}

static long walk(const struct stats *s)
{
    long sum = 0;
    for (const struct node *n = s->first; n; n = n->next)
        sum = (sum * 31 + n->value) % 1000003;
    return sum;
}

int main(void)
{
    struct stats local = { 0 };
    for (long round = 1; round <= 30; round++) {
        for (long i = 0; i < 60; i++) {
            add(&global_stats, round * 1000 + i);
            add(&local, -round * i);
        }
        printf("round %ld: %d %ld %.6f %ld | %d %ld %.6f %ld\n", round, global_stats.runs, global_stats.total,
               global_stats.mean, walk(&global_stats), local.runs, local.total_word, local.mean, walk(&local));
    }
    return 0;
}
