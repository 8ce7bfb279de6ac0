/* vla.c: parameters that point to variable-length arrays (double (*a)[n],
 * double a[n][m]), as numeric kernels take them. The pointer is an ordinary
 * pointer, saved as a data pointer; its type is remade in the twin from
 * its bounds, which must then be the values they had on entry: bounds
 * that are parameters never assigned in the body, saved at every site.
 * Locals that point to them (the bounds' values kept in saved variables),
 * and, in a pre-pass, array objects at a body's top level made such
 * pointers to heap blocks (vla_locals_unit, at the end). */
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

/* The ']' that closes the '[' at src[p] (nested brackets counted), or
 * end when none does before it. */
static unsigned bracket_end(const char *src, unsigned p, unsigned end)
{
    int depth = 0;
    for (; p < end; p++) {
        depth += src[p] == '[';
        depth -= src[p] == ']';
        if (depth == 0)
            return p;
    }
    return end;
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
        p = bracket_end(src, p, end);
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

/* ---- objects: double u[n] becomes a pointer to a tracked heap block ----------------------
 *
 * Before the passes parse (a pre-pass, as normalise.c): a variable-length
 * array object declared at a function body's top level, without an
 * initializer, its bounds written in its declarator and free of side
 * effects, becomes a pointer to such an array whose storage is a heap
 * block: double u[n][m]; -> double (*u)[n][m] = malloc(sizeof *u); and
 * every use of the name becomes (*u), so that sizeof u, &u, u[i] and its
 * decay keep C's meaning. The passes then see a local pointer to a
 * variable-length array (above): its bounds' values are saved variables,
 * the block is tracked and typed by its innermost element, so a capture
 * saves both and a restore on any ABI rebuilds both. Every return after
 * the declaration frees the block, and so does the end of the body:
 * return e; -> { T __mt_vla_r = (e); free((void *)u); return __mt_vla_r; }.
 * Several declarators in one declaration are split first (split_at).
 * Not rewritten (the passes diagnose them as before): an element type
 * aligned beyond malloc's blocks or local to the function, and every
 * object of a function with another object that stays, a label (a goto
 * back over the declaration would allocate again), a setjmp, a leaf (it
 * never had an adaptation point), a local named malloc or free, no
 * declaration of the library's malloc and free before it, or a return
 * type that cannot be named. */

typedef struct vlocals {
    tunit *t;
    editbuf eb;
    unsigned malloc_at, free_at;   /* where the library's malloc and free are first declared */
    long long malloc_align;        /* what glibc's malloc aligns to: two size_t */
    CXCursor *objs;                /* this function's objects rewritten */
    int nobjs;
    int refused;                   /* a label, or malloc or free named by a local */
    int leaves_found;              /* find_leaves ran: only for a unit with such objects */
} vlocals;

/* 1 for a declaration of the library's function: malloc's void *(size_t),
 * free's void (void *). */
static int library_decl(CXCursor c, int is_free)
{
    CXType ft = clang_getCanonicalType(clang_getCursorType(c));
    if (ft.kind != CXType_FunctionProto || clang_getNumArgTypes(ft) != 1)
        return 0;
    CXType r = clang_getCanonicalType(clang_getResultType(ft));
    CXType a = clang_getCanonicalType(clang_getArgType(ft, 0));
    if (is_free)
        return r.kind == CXType_Void && a.kind == CXType_Pointer &&
               clang_getCanonicalType(clang_getPointeeType(a)).kind == CXType_Void;
    return r.kind == CXType_Pointer && clang_getCanonicalType(clang_getPointeeType(r)).kind == CXType_Void &&
           (a.kind == CXType_ULong || a.kind == CXType_UInt || a.kind == CXType_ULongLong);
}

static enum CXChildVisitResult find_library(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    vlocals *v = data;
    if (clang_getCursorKind(c) != CXCursor_FunctionDecl)
        return CXChildVisit_Continue;
    char *name = spell(c);
    unsigned at = cur_start(c);
    if (strcmp(name, "malloc") == 0 && library_decl(c, 0) && at < v->malloc_at) {
        v->malloc_at = at;
        v->malloc_align = 2 * clang_Type_getSizeOf(clang_getResultType(clang_getCursorType(c)));
    }
    if (strcmp(name, "free") == 0 && library_decl(c, 1) && at < v->free_at)
        v->free_at = at;
    free(name);
    return CXChildVisit_Continue;
}

static int rewritten_object(vlocals *v, CXCursor d)
{
    for (int i = 0; i < v->nobjs; i++)
        if (clang_equalCursors(v->objs[i], d))
            return i;
    return -1;
}

static enum CXChildVisitResult scan_body(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    vlocals *v = data;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_LabelStmt || k == CXCursor_IndirectGotoStmt)
        v->refused = 1;
    if (k == CXCursor_VarDecl && clang_getCanonicalType(clang_getCursorType(c)).kind == CXType_VariableArray &&
        rewritten_object(v, c) < 0)
        v->refused = 1;  /* one that stays makes the function fall back anyway */
    if (k == CXCursor_CallExpr) {
        static const char *const jumps[] = { "setjmp", "_setjmp", "__sigsetjmp", "sigsetjmp", "__builtin_setjmp", NULL };
        char *name = spell(c);
        for (int i = 0; jumps[i]; i++)
            if (strcmp(name, jumps[i]) == 0)
                v->refused = 1;  /* a longjmp back over the declaration would allocate again */
        free(name);
    }
    if (k == CXCursor_VarDecl || k == CXCursor_ParmDecl || k == CXCursor_FunctionDecl) {
        char *name = spell(c);
        if (strcmp(name, "malloc") == 0 || strcmp(name, "free") == 0 || strcmp(name, "__mt_vla_r") == 0)
            v->refused = 1;
        free(name);
    }
    return v->refused ? CXChildVisit_Break : CXChildVisit_Recurse;
}

