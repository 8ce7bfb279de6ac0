/* stripmine.c: an innermost loop with no adaptation point inside (calls
 * of leaves without loops count as inlined code in an inner counted loop,
 * or in any with --leaf-loop-chunks, see rewrite.c) is cut
 * into chunks with a poll between them, so that a capture request waits
 * at most one chunk (STRIP_CHUNK iterations), while each chunk stays a
 * counted loop the compiler can still vectorize. A loop shorter than one
 * chunk runs as written, since the loop around it polls (or, at the top
 * of a function, it ends soon):
 *
 *   for (I; i < n; i++) B
 *   ->  for (I; i < n; ) {
 *           if ((unsigned long long)(n) - (unsigned long long)(i) < CHUNK) { for (; i < n; i++) B break; }
 *           else { T __mt_e1 = i + CHUNK; for (; i != __mt_e1; i++) B  POLL } }
 *
 * (the same with <=). The difference is taken in unsigned long long,
 * where it is exact for any index type of up to 64 bits since i < n (or
 * i <= n) holds there, so i + CHUNK cannot overflow; and with != the
 * compiler knows the chunk's trip count even for an unsigned index. The test
 * costs a subtraction and a branch each time the loop starts; cutting
 * every loop the same way cost 1.7% more instructions on an LU
 * decomposition of 250 rows (an inner loop of 125 iterations on average).
 *
 * Only loops mtcc can prove counted qualify: the index is a local or
 * parameter of type int or wider that is not pinned (nothing can write it
 * through a pointer) and the body does not assign, compared with a bound
 * of its own type (no conversion on either side, so the chunk's end fits
 * the index's type); the bound is made of
 * constants and such variables that the body does not assign either (a
 * load through a pointer might change under the body's stores); the step
 * is i++, ++i or i += 1; the body has no break of its own (it would end
 * only the chunk), no goto, no label and no case of a switch around the
 * loop (the body is written twice; a static declared in it is hoisted out
 * of the function by rewrite.c, so it stays one variable).
 *
 * The same proof tells a short loop: counted between constants, at most
 * SHORT_TRIPS iterations. rewrite.c treats a nest of short loops (up to
 * SHORT_NEST iterations in all) as one innermost loop, with no poll
 * inside: a 16x16 block update polled 256 times a call before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

enum { STRIP_CHUNK = 4096, SHORT_TRIPS = 256 };

/* The function's variable an expression names (bare), or -1. */
int named_var(func *fn, CXCursor e)
{
    e = bare_expr(e);
    if (clang_getCursorKind(e) != CXCursor_DeclRefExpr)
        return -1;
    return find_var(fn, clang_getCursorReferenced(e));
}

/* A variable an unaliased value can be read from: an unpinned,
 * non-static local or parameter of plain integer type. */
int private_integer(func *fn, int vi)
{
    const var *v = vi >= 0 ? &fn->vars[vi] : NULL;
    return v && !v->pinned && !v->is_static && plain_integer_type(v->type) &&
           !clang_isVolatileQualifiedType(clang_getCanonicalType(v->type));
}

/* An index the comparison does not promote: int or wider. A char or short
 * index is compared as an int, so the chunk's end, computed in its type,
 * could wrap where the original comparison does not. */
int unpromoted(CXType t)
{
    return clang_Type_getSizeOf(clang_getCanonicalType(t)) >= 4;
}

/* Collects into vars (marking vars[vi]) the variables of a bound made
 * of literals, private integers, sizeof and arithmetic; 0 for anything
 * else (a call, a load, an assignment, a global). */
