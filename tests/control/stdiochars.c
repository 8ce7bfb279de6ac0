/* stdiochars.c: getc, fgetc, putc, fputc, getchar, putchar and feof as the
 * runtime runs them (libc_locks.c: glibc's unlocked bodies on a stream
 * that locks nothing, glibc's calls on one that locks), against the plain
 * build: input pushed back, the end of a file and clearerr, a buffer
 * filled, once with one thread and once after a thread has started. */
#include <pthread.h>
#include <stdio.h>

static void *nothing(void *arg)
{
    return arg;
}

static void round_of(const char *path, int pass)
{
    FILE *f = fopen(path, "w+");
    if (!f)
        return;
    for (int i = 0; i < 10000; i++)
        fputc('a' + i % 26, f);
    putc('\n', f);
    rewind(f);
    long sum = 0, n = 0;
    int c = fgetc(f);
    ungetc('z', f);
    printf("pass %d: first %c, pushed back %c\n", pass, c, getc(f));
    while ((c = getc(f)) != EOF)
        sum += c, n++;
    printf("pass %d: %ld bytes, sum %ld, eof %d\n", pass, n, sum, feof(f) != 0);
    clearerr(f);
    int eof = feof(f) != 0;
    printf("pass %d: after clearerr eof %d, getc %d\n", pass, eof, getc(f));
    fclose(f);
    while ((c = getchar()) != EOF)
        putchar(c == '\n' ? '|' : c);
    putchar('\n');
    printf("pass %d: stdin eof %d\n", pass, feof(stdin) != 0);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    round_of(argv[1], 1);
    clearerr(stdin);
    pthread_t t;
    if (pthread_create(&t, NULL, nothing, NULL) != 0)
        return 3;
    pthread_join(t, NULL);
    round_of(argv[1], 2);
    return 0;
}
