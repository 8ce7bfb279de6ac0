/* trailptrs.c: one block holding a struct followed by two arrays of
 * pointers of different types, as lemon allocates a grammar rule:
 * calloc(sizeof(struct rule) + sizeof(struct symbol *) * n +
 * sizeof(char *) * n, 1), then rhs = (struct symbol **)&rp[1] and
 * rhsalias = (char **)&rhs[n]. Every data pointer converts alike, so the
 * block is a header with one trailing array of pointers; it must restore
 * on every ABI (the pointers shrink to 4 bytes on 32-bit ones). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct symbol {
    const char *name;
    long uses;
};

struct rule {
    struct symbol *lhs;
    int nrhs;
    struct symbol **rhs;   /* into the same block, after the rule */
    char **alias;          /* into the same block, after rhs */
    struct rule *next;
};

static struct symbol symbols[6] = {
    { "expr", 0 }, { "term", 0 }, { "PLUS", 0 }, { "TIMES", 0 }, { "NUM", 0 }, { "LP", 0 },
};
static char *aliases[] = { "A", "B", "C", NULL };

static struct rule *new_rule(struct rule *next, int n, int seed)
{
    struct rule *rp = calloc(sizeof(struct rule) + sizeof(struct symbol *) * n + sizeof(char *) * n, 1);
    rp->rhs = (struct symbol **)&rp[1];
    rp->alias = (char **)&rp->rhs[n];
    rp->nrhs = n;
    rp->lhs = &symbols[seed % 2];
    for (int i = 0; i < n; i++) {
        rp->rhs[i] = &symbols[(seed + i) % 6];
        rp->alias[i] = aliases[(seed * 3 + i) % 4];
    }
    rp->next = next;
    return rp;
}

/* Walks every rule, counting uses through the trailing arrays. */
static long walk(struct rule *list)
{
    long sum = 0;
    for (struct rule *rp = list; rp; rp = rp->next)
        for (int i = 0; i < rp->nrhs; i++) {
            rp->rhs[i]->uses++;
            sum += rp->rhs[i]->uses + (rp->alias[i] ? (long)strlen(rp->alias[i]) + rp->alias[i][0] : 7);
        }
    return sum % 1000003;
}

int main(void)
{
    struct rule *list = NULL;
    for (int round = 1; round <= 40; round++) {
        for (int k = 0; k < 5; k++)
            list = new_rule(list, 1 + (round + k) % 7, round * 5 + k);
        printf("round %d: %ld\n", round, walk(list));
    }
    while (list) {
        struct rule *next = list->next;
        free(list);
        list = next;
    }
    return 0;
}
