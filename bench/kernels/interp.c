/* interp.c: a tagged-value interpreter, the union-heavy benchmark of
 * bench/unions.sh. A small stack machine whose values are a tag and a
 * union of an integer, a double and a pointer to a heap pair; every push
 * stores into a union member, every pop copies a value out, and a list
 * of pairs is built and summed each round. Usage: interp [ROUNDS]. */
#include <stdio.h>
#include <stdlib.h>

enum tag { T_INT, T_DBL, T_PAIR };

struct pair;

typedef struct value {
    enum tag tag;
    union {
        long i;
        double d;
        struct pair *p;
    } as;
} value;

struct pair {
    value car, cdr;
};

enum op { OP_PUSHI, OP_PUSHD, OP_ADD, OP_MUL, OP_CONS, OP_SUM, OP_DROP, OP_END };

typedef struct insn {
    enum op op;
    long arg;
} insn;

#define STACK 256
static value stack[STACK];
static int sp;

static void push_int(long n)
{
    stack[sp].tag = T_INT;
    stack[sp++].as.i = n;
}

static void push_dbl(double d)
{
    stack[sp].tag = T_DBL;
    stack[sp++].as.d = d;
}

static value pop(void)
{
    return stack[--sp];
}

static double num(value v)
{
    return v.tag == T_INT ? (double)v.as.i : v.tag == T_DBL ? v.as.d : 0.0;
}

static void arith(enum op op)
{
    value b = pop();
    value a = pop();
    if (a.tag == T_INT && b.tag == T_INT)
        push_int(op == OP_ADD ? a.as.i + b.as.i : a.as.i * b.as.i % 1000003);
    else
        push_dbl(op == OP_ADD ? num(a) + num(b) : num(a) * num(b));
}

static void cons(void)
{
    struct pair *p = malloc(sizeof *p);
    p->cdr = pop();
    p->car = pop();
    stack[sp].tag = T_PAIR;
    stack[sp++].as.p = p;
}

/* Sums a list's numbers and frees its pairs. */
static double sum_list(value v)
{
    double s = 0;
    while (v.tag == T_PAIR) {
        struct pair *p = v.as.p;
        s += num(p->car);
        v = p->cdr;
        free(p);
    }
    return s + num(v);
}

static double run(const insn *code)
{
    double acc = 0;
    for (const insn *pc = code; pc->op != OP_END; pc++) {
        switch (pc->op) {
        case OP_PUSHI: push_int(pc->arg); break;
        case OP_PUSHD: push_dbl(pc->arg / 8.0); break;
        case OP_ADD:
        case OP_MUL: arith(pc->op); break;
        case OP_CONS: cons(); break;
        case OP_SUM: push_dbl(sum_list(pop())); break;
        case OP_DROP: acc += num(pop()); break;
        case OP_END: break;
        }
    }
    return acc;
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 200000;
    enum { LIST = 16 };
    insn code[6 * LIST + 16];
    int n = 0;
    for (int k = 0; k < LIST; k++) {  /* (k*3 + k) cons ... : a list of LIST numbers */
        code[n++] = (insn){ OP_PUSHI, k * 3 };
        code[n++] = (insn){ k % 2 ? OP_PUSHD : OP_PUSHI, k };
        code[n++] = (insn){ k % 3 ? OP_ADD : OP_MUL, 0 };
    }
    code[n++] = (insn){ OP_PUSHI, 0 };
    for (int k = 0; k < LIST; k++)
        code[n++] = (insn){ OP_CONS, 0 };
    code[n++] = (insn){ OP_SUM, 0 };
    code[n++] = (insn){ OP_DROP, 0 };
    code[n++] = (insn){ OP_END, 0 };
    double total = 0;
    for (long r = 0; r < rounds; r++)
        total += run(code);
    printf("interp: %ld rounds, total %.3f\n", rounds, total);
    return 0;
}
