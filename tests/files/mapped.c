/* mapped.c: a pointer into a file mapping (MAP_PRIVATE of a regular
 * file) is not saved: a checkpoint while the program keeps one is refused
 * at the capture, naming the global, and the program finishes normally. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *map;

static long work(long i)
{
    return i % 7 + map[i % 64];
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0)
        return 3;
    map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return 4;
    long t = 0;
    for (long i = 0; i < 3000; i++)
        t += work(i);
    printf("%ld %c\n", t, map[0]);
    return 0;
}
