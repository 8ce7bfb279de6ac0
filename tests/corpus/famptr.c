/* famptr.c: a table whose flexible array member holds pointers to items
 * (malloc(sizeof(struct table) + n * sizeof(struct item *))), another one
 * sized with offsetof, and a header followed by doubles
 * (malloc(sizeof(struct header) + n * sizeof(double)), read through
 * (double *)(h + 1)): after a restore the pointers in the array point at
 * the restored items, a pointer into the array points at the same
 * element, and the doubles are doubles. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
    char name[12];
    long weight;
    struct item *next;
};

struct table {
    const char *label;
    int n;
    struct item *items[];
};

struct header {
    int n;
    short kind;
};

static struct table *table, *chain;
static struct item **cursor;  /* into table's flexible array */
static struct header *samples;

static struct item *new_item(int i)
{
    struct item *it = malloc(sizeof *it);
    snprintf(it->name, sizeof it->name, "item%d", i);
    it->weight = 1000 + 37L * i;
    it->next = NULL;
    return it;
}

static struct table *new_table(const char *label, int n)
{
    struct table *t = malloc(sizeof(struct table) + n * sizeof(struct item *));
    t->label = label;
    t->n = n;
    for (int i = 0; i < n; i++)
        t->items[i] = new_item(i);
    return t;
}

static double *values(struct header *h)
{
    return (double *)(h + 1);
}

/* Recursive, so that it polls. */
static long weigh(const struct item *it)
{
    return it ? it->weight + weigh(it->next) : 0;
}

static double mean(const struct header *h, int i)
{
    if (i == h->n)
        return 0;
    return values((struct header *)h)[i] / h->n + mean(h, i + 1);
}

int main(void)
{
    table = new_table("items", 9);
    cursor = &table->items[5];
    chain = malloc(offsetof(struct table, items) + 4 * sizeof(struct item *));
    chain->label = "chains";
    chain->n = 4;
    for (int i = 0; i < 4; i++) {
        chain->items[i] = table->items[2 * i];
        chain->items[i]->next = table->items[2 * i + 1];
    }
    samples = malloc(sizeof(struct header) + 16 * sizeof(double));
    samples->n = 16;
    samples->kind = 3;
    for (int i = 0; i < 16; i++)
        values(samples)[i] = 0.25 * i * i;
    for (int round = 0; round < 8; round++) {
        long w = 0;
        for (int i = 0; i < chain->n; i++)
            w += weigh(chain->items[i]);
        struct item *it = table->items[round % table->n];
        printf("round %d: %s %s weight %ld, %s %ld, mean %.3f kind %d\n", round, table->label, it->name,
               it->weight, chain->label, w, mean(samples, 0), samples->kind);
        it->weight += round;
        cursor = &table->items[(cursor - table->items + 2) % table->n];
        printf("cursor at %s\n", (*cursor)->name);
    }
    for (int i = 0; i < table->n; i++)
        free(table->items[i]);
    free(table);
    free(chain);
    free(samples);
    return 0;
}
