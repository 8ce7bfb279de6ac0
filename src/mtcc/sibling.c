/* sibling.c: calls to another function in tail position, `return g(x);`,
 * with no check after them, so that gcc makes them jumps as in a plain
 * build (two functions calling each other in tail position cost 21.8x the
 * plain build's instructions with a call, a check and a return per turn).
 *
 *   return g(a, b);   ->  { POLL return g(a, b); }
 *   g(a, b);          ->  { POLL g(a, b); }   (the last thing a void function does)
 *
 * The poll before the call is the adaptation point the check after it
 * was; only a call to a function defined earlier in the file (or at the
 * same place) polls, since a cycle of such calls, which is what may run
 * long, has at least one call going back in the file, and a chain of
 * calls going forward ends within the file's functions. When g unwinds,
 * f returns g's dummy result at once, without saving its frame: nothing
 * of f is live after a call in tail position, so the saved stack holds
 * f's caller (in its call of f) and then g's frame (or the frame of what
 * g called in tail position the same way). On restore, f's twin finds the
 * next saved frame not its own but one of a function that f reaches
 * through such calls (__mt_tailreach_f, written with the registration,
 * when every function's fate is known), and hands over to that function's
 * twin, whose result it returns (a void twin returns after it): the frames that exist are all restored,
 * and the ones that do not are those gcc's jumps remove too.
 *
 * Only a call to a function defined in this unit that is not a leaf (a
 * leaf's call has no check anyway), whose return type is f's own (so the
 * value passes unchanged through any chain of hand-overs), whose
 * arguments call nothing (they are evaluated after the poll, where no
 * site can be), from a function that pins nothing (a pinned record's
 * address may have been passed on), accumulates nothing (its returns add
 * the accumulator) and is not main. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

/* The function a returned value calls in tail position, with no check
 * needed after the call; a null cursor when there is none. */
static CXCursor sibling_callee(tunit *t, func *fn, CXCursor value)
{
    CXCursor none = clang_getNullCursor(), call = bare_expr(value);
    if (clang_getCursorKind(call) != CXCursor_CallExpr)
        return none;
    CXCursor callee = called_function(call);
    if (clang_Cursor_isNull(callee))
        return none;
    callee = clang_getCanonicalCursor(callee);
    CXType ft = clang_getCursorType(callee);
    if (same_cursor(callee, clang_getCanonicalCursor(fn->cursor)) || !unwinding_here(t, callee) ||
        ft.kind != CXType_FunctionProto || clang_isFunctionTypeVariadic(ft) ||
        !clang_equalTypes(clang_getCanonicalType(clang_getResultType(ft)), clang_getCanonicalType(fn->ret)))
        return none;
    int n = clang_Cursor_getNumArguments(call);
    for (int i = 0; i < n; i++)
        if (contains_call(clang_Cursor_getArgument(call, (unsigned)i)))
            return none;
    return callee;
}

static int may_hand_over(const func *fn)
{
    return !fn->is_main && !fn->fallback && !fn->npinned && !fn->tail_op && !fn->is_variadic;
}

static void add_sibling(func *fn, CXCursor g)
{
    for (int i = 0; i < fn->nsib; i++)
        if (same_cursor(fn->sib_callees[i], g))
            return;
    fn->sib_callees = xrealloc(fn->sib_callees, (size_t)(fn->nsib + 1) * sizeof *fn->sib_callees);
    fn->sib_callees[fn->nsib++] = g;
}

typedef struct path {
    CXCursor *anc;  /* the statements from the body down, for in_tail_position */
    int n, cap;
} path;

static void find_siblings(tunit *t, func *fn, path *p, CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_StmtExpr || clang_isDeclaration(k))
        return;  /* a statement expression's return is the function's, but its value is not */
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 32;
        p->anc = xrealloc(p->anc, (size_t)p->cap * sizeof *p->anc);
    }
    p->anc[p->n++] = c;
    kids ch = children(c);
    CXCursor g = clang_getNullCursor();
    if (k == CXCursor_ReturnStmt && ch.n == 1 && !fn->ret_void)
        g = sibling_callee(t, fn, ch.c[0]);
    else if (k == CXCursor_CallExpr && fn->ret_void && in_tail_position(p->anc, p->n))
        g = sibling_callee(t, fn, c);
    if (!clang_Cursor_isNull(g))
        add_sibling(fn, g);
    for (int i = 0; i < ch.n; i++)
        if (clang_isStatement(clang_getCursorKind(ch.c[i])) || clang_getCursorKind(ch.c[i]) == CXCursor_CallExpr)
            find_siblings(t, fn, p, ch.c[i]);
    free(ch.c);
    p->n--;
}

void plan_sibling_calls(tunit *t, func *fn, CXCursor body)
{
    path p = { 0 };
    if (may_hand_over(fn))
        find_siblings(t, fn, &p, body);
    free(p.anc);
}

