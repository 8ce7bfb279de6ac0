/* migrate.c: four workers sum their share of a series; one of them is
 * moved to another process mid-way (MIGTHREAD_THREAD, or migthread
 * checkpoint --thread), finishes there, and the parts printed by both
 * processes add up to the uninterrupted total. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define P 4

typedef struct job {
    int id;
    uint32_t from, to;
    uint64_t part;
} job;

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t term(uint32_t i)
{
    return (uint64_t)(i * 2654435761u >> 7) % 1000;
}

static void *worker(void *arg)
{
    job *j = arg;
    uint64_t s = 0;
    for (uint32_t i = j->from; i < j->to; i++)
        s += term(i);
    j->part = s;
    pthread_mutex_lock(&print_lock);
    printf("part %d %llu\n", j->id, (unsigned long long)s);
    fflush(stdout);
    pthread_mutex_unlock(&print_lock);
    return j;
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 3000000;  /* terms */
    pthread_t tid[P];
    job *jobs = malloc(P * sizeof *jobs);
    for (int i = 0; i < P; i++) {
        jobs[i] = (job){ i, (uint32_t)i * (n / P), (uint32_t)(i + 1) * (n / P), 0 };
        pthread_create(&tid[i], NULL, worker, &jobs[i]);
    }
    uint64_t total = 0;
    for (int i = 0; i < P; i++) {
        void *r;
        pthread_join(tid[i], &r);
        if (r == &jobs[i])
            total += jobs[i].part;
        else
            printf("thread %lu migrated\n", (unsigned long)tid[i]);
    }
    printf("total %llu\n", (unsigned long long)total);
    free(jobs);
    return 0;
}
