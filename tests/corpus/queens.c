/* queens.c: n-queens by backtracking over a local array. */
#include <stdio.h>

static int safe(const int *cols, int row, int col)
{
    for (int r = 0; r < row; r++) {
        int d = cols[r] - col;
        if (d == 0 || d == row - r || d == r - row)
            return 0;
    }
    return 1;
}

static long solve(int *cols, int row, int n)
{
    if (row == n)
        return 1;
    long count = 0;
    for (int c = 0; c < n; c++) {
        if (!safe(cols, row, c))
            continue;
        cols[row] = c;
        count += solve(cols, row + 1, n);
    }
    return count;
}

int main(void)
{
    int cols[12];
    for (int n = 4; n <= 10; n++)
        printf("%d queens: %ld solutions\n", n, solve(cols, 0, n));
    return 0;
}
