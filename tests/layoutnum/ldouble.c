/* ldouble.c: a sizeof of a struct that holds a long double, kept across a
 * checkpoint. x86_64 and aarch64 place a long double alike (16 bytes,
 * aligned to 16): the restore round-trips; s390x aligns it to 8, so the
 * layouts differ there and the restore is refused by name
 * (tests/layoutnum.sh). */
#include <stdio.h>

struct sample { char tag; long double value; };

static volatile long sink;
static void work(long v) { sink += v; }

int main(void)
{
    unsigned long bytes = sizeof(struct sample) * 3;
    long total = 0;
    for (int round = 0; round < 6; round++) {
        work(round);
        total += round;
    }
    printf("bytes %s total %ld\n", bytes == 3 * sizeof(struct sample) ? "right" : "WRONG", total);
    return 0;
}