int invariant_bound(tunit *t, func *fn, CXCursor e, unsigned char *vars)
{
    enum CXCursorKind k = clang_getCursorKind(e);
    if (k == CXCursor_IntegerLiteral || k == CXCursor_CharacterLiteral)
        return 1;
    if (k == CXCursor_DeclRefExpr) {
        CXCursor d = clang_getCursorReferenced(e);
        if (clang_getCursorKind(d) == CXCursor_EnumConstantDecl)
            return 1;
        int vi = find_var(fn, d);
        if (!private_integer(fn, vi))
            return 0;
        vars[vi] = 1;
        return 1;
    }
    if (k == CXCursor_UnaryExpr) {  /* sizeof, _Alignof */
        char *tok = first_token(t->tu, e);
        int ok = strcmp(tok, "sizeof") == 0 || strcmp(tok, "_Alignof") == 0;
        free(tok);
        return ok;
    }
    if (k == CXCursor_BinaryOperator || k == CXCursor_UnaryOperator) {
        char *op = operator_of(t->tu, e);
        static const char *const pure[] = { "+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "~", NULL };
        int ok = 0;
        for (int i = 0; pure[i]; i++)
            ok |= strcmp(op, pure[i]) == 0;
        free(op);
        if (!ok)
            return 0;
    } else if (k != CXCursor_ParenExpr && k != CXCursor_UnexposedExpr && k != CXCursor_CStyleCastExpr) {
        return 0;
    }
    kids ch = children(e);
    int ok = 1;
    for (int i = 0; i < ch.n && ok; i++)
        ok = invariant_bound(t, fn, ch.c[i], vars);
    free(ch.c);
    return ok;
}

typedef struct body_scan {
    tunit *t;
    func *fn;
    const unsigned char *vars;  /* the index and the bound's variables */
    int switches;               /* switch statements around the node */
    int bad;
} body_scan;

/* 1 when unary operator u only reads its operand. */
static int reads_only(tunit *t, CXCursor u)
{
    char *op = operator_of(t->tu, u);
    int yes = strcmp(op, "-") == 0 || strcmp(op, "+") == 0 || strcmp(op, "!") == 0 || strcmp(op, "~") == 0;
    free(op);
    return yes;
}

/* 1 when c writes (or takes the address of) one of the variables. */
static int writes(body_scan *s, CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k != CXCursor_BinaryOperator && k != CXCursor_CompoundAssignOperator && k != CXCursor_UnaryOperator)
        return 0;
    kids ch = children(c);
    int vi = ch.n > 0 ? named_var(s->fn, ch.c[0]) : -1;
    free(ch.c);
    if (vi < 0 || !s->vars[vi])
        return 0;
    if (k == CXCursor_CompoundAssignOperator)
        return 1;
    if (k == CXCursor_UnaryOperator)
        return !reads_only(s->t, c);
    char *op = operator_of(s->t->tu, c);
    int assign = strcmp(op, "=") == 0;
    free(op);
    return assign;
}

static void scan_body(body_scan *s, CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    int outer_case = (k == CXCursor_CaseStmt || k == CXCursor_DefaultStmt) && !s->switches;
    if ((k == CXCursor_BreakStmt && !s->switches) || k == CXCursor_GotoStmt || k == CXCursor_IndirectGotoStmt ||
        k == CXCursor_LabelStmt || k == CXCursor_StmtExpr || outer_case || writes(s, c)) {
        s->bad = 1;
        return;
    }
    s->switches += k == CXCursor_SwitchStmt;
    kids ch = children(c);
    for (int i = 0; i < ch.n && !s->bad; i++)
        scan_body(s, ch.c[i]);
    free(ch.c);
    s->switches -= k == CXCursor_SwitchStmt;
}

int writes_none(tunit *t, func *fn, CXCursor body, const unsigned char *vars)
{
    body_scan s = { .t = t, .fn = fn, .vars = vars };
    scan_body(&s, body);
    return !s.bad;
}

/* 1 when inc steps variable vi by one: i++, ++i, i += 1. */
static int unit_step(tunit *t, func *fn, CXCursor inc, int vi)
{
    inc = bare_expr(inc);
    enum CXCursorKind k = clang_getCursorKind(inc);
    kids ch = children(inc);
    int ok = ch.n > 0 && named_var(fn, ch.c[0]) == vi;
    if (ok && k == CXCursor_UnaryOperator) {
        char *op = operator_of(t->tu, inc);
        ok = strcmp(op, "++") == 0;
        free(op);
    } else if (ok && k == CXCursor_CompoundAssignOperator && ch.n == 2) {
        char *op = operator_of(t->tu, inc);
        CXCursor one = bare_expr(ch.c[1]);
        char *lit = first_token(t->tu, one);
        ok = strcmp(op, "+=") == 0 && clang_getCursorKind(one) == CXCursor_IntegerLiteral && strcmp(lit, "1") == 0;
        free(op);
        free(lit);
    } else {
        ok = 0;
    }
    free(ch.c);
    return ok;
}

/* 1 when a and b are one integer type, qualifiers aside (an integer
 * type's kind names it). */
int same_integer_type(CXType a, CXType b)
{
    return plain_integer_type(a) && clang_getCanonicalType(a).kind == clang_getCanonicalType(b).kind;
}

/* The loop's index and bound when it is one stripmine can cut: returns
 * the index's variable (or -1), with *le set for <= and *bound the bound. */
static int counted_loop(walk *w, CXCursor cond, CXCursor inc, CXCursor body, int *le, CXCursor *bound)
{
    func *fn = w->fn;
    cond = bare_expr(cond);
    if (clang_getCursorKind(cond) != CXCursor_BinaryOperator)
        return -1;
    char *op = operator_of(w->t->tu, cond);
    *le = strcmp(op, "<=") == 0;
    int less = *le || strcmp(op, "<") == 0;
    free(op);
    kids ch = children(cond);
    int vi = less && ch.n == 2 ? named_var(fn, ch.c[0]) : -1;
    int compared_as_index = vi >= 0 && same_integer_type(fn->vars[vi].type, clang_getCursorType(ch.c[0])) &&
                            same_integer_type(fn->vars[vi].type, clang_getCursorType(ch.c[1]));
    *bound = ch.n == 2 ? ch.c[1] : clang_getNullCursor();
    free(ch.c);
    if (!private_integer(fn, vi) || !unpromoted(fn->vars[vi].type) || !compared_as_index ||
        !unit_step(w->t, fn, inc, vi))
        return -1;
    unsigned char *vars = xcalloc((size_t)fn->nvars + 1, 1);
    vars[vi] = 1;
    body_scan s = { .t = w->t, .fn = fn, .vars = vars };
    if (invariant_bound(w->t, fn, *bound, vars))
        scan_body(&s, body);
    else
        s.bad = 1;
    free(vars);
    return s.bad ? -1 : vi;
}

