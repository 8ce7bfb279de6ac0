/* shortnest.c: loop nests mtcc must poll or not (mtcc.sh). A nest of
 * short loops (constant bounds, few iterations in all) is an innermost
 * loop: no poll inside. A long loop around short ones polls, and so does
 * a nest of short loops with many iterations in all. */
void block16(double *c, const double *a, const double *b)
{
    for (int r = 0; r < 16; r++)
        for (int m = 0; m < 16; m++)
            for (int j = 0; j < 16; j++)
                c[r * 16 + j] -= a[r * 16 + m] * b[m * 16 + j];
}

void block64(double *c, const double *a, const double *b)
{
    for (int r = 0; r < 64; r++)
        for (int m = 0; m < 64; m++)
            for (int j = 0; j < 64; j++)
                c[r * 64 + j] -= a[r * 64 + m] * b[m * 64 + j];
}

void rows(double *c, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < 16; j++)
            c[i * 16 + j] = 0;
}

int main(void)
{
    static double a[4096], b[4096], c[4096];
    block16(c, a, b);
    block64(c, a, b);
    rows(c, 256);
    void (*keep)(double *, int) = rows;  /* not leaves: their address is taken */
    void (*k16)(double *, const double *, const double *) = block16, (*k64)(double *, const double *, const double *) = block64;
    return c[0] != 0 || !keep || !k16 || !k64;
}
