/* consttable.c: const arrays of function pointers (in read-only memory),
 * a global and a static local: their addresses translate, their bytes are
 * never written over. */
#include <stdio.h>
typedef unsigned T;
static T inc(T x) { return x + 1; }
static T dbl(T x) { return x * 2; }
static T sq(T x) { return x * x; }
static T (*const table[3])(T) = { inc, dbl, sq };
static T step(int i, T v)
{
    static T (*const local_table[2])(T) = { sq, inc };
    return local_table[i % 2](v) % 65521;
}
int main(void)
{
    T v = 1;
    for (int i = 0; i < 3000; i++) {
        v = table[i % 3](v) % 100003;
        v = step(i, v);
        if (i % 500 == 0) printf("%d %u\n", i, v);
    }
    return 0;
}
