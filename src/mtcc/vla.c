/* vla.c: parameters that point to variable-length arrays (double (*a)[n],
 * double a[n][m]), as numeric kernels take them. The pointer is an ordinary
 * pointer, saved as a data pointer; its type is remade in the twin from
 * its bounds, which must then be the values they had on entry: bounds
 * that are parameters never assigned in the body, saved at every site. */
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

/* What a bound expression may hold for the twin to evaluate it again to
 * the same value: parameters, constants and operators without effects. */
typedef struct bounds {
    func *fn;
    tunit *t;
    const char *bad;   /* why not, or NULL */
    CXCursor bad_at;
} bounds;

static int has_side_effect(tunit *t, CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_CompoundAssignOperator || k == CXCursor_CallExpr || k == CXCursor_StmtExpr)
        return 1;
    if (k != CXCursor_BinaryOperator && k != CXCursor_UnaryOperator)
        return 0;
    char *op = operator_of(t->tu, c);
    int effect = strcmp(op, "=") == 0 || strcmp(op, "++") == 0 || strcmp(op, "--") == 0;
    free(op);
    return effect;
}

static void check_bound(bounds *b, CXCursor c)
{
    if (b->bad)
        return;
    if (has_side_effect(b->t, c)) {
        b->bad = "a bound with side effects";
        b->bad_at = c;
        return;
    }
    if (clang_getCursorKind(c) == CXCursor_DeclRefExpr) {
        CXCursor d = clang_getCursorReferenced(c);
        int vi = find_var(b->fn, d);
        if (vi >= 0 && b->fn->vars[vi].is_param) {
            b->fn->vars[vi].vla_bound = 1;
            b->fn->vars[vi].always_live = 1;  /* the twin reads it before any site's reload */
        } else if (clang_getCursorKind(d) != CXCursor_EnumConstantDecl) {
            b->bad = "a bound that is not a parameter (its value on entry is not saved)";
            b->bad_at = c;
        }
        return;
    }
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        check_bound(b, ch.c[i]);
    free(ch.c);
}

/* 1 when c assigns the parameter decl (=, op=, ++, --) somewhere. */
static int assigns(tunit *t, CXCursor c, CXCursor decl)
{
    if (has_side_effect(t, c) && clang_getCursorKind(c) != CXCursor_CallExpr &&
        clang_getCursorKind(c) != CXCursor_StmtExpr) {
        kids ch = children(c);
        CXCursor target = ch.n ? bare_expr(ch.c[0]) : clang_getNullCursor();
        free(ch.c);
        if (clang_getCursorKind(target) == CXCursor_DeclRefExpr &&
            same_cursor(clang_getCursorReferenced(target), decl))
            return 1;
    }
    kids ch = children(c);
    int found = 0;
    for (int i = 0; i < ch.n && !found; i++)
        found = assigns(t, ch.c[i], decl);
    free(ch.c);
    return found;
}

int variably_modified_param(const var *v)
{
    CXType t = v->type;
    if (v->decayed)  /* double a[n][m] is a double (*)[m] */
        t = clang_getArrayElementType(clang_getCanonicalType(t));
    return variably_modified(t);
}

void plan_vla_params(tunit *t, func *fn, CXCursor body)
{
    for (int i = 0; i < fn->nvars && !fn->fallback; i++) {
        var *v = &fn->vars[i];
        if (!v->is_param || !variably_modified_param(v))
            continue;
        v->vla_ptr = 1;
        bounds b = { .fn = fn, .t = t };
        kids ch = children(v->decl);  /* libclang shows the bounds as its children */
        for (int k = 0; k < ch.n; k++)
            check_bound(&b, ch.c[k]);
        free(ch.c);
        if (b.bad)
            set_fallback(fn, b.bad_at, b.bad);
    }
    for (int i = 0; i < fn->nvars && !fn->fallback; i++) {
        var *v = &fn->vars[i];
        if (!v->vla_bound)
            continue;
        if (v->pinned || assigns(t, body, v->decl))
            set_fallback(fn, v->decl, "a bound of a pointer to a variable-length array that changes in the body");
    }
}

/* The parameter's declaration as written, made a local: double a[n][m]
 * becomes double (*a)[m] (the array it was written as is the pointer it
 * is); NULL when the text cannot be read. */
static char *written_as_local(tunit *t, const var *v)
{
    unsigned start = cur_start(v->decl), end = cur_end(v->decl), at;
    clang_getFileLocation(clang_getCursorLocation(v->decl), NULL, NULL, NULL, &at);
    const char *src = t->eb.src;
    size_t name_len = strlen(v->written);
    if (at < start || at + name_len > end || strncmp(src + at, v->written, name_len) != 0)
        return NULL;
    strbuf b = { 0 };
    sb_putn(&b, src + start, at - start);
    unsigned rest = at + (unsigned)name_len;
    if (v->decayed) {
        unsigned p = rest;
        while (p < end && (src[p] == ' ' || src[p] == '\t' || src[p] == '\n'))
            p++;
        if (p >= end || src[p] != '[') {
            free(b.s);
            return NULL;
        }
        int depth = 0;
        for (; p < end; p++) {
            depth += src[p] == '[';
            depth -= src[p] == ']';
            if (depth == 0)
                break;
        }
        if (p >= end) {
            free(b.s);
            return NULL;
        }
        sb_printf(&b, "(*%s)", v->name);
        rest = p + 1;
    } else
        sb_put(&b, v->name);
    sb_putn(&b, src + rest, end - rest);
    return b.s;
}

void declare_vla_params(tunit *t, func *fn, strbuf *out)
{
    for (int i = 0; i < fn->nvars; i++)
        if (fn->vars[i].vla_bound)
            sb_printf(out, " %s = __mt_f->%s;", fn->vars[i].name, fn->vars[i].member);
    for (int i = 0; i < fn->nvars; i++) {
        if (!fn->vars[i].vla_ptr)
            continue;
        char *d = written_as_local(t, &fn->vars[i]);
        if (!d)
            fatal("internal error: cannot read the declaration of parameter %s of %s", fn->vars[i].name, fn->name);
        sb_printf(out, " %s;", d);
        free(d);
    }
}
