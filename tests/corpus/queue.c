/* queue.c: a circular queue of jobs inside a struct, with a job table. */
#include <stdio.h>

#define CAP 64

struct job {
    int id;
    int cost;
};

struct queue {
    struct job items[CAP];
    int head, tail, size;
    long served;
};

static struct queue q;

static int push(struct job j)
{
    if (q.size == CAP)
        return 0;
    q.items[q.tail] = j;
    q.tail = (q.tail + 1) % CAP;
    q.size++;
    return 1;
}

static struct job pop(void)
{
    struct job j = q.items[q.head];
    q.head = (q.head + 1) % CAP;
    q.size--;
    q.served += j.cost;
    return j;
}

int main(void)
{
    int next_id = 0, dropped = 0;
    for (int t = 0; t < 5000; t++) {
        int arrivals = (t * 7) % 5;
        for (int a = 0; a < arrivals; a++) {
            struct job j = { next_id++, (next_id * 13) % 29 + 1 };
            if (!push(j))
                dropped++;
        }
        for (int s = 0; s < 2 && q.size > 0; s++) {
            struct job j = pop();
            if (j.id % 997 == 0)
                printf("t %d served job %d (cost %d)\n", t, j.id, j.cost);
        }
    }
    printf("served %ld dropped %d left %d\n", q.served, dropped, q.size);
    return 0;
}
