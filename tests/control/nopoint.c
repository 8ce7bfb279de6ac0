/* nopoint.c: a program that sits in one long call of the C library that
 * is no adaptation point (poll with no descriptors: sleep and its kin
 * are safe points, libc_sleep.c) and then ends: a checkpoint request with
 * --timeout gives up and the program finishes as if nothing had been
 * asked. argv[1]: the seconds it sits (2). */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 2;
    poll(NULL, 0, seconds * 1000);
    printf("done\n");
    return 0;
}
