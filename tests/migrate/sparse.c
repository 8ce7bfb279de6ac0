/* sparse.c: a job for tests/migrate.sh that writes a little in many pages:
 * 1024 records of 4 KiB (4 MiB), whose counters at their heads it adds to
 * over and over (INNER times a step, a few microseconds each), then sums
 * the counters and every byte of the records, printing the sum on stdout
 * and "tick N" on stderr. STEPS steps (argv[1]). Between any two
 * checkpoints of a migration the program has changed 8 bytes in each 4 KiB
 * page: a delta at the page's grain would carry every page. */
#include <stdio.h>
#include <stdlib.h>

#define RECORDS 1024
#define PAYLOAD 4088      /* with the counter, a record is a page */
#define INNER 3000        /* passes over the counters a step */

static struct record {
    unsigned long long visits;
    unsigned char payload[PAYLOAD];
} recs[RECORDS];

static void visit(unsigned long long by)
{
    for (int r = 0; r < RECORDS; r++)
        recs[r].visits += by + (unsigned long long)r;
}

static unsigned long long total(void)
{
    unsigned long long sum = 0;
    for (int r = 0; r < RECORDS; r++) {
        sum = sum * 31 + recs[r].visits;
        for (int i = 0; i < PAYLOAD; i++)
            sum += recs[r].payload[i];
    }
    return sum;
}

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 20;
    for (int r = 0; r < RECORDS; r++)
        for (int i = 0; i < PAYLOAD; i++)
            recs[r].payload[i] = (unsigned char)((unsigned)(r * 31 + i) * 2654435761u >> 24);
    for (int step = 0; step < steps; step++) {
        for (int k = 0; k < INNER; k++)
            visit((unsigned long long)step);
        printf("step %d %llu\n", step, total() % 1000000007ull);
        fflush(stdout);
        fprintf(stderr, "tick %d\n", step);
    }
    return 0;
}
