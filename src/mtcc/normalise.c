/* normalise.c: rewrites equivalent source forms into the one form the
 * later passes match, on the preprocessed text, before the parse they work
 * on: a returned conditional becomes an if whose branches return, and a
 * self-call's value kept in a local only to be returned becomes the
 * returned call. Every rewrite evaluates exactly what the original did, in
 * the same order, with the same conversions; each keeps the text's lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

typedef struct norm {
    tunit *t;
    editbuf eb;             /* the rewrites, over t->eb.src */
    CXCursor fn;            /* the function being read */
    int void_fn;
} norm;

/* ---- text that keeps the lines --------------------------------------------------------- */

static void replace_keeping_lines(norm *n, unsigned start, unsigned end, const char *text)
{
    ed_replace_keeping_lines(&n->eb, n->t->eb.src, start, end, text);
}

/* 1 when [start, end) holds a line marker, which no rewrite may move. */
static int holds_marker(norm *n, unsigned start, unsigned end)
{
    for (unsigned i = start; i + 1 < end; i++)
        if (n->t->eb.src[i] == '\n' && n->t->eb.src[i + 1] == '#')
            return 1;
    return 0;
}

/* ---- a returned conditional is an if -------------------------------------------------- */

/* return c ? a : b;   ->  { if (c) return (T)(a); else return (T)(b); }
 * where T is the conditional's type, written only when it is arithmetic
 * and differs from the arm's (pointer and struct arms convert to the
 * return type alike either way), so that each arm converts as the
 * original's value did; arms that are conditionals themselves nest. In a
 * void function, with a void conditional:
 *   return c ? f(x) : g(y);  ->  { if (c) { f(x); return; } else { g(y); return; } }
 * The text becomes a list of pieces: generated text between source
 * ranges that stay in place (the condition, the arms' leaves). */
typedef struct piece {
    char *text;             /* what goes before the range */
    unsigned start, end;    /* the range kept */
} piece;

typedef struct pieces {
    piece *p;
    int n, cap;
    strbuf pending;         /* text for the next piece */
} pieces;

static void keep_range(pieces *ps, CXCursor c)
{
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? 2 * ps->cap : 8;
        ps->p = xrealloc(ps->p, (size_t)ps->cap * sizeof *ps->p);
    }
    ps->p[ps->n++] = (piece){ ps->pending.s ? ps->pending.s : xstrdup(""), cur_start(c), cur_end(c) };
    ps->pending = (strbuf){ 0 };
}

static int is_conditional(CXCursor c)
{
    return clang_getCursorKind(bare_expr(c)) == CXCursor_ConditionalOperator;
}

/* An enum type's integer type, else the canonical type. */
static CXType integer_view(CXType t)
{
    t = clang_getCanonicalType(t);
    return t.kind == CXType_Enum ? clang_getCanonicalType(clang_getEnumDeclIntegerType(clang_getTypeDeclaration(t))) : t;
}

/* 1 for an unsigned integer kind, 0 for a signed one, -1 otherwise
 * (wchar_t's signedness is the target's). */
static int unsigned_kind(enum CXTypeKind k)
{
    switch (k) {
    case CXType_Bool: case CXType_Char_U: case CXType_UChar: case CXType_Char16: case CXType_Char32:
    case CXType_UShort: case CXType_UInt: case CXType_ULong: case CXType_ULongLong: case CXType_UInt128:
        return 1;
    case CXType_Char_S: case CXType_SChar: case CXType_Short: case CXType_Int: case CXType_Long:
    case CXType_LongLong: case CXType_Int128:
        return 0;
    default:
        return -1;
    }
}

/* 1 when type to holds every value of type from exactly (an integer in a
 * wider one that keeps its sign, float in double): converting through to
 * then gives what converting straight to the return type gives, since a
 * conversion depends on the value only. */
