/* vla.c: parameters that point to variable-length arrays (double (*a)[n],
 * double a[n][m]), as numeric kernels take them. The pointer is an ordinary
 * pointer, saved as a data pointer; its type is remade in the twin from
 * its bounds, which must then be the values they had on entry: bounds
 * that are parameters never assigned in the body, saved at every site. */
#include <stdio.h>
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
        if (!fn->vars[i].vla_ptr || !fn->vars[i].is_param)
            continue;  /* a local one is a void * in the body (rewrite_vla_decl) */
        char *d = written_as_local(t, &fn->vars[i]);
        if (!d)
            fatal("internal error: cannot read the declaration of parameter %s of %s", fn->vars[i].name, fn->name);
        sb_printf(out, " %s;", d);
        free(d);
    }
}

/* ---- locals: double (*a)[n] = malloc(...) ------------------------------------------- */

static int any_effect(tunit *t, CXCursor c)
{
    if (has_side_effect(t, c))
        return 1;
    kids ch = children(c);
    int found = 0;
    for (int i = 0; i < ch.n && !found; i++)
        found = any_effect(t, ch.c[i]);
    free(ch.c);
    return found;
}

void add_vla_bounds(tunit *t, func *fn, int vi)
{
    CXCursor d = fn->vars[vi].decl;
    CXCursor init = clang_Cursor_getVarDeclInitializer(d);
    fn->vars[vi].vla_ptr = 1;
    fn->vars[vi].bounds = fn->nvars;
    int n = 0;
    kids ch = children(d);  /* the bounds, then the initializer */
    for (int k = 0; k < ch.n; k++) {
        CXCursor e = ch.c[k];
        if (!clang_isExpression(clang_getCursorKind(e)) || (!clang_Cursor_isNull(init) && clang_equalCursors(e, init)))
            continue;
        if (any_effect(t, e)) {
            set_fallback(fn, e, "a bound with side effects in a pointer to a variable-length array");
            break;
        }
        int b = add_var(fn, e, 0);
        var *bv = &fn->vars[b];
        char name[64];
        snprintf(name, sizeof name, "__mt_b%d_%d", vi, n++);
        free(bv->name);
        free(bv->written);
        free(bv->member);
        bv->name = xstrdup(name);
        bv->written = xstrdup(name);
        bv->member = xstrdup(name);
        bv->always_live = 1;  /* read through the pointer's type, which liveness does not see */
    }
    free(ch.c);
    fn->vars[vi].nbounds = n;
}

/* The declarator's end: before " = init", or the declaration's end. */
static unsigned declarator_end(tunit *t, CXCursor d)
{
    CXCursor init = clang_Cursor_getVarDeclInitializer(d);
    unsigned eq;
    if (!clang_Cursor_isNull(init) && find_token(t->tu, d, cur_start(d), "=", &eq))
        return eq;
    return cur_end(d);
}

/* "double (*)[__mt_b3_0]": the declaration's text without the name, each
 * bound replaced by its variable. Bounds are the declaration's
 * children in any order; they are spliced in by position. */
static char *vla_type_name(tunit *t, func *fn, int vi)
{
    var *v = &fn->vars[vi];
    unsigned start = cur_start(v->decl), end = declarator_end(t, v->decl), at;
    clang_getFileLocation(clang_getCursorLocation(v->decl), NULL, NULL, NULL, &at);
    strbuf b = { 0 };
    unsigned pos = start;
    for (;;) {
        unsigned next = end, next_end = end;
        const char *with = NULL;
        if (at >= pos && at < next) {
            next = at;
            next_end = at + (unsigned)strlen(v->written);
            with = "";
        }
        for (int k = 0; k < v->nbounds; k++) {
            CXCursor e = fn->vars[v->bounds + k].decl;
            if (cur_start(e) >= pos && cur_start(e) < next) {
                next = cur_start(e);
                next_end = cur_end(e);
                with = fn->vars[v->bounds + k].name;
            }
        }
        sb_putn(&b, t->eb.src + pos, next - pos);
        if (!with) {
            while (b.len && (b.s[b.len - 1] == ' ' || b.s[b.len - 1] == '\n' || b.s[b.len - 1] == '\t'))
                b.s[--b.len] = '\0';
            break;
        }
        sb_put(&b, with);
        pos = next_end;
    }
    return b.s ? b.s : xstrdup("");
}

void rewrite_vla_decl(walk *w, CXCursor decl_stmt, int vi)
{
    tunit *t = w->t;
    func *fn = w->fn;
    var *v = &fn->vars[vi];
    (void)decl_stmt;  /* alone in it, not pinned (visit_decl_stmt) */
    int in_block = w->nanc >= 2 && clang_getCursorKind(w->anc[w->nanc - 2]) == CXCursor_CompoundStmt;
    if (!in_block) {
        set_fallback(fn, v->decl, "a pointer to a variable-length array declared in a for clause");
        return;
    }
    CXCursor init = clang_Cursor_getVarDeclInitializer(v->decl);
    unsigned start = cur_start(v->decl);
    unsigned end = declarator_end(t, v->decl);  /* its '=' stays: an initializer may be declared first there */
    edit *e = ed_add(&t->eb, start, end, ORDER_PLAIN);
    for (int k = 0; k < v->nbounds; k++) {
        var *bv = &fn->vars[v->bounds + k];
        char *d = declarator(bv->type, bv->name);
        if (!d) {
            set_fallback(fn, bv->decl, "a bound of a type that cannot be named");
            return;
        }
        ed_text(e, d);
        ed_text(e, " = (");
        ed_expr(e, cur_start(bv->decl), cur_end(bv->decl));
        ed_text(e, "); ");
        free(d);
        scope_push(w, v->bounds + k);
    }
    char head[320];
    snprintf(head, sizeof head, "void *%s%s", v->name, clang_Cursor_isNull(init) ? "" : " ");
    ed_text(e, head);
}

int rewrite_vla_use(walk *w, CXCursor ref, int vi)
{
    func *fn = w->fn;
    var *v = &fn->vars[vi];
    if (!v->vla_ptr || v->is_param)
        return 0;
    if (!v->vla_type)
        v->vla_type = vla_type_name(w->t, fn, vi);
    CXCursor user = clang_getNullCursor();  /* the nearest ancestor that is not parentheses */
    for (int i = w->nanc - 2; i >= 0 && clang_Cursor_isNull(user); i--)
        if (clang_getCursorKind(w->anc[i]) != CXCursor_ParenExpr)
            user = w->anc[i];
    enum CXCursorKind k = clang_getCursorKind(user);
    int target = 0;
    if ((k == CXCursor_BinaryOperator || k == CXCursor_CompoundAssignOperator || k == CXCursor_UnaryOperator) &&
        has_side_effect(w->t, user)) {
        char *op = operator_of(w->t->tu, user);
        target = strcmp(op, "=") == 0 && cur_start(user) == cur_start(ref);
        free(op);
        if (!target) {  /* a += 1, a++: arithmetic on the pointer type */
            set_fallback(fn, ref, "a pointer to a variable-length array changed by arithmetic");
            return 1;
        }
    }
    char *text = xcalloc(1, strlen(v->vla_type) + strlen(v->name) + 8);
    if (target)
        sprintf(text, "%s", v->name);
    else
        sprintf(text, "((%s)%s)", v->vla_type, v->name);
    ed_text(ed_add(&w->t->eb, cur_start(ref), cur_end(ref), ORDER_PLAIN), text);
    free(text);
    return 1;
}
