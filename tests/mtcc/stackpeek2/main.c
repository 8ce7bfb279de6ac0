/* stackpeek2/main.c: main keeps the address of its local in a global,
 * which depth.c measures against a local of its own (several files in one
 * mtcc command): main's local must stay on the C stack too. */
#include <stdio.h>

#include "depth.h"

char *stack_start;

int main(void)
{
    char start;
    stack_start = &start;
    long total = 0;
    for (int round = 0; round < 20; round++)
        total += walk(1000);
    printf("walked %ld\n", total);
    return 0;
}