static int holds_every_value(CXType from, CXType to)
{
    from = integer_view(from);
    to = integer_view(to);
    long long fs = clang_Type_getSizeOf(from), ts = clang_Type_getSizeOf(to);
    int fu = unsigned_kind(from.kind), tu = unsigned_kind(to.kind);
    if (fu >= 0 && tu >= 0 && fs > 0 && ts > 0)
        return from.kind == CXType_Bool || (fu == tu && ts >= fs) || (fu && !tu && ts > fs);
    return (from.kind == CXType_Float && (to.kind == CXType_Double || to.kind == CXType_LongDouble)) ||
           (from.kind == CXType_Double && to.kind == CXType_LongDouble);
}

/* The cast that converts a value of type from as a conditional of type
 * to does, or "" when none is needed; NULL when it cannot be written. */
static char *arm_cast(CXType from, CXType to)
{
    from = clang_getCanonicalType(from);
    to = clang_getCanonicalType(to);
    if (clang_equalTypes(from, to) || holds_every_value(from, to))
        return xstrdup("");
    to = integer_view(to);   /* converting to an enum is converting to its integer type */
    int arithmetic = (to.kind >= CXType_Bool && to.kind <= CXType_LongDouble) || to.kind == CXType_Complex ||
                     to.kind == CXType_Float128;
    if (!arithmetic)
        return to.kind == CXType_Pointer || to.kind == CXType_Record || to.kind == CXType_Void ? xstrdup("") : NULL;
    char *d = declarator(to, "");
    if (!d)
        return NULL;
    strbuf b = { 0 };
    sb_printf(&b, "(%s)", d);
    free(d);
    return b.s;
}

/* Appends the branch that returns value; casts are the conversions of the
 * conditionals around it, written outermost first, so that C applies the
 * innermost first. 0 when a cast cannot be written. */
static int returned_branch(norm *n, pieces *ps, CXCursor value, const char *casts)
{
    CXCursor v = bare_expr(value);
    if (is_conditional(v)) {
        kids k = children(v);
        int ok = k.n == 3;
        if (ok) {
            CXType ct = clang_getCursorType(v);
            sb_put(&ps->pending, "{ if (");
            keep_range(ps, k.c[0]);
            sb_put(&ps->pending, ") ");
            for (int i = 1; i < 3 && ok; i++) {
                CXType at = clang_getCursorType(bare_expr(k.c[i]));
                char *cast = arm_cast(at, ct);
                ok = cast != NULL;
                if (ok) {
                    strbuf inner = { 0 };
                    sb_printf(&inner, "%s%s", casts, cast);
                    if (i == 2)
                        sb_put(&ps->pending, " else ");
                    ok = returned_branch(n, ps, k.c[i], inner.s ? inner.s : "");
                    free(inner.s);
                }
                free(cast);
            }
            sb_put(&ps->pending, " }");
        }
        free(k.c);
        return ok;
    }
    if (n->void_fn) {
        sb_put(&ps->pending, "{ ");
        keep_range(ps, v);
        sb_put(&ps->pending, "; return; }");
        return 1;
    }
    sb_put(&ps->pending, "return ");
    sb_put(&ps->pending, casts);
    sb_put(&ps->pending, "(");
    keep_range(ps, v);
    sb_put(&ps->pending, ");");
    return 1;
}

/* Replaces the text around the kept ranges of [start, end) by the pieces'
 * text (the last after the last range). */
static void rewrite_pieces(norm *n, pieces *ps, unsigned start, unsigned end)
{
    unsigned pos = start;
    for (int i = 0; i < ps->n; i++) {
        replace_keeping_lines(n, pos, ps->p[i].start, ps->p[i].text);
        pos = ps->p[i].end;
    }
    replace_keeping_lines(n, pos, end, ps->pending.s ? ps->pending.s : "");
}

static void free_pieces(pieces *ps)
{
    for (int i = 0; i < ps->n; i++)
        free(ps->p[i].text);
    free(ps->p);
    free(ps->pending.s);
}