/* 1 when the variable-length array object d can become a pointer: no
 * initializer, an ordinary local, the name followed by its own brackets
 * holding every variable bound (none from a typedef), bounds without
 * side effects. */
static int object_shape(vlocals *v, CXCursor d)
{
    tunit *t = v->t;
    enum CX_StorageClass sc = clang_Cursor_getStorageClass(d);
    if ((sc != CX_SC_None && sc != CX_SC_Auto) || !clang_Cursor_isNull(clang_Cursor_getVarDeclInitializer(d)))
        return 0;
    unsigned at, end = cur_end(d);
    clang_getFileLocation(clang_getCursorLocation(d), NULL, NULL, NULL, &at);
    char *name = spell(d);
    size_t len = strlen(name);
    const char *src = t->eb.src;
    int ok = at >= cur_start(d) && at + len <= end && strncmp(src + at, name, len) == 0;
    free(name);
    if (!ok)
        return 0;
    /* the declarator's brackets after the name: as many as the levels
     * stripped before the element is no longer variably modified */
    unsigned p = at + (unsigned)len;
    int groups = 0;
    for (;;) {
        while (p < end && (src[p] == ' ' || src[p] == '\t' || src[p] == '\n'))
            p++;
        if (p >= end || src[p] != '[')
            break;
        p = bracket_end(src, p, end);
        if (p >= end)
            return 0;
        p++;
        groups++;
    }
    if (p != end || groups == 0)
        return 0;
    CXType ty = clang_getCanonicalType(clang_getCursorType(d));
    for (int i = 0; i < groups; i++) {
        if (ty.kind != CXType_VariableArray && ty.kind != CXType_ConstantArray)
            return 0;
        ty = clang_getCanonicalType(clang_getArrayElementType(ty));
    }
    if (variably_modified(ty))
        return 0;
    long long align = clang_Type_getAlignOf(ty);
    if (align <= 0 || align > v->malloc_align)
        return 0;  /* over-aligned for malloc's block */
    char *named = declarator(ty, "x");  /* the heap block's type: not a type local to the function */
    if (!named)
        return 0;
    free(named);
    kids ch = children(d);  /* the bounds */
    for (int k = 0; k < ch.n && ok; k++)
        if (clang_isExpression(clang_getCursorKind(ch.c[k])) && any_effect(t, ch.c[k]))
            ok = 0;
    free(ch.c);
    return ok;
}

/* " free(w); free(u);": the objects declared before offset at, the last first */
static void frees_before(vlocals *v, unsigned at, strbuf *b)
{
    for (int i = v->nobjs - 1; i >= 0; i--) {
        if (cur_start(v->objs[i]) >= at)
            continue;
        char *name = spell(v->objs[i]);
        sb_printf(b, " free((void *)%s);", name);
        free(name);
    }
}

/* A declaration of several variables, one or more of them such objects,
 * becomes one declaration per variable: each comma between declarators
 * becomes "; " and the specifiers again (double u[n], v[n], vv; ->
 * double u[n]; double v[n]; double vv;), which C evaluates in the same
 * order. Only when the specifiers are words (no struct body, attribute
 * or typeof to repeat) and the first declarator is its bare name. */
typedef struct split {
    char *spec;         /* "double " */
    unsigned *commas;   /* the commas between declarators */
    int ncommas;
} split;

static void free_splits(split *s, int n)
{
    for (int i = 0; i < n; i++) {
        free(s[i].spec);
        free(s[i].commas);
    }
    free(s);
}

