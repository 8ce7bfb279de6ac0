/* deadfirst.c: locals declared at the top of their function, C89 style,
 * and assigned again before they are read (mtcc kills.c): a loop index
 * reused by the next nest, a partial sum reset each turn, `x = f(y)`, a
 * value set on both branches of an if, a do loop's body that sets it
 * first. Such a local is dead at the sites before those assignments and
 * is not saved there; the others must still be: a value set on one branch
 * only, a loop that may run no turn, a break before the assignment, `+=`,
 * a switch. Every value reaches the output, so a restore that lost one
 * prints otherwise. */
#include <stdio.h>
#include <stdlib.h>

#define ROWS 24
#define ROUNDS 40

static int **mkmatrix(int rows, int cols)
{
    int i, j, count = 1;
    int **m = malloc(rows * sizeof *m);
    for (i = 0; i < rows; i++) {
        m[i] = malloc(cols * sizeof *m[i]);
        for (j = 0; j < cols; j++)
            m[i][j] = count++ % 17 - 8;
    }
    return m;
}

/* Shootout matrix's mmult: k and val are dead at the j loop's poll, j too
 * at the i loop's. */
static void mmult(int rows, int cols, int **a, int **b, int **c)
{
    int i, j, k, val;
    for (i = 0; i < rows; i++) {
        for (j = 0; j < cols; j++) {
            val = 0;
            for (k = 0; k < cols; k++)
                val += a[i][k] * b[k][j];
            c[i][j] = val;
        }
    }
}

static long step(long x) { return x % 1000003 * 7 + 11; }

/* recursive, so no leaf: its calls are resume sites */
static long churn(long x);

/* t = f(t) at a call: t's old value is read by the call (already run), not
 * after it. both is set on each branch; one only on one branch (live). */
static long branches(int n)
{
    long t = 1, both = 0, one = 5, acc = 0;
    int i;
    for (i = 0; i < n; i++) {
        t = churn(t);
        if (i % 3 == 0)
            both = t % 101;
        else
            both = -(t % 103);
        if (i % 5 == 0)
            one = t % 7;
        acc += both + one;
    }
    return acc + one;
}

/* The flip loop of fannkuch: a do loop whose body sets i first; a while
 * loop that sets k in its body, then reads it after (live: no turn may
 * run); a break before an assignment (live). */
static long flips(int n)
{
    int *perm = malloc(n * sizeof *perm);
    int i, k, r, last = -1;
    long total = 0, seen = 0;
    for (r = 0; r < n; r++) {
        for (i = 0; i < n; i++)
            perm[i] = (i * 7 + r * 3) % n;
        k = perm[0];
        do {
            int j;
            for (i = 1, j = k - 1; i < j; ++i, --j) {
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            ++total;
            j = perm[k];
            perm[k] = k;
            k = j;
            seen = churn(seen) % 1000;
        } while (k && total % 50);
        seen = churn(seen) % 1000;  /* k is read below when no turn of the while runs */
        i = 0;
        while (i < r % 3) {
            k = perm[i] + i;
            i++;
        }
        total += k;
        for (;;) {
            seen = churn(seen) % 997;
            if (seen % 4 == 0)
                break;
            last = (int)(seen % 13);
        }
        total += last;
    }
    free(perm);
    return total * 1000 + seen;
}

/* += is no assignment of a new value; a switch is not followed. */
static long others(int n)
{
    long sum = 3, sw = 0;
    int i;
    for (i = 0; i < n; i++) {
        sum += churn(i) % 11;
        switch (i % 4) {
        case 0:
            sw = sum;
            break;
        default:
            sw += i;
        }
    }
    return sum + sw;
}

static long churn(long x) { return x > 0 && x % 5 == 0 ? 1 + churn(x / 5) % 1000 : step(x) + (x & 1); }

int main(void)
{
    int **a = mkmatrix(ROWS, ROWS), **b = mkmatrix(ROWS, ROWS), **c = mkmatrix(ROWS, ROWS);
    long check = 0;
    int round, i, j;
    for (round = 0; round < ROUNDS; round++) {
        mmult(ROWS, ROWS, a, b, c);
        for (i = 0; i < ROWS; i++)
            for (j = 0; j < ROWS; j++)
                check = (check * 31 + c[i][j]) % 1000003;
        a[round % ROWS][round % ROWS] += 1;
        check += branches(round * 5 + 3) % 1000;
        check += flips(round % 9 + 4) % 100000;
        check += others(round + 2);
        printf("round %d: %ld\n", round, check);
    }
    for (i = 0; i < ROWS; i++) {
        free(a[i]);
        free(b[i]);
        free(c[i]);
    }
    free(a);
    free(b);
    free(c);
    return 0;
}
