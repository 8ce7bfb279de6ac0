/* hiddentemp.c: an address returned as an integer is held in a
 * temporary while another call in the same expression runs (and may be
 * where the checkpoint is taken); the restore must translate it too. */
#include <stdint.h>
#include <stdio.h>

static long cells[66];

static uintptr_t where(int i, int depth)
{
    return depth ? where(i, depth - 1) : (uintptr_t)&cells[i % 64];
}

static long pick(int r, int depth) { return depth ? pick(r, depth - 1) : (r * 7) % 3; }

int main(void)
{
    long total = 0;
    for (int r = 0; r < 300; r++) {
        uintptr_t p = where(r, 3) + (uintptr_t)(pick(r, 3) * (long)sizeof(long));
        *(long *)p += r;
        total += *(long *)p % 1000;
        if (r % 100 == 0)
            printf("round %d: %ld\n", r, total);
    }
    printf("total %ld\n", total);
    return 0;
}
