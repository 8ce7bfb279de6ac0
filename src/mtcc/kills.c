/* kills.c: a variable that every path from a resume site assigns before it
 * reads it is dead there (live.c asks): `for (k = 0; ...)` in a loop around
 * the site, `val = 0;` at the top of the next turn, `x = f(y);` at the call.
 *
 * Programs written in C89 style declare their loop indexes and partial sums
 * at the top of the function, so the textual rule of live.c (named after the
 * site, or in a loop around it) keeps all of them live at every poll of a
 * nest: each is then passed to the save helper, held in a register or a
 * stack slot across the loop, and an index's value at a loop's exit is
 * computed for it (Shootout matrix's mmult: 1.28x the plain build's
 * instructions). This follows the paths from the site through the
 * function's statements, structured as written (live.c gives up on any goto
 * or label), and answers "dead" only when each path meets a plain
 * assignment `v = e` (e not naming v), v's declaration, or a return not
 * naming v, before any other name of v; anything it does not follow
 * (switch, break, continue, a site in a loop's header) counts as a read. */
#include <stdlib.h>

#include "mtcc.h"
#include "transform.h"

/* What a statement does first to the variable, run from its start. */
enum first { FIRST_NONE, FIRST_KILL, FIRST_USE };

typedef struct kctx {
    CXTranslationUnit tu;
    CXCursor decl;          /* the variable's declaration */
    const unsigned *at;     /* offsets of its names */
    int nat;
} kctx;

static int names_in(const kctx *k, unsigned start, unsigned end)
{
    for (int i = 0; i < k->nat; i++)
        if (k->at[i] >= start && k->at[i] < end)
            return 1;
    return 0;
}

static int names(const kctx *k, CXCursor c) { return names_in(k, cur_start(c), cur_end(c)); }

static int is_loop(enum CXCursorKind k)
{
    return k == CXCursor_ForStmt || k == CXCursor_WhileStmt || k == CXCursor_DoStmt;
}

/* 1 when c holds a break or continue that may leave c (one inside a loop
 * of c stays in it; a switch is not told apart: its breaks count). */
static int jumps_out(CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_BreakStmt || k == CXCursor_ContinueStmt)
        return 1;
    if (is_loop(k))
        return 0;
    kids ch = children(c);
    int found = 0;
    for (int i = 0; i < ch.n && !found; i++)
        found = jumps_out(ch.c[i]);
    free(ch.c);
    return found;
}

/* 1 when expression e is `v = x` with x not naming v. */
static int kills_expr(const kctx *k, CXCursor e)
{
    if (!binary_op(k->tu, e, "="))
        return 0;
    kids ch = children(e);
    int yes = ch.n == 2 && clang_getCursorKind(ch.c[0]) == CXCursor_DeclRefExpr &&
              clang_equalCursors(clang_getCursorReferenced(ch.c[0]), k->decl) && !names(k, ch.c[1]);
    free(ch.c);
    return yes;
}

static enum first first_in(const kctx *k, CXCursor c);

/* Statements in order: the first that decides. */
static enum first first_of_items(const kctx *k, CXCursor c, int from)
{
    kids ch = children(c);
    enum first f = FIRST_NONE;
    for (int i = from; i < ch.n && f == FIRST_NONE; i++)
        f = first_in(k, ch.c[i]);
    free(ch.c);
    return f;
}

/* Two ways on: a read on either is a read; a kill on only one leaves the
 * other to what follows (which must then decide). */
static enum first either(enum first a, enum first b)
{
    if (a == FIRST_USE || b == FIRST_USE)
        return FIRST_USE;
    return a == FIRST_KILL && b == FIRST_KILL ? FIRST_KILL : FIRST_NONE;
}

static enum first first_in_if(const kctx *k, CXCursor c)
{
    kids ch = children(c);
    enum first f;
    if (ch.n < 2 || ch.n > 3 || names(k, ch.c[0]))
        f = FIRST_USE;
    else
        f = either(first_in(k, ch.c[1]), ch.n == 3 ? first_in(k, ch.c[2]) : FIRST_NONE);
    free(ch.c);
    return f;
}

/* A loop from its start. A for clause that assigns v kills it. Otherwise a
 * loop whose condition (or increment, when the body does not assign v
 * first) names v reads it; one whose body reads v first reads it; and when
 * every turn assigns v first, the path that runs no turn is still left to
 * what follows (so is a body that does not name v). A do loop's body runs
 * first, once at least. Breaks and continues in a body count as reads
 * (first_in), so no turn leaves unseen. */
