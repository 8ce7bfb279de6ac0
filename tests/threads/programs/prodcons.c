/* prodcons.c: a bounded queue of heap-allocated items guarded by one
 * pthread_mutex_t and two pthread_cond_t (not empty, not full); 2 producers,
 * 2 consumers, stop items from main. A MigThread thread test: only totals
 * that do not depend on scheduling are printed. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NPROD 2
#define NCONS 2
#define ITEMS 100000     /* per producer */
#define CAPACITY 16
#define STOP 0xffffffffu /* producer id of a stop item */

struct item { uint32_t producer, seq, value; };

struct queue {
    struct item **slots; /* CAPACITY pointers */
    int head, count;
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
};

struct producer { uint32_t id; uint64_t sum; };

struct consumer {
    uint64_t sum, count, per_producer[NPROD];
    uint32_t next_seq[NPROD];   /* FIFO order seen from each producer */
    uint32_t order_errors;
};

static struct queue *q;

static void put(struct queue *qu, struct item *it)
{
    pthread_mutex_lock(&qu->lock);
    while (qu->count == CAPACITY)
        pthread_cond_wait(&qu->not_full, &qu->lock);
    qu->slots[(qu->head + qu->count) % CAPACITY] = it;
    qu->count++;
    pthread_cond_signal(&qu->not_empty);
    pthread_mutex_unlock(&qu->lock);
}

static struct item *get(struct queue *qu)
{
    struct item *it;
    pthread_mutex_lock(&qu->lock);
    while (qu->count == 0)
        pthread_cond_wait(&qu->not_empty, &qu->lock);
    it = qu->slots[qu->head];
    qu->slots[qu->head] = NULL;
    qu->head = (qu->head + 1) % CAPACITY;
    qu->count--;
    pthread_cond_signal(&qu->not_full);
    pthread_mutex_unlock(&qu->lock);
    return it;
}

static void *produce(void *arg)
{
    struct producer *me = arg;
    uint32_t seed = 12345u + me->id * 777u, seq;
    for (seq = 0; seq < ITEMS; seq++) {
        struct item *it = malloc(sizeof *it);
        seed = seed * 1664525u + 1013904223u;
        it->producer = me->id;
        it->seq = seq;
        it->value = seed >> 12;
        me->sum += it->value;
        put(q, it);
    }
    return NULL;
}

static void *consume(void *arg)
{
    struct consumer *me = arg;
    for (;;) {
        struct item *it = get(q);
        if (it->producer == STOP) {
            free(it);
            break;
        }
        if (it->seq < me->next_seq[it->producer])
            me->order_errors++;
        me->next_seq[it->producer] = it->seq + 1;
        me->sum += it->value;
        me->per_producer[it->producer] += it->value;
        me->count++;
        free(it);
    }
    return NULL;
}

int main(void)
{
    pthread_t prod_tids[NPROD];
    pthread_t cons_tids[NCONS];
    struct producer *prods = calloc(NPROD, sizeof *prods);
    struct consumer *cons = calloc(NCONS, sizeof *cons);
    uint64_t total = 0, count = 0, produced = 0;
    uint64_t per[NPROD] = { 0 };
    uint32_t order_errors = 0;
    int i, p, ok;

    q = malloc(sizeof *q);
    q->slots = calloc(CAPACITY, sizeof *q->slots);
    q->head = q->count = 0;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    for (i = 0; i < NCONS; i++)
        pthread_create(&cons_tids[i], NULL, consume, &cons[i]);
    for (i = 0; i < NPROD; i++) {
        prods[i].id = (uint32_t)i;
        pthread_create(&prod_tids[i], NULL, produce, &prods[i]);
    }
    for (i = 0; i < NPROD; i++)
        pthread_join(prod_tids[i], NULL);
    for (i = 0; i < NCONS; i++) {   /* one stop item per consumer */
        struct item *stop = malloc(sizeof *stop);
        stop->producer = STOP;
        stop->seq = stop->value = 0;
        put(q, stop);
    }
    for (i = 0; i < NCONS; i++)
        pthread_join(cons_tids[i], NULL);

    for (i = 0; i < NCONS; i++) {
        total += cons[i].sum;
        count += cons[i].count;
        order_errors += cons[i].order_errors;
        for (p = 0; p < NPROD; p++)
            per[p] += cons[i].per_producer[p];
    }
    for (p = 0; p < NPROD; p++)
        produced += prods[p].sum;
    printf("prodcons: producers %d consumers %d items %d capacity %d\n",
           NPROD, NCONS, ITEMS, CAPACITY);
    for (p = 0; p < NPROD; p++)
        printf("producer %d: produced %llu consumed %llu\n", p,
               (unsigned long long)prods[p].sum, (unsigned long long)per[p]);
    printf("total %llu count %llu order errors %u queue left %d\n",
           (unsigned long long)total, (unsigned long long)count,
           (unsigned)order_errors, q->count);
    ok = total == produced && count == (uint64_t)NPROD * ITEMS
         && order_errors == 0 && q->count == 0;
    printf("%s\n", ok ? "ok" : "FAILED");
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    free(q->slots); free(q); free(prods); free(cons);
    return !ok;
}
