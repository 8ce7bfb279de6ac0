/* tailcall.c: a function's calls to itself in tail position become a jump
 * back to its start. gcc -O2 makes that loop itself, and then inlines the
 * remaining recursion into it, but not once a check follows the call: so
 * mtcc makes the loop first. Without it fib(40) ran 1.9x slower than the
 * plain build, and a deep tail recursion that -O2 runs in constant stack
 * overflowed.
 *
 *   return f(a, b);            ->  { T0 __mt_a0 = (a); T1 __mt_a1 = (b);
 *                                    p0 = __mt_a0; p1 = __mt_a1; POLL goto __mt_tail; }
 *   return e + f(a);  (or e * f(a), with an integer result)
 *                              ->  __mt_acc = __mt_acc + e, then as above; every
 *                                  other return x becomes return __mt_acc + x
 *   f(a); at the end of a function returning void: as the first form.
 *
 * The accumulator adds (or multiplies) in unsigned long long, where both
 * wrap, so regrouping the sum cannot overflow where the original did not
 * (for results of plain integer types: not _Bool, whose conversion is not
 * by bits, and not wider than 64 bits);
 * converting back to the return type keeps the low bits, which are those
 * of the original's result. A poll at the jump is the adaptation point
 * the check after the call was, unless the statement's own call checks on
 * every pass (fib(n - 1) + fib(n - 2)); when no turn can run long (no
 * loop, no call but to itself or to a leaf without a loop), it polls once
 * every TAIL_TURNS turns, counted down in a register. The function becomes a loop around its
 * whole body, which liveness must see (a parameter read anywhere is live
 * at every site); the accumulator is live everywhere.
 *
 * Only functions whose parameters can be assigned (none const) and whose
 * locals are not pinned qualify: a pinned local's address may have been
 * passed to the call, whose frame the original kept apart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

static int is_self_call(func *fn, CXCursor e)
{
    if (clang_getCursorKind(e) != CXCursor_CallExpr)
        return 0;
    CXCursor callee = called_function(e);
    if (clang_Cursor_isNull(callee) ||
        !same_cursor(clang_getCanonicalCursor(callee), clang_getCanonicalCursor(fn->cursor)))
        return 0;
    int nparams = 0;
    for (int i = 0; i < fn->nvars; i++)
        nparams += fn->vars[i].is_param;
    return clang_Cursor_getNumArguments(e) == nparams;
}

/* What a returned expression is: a tail call (op 0 or the accumulating
 * operator, with *call and *other set), or nothing (-1). Of a + b with two
 * self-calls, b is the tail call (it runs last, as mtcc lifts operands
 * left to right); a self-call on the left is one only when the right
 * operand calls nothing, so that no call moves across another. */
static int tail_form(tunit *t, func *fn, CXCursor e, CXCursor *call, CXCursor *other)
{
    e = bare_expr(e);
    if (is_self_call(fn, e)) {
        *call = e;
        *other = clang_getNullCursor();
        return 0;
    }
    if (clang_getCursorKind(e) != CXCursor_BinaryOperator || !plain_integer_type(fn->ret) ||
        !plain_integer_type(clang_getCursorType(e)))
        return -1;
    char *op = operator_of(t->tu, e);
    int c = strcmp(op, "+") == 0 ? '+' : strcmp(op, "*") == 0 ? '*' : -1;
    free(op);
    kids ch = children(e);
    int form = -1;
    if (c > 0 && ch.n == 2) {
        CXCursor l = bare_expr(ch.c[0]), r = bare_expr(ch.c[1]);
        if (is_self_call(fn, r)) {
            *call = r;
            *other = ch.c[0];
            form = c;
        } else if (is_self_call(fn, l) && !contains_call(ch.c[1])) {
            *call = l;
            *other = ch.c[1];
            form = c;
        }
    }
    free(ch.c);
    return form;
}

/* 1 when statement s of block b is followed by a plain return. */
static int followed_by_return(CXCursor b, CXCursor s)
{
    kids ch = children(b);
    int yes = 0;
    for (int j = 0; j + 1 < ch.n; j++)
        if (same_cursor(ch.c[j], s)) {
            kids next = children(ch.c[j + 1]);
            yes = clang_getCursorKind(ch.c[j + 1]) == CXCursor_ReturnStmt && next.n == 0;
            free(next.c);
        }
    free(ch.c);
    return yes;
}

