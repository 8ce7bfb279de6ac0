/* staticinit.c: static locals whose initializer is one string literal or
 * one name, as bison's get_type_name has `static char *msg = "invalid $
 * value";`. mtcc moves such statics to file scope, hoists the literal to a
 * registered array and renames the statics; the initializer must carry
 * those edits: the literal left in place made every capture refuse a
 * pointer into nothing saved, and `static int *p = arr` (arr another
 * static local) named a variable that no longer exists there. */
#include <stdio.h>

static long work(long x)
{
    long s = 0;
    for (long i = 0; i < x; i++)
        s += i % 7;
    return s;
}

static const char *message(int n)
{
    static char *msg = "invalid $ value";
    static const char *other = ("other" " message");
    return n % 3 ? msg : other;
}

static int *slot(int n)
{
    static int arr[4] = { 1, 2, 3, 4 };
    static int *p = arr;
    static int *q = &arr[2];
    arr[n % 4] += n;
    if (n % 5 == 0)
        p = p == arr ? q : arr;
    return p;
}

int main(void)
{
    long acc = 0;
    for (int i = 0; i < 40; i++) {
        acc += work(200 + i * 10) + *slot(i);
        printf("%d: %s %ld\n", i, message(i), acc);
    }
    return 0;
}
