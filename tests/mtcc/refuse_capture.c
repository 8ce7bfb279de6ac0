/* refuse_capture.c: a checkpoint no reader could restore is refused at
 * capture. `held` points into the static buffer of a function mtcc leaves
 * as written (variadic: it falls back, and its static locals are not
 * saved), so no checkpoint could translate it. The program must print one
 * migthread: line naming `held`, leave no checkpoint file, and finish as if
 * nothing had happened, also when asked to exit after the checkpoint. With
 * an argument it runs until that file exists (for `migthread checkpoint
 * --exit PID`). */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static char *held;

static char *label(const char *fmt, ...)
{
    static char buf[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

static long step(long i)
{
    return (i * 7) % 13;
}

int main(int argc, char **argv)
{
    held = label("run %d", 1);
    long sum = 0;
    if (argc > 1) {
        for (long i = 0; access(argv[1], F_OK) != 0; i++)
            sum += step(i);
        printf("%s: stopped\n", held);
        return 0;
    }
    for (long i = 0; i < 400; i++)
        sum += step(i);
    printf("%s: sum %ld\n", held, sum);
    return 0;
}
