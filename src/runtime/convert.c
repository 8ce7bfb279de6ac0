/* convert.c: compiling and running conversion plans (see convert.h).
 *
 * Compilation flattens a type, nested structs included, into a list of
 * operations on the slots of one element, merging neighbours that do the
 * same thing: struct { int a, b, c; } becomes one swap of three ints.
 * Running a plan walks the block in chunks of elements and applies each
 * operation to the whole chunk, so the inner loops stay tight. */
#include "convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "kernels.h"
#include "ldouble.h"

enum op_kind { OP_COPY, OP_ZERO, OP_SWAP, OP_INT, OP_FLOAT, OP_LDOUBLE, OP_PTR, OP_FNPTR, OP_ADDR, OP_LAYOUT, OP_SUB, OP_BITS, OP_UNION };

typedef struct union_plan union_plan;

typedef struct cv_op {
    uint8_t kind;
    uint8_t ssize, dsize;   /* item sizes for scalar operations */
    uint8_t is_signed;      /* OP_INT */
    uint32_t len;           /* OP_COPY and OP_ZERO: bytes per item */
    uint32_t soff, doff;    /* offsets of the first item in an element */
    uint32_t n;             /* items per element */
    uint32_t sstep, dstep;  /* distance between items */
    cv_plan *sub;           /* OP_SUB: the plan of the nested struct */
    const tmember *sm, *dm; /* OP_BITS: the bit-field in each layout */
    union_plan *un;         /* OP_UNION: the plans of the union's members */
} cv_op;

/* A union converts by its active member, known per object only when the
 * plan runs: one plan per member, each over a one-member view of the
 * union (the rest of the reader's union zeroed). */
struct union_plan {
    const struct mt_type *src, *dst;
    struct mt_type *views;  /* 2 * nmembers: the writer's and the reader's view of member i */
    cv_plan **members;
    int copyable;           /* an unknown member is copied: same layout and representation, no pointers */
    int same_repr;          /* every member has the same layout and representation (pointers aside) */
    int viewed;             /* its bytes are read as another type (mtcc's mark) */
    int punned;             /* viewed, or a member is read while another may be stored */
};

struct cv_plan {
    const struct mt_type *src, *dst;
    mt_arch src_arch;
    int swap;         /* the byte orders differ */
    int is_copy;      /* one memcpy does it all */
    int copy_first;   /* memcpy, then only the pointer operations */
    int uniform;      /* a single operation covers each element exactly */
    uint32_t nops, cap;
    cv_op *ops;
    uint32_t nsubs;
    cv_plan **subs;
    uint32_t nunions;
    union_plan **unions;
    k_shuffle *shuffle; /* non-NULL: the byte moves of an element are one shuffle */
    uint32_t nrest;     /* with shuffle: the other operations, run after it */
    cv_op *rest;
};

/* Elements converted per pass over the operation list: enough to keep
 * loops long, few enough that a chunk stays in the cache. */
enum { CHUNK_BYTES = 32 * 1024 };

/* ---- Compilation -------------------------------------------------------- */

static int add_op(cv_plan *p, cv_op op, mt_error *err)
{
    cv_op *prev = p->nops ? &p->ops[p->nops - 1] : NULL;
    if (prev && prev->kind == op.kind && (op.kind == OP_COPY || op.kind == OP_ZERO) &&
        prev->n == 1 && op.n == 1 && op.soff == prev->soff + prev->len &&
        op.doff == prev->doff + prev->len) {
        prev->len += op.len;
        return 0;
    }
    if (prev && prev->kind == op.kind && op.kind != OP_SUB && op.kind != OP_COPY &&
        op.kind != OP_ZERO && op.kind != OP_BITS && (op.kind != OP_UNION || prev->un == op.un) && prev->ssize == op.ssize && prev->dsize == op.dsize &&
        prev->is_signed == op.is_signed && prev->sstep == op.sstep &&
        prev->dstep == op.dstep && op.soff == prev->soff + prev->n * prev->sstep &&
        op.doff == prev->doff + prev->n * prev->dstep ) {
        prev->n += op.n;
        return 0;
    }
    if (p->nops == p->cap) {
        uint32_t cap = p->cap ? p->cap * 2 : 16;
        cv_op *grown = realloc(p->ops, cap * sizeof *grown);
        if (!grown)
            return mt_fail(err, MT_ENOMEM, "out of memory compiling a conversion plan");
        p->ops = grown;
        p->cap = cap;
    }
    p->ops[p->nops++] = op;
    return 0;
}

static int same_layout(const struct mt_type *s, const struct mt_type *d)
{
    if (s->size != d->size || s->nmembers != d->nmembers)
        return 0;
    for (uint32_t i = 0; i < s->nmembers; i++) {
        const tmember *a = &s->members[i], *b = &d->members[i];
        if (a->offset != b->offset || a->size != b->size || a->bit_width != b->bit_width ||
            a->bit_pos != b->bit_pos || a->bit_flags != b->bit_flags)
            return 0;
        if (a->type && !same_layout(a->type, b->type))
            return 0;
    }
    return 1;
}

/* Set by mt_layout_uses_ldouble: the program's numbers of the layout may
 * depend on where a long double goes. Written at start-up only. */
static int layout_with_ldouble;

void mt_layout_uses_ldouble(void)
{
    layout_with_ldouble = 1;
}

static int members_match(const struct mt_type *s, const struct mt_type *d, mt_error *err)
{
    if (s->id != d->id || s->nmembers != d->nmembers || s->is_union != d->is_union)
        return mt_fail(err, MT_ETYPE, "type %s differs between the checkpoint and this program",
                       d->name);
    for (uint32_t i = 0; i < s->nmembers; i++) {
        const tmember *a = &s->members[i], *b = &d->members[i];
        if (a->cls != b->cls || a->count != b->count || strcmp(a->name, b->name) != 0)
            return mt_fail(err, MT_ETYPE, "type %s member %s differs between the checkpoint and this program",
                           d->name, b->name);
    }
    return 0;
}

static cv_plan *compile(const struct mt_type *src, const mt_arch *src_arch,
                        const struct mt_type *dst, mt_error *err);