/* 1 when value's leaves are all void, as a void function may return them. */
static int void_value(CXCursor value)
{
    return clang_getCanonicalType(clang_getCursorType(bare_expr(value))).kind == CXType_Void;
}

/* A return of a conditional (or, in a void function, of a void value)
 * becomes branches that return. */
static void normalise_return(norm *n, CXCursor ret)
{
    kids ch = children(ret);
    CXCursor value = ch.n == 1 ? ch.c[0] : clang_getNullCursor();
    free(ch.c);
    if (clang_Cursor_isNull(value) || (n->void_fn && !void_value(value)) ||
        (!n->void_fn && !is_conditional(value)) || (!n->void_fn && void_value(value)))
        return;
    unsigned start = cur_start(ret), end = stmt_end(n->t, ret);
    pieces ps = { 0 };
    if (returned_branch(n, &ps, value, ""))
        rewrite_pieces(n, &ps, start, end);
    free_pieces(&ps);
}

/* A void conditional as a statement:  c ? f(x) : g(y);  ->
 * { if (c) f(x); else g(y); }  (arms that are conditionals nest). */
static void statement_branch(pieces *ps, CXCursor value)
{
    CXCursor v = bare_expr(value);
    kids k = children(v);
    if (is_conditional(v) && k.n == 3) {
        sb_put(&ps->pending, "{ if (");
        keep_range(ps, k.c[0]);
        sb_put(&ps->pending, ") ");
        statement_branch(ps, k.c[1]);
        sb_put(&ps->pending, " else ");
        statement_branch(ps, k.c[2]);
        sb_put(&ps->pending, " }");
    } else {
        keep_range(ps, v);
        sb_put(&ps->pending, ";");
    }
    free(k.c);
}

static void normalise_conditional_statement(norm *n, CXCursor c)
{
    if (!is_conditional(c) || !void_value(c) || !contains_call(c))
        return;
    unsigned start = cur_start(c), end = stmt_end(n->t, c);
    pieces ps = { 0 };
    statement_branch(&ps, c);
    rewrite_pieces(n, &ps, start, end);
    free_pieces(&ps);
}

/* ---- a self-call's value kept only to be returned --------------------------------------- */

/*   T r = f(x); return r + e;   ->  return f(x) + e;   (likewise r = f(x);,
 * e + r, *, and return r;) where f is the function itself, r a local of f's
 * return type (no conversion), neither static nor volatile, whose address
 * is never taken, not read in e, and (declared there) read nowhere else.
 * Only + and * of plain integers: the forms tailcall.c accumulates. Its
 * jump evaluates e before the call's arguments where the original
 * evaluated it after the call, so e
 * must read nothing the call can change: only constants and locals whose
 * address is never taken, with no side effect; and the arguments, which
 * ran before the call already, must assign nothing. */

typedef struct local_use {
    CXTranslationUnit tu;
    CXCursor var;
    int refs, addressed;
} local_use;

static CXCursor referenced_var(CXCursor c)
{
    c = bare_expr(c);
    if (clang_getCursorKind(c) != CXCursor_DeclRefExpr)
        return clang_getNullCursor();
    CXCursor d = clang_getCursorReferenced(c);
    enum CXCursorKind k = clang_getCursorKind(d);
    return k == CXCursor_VarDecl || k == CXCursor_ParmDecl ? clang_getCanonicalCursor(d) : clang_getNullCursor();
}

/* Counts the references to u->var, and those under an address-of (&r,
 * &r.m, &r[i]: anything there that names it). */
static enum CXChildVisitResult count_uses(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    local_use *u = data;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_DeclRefExpr) {
        CXCursor d = referenced_var(c);
        u->refs += !clang_Cursor_isNull(d) && clang_equalCursors(d, u->var);
    } else if (k == CXCursor_UnaryOperator) {
        char *op = operator_of(u->tu, c);
        if (strcmp(op, "&") == 0) {
            local_use inner = { u->tu, u->var, 0, 0 };
            clang_visitChildren(c, count_uses, &inner);
            u->addressed += inner.refs;
        }
        free(op);
    }
    return CXChildVisit_Recurse;
}

