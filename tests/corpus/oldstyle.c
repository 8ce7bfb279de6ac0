/* oldstyle.c: C as older and looser programs write it: unprototyped and
 * K&R definitions (main among them), calls to functions with no
 * declaration in scope, malloc and free declared by the program itself,
 * names that shadow the C library's builtins (logf, index, abs, exp), a
 * function with no locals of its own on the stack at a checkpoint, and a
 * pointer to a file-scope compound literal. */
#include <stdio.h>

extern void *malloc();
extern void free(void *);

FILE *logf;                 /* libm's logf, as a variable */
static int index = 3;       /* strings.h's index */

struct obj { int v; struct obj *next; };
static struct obj *head = &(struct obj){ 100, 0 };

static long seed = 12345, acc;

/* exp, abs as parameters and a static function */
static int exp(int base, int abs)
{
    int r = 1;
    while (abs-- > 0)
        r *= base;
    return r;
}

/* K&R: the caller promotes, the definition converts */
static int mix(c, k)
    char c;
    int k;
{
    return c * 3 + k;
}

static void step(n) int n;
{
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            seed = (seed * 1103515245 + 12345) & 0x7fffffff;
            acc += (seed >> 16) % 1000;
        }
}

/* nothing of its own to save */
void init_gen(void)
{
    step(60);
    step(index + 40);
}

static struct obj *push(struct obj *h, int v)
{
    struct obj *o = malloc(sizeof *o);
    o->v = v;
    o->next = h;
    return o;
}

int main()
{
    logf = stdout;
    for (int r = 0; r < 12; r++) {
        init_gen();
        head = push(head, mix(r, exp(2, r % 5)) + later(r));  /* later: declared nowhere */
        if (r % 3 == 2)
            fprintf(logf, "round %d: acc %ld head %d\n", r, acc, head->v);
    }
    long s = 0;
    while (head->next) {
        struct obj *o = head;
        s += o->v;
        head = o->next;
        free(o);
    }
    fprintf(logf, "oldstyle: %ld %ld %d %d\n", acc, s, head->v, atoi("42"));
    return 0;
}

int later(int r)
{
    return r * 7 % 5;
}
