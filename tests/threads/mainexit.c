/* mainexit.c: main starts its workers and leaves by pthread_exit; the
 * process must end when the last worker does, with status 0, and the
 * runtime's end-of-program checks (MIGTHREAD_THREAD naming no thread, the
 * poll count report) must still run. A checkpoint taken after main left
 * restores into a process whose main is gone. Usage: mainexit [N]. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long steps = 3000000;

static long mix(long s, long i)
{
    return (s * 31 + i % 1013) % 1000003;
}

static void *work(void *arg)
{
    long id = (long)(size_t)arg, s = id;
    for (long i = 0; i < steps; i++)
        s = mix(s, i);
    printf("worker %ld: %ld\n", id, s);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        steps = atol(argv[1]);
    pthread_t t[3];
    for (long i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, work, (void *)(size_t)(i + 1));
    printf("main leaves\n");
    pthread_exit(NULL);
}
