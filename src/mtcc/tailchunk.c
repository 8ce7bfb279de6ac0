/* tailchunk.c: a loop of self tail calls (tailcall.c) counted by one
 * parameter is cut into chunks as stripmine.c cuts a counted for loop, so
 * that inside a chunk gcc sees the loop the plain build sees, with a trip
 * count it can compute, and no poll:
 *
 *   __mt_tail:
 *   if (!(EXIT) && DISTANCE > CHUNK) {            the test cannot end the next CHUNK turns
 *       T __mt_e = i - CHUNK;
 *       do { BODY, EXIT made false; its jumps: goto __mt_tail_1 } __mt_tail_1: while (i != __mt_e);
 *   } else {
 *       __mt_tail_2: { BODY; its jumps: goto __mt_tail_2 }     at most CHUNK turns to the exit
 *   }
 *   BODY; its jumps poll and goto __mt_tail        one turn a chunk
 *
 * where EXIT is `i == K`, `i <= K` or `i < K` when every jump passes i - 1
 * (`>=`, `>` with i + 1), K is made of constants and parameters every jump
 * passes unchanged, and EXIT is the condition of an if that every turn
 * reaches and one of whose branches leaves the function. gcc then
 * replaces a loop that only accumulates by its final value, as in the
 * plain build (`long d = depth(n - 1); return d + 1;` ran 11.9 times the
 * plain build's instructions with the copies of tailcall.c), and runs a
 * loop that does work as the plain build does.
 *
 * The three are the body rendered three times (edit.c, SEG_COPY, as
 * tailcall.c's copies are): the chunk's copy and the short loop's jump
 * without a poll, the turn in place polls (no countdown). At most CHUNK
 * turns run between two polls, as in a cut for loop. Sites and frames are
 * the function's own, and its twin is not cut (it polls through its
 * countdown), so checkpoints and restores see the function as before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

/* 1 when c holds a call of the function itself (kind 0) or a return
 * (kind 1). */
static int holds(func *fn, CXCursor c, int kind)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (kind == 1 && k == CXCursor_ReturnStmt)
        return 1;
    if (kind == 0 && k == CXCursor_CallExpr) {
        CXCursor callee = called_function(c);
        if (!clang_Cursor_isNull(callee) &&
            same_cursor(clang_getCanonicalCursor(callee), clang_getCanonicalCursor(fn->cursor)))
            return 1;
    }
    kids ch = children(c);
    int yes = 0;
    for (int i = 0; i < ch.n && !yes; i++)
        yes = holds(fn, ch.c[i], kind);
    free(ch.c);
    return yes;
}

/* 1 when statement c ends in a return on every path through it. */
static int ends_in_return(CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_ReturnStmt)
        return 1;
    kids ch = children(c);
    int yes = (k == CXCursor_CompoundStmt && ch.n > 0 && ends_in_return(ch.c[ch.n - 1])) ||
              (k == CXCursor_IfStmt && ch.n == 3 && ends_in_return(ch.c[1]) && ends_in_return(ch.c[2]));
    free(ch.c);
    return yes;
}

/* 1 when branch b of an if (null: an absent else) leaves the function
 * and holds no jump: it calls nothing of the function itself, and ends in
 * a return or the if is the function's last statement (last). */
static int leaves(func *fn, CXCursor b, int last)
{
    if (clang_Cursor_isNull(b))
        return last;
    return !holds(fn, b, 0) && (ends_in_return(b) || last);
}

typedef struct exit_test {
    CXCursor ifs;           /* the if whose condition ends the recursion */
    int in_else;            /* its else branch is the one that leaves */
} exit_test;

/* Whether if statement c is the exit test: one branch leaves (the then
 * branch preferred); sets *x. */
static int exit_if(func *fn, CXCursor c, int last, exit_test *x)
{
    kids ch = children(c);
    int ok = ch.n == 2 || ch.n == 3;
    CXCursor els = ch.n == 3 ? ch.c[2] : clang_getNullCursor();
    if (ok && leaves(fn, ch.c[1], last))
        *x = (exit_test){ c, 0 };
    else if (ok && leaves(fn, els, last))
        *x = (exit_test){ c, 1 };
    else
        ok = 0;
    free(ch.c);
    return ok;
}

/* Looks in compound statement c (the function's end follows it when last
 * is 1) for the first if that may be the exit test, every statement before
 * it free of returns and self calls so that every turn reaches it: 1 when
 * found, 0 when c holds no such statement and falls through, -1 when the
 * search must stop. */
