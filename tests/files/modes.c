/* modes.c: what fcntl and setvbuf change about open files, across a
 * checkpoint: a copy made with fcntl(F_DUPFD) is the descriptor the input
 * is read through, the output descriptor is made O_NONBLOCK with F_SETFL,
 * one output stream is unbuffered and one line buffered. Each is
 * observable: the stream's file grows (or not) as it is written, and the
 * program prints what fcntl reports at the end. With the argument "lock"
 * the input is locked (flock) through the middle of the run: a checkpoint
 * asked for then is refused, naming the descriptor. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

enum { COPY_AT = 10 };

static long size_of(FILE *f)
{
    struct stat sb;
    return fstat(fileno(f), &sb) == 0 ? (long)sb.st_size : -1;
}

int main(int argc, char **argv)
{
    int locking = argc > 1 && strcmp(argv[1], "lock") == 0;
    int first = open("in.txt", O_RDONLY);
    int in = fcntl(first, F_DUPFD, COPY_AT);
    int out = open("out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    FILE *raw = fopen("raw.txt", "w"), *lines = fopen("lines.txt", "w");
    if (first < 0 || in < COPY_AT || out < 0 || !raw || !lines)
        return 2;
    close(first);
    if (fcntl(out, F_SETFL, fcntl(out, F_GETFL) | O_NONBLOCK) != 0 ||
        setvbuf(raw, NULL, _IONBF, 0) != 0 || setvbuf(lines, NULL, _IOLBF, 0) != 0)
        return 3;
    long grew = 0, held = 0, n = 0, sum = 0;
    char b[16];
    ssize_t got;
    while ((got = read(in, b, sizeof b)) > 0) {
        n++;
        if (locking && n == 100 && flock(in, LOCK_EX) != 0)
            return 4;
        if (locking && n == 400 && flock(in, LOCK_UN) != 0)
            return 4;
        for (ssize_t i = 0; i < got; i++)
            sum += (unsigned char)b[i];
        char line[64];
        int len = snprintf(line, sizeof line, "%ld %ld\n", n, sum);
        if (write(out, line, (size_t)len) != len)
            return 5;
        long before = size_of(raw);
        fprintf(raw, "%ld ", n);
        grew += size_of(raw) > before;  /* unbuffered: at once */
        before = size_of(lines);
        fprintf(lines, "%ld", sum);
        held += size_of(lines) == before;  /* line buffered: not before the newline */
        fputc('\n', lines);
        grew += size_of(lines) > before;
    }
    printf("%ld records, sum %ld, grew %ld, held %ld, nonblock %d, copy at %d\n", n, sum, grew, held,
           (fcntl(out, F_GETFL) & O_NONBLOCK) != 0, in);
    fclose(raw);
    fclose(lines);
    return 0;
}