/* Chooses the operation for count scalar items of one member. */
static cv_op scalar_op(const cv_plan *p, const tmember *sm, const tmember *dm)
{
    cv_op op = { .ssize = (uint8_t)sm->size, .dsize = (uint8_t)dm->size, .n = sm->count,
                 .sstep = sm->size, .dstep = dm->size };
    const mt_arch *la = arch_local();
    int same_size = sm->size == dm->size;
    switch (sm->cls) {
    case MT_CLASS_PTR: op.kind = OP_PTR; return op;
    case MT_CLASS_FNPTR: op.kind = OP_FNPTR; return op;
    case MT_CLASS_ADDR_SINT:
    case MT_CLASS_ADDR_UINT:
        op.kind = OP_ADDR;
        op.is_signed = sm->cls == MT_CLASS_ADDR_SINT;
        return op;
    case MT_CLASS_LAYOUT_SINT:
    case MT_CLASS_LAYOUT_UINT:
        op.is_signed = sm->cls == MT_CLASS_LAYOUT_SINT;
        if (!arch_same_layout(&p->src_arch, la, layout_with_ldouble)) {
            op.kind = OP_LAYOUT;
            return op;
        }
        op.kind = !same_size ? OP_INT : (p->swap && sm->size > 1) ? OP_SWAP : OP_COPY;
        break;
    case MT_CLASS_LDOUBLE:
        if (p->src_arch.ldouble != la->ldouble || !same_size)
            op.kind = OP_LDOUBLE;
        else if (!p->swap)
            op.kind = OP_COPY;
        else if (la->ldouble == LD_DOUBLEDOUBLE) {  /* two doubles, each swapped */
            op.kind = OP_SWAP;
            op.ssize = op.dsize = 8;
            op.n *= 2;
            op.sstep = op.dstep = 8;
        } else
            op.kind = la->ldouble == LD_X87 ? OP_LDOUBLE : OP_SWAP;
        break;
    case MT_CLASS_FLOAT:
        op.kind = !same_size ? OP_FLOAT : p->swap ? OP_SWAP : OP_COPY;
        break;
    case MT_CLASS_BYTES:
        op.kind = OP_COPY;
        break;
    default: /* SINT, UINT, BOOL */
        op.is_signed = sm->cls == MT_CLASS_SINT;
        op.kind = !same_size ? OP_INT : (p->swap && sm->size > 1) ? OP_SWAP : OP_COPY;
        break;
    }
    if (op.kind == OP_COPY) {   /* a contiguous run of bytes */
        op.len = sm->size * sm->count;
        op.n = 1;
        op.sstep = op.dstep = op.len;
    }
    return op;
}

static int add_type(cv_plan *p, const struct mt_type *s, const struct mt_type *d,
                    uint32_t sbase, uint32_t dbase, int pointers_only, mt_error *err);

static int has_class(const struct mt_type *t, int cls)
{
    for (uint32_t i = 0; i < t->nmembers; i++)
        if (t->members[i].cls == cls || (t->members[i].type && has_class(t->members[i].type, cls)))
            return 1;
    return 0;
}

static void union_plan_free(union_plan *u)
{
    if (!u)
        return;
    for (uint32_t i = 0; u->members && i < u->src->nmembers; i++)
        cv_plan_free(u->members[i]);
    free(u->members);
    free(u->views);
    free(u);
}

/* The type holding member m of union u alone (names and members are
 * borrowed from u, which outlives the plan). */
static void member_view(struct mt_type *v, const struct mt_type *u, uint32_t m)
{
    const tmember *tm = &u->members[m];
    *v = (struct mt_type){ .id = u->id, .name = u->name, .size = u->size, .align = u->align,
                           .nmembers = 1, .members = (tmember *)tm };
    v->has_pointers = tm->cls == MT_CLASS_PTR || tm->cls == MT_CLASS_FNPTR || type_class_is_addr(tm->cls) ||
                      (tm->type && tm->type->has_pointers);
    v->has_unions = tm->type && tm->type->has_unions;
}

static union_plan *union_plan_compile(const cv_plan *p, const struct mt_type *su, const struct mt_type *du,
                                      mt_error *err)
{
    union_plan *u = calloc(1, sizeof *u);
    uint32_t n = su->nmembers;
    if (!u || !(u->views = calloc(2 * (size_t)n, sizeof *u->views)) ||
        !(u->members = calloc(n, sizeof *u->members))) {
        union_plan_free(u);
        mt_fail(err, MT_ENOMEM, "out of memory compiling a conversion plan");
        return NULL;
    }
    u->src = su;
    u->dst = du;
    for (uint32_t i = 0; i < n; i++) {
        member_view(&u->views[2 * i], su, i);
        member_view(&u->views[2 * i + 1], du, i);
        if (!(u->members[i] = compile(&u->views[2 * i], &p->src_arch, &u->views[2 * i + 1], err))) {
            union_plan_free(u);
            return NULL;
        }
    }
    u->same_repr = !p->swap && same_layout(su, du) &&
                   (p->src_arch.ldouble == arch_local()->ldouble || !has_class(su, MT_CLASS_LDOUBLE));
    u->copyable = u->same_repr && !su->has_pointers;
    u->viewed = su->punned || du->punned;
    u->punned = u->viewed;
    for (uint32_t i = 0; i < n; i++)
        u->punned |= su->members[i].pun_read || du->members[i].pun_read;
    return u;
}

/* A union refusal found while compiling a plan names the member path that
 * leads to the union, built as the failure returns through the enclosing
 * structs: "in member a.b". */
#define UNION_PATH " in member "

static void union_path_prefix(mt_error *err, const char *name)
{
    if (!err || err->code != MT_ETYPE || strncmp(err->msg, "union ", 6) != 0 || !name[0])
        return;
    char *at = strstr(err->msg, UNION_PATH);
    size_t cap = sizeof err->msg;
    if (!at) {
        size_t used = strlen(err->msg);
        snprintf(err->msg + used, cap - used, UNION_PATH "%s", name);
        return;
    }
    at += strlen(UNION_PATH);
    char rest[sizeof err->msg];
    snprintf(rest, sizeof rest, "%s", at);
    snprintf(at, cap - (size_t)(at - err->msg), "%s.%s", name, rest);
}

/* count unions at sbase + sm->offset: converted by their active members. */
static int add_union(cv_plan *p, const tmember *sm, const tmember *dm, uint32_t sbase,
                     uint32_t dbase, mt_error *err)
{
    if (members_match(sm->type, dm->type, err) < 0)
        return -1;
    union_plan *u = union_plan_compile(p, sm->type, dm->type, err);
    if (!u)
        return -1;
    union_plan **grown = realloc(p->unions, (p->nunions + 1) * sizeof *grown);
    if (!grown) {
        union_plan_free(u);
        return mt_fail(err, MT_ENOMEM, "out of memory compiling a conversion plan");
    }
    p->unions = grown;
    p->unions[p->nunions++] = u;
    cv_op op = { .kind = OP_UNION, .soff = sbase + sm->offset, .doff = dbase + dm->offset,
                 .n = sm->count, .sstep = sm->size, .dstep = dm->size, .un = u };
    return add_op(p, op, err);
}

/* A member that is an array of structs: unrolled when short, otherwise a
 * nested plan run over the array. */
