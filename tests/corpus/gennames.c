/* gennames.c: program names that mtcc's generated registration code also
 * uses for its own locals (siod has a function `err`): a function `err`
 * and a type `m` must still be registered as the program's. */
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    long total;
    int count;
    struct m_link *next;
} m;

struct m_link {
    m *owner;
    int step;
};

static m tallies[4];

static void err(const char *what, int code)
{
    fprintf(stderr, "error: %s (%d)\n", what, code);
    exit(1);
}

static void add(m *t, int value)
{
    if (value < 0)
        err("negative value", value);
    t->total += value;
    t->count++;
}

int main(void)
{
    struct m_link links[4];
    for (int i = 0; i < 4; i++) {
        links[i].owner = &tallies[i];
        links[i].step = i + 1;
        tallies[i].next = &links[(i + 1) % 4];
    }
    for (int round = 0; round < 300; round++) {
        struct m_link *l = &links[round % 4];
        for (int k = 0; k < 5; k++) {
            add(l->owner, round * l->step % 17);
            l = l->owner->next;
        }
        if (round % 60 == 59)
            for (int i = 0; i < 4; i++)
                printf("round %d: tally %d: %ld over %d\n", round, i, tallies[i].total, tallies[i].count);
    }
    return 0;
}