static enum first first_in_loop(const kctx *k, CXCursor c)
{
    if (!names(k, c))
        return FIRST_NONE;  /* its breaks and continues stay in it */
    enum CXCursorKind kind = clang_getCursorKind(c);
    kids ch = children(c);
    int init = -1, cond = -1, inc = -1, body = kind == CXCursor_DoStmt ? 0 : ch.n - 1;
    if (kind == CXCursor_ForStmt)
        for_clauses(k->tu, c, ch, &init, &cond, &inc);
    else
        cond = kind == CXCursor_DoStmt ? 1 : 0;
    enum first f = FIRST_USE;
    if (ch.n < 1 || (kind != CXCursor_ForStmt && ch.n != 2)) {
        /* not a shape this follows */
    } else if (init >= 0 && (f = first_in(k, ch.c[init])) != FIRST_NONE) {
        /* decided by the first clause */
    } else if (kind == CXCursor_DoStmt) {
        f = first_in(k, ch.c[body]);
        if (f == FIRST_NONE && names(k, ch.c[cond]))
            f = FIRST_USE;
    } else if (cond >= 0 && names(k, ch.c[cond])) {
        f = FIRST_USE;
    } else {
        f = first_in(k, ch.c[body]);
        if (f == FIRST_NONE && inc >= 0 && names(k, ch.c[inc]))
            f = FIRST_USE;
        if (f == FIRST_KILL)
            f = FIRST_NONE;  /* no turn at all */
    }
    free(ch.c);
    return f;
}

static enum first first_in_decl(const kctx *k, CXCursor c)
{
    kids ch = children(c);
    enum first f = FIRST_NONE;
    for (int i = 0; i < ch.n && f == FIRST_NONE; i++) {
        if (clang_equalCursors(ch.c[i], k->decl))
            f = names(k, ch.c[i]) ? FIRST_USE : FIRST_KILL;  /* C scopes v in its own initializer */
        else if (names(k, ch.c[i]))
            f = FIRST_USE;
    }
    free(ch.c);
    return f;
}

/* What statement (or expression statement) c does first to v. */
static enum first first_in(const kctx *k, CXCursor c)
{
    enum CXCursorKind kind = clang_getCursorKind(c);
    if (is_loop(kind))
        return first_in_loop(k, c);
    if (kind == CXCursor_BreakStmt || kind == CXCursor_ContinueStmt)
        return FIRST_USE;  /* goes where this walk does not follow */
    if (kind == CXCursor_ReturnStmt)
        return names(k, c) ? FIRST_USE : FIRST_KILL;  /* nothing runs after it */
    if (!names(k, c) && !jumps_out(c))
        return FIRST_NONE;
    if (kind == CXCursor_CompoundStmt)
        return first_of_items(k, c, 0);
    if (kind == CXCursor_IfStmt)
        return first_in_if(k, c);
    if (kind == CXCursor_DeclStmt)
        return first_in_decl(k, c);
    if (binary_op(k->tu, c, ",")) {
        kids ch = children(c);
        enum first f = ch.n == 2 ? first_in(k, ch.c[0]) : FIRST_USE;
        if (f == FIRST_NONE)
            f = first_in(k, ch.c[1]);
        free(ch.c);
        return f;
    }
    return kills_expr(k, c) ? FIRST_KILL : FIRST_USE;
}

/* ---- from the site outwards ---------------------------------------------------- */

/* The path of statements from the body down to the one holding offset at
 * (a site's call) or equal to [start, end) (a loop whose back edge polls). */
typedef struct path {
    CXCursor *c;
    int n, cap;
} path;

static void path_push(path *p, CXCursor c)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->c = xrealloc(p->c, (size_t)p->cap * sizeof *p->c);
    }
    p->c[p->n++] = c;
}

/* Descends through compound statements, if branches and loop bodies to the
 * statement holding at; stops at any other statement (or a part of a
 * loop's or if's header), which ends the path. Returns 0 when the path
 * leaves what it follows (a switch, a label). */
static int descend(CXCursor c, unsigned at, unsigned stop_start, unsigned stop_end, path *p)
{
    path_push(p, c);
    if (cur_start(c) == stop_start && cur_end(c) == stop_end)
        return 1;
    enum CXCursorKind kind = clang_getCursorKind(c);
    if (kind != CXCursor_CompoundStmt && kind != CXCursor_IfStmt && !is_loop(kind))
        return clang_isExpression(kind) || kind == CXCursor_DeclStmt || kind == CXCursor_ReturnStmt;
    kids ch = children(c);
    int ok = 1, found = 0;
    for (int i = 0; i < ch.n && !found; i++) {
        if (at < cur_start(ch.c[i]) || at >= cur_end(ch.c[i]))
            continue;
        found = 1;
        int header = kind != CXCursor_CompoundStmt && (kind == CXCursor_IfStmt ? i == 0
                                                        : kind == CXCursor_DoStmt ? i != 0 : i != ch.n - 1);
        ok = header ? stop_start == 0 && stop_end == 0 : descend(ch.c[i], at, stop_start, stop_end, p);
    }
    free(ch.c);
    return ok && found;
}