static int add_struct_array(cv_plan *p, const tmember *sm, const tmember *dm, uint32_t sbase,
                            uint32_t dbase, int pointers_only, mt_error *err)
{
    char name[200];
    if (sm->count <= 4) {
        for (uint32_t k = 0; k < sm->count; k++)
            if (add_type(p, sm->type, dm->type, sbase + sm->offset + k * sm->size,
                         dbase + dm->offset + k * dm->size, pointers_only, err) < 0) {
                snprintf(name, sizeof name, "%s[%u]", sm->name, k);
                union_path_prefix(err, name);
                return -1;
            }
        return 0;
    }
    cv_plan *sub = compile(sm->type, &p->src_arch, dm->type, err);
    if (!sub) {
        snprintf(name, sizeof name, "%s[]", sm->name);
        union_path_prefix(err, name);
        return -1;
    }
    cv_plan **grown = realloc(p->subs, (p->nsubs + 1) * sizeof *grown);
    if (!grown) {
        cv_plan_free(sub);
        return mt_fail(err, MT_ENOMEM, "out of memory compiling a conversion plan");
    }
    p->subs = grown;
    p->subs[p->nsubs++] = sub;
    cv_op op = { .kind = OP_SUB, .soff = sbase + sm->offset, .doff = dbase + dm->offset,
                 .n = sm->count, .sstep = sm->size, .dstep = dm->size, .sub = sub };
    if (sub->is_copy) {
        op.kind = OP_COPY;
        op.len = sm->size * sm->count;
        op.n = 1;
    }
    return add_op(p, op, err);
}

static int add_member(cv_plan *p, const tmember *sm, const tmember *dm, uint32_t sbase,
                      uint32_t dbase, int pointers_only, mt_error *err)
{
    if (sm->cls == MT_CLASS_BITFIELD) {
        /* each value moves from the writer's bits to the reader's */
        cv_op op = { .kind = OP_BITS, .soff = sbase + sm->offset, .doff = dbase + dm->offset, .n = 1,
                     .sstep = sm->size, .dstep = dm->size, .sm = sm, .dm = dm };
        return pointers_only ? 0 : add_op(p, op, err);
    }
    if (sm->cls == MT_CLASS_UNION)
        return pointers_only && !sm->type->has_pointers ? 0 : add_union(p, sm, dm, sbase, dbase, err);
    if (sm->cls == MT_CLASS_STRUCT) {
        if (pointers_only && !sm->type->has_pointers)
            return 0;
        if (sm->count == 1) {
            if (add_type(p, sm->type, dm->type, sbase + sm->offset, dbase + dm->offset,
                         pointers_only, err) == 0)
                return 0;
            union_path_prefix(err, sm->name);
            return -1;
        }
        return add_struct_array(p, sm, dm, sbase, dbase, pointers_only, err);
    }
    cv_op op = scalar_op(p, sm, dm);
    if (pointers_only && op.kind != OP_PTR && op.kind != OP_FNPTR && op.kind != OP_ADDR)
        return 0;
    op.soff = sbase + sm->offset;
    op.doff = dbase + dm->offset;
    return add_op(p, op, err);
}

static int add_gap(cv_plan *p, uint32_t dfrom, uint32_t dto, mt_error *err)
{
    if (dto <= dfrom)
        return 0;
    cv_op op = { .kind = OP_ZERO, .doff = dfrom, .n = 1, .len = dto - dfrom };
    op.sstep = op.dstep = op.len;
    return add_op(p, op, err);
}

static int add_type(cv_plan *p, const struct mt_type *s, const struct mt_type *d,
                    uint32_t sbase, uint32_t dbase, int pointers_only, mt_error *err)
{
    if (members_match(s, d, err) < 0)
        return -1;
    if (s->is_union) {  /* the block's own type, or an element of an array of unions */
        tmember whole_s = { .name = s->name, .cls = MT_CLASS_UNION, .size = s->size, .count = 1, .type = s };
        tmember whole_d = { .name = d->name, .cls = MT_CLASS_UNION, .size = d->size, .count = 1, .type = d };
        return pointers_only && !s->has_pointers ? 0 : add_union(p, &whole_s, &whole_d, sbase, dbase, err);
    }
    uint32_t dend = 0;
    for (uint32_t i = 0; i < s->nmembers; i++) {
        const tmember *sm = &s->members[i], *dm = &d->members[i];
        uint32_t end = dm->offset + dm->size * dm->count;
        /* a bit-field's bytes not yet written by the one before it are
         * zeroed first: its unused bits are padding */
        uint32_t gap_end = dm->cls == MT_CLASS_BITFIELD ? end : dm->offset;
        if (!pointers_only && add_gap(p, dbase + dend, dbase + gap_end, err) < 0)
            return -1;
        if (add_member(p, sm, dm, sbase, dbase, pointers_only, err) < 0)
            return -1;
        if (end > dend)
            dend = end;
    }
    return pointers_only ? 0 : add_gap(p, dbase + dend, dbase + d->size, err);
}

static void mark_uniform(cv_plan *p)
{
    if (p->nops != 1 || p->copy_first)
        return;
    const cv_op *op = &p->ops[0];
    p->uniform = op->kind != OP_SUB && op->kind != OP_BITS && op->kind != OP_UNION && op->soff == 0 && op->doff == 0 &&
                 op->n * op->sstep == p->src->size && op->n * op->dstep == p->dst->size &&
                 (op->kind != OP_COPY && op->kind != OP_ZERO ? 1 : op->len == p->dst->size);
}

/* Writes into perm the source byte of each reader byte that op fills;
 * returns 0 when op is not a plain byte move (copy, swap, zero). */
static int op_bytes(const cv_op *op, uint8_t *perm)
{
    if (op->kind != OP_COPY && op->kind != OP_ZERO && op->kind != OP_SWAP)
        return 0;
    uint32_t width = op->kind == OP_SWAP ? op->ssize : op->len;
    for (uint32_t j = 0; j < op->n; j++)
        for (uint32_t b = 0; b < width; b++) {
            uint32_t from = op->soff + j * op->sstep + (op->kind == OP_SWAP ? width - 1 - b : b);
            perm[op->doff + j * op->dstep + b] = op->kind == OP_ZERO ? K_SHUF_ZERO : (uint8_t)from;
        }
    return 1;
}

/* The byte moves of a plan over small elements become one shuffle per
 * element (kernels.h): one pass instead of one per operation. Reader
 * bytes no move writes are zero after it; the other operations (integer
 * resizing, pointers, bit-fields, unions, nested plans) then run over the
 * same chunk as before, in their order. No move writes bytes an earlier
 * operation wrote (operations follow the members, gaps lie between
 * them), so running the moves first changes no result. */
static int mark_shuffle(cv_plan *p, mt_error *err)
{
    if (p->is_copy || p->copy_first || p->uniform || p->src->size > K_SHUF_MAX ||
        p->dst->size > K_SHUF_MAX || p->src->size == 0 || p->dst->size == 0)
        return 0;
    k_shuffle *k = calloc(1, sizeof *k);
    cv_op *rest = malloc(p->nops * sizeof *rest);
    if (!k || !rest) {
        free(k);
        free(rest);
        return mt_fail(err, MT_ENOMEM, "out of memory compiling a conversion plan");
    }
    k->ssize = (uint8_t)p->src->size;
    k->dsize = (uint8_t)p->dst->size;
    memset(k->perm, K_SHUF_ZERO, sizeof k->perm);
    uint32_t nrest = 0;
    for (uint32_t i = 0; i < p->nops; i++)
        if (!op_bytes(&p->ops[i], k->perm))
            rest[nrest++] = p->ops[i];
    if (nrest == p->nops || !k_shuffle_init(k)) {
        free(k);
        free(rest);
        return 0;
    }
    p->shuffle = k;
    p->nrest = nrest;
    p->rest = rest;
    return 0;
}