/* 1 when the statement anc[n-1] (anc[0] being the body) is the last thing
 * a void function does: followed by a plain return, or the last statement
 * of blocks and if-branches up to the body. */
int in_tail_position(CXCursor *anc, int n)
{
    if (n > 1 && clang_getCursorKind(anc[n - 2]) == CXCursor_CompoundStmt && followed_by_return(anc[n - 2], anc[n - 1]))
        return 1;
    for (int i = n - 1; i > 0; i--) {
        enum CXCursorKind pk = clang_getCursorKind(anc[i - 1]);
        kids ch = children(anc[i - 1]);
        int ok = ch.n > 0 && (pk == CXCursor_CompoundStmt ? same_cursor(ch.c[ch.n - 1], anc[i])
                              : pk == CXCursor_IfStmt && !same_cursor(ch.c[0], anc[i]));
        free(ch.c);
        if (!ok)
            return 0;
    }
    return 1;
}

typedef struct scan {
    tunit *t;
    func *fn;
    CXCursor *anc;
    int nanc, cap;
    int plain, plus, times;
    CXCursor *calls;        /* the tail calls, each with its form (0, '+' or '*') */
    int *forms, ncalls;
} scan;

static void keep_call(scan *s, CXCursor call, int form)
{
    s->calls = xrealloc(s->calls, (size_t)(s->ncalls + 1) * sizeof *s->calls);
    s->forms = xrealloc(s->forms, (size_t)(s->ncalls + 1) * sizeof *s->forms);
    s->calls[s->ncalls] = call;
    s->forms[s->ncalls++] = form;
}

static void count_tail_calls(scan *s, CXCursor c)
{
    if (s->nanc == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 32;
        s->anc = xrealloc(s->anc, (size_t)s->cap * sizeof *s->anc);
    }
    s->anc[s->nanc++] = c;
    enum CXCursorKind k = clang_getCursorKind(c);
    kids ch = children(c);
    CXCursor call, other;
    if (k == CXCursor_ReturnStmt && ch.n == 1 && !s->fn->ret_void) {
        int form = tail_form(s->t, s->fn, ch.c[0], &call, &other);
        s->plain += form == 0;
        s->plus += form == '+';
        s->times += form == '*';
        if (form >= 0)
            keep_call(s, call, form);
    } else if (k == CXCursor_CallExpr && s->fn->ret_void && is_self_call(s->fn, c) &&
               in_tail_position(s->anc, s->nanc)) {
        s->plain++;
        keep_call(s, c, 0);
    }
    for (int i = 0; i < ch.n; i++)
        if (clang_isStatement(clang_getCursorKind(ch.c[i])) || clang_getCursorKind(ch.c[i]) == CXCursor_CallExpr)
            count_tail_calls(s, ch.c[i]);
    free(ch.c);
    s->nanc--;
}

/* 1 when nothing in c may run long: no loop, and no call but to the
 * function itself or to a leaf without a loop (a library call may block
 * or take long), or a call whose value is returned (it ends the loop: a
 * state function's call of the next state). */
static int short_turns(tunit *t, func *fn, CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_ForStmt || k == CXCursor_WhileStmt || k == CXCursor_DoStmt || k == CXCursor_GotoStmt ||
        k == CXCursor_IndirectGotoStmt)
        return 0;
    if (k == CXCursor_ReturnStmt) {
        kids ch = children(c);
        CXCursor call = ch.n == 1 ? bare_expr(ch.c[0]) : clang_getNullCursor();
        free(ch.c);
        if (!clang_Cursor_isNull(call) && clang_getCursorKind(call) == CXCursor_CallExpr) {
            int n = clang_Cursor_getNumArguments(call), ok = 1;
            for (int i = 0; i < n && ok; i++)
                ok = short_turns(t, fn, clang_Cursor_getArgument(call, (unsigned)i));
            return ok;
        }
    }
    if (k == CXCursor_CallExpr && !is_self_call(fn, c)) {
        CXCursor callee = called_function(c);
        int looping = 1;
        if (clang_Cursor_isNull(callee) || !is_leaf(t, callee, &looping) || looping)
            return 0;
    }
    kids ch = children(c);
    int ok = 1;
    for (int i = 0; i < ch.n && ok; i++)
        ok = short_turns(t, fn, ch.c[i]);
    free(ch.c);
    return ok;
}

static int copyable(CXCursor c);

