/* scale.c: T threads (argv[1]) relax their own slices of one shared grid
 * for a while, meeting at a barrier after each sweep; the benchmark of
 * capture and restore time against the number of threads. The grid is
 * the same size whatever T, so the state grows only by the threads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define CELLS (1 << 20)

static double *grid;
static int nthreads, sweeps;
static pthread_barrier_t barrier;

static void *relax(void *arg)
{
    long id = (long)(size_t)arg;
    long lo = id * (CELLS / nthreads), hi = lo + CELLS / nthreads;
    for (int s = 0; s < sweeps; s++) {
        for (long i = lo + 1; i < hi - 1; i++)
            grid[i] = 0.25 * grid[i - 1] + 0.5 * grid[i] + 0.25 * grid[i + 1];
        pthread_barrier_wait(&barrier);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    nthreads = argc > 1 ? atoi(argv[1]) : 4;
    sweeps = argc > 2 ? atoi(argv[2]) : 200;
    grid = malloc(CELLS * sizeof *grid);
    for (long i = 0; i < CELLS; i++)
        grid[i] = (double)(i % 97);
    pthread_t *t = malloc((size_t)nthreads * sizeof *t);
    pthread_barrier_init(&barrier, NULL, (unsigned)nthreads);
    for (long i = 0; i < nthreads; i++)
        pthread_create(&t[i], NULL, relax, (void *)(size_t)i);
    for (int i = 0; i < nthreads; i++)
        pthread_join(t[i], NULL);
    double sum = 0;
    for (long i = 0; i < CELLS; i++)
        sum += grid[i];
    printf("sum %.6f\n", sum);
    free(t);
    free(grid);
    return 0;
}
