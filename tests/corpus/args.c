/* args.c: keeps pointers to its arguments in a struct, as option parsers do. */
#include <stdio.h>
#include <string.h>

struct options {
    const char *name;
    int repeat;
    const char *first;
};

static long work(const struct options *o, int i)
{
    long long s = 0;
    for (const char *p = o->name; *p; p++)
        s = s * 31 + *p + i;
    return (long)(s % 100003);
}

int main(int argc, char **argv)
{
    struct options o = { argc > 1 ? argv[1] : "default", 300, argv[0] };
    (void)o.first;
    long total = 0;
    for (int i = 0; i < o.repeat; i++) {
        total += work(&o, i);
        if (i % 50 == 0)
            printf("i %d total %ld name %s argc %d\n", i, total, o.name, argc);
    }
    return 0;
}
