/* vlashapes.c: variable-length array objects (tests/mtcc.sh). At a
 * function body's top level, with side-effect-free bounds written in the
 * declarator (several declarators split when the first is a bare name
 * after words), one becomes a pointer to a tracked heap block and the
 * function keeps its adaptation points; the other shapes keep the
 * fallback and its diagnostic, the one each such declaration's comment
 * gives after its tag. sink is defined elsewhere, so every function here
 * unwinds. */
#include <stdlib.h>

void sink(int *p, int n);

int top(int n, int m)
{
    int a[n];
    double b[n][m + 1];
    int c[n][4];
    int d[n], k = n + 1, e[k];
    sink(a, (int)(sizeof b / sizeof b[0][0]) + (int)sizeof c + (int)sizeof e);
    sink(d, k);
    if (n > 3)
        return a[0] + (int)b[1][2];
    return a[n - 1] + c[0][1];
}

int in_loop(int n)
{
    int s = 0;
    for (int k = 1; k < 3; k++) {
        int v[n * k]; /* VLA: a variable-length array in in_loop */
        sink(v, n * k);
        s += v[0];
    }
    return s;
}

int in_block(int n)
{
    if (n > 0) {
        int v[n]; /* VLA: a variable-length array in in_block */
        sink(v, n);
        return v[0];
    }
    return 0;
}

int with_goto(int n)
{
    int v[n]; /* VLA: a variable-length array in with_goto */
again:
    sink(v, n);
    if (v[0] < 0)
        goto again;
    return v[0];
}

int side_effect(int n)
{
    int v[n++]; /* VLA: a variable-length array in side_effect */
    sink(v, n);
    return v[0];
}

int pointer_first(int n)
{
    int *w, v[n]; /* VLA: a variable-length array in pointer_first */
    w = v;
    sink(w, n);
    return v[0];
}

int from_typedef(int n)
{
    typedef int row[n];
    row v; /* VLA: a variable-length array in from_typedef */
    sink(v, n);
    return v[0];
}
