/* ptrtable.c: a hash table whose nodes and buckets share one block, as
 * lemon's associative arrays do: tbl = malloc((sizeof(node) +
 * sizeof(node *)) * size), ht = (node **)&tbl[size]; each node links to
 * the next in its bucket and back to the link that points at it (a pointer
 * to a member inside the same block). The block holds data pointers
 * alone, so it is an array of pointers on every ABI; the table doubles by
 * rebuilding into a new block, as lemon's does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char key[12];
    long value;
} entry;

typedef struct node {
    entry *data;
    struct node *next;
    struct node **from;  /* the link that points here */
} node;

typedef struct table {
    int size, count;
    node *tbl;
    node **ht;
} table;

static unsigned hash(const char *s)
{
    unsigned h = 0;
    while (*s)
        h = h * 13 + (unsigned char)*s++;
    return h;
}

static void init(table *t, int size)
{
    t->size = size;
    t->count = 0;
    t->tbl = malloc((sizeof(node) + sizeof(node *)) * size);
    t->ht = (node **)&t->tbl[size];
    for (int i = 0; i < size; i++)
        t->ht[i] = 0;
}

static void insert(table *t, entry *e);

static void grow(table *t)
{
    table bigger;
    init(&bigger, t->size * 2);
    for (int i = 0; i < t->count; i++)
        insert(&bigger, t->tbl[i].data);
    free(t->tbl);
    *t = bigger;
}

static void insert(table *t, entry *e)
{
    if (t->count >= t->size)
        grow(t);
    unsigned h = hash(e->key) & (unsigned)(t->size - 1);
    node *n = &t->tbl[t->count++];
    n->data = e;
    n->next = t->ht[h];
    if (n->next)
        n->next->from = &n->next;
    n->from = &t->ht[h];
    t->ht[h] = n;
}

static entry *find(const table *t, const char *key)
{
    for (node *n = t->ht[hash(key) & (unsigned)(t->size - 1)]; n; n = n->next)
        if (strcmp(n->data->key, key) == 0)
            return n->data;
    return NULL;
}

/* Unlinks a node through its back link, as lemon's table deletion does. */
static long unlink_first(table *t, int bucket)
{
    node *n = t->ht[bucket];
    if (!n)
        return 0;
    *n->from = n->next;
    if (n->next)
        n->next->from = n->from;
    return n->data->value;
}

int main(void)
{
    table t;
    init(&t, 4);
    long sum = 0;
    for (int round = 1; round <= 30; round++) {
        for (int i = 0; i < 20; i++) {
            entry *e = malloc(sizeof *e);
            snprintf(e->key, sizeof e->key, "k%d.%d", round, i);
            e->value = round * 100 + i;
            insert(&t, e);
        }
        char probe[12];
        for (int i = 0; i < 40; i++) {
            snprintf(probe, sizeof probe, "k%d.%d", 1 + (round * 7 + i) % round, i % 25);
            entry *e = find(&t, probe);
            sum = (sum * 3 + (e ? e->value : -1)) % 1000003;
        }
        sum = (sum + unlink_first(&t, round % t.size)) % 1000003;
        printf("round %d: size %d count %d sum %ld\n", round, t.size, t.count, sum);
    }
    return 0;
}
