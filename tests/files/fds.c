/* fds.c: file descriptors: read(2) an input in records of 64 bytes,
 * write(2) a line per record, and every 16 records lseek(2) back over the
 * output to rewrite a running count at its start. The descriptors are
 * globals: after a restore they must be open on the same numbers. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int src = -1, dst = -1;

static long record(const char *b, ssize_t n, long total)
{
    for (ssize_t i = 0; i < n; i++)
        total += (unsigned char)b[i];
    return total;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    src = open(argv[1], O_RDONLY);
    dst = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (src < 0 || dst < 0)
        return 3;
    char head[32], line[128], b[64];
    snprintf(head, sizeof head, "records %10d\n", 0);
    if (write(dst, head, strlen(head)) < 0)
        return 4;
    long total = 0, n = 0;
    ssize_t got;
    while ((got = read(src, b, sizeof b)) > 0) {
        total = record(b, got, total);
        int len = snprintf(line, sizeof line, "%ld %ld\n", ++n, total);
        if (write(dst, line, (size_t)len) != len)
            return 4;
        if (n % 16 == 0) {
            off_t here = lseek(dst, 0, SEEK_CUR);
            snprintf(head, sizeof head, "records %10ld\n", n);
            if (lseek(dst, 0, SEEK_SET) != 0 || write(dst, head, strlen(head)) < 0 || lseek(dst, here, SEEK_SET) != here)
                return 5;
        }
    }
    printf("%ld records, total %ld, at %lld\n", n, total, (long long)lseek(src, 0, SEEK_CUR));
    close(src);
    close(dst);
    return 0;
}
