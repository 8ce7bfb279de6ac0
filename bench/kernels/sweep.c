/* sweep.c: one long loop with no call and no loop around it. mtcc cuts it
 * into chunks of 4096 iterations with a poll between them (stripmine.c),
 * so a checkpoint request waits for one chunk, not for the whole loop;
 * each chunk is still a counted loop. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1500000000u;
    unsigned s = 0;
    for (unsigned i = 0; i < n; i++)
        s += (i ^ (i >> 3)) & 1023;
    printf("sweep %u\n", s);
    return 0;
}
