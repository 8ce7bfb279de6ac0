/* hold.c: the state that bench/migrate.sh moves. It allocates MB megabytes
 * (argv[1]) of pseudo-random data, which does not compress, then prints
 * the wall clock (CLOCK_REALTIME, seconds) once a millisecond until
 * argv[2] seconds have gone by on that clock. The harness reads the gap
 * between the last line before a migration and the first line after it:
 * the time the program was stopped, seen from inside it. argv[3], HOT
 * (percent, default 0): the first HOT% of the state is written to all the
 * time, one word in each of HOT_PAGES pages a line, round and round (a
 * working set that a pre-copy cannot take ahead: it is all new again
 * within tens of milliseconds); the rest never changes. argv[4], DIRTY
 * (MB/s, default 0): the rest is rewritten too, whole pages one after the
 * other at that pace, round and round (a program that works through its
 * state: what it changes grows with the time it is given, which is what
 * pre-copy rounds shrink). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MB (1024u * 1024u)
#define TICK_NS 1000000L  /* between two lines */
#define PAGE 4096u        /* the unit a checkpoint's delta compares */
#define HOT_PAGES 256u    /* pages written to between two lines */

/* The pages of the cold part (from hot_words on) due by elapsed seconds
 * at dirty MB/s, rewritten whole from *page on. */
static void sweep(unsigned long long *data, size_t n, size_t hot_words, double dirty, double elapsed, size_t *done,
                  unsigned long long tick)
{
    const size_t step = PAGE / sizeof *data;
    size_t pages = (n - hot_words) / step;
    if (dirty <= 0 || pages == 0)
        return;
    size_t due = (size_t)(elapsed * dirty * MB / PAGE);
    for (; *done < due; (*done)++) {
        unsigned long long *p = data + hot_words + *done % pages * step;
        for (size_t w = 0; w < step; w++)
            p[w] += tick;
    }
}

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

/* The next HOT_PAGES pages of the hot set, one word each, from *at on. */
static void touch(unsigned long long *data, size_t hot_words, size_t *at, unsigned long long tick)
{
    const size_t step = PAGE / sizeof *data;
    for (unsigned i = 0; i < HOT_PAGES && hot_words > 0; i++) {
        data[*at] += tick;
        *at = *at + step < hot_words ? *at + step : 0;
    }
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
    double seconds = argc > 2 ? strtod(argv[2], NULL) : 60;
    double hot = argc > 3 ? strtod(argv[3], NULL) : 0;
    double dirty = argc > 4 ? strtod(argv[4], NULL) : 0;
    size_t n = mb * MB / sizeof(unsigned long long);
    unsigned long long *data = malloc(n * sizeof *data);
    if (!data) {
        fprintf(stderr, "hold: cannot allocate %zu MB\n", mb);
        return 1;
    }
    fill(data, n);
    double start = wall(), end = start + seconds;
    size_t swept = 0;
    unsigned long long sum = 0;
    size_t hot_words = (size_t)((double)n * (hot < 0 ? 0 : hot > 100 ? 100 : hot) / 100), at = 0;
    for (size_t i = 0; wall() < end; i++) {
        touch(data, hot_words, &at, i);
        sweep(data, n, hot_words, dirty, wall() - start, &swept, i);
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
