/* Unions whose active member mtcc cannot see (filled by memcpy): with
 * UNKNOWN_POINTER a union with a pointer member holding an address, which
 * a capture must refuse by name; otherwise a union of int and float, which
 * a same-ABI restore copies and a restore across byte orders refuses by
 * name; and a union never written, all zero, which restores anywhere. */
#include <stdio.h>
#include <string.h>

union num { int i; float f; };
union ref { long n; int *p; };
struct holder { int id; union num val; union ref link; };

struct holder h = { 1 };
union num zero_num;
int target = 42;

static int tick(int k)
{
    return k % 7;
}

int main(void)
{
    int raw = 0x12345678, acc = 0;
    memcpy(&h.val, &raw, sizeof raw);          /* no member named: unknown */
#ifdef UNKNOWN_POINTER
    int *addr = &target;
    memcpy(&h.link, &addr, sizeof addr);       /* an address, member unknown */
#endif
    for (int k = 0; k < 100; k++)
        acc += tick(k);
    printf("%d %x %d %d\n", acc, (unsigned)h.val.i, zero_num.i, h.link.p ? *h.link.p : 0);
    return 0;
}