/* stmt (a return, or a call statement) as "{ POLL stmt }", where stmt's
 * call is value's. */
static int hand_over(walk *w, CXCursor stmt, CXCursor value)
{
    func *fn = w->fn;
    CXCursor call = bare_expr(value);
    int n = clang_Cursor_getNumArguments(call);
    for (int i = 0; i < n; i++)
        visit(w, clang_Cursor_getArgument(call, (unsigned)i), VISIT_PART);  /* renamed locals, unions */
    CXCursor def = clang_getCursorDefinition(sibling_callee(w->t, fn, value));
    if (!clang_Cursor_isNull(def) && cur_start(def) > cur_start(fn->cursor))
        return 1;  /* a call forward in the file: a cycle of such calls has one going back, which polls */
    unsigned start = cur_start(stmt);
    edit *e = ed_add(&w->t->eb, start, stmt_end(w->t, stmt), ORDER_PLAIN);
    site *s = new_site(w, SITE_POLL);
    s->pos = start;  /* before the call: what its arguments read is live */
    ed_text(e, "{ ");
    ed_site(e, s);
    ed_text(e, fn->ret_void ? " " : " return ");
    ed_expr(e, cur_start(value), cur_end(value));
    ed_text(e, "; }");
    return 1;
}

int visit_sibling_return(walk *w, CXCursor ret)
{
    func *fn = w->fn;
    if (!fn->nsib || !may_hand_over(fn) || fn->ret_void)
        return 0;
    kids ch = children(ret);
    CXCursor value = ch.n == 1 ? ch.c[0] : clang_getNullCursor();
    free(ch.c);
    if (clang_Cursor_isNull(value) || clang_Cursor_isNull(sibling_callee(w->t, fn, value)))
        return 0;
    return hand_over(w, ret, value);
}

int visit_sibling_statement(walk *w, CXCursor call)
{
    func *fn = w->fn;
    if (!fn->nsib || !may_hand_over(fn) || !fn->ret_void || !same_cursor(w->anchor.stmt, call) ||
        !in_tail_position(w->anc, w->nanc) || clang_Cursor_isNull(sibling_callee(w->t, fn, call)))
        return 0;
    return hand_over(w, call, call);
}

/* The function info of a transformed function of the unit, or NULL. */
static func *unit_func(tunit *t, CXCursor canon)
{
    for (int i = 0; i < t->nfuncs; i++)
        if (same_cursor(clang_getCanonicalCursor(t->funcs[i]->cursor), canon))
            return t->funcs[i];
    return NULL;
}

/* Marks in seen every function fn reaches through calls in tail position
 * that hand over (transformed ones only: one that falls back never
 * unwinds, nor does anything it calls). */
static void reach(tunit *t, func *fn, char *seen)
{
    for (int i = 0; i < fn->nsib; i++) {
        func *g = unit_func(t, fn->sib_callees[i]);
        if (!g || g->fallback)
            continue;
        int gi = 0;
        while (t->funcs[gi] != g)
            gi++;
        if (seen[gi])
            continue;
        seen[gi] = 1;
        if (may_hand_over(g))
            reach(t, g, seen);
    }
}

void emit_sibling_reach(tunit *t, strbuf *out)
{
    char *seen = xcalloc((size_t)(t->nfuncs ? t->nfuncs : 1), 1);
    for (int i = 0; i < t->nfuncs; i++) {
        func *fn = t->funcs[i];
        if (!fn->nsib || fn->fallback)
            continue;
        memset(seen, 0, (size_t)t->nfuncs);
        reach(t, fn, seen);
        sb_printf(out, "static int __mt_tailreach_%s(const mt_function_info *fi)\n{\n    return 0", fn->cname);
        for (int j = 0; j < t->nfuncs; j++)
            if (seen[j])
                sb_printf(out, " || fi == &__mt_fi_%s", t->funcs[j]->cname);
        sb_put(out, ";\n}\n");
    }
    free(seen);
}

void sibling_twin_entry(const func *fn, strbuf *b)
{
    if (!fn->nsib)
        return;
    sb_printf(b, " { const mt_function_info *__mt_nf = mt_frame_next();"
                 " if (__mt_nf && __mt_nf != &__mt_fi_%s && __mt_tailreach_%s(__mt_nf))"
                 " %s((__typeof__(&__mt_twin_%s))__mt_nf->twin)();%s }",
              fn->cname, fn->cname, fn->ret_void ? "{ " : "return ", fn->cname, fn->ret_void ? " return; }" : "");
}

void sibling_prototype(const func *fn, strbuf *b)
{
    if (fn->nsib)
        sb_printf(b, "static int __mt_tailreach_%s(const mt_function_info *);\n", fn->cname);
}
