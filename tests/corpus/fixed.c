/* fixed.c: size_t, int64_t, uint32_t and friends, whose canonical types
 * differ between ABIs while the program means the same thing. */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sample {
    size_t index;
    int64_t big;
    uint32_t small;
    int16_t tiny;
    uint8_t flags;
    ptrdiff_t delta;
};

static struct sample samples[64];
static uint64_t digest;

static void record(size_t i, int64_t v)
{
    struct sample *s = &samples[i % 64];
    s->index = i;
    s->big = v * 1000003;
    s->small = (uint32_t)v ^ 0xA5A5A5A5u;
    s->tiny = (int16_t)(v % 30000);
    s->flags = (uint8_t)(v & 0xff);
    s->delta = (ptrdiff_t)(i % 64) - 32;
    digest = digest * 1099511628211ull + (uint64_t)s->big + s->small;
}

int main(void)
{
    uint64_t u = 1;
    for (size_t i = 0; i < 4000; i++) {
        u = u * 6364136223846793005ull + 1442695040888963407ull;
        int64_t v = (int64_t)(u >> 1);
        record(i, v % 100000000000LL);
        if (i % 400 == 0)
            printf("i %zu digest %" PRIu64 " small %" PRIu32 " delta %td\n", i, digest,
                   samples[i % 64].small, samples[i % 64].delta);
    }
    return 0;
}