static int split_at(vlocals *v, CXCursor stmt, CXCursor first, int ndecls, split *out)
{
    tunit *t = v->t;
    const char *src = t->eb.src;
    unsigned start = cur_start(stmt), at;
    clang_getFileLocation(clang_getCursorLocation(first), NULL, NULL, NULL, &at);
    if (at <= start || at >= cur_end(stmt))
        return 0;
    for (unsigned i = start; i < at; i++)
        if (!(src[i] == '_' || src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || (src[i] >= 'a' && src[i] <= 'z') ||
              (src[i] >= 'A' && src[i] <= 'Z') || (src[i] >= '0' && src[i] <= '9')) ||
            (src[i] == '\n' && i + 1 < at && src[i + 1] == '#'))
            return 0;
    CXToken *toks;
    unsigned n;
    clang_tokenize(t->tu, clang_getCursorExtent(stmt), &toks, &n);
    int depth = 0;
    split s = { 0 };
    for (unsigned i = 0; i < n; i++) {
        if (clang_getTokenKind(toks[i]) != CXToken_Punctuation)
            continue;
        CXString sp = clang_getTokenSpelling(t->tu, toks[i]);
        const char *p = clang_getCString(sp);
        if (strcmp(p, "(") == 0 || strcmp(p, "[") == 0 || strcmp(p, "{") == 0)
            depth++;
        else if (strcmp(p, ")") == 0 || strcmp(p, "]") == 0 || strcmp(p, "}") == 0)
            depth--;
        else if (strcmp(p, ",") == 0 && depth == 0) {
            unsigned off;
            clang_getFileLocation(clang_getTokenLocation(t->tu, toks[i]), NULL, NULL, NULL, &off);
            s.commas = xrealloc(s.commas, (size_t)(s.ncommas + 1) * sizeof *s.commas);
            s.commas[s.ncommas++] = off;
        }
        clang_disposeString(sp);
    }
    clang_disposeTokens(t->tu, toks, n);
    if (s.ncommas != ndecls - 1 || depth != 0) {
        free(s.commas);
        return 0;
    }
    s.spec = xcalloc(1, at - start + 1);
    memcpy(s.spec, src + start, at - start);
    for (char *q = s.spec; *q; q++)
        if (*q == '\n' || *q == '\t')
            *q = ' ';
    *out = s;
    return 1;
}

typedef struct vfn {
    vlocals *v;
    CXCursor fn;
    char *ret_decl;   /* "int __mt_vla_r", or NULL in a void function */
} vfn;

static enum CXChildVisitResult rewrite_uses(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    vfn *f = data;
    vlocals *v = f->v;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_DeclRefExpr) {
        CXCursor d = clang_getCursorReferenced(c);
        if (rewritten_object(v, d) >= 0) {
            char *name = spell(d), text[300];
            snprintf(text, sizeof text, "(*%s)", name);
            ed_text(ed_add(&v->eb, cur_start(c), cur_end(c), ORDER_PLAIN), text);
            free(name);
        }
    } else if (k == CXCursor_ReturnStmt) {
        strbuf frees = { 0 };
        frees_before(v, cur_start(c), &frees);
        if (frees.s) {
            unsigned rs = cur_start(c), semi = stmt_end(v->t, c) - 1;
            kids ch = children(c);
            strbuf head = { 0 }, tail = { 0 };
            if (ch.n == 0) {
                sb_printf(&head, "{%s return", frees.s);
                sb_put(&tail, "; }");
            } else if (!f->ret_decl) {  /* return f(); in a void function */
                sb_put(&head, "{ (void)(");
                sb_printf(&tail, ");%s return; }", frees.s);
            } else {
                sb_printf(&head, "{ %s = (", f->ret_decl);
                sb_printf(&tail, ");%s return __mt_vla_r; }", frees.s);
            }
            free(ch.c);
            ed_text(ed_add(&v->eb, rs, rs + 6, ORDER_PLAIN), head.s);
            ed_text(ed_add(&v->eb, semi, semi + 1, ORDER_PLAIN), tail.s);
            free(head.s);
            free(tail.s);
        }
        free(frees.s);
    }
    return CXChildVisit_Recurse;
}

