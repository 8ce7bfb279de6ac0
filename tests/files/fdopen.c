/* fdopen.c: streams made on descriptors: the input is open(2)ed and read
 * through fdopen with fscanf; the output is open(2)ed, moved to descriptor
 * 9 with dup2 and written through fdopen, while a dup of it (sharing its
 * offset) writes a marker line every 100 numbers after a flush. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { OUT_FD = 9 };

static long digits(long v)
{
    long s = 0;
    for (; v > 0; v /= 10)
        s += v % 10;
    return s;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int in_fd = open(argv[1], O_RDONLY);
    int tmp = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in_fd < 0 || tmp < 0 || dup2(tmp, OUT_FD) != OUT_FD || close(tmp) != 0)
        return 3;
    int marks = dup(OUT_FD);
    FILE *in = fdopen(in_fd, "r"), *out = fdopen(OUT_FD, "w");
    if (!in || !out || marks < 0)
        return 4;
    long v, n = 0, sum = 0;
    while (fscanf(in, "%ld", &v) == 1) {
        sum += digits(v);
        fprintf(out, "%ld %ld\n", v, sum);
        if (++n % 100 == 0) {
            char line[40];
            int len = snprintf(line, sizeof line, "-- %ld --\n", n);
            if (fflush(out) != 0 || write(marks, line, (size_t)len) != len)
                return 5;
        }
    }
    printf("%ld numbers, sum %ld\n", n, sum);
    fclose(in);
    fclose(out);
    close(marks);
    return 0;
}
