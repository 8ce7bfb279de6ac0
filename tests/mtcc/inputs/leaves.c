/* leaves.c: helpers that can never unwind (leaves) and ones that can. */
#include <string.h>

int elsewhere(int x);  /* defined in another file: may unwind */

static int load(const unsigned char *p)  /* a leaf: memcpy into a local */
{
    int v;
    memcpy(&v, p, sizeof v);
    return v;
}

static int twice_load(const unsigned char *p)  /* a leaf: calls a leaf */
{
    return load(p) + load(p + 4);
}

static int sum_words(const unsigned char *p, int n)  /* a leaf whose loop calls leaves: no poll */
{
    int s = 0;
    for (int i = 0; i + 4 <= n; i += 4)
        s += load(p + i);
    return s;
}

static int depth(int n)  /* recursive: not a leaf */
{
    return n > 0 ? depth(n - 1) + 1 : 0;
}

static int outside(int x)  /* calls another file's function: not a leaf */
{
    return elsewhere(x) + 1;
}

int work(const unsigned char *buf, int n)
{
    int s = 0;
    for (int i = 0; i + 8 <= n; i += 8)  /* not a leaf: its loops calling leaves poll */
        s += twice_load(buf + i);
    for (int i = 0; i < 4; i++)
        s += sum_words(buf, n);
    return s + depth(3) + outside(s);
}
