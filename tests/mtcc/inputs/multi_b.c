/* multi_b.c: the other half; its static has the same name as multi_a.c's. */
#include "multi.h"

static int hidden = 4;

int add_pair(const struct pair *p)
{
    return p->a + p->b + hidden - 4;
}
