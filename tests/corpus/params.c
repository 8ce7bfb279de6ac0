/* params.c: parameters written as arrays (char *argv[], int a[],
 * int m[][3], const char *names[2]), which are pointers, one of them
 * address-taken; string literals in a local array's initializer list,
 * which the saved pointers keep. */
#include <stdio.h>

static int bump(int x)
{
    return x * 5 % 13 + 1;
}

static int sum(int n, int a[], int m[][3], const char *names[2])
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += bump(a[i]) + m[i][i % 3] + names[i & 1][0];
    int **pa = (int **)&a;  /* the parameter itself lives in memory */
    s += (*pa)[n - 1];
    return s;
}

static void fill(int n, int out[n > 0 ? 8 : 8])
{
    for (int i = 0; i < 8; i++)
        out[i] = bump(n + i);
}

int main(int argc, char *argv[])
{
    int a[4] = { 1, 2, 3, 4 }, m[4][3] = { { 1 }, { 2, 3 }, { 4, 5, 6 }, { 7 } };
    const char *names[2] = { "x", "yz" };
    const char *words[] = { "alpha", "beta", "gamma" };
    int t = 0, v[8];
    for (int k = 0; k < 12; k++) {
        t += sum(4, a, m, names) + bump(argc) + (argv[0] != NULL);
        fill(k, v);
        t += v[k % 8] + words[k % 3][k % 4];
        a[k % 4] = bump(t);
    }
    printf("t %d %s %s\n", t, words[t % 3], names[t & 1]);
    return 0;
}
