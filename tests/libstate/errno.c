/* errno.c: errno set before a checkpoint reads the same after it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned work(unsigned x, int n)
{
    for (int i = 0; i < n; i++)
        x = x * 31 + (unsigned)i;
    return x;
}

int main(void)
{
    unsigned acc = 0;
    errno = 0;
    long v = strtol("99999999999999999999999", NULL, 10);  /* ERANGE */
    int kept = errno;
    printf("strtol %s, errno %s\n", v > 0 ? "max" : "min", kept == ERANGE ? "ERANGE" : "other");
    for (int r = 0; r < 100; r++)
        acc = work(acc, 100);
    printf("errno after the work: %s (%d the same)\n", errno == ERANGE ? "ERANGE" : "other", errno == kept);
    printf("acc %u\n", acc);
    return 0;
}
