/* threadarg.c: a size stored through the argument pthread_create hands
 * to a thread's start routine (void *arg, then size_t *out = arg), beside
 * a count stored the same way. tests/layoutnum.sh reads the classes from
 * `mtcc --print-transformed` only: lay_size must be a number of the
 * layout, fix_count must not. */
#include <pthread.h>
#include <stdio.h>

struct node { int key; struct node *next; };

static void *sizer(void *arg)
{
    size_t *out = arg;
    *out = sizeof(struct node);
    return NULL;
}

static void *counter(void *arg)
{
    size_t *out = arg;
    *out = 3;
    return NULL;
}

static volatile long sink;
static void work(long v) { sink += v; }

int main(void)
{
    size_t lay_size = 0, fix_count = 0;
    pthread_t a, b;
    if (pthread_create(&a, NULL, sizer, &lay_size) || pthread_create(&b, NULL, counter, &fix_count))
        return 1;
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    for (int round = 0; round < 3; round++)
        work(round);
    printf("%zu %zu\n", lay_size, fix_count);
    return 0;
}