/* After a loop's body ends (a back edge): its increment and condition, then
 * the body again or what follows the loop (the caller's next step). */
static enum first back_edge(const kctx *k, CXCursor loop)
{
    kids ch = children(loop);
    enum first f = FIRST_NONE;
    CXCursor body = ch.c[clang_getCursorKind(loop) == CXCursor_DoStmt ? 0 : ch.n - 1];
    for (int i = 0; i < ch.n; i++)
        if (!clang_equalCursors(ch.c[i], body) && names(k, ch.c[i]))
            f = FIRST_USE;
    if (f == FIRST_NONE && first_in(k, body) == FIRST_USE)
        f = FIRST_USE;
    free(ch.c);
    return f;
}

/* What runs after statement p->c[d] ends, up to the function's end. */
static enum first after(const kctx *k, const path *p, int d)
{
    for (; d > 0; d--) {
        CXCursor parent = p->c[d - 1], child = p->c[d];
        enum CXCursorKind kind = clang_getCursorKind(parent);
        enum first f = FIRST_NONE;
        if (kind == CXCursor_CompoundStmt) {
            kids ch = children(parent);
            int i = 0;
            while (i < ch.n && !clang_equalCursors(ch.c[i], child))
                i++;
            free(ch.c);
            f = first_of_items(k, parent, i + 1);
        } else if (is_loop(kind)) {
            f = back_edge(k, parent);
        } else if (kind != CXCursor_IfStmt) {
            f = FIRST_USE;
        }
        if (f != FIRST_NONE)
            return f;
    }
    return FIRST_KILL;  /* the function's end */
}

/* A declaration of several variables runs one at a time (mtcc makes each
 * a statement of its own when a later one calls): after a call at offset
 * at, the variables declared before the one whose initializer holds it
 * are done. */
static enum first rest_of_decl(const kctx *k, CXCursor c, unsigned at)
{
    kids ch = children(c);
    enum first f = FIRST_NONE;
    for (int i = 0; i < ch.n && f == FIRST_NONE; i++) {
        if (cur_end(ch.c[i]) <= at)
            continue;
        if (clang_equalCursors(ch.c[i], k->decl))
            f = names(k, ch.c[i]) ? FIRST_USE : FIRST_KILL;
        else if (names(k, ch.c[i]))
            f = FIRST_USE;
    }
    free(ch.c);
    return f;
}

/* The rest of statement c after a call in it (its site's position): a
 * return, an assignment to v, v's declaration, or an if whose condition
 * holds the call. k->at leaves out the names inside the calls that ran
 * before the site, which the statement does not evaluate again on this
 * pass (a loop's next turn does: the other steps count every name). */
static enum first rest_of(const kctx *k, CXCursor c, unsigned at)
{
    enum CXCursorKind kind = clang_getCursorKind(c);
    if (kind == CXCursor_IfStmt)
        return first_in_if(k, c);
    if (kind == CXCursor_ReturnStmt)
        return names(k, c) ? FIRST_USE : FIRST_KILL;
    if (kind == CXCursor_DeclStmt)
        return rest_of_decl(k, c, at);
    if (kills_expr(k, c))
        return FIRST_KILL;
    return names(k, c) ? FIRST_USE : FIRST_NONE;
}

int overwritten_first(const func *fn, CXCursor body, const site *s, int vi, const unsigned *at, int nat,
                      const unsigned *rest, int nrest)
{
    kctx k = { clang_Cursor_getTranslationUnit(body), fn->vars[vi].decl, at, nat };
    kctx after_call = { k.tu, k.decl, rest, nrest };
    path p = { 0 };
    enum first f = FIRST_USE;
    if (s->kind == SITE_CALL) {
        if (descend(body, s->call_start, 0, 0, &p) && p.n > 1) {
            f = rest_of(&after_call, p.c[p.n - 1], s->call_start);
            if (f == FIRST_NONE)
                f = after(&k, &p, p.n - 1);
        }
    } else if (s->nloops > 0) {
        const loop_span *l = &s->loops[s->nloops - 1];
        int at_back_edge = s->pos + 1 >= l->body_end && s->pos <= l->body_end;
        if (at_back_edge && descend(body, l->start, l->start, l->end, &p) && p.n > 1 &&
            is_loop(clang_getCursorKind(p.c[p.n - 1]))) {
            f = back_edge(&k, p.c[p.n - 1]);
            if (f == FIRST_NONE)
                f = after(&k, &p, p.n - 1);
        }
    }
    free(p.c);
    return f == FIRST_KILL;
}
