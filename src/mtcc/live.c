/* live.c: which variables and temporaries each resume site saves and
 * reloads: only those that may still be read after it (SNOW's live-variable
 * analysis, kept to where it is simple to know).
 *
 * Control flow inside a function without goto is structured: after a site,
 * execution only moves forward through the text, except on the back edge of
 * a loop around the site (break and return leave, continue and switch jump
 * forward). So a variable may be read after a site only if it is named
 * after the site's position, or anywhere in a loop around the site whose
 * back edge carries the variable: any loop, unless the variable is declared
 * in its body, where every iteration starts it afresh (its declaration
 * assigns it: mtcc gives every local without an initializer one).
 *
 * Names inside calls already lifted at the same position do not count:
 * those calls ran before the site (a call's arguments are not evaluated
 * again; the twin calls the callee's twin instead), except in the site's
 * own callee expression, which the twin evaluates again to find the twin
 * of a call through a pointer (t->fn). Any goto or label, or a site inside
 * a GNU statement expression (where the enclosing expression goes on after
 * the statement), makes every variable live in the function.
 *
 * A temporary that carries the value of an operand lifted with its calls
 * (lift.c: &&, ||, ?:) is assigned by the lifted code's last piece and read
 * by the statement: it holds a value at the sites lifted to the same
 * offset after that piece, and nowhere else.
 *
 * A dead variable is neither passed to the save helper nor reloaded; its
 * member in the frame record stays zero (frame records are allocated
 * zeroed), so the record's layout and type identity do not change. */
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

/* The names of variables in a function body, with their offsets. */
typedef struct refs {
    int *var;
    unsigned *at;
    int n, cap;
    int opaque;               /* a goto or a label: control flow not followed */
    unsigned *sx_start, *sx_end; /* statement expressions */
    int nsx, capsx;
} refs;

static void add_ref(refs *r, int vi, unsigned at)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->var = xrealloc(r->var, (size_t)r->cap * sizeof *r->var);
        r->at = xrealloc(r->at, (size_t)r->cap * sizeof *r->at);
    }
    r->var[r->n] = vi;
    r->at[r->n++] = at;
}

static void add_stmt_expr(refs *r, CXCursor c)
{
    if (r->nsx == r->capsx) {
        r->capsx = r->capsx ? r->capsx * 2 : 8;
        r->sx_start = xrealloc(r->sx_start, (size_t)r->capsx * sizeof *r->sx_start);
        r->sx_end = xrealloc(r->sx_end, (size_t)r->capsx * sizeof *r->sx_end);
    }
    r->sx_start[r->nsx] = cur_start(c);
    r->sx_end[r->nsx++] = cur_end(c);
}

/* Every name of a variable, written or read (a write counts: simpler, and
 * only ever keeps a variable live longer). */
static void collect(func *fn, CXCursor c, refs *r)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_DeclRefExpr) {
        int vi = find_var(fn, clang_getCursorReferenced(c));
        if (vi >= 0)
            add_ref(r, vi, cur_start(c));
    } else if (k == CXCursor_GotoStmt || k == CXCursor_LabelStmt) {
        r->opaque = 1;
    } else if (k == CXCursor_StmtExpr) {
        add_stmt_expr(r, c);
    }
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        collect(fn, ch.c[i], r);
    free(ch.c);
}

static int inside_stmt_expr(const refs *r, const site *s)
{
    for (int i = 0; i < r->nsx; i++)
        if (s->pos > r->sx_start[i] && s->pos < r->sx_end[i])
            return 1;
    return 0;
}

static int within(unsigned at, unsigned start, unsigned end) { return at >= start && at < end; }

/* 1 when offset at lies in what resuming in s's call evaluates again: its
 * callee expression, or the whole call of a blocking runtime call (a lock,
 * a wait), which the twin makes again with the same arguments. */
static int evaluated_again(const site *s, unsigned at)
{
    if (s->kind != SITE_CALL)
        return 0;
    if (s->reissue)
        return within(at, s->call_start, s->call_end);
    return within(at, s->callee_start, s->callee_end);
}

/* 1 when offset at lies in a call lifted at s's position before s, or in
 * s's own call outside its callee: evaluated before s, and not again after
 * it. Resuming in s's call evaluates its callee again (with the calls
 * lifted out of it replaced by their temporaries). */
