/* hold.c: the state that bench/migrate.sh moves. It allocates MB megabytes
 * (argv[1]) of pseudo-random data, which does not compress, then prints
 * the wall clock (CLOCK_REALTIME, seconds) once a millisecond until
 * argv[2] seconds have gone by on that clock. The harness reads the gap
 * between the last line before a migration and the first line after it:
 * the time the program was stopped, seen from inside it. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MB (1024u * 1024u)
#define TICK_NS 1000000L  /* between two lines */

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fill(unsigned long long *data, size_t n)
{
    unsigned long long x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data[i] = x;
    }
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
    double seconds = argc > 2 ? strtod(argv[2], NULL) : 60;
    size_t n = mb * MB / sizeof(unsigned long long);
    unsigned long long *data = malloc(n * sizeof *data);
    if (!data) {
        fprintf(stderr, "hold: cannot allocate %zu MB\n", mb);
        return 1;
    }
    fill(data, n);
    double end = wall() + seconds;
    unsigned long long sum = 0;
    for (size_t i = 0; wall() < end; i++) {
        sum += data[(i * 4099) % n];
        printf("t %.6f\n", wall());
        fflush(stdout);
        struct timespec pause = { 0, TICK_NS };
        nanosleep(&pause, NULL);
    }
    printf("sum %llu\n", sum);
    free(data);
    return 0;
}
