/* lift.c: calls that must not simply run before their statement: the right
 * operands of &&, || and the comma, the arms of ?:, a do-while condition
 * and a for loop's increment. Their operand moves with their resume sites:
 * into an if placed before the statement, whose value a temporary carries
 * back, or to the end of the loop's body, which continue then reaches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

int visit_lifted(walk *w, CXCursor c, unsigned at)
{
    int before = w->fn->nsites;
    lift_anchor saved = w->anchor;
    w->anchor.at_set = 1;
    w->anchor.at = at;
    visit(w, c, VISIT_PART);
    w->anchor = saved;
    return w->fn->nsites > before;
}

/* A temporary that carries a lifted expression's value to its statement:
 * it holds one at the sites after the lifted code's last piece (order) at
 * the same offset, which liveness (live.c) must know. */
static char *carrying_temp(func *fn, CXType type, CXCursor value, unsigned at, int order)
{
    char *tmp = new_temp(fn, type, value);
    fn->lifted = xrealloc(fn->lifted, (size_t)(fn->nlifted + 1) * sizeof *fn->lifted);
    fn->lifted[fn->nlifted++] = (lifted_temp){ fn->ntemps - 1, at, order };
    return tmp;
}

static edit *lifted_text(walk *w, unsigned at, int order, const char *text)
{
    edit *e = ed_add(&w->t->eb, at, at, order);
    ed_text(e, text);
    return e;
}

/* An operand in lifted code: its text with its own edits (its calls are
 * their temporaries), without the insertions of what encloses it. */
static void operand(edit *e, CXCursor c)
{
    ed_range_all(e, cur_start(c), cur_end(c));
}

/* The expression c gives way to the value the lifted code left in value
 * (NULL for void), cast to void when c is a whole statement. */
static void replace_expr(walk *w, CXCursor c, const char *value)
{
    char text[64];
    if (!value)
        snprintf(text, sizeof text, "(void)0");
    else
        snprintf(text, sizeof text, same_cursor(w->anchor.stmt, c) ? "(void)%s" : "%s", value);
    ed_replace_by_name(&w->t->eb, cur_start(c), cur_end(c), text);
}

/* Visits a binary operator's two operands, the right one after taking
 * the order its lifted code will start at (*head); 1 when the right one
 * made sites, which must then move with it. */
static int visit_operands(walk *w, kids ch, int *head)
{
    if (ch.n != 2) {  /* not a binary operator as libclang shows them */
        for (int i = 0; i < ch.n; i++)
            visit(w, ch.c[i], VISIT_PART);
        return 0;
    }
    visit(w, ch.c[0], VISIT_PART);
    *head = next_order(w);
    int sites = w->fn->nsites;
    visit(w, ch.c[1], VISIT_PART);
    return w->fn->nsites > sites;
}

/* a && b, a || b, with sites in b: before the statement
 *     t = !!(a); if (t) { sites of b; t = !!(b); }     (if (!t) for ||)
 * and t in its place. The sites of a go first, as for any operand. */
void visit_logical(walk *w, CXCursor c, int is_or)
{
    func *fn = w->fn;
    kids ch = children(c);
    int head;
    if (visit_operands(w, ch, &head)) {
        unsigned at = lift_point(w);
        int tail = next_order(w);
        char *tmp = carrying_temp(fn, clang_getCursorType(c), c, at, tail);
        char text[96];
        snprintf(text, sizeof text, "%s = !!(", tmp);
        edit *e = lifted_text(w, at, head, text);
        operand(e, ch.c[0]);
        snprintf(text, sizeof text, "); if (%s%s) { ", is_or ? "!" : "", tmp);
        ed_text(e, text);
        snprintf(text, sizeof text, "%s = !!(", tmp);
        e = lifted_text(w, at, tail, text);
        operand(e, ch.c[1]);
        ed_text(e, "); } ");
        replace_expr(w, c, tmp);
        free(tmp);
    }
    free(ch.c);
}

/* The type of conditional expression c, which a temporary carries: 1
 * when it can be written (or is void), else the function falls back. */
static int carriable(func *fn, CXCursor c, CXType *type, int *is_void)
{
    *type = clang_getCursorType(c);
    *is_void = clang_getCanonicalType(*type).kind == CXType_Void;
    char *named = *is_void ? NULL : declarator(*type, "x");
    if (!*is_void && !named) {
        set_fallback(fn, c, "a conditional expression whose type cannot be named");
        return 0;
    }
    free(named);
    return 1;
}

