/* consttable.c: a const global array of function pointers (in read-only
 * memory): its addresses translate, its bytes are never written over. */
#include <stdio.h>
typedef unsigned T;
static T inc(T x) { return x + 1; }
static T dbl(T x) { return x * 2; }
static T sq(T x) { return x * x; }
static T (*const table[3])(T) = { inc, dbl, sq };
int main(void)
{
    T v = 1;
    for (int i = 0; i < 3000; i++) {
        v = table[i % 3](v) % 100003;
        if (i % 500 == 0) printf("%d %u\n", i, v);
    }
    return 0;
}