static cv_plan *compile(const struct mt_type *src, const mt_arch *src_arch,
                        const struct mt_type *dst, mt_error *err)
{
    cv_plan *p = calloc(1, sizeof *p);
    if (!p) {
        mt_fail(err, MT_ENOMEM, "out of memory compiling a conversion plan");
        return NULL;
    }
    p->src = src;
    p->dst = dst;
    p->src_arch = *src_arch;
    p->swap = src_arch->byte_order != arch_local()->byte_order;
    if (members_match(src, dst, err) < 0)
        goto fail;
    int homogeneous = arch_equal(src_arch, arch_local()) && same_layout(src, dst);
    if (homogeneous && !src->has_pointers) {
        p->is_copy = 1;
        return p;
    }
    p->copy_first = homogeneous;
    if (add_type(p, src, dst, 0, 0, homogeneous, err) < 0)
        goto fail;
    mark_uniform(p);
    if (mark_shuffle(p, err) < 0)
        goto fail;
    return p;
fail:
    cv_plan_free(p);
    return NULL;
}

cv_plan *cv_plan_compile(const struct mt_type *src, const mt_arch *src_arch,
                         const struct mt_type *dst, mt_error *err)
{
    return compile(src, src_arch, dst, err);
}

void cv_plan_free(cv_plan *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->nsubs; i++)
        cv_plan_free(p->subs[i]);
    free(p->subs);
    for (uint32_t i = 0; i < p->nunions; i++)
        union_plan_free(p->unions[i]);
    free(p->unions);
    free(p->ops);
    free(p->shuffle);
    free(p->rest);
    free(p);
}

const struct mt_type *cv_plan_dst(const cv_plan *p)
{
    return p->dst;
}

int cv_plan_is_copy(const cv_plan *p)
{
    return p->is_copy;
}

int cv_plan_self_contained(const cv_plan *p)
{
    if (p->is_copy)
        return 1;
    for (uint32_t i = 0; i < p->nops; i++) {
        const cv_op *op = &p->ops[i];
        if (op->kind == OP_PTR || op->kind == OP_FNPTR || op->kind == OP_ADDR || op->kind == OP_UNION ||
            (op->kind == OP_SUB && !cv_plan_self_contained(op->sub)))
            return 0;
    }
    return 1;
}

/* ---- Running ------------------------------------------------------------ */

/* Where a run is, for messages. */
typedef struct run_state {
    const cv_plan *plan;
    const cv_ctx *ctx;
    const uint8_t *src_base;
    size_t count;
    mt_error *err;
} run_state;

static int fail_member(run_state *rs, const uint8_t *item, const tmember *want, int code,
                       const char *what)
{
    const struct mt_type *t = rs->plan->src;
    size_t at = (size_t)(item - rs->src_base);
    char path[128];
    types_member_path(t, at % t->size, want, path, sizeof path);
    if (path[0])
        mt_fail(rs->err, code, "%s in %s member %s", what, t->name, path);
    else
        mt_fail(rs->err, code, "%s in %s", what, t->name);
    if (rs->count > 1)
        mt_error_context(rs->err, "element %zu", at / t->size);
    return -1;
}

static int fail_at(run_state *rs, const uint8_t *item, int code, const char *what)
{
    return fail_member(rs, item, NULL, code, what);
}

static k_bits bits_of(const tmember *m)
{
    return (k_bits){ (uint8_t)m->size, (uint8_t)type_bit_shift(m), m->bit_width,
                     (uint8_t)((m->bit_flags & TYPE_BIT_MSB) != 0) };
}

/* The value of a bit-field's raw bits v, as a 64-bit two's complement
 * integer (sign-extended when the member is signed); *neg when below 0. */
static uint64_t bits_value(uint64_t v, const tmember *m, int *neg)
{
    unsigned w = m->bit_width;
    *neg = (m->bit_flags & TYPE_BIT_SIGNED) && (v >> (w - 1) & 1);
    return *neg && w < 64 ? v | ~(uint64_t)0 << w : v;
}

/* 1 when value v (neg: negative) is a value of dst's width and signedness. */
static int bits_fit(uint64_t v, int neg, const tmember *dst)
{
    unsigned dw = dst->bit_width;
    if (!(dst->bit_flags & TYPE_BIT_SIGNED))
        return !neg && (dw >= 64 || v >> dw == 0);
    /* signed: the bits from the sign bit up are all equal */
    uint64_t top = v >> (dw - 1);
    return neg ? top == ~(uint64_t)0 >> (dw - 1) : top == 0;
}

/* Moves n bit-field values from the writer's bits into the reader's. */
static int run_bits(run_state *rs, const cv_op *op, uint8_t *d, size_t dstep,
                    const uint8_t *s, size_t sstep, size_t n)
{
    k_bits sb = bits_of(op->sm), db = bits_of(op->dm);
    for (size_t i = 0; i < n; i++) {
        int neg;
        uint64_t v = bits_value(k_bits_load(s + i * sstep, &sb), op->sm, &neg);
        if (!rs->ctx->lossy && !bits_fit(v, neg, op->dm))
            return fail_member(rs, s + i * sstep, op->sm, MT_ELOSS, "precision loss");
        k_bits_store(d + i * dstep, &db, v);
    }
    return 0;
}

/* Numbers of the writer's layout onto one that differs: 0 is 0 on every
 * layout (offsetof a first member, a distance not yet taken), any other
 * value would be the writer's size or offset, so it is refused. */
static int run_layout(run_state *rs, const cv_op *op, uint8_t *d, size_t dstep,
                      const uint8_t *s, size_t sstep, size_t n)
{
    int sbig = rs->plan->src_arch.byte_order == ARCH_BIG;
    for (size_t i = 0; i < n; i++) {
        if (k_load_uint(s + i * sstep, op->ssize, sbig) != 0)
            return fail_at(rs, s + i * sstep, MT_ELOSS,
                           "a size or offset of the writer's layout (sizeof, offsetof or a distance between "
                           "addresses), which differs on this ABI");
        memset(d + i * dstep, 0, op->dsize);
    }
    return 0;
}

