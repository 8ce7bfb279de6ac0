/* chunkarray.c: counted loops over arrays a little shorter than one
 * strip-mining chunk (4096), inside a loop that polls. Cut into chunks,
 * the never-taken chunk loop ran 4096 turns over a 4088-byte array and gcc
 * warned that its turn 4088 was undefined (-Waggressive-loop-optimizations),
 * an error under -Werror where the plain build compiles cleanly. The long
 * array's loop is still cut. */
#include <stdio.h>

#define RECORDS 64
#define PAYLOAD 4088
#define LONG 5000

static struct record {
    unsigned long long visits;
    unsigned char payload[PAYLOAD];
} recs[RECORDS];
static int longer[LONG];

static unsigned long long total(void)
{
    unsigned long long sum = 0;
    for (int r = 0; r < RECORDS; r++) {
        sum = sum * 31 + recs[r].visits;
        for (int i = 0; i < PAYLOAD; i++)
            sum += recs[r].payload[i];
    }
    for (int i = 0; i < LONG; i++)
        sum += (unsigned long long)longer[i];
    return sum;
}

int main(void)
{
    for (int r = 0; r < RECORDS; r++)
        for (int i = 0; i < PAYLOAD; i++)
            recs[r].payload[i] = (unsigned char)((unsigned)(r * 31 + i) * 2654435761u >> 24);
    for (int i = 0; i < LONG; i++)
        longer[i] = i * 7;
    printf("%llu\n", total());
    return 0;
}
