/* pipe.c: a pipe (or, with an argument, a socket pair) is open through
 * the middle of the run: a checkpoint asked for then is refused, naming
 * the descriptor, and the program finishes normally. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static long work(long i)
{
    long s = 0;
    for (long k = 0; k < i % 13; k++)
        s += k * i;
    return s;
}

static long phase(long from, long to)
{
    long t = 0;
    for (long i = from; i < to; i++)
        t += work(i);
    return t;
}

int main(int argc, char **argv)
{
    int fds[2];
    int r = argc > 1 ? socketpair(AF_UNIX, SOCK_STREAM, 0, fds) : pipe(fds);
    if (r != 0)
        return 2;
    long t = phase(0, 2000);
    char msg[32], got[32] = { 0 };
    int len = snprintf(msg, sizeof msg, "%ld", t);
    if (write(fds[1], msg, (size_t)len) != len || read(fds[0], got, sizeof got - 1) != len)
        return 3;
    close(fds[0]);
    close(fds[1]);
    t += phase(2000, 4000);
    printf("%s %ld\n", got, t);
    return 0;
}