static int run_float(run_state *rs, const cv_op *op, uint8_t *d, size_t dstep,
                     const uint8_t *s, size_t sstep, size_t n)
{
    int sbig = rs->plan->src_arch.byte_order == ARCH_BIG;
    int dbig = arch_local()->byte_order == ARCH_BIG;
    for (size_t i = 0; i < n; i++) {
        uint64_t bits = k_load_uint(s + i * sstep, op->ssize, sbig);
        double v;
        float f;
        if (op->ssize == 4) {
            uint32_t b32 = (uint32_t)bits;
            memcpy(&f, &b32, 4);
            v = f;
        } else {
            memcpy(&v, &bits, 8);
        }
        if (op->dsize == 4) {
            f = (float)v;
            if (!rs->ctx->lossy && (double)f != v && v == v)
                return fail_at(rs, s + i * sstep, MT_ELOSS, "precision loss");
            uint32_t b32;
            memcpy(&b32, &f, 4);
            k_store_uint(d + i * dstep, 4, dbig, b32);
        } else {
            memcpy(&bits, &v, 8);
            k_store_uint(d + i * dstep, 8, dbig, bits);
        }
    }
    return 0;
}

static int run_ldouble(run_state *rs, const cv_op *op, uint8_t *d, size_t dstep,
                       const uint8_t *s, size_t sstep, size_t n)
{
    const mt_arch *sa = &rs->plan->src_arch, *la = arch_local();
    for (size_t i = 0; i < n; i++) {
        int r = ld_convert(d + i * dstep, la->ldouble, la->byte_order == ARCH_BIG, op->dsize,
                           s + i * sstep, sa->ldouble, sa->byte_order == ARCH_BIG, op->ssize,
                           (int)rs->ctx->lossy);
        if (r < 0)
            return fail_at(rs, s + i * sstep, MT_EFORMAT, "unknown long double format");
        if (r > 0 && !rs->ctx->lossy)
            return fail_at(rs, s + i * sstep, MT_ELOSS, "precision loss");
    }
    return 0;
}

static int run_pointers(run_state *rs, const cv_op *op, uint8_t *d, size_t dstep,
                        const uint8_t *s, size_t sstep, size_t n)
{
    int sbig = rs->plan->src_arch.byte_order == ARCH_BIG;
    int dbig = arch_local()->byte_order == ARCH_BIG;
    cv_translate_fn fn = op->kind == OP_PTR ? rs->ctx->translate_ptr : rs->ctx->translate_fn;
    for (size_t i = 0; i < n; i++) {
        uint64_t old = k_load_uint(s + i * sstep, op->ssize, sbig), now = 0;
        if (old != 0) {
            mt_error inner = { 0, "" };
            if (!fn || fn(rs->ctx->cb_ctx, old, &now, &inner) < 0) {
                fail_at(rs, s + i * sstep, MT_EPOINTER, fn ? inner.msg : "untranslatable pointer");
                return -1;
            }
        }
        k_store_uint(d + i * dstep, op->dsize, dbig, now);
    }
    return 0;
}

/* Integers that may hold addresses: each value that points into a saved
 * object is translated, any other is converted as the integer it is. */
static int run_addrs(run_state *rs, const cv_op *op, uint8_t *d, size_t dstep,
                     const uint8_t *s, size_t sstep, size_t n)
{
    int sbig = rs->plan->src_arch.byte_order == ARCH_BIG;
    int dbig = arch_local()->byte_order == ARCH_BIG;
    cv_translate_addr_fn fn = rs->ctx->translate_addr;
    for (size_t i = 0; i < n; i++) {
        uint64_t old = k_load_uint(s + i * sstep, op->ssize, sbig), now = 0;
        mt_error inner = { 0, "" };
        int rc = old != 0 && fn ? fn(rs->ctx->cb_ctx, old, &now, &inner) : 0;
        if (rc < 0)
            return fail_at(rs, s + i * sstep, MT_EPOINTER, inner.msg);
        if (rc == 0) {
            size_t bad = k_int(d + i * dstep, dstep, op->dsize, s + i * sstep, sstep, op->ssize, sbig,
                               op->is_signed, (int)rs->ctx->lossy, 1);
            if (bad != 1)
                return fail_at(rs, s + i * sstep, MT_ELOSS, "precision loss");
            continue;
        }
        if (op->dsize < sizeof now && now >> (8 * op->dsize) != 0)
            return fail_at(rs, s + i * sstep, MT_ELOSS, "an address that does not fit");
        k_store_uint(d + i * dstep, op->dsize, dbig, now);
    }
    return 0;
}