/* The start the for clause init gives index vi, if a constant: i = K or
 * a declaration T i = K. */
static int constant_start(func *fn, CXCursor init, int vi, long long *v)
{
    enum CXCursorKind k = clang_getCursorKind(init);
    kids ch = children(init);
    int ok = 0;
    if (k == CXCursor_BinaryOperator && ch.n == 2 && named_var(fn, ch.c[0]) == vi)
        ok = constant_int(ch.c[1], v);
    else if (k == CXCursor_DeclStmt && ch.n == 1 && find_var(fn, ch.c[0]) == vi) {
        kids d = children(ch.c[0]);
        ok = d.n > 0 && constant_int(d.c[d.n - 1], v);
        free(d.c);
    }
    free(ch.c);
    return ok;
}

/* The loop's trip count when its start and bound are constants, or -1. */
static long long known_trips(walk *w, CXCursor init, int vi, CXCursor bound, int le)
{
    long long start, end;
    if (clang_Cursor_isNull(init) || !constant_start(w->fn, init, vi, &start) || !constant_int(bound, &end) ||
        start < 0 || end < start)
        return -1;
    return end - start + le;
}

void strip_mine(walk *w, CXCursor init, CXCursor cond, CXCursor inc, CXCursor body)
{
    func *fn = w->fn;
    editbuf *eb = &w->t->eb;
    int le;
    CXCursor bound;
    int vi = counted_loop(w, cond, inc, body, &le, &bound);
    /* A loop known to run at most one chunk is left as written: the cut's
     * test would always pick its short loop, and gcc, seeing the dead
     * chunk loop run STRIP_CHUNK turns over an array shorter than that,
     * warns that those turns are undefined (-Waggressive-loop-optimizations,
     * an error under -Werror where the plain build compiles cleanly). */
    long long trips = vi < 0 ? -1 : known_trips(w, init, vi, bound, le);
    if (vi < 0 || (trips >= 0 && trips <= STRIP_CHUNK))
        return;
    const char *i = fn->vars[vi].name;
    unsigned stop = stmt_end(w->t, body);
    /* for (I; C; ) with the step moved into the two loops below */
    edit *blank = ed_add(eb, cur_start(inc), cur_end(inc), ORDER_HIDDEN);
    blank->hidden = 1;
    ed_text(blank, "");
    edit *e = ed_add(eb, cur_start(body), cur_start(body), ORDER_STRIPMINE_HEAD);
    strbuf b = { 0 };
    ed_text(e, "{ if ((unsigned long long)(");
    ed_range_all(e, cur_start(bound), cur_end(bound));
    sb_printf(&b, ") - (unsigned long long)(%s) < %d) { for (; ", i, STRIP_CHUNK);
    ed_text(e, b.s);
    ed_range_all(e, cur_start(cond), cur_end(cond));
    ed_text(e, "; ");
    ed_range_all(e, cur_start(inc), cur_end(inc));
    ed_text(e, ") ");
    ed_range_all(e, cur_start(body), stop);  /* the body, with its edits */
    char end[32];
    snprintf(end, sizeof end, "__mt_e%d", fn->nsites + 1);
    char *decl = var_declarator(&fn->vars[vi], end);
    b.len = 0;
    /* the short loop ends the loop around it (its condition is false
     * then): saying so lets gcc see the index start at I, not at a phi of
     * I and the chunks' end, and strength-reduce the body as written */
    sb_printf(&b, " break; } else { %s = %s + %d; for (; %s != %s; ", decl, i, STRIP_CHUNK, i, end);
    free(decl);
    ed_text(e, b.s);
    ed_range_all(e, cur_start(inc), cur_end(inc));
    ed_text(e, ") ");
    free(b.s);
    site *s = new_site(w, SITE_POLL);
    s->pos = stop;
    ed_site(ed_add(eb, stop, stop, closing_order(w->nanc, CLOSE_POLL)), s);
    ed_text(ed_add(eb, stop, stop, closing_order(w->nanc, CLOSE_BODY)), " } }");
}

long short_trips(walk *w, CXCursor init, CXCursor cond, CXCursor inc, CXCursor body)
{
    int le;
    CXCursor bound;
    int vi = counted_loop(w, cond, inc, body, &le, &bound);
    long long trips = vi < 0 ? -1 : known_trips(w, init, vi, bound, le);
    return trips >= 0 && trips <= SHORT_TRIPS ? (long)trips : 0;
}

int counted_for(walk *w, CXCursor cond, CXCursor inc, CXCursor body)
{
    int le;
    CXCursor bound;
    return counted_loop(w, cond, inc, body, &le, &bound) >= 0;
}
