/* ptrshapes.c: numbers of the layout stored and read through pointers that
 * structs, arrays and other pointers keep, and through unions, beside the
 * same shapes holding plain counts. tests/layoutnum.sh reads the classes
 * from `mtcc --print-transformed` as for shapes.c: every name that starts
 * with "lay" must be a number of the layout, every one that starts with
 * "fix" must not; it also checkpoints the program on x86_64 and restores
 * it on aarch64 (the same layout and byte order: its unions are read
 * through members not stored) and on armhf (refused). */
#include <stddef.h>
#include <stdio.h>

struct node { int key; struct node *next; };
struct wide { int a; double d; };  /* d at 4 on i686, 8 elsewhere */

/* A pointer member of a struct: what it points to receives a size, or a
 * count (another struct, so that the two are told apart). */
struct sizes { size_t *where; };
struct counts { size_t *where; };

/* A struct reached through a pointer parameter, its pointer member an array. */
struct table { size_t *offs; };
struct tally { size_t *n; };

static void fill_table(struct table *t)
{
    t->offs[0] = offsetof(struct wide, a);
    t->offs[1] = offsetof(struct wide, d);
}

static void fill_tally(struct tally *t)
{
    t->n[0] = 1;
    t->n[1] = 2;
}

/* An array of structs holding pointers. */
struct slot { size_t *at; };
struct fslot { size_t *at; };

/* A pointer to a pointer kept in a struct. */
struct deep { size_t **pp; };

/* What a function returns a pointer to: *slot_of(h) = ... */
struct holder { size_t *p; };
static size_t *slot_of(struct holder *h) { return h->p; }

/* Unions: a size stored in one member is read through the others, also
 * through the members of a struct member. */
union num { size_t lay_usize; unsigned long lay_uword; };
union fnum { size_t fix_usize; unsigned long fix_uword; };
union pair { struct { size_t lay_ua; } s; struct { unsigned long lay_ub; } t; };

/* A pointer stored in one union member's struct and read through another's. */
union ptrs { struct { size_t *at; } s; struct { size_t *to; } t; };

static void through_union(size_t *target)
{
    union ptrs pu;
    pu.s.at = target;
    *pu.t.to = sizeof(struct node);
}

static volatile long sink;
static void work(long v) { sink += v; }

int main(void)
{
    size_t lay_member = 0, fix_member = 0;
    struct sizes sz = { &lay_member };
    struct counts ct = { &fix_member };
    *sz.where = sizeof(struct node);
    *ct.where = 3;

    size_t lay_param[2], fix_param[2];
    struct table tb = { lay_param };
    struct tally ty;
    ty.n = fix_param;
    fill_table(&tb);
    fill_tally(&ty);

    size_t lay_slot0 = 0, lay_slot1 = 0, fix_slot0 = 0, fix_slot1 = 0;
    struct slot slots[2] = { { &lay_slot0 }, { &lay_slot1 } };
    struct fslot fslots[2];
    fslots[0].at = &fix_slot0;
    fslots[1].at = &fix_slot1;
    for (int i = 0; i < 2; i++) {
        *slots[i].at = sizeof(struct node) * (size_t)(i + 1);
        *fslots[i].at = (size_t)i + 1;
    }

    size_t lay_pp = 0, fix_pp = 0;
    size_t *p1 = &lay_pp, *q1 = &fix_pp;
    size_t **pp = &p1, **qq = &q1;
    **pp = sizeof(long);
    **qq = 5;
    size_t lay_ppread = **pp, fix_ppread = **qq;

    size_t lay_deep = 0, *dp = &lay_deep;
    struct deep dd = { &dp };
    **dd.pp = offsetof(struct wide, d);

    size_t lay_pa = 0, lay_pb = 0;
    size_t *ptrs[] = { &lay_pa, &lay_pb };
    *ptrs[1] = sizeof(char *);

    size_t lay_ret = 0;
    struct holder h = { &lay_ret };
    *slot_of(&h) = sizeof(struct wide);

    size_t lay_readmember = *sz.where, fix_readmember = *ct.where;

    union num u;
    union fnum fu;
    union pair up;
    u.lay_usize = sizeof(struct node);
    fu.fix_usize = 7;
    up.s.lay_ua = sizeof(struct node);
    unsigned long lay_fromunion = u.lay_uword, fix_fromunion = fu.fix_uword, lay_frompair = up.t.lay_ub;
    size_t lay_uptr = 0;
    through_union(&lay_uptr);

    for (int round = 0; round < 4; round++)
        work(round);
    printf("%zu %zu %zu %zu %zu %zu\n", lay_member, fix_member, lay_param[1], fix_param[1], lay_slot1, fix_slot1);
    printf("%zu %zu %zu %zu %zu %zu %zu %zu\n", lay_pp, fix_pp, lay_ppread, fix_ppread, lay_deep, lay_pb, lay_ret,
           lay_slot0 + fix_slot0 + lay_pa);
    printf("%zu %zu %lu %lu %lu %zu\n", lay_readmember, fix_readmember, lay_fromunion, fix_fromunion, lay_frompair,
           lay_uptr);
    return 0;
}
