/* append.c: appends to a log that already holds lines, with a stream
 * opened "a" and a descriptor opened O_APPEND (a second, dup'ed descriptor
 * shares its offset), one line per step. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static long collatz(long x)
{
    long steps = 0;
    while (x != 1) {
        x = x % 2 ? 3 * x + 1 : x / 2;
        steps++;
    }
    return steps;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    FILE *log = fopen(argv[1], "a");
    int fd = open(argv[2], O_WRONLY | O_APPEND);
    int twin = dup(fd);
    if (!log || fd < 0 || twin < 0)
        return 3;
    char line[64];
    long sum = 0;
    for (long i = 1; i <= 600; i++) {
        long s = collatz(i);
        sum += s;
        fprintf(log, "%ld %ld\n", i, s);
        int len = snprintf(line, sizeof line, "%ld %ld\n", i, sum);
        if (write(i % 2 ? fd : twin, line, (size_t)len) != len)
            return 4;
    }
    printf("sum %ld\n", sum);
    fclose(log);
    close(fd);
    close(twin);
    return 0;
}
