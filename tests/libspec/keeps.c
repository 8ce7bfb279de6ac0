/* keeps.c: strtok keeps a pointer into the program's line between calls
 * (line 27), which no restore can give back to the C library. With
 * keeps.spec a checkpoint taken before the first strtok restores, and one
 * taken after it is refused by name while the program carries on. */
#include <stdio.h>
#include <string.h>

static long weigh(const char *word)
{
    long w = 0;
    for (; *word; word++)
        w = w * 31 + *word;
    return w;
}

int main(void)
{
    long sum = 0;
    for (int r = 0; r < 20; r++) {
        sum += weigh("warm up") + r;
        printf("warm %d %ld\n", r, sum);
    }
    char line[64];
    for (int r = 0; r < 20; r++) {
        snprintf(line, sizeof line, "alpha beta %d gamma delta", r);
        int n = 0;
        for (char *t = strtok(line, " "); t; t = strtok(NULL, " "), n++)
            sum += weigh(t);
        printf("line %d %d %ld\n", r, n, sum);
    }
    return 0;
}
