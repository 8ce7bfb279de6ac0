/* dangling.c: pointers a restore cannot translate. `stale` keeps pointing
 * at a block the program freed (legal C while it is not used): a restore
 * points it into the poison region, and using it then ends the program
 * with one line. With STRAY set at the start, `stray` points into memory
 * the runtime never knew (the C library's text of an error message),
 * which a restore refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
    char *name;
    int weight;
};

static struct item *items;
static char *stale;
static const char *stray;

static int weigh(int i)
{
    return items[i % 8].weight * (i % 5);
}

int main(void)
{
    items = calloc(8, sizeof *items);
    for (int i = 0; i < 8; i++) {
        char name[16];
        snprintf(name, sizeof name, "item%d", i);
        items[i].name = strdup(name);
        items[i].weight = i + 1;
    }
    stale = items[3].name;
    free(items[3].name);        /* items[3].name and stale now dangle */
    items[3].name = NULL;
    stray = getenv("STRAY") ? strerror(1) : NULL;
    long sum = 0;
    for (int i = 0; i < 400; i++)
        sum += weigh(i);
    printf("sum %ld\n", sum);
    if (getenv("USE_STALE"))
        printf("stale starts with %c\n", stale[0]);
    return 0;
}