void plan_tail_calls(tunit *t, func *fn, CXCursor body)
{
    if (fn->is_main || fn->fallback || fn->npinned ||
        clang_getCursorType(fn->cursor).kind != CXType_FunctionProto)
        return;
    for (int i = 0; i < fn->nvars; i++)
        if (fn->vars[i].is_param && clang_isConstQualifiedType(fn->vars[i].type))
            return;
    scan s = { .t = t, .fn = fn };
    count_tail_calls(&s, body);
    free(s.anc);
    fn->tail_op = s.plus || s.times ? (s.plus >= s.times ? '+' : '*') : 0;
    fn->tail_calls = s.plain + (fn->tail_op == '+' ? s.plus : s.times);
    fn->tail_countdown = fn->tail_calls && short_turns(t, fn, body);
    fn->tail_unroll = fn->tail_countdown && fn->body_end - fn->body_start <= TAIL_COPY_BYTES && copyable(body);
    int njumps = 0;  /* the calls that become jumps */
    for (int i = 0; i < s.ncalls; i++)
        if (s.forms[i] == 0 || s.forms[i] == fn->tail_op)
            s.calls[njumps++] = s.calls[i];
    if (fn->tail_unroll)
        fn->tail_chunk = plan_tail_chunk(t, fn, body, s.calls, njumps);
    free(s.calls);
    free(s.forms);
}

/* 1 when statement c can be written several times in one function: no
 * label (a goto's or a case's outside a switch of its own would be
 * defined twice) and no asm (its own labels would be). */
static int copyable(CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_LabelStmt || k == CXCursor_AsmStmt || k == CXCursor_MSAsmStmt)
        return 0;
    kids ch = children(c);
    int ok = 1;
    for (int i = 0; i < ch.n && ok; i++)
        ok = copyable(ch.c[i]);
    free(ch.c);
    return ok;
}

void tail_copies(func *fn, edit *e)
{
    if (!fn->tail_unroll || fn->tail_countdown != 2)
        return;
    strbuf after = { 0 };  /* falling off a copy's end returns, as the function's end does */
    if (fn->ret_void)
        sb_put(&after, "return;");
    else {
        char *z = declarator(fn->ret, "__mt_z");
        sb_printf(&after, "{ %s = {0}; return __mt_z; }", z);
        free(z);
    }
    const tail_chunk *tc = fn->tail_chunk;
    if (tc) {  /* the chunk and the short loop before the body in place (tailchunk.c) */
        ed_normal_text(e, tc->head);
        ed_copy(e, fn->body_start + 1, fn->body_end, 1, after.s);
        ed_normal_text(e, tc->mid);
        ed_copy(e, fn->body_start + 1, fn->body_end, 2, after.s);
        ed_normal_text(e, " }");
    } else
        ed_copies(e, fn->body_start + 1, fn->body_end, TAIL_COPIES - 1, TAIL_COPY_LABEL, after.s);
    free(after.s);
}

/* 1 when expression c runs, on every evaluation, a call that got a resume
 * site while it was visited (sites_before being their number before): c
 * itself, or a call inside it that is not in an operand evaluated on some
 * paths only (an arm of ?:, the right of && or ||, a statement
 * expression). Its check runs on every pass, before the jump, and is the
 * pass's adaptation point: `1 + check(n->left) + check(n->right)`. */
static int made_call_site(walk *w, CXCursor c, int sites_before)
{
    CXCursor b = bare_expr(c);
    enum CXCursorKind k = clang_getCursorKind(b);
    if (k == CXCursor_CallExpr) {
        for (int i = sites_before; i < w->fn->nsites; i++) {
            const site *s = w->fn->sites[i];
            if (s->kind == SITE_CALL && s->call_start == cur_start(b) && s->call_end == cur_end(b))
                return 1;
        }
    }
    if (k == CXCursor_StmtExpr)
        return 0;
    int first_only = k == CXCursor_ConditionalOperator || k == CXCursor_UnexposedExpr;  /* GNU a ?: b is unexposed */
    if (k == CXCursor_BinaryOperator) {
        char *op = operator_of(w->t->tu, b);
        first_only = strcmp(op, "&&") == 0 || strcmp(op, "||") == 0;
        free(op);
    }
    kids ch = children(b);
    int found = 0;
    for (int i = 0; i < ch.n && !found && (i == 0 || !first_only); i++)
        found = made_call_site(w, ch.c[i], sites_before);
    free(ch.c);
    return found;
}

/* "{ T0 __mt_a0 = (a0); ...; p0 = __mt_a0; ...; " into e: every argument
 * is evaluated before any parameter changes. */