static local_use uses_of(norm *n, CXCursor var, CXCursor within)
{
    local_use u = { n->t->tu, clang_getCanonicalCursor(var), 0, 0 };
    clang_visitChildren(within, count_uses, &u);
    return u;
}

/* 1 when var is a local of automatic storage, not volatile, whose
 * address is never taken: nothing but its name reads or writes it. */
static int plain_local(norm *n, CXCursor var)
{
    if (clang_getCursorKind(var) != CXCursor_VarDecl)
        return 0;
    enum CX_StorageClass sc = clang_Cursor_getStorageClass(var);
    CXType ty = clang_getCursorType(var);
    if ((sc != CX_SC_None && sc != CX_SC_Auto && sc != CX_SC_Register) || clang_isVolatileQualifiedType(ty))
        return 0;
    kids ch = children(var);
    int attributes = 0;   /* cleanup(f) takes its address, asm("r") names a register */
    for (int i = 0; i < ch.n; i++)
        attributes += clang_isAttribute(clang_getCursorKind(ch.c[i]));
    free(ch.c);
    return !attributes && uses_of(n, var, n->fn).addressed == 0;
}

/* 1 when e has no side effect and reads only constants and plain locals
 * (or parameters) other than r. */
static int quiet_operand(norm *n, CXCursor e, CXCursor r)
{
    enum CXCursorKind k = clang_getCursorKind(e);
    if (k == CXCursor_IntegerLiteral || k == CXCursor_CharacterLiteral || k == CXCursor_FloatingLiteral)
        return 1;
    if (k == CXCursor_DeclRefExpr) {
        CXCursor d = clang_getCursorReferenced(e);
        if (clang_getCursorKind(d) == CXCursor_EnumConstantDecl)
            return 1;
        CXCursor v = referenced_var(e);
        if (clang_Cursor_isNull(v) || clang_equalCursors(v, clang_getCanonicalCursor(r)))
            return 0;
        enum CX_StorageClass sc = clang_Cursor_getStorageClass(v);
        return (sc == CX_SC_None || sc == CX_SC_Auto || sc == CX_SC_Register) &&
               !clang_isVolatileQualifiedType(clang_getCursorType(v)) && uses_of(n, v, n->fn).addressed == 0 &&
               clang_getCursorKind(clang_getCursorSemanticParent(v)) == CXCursor_FunctionDecl;
    }
    if (k == CXCursor_UnaryOperator) {
        char *op = operator_of(n->t->tu, e);
        int ok = strcmp(op, "-") == 0 || strcmp(op, "+") == 0 || strcmp(op, "~") == 0 || strcmp(op, "!") == 0;
        free(op);
        if (!ok)
            return 0;
    } else if (k == CXCursor_BinaryOperator) {
        char *op = operator_of(n->t->tu, e);
        /* no / or %: one that traps must still trap after the call's effects */
        int ok = op[0] && strchr("+-*<>&|^!=", op[0]) && strcmp(op, "=") != 0 && strcmp(op, "&&") != 0 &&
                 strcmp(op, "||") != 0;
        free(op);
        if (!ok)
            return 0;
    } else if (k != CXCursor_ParenExpr && k != CXCursor_UnexposedExpr && k != CXCursor_CStyleCastExpr) {
        return 0;
    }
    kids ch = children(e);
    int ok = ch.n > 0;
    for (int i = 0; i < ch.n && ok; i++)
        ok = quiet_operand(n, ch.c[i], r);
    free(ch.c);
    return ok;
}

static int is_self_call(norm *n, CXCursor e)
{
    e = bare_expr(e);
    if (clang_getCursorKind(e) != CXCursor_CallExpr)
        return 0;
    CXCursor callee = called_function(e);
    return !clang_Cursor_isNull(callee) &&
           clang_equalCursors(clang_getCanonicalCursor(callee), clang_getCanonicalCursor(n->fn));
}

