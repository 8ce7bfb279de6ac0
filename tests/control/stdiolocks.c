/* stdiolocks.c: the program's streams lock nothing while it has one thread
 * of its own and lock again from its first thread on (libc_locks.c): it
 * says which at each step on stderr, then its threads write whole lines to
 * stdout and to a file at once, which must all arrive intact. */
#include <pthread.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>

enum { THREADS = 4, LINES = 20000 };

static FILE *out;

static const char *mode(FILE *f)
{
    return __fsetlocking(f, FSETLOCKING_QUERY) == FSETLOCKING_BYCALLER ? "unlocked" : "locked";
}

static void say(const char *when)
{
    fprintf(stderr, "%s: stdin %s, stdout %s, stderr %s, file %s\n", when, mode(stdin), mode(stdout), mode(stderr),
            mode(out));
}

static void *writer(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < LINES; i++) {
        printf("thread %ld line %d\n", id, i);
        fprintf(out, "t%ld %d\n", id, i);
        putc('.', stderr);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !(out = fopen(argv[1], "w")))
        return 2;
    say("one thread");
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, writer, (void *)i) != 0)
            return 3;
    say("threads");
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    putc('\n', stderr);
    say("joined");
    return fclose(out) != 0;
}