static int run_sub(run_state *rs, const cv_op *op, uint8_t *d, size_t dstep,
                   const uint8_t *s, size_t sstep, size_t n)
{
    if (sstep == op->sub->src->size && dstep == op->sub->dst->size)
        return cv_run(op->sub, d, s, n, rs->ctx, rs->err);
    for (size_t i = 0; i < n; i++)
        if (cv_run(op->sub, d + i * dstep, s + i * sstep, 1, rs->ctx, rs->err) < 0)
            return -1;
    return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* Refuses the union at s, naming where it is and why. */
static int union_refused(run_state *rs, const union_plan *u, const uint8_t *s, const char *why)
{
    const struct mt_type *t = rs->plan->src;
    size_t at = (size_t)(s - rs->src_base);
    char path[128];
    types_member_path(t, at % t->size, NULL, path, sizeof path);
    /* the name says "union" already, perhaps after a qualifier ("volatile union U1") */
    const char *un = strstr(u->src->name, "union ") ? "" : "union ";
    const char *fn = strncmp(t->name, "pin ", 4) == 0 ? t->name + 4
                     : strncmp(t->name, "frame ", 6) == 0 ? t->name + 6 : NULL;
    if (fn && path[0])  /* a record of locals: the function and the local */
        mt_fail(rs->err, MT_ETYPE, "%s%s in function %s local %s: %s", un, u->src->name, fn, path, why);
    else if (t == u->src || !path[0])
        mt_fail(rs->err, MT_ETYPE, "%s%s: %s", un, u->src->name, why);
    else
        mt_fail(rs->err, MT_ETYPE, "%s%s in %s member %s: %s", un, u->src->name, t->name, path, why);
    if (rs->count > 1)
        mt_error_context(rs->err, "element %zu", at / t->size);
    return -1;
}

static int union_unknown(run_state *rs, const union_plan *u, const uint8_t *s)
{
    return union_refused(rs, u, s, u->src->has_pointers ? "its active member is unknown and it may hold a pointer"
                                                        : "its active member is unknown and its members differ between these ABIs");
}

/* 1 when member t of a union holds only numbers and bytes that one byte
 * order gives the same bytes: no pointers, no long double. */
static int plain_member(const tmember *t)
{
    int number = t->cls == MT_CLASS_SINT || t->cls == MT_CLASS_UINT || t->cls == MT_CLASS_BOOL ||
                 t->cls == MT_CLASS_FLOAT || t->cls == MT_CLASS_BYTES;
    if (number || t->cls == MT_CLASS_BITFIELD)
        return 1;
    if (t->cls != MT_CLASS_STRUCT && t->cls != MT_CLASS_UNION)
        return 0;
    const int opaque[] = { MT_CLASS_PTR, MT_CLASS_FNPTR, MT_CLASS_ADDR_SINT, MT_CLASS_ADDR_UINT,
                           MT_CLASS_LAYOUT_SINT, MT_CLASS_LAYOUT_UINT, MT_CLASS_LDOUBLE };
    for (size_t i = 0; i < sizeof opaque / sizeof opaque[0]; i++)
        if (has_class(t->type, opaque[i]))
            return 0;
    return 1;
}

/* 1 when member t lies at the same place with the same layout in both. */
static int member_same_layout(const tmember *a, const tmember *b)
{
    return a->offset == b->offset && a->size == b->size && a->count == b->count && a->bit_width == b->bit_width &&
           a->bit_pos == b->bit_pos && a->bit_flags == b->bit_flags && (!a->type || same_layout(a->type, b->type));
}

/* 1 when member r of a union read while member a is the one stored reads
 * the same value on both ABIs, whatever a holds: both plain numbers at one
 * offset, each of one size on both sides, and either of one size or under
 * one byte order (a value converted keeps its bits, and r reads the same
 * bytes of them); or, under one byte order, a a number copied byte for
 * byte and r of the same layout on both sides, with nothing in it whose
 * bytes mean another thing there (the union differs only in members that
 * neither touches: a pointer or a long on ILP32). */
static int same_bits(const union_plan *u, int swap, uint32_t a, uint32_t r)
{
    if (a == r)
        return 1;
    const tmember *m[4] = { &u->src->members[a], &u->dst->members[a], &u->src->members[r], &u->dst->members[r] };
    int numbers = 1;
    for (int i = 0; i < 4; i++) {
        int number = m[i]->cls == MT_CLASS_SINT || m[i]->cls == MT_CLASS_UINT || m[i]->cls == MT_CLASS_FLOAT;
        if (!number || m[i]->count != 1 || m[i]->offset != m[0]->offset)
            numbers = 0;
    }
    if (numbers && m[0]->size == m[1]->size && m[2]->size == m[3]->size && (!swap || m[0]->size == m[2]->size))
        return 1;
    /* a's bytes are copied as they are (a bit-field or a struct would have
     * the bits around its value, or its padding, zeroed) */
    int copied = m[0]->cls != MT_CLASS_BITFIELD && !m[0]->type && plain_member(m[0]);
    return !swap && copied && member_same_layout(m[0], m[1]) && plain_member(m[2]) && member_same_layout(m[2], m[3]);
}

/* ---- The value a union member reads, on each side ---- */

/* A number of size bytes at p in the given byte order, sign-extended. */
static uint64_t int_value(const uint8_t *p, unsigned size, int big, int is_signed)
{
    uint64_t v = k_load_uint(p, size, big);
    if (is_signed && size < 8 && (v >> (8 * size - 1) & 1))
        v |= ~(uint64_t)0 << (8 * size);
    return v;
}

static int same_item(const tmember *sm, const uint8_t *s, int sbig, const tmember *dm, const uint8_t *d, int dbig);

static int same_members(const struct mt_type *st, const uint8_t *s, int sbig, const struct mt_type *dt,
                        const uint8_t *d, int dbig)
{
    if (st->is_union || dt->is_union || st->nmembers != dt->nmembers)
        return 0;   /* a nested union has its own active member: not a value here */
    for (uint32_t i = 0; i < st->nmembers; i++) {
        const tmember *a = &st->members[i], *b = &dt->members[i];
        if (!same_item(a, s + a->offset, sbig, b, d + b->offset, dbig))
            return 0;
    }
    return 1;
}

/* 1 when the member at s (the writer's layout and byte order) and the one
 * at d (the reader's) hold the same values, element by element and
 * member by member; pointers, addresses, long doubles and unions count as
 * different, as their meaning is no value comparable here. */
static int same_item(const tmember *sm, const uint8_t *s, int sbig, const tmember *dm, const uint8_t *d, int dbig)
{
    if (sm->cls != dm->cls || sm->count != dm->count)
        return 0;
    for (uint32_t k = 0; k < sm->count; k++) {
        const uint8_t *sp = s + (size_t)k * sm->size, *dp = d + (size_t)k * dm->size;
        int sneg, dneg, same;
        k_bits sb, db;
        switch (sm->cls) {
        case MT_CLASS_SINT:
        case MT_CLASS_UINT:
        case MT_CLASS_BOOL:
            same = int_value(sp, sm->size, sbig, sm->cls == MT_CLASS_SINT) ==
                   int_value(dp, dm->size, dbig, dm->cls == MT_CLASS_SINT);
            break;
        case MT_CLASS_FLOAT:
            same = sm->size == dm->size && k_load_uint(sp, sm->size, sbig) == k_load_uint(dp, dm->size, dbig);
            break;
        case MT_CLASS_BYTES:
            same = sm->size == dm->size && memcmp(sp, dp, sm->size) == 0;
            break;
        case MT_CLASS_BITFIELD:
            sb = bits_of(sm);
            db = bits_of(dm);
            same = bits_value(k_bits_load(sp, &sb), sm, &sneg) == bits_value(k_bits_load(dp, &db), dm, &dneg) &&
                   sneg == dneg;
            break;
        case MT_CLASS_STRUCT:
            same = same_members(sm->type, sp, sbig, dm->type, dp, dbig);
            break;
        default:
            same = 0;
            break;
        }
        if (!same)
            return 0;
    }
    return 1;
}

/* 1 when member r reads the same value from the writer's union at s as
 * from the reader's at d, converted already: true of the value there now,
 * which is what a restore must reproduce (zero and all ones are the
 * common cases; it holds whatever the members' layouts). */
static int reads_same_now(const run_state *rs, const union_plan *u, uint32_t r, const uint8_t *d, const uint8_t *s)
{
    int sbig = rs->plan->src_arch.byte_order == ARCH_BIG, dbig = arch_local()->byte_order == ARCH_BIG;
    const tmember *sm = &u->src->members[r], *dm = &u->dst->members[r];
    return same_item(sm, s + sm->offset, sbig, dm, d + dm->offset, dbig);
}

/* Copies into d, from v, the bytes of n items of type t (each size
 * bytes apart, from base) that hold a value: the padding of a struct
 * between and after its members is left as d has it. */
static void copy_values(uint8_t *d, const uint8_t *v, const struct mt_type *t, size_t base, size_t size, size_t n)
{
    for (size_t e = 0; e < n; e++) {
        size_t at = base + e * size;
        if (t->is_union) {
            memcpy(d + at, v + at, t->size);
            continue;
        }
        for (uint32_t i = 0; i < t->nmembers; i++) {
            const tmember *mm = &t->members[i];
            if (mm->cls == MT_CLASS_STRUCT && mm->type)
                copy_values(d, v, mm->type, at + mm->offset, mm->size, mm->count);
            else
                memcpy(d + at + mm->offset, v + at + mm->offset, (size_t)mm->size * mm->count);
        }
    }
}

/* Member m converted over bytes already in d: only m's own bytes are
 * written, so what the other members read of the rest stays; so does
 * what they read of m's padding, which a struct's conversion zeroes (a
 * uint64_t member read over a struct's first bytes and the padding after
 * them: csmith seed 5126). */
static int union_overlay_member(run_state *rs, const union_plan *u, uint32_t m, uint8_t *d, const uint8_t *s)
{
    uint8_t small[256], *tmp = u->dst->size <= sizeof small ? small : malloc(u->dst->size);
    if (!tmp)
        return mt_fail(rs->err, MT_ENOMEM, "out of memory converting a union");
    int rc = cv_run(u->members[m], tmp, s, 1, rs->ctx, rs->err);
    if (rc == 0) {  /* the member's own bytes, its pointers translated */
        const tmember *dm = &u->dst->members[m];
        size_t from = dm->offset, len = (size_t)dm->size * dm->count;
        if (dm->cls == MT_CLASS_STRUCT && dm->type)
            copy_values(d, tmp, dm->type, from, dm->size, dm->count);
        else
            memcpy(d + from, tmp + from, len);
    }
    if (tmp != small)
        free(tmp);
    return rc;
}

/* A union whose member m is known, on ABIs where every member has the
 * same layout and representation: its bytes mean the same to every
 * member, so all of them are copied (not only m's), and then m's
 * pointers translated over them. */
static int union_copy_whole(run_state *rs, const union_plan *u, uint32_t m, uint8_t *d, const uint8_t *s)
{
    memcpy(d, s, u->src->size);
    const tmember *am = &u->src->members[m];
    int pointers = am->cls == MT_CLASS_PTR || am->cls == MT_CLASS_FNPTR || type_class_is_addr(am->cls) ||
                   (am->type && am->type->has_pointers);
    return pointers ? union_overlay_member(rs, u, m, d, s) : 0;
}

/* Under one byte order: the writer's bytes (as many as both sides hold),
 * then member m converted over them, its pointers translated. */
static int union_keep_and_overlay(run_state *rs, const union_plan *u, uint32_t m, uint8_t *d, const uint8_t *s)
{
    size_t keep = u->src->size < u->dst->size ? u->src->size : u->dst->size;
    memset(d, 0, u->dst->size);
    memcpy(d, s, keep);
    return union_overlay_member(rs, u, m, d, s);
}

/* A punned union whose member m is known and whose bytes are not zero:
 * copied whole where every member means the same on both ABIs; else
 * converted by m, and refused unless every member read while m may be
 * the one stored reads the same on both sides: for every value of m
 * (same_bits), or for the value it holds now (reads_same_now). */
static int union_punned(run_state *rs, const union_plan *u, uint32_t m, uint8_t *d, const uint8_t *s)
{
    if (u->same_repr)
        return union_copy_whole(rs, u, m, d, s);
    if (u->viewed)
        return union_refused(rs, u, s, "its bytes are read as another type (type punning) and its members "
                                       "differ between these ABIs");
    /* Across byte orders m alone, the rest zero; under one byte order the
     * writer's bytes beyond m are kept, m converted over them: a member
     * read may be longer than m (stored as a uint32_t, read as a
     * uint64_t) and read them (seed 1240 of the csmith run). */
    int rc = rs->plan->swap ? cv_run(u->members[m], d, s, 1, rs->ctx, rs->err)
                            : union_keep_and_overlay(rs, u, m, d, s);
    if (rc < 0)
        return -1;
    for (uint32_t r = 0; r < u->src->nmembers; r++) {
        if (!(u->src->members[r].pun_read || u->dst->members[r].pun_read) || same_bits(u, rs->plan->swap, m, r) ||
            reads_same_now(rs, u, r, d, s))
            continue;
        char why[sizeof rs->err->msg];
        snprintf(why, sizeof why, "member %s is read while member %s is the one stored (type punning), "
                 "and what it reads differs between these ABIs", u->src->members[r].name, u->src->members[m].name);
        return union_refused(rs, u, s, why);
    }
    return 0;
}

/* Each union converts by its active member (its only member when it
 * has one); one with no known member is zero when its bytes are, else
 * copied when that is exact, else refused. A punned union (read through
 * another member than the one stored) whose bytes are not zero goes to
 * union_punned. */
static int run_unions(run_state *rs, const cv_op *op, uint8_t *d, size_t dstep,
                      const uint8_t *s, size_t sstep, size_t n)
{
    const union_plan *u = op->un;
    const cv_ctx *ctx = rs->ctx;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *si = s + i * sstep;
        uint8_t *di = d + i * dstep;
        long m = -1;
        if (ctx->union_member && ctx->src_data)
            m = ctx->union_member(ctx->cb_ctx, ctx->src_old + (uint64_t)(si - ctx->src_data), u->src);
        if (m < 0 && u->src->nmembers == 1 && u->dst->nmembers == 1)
            m = 0;  /* a union of one member holds that member (stored whole: csmith seed 6081) */
        if (m >= 0 && (uint32_t)m < u->src->nmembers && u->punned && !all_zero(si, u->src->size)) {
            if (union_punned(rs, u, (uint32_t)m, di, si) < 0)
                return -1;
        } else if (m >= 0 && (uint32_t)m < u->src->nmembers && u->same_repr) {
            /* every member means the same bytes on both ABIs: all of them
             * are kept, so a member read on a path mtcc did not see while
             * m was stored still reads what it did (csmith seed 1675) */
            if (union_copy_whole(rs, u, (uint32_t)m, di, si) < 0)
                return -1;
        } else if (m >= 0 && (uint32_t)m < u->src->nmembers && !rs->plan->swap) {
            /* one byte order, layouts apart: the writer's bytes beyond m
             * are kept, m converted over them, as for a punned union (a
             * member stored through a pointer kept from before m was
             * stored reads its bytes again: csmith seed 1881) */
            if (union_keep_and_overlay(rs, u, (uint32_t)m, di, si) < 0)
                return -1;
        } else if (m >= 0 && (uint32_t)m < u->src->nmembers) {
            if (cv_run(u->members[m], di, si, 1, ctx, rs->err) < 0)
                return -1;
        } else if (all_zero(si, u->src->size)) {
            memset(di, 0, u->dst->size);
        } else if (u->copyable) {
            memcpy(di, si, u->src->size);
        } else {
            return union_unknown(rs, u, si);
        }
    }
    return 0;
}

