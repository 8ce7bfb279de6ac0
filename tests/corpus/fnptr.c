/* fnptr.c: functions that return function pointers, written without a
 * typedef (int (*pick(int k))(int, int)), called in a loop with adaptation
 * points: their results called at once (pick(k)(a, b)), kept in locals, in
 * a heap table and in a global, a capture inside such a function (its
 * twin returns the pointer), and one level more (a function returning a
 * pointer to pick's type), and a pointer to an array. Pinned (const or
 * address-taken) locals and returns of a function with pinned locals hold
 * such results too: each call is made once (count() counts them). */
#include <stdio.h>
#include <stdlib.h>

static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static int mul(int a, int b) { return (a * b) % 10007; }

static int calls;

/* A transformed function to call, so that the functions below have sites. */
static int count(int k)
{
    calls++;
    return k % 3;
}

/* A site inside (a capture can start here), a pinned array of pointers
 * and a return through the pinned record's exit. */
static int (*pick(int k))(int, int)
{
    int (*ops[3])(int, int) = { add, sub, mul };
    int c = count(k);
    return ops[c];
}

/* Without sites: the pointer goes through temporaries only. */
static int (*other(int k))(int, int) { return k & 1 ? sub : add; }

/* Returns exactly a call, in a function with a pinned local. */
static int (*via(int k))(int, int)
{
    int (*keep)(int, int) = sub;
    int (**at)(int, int) = &keep;
    if ((*at)(k, 1) < 0)
        return keep;
    return pick(k + 5);
}

/* A pointer to a function like pick. */
static int (*(*chooser(int k))(int))(int, int)
{
    count(k);
    return k % 4 == 0 ? other : pick;
}

static int table[4][5];

static int (*row(int i))[5]
{
    count(i);
    return &table[i % 4];
}

static int (*(*selector)(int))(int, int) = pick;
static int (*last)(int, int);

int main(void)
{
    int (**slots)(int, int) = malloc(4 * sizeof *slots);
    for (int i = 0; i < 4; i++)
        slots[i] = other(i);
    long acc = 1;
    for (int i = 0; i < 900; i++) {
        int r = pick(i)(i, 3);
        int (*f)(int, int) = pick(i + 1);
        int (*(*pp)(int))(int, int) = chooser(i);
        slots[i % 4] = pp(i + 2);
        last = selector(i + 3);
        int (*const g)(int, int) = pick(i + 2);
        acc = (acc * 31 + r + f(i, 7) + slots[(i + 1) % 4](i, 2) + last(i, 5)) % 1000003;
        acc = (acc + g(i, 11) + via(i)(i, 13)) % 1000003;
        (*row(i))[i % 5] += (int)(acc % 97);
        if (i % 100 == 99)
            printf("i %d acc %ld row %d\n", i, acc, (*row(i + 1))[i % 5]);
    }
    long sum = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 5; j++)
            sum += table[i][j];
    printf("acc %ld table %ld calls %d\n", acc, sum, calls);
    free(slots);
    return 0;
}