/* Appends "t = x; " (or "(void)(x); " without a temporary). */
static void assign_arm(edit *e, const char *tmp, CXCursor arm)
{
    char text[64];
    snprintf(text, sizeof text, tmp ? "%s = (" : "(void)(", tmp);
    ed_text(e, text);
    operand(e, arm);
    ed_text(e, "); ");
}

/* c ? x : y, with sites in x or y: before the statement
 *     if (c) { sites of x; t = x; } else { sites of y; t = y; }
 * and t in its place (none when the expression is void). The GNU form
 * a ?: b keeps calls out of b: their function falls back. */
void visit_conditional(walk *w, CXCursor c)
{
    func *fn = w->fn;
    kids ch = children(c);
    if (ch.n != 3) {
        for (int i = 0; i < ch.n; i++) {
            w->cond_ctx += i > 0;
            visit(w, ch.c[i], VISIT_PART);
            w->cond_ctx -= i > 0;
        }
        free(ch.c);
        return;
    }
    visit(w, ch.c[0], VISIT_PART);
    int head = next_order(w), sites = fn->nsites;
    visit(w, ch.c[1], VISIT_PART);
    int middle = next_order(w);
    visit(w, ch.c[2], VISIT_PART);
    CXType type;
    int is_void;
    if (fn->nsites > sites && carriable(fn, c, &type, &is_void)) {
        unsigned at = lift_point(w);
        int tail = next_order(w);
        char *tmp = is_void ? NULL : carrying_temp(fn, type, c, at, tail);
        edit *e = lifted_text(w, at, head, "if (");
        operand(e, ch.c[0]);
        ed_text(e, ") { ");
        e = lifted_text(w, at, middle, "");
        assign_arm(e, tmp, ch.c[1]);
        ed_text(e, "} else { ");
        e = lifted_text(w, at, tail, "");
        assign_arm(e, tmp, ch.c[2]);
        ed_text(e, "} ");
        replace_expr(w, c, tmp);
        free(tmp);
    }
    free(ch.c);
}

/* a, b with sites in b: a must run before them, so it goes first:
 *     (void)(a); sites of b;
 * and (b) in the comma's place. */
void visit_comma(walk *w, CXCursor c)
{
    kids ch = children(c);
    int head;
    if (visit_operands(w, ch, &head)) {
        unsigned at = lift_point(w);
        edit *e = lifted_text(w, at, head, "(void)(");
        operand(e, ch.c[0]);
        ed_text(e, "); ");
        e = ed_add(&w->t->eb, cur_start(c), cur_end(c), ORDER_PLAIN);
        ed_text(e, same_cursor(w->anchor.stmt, c) ? "(void)(" : "(");
        operand(e, ch.c[1]);
        ed_text(e, ")");
    }
    free(ch.c);
}

/* Every continue of the loop whose body is c (not those of loops inside
 * it) becomes a goto to label. */
static void jump_continues(walk *w, CXCursor c, const char *label)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_ContinueStmt) {
        char text[64];
        snprintf(text, sizeof text, "goto %s", label);
        ed_text(ed_add(&w->t->eb, cur_start(c), cur_end(c), ORDER_PLAIN), text);
        return;
    }
    if (k == CXCursor_ForStmt || k == CXCursor_WhileStmt || k == CXCursor_DoStmt)
        return;
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        jump_continues(w, ch.c[i], label);
    free(ch.c);
}

/* A loop part that runs after each pass of the body (text, with the part
 * itself where the part is written) moves to the body's end, behind a label
 * that the body's continue statements now jump to:
 *     { body __mt_next_N: ; sites of the part; text }
 * The part itself gives way to blank (hidden from the moved copy). */
static void move_to_body_end(walk *w, CXCursor body, CXCursor part, unsigned end, int head,
                             const char *before, const char *after, const char *blank)
{
    editbuf *eb = &w->t->eb;
    char label[48];
    snprintf(label, sizeof label, "__mt_next_%d", head);
    ed_text(ed_add(eb, cur_start(body), cur_start(body), ORDER_MOVED_BRACE), "{ ");
    char text[64];
    snprintf(text, sizeof text, "%s: ; ", label);
    lifted_text(w, end, head, text);
    edit *hide = ed_add(eb, cur_start(part), cur_end(part), ORDER_HIDDEN);  /* before the part's own edits */
    hide->hidden = 1;
    ed_text(hide, blank);
    edit *e = lifted_text(w, end, next_order(w), before);
    operand(e, part);
    ed_text(e, after);
    ed_text(ed_add(eb, end, end, closing_order(w->nanc, CLOSE_MOVED)), " }");
    jump_continues(w, body, label);
}

