/* xfsz.c: a program with a SIGXFSZ handler of its own and a heap too big
 * for a small file-size limit: a checkpoint that hits the limit must not
 * run the program's handler (the signal was the runtime's write's), and
 * the handler stays the program's after. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static volatile sig_atomic_t caught;

static void on_xfsz(int sig)
{
    (void)sig;
    caught++;
}

static unsigned long churn(unsigned *v, size_t n, unsigned round)
{
    unsigned long s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i] ^ round;
    return s;
}

int main(void)
{
    signal(SIGXFSZ, on_xfsz);
    size_t n = 64 * 1024;
    unsigned *v = calloc(n, sizeof *v);
    if (!v)
        return 1;
    for (size_t i = 0; i < n; i++)  /* numbers, not zeros: a checkpoint leaves zero pages out */
        v[i] = (unsigned)i * 2654435761u;
    for (unsigned round = 0; round < 20; round++)
        printf("round %u: %lu\n", round, churn(v, n, round));
    raise(SIGXFSZ);  /* the program's own: its handler runs once */
    printf("handler ran %d times\n", (int)caught);
    free(v);
    return 0;
}
