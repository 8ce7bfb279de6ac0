/* enums.c: a state machine over enums and bools. */
#include <stdbool.h>
#include <stdio.h>

enum state { IDLE, RUNNING, BLOCKED, DONE };

struct machine {
    enum state st;
    bool flag;
    unsigned ticks;
};

static enum state next(enum state s, bool flag, unsigned t)
{
    switch (s) {
    case IDLE: return flag ? RUNNING : IDLE;
    case RUNNING: return t % 7 == 0 ? BLOCKED : t % 11 == 0 ? DONE : RUNNING;
    case BLOCKED: return flag ? RUNNING : BLOCKED;
    default: return IDLE;
    }
}

static void tick(struct machine *m)
{
    m->ticks++;
    m->flag = (m->ticks * 2654435761u) >> 31;
    enum state n = next(m->st, m->flag, m->ticks);
    m->st = n;
}

int main(void)
{
    struct machine ms[6] = { 0 };
    int seen[4] = { 0 };
    for (int t = 0; t < 3000; t++) {
        for (int i = 0; i < 6; i++) {
            tick(&ms[i]);
            seen[ms[i].st]++;
        }
        if (t % 300 == 0)
            printf("t %d: %d %d %d %d\n", t, seen[0], seen[1], seen[2], seen[3]);
    }
    return 0;
}
