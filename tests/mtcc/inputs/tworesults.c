/* tworesults.c: two calls whose sites save different live sets (mtcc.sh):
 * after the first, n and its result; after the second, the two results.
 * The difference is not a tail form (tailcall.c), so both calls stay. */
static long diff(int n)
{
    if (n < 2)
        return n;
    return diff(n - 1) - diff(n - 2);
}

int main(void)
{
    return (int)diff(10) & 1;
}
