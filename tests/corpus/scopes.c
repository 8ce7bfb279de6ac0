/* scopes.c: locals that hide other locals or parameters of the same name,
 * const parameters, and parameters (a scalar and a struct) whose address
 * is taken, across calls that can capture. */
#include <stdio.h>

struct span {
    int lo, hi;
};

static int step(int x)
{
    return x * 7 % 11 + 1;
}

/* A local n hides the parameter n; an inner i hides the outer i. */
static long layered(int n)
{
    long s = 0;
    for (int i = 0; i < n; i++) {
        int n = step(i) * 2;
        s += n;
        for (int i = 0; i < 3; i++) {
            int s2 = step(i), x = i;
            {
                int y = x;
                int x = step(y + 10);
                s2 += x;
            }
            s += s2 + x;
        }
        int *p = &n;  /* the hiding local is pinned too */
        *p += step(*p);
        s += n;
    }
    return s + n;
}

/* const parameters, read after calls */
static long weighted(const int w, const long base, const char *const tag)
{
    long v = base;
    for (int k = 0; k < w; k++)
        v = v * 3 + step(k + w);
    return v + tag[0];
}

/* A parameter read through its address. */
static int bump_through(int v)
{
    int *p = &v;
    *p += step(*p);
    return v + step(v);
}

static int width(struct span s)
{
    struct span *p = &s;
    p->hi += step(p->lo);
    return p->hi - s.lo;
}

int main(void)
{
    long total = 0;
    for (int k = 0; k < 6; k++) {
        long total2 = layered(k);
        int k2 = k;
        {
            long k = total2 + k2;  /* hides the loop's k */
            total += k;
        }
        total += weighted(k % 4, k, "mig");
        total += bump_through(k);
        struct span s = { k, 2 * k + 1 };
        total += width(s) + s.hi;
    }
    printf("total %ld\n", total);
    return 0;
}
