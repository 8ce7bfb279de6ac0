/* bad_vla.c: a variable-length array in a struct (line 6), a GNU
 * extension gcc accepts and clang refuses. */
int size(int n)
{
    struct sized {
        int a[n];
    } s;
    return (int)sizeof s;
}
int main(void) { return size(3) == 12 ? 0 : 1; }