static enum CXChildVisitResult each_vla_function(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    vlocals *v = data;
    tunit *t = v->t;
    if (in_system_header(c) || clang_getCursorKind(c) != CXCursor_FunctionDecl || !clang_isCursorDefinition(c))
        return CXChildVisit_Continue;
    CXCursor body = clang_getNullCursor();
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        if (clang_getCursorKind(ch.c[i]) == CXCursor_CompoundStmt)
            body = ch.c[i];
    free(ch.c);
    if (clang_Cursor_isNull(body))
        return CXChildVisit_Continue;
    v->nobjs = 0;
    int nsplits = 0;
    split *splits = NULL;
    kids items = children(body);
    for (int i = 0; i < items.n; i++) {
        if (clang_getCursorKind(items.c[i]) != CXCursor_DeclStmt)
            continue;
        kids ds = children(items.c[i]);
        int vlas = 0, shaped = 0, plain = 1;
        for (int k = 0; k < ds.n; k++) {
            if (clang_getCursorKind(ds.c[k]) != CXCursor_VarDecl) {
                plain = 0;
                continue;
            }
            if (clang_getCanonicalType(clang_getCursorType(ds.c[k])).kind != CXType_VariableArray)
                continue;
            vlas++;
            shaped += object_shape(v, ds.c[k]);
        }
        split sp = { 0 };
        if (vlas && shaped == vlas && plain && (ds.n == 1 || split_at(v, items.c[i], ds.c[0], ds.n, &sp))) {
            for (int k = 0; k < ds.n; k++) {
                if (clang_getCanonicalType(clang_getCursorType(ds.c[k])).kind != CXType_VariableArray)
                    continue;
                v->objs = xrealloc(v->objs, (size_t)(v->nobjs + 1) * sizeof *v->objs);
                v->objs[v->nobjs++] = ds.c[k];
            }
            if (ds.n > 1) {
                splits = xrealloc(splits, (size_t)(nsplits + 1) * sizeof *splits);
                splits[nsplits++] = sp;
            }
        }
        free(ds.c);
    }
    free(items.c);
    if (!v->nobjs)
        return CXChildVisit_Continue;
    v->refused = 0;
    clang_visitChildren(c, scan_body, v);
    unsigned fn_at = cur_start(c);
    CXType ret = clang_getCanonicalType(clang_getCursorResultType(c));
    vfn f = { .v = v, .fn = c };
    if (ret.kind != CXType_Void)
        f.ret_decl = declarator(clang_getCursorResultType(c), "__mt_vla_r");
    if (!v->refused && !v->leaves_found) {
        find_leaves(t);
        v->leaves_found = 1;
    }
    if (v->refused || !unwinding_here(t, c) || v->malloc_at >= fn_at || v->free_at >= fn_at ||
        (ret.kind != CXType_Void && !f.ret_decl)) {
        free(f.ret_decl);
        free_splits(splits, nsplits);
        return CXChildVisit_Continue;
    }
    for (int i = 0; i < nsplits; i++)
        for (int k = 0; k < splits[i].ncommas; k++) {
            char *text = xcalloc(1, strlen(splits[i].spec) + 4);
            sprintf(text, "; %s", splits[i].spec);
            ed_text(ed_add(&v->eb, splits[i].commas[k], splits[i].commas[k] + 1, ORDER_PLAIN), text);
            free(text);
        }
    free_splits(splits, nsplits);
    for (int i = 0; i < v->nobjs; i++) {
        CXCursor d = v->objs[i];
        unsigned at;
        clang_getFileLocation(clang_getCursorLocation(d), NULL, NULL, NULL, &at);
        char *name = spell(d), text[600];
        snprintf(text, sizeof text, "(*%s)", name);
        ed_text(ed_add(&v->eb, at, at + (unsigned)strlen(name), ORDER_PLAIN), text);
        snprintf(text, sizeof text, " = malloc(sizeof *%s)", name);
        ed_text(ed_add(&v->eb, cur_end(d), cur_end(d), ORDER_PLAIN), text);
        free(name);
    }
    clang_visitChildren(body, rewrite_uses, &f);
    strbuf frees = { 0 };
    frees_before(v, cur_end(body), &frees);
    ed_text(ed_add(&v->eb, cur_end(body) - 1, cur_end(body) - 1, ORDER_PLAIN), frees.s);
    free(frees.s);
    free(f.ret_decl);
    return CXChildVisit_Continue;
}

char *vla_locals_unit(tunit *t)
{
    vlocals v = { .t = t, .malloc_at = ~0u, .free_at = ~0u };
    v.eb.src = t->eb.src;
    v.eb.len = t->eb.len;
    CXCursor unit = clang_getTranslationUnitCursor(t->tu);
    clang_visitChildren(unit, find_library, &v);
    clang_visitChildren(unit, each_vla_function, &v);
    if (v.leaves_found) {
        free_leaves(t);
        t->fns = NULL;
        t->nfns = 0;
    }
    free(v.objs);
    if (!v.eb.nedits)
        return NULL;
    strbuf out = { 0 };
    ed_render(&v.eb, 0, (unsigned)v.eb.len, 0, &out);
    for (int i = 0; i < v.eb.nedits; i++) {
        for (int j = 0; j < v.eb.edits[i].nsegs; j++)
            free(v.eb.edits[i].segs[j].text);
        free(v.eb.edits[i].segs);
    }
    free(v.eb.edits);
    return out.s;
}
