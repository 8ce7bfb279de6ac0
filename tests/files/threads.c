/* threads.c: two threads, each writing a file of its own through a
 * stream local to its start routine; a process checkpoint saves both
 * streams, whichever thread opened them. */
#include <pthread.h>
#include <stdio.h>

static long work(long i)
{
    long s = 0;
    for (long k = 0; k < i % 11; k++)
        s += k;
    return s;
}

static void *run(void *arg)
{
    long id = (long)arg;
    char name[32];
    snprintf(name, sizeof name, "t%ld.txt", id);
    FILE *f = fopen(name, "w");
    if (!f)
        return arg;
    for (long i = 0; i < 3000; i++)
        fprintf(f, "%ld %ld\n", i, work(i * (id + 1)));
    fclose(f);
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    void *r[2];
    for (long i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, run, (void *)i) != 0)
            return 2;
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], &r[i]);
    puts(r[0] || r[1] ? "failed" : "done");
    return 0;
}
