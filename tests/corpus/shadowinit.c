/* shadowinit.c: a local whose initializer names a variable it hides: in C
 * the new variable is in scope in its own initializer, so sizeof x there
 * is the new x's size, whether the initializer calls a function (whose
 * call mtcc lifts out of the declaration) or not. An outer local, a
 * parameter and a global are hidden. A static local's initializer, which
 * mtcc moves to file scope, names locals in sizeof and __typeof__ and
 * other static locals. The output is the same on every ABI. */
#include <stdio.h>

long depth = 1000;

static int id(int v)
{
    static int calls;
    return v + 0 * calls++;
}

static int step(int v);

static int inner(int n)
{
    int total = 0;
    int x = n;
    {
        char x = (char)sizeof x;              /* 1, not sizeof(int) */
        total += x;
        {
            short x = (short)step((int)sizeof x);  /* 2, through a lifted call */
            total += x;
        }
    }
    {
        char depth = (char)step((int)sizeof depth);  /* 1, not sizeof(long) */
        total += depth;
    }
    {
        char n = (char)(sizeof n + (unsigned)step(0));  /* the parameter hidden: 1 */
        total += n;
    }
    return total + x;
}

static int step(int v)
{
    return id(v) + (v > 100 ? inner(v - 100) : 0);
}

static int sizes(int k)
{
    char depth = (char)step(k % 3);          /* hides the global long depth */
    static size_t size = sizeof depth;       /* 1: the local's size */
    static __typeof__(depth) copy = 7;       /* a char */
    static void *self = &self;
    static size_t *at = &size;
    int row[6];
    row[0] = step(k);
    static size_t count = sizeof row / sizeof row[0];
    return (int)*at + (int)sizeof copy + (int)count + row[0] + depth + (self == &self);
}

int main(void)
{
    long sum = 0;
    for (int r = 0; r < 40; r++) {
        sum += inner(r) + step(r) + sizes(r);
        printf("round %d: %ld\n", r, sum);
    }
    printf("depth %ld\n", depth);
    return 0;
}
