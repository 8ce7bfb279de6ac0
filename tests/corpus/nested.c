/* nested.c: loops nested so that their bodies end at one offset, whose
 * closing code (polls, braces mtcc adds, a for increment or a do-while
 * condition moved to the body's end) must render innermost first. */
#include <stdio.h>
static int g(int x) { return x > 0 ? g(x - 1) + 1 : 0; }
static int h(int x) { return x * 3 % 7; }
int main(void)
{
    long s = 0;
    for (int r = 0; r < 30; r++)
        for (int i = 0; i < 5; i++)
            s += g(i) * r;
    for (int r = 0; r < 30; r++)
        for (int i = 0; i < 5; i = i + 1 + h(0))
            if (i & 1) s += g(i) + r; else s -= h(i);
    int k = 0;
    for (int r = 0; r < 20; r++)
        do k += g(r % 3); while (h(k) != 0 && k % 5);
    for (int r = 0; r < 10; r++)
        for (int i = g(r); i < 10; i = i + g(1))
            while (s > 0 && g(1)) { s -= 7; if (s < 100) break; }
    printf("%ld %d\n", s, k);
    return 0;
}