/* Applies op to n items at d and s. */
static int run_items(run_state *rs, const cv_op *op, uint8_t *d, size_t dstep,
                     const uint8_t *s, size_t sstep, size_t n)
{
    size_t bad;
    switch (op->kind) {
    case OP_COPY: k_copy(d, dstep, s, sstep, n, op->len); return 0;
    case OP_ZERO: k_zero(d, dstep, n, op->len); return 0;
    case OP_SWAP:
        switch (op->ssize) {
        case 2: k_swap2(d, dstep, s, sstep, n); return 0;
        case 4: k_swap4(d, dstep, s, sstep, n); return 0;
        case 8: k_swap8(d, dstep, s, sstep, n); return 0;
        default: k_swap16(d, dstep, s, sstep, n); return 0;
        }
    case OP_INT:
        bad = k_int(d, dstep, op->dsize, s, sstep, op->ssize,
                    rs->plan->src_arch.byte_order == ARCH_BIG, op->is_signed,
                    (int)rs->ctx->lossy, n);
        return bad == n ? 0 : fail_at(rs, s + bad * sstep, MT_ELOSS, "precision loss");
    case OP_FLOAT: return run_float(rs, op, d, dstep, s, sstep, n);
    case OP_LDOUBLE: return run_ldouble(rs, op, d, dstep, s, sstep, n);
    case OP_PTR:
    case OP_FNPTR: return run_pointers(rs, op, d, dstep, s, sstep, n);
    case OP_ADDR: return run_addrs(rs, op, d, dstep, s, sstep, n);
    case OP_LAYOUT: return run_layout(rs, op, d, dstep, s, sstep, n);
    case OP_BITS: return run_bits(rs, op, d, dstep, s, sstep, n);
    case OP_UNION: return run_unions(rs, op, d, dstep, s, sstep, n);
    default: return run_sub(rs, op, d, dstep, s, sstep, n);
    }
}

