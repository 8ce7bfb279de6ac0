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

/* (pointer walks: mtcc's strip-mined counted loops draw gcc's
 * -Waggressive-loop-optimizations from their dead long branch when the
 * bound is a constant under 4096) */
static void visit(unsigned long long by)
{
    unsigned long long n = by;
    for (struct record *r = recs; r < recs + RECORDS; r++)
        r->visits += n++;
}

static unsigned long long total(void)
{
    unsigned long long sum = 0;
    for (const struct record *r = recs; r < recs + RECORDS; r++) {
        sum = sum * 31 + r->visits;
        for (const unsigned char *p = r->payload; p < r->payload + PAYLOAD; p++)
            sum += *p;
    }
    return sum;
}

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 20;
    unsigned seed = 1;
    for (struct record *r = recs; r < recs + RECORDS; r++)
        for (unsigned char *p = r->payload; p < r->payload + PAYLOAD; p++)
            *p = (unsigned char)((seed++) * 2654435761u >> 24);
    for (int step = 0; step < steps; step++) {
        for (int k = 0; k < INNER; k++)
            visit((unsigned long long)step);
        printf("step %d %llu\n", step, total() % 1000000007ull);
        fflush(stdout);
        fprintf(stderr, "tick %d\n", step);
    }
    return 0;
}
