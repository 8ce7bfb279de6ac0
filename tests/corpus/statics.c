/* statics.c: static locals, file statics, counters that survive calls. */
#include <stdio.h>

static int calls;

static int next_id(void)
{
    static int id = 100;
    calls++;
    return id++;
}

static long running(long x)
{
    static long total;
    static long history[8];
    static int pos;
    total += x;
    history[pos++ % 8] = total;
    long s = 0;
    for (int i = 0; i < 8; i++)
        s += history[i];
    return s;
}

int main(void)
{
    for (int i = 0; i < 2000; i++) {
        int id = next_id();
        long r = running(id % 97);
        if (i % 200 == 0)
            printf("i %d id %d r %ld calls %d\n", i, id, r, calls);
    }
    return 0;
}
