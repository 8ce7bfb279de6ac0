/* dispatch.c: a table of function pointers, and pointers stored in the heap. */
#include <stdio.h>
#include <stdlib.h>

typedef long (*op_fn)(long, long);

static long add(long a, long b) { return a + b; }
static long sub(long a, long b) { return a - b; }
static long mul(long a, long b) { return (a * b) % 1000003; }
static long mix(long a, long b) { return (a ^ (b << 3)) % 999983; }

static op_fn table[4] = { add, sub, mul, mix };

struct task {
    op_fn fn;
    long arg;
};

static long run(struct task *t, long acc)
{
    return t->fn(acc, t->arg);
}

int main(void)
{
    struct task *tasks = malloc(16 * sizeof *tasks);
    for (int i = 0; i < 16; i++) {
        tasks[i].fn = table[(i * 3) % 4];
        tasks[i].arg = i * 17 + 3;
    }
    long acc = 1;
    for (int round = 0; round < 400; round++) {
        for (int i = 0; i < 16; i++)
            acc = run(&tasks[i], acc);
        op_fn f = table[round % 4];
        acc = f(acc, round) % 1000000007;
        if (round % 40 == 0)
            printf("round %d acc %ld\n", round, acc);
    }
    printf("final %ld\n", acc);
    return 0;
}