/* Visits a loop part that runs after the body, its lifted code at the
 * body's end (in the order band of code moved there), and moves it there
 * when it made sites, written as before + the part + after. */
static void lift_to_body_end(walk *w, CXCursor body, CXCursor part, const char *before, const char *after,
                             const char *blank)
{
    unsigned end = stmt_end(w->t, body);
    int base = w->order_base;
    w->order_base = moved_code_base(w->nanc);
    int head = next_order(w);
    if (visit_lifted(w, part, end))
        move_to_body_end(w, body, part, end, head, before, after, blank);
    w->order_base = base;
}

/* do B while (C), with sites in C:
 *     do { B __mt_next_N: ; sites of C; if (!(C)) break; } while (1) */
void lift_do_condition(walk *w, CXCursor body, CXCursor cond)
{
    lift_to_body_end(w, body, cond, "if (!(", ")) break; ", "1");
}

/* for (I; C; N) B, with sites in N:
 *     for (I; C; ) { B __mt_next_N: ; sites of N; (void)(N); } */
void lift_for_increment(walk *w, CXCursor body, CXCursor inc)
{
    lift_to_body_end(w, body, inc, "(void)(", "); ", "");
}

void for_parts(tunit *t, CXCursor loop, kids ch, int *init, int *cond, int *inc)
{
    for_clauses(t->tu, loop, ch, init, cond, inc);
}

void for_clauses(CXTranslationUnit tu, CXCursor loop, kids ch, int *init, int *cond, int *inc)
{
    *init = *cond = *inc = -1;
    unsigned paren, first, second;
    if (!find_token(tu, loop, cur_start(loop), "(", &paren) ||
        !find_token(tu, loop, paren + 1, ";", &first) || !find_token(tu, loop, first + 1, ";", &second))
        return;
    for (int i = 0; i + 1 < ch.n; i++) {  /* the last child is the body */
        unsigned at = cur_start(ch.c[i]);
        if (at < first)
            *init = i;
        else if (at < second)
            *cond = i;
        else
            *inc = i;
    }
}

int is_binary_conditional(tunit *t, CXCursor c)
{
    if (clang_getCursorKind(c) != CXCursor_UnexposedExpr)
        return 0;
    kids ch = children(c);
    unsigned q, colon;
    int yes = ch.n == 4 && cur_start(ch.c[0]) == cur_start(ch.c[1]) && cur_end(ch.c[0]) == cur_end(ch.c[2]) &&
              find_token(t->tu, c, cur_end(ch.c[0]), "?", &q) && find_token(t->tu, c, q + 1, ":", &colon) &&
              colon < cur_start(ch.c[3]);
    free(ch.c);
    return yes;
}

/* a ?: b, with sites in b: before the statement
 *     t = a; if (!t) { sites of b; t = b; }
 * and t in its place. libclang shows a three times among the children
 * (the common expression and its two uses): it is visited once. */
void visit_binary_conditional(walk *w, CXCursor c)
{
    func *fn = w->fn;
    kids ch = children(c);
    visit(w, ch.c[0], VISIT_PART);
    int head = next_order(w), sites = fn->nsites;
    visit(w, ch.c[3], VISIT_PART);
    CXType type;
    int is_void;
    if (fn->nsites > sites && carriable(fn, c, &type, &is_void)) {
        unsigned at = lift_point(w);
        int tail = next_order(w);
        char *tmp = carrying_temp(fn, type, c, at, tail);
        char text[96];
        snprintf(text, sizeof text, "%s = (", tmp);
        edit *e = lifted_text(w, at, head, text);
        operand(e, ch.c[0]);
        snprintf(text, sizeof text, "); if (!%s) { ", tmp);
        ed_text(e, text);
        e = lifted_text(w, at, tail, "");
        assign_arm(e, tmp, ch.c[3]);
        ed_text(e, "} ");
        replace_expr(w, c, tmp);
        free(tmp);
    }
    free(ch.c);
}