static int already_run(const func *fn, const site *s, unsigned at)
{
    for (int i = 0; i < s->no - 1; i++) {
        const site *m = fn->sites[i];
        if (m->kind == SITE_CALL && m->pos == s->pos && within(at, m->call_start, m->call_end))
            return 1;
    }
    return s->kind == SITE_CALL && within(at, s->call_start, s->call_end) && !evaluated_again(s, at);
}

/* The outermost loop around s whose back edge carries variable vi, or
 * NULL. Loops declaring it in their body come first, as they nest. */
static const loop_span *carrying_loop(const func *fn, const site *s, int vi)
{
    unsigned decl = cur_start(fn->vars[vi].decl);
    for (int i = 0; i < s->nloops; i++)
        if (fn->vars[vi].is_param || !within(decl, s->loops[i].body_start, s->loops[i].body_end))
            return &s->loops[i];
    return NULL;
}

static int named_later(const func *fn, const site *s, const refs *r, int vi)
{
    const loop_span *loop = carrying_loop(fn, s, vi);
    for (int i = 0; i < r->n; i++) {
        if (r->var[i] != vi)
            continue;
        unsigned at = r->at[i];
        if (loop && within(at, loop->start, loop->end))
            return 1;
        if (at >= s->pos && !already_run(fn, s, at))
            return 1;
    }
    return 0;
}

/* Named later, and not assigned first on every path from s (kills.c). A
 * function whose self tail calls are jumps loops where its statements do
 * not say (begin_tail_loop), and calls in tail position leave early: both
 * keep the rule by names alone. */
static int var_live(const func *fn, CXCursor body, const site *s, const refs *r, int vi)
{
    if (!named_later(fn, s, r, vi))
        return 0;
    if (fn->tail_calls || fn->nsib)
        return 1;
    unsigned *at = xcalloc((size_t)r->n, sizeof *at), *rest = xcalloc((size_t)r->n, sizeof *rest);
    int n = 0, nrest = 0;
    for (int i = 0; i < r->n; i++) {
        if (r->var[i] != vi)
            continue;
        at[n++] = r->at[i];
        if (!already_run(fn, s, r->at[i]))
            rest[nrest++] = r->at[i];
    }
    int live = !overwritten_first(fn, body, s, vi, at, n, rest, nrest);
    free(at);
    free(rest);
    return live;
}

/* The temporary of site k holds a value at site s from k's call until the
 * call or statement that reads it: k's statement, unless a call lifted
 * after k at the same position contains k's call (then it took the value
 * as an argument; but if that call is s's and k's call is in its callee,
 * resuming in s's call reads it again). Sites at another position run
 * before k or after k's statement (statement expressions aside). */
static int temp_live(const func *fn, const site *k, const site *s)
{
    if (k->pos != s->pos || k->no > s->no)
        return 0;
    for (int i = k->no; i < s->no; i++) {
        const site *m = fn->sites[i];
        if (m->kind != SITE_CALL || m->pos != s->pos || !within(k->call_start, m->call_start, m->call_end))
            continue;
        return m == s && evaluated_again(s, k->call_start);
    }
    return 1;
}

void liveness(func *fn, CXCursor body)
{
    refs r = { 0 };
    collect(fn, body, &r);
    int tangled = 0;   /* a site inside a statement expression */
    for (int i = 0; i < fn->nsites; i++)
        tangled |= inside_stmt_expr(&r, fn->sites[i]);
    for (int i = 0; i < fn->nsites; i++) {
        site *s = fn->sites[i];
        s->live = xcalloc((size_t)(fn->nvars ? fn->nvars : 1), 1);
        s->live_temp = xcalloc((size_t)(fn->ntemps ? fn->ntemps : 1), 1);
        for (int v = 0; v < fn->nvars; v++)
            s->live[v] = tangled || r.opaque || fn->vars[v].always_live || var_live(fn, body, s, &r, v);
        for (int j = 0; j < fn->nsites; j++) {
            const site *k = fn->sites[j];
            if (k->temp_index >= 0)
                s->live_temp[k->temp_index] = tangled || temp_live(fn, k, s);
        }
        for (int j = 0; j < fn->nlifted; j++) {
            const lifted_temp *l = &fn->lifted[j];
            s->live_temp[l->temp_index] = tangled || (s->pos == l->pos && s->order > l->order);
        }
    }
    free(r.var);
    free(r.at);
    free(r.sx_start);
    free(r.sx_end);
}
