/* unsupported.c: constructs mtcc cannot make safe. Each function loses its
 * adaptation points (with a diagnostic) and the program still runs right.
 * Each calls deep(), which recurses: without it the function would be a
 * leaf, which never has adaptation points to lose (and is not diagnosed). */
#include <alloca.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf env;

static int deep(int n)
{
    return n > 0 ? deep(n - 1) + 1 : 0;
}

static int with_longjmp(int n)
{
    if (setjmp(env))
        return -deep(1);
    if (n > 3)
        longjmp(env, 1);
    return n;
}

static int with_alloca(int n)
{
    char *p = alloca(n + 1);
    memset(p, 'a', n);
    p[n] = '\0';
    return (int)strlen(p) + deep(0);
}

/* one at the body's top level becomes a heap block (tests/corpus/vlalocal.c);
 * one in a loop body, not */
static int with_vla(int n)
{
    int s = 0;
    for (int k = 1; k <= 2; k++) {
        int v[n * k];
        for (int i = 0; i < n * k; i++)
            v[i] = i;
        s += v[n * k - 1];
    }
    return s + deep(0);
}

static int with_vla_pointer(int n)
{
    /* one alone is supported (tests/corpus/vlaptr.c); declared with another, not */
    int (*rows)[n] = malloc(2 * sizeof *rows), (*last)[n] = rows + 1;
    for (int i = 0; i < n; i++)
        last[0][i] = i;
    int v = rows[1][n - 1];
    free(rows);
    return v + deep(0);
}

static int with_asm(int n)
{
    __asm__ volatile("" ::: "memory");
    return n * 2 + deep(0);
}

static int with_goto(int n)
{
    static void *where[] = { &&zero, &&other };
    goto *where[n != 0];
zero:
    return 100;
other:
    return n + deep(0);
}

/* Generated code at file scope cannot name these types. */
static int with_local_type(int n)
{
    struct cell { int v; struct cell *next; };
    struct cell *c = malloc(sizeof *c);
    c->v = n;
    c->next = NULL;
    int v = c->v + (c->next != NULL) + deep(0);
    free(c);
    return v;
}

/* a fallback function that calls itself (through its wrapper, declared
 * before it) and keeps a static local that a restore cannot reach */
static int with_vla_recursion(int n)
{
    static int calls;
    calls++;
    if (n >= 0) {  /* in a nested block: still a fallback */
        int vla[n + 1];
        vla[n] = n;
        return n <= 0 ? calls % 7 : with_vla_recursion(vla[n] - 1);
    }
    return -1;
}

int main(void)
{
    long s = 0;
    for (int i = 0; i < 200; i++)
        s += with_longjmp(i % 6) + with_alloca(i % 9 + 1) + with_vla(i % 7 + 1) + with_asm(i) + with_goto(i % 3) +
             with_local_type(i) + with_vla_pointer(i % 5 + 1) + with_vla_recursion(i % 4);
    printf("sum %ld\n", s);
    return 0;
}
