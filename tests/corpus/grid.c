/* grid.c: 2-D global arrays: a Jacobi relaxation with a heat source. */
#include <stdio.h>

#define N 40
static double a[N][N], b[N][N];
static int iterations;

static double relax(void)
{
    double change = 0;
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < N - 1; j++) {
            b[i][j] = (a[i - 1][j] + a[i + 1][j] + a[i][j - 1] + a[i][j + 1]) / 4;
            double d = b[i][j] - a[i][j];
            change += d < 0 ? -d : d;
        }
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < N - 1; j++)
            a[i][j] = b[i][j];
    iterations++;
    return change;
}

int main(void)
{
    for (int i = 0; i < N; i++)
        a[i][0] = 100;
    for (int step = 0; step < 300; step++) {
        double c = relax();
        a[N / 2][N / 2] = 50;
        if (step % 30 == 0)
            printf("step %d change %.6f centre %.6f\n", step, c, a[N / 2 + 1][N / 2]);
    }
    printf("iterations %d corner %.6f\n", iterations, a[1][1]);
    return 0;
}