/* 1 when c stores: an assignment, compound assignment, increment or
 * decrement anywhere in it (a call may stay: it cannot reach a local
 * whose address is never taken). */
static int stores(norm *n, CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    int yes = k == CXCursor_CompoundAssignOperator;
    if (k == CXCursor_UnaryOperator || k == CXCursor_BinaryOperator) {
        char *op = operator_of(n->t->tu, c);
        yes = strcmp(op, "=") == 0 || strcmp(op, "++") == 0 || strcmp(op, "--") == 0 ||
              (k == CXCursor_UnaryOperator && strcmp(op, "(") == 0);  /* (x)++: spelled late */
        free(op);
    }
    kids ch = children(c);
    for (int i = 0; i < ch.n && !yes; i++)
        yes = stores(n, ch.c[i]);
    free(ch.c);
    return yes;
}

/* The self-call statement s stores in a plain local of the function's
 * return type (T r = f(x); or r = f(x);); *var is r, *call the call. */
static int kept_call(norm *n, CXCursor s, CXCursor *var, CXCursor *call)
{
    enum CXCursorKind k = clang_getCursorKind(s);
    kids ch = children(s);
    int ok = 0;
    if (k == CXCursor_DeclStmt && ch.n == 1 && clang_getCursorKind(ch.c[0]) == CXCursor_VarDecl) {
        *var = clang_getCanonicalCursor(ch.c[0]);
        *call = clang_Cursor_getVarDeclInitializer(ch.c[0]);
        /* declared here: dropped with the statement, so read nowhere else */
        ok = !clang_Cursor_isNull(*call) && uses_of(n, *var, n->fn).refs == 1;
    } else if (k == CXCursor_BinaryOperator && ch.n == 2) {
        char *op = operator_of(n->t->tu, s);
        *var = referenced_var(ch.c[0]);
        *call = ch.c[1];
        ok = strcmp(op, "=") == 0 && !clang_Cursor_isNull(*var) &&
             clang_getCursorKind(bare_expr(ch.c[0])) == CXCursor_DeclRefExpr;
        free(op);
    }
    free(ch.c);
    if (!ok || !is_self_call(n, *call) || !plain_local(n, *var))
        return 0;
    *call = bare_expr(*call);
    CXType vt = clang_getCanonicalType(clang_getCursorType(*var));
    CXType rt = clang_getCanonicalType(clang_getResultType(clang_getCursorType(n->fn)));
    /* the same type (a builtin's kind names it, qualifiers aside): no conversion on the way */
    int same = clang_equalTypes(vt, rt) ||
               (vt.kind == rt.kind && vt.kind >= CXType_FirstBuiltin && vt.kind <= CXType_LastBuiltin);
    return vt.kind != CXType_Invalid && same && !stores(n, *call);
}

/* The reference to var that value returns, alone or as an operand of +
 * or * (plain integers) whose other operand is quiet; a null cursor when
 * there is none. */
static CXCursor returned_use(norm *n, CXCursor value, CXCursor var)
{
    CXCursor v = bare_expr(value);
    CXCursor r = referenced_var(v);
    if (!clang_Cursor_isNull(r))
        return clang_equalCursors(r, var) ? v : clang_getNullCursor();
    if (clang_getCursorKind(v) != CXCursor_BinaryOperator || !plain_integer_type(clang_getCursorType(v)) ||
        !plain_integer_type(clang_getCursorType(var)))
        return clang_getNullCursor();
    char *op = operator_of(n->t->tu, v);
    int accumulates = strcmp(op, "+") == 0 || strcmp(op, "*") == 0;
    free(op);
    kids ch = children(v);
    CXCursor use = clang_getNullCursor();
    for (int i = 0; accumulates && ch.n == 2 && i < 2; i++) {
        CXCursor side = referenced_var(ch.c[i]);
        if (!clang_Cursor_isNull(side) && clang_equalCursors(side, var) && quiet_operand(n, ch.c[1 - i], var))
            use = bare_expr(ch.c[i]);
    }
    free(ch.c);
    return use;
}

