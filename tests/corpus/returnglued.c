/* returnglued.c: `return(*p->read)(c)` with no space after `return`, as
 * SIOD writes it: the call through a pointer is lifted and its temporary
 * must not be glued to the keyword (`return__mt_t1`). */
#include <stdio.h>

struct reader {
    long (*read)(long c, int depth);
};

static long twice(long c, int depth);
static long plus_one(long c, int depth);
static struct reader readers[2] = { { twice }, { plus_one } };

static long dispatch(long c, int depth)
{
    struct reader *p = &readers[depth % 2];
    if (depth == 0)
        return(c);
    return(*p->read)(c, depth);
}

static long twice(long c, int depth) { return(dispatch)(c * 2 % 1000003, depth - 1); }
static long plus_one(long c, int depth) { return dispatch(c + 1, depth - 1); }

int main(void)
{
    long sum = 0;
    for (int i = 1; i <= 400; i++) {
        sum += dispatch(i, i % 23);
        if (i % 50 == 0)
            printf("%d: %ld\n", i, sum);
    }
    return 0;
}
