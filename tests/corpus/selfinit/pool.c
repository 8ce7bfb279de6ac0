/* pool.c: the allocator of selfinit, in a translation unit of its own: its
 * calls are calls mtcc must resume through (not library calls, not leaves
 * it can see), so they are lifted out of the initializers that use them. */
#include <stdlib.h>
#include <string.h>

#include "selfinit.h"

void *keep(void *p)
{
    if (!p)
        abort();
    return p;
}

int id(int v)
{
    return v;
}

void *fill(void *p, int v, size_t size)
{
    memset(p, v, size);
    return p;
}
