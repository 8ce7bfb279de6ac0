/* workers.c: a threaded job for tests/migrate-opts.sh. Three workers
 * (threads 2, 3 and 4; main is 1) each take STEPS steps (argv[1]),
 * printing "tN step S VALUE" on stdout and "tick tN S" on stderr; main
 * joins them and says whether each ended here or moved away. Sorted, the
 * step lines of every part of a migrated run equal the uninterrupted
 * run's. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define P 3
#define WORK 1500000

static int steps = 20;

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    unsigned long long x = (unsigned long long)id;
    for (int step = 0; step < steps; step++) {
        for (int i = 0; i < WORK; i++)
            x = (x ^ (x >> 7)) * 0x9E3779B97F4A7C15ull + (unsigned long long)i;
        printf("t%d step %d %llu\n", id, step, x % 1000003);
        fflush(stdout);
        fprintf(stderr, "tick t%d %d\n", id, step);
    }
    return arg;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        steps = atoi(argv[1]);
    pthread_t tid[P];
    for (int i = 0; i < P; i++)
        pthread_create(&tid[i], NULL, worker, (void *)(intptr_t)(i + 2));
    for (int i = 0; i < P; i++) {
        void *r;
        pthread_join(tid[i], &r);
        printf(r == (void *)(intptr_t)(i + 2) ? "t%d done\n" : "t%d moved\n", i + 2);
    }
    return 0;
}
