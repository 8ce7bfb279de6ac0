/* ptrmember.c: offsets kept through pointers that a struct holds, filled
 * through a pointer parameter: a heap array of offsets (c->offs[i] =
 * offsetof(...)), a size stored through a pointer member (*c->psize) and
 * one through a pointer to a pointer (**c->pp). After the checkpoint the
 * program reads a struct cfg's members at those offsets: restored onto
 * i686 with x86_64's offsets it would read the wrong bytes (limit at 4,
 * not 8), so the restore is refused there by name, and round-trips on
 * s390x and aarch64 (tests/layoutnum.sh). Before 2026-12-08 mtcc did not
 * follow these stores and the i686 restore printed a wrong result. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

struct cfg { int verbose; long limit; char *name; };
struct node { int key; struct node *next; };

struct ctx {
    size_t *offs;    /* a heap array of member offsets */
    size_t *psize;   /* where the size of a node goes */
    size_t **pp;     /* a pointer to the pointer the stride goes through */
};

static void fill(struct ctx *c)
{
    c->offs[0] = offsetof(struct cfg, verbose);
    c->offs[1] = offsetof(struct cfg, limit);
    c->offs[2] = offsetof(struct cfg, name);
    *c->psize = sizeof(struct node);
    **c->pp = sizeof(struct cfg);
}

static volatile long sink;
static void work(long v) { sink += v; }

int main(void)
{
    static struct cfg cfg = { 1, 4242, "ptrmember" };
    size_t node_size = 0, stride = 0, *stride_at = &stride;
    struct ctx c = { NULL, &node_size, &stride_at };
    c.offs = malloc(3 * sizeof *c.offs);
    if (!c.offs)
        return 1;
    fill(&c);
    for (int round = 0; round < 6; round++) {
        work(round);
        const char *base = (const char *)&cfg;
        printf("round %d: verbose %d limit %ld name %s node %s cfg %s\n", round,
               *(const int *)(base + c.offs[0]), *(const long *)(base + c.offs[1]),
               c.offs[2] == offsetof(struct cfg, name) ? cfg.name : "WRONG",
               node_size == sizeof(struct node) ? "right" : "WRONG", stride == sizeof(struct cfg) ? "right" : "WRONG");
    }
    free(c.offs);
    return 0;
}
