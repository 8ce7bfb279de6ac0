/* nopoint.c: a program that sits in one long call of the C library (no
 * adaptation point) and then ends: a checkpoint request with --timeout
 * gives up and the program finishes as if nothing had been asked.
 * argv[1]: the seconds it sits (2). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    sleep(argc > 1 ? (unsigned)atoi(argv[1]) : 2);
    printf("done\n");
    return 0;
}
