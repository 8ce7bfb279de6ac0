/* stdbuf.c: stdout made unbuffered (setvbuf) and stderr line buffered
 * (setlinebuf) stay so after a restore. With stdout on a regular file,
 * each printf must reach the file at once; the program counts the times
 * it did and prints the count at the end. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static long size_of_stdout(void)
{
    struct stat sb;
    return fstat(STDOUT_FILENO, &sb) == 0 && S_ISREG(sb.st_mode) ? (long)sb.st_size : -1;
}

static long step(long i)
{
    long s = 0;
    for (long k = 0; k < i % 7; k++)
        s += k * i;
    return s;
}

int main(void)
{
    if (setvbuf(stdout, NULL, _IONBF, 0) != 0)
        return 2;
    setlinebuf(stderr);
    long at_once = 0, total = 0;
    for (long i = 0; i < 100; i++) {
        total += step(i);
        long before = size_of_stdout();
        printf("%ld %ld\n", i, total);
        at_once += before < 0 || size_of_stdout() > before;
    }
    printf("at once %ld of 100\n", at_once);
    return 0;
}