static int find_exit(func *fn, CXCursor c, int last, exit_test *x)
{
    kids ch = children(c);
    int r = 0;
    for (int i = 0; i < ch.n && r == 0; i++) {
        CXCursor st = ch.c[i];
        int is_last = last && i == ch.n - 1;
        enum CXCursorKind k = clang_getCursorKind(st);
        if (k == CXCursor_IfStmt && exit_if(fn, st, is_last, x))
            r = 1;
        else if (k == CXCursor_CompoundStmt)
            r = find_exit(fn, st, is_last, x);
        else if (holds(fn, st, 0) || holds(fn, st, 1))
            r = -1;
    }
    free(ch.c);
    return r;
}

/* The argument a call of the function passes for its parameter vi. */
static CXCursor argument_for(func *fn, CXCursor call, int vi)
{
    unsigned a = 0;
    for (int p = 0; p < vi; p++)
        a += fn->vars[p].is_param != 0;
    return clang_Cursor_getArgument(call, a);
}

/* What a jump passes for parameter vi: 0 the parameter itself, -1 vi - 1,
 * +1 vi + 1, 2 anything else. */
static int step_of(tunit *t, func *fn, CXCursor arg, int vi)
{
    arg = bare_expr(arg);
    if (named_var(fn, arg) == vi)
        return 0;
    if (clang_getCursorKind(arg) != CXCursor_BinaryOperator)
        return 2;
    char *op = operator_of(t->tu, arg);
    kids ch = children(arg);
    long long one = 0;
    int step = 2;
    if (ch.n == 2 && named_var(fn, ch.c[0]) == vi && constant_int(ch.c[1], &one) && one == 1)
        step = strcmp(op, "-") == 0 ? -1 : strcmp(op, "+") == 0 ? 1 : 2;
    free(ch.c);
    free(op);
    return step;
}

/* The step every jump gives parameter vi (-1 or +1, the same in all),
 * else 0. */
static int common_step(tunit *t, func *fn, const CXCursor *calls, int ncalls, int vi)
{
    int step = 0;
    for (int c = 0; c < ncalls; c++) {
        int s = step_of(t, fn, argument_for(fn, calls[c], vi), vi);
        if (s == 0 || s == 2 || (step && s != step))
            return 0;
        step = s;
    }
    return step;
}

/* 1 when every variable marked in vars but the index is a parameter that
 * every jump passes unchanged. */
static int passed_unchanged(tunit *t, func *fn, const CXCursor *calls, int ncalls, const unsigned char *vars, int vi)
{
    for (int v = 0; v < fn->nvars; v++) {
        if (!vars[v] || v == vi)
            continue;
        if (!fn->vars[v].is_param)
            return 0;
        for (int c = 0; c < ncalls; c++)
            if (step_of(t, fn, argument_for(fn, calls[c], v), v) != 0)
                return 0;
    }
    return 1;
}

/* The comparison that ends the recursion, as `i OP K`: the operator
 * (after moving i to the left and negating for a test whose else branch
 * leaves), with *bound K (null for `!i` and `i`, which compare with 0),
 * or NULL when cond is no comparison of index vi with something else. */
static const char *exit_operator(tunit *t, func *fn, CXCursor cond, int vi, int in_else, CXCursor *bound)
{
    static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
    static const char *const swapped[] = { "==", "!=", ">", ">=", "<", "<=" };
    static const char *const negated[] = { "!=", "==", ">=", ">", "<=", "<" };
    cond = bare_expr(cond);
    *bound = clang_getNullCursor();
    enum CXCursorKind k = clang_getCursorKind(cond);
    char *op = k == CXCursor_BinaryOperator || k == CXCursor_UnaryOperator ? operator_of(t->tu, cond) : xstrdup("");
    kids ch = children(cond);
    int o = -1;
    if (named_var(fn, cond) == vi)
        o = 1;  /* i: i != 0 */
    else if (k == CXCursor_UnaryOperator && strcmp(op, "!") == 0 && ch.n == 1 && named_var(fn, ch.c[0]) == vi)
        o = 0;  /* !i: i == 0 */
    else if (k == CXCursor_BinaryOperator && ch.n == 2) {
        int left = named_var(fn, ch.c[0]) == vi, right = named_var(fn, ch.c[1]) == vi;
        int typed = same_integer_type(fn->vars[vi].type, clang_getCursorType(ch.c[0])) &&
                    same_integer_type(fn->vars[vi].type, clang_getCursorType(ch.c[1]));
        for (int i = 0; i < 6 && typed && left != right; i++)
            if (strcmp(op, ops[i]) == 0)
                o = i;
        if (o >= 0 && right)
            for (int i = 0; i < 6; i++)
                if (strcmp(swapped[o], ops[i]) == 0) {
                    o = i;
                    break;
                }
        if (o >= 0)
            *bound = ch.c[left ? 1 : 0];
    }
    free(ch.c);
    free(op);
    if (o < 0)
        return NULL;
    return in_else ? negated[o] : ops[o];
}

