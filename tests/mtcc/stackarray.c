/* stackarray.c: pointers into one local object compared and subtracted
 * (a scan of a local buffer, a byte walk over a local struct, a range
 * passed down): legitimate C that looks like a stack measure but is not.
 * mtcc must not warn, and the program must round-trip. */
#include <stdio.h>
#include <string.h>

struct rec {
    int id;
    double weight;
    char tag[6];
};

/* the length of the first word of buf, by a pointer into it */
static long word_length(const char *buf, long size)
{
    const char *p = buf;
    while (p < buf + size && *p && *p != ' ')
        p++;
    return p - buf;
}

/* a checksum over a range passed down: lo and hi point into one object */
static unsigned range_sum(const unsigned char *lo, const unsigned char *hi)
{
    unsigned sum = 0;
    for (const unsigned char *p = lo; p < hi; p++)
        sum = sum * 31 + *p;
    return sum;
}

static unsigned rec_sum(int id)
{
    struct rec r;
    memset(&r, 0, sizeof r);
    r.id = id;
    r.weight = id * 0.5;
    strcpy(r.tag, "rec");
    /* a byte walk over a local struct, and the range passed down */
    unsigned own = 0;
    for (const unsigned char *q = (const unsigned char *)&r; q < (const unsigned char *)&r + sizeof r; q++)
        own += *q;
    return own + range_sum((const unsigned char *)&r, (const unsigned char *)(&r + 1));
}

static long step(int i)
{
    char buf[64];
    snprintf(buf, sizeof buf, "w%d tail", i * 7919 % 100000);
    char *mid = buf + 2;
    long ahead = mid - buf;
    char *end = buf + strlen(buf);
    return word_length(buf, (long)sizeof buf) + ahead + (end > mid) + (long)(rec_sum(i) % 1000);
}

int main(void)
{
    long total = 0;
    for (int i = 0; i < 3000; i++) {
        total += step(i);
        if (i % 1000 == 999)
            printf("after %d: %ld\n", i + 1, total);
    }
    printf("total %ld\n", total);
    return 0;
}