static int assign_params(walk *w, edit *e, CXCursor call)
{
    func *fn = w->fn;
    int n = clang_Cursor_getNumArguments(call), checked = 0;
    ed_text(e, "{ ");
    for (int i = 0, p = 0; i < n; i++, p++) {
        while (!fn->vars[p].is_param)
            p++;
        char tmp[32];
        snprintf(tmp, sizeof tmp, "__mt_a%d", i);
        CXCursor arg = clang_Cursor_getArgument(call, (unsigned)i);
        int sites_before = w->fn->nsites;
        visit(w, arg, VISIT_PART);
        checked |= made_call_site(w, arg, sites_before);
        char *d = var_declarator(&fn->vars[p], tmp);
        ed_text(e, d);
        free(d);
        ed_text(e, " = (");
        ed_expr(e, cur_start(arg), cur_end(arg));
        ed_text(e, "); ");
    }
    for (int i = 0, p = 0; i < n; i++, p++) {
        while (!fn->vars[p].is_param)
            p++;
        strbuf b = { 0 };
        sb_printf(&b, "%s = __mt_a%d; ", fn->vars[p].name, i);
        ed_text(e, b.s);
        free(b.s);
    }
    return checked;
}

/* The jump that ends a rewritten tail call, after a poll unless a call
 * of the statement already checked (fib's first call). */
static void jump_back(walk *w, edit *e, unsigned end, int checked)
{
    func *fn = w->fn;
    int first = e->nsegs;
    if (!checked) {
        site *s = new_site(w, SITE_POLL);
        s->pos = end;
        if (fn->tail_countdown && fn->tail_chunk) {  /* the function polls once a chunk, the twin counts down */
            fn->tail_countdown = 2;
            ed_twin_text(e, "if (MT_UNLIKELY(--__mt_cd == 0)) { __mt_cd = " TAIL_TURNS "; ");
            ed_normal_text(e, "{ ");
        } else if (fn->tail_countdown) {
            fn->tail_countdown = 2;
            ed_text(e, "if (MT_UNLIKELY(--__mt_cd == 0)) { __mt_cd = ");
            if (fn->tail_unroll) {  /* the function's last copy counts rounds of TAIL_COPIES turns */
                char n[32];
                snprintf(n, sizeof n, "%d", TAIL_TURNS_N / TAIL_COPIES);
                ed_normal_text(e, n);
                ed_twin_text(e, TAIL_TURNS);
            } else
                ed_text(e, TAIL_TURNS);
            ed_text(e, "; ");
        }
        ed_site(e, s);
        if (fn->tail_countdown)
            ed_text(e, " }");
    }
    ed_text(e, "goto __mt_tail;");
    if (fn->tail_unroll) {  /* a copy jumps to the next, without polling */
        for (int i = first; i < e->nsegs; i++)
            e->segs[i].not_in_copy = 1;
        ed_next_copy(e, TAIL_COPY_LABEL);
    }
    ed_text(e, " }");
}

const char *tail_acc_type(const func *fn)
{
    switch (clang_getCanonicalType(fn->ret).kind) {
    case CXType_Long: case CXType_ULong:
        return "unsigned long";
    case CXType_LongLong: case CXType_ULongLong:
        return "unsigned long long";
    default:  /* int, and the types an int holds (narrower, promoted to int) */
        return "unsigned int";
    }
}

/* "(T)((A)__mt_acc + (A)(T)(", which the caller closes with "))" after
 * the operand; a jump's assignment leaves out the first (T). In the twin
 * A is unsigned long long and the accumulator, restored from a frame, has
 * type T. In the function the accumulator has type A, the unsigned type
 * of T's width (tail_acc_type): assigned a sum converted to T, gcc kept
 * that sum apart from the loop's and copied it on every turn (sum, 4
 * instructions a turn against the plain build's 3). Both wrap, and T
 * takes the low bits of either. */
static void accumulate_with(func *fn, edit *e, int assign)
{
    char *cast = declarator(fn->ret, "");
    strbuf b = { 0 };
    sb_printf(&b, "(%s)", cast);
    if (assign)
        ed_twin_text(e, b.s);
    else
        ed_text(e, b.s);
    b.len = 0;
    sb_printf(&b, "((unsigned long long)__mt_acc %c (unsigned long long)(%s)(", fn->tail_op, cast);
    ed_twin_text(e, b.s);
    b.len = 0;
    const char *a = tail_acc_type(fn);
    sb_printf(&b, "((%s)__mt_acc %c (%s)(%s)(", a, fn->tail_op, a, cast);
    ed_normal_text(e, b.s);
    free(b.s);
    free(cast);
}

