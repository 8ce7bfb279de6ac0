/* multi/main.c: a program spread over several files (with multi/stats.c). */
#include <stdio.h>
#include "stats.h"

int main(void)
{
    struct stats s = { 0 };
    for (int i = 1; i <= 4000; i++) {
        stats_add(&s, (i * 37) % 101);
        if (i % 500 == 0)
            printf("%d: n %ld mean*100 %ld max %ld\n", i, s.n, stats_mean100(&s), s.max);
    }
    printf("histogram checksum %ld\n", stats_checksum());
    return 0;
}