/* Applies op to m consecutive elements starting at d and s: one kernel
 * call per item position across the elements, or per element across the
 * items, whichever makes fewer and longer calls. */
static int run_op(run_state *rs, const cv_op *op, uint8_t *d, const uint8_t *s, size_t m)
{
    size_t dsz = rs->plan->dst->size, ssz = rs->plan->src->size;
    if (op->n <= m) {
        for (uint32_t j = 0; j < op->n; j++)
            if (run_items(rs, op, d + op->doff + j * op->dstep, dsz, s + op->soff + j * op->sstep,
                          ssz, m) < 0)
                return -1;
        return 0;
    }
    for (size_t e = 0; e < m; e++)
        if (run_items(rs, op, d + e * dsz + op->doff, op->dstep, s + e * ssz + op->soff,
                      op->sstep, op->n) < 0)
            return -1;
    return 0;
}

int cv_run(const cv_plan *p, void *dst, const void *src, size_t count, const cv_ctx *ctx,
           mt_error *err)
{
    size_t ssz = p->src->size, dsz = p->dst->size;
    if (p->is_copy || p->copy_first)
        memcpy(dst, src, count * ssz);
    if (p->is_copy)
        return 0;
    run_state rs = { p, ctx, src, count, err };
    if (p->uniform) {
        const cv_op *op = &p->ops[0];
        return run_items(&rs, op, dst, op->dstep, src, op->sstep, count * op->n);
    }
    if (p->shuffle && p->nrest == 0) {
        k_shuffle_run(p->shuffle, dst, src, count);
        return 0;
    }
    const cv_op *ops = p->shuffle ? p->rest : p->ops;
    uint32_t nops = p->shuffle ? p->nrest : p->nops;
    size_t chunk = CHUNK_BYTES / (ssz > dsz ? ssz : dsz);
    if (chunk == 0)
        chunk = 1;
    for (size_t e0 = 0; e0 < count; e0 += chunk) {
        size_t m = count - e0 < chunk ? count - e0 : chunk;
        uint8_t *d = (uint8_t *)dst + e0 * dsz;
        const uint8_t *s = (const uint8_t *)src + e0 * ssz;
        if (p->shuffle)
            k_shuffle_run(p->shuffle, d, s, m);
        for (uint32_t i = 0; i < nops; i++)
            if (run_op(&rs, &ops[i], d, s, m) < 0)
                return -1;
    }
    return 0;
}

/* ---- Offsets inside blocks ---------------------------------------------- */

static int map_in_type(const struct mt_type *s, const struct mt_type *d, uint64_t off,
                       uint64_t *out);

static int map_in_member(const tmember *sm, const tmember *dm, uint64_t rel, uint64_t *out)
{
    uint64_t k = rel / sm->size, inner = rel % sm->size, base = dm->offset + k * dm->size;
    if (sm->type) {
        uint64_t mapped;
        if (map_in_type(sm->type, dm->type, inner, &mapped) < 0)
            return -1;
        *out = base + mapped;
        return 0;
    }
    if (inner != 0 && sm->size != dm->size)
        return -1;
    *out = base + inner;
    return 0;
}

/* A union's members all start at 0 and the active one may be unknown: an
 * offset maps when every member that covers it maps it to the same place,
 * whichever member the pointer was taken from. */
static int map_in_union(const struct mt_type *s, const struct mt_type *d, uint64_t off, uint64_t *out)
{
    if (same_layout(s, d)) {
        *out = off;
        return 0;
    }
    int found = 0;
    for (uint32_t i = 0; i < s->nmembers; i++) {
        const tmember *sm = &s->members[i];
        uint64_t mapped;
        if (sm->cls == MT_CLASS_BITFIELD || off >= (uint64_t)sm->size * sm->count)
            continue;
        if (map_in_member(sm, &d->members[i], off, &mapped) < 0 || (found && mapped != *out))
            return -1;
        *out = mapped;
        found = 1;
    }
    return found ? 0 : -1;
}

static int map_in_type(const struct mt_type *s, const struct mt_type *d, uint64_t off,
                       uint64_t *out)
{
    if (off == 0) {
        *out = 0;
        return 0;
    }
    if (s->is_union)
        return map_in_union(s, d, off, out);
    for (uint32_t i = 0; i < s->nmembers; i++) {
        const tmember *sm = &s->members[i], *dm = &d->members[i];
        if (sm->cls == MT_CLASS_BITFIELD)
            continue;  /* no pointer points into a bit-field */
        uint64_t start = sm->offset, end = start + (uint64_t)sm->size * sm->count;
        if (off >= start && off < end)
            return map_in_member(sm, dm, off - start, out);
        int next_starts_here = i + 1 < s->nmembers && s->members[i + 1].offset == off;
        if (off == end && !next_starts_here) { /* one past the end of an array member */
            *out = dm->offset + (uint64_t)dm->size * dm->count;
            return 0;
        }
    }
    return -1;
}

int cv_map_offset(const cv_plan *p, uint64_t old_off, uint64_t count, uint64_t *new_off)
{
    uint64_t ssz = p->src->size, dsz = p->dst->size;
    uint64_t elem = old_off / ssz, inner = old_off % ssz;
    if (elem >= count) {
        if (elem == count && inner == 0) {
            *new_off = count * dsz;
            return 0;
        }
        return -1;
    }
    if (ssz == dsz && (p->is_copy || p->copy_first)) {
        *new_off = old_off;
        return 0;
    }
    uint64_t mapped;
    if (map_in_type(p->src, p->dst, inner, &mapped) < 0)
        return -1;
    *new_off = elem * dsz + mapped;
    return 0;
}