/* Appends to e what returning value becomes: a jump for a tail call the
 * function turns into one, else a return (of the accumulated value in an
 * accumulating function). end is where the statement ends; checked is 1
 * when the statement before it checked after a call on this same pass. */
static void return_or_jump(walk *w, edit *e, CXCursor value, unsigned end, int checked)
{
    func *fn = w->fn;
    CXCursor call, other;
    int form = tail_form(w->t, fn, value, &call, &other);
    if (form == 0 || (form > 0 && form == fn->tail_op)) {
        if (form > 0) {
            int sites_before = fn->nsites;
            visit(w, other, VISIT_PART);
            checked |= made_call_site(w, other, sites_before);
            ed_text(e, "{ __mt_acc = ");
            accumulate_with(fn, e, 1);
            ed_expr(e, cur_start(other), cur_end(other));
            ed_text(e, ")); ");
        }
        checked |= assign_params(w, e, call);
        jump_back(w, e, end, checked);
        if (form > 0)
            ed_text(e, " }");
        return;
    }
    visit(w, value, VISIT_PART);
    ed_text(e, "return ");
    if (fn->tail_op)
        accumulate_with(fn, e, 0);
    else
        ed_text(e, "((");
    ed_expr(e, cur_start(value), cur_end(value));
    ed_text(e, "));");
}

int visit_tail_return(walk *w, CXCursor ret)
{
    func *fn = w->fn;
    if (!fn->tail_calls || fn->ret_void)
        return 0;
    kids ch = children(ret);
    CXCursor value = ch.n == 1 ? ch.c[0] : clang_getNullCursor(), call, other;
    free(ch.c);
    if (clang_Cursor_isNull(value))
        return 0;
    int form = tail_form(w->t, fn, value, &call, &other);
    if (form != 0 && !fn->tail_op)
        return 0;  /* an ordinary return */
    /* (a returned c ? a : b is an if by now: normalise.c) */
    unsigned end = stmt_end(w->t, ret);
    return_or_jump(w, ed_add(&w->t->eb, cur_start(ret), end, ORDER_PLAIN), value, end,
                   same_cursor(w->after_check, ret));
    return 1;
}

int visit_tail_statement(walk *w, CXCursor call)
{
    func *fn = w->fn;
    if (!fn->tail_calls || !fn->ret_void || !same_cursor(w->anchor.stmt, call) || !is_self_call(fn, call) ||
        !in_tail_position(w->anc, w->nanc))
        return 0;
    unsigned end = stmt_end(w->t, call);
    edit *e = ed_add(&w->t->eb, cur_start(call), end, ORDER_PLAIN);
    jump_back(w, e, end, assign_params(w, e, call));
    return 1;
}

void begin_tail_loop(walk *w)
{
    func *fn = w->fn;
    if (!fn->tail_calls)
        return;
    const tail_chunk *tc = fn->tail_chunk;
    if (tc) {  /* in the chunk's copy the exit test is known not to hold */
        ed_copy_text(ed_add(&w->t->eb, tc->cond_start, tc->cond_start, ORDER_PLAIN), 1,
                     tc->exit_in_else ? "1 || (" : "0 && (");
        ed_copy_text(ed_add(&w->t->eb, tc->cond_end, tc->cond_end, ORDER_PLAIN), 1, ")");
    }
    /* the jumps' target follows the locals mtcc declares (emit.c) */
    w->caploops = 8;
    w->loops = xrealloc(w->loops, (size_t)w->caploops * sizeof *w->loops);
    w->loops[w->nloops++] = (loop_span){ fn->body_start, fn->body_end, fn->body_start, fn->body_end };
}

void add_accumulator(func *fn)
{
    if (!fn->tail_op)
        return;
    fn->tail_acc = fn->nvars;
    fn->vars = xrealloc(fn->vars, (size_t)(fn->nvars + 1) * sizeof *fn->vars);
    var *v = &fn->vars[fn->nvars++];
    memset(v, 0, sizeof *v);
    v->decl = clang_getNullCursor();
    v->name = xstrdup("__mt_acc");
    v->written = xstrdup("__mt_acc");
    v->member = xstrdup("__mt_acc");
    v->type = fn->ret;
    v->is_param = 1;     /* declared apart, saved whenever live, as parameters are */
    v->always_live = 1;
}
