/* slow.c: runs long enough to be signalled while it works. */
#include <stdio.h>

static unsigned long long mix(unsigned long long x, int i)
{
    return (x ^ (x >> 7)) * 0x9E3779B97F4A7C15ull + (unsigned long long)i;
}

int main(void)
{
    unsigned long long x = 1;
    for (int round = 0; round < 40; round++) {
        for (int i = 0; i < 15000000; i++)
            x = mix(x, i);
        printf("round %d %llu\n", round, x % 1000003);
    }
    return 0;
}
