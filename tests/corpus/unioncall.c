/* unioncall.c: a call's result stored straight into a union member, as
 * Lua's `setsvalue(L, L->top, luaS_newlstr(...))` does: mtcc lifts the
 * call before the statement and marks the member active; the two edits
 * start at one offset and the lifted call must appear once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

union value {
    long n;
    char *s;
    struct cell *c;
};

struct cell {
    int tag;            /* 0 number, 1 string, 2 cell */
    union value v;
};

static union value global;

/* not a leaf: it recurses, so calls to it are lifted */
static char *spell(long n)
{
    if (n < 10) {
        char *s = malloc(2);
        s[0] = (char)('0' + n);
        s[1] = 0;
        return s;
    }
    char *head = spell(n / 10);
    char *s = malloc(strlen(head) + 2);
    sprintf(s, "%s%c", head, (char)('0' + n % 10));
    free(head);
    return s;
}

static struct cell *box(long n)
{
    struct cell *c = malloc(sizeof *c);
    c->tag = 1;
    c->v.s = spell(n);
    return c;
}

int main(void)
{
    struct cell cells[64];
    long sum = 0;
    for (int i = 0; i < 64; i++) {
        struct cell *c = &cells[i];
        c->tag = 2;
        c->v.c = box((long)i * 7919);
        global.s = spell(i);
        sum += (long)strlen(c->v.c->v.s) + (long)strlen(global.s);
        free(global.s);
        if (i % 8 == 7)
            printf("%d: %s %ld\n", i, c->v.c->v.s, sum);
    }
    return 0;
}