/* A copy of [start, end) on one line (it moves to the return's line). */
static char *one_line(norm *n, unsigned start, unsigned end)
{
    char *s = xcalloc(1, end - start + 1);
    memcpy(s, n->t->eb.src + start, end - start);
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return s;
}

static void normalise_kept_call(norm *n, CXCursor s, CXCursor ret)
{
    CXCursor var, call;
    kids rc = children(ret);
    CXCursor value = rc.n == 1 ? rc.c[0] : clang_getNullCursor();
    free(rc.c);
    if (clang_Cursor_isNull(value) || clang_getCursorKind(ret) != CXCursor_ReturnStmt || !kept_call(n, s, &var, &call))
        return;
    CXCursor use = returned_use(n, value, var);
    unsigned start = cur_start(s), end = stmt_end(n->t, s);
    if (clang_Cursor_isNull(use) || uses_of(n, var, value).refs != 1 || holds_marker(n, start, cur_end(ret)))
        return;
    char *text = one_line(n, cur_start(call), cur_end(call));
    replace_keeping_lines(n, start, end, "");
    ed_replace_by_name(&n->eb, cur_start(use), cur_end(use), text);
    free(text);
}

/* ---- the walk ------------------------------------------------------------------------------ */

static void normalise_statement(norm *n, CXCursor c, int branch);

static void normalise_children(norm *n, CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++) {
        /* statement places: a block's items, an if's branches, a label's or case's statement */
        int branch = k == CXCursor_CompoundStmt || (k == CXCursor_IfStmt && i > 0) ||
                     ((k == CXCursor_LabelStmt || k == CXCursor_CaseStmt || k == CXCursor_DefaultStmt) && i == ch.n - 1);
        normalise_statement(n, ch.c[i], branch);
        if (k == CXCursor_CompoundStmt && i + 1 < ch.n)
            normalise_kept_call(n, ch.c[i], ch.c[i + 1]);
    }
    free(ch.c);
}

/* c at a statement's place (branch: where an expression is a statement of its own) */
static void normalise_statement(norm *n, CXCursor c, int branch)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_ReturnStmt)
        normalise_return(n, c);
    else if (branch && clang_isExpression(k))
        normalise_conditional_statement(n, c);
    else if (clang_isStatement(k))
        normalise_children(n, c);
}

static enum CXChildVisitResult each_function(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    norm *n = data;
    if (in_system_header(c) || clang_getCursorKind(c) != CXCursor_FunctionDecl || !clang_isCursorDefinition(c))
        return CXChildVisit_Continue;
    n->fn = c;
    n->void_fn = clang_getCanonicalType(clang_getResultType(clang_getCursorType(c))).kind == CXType_Void;
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        if (clang_getCursorKind(ch.c[i]) == CXCursor_CompoundStmt)
            normalise_children(n, ch.c[i]);
    free(ch.c);
    return CXChildVisit_Continue;
}

char *normalise_unit(tunit *t)
{
    norm n = { .t = t };
    n.eb.src = t->eb.src;
    n.eb.len = t->eb.len;
    clang_visitChildren(clang_getTranslationUnitCursor(t->tu), each_function, &n);
    if (!n.eb.nedits)
        return NULL;
    strbuf out = { 0 };
    ed_render(&n.eb, 0, (unsigned)n.eb.len, 0, &out);
    for (int i = 0; i < n.eb.nedits; i++) {
        for (int j = 0; j < n.eb.edits[i].nsegs; j++)
            free(n.eb.edits[i].segs[j].text);
        free(n.eb.edits[i].segs);
    }
    free(n.eb.edits);
    return out.s;
}
