/* alloc.c: an allocator of the program's own, as spiff's _Z_myalloc: the
 * block goes to an int * and is returned, and every caller casts it to
 * the type it wants (main.c). The int * says nothing of what the block
 * holds: mtcc used to type it as ints, so its pointers were saved as
 * numbers and a restore on the writer's own ABI crashed on them. */
#include <stdio.h>
#include <stdlib.h>

int *my_alloc(int k)
{
    int *tmp;
    if ((tmp = (int *)calloc((unsigned)k, 1)) != 0)
        return tmp;
    fprintf(stderr, "out of memory\n");
    exit(2);
}
