/* unlinked.c: a scratch file opened and then removed (the usual way to
 * get a file nobody else sees) has no name a restore could open: a
 * checkpoint while it is open is refused at the capture, naming it, and
 * the program finishes normally; one after it is closed is taken. */
#include <stdio.h>
#include <unistd.h>

static long work(long i)
{
    return i * i % 97;
}

int main(void)
{
    FILE *scratch = fopen("scratch.tmp", "w+");
    if (!scratch || unlink("scratch.tmp") != 0)
        return 2;
    long t = 0;
    for (long i = 0; i < 2000; i++) {
        t += work(i);
        fprintf(scratch, "%ld\n", t);
    }
    rewind(scratch);
    long last = 0, v;
    while (fscanf(scratch, "%ld", &v) == 1)
        last = v;
    fclose(scratch);
    for (long i = 0; i < 2000; i++)
        t += work(i);
    printf("%ld %ld\n", last, t);
    return 0;
}