/* 1 when the exit op, with the index stepping by step, is reached by
 * stepping: ==, <=, < going down; ==, >=, > going up. */
static int reached(const char *op, int step)
{
    return strcmp(op, "==") == 0 ||
           (step < 0 ? strcmp(op, "<=") == 0 || strcmp(op, "<") == 0 : strcmp(op, ">=") == 0 || strcmp(op, ">") == 0);
}

/* The guard's and the chunk loop's text for index vi stepping by step,
 * the test being `i OP K` with K's source text k. The distance to K is
 * exact in unsigned long long for a signed index at or past K, and
 * beyond any chunk otherwise (a test of == that the index has passed
 * never ends the recursion; one of <= or < is true, and the guard's
 * first half false); an unsigned index's distance is taken in its own
 * type, where it steps. The chunk's end converts from unsigned long long,
 * so that computing it cannot overflow. */
static tail_chunk *chunk_text(func *fn, int vi, int step, const char *op, const char *k, CXCursor cond, int in_else)
{
    const var *v = &fn->vars[vi];
    char *cast = declarator(v->type, "");
    char *decl = var_declarator(v, "__mt_e");
    enum CXTypeKind kind = clang_getCanonicalType(v->type).kind;
    int is_signed = kind >= CXType_Char_S && kind <= CXType_Int128;
    const char *hi = step < 0 ? v->name : k, *lo = step < 0 ? k : v->name;
    strbuf d = { 0 }, h = { 0 }, m = { 0 };
    if (is_signed)
        sb_printf(&d, "(unsigned long long)(%s) - (unsigned long long)(%s)", hi, lo);
    else
        sb_printf(&d, "(unsigned long long)(%s)((%s) - (%s))", cast, hi, lo);
    sb_printf(&h, " if (!((%s) %s (%s)) && %s > " LOOP_TURNS ") { %s = (%s)((unsigned long long)(%s) %c " LOOP_TURNS
                  "); do {",
              v->name, op, k, d.s, decl, cast, v->name, step < 0 ? '-' : '+');
    sb_printf(&m, " " TAIL_COPY_LABEL "1: __attribute__((unused)); } while (%s != __mt_e); } else { " TAIL_COPY_LABEL
                  "2: __attribute__((unused));",
              v->name);
    tail_chunk *tc = xcalloc(1, sizeof *tc);
    *tc = (tail_chunk){ .head = h.s, .mid = m.s, .cond_start = cur_start(cond), .cond_end = cur_end(cond),
                        .exit_in_else = in_else };
    free(d.s);
    free(cast);
    free(decl);
    return tc;
}

/* The exit test's chunking with index vi, or NULL. */
static tail_chunk *with_index(tunit *t, func *fn, CXCursor body, const CXCursor *calls, int ncalls,
                              const exit_test *x, int vi)
{
    int step = common_step(t, fn, calls, ncalls, vi);
    if (!step || !private_integer(fn, vi) || !unpromoted(fn->vars[vi].type))
        return NULL;
    kids ch = children(x->ifs);
    CXCursor cond = ch.c[0], bound;
    free(ch.c);
    const char *op = exit_operator(t, fn, cond, vi, x->in_else, &bound);
    if (!op || !reached(op, step))
        return NULL;
    unsigned char *vars = xcalloc((size_t)fn->nvars + 1, 1);
    vars[vi] = 1;
    int zero = clang_Cursor_isNull(bound);  /* !i or i */
    int ok = (zero || invariant_bound(t, fn, bound, vars)) && passed_unchanged(t, fn, calls, ncalls, vars, vi) &&
             writes_none(t, fn, body, vars);
    free(vars);
    if (!ok)
        return NULL;
    unsigned ks = zero ? 0 : cur_start(bound), ke = zero ? 0 : cur_end(bound);
    char *k = ke > ks ? xcalloc(1, ke - ks + 1) : xstrdup("0");
    if (ke > ks)
        memcpy(k, t->eb.src + ks, ke - ks);
    tail_chunk *tc = chunk_text(fn, vi, step, op, k, cond, x->in_else);
    free(k);
    return tc;
}

tail_chunk *plan_tail_chunk(tunit *t, func *fn, CXCursor body, const CXCursor *calls, int ncalls)
{
    exit_test x;
    if (ncalls == 0 || find_exit(fn, body, 1, &x) != 1)
        return NULL;
    for (int vi = 0; vi < fn->nvars; vi++) {
        tail_chunk *tc = fn->vars[vi].is_param ? with_index(t, fn, body, calls, ncalls, &x, vi) : NULL;
        if (tc)
            return tc;
    }
    return NULL;
}
