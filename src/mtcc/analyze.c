/* analyze.c: the first pass over a function: its variables, which of them
 * must be pinned (address taken, arrays, const), and the constructs that
 * make it fall back (setjmp, alloca, VLAs, inline assembly, computed goto);
 * and how a variable's copy (frame member, twin local) is declared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

/* ---- small helpers ------------------------------------------------------------- */

char *spell(CXCursor c)
{
    CXString s = clang_getCursorSpelling(c);
    char *r = xstrdup(clang_getCString(s));
    clang_disposeString(s);
    return r;
}

int same_cursor(CXCursor a, CXCursor b) { return clang_equalCursors(a, b); }

unsigned stmt_end(tunit *t, CXCursor c)
{
    unsigned e = cur_end(c);
    const char *s = t->eb.src;
    if (e > 0 && s[e - 1] == ';')
        return e;   /* a declaration's extent has its ';' (in a for clause, the next is the condition's) */
    unsigned i = e;
    while (i < t->eb.len) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
            i++;
        else if (s[i] == '#' && i > 0 && s[i - 1] == '\n') {
            /* a line marker: return NULL; has one before its ';' */
            while (i < t->eb.len && s[i] != '\n')
                i++;
        } else
            break;
    }
    return i < t->eb.len && s[i] == ';' ? i + 1 : e;
}

void set_fallback(func *fn, CXCursor at, const char *why)
{
    if (!fn->fallback) {
        fn->fallback = 1;
        fn->fallback_why = why;
        fn->fallback_at = at;
    }
}

int find_var(func *fn, CXCursor decl)
{
    for (int i = 0; i < fn->nvars; i++)
        if (same_cursor(fn->vars[i].decl, decl))
            return i;
    return -1;
}

/* 1 when t is a va_list, seen through its typedefs as written, so that
 * every ABI decides alike (it is an array on some, a pointer on others). */
static int is_va_list(CXType t)
{
    for (int depth = 0; depth < 64; depth++) {
        if (t.kind == CXType_Elaborated)
            t = clang_Type_getNamedType(t);
        else if (t.kind == CXType_Typedef) {
            CXString sp = clang_getTypeSpelling(t);
            int found = strstr(clang_getCString(sp), "va_list") != NULL;
            clang_disposeString(sp);
            if (found)
                return 1;
            t = clang_getTypedefDeclUnderlyingType(clang_getTypeDeclaration(t));
        } else
            return 0;
    }
    return 0;
}

int add_var(func *fn, CXCursor decl, int is_param)
{
    fn->vars = xrealloc(fn->vars, (size_t)(fn->nvars + 1) * sizeof *fn->vars);
    var *v = &fn->vars[fn->nvars];
    memset(v, 0, sizeof *v);
    v->decl = decl;
    v->name = spell(decl);
    v->written = xstrdup(v->name);
    v->type = clang_getCursorType(decl);
    v->is_param = is_param;
    if (is_va_list(v->type))  /* it points into the variadic caller's frame */
        set_fallback(fn, decl, "a va_list variable");
    /* The member carries the variable's name, so that messages name it;
     * a second variable of the same name gets its number appended. */
    char m[300];
    int clash = 0;
    for (int i = 0; i < fn->nvars; i++)
        clash |= strcmp(fn->vars[i].name, v->name) == 0;
    if (clash || !*v->name)
        snprintf(m, sizeof m, "%s_%d", *v->name ? v->name : "arg", fn->nvars);
    else
        snprintf(m, sizeof m, "%s", v->name);
    v->member = xstrdup(m);
    return fn->nvars++;
}

/* The variable an lvalue expression is rooted in: x, x.f, x[i], (x). */
static CXCursor root_var(CXCursor e)
{
    for (;;) {
        enum CXCursorKind k = clang_getCursorKind(e);
        if (k == CXCursor_DeclRefExpr)
            return clang_getCursorReferenced(e);
        kids ch = children(e);
        CXCursor next = clang_getNullCursor();
        if ((k == CXCursor_MemberRefExpr || k == CXCursor_ArraySubscriptExpr ||
             k == CXCursor_ParenExpr || k == CXCursor_UnexposedExpr) && ch.n > 0) {
            /* x.f has the base first; p->f is not rooted in a local object */
            int arrow = 0;
            if (k == CXCursor_MemberRefExpr) {
                CXToken *toks;
                unsigned n;
                CXTranslationUnit tu = clang_Cursor_getTranslationUnit(e);
                clang_tokenize(tu, clang_getCursorExtent(e), &toks, &n);
                for (unsigned i = 0; i < n; i++) {
                    CXString sp = clang_getTokenSpelling(tu, toks[i]);
                    if (strcmp(clang_getCString(sp), "->") == 0)
                        arrow = 1;
                    clang_disposeString(sp);
                }
                clang_disposeTokens(tu, toks, n);
            }
            CXType bt = clang_getCanonicalType(clang_getCursorType(ch.c[0]));
            if (!arrow && !(k == CXCursor_ArraySubscriptExpr && bt.kind == CXType_Pointer))
                next = ch.c[0];
        }
        free(ch.c);
        if (clang_Cursor_isNull(next))
            return next;
        e = next;
    }
}

/* ---- pass 1: variables, pinning, unsupported constructs ------------------------------ */

static long long flat_scalars(CXType t, int depth);
enum { FLAT_DEPTH_MAX = 16 };

int variably_modified(CXType t)
{
    for (int depth = 0; depth < 64; depth++) {
        CXType c = clang_getCanonicalType(t);
        if (c.kind == CXType_VariableArray || c.kind == CXType_DependentSizedArray)
            return 1;
        if (c.kind == CXType_Pointer)
            t = clang_getPointeeType(c);
        else if (c.kind == CXType_ConstantArray || c.kind == CXType_IncompleteArray)
            t = clang_getArrayElementType(c);
        else
            return 0;
    }
    return 0;
}

static const char *const forbidden[] = { "setjmp", "_setjmp", "__sigsetjmp", "sigsetjmp",
    "longjmp", "_longjmp", "siglongjmp", "__builtin_setjmp", "__builtin_longjmp", "alloca", "__builtin_alloca",
    NULL };

/* Inside a GNU statement expression (the expansion of atomic_load and
 * other macros): its variables live only there, so they are left out of
 * the frame, which is sound only while no resume site is inside it. */
static int stmt_expr_depth;

void analyze(tunit *t, func *fn, CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_StmtExpr) {
        stmt_expr_depth++;
        kids ch = children(c);
        for (int i = 0; i < ch.n; i++)
            analyze(t, fn, ch.c[i]);
        free(ch.c);
        stmt_expr_depth--;
        return;
    }
    if (stmt_expr_depth && k == CXCursor_CallExpr) {
        CXCursor callee = clang_getCursorReferenced(c);
        if (clang_Cursor_isNull(callee) || !in_system_header(callee)) {
            char *name = clang_Cursor_isNull(callee) ? NULL : spell(callee);
            if (!name || strncmp(name, "__builtin", 9) != 0)
                set_fallback(fn, c, "a call inside a statement expression");
            free(name);
        }
    }
    if (k == CXCursor_VarDecl && stmt_expr_depth) {
        /* not a variable of the frame (see above) */
    } else if (k == CXCursor_VarDecl) {
        enum CX_StorageClass sc = clang_Cursor_getStorageClass(c);
        if (sc != CX_SC_Extern) {
            int i = add_var(fn, c, 0);
            var *v = &fn->vars[i];
            CXType ct = clang_getCanonicalType(v->type);
            v->is_static = sc == CX_SC_Static;
            if (ct.kind == CXType_VariableArray || ct.kind == CXType_IncompleteArray)
                set_fallback(fn, c, "a variable-length array");
            else if (variably_modified(v->type) && ct.kind == CXType_Pointer && !v->is_static)
                add_vla_bounds(t, fn, i);  /* double (*a)[n]: a pointer (vla.c) */
            else if (variably_modified(v->type))
                set_fallback(fn, c, "a pointer to a variable-length array");
            else if (ct.kind == CXType_ConstantArray || not_assignable(v->type) ||
                     holds_union(v->type)) {  /* initialized in its record, never assigned; the runtime
                                                 knows its unions by address (unions.c) */
                v->pinned = !v->is_static;
                v->array_pin = ct.kind == CXType_ConstantArray && !not_assignable(v->type) &&
                               !holds_union(v->type);
                v->const_pin = not_assignable(v->type) && ct.kind != CXType_Record && flat_scalars(v->type, 0) == 1;
            }
            char *d = fn->vars[i].vla_ptr ? NULL : declarator(fn->vars[i].type, "x");
            if (!d && !fn->vars[i].vla_ptr)
                set_fallback(fn, c, "a local whose type cannot be named at file scope");
            free(d);
        }
    } else if (k == CXCursor_UnaryOperator) {
        char *op = operator_of(t->tu, c);
        if (strcmp(op, "&") == 0) {
            kids ch = children(c);
            if (ch.n) {
                CXCursor r = root_var(ch.c[0]);
                int i = clang_Cursor_isNull(r) ? -1 : find_var(fn, r);
                if (i >= 0 && !fn->vars[i].is_static) {
                    fn->vars[i].pinned = 1;
                    fn->vars[i].addr_taken = 1;
                }
            }
            free(ch.c);
        }
        free(op);
    } else if (k == CXCursor_CallExpr) {
        CXCursor callee = clang_getCursorReferenced(c);
        if (!clang_Cursor_isNull(callee)) {
            char *name = spell(callee);
            for (int i = 0; forbidden[i]; i++)
                if (strcmp(name, forbidden[i]) == 0)
                    set_fallback(fn, c, strstr(name, "jmp") ? "setjmp/longjmp" : "alloca");
            free(name);
        }
    } else if (k == CXCursor_GCCAsmStmt || k == CXCursor_AsmStmt || k == CXCursor_MSAsmStmt) {
        set_fallback(fn, c, "inline assembly");
    } else if (k == CXCursor_IndirectGotoStmt || k == CXCursor_AddrLabelExpr) {
        set_fallback(fn, c, "a computed goto");
    } else if (k == CXCursor_StructDecl || k == CXCursor_UnionDecl || k == CXCursor_TypedefDecl) {
        /* a type local to the function: fine unless a variable uses it */
    }
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        analyze(t, fn, ch.c[i]);
    free(ch.c);
}

/* ---- arrays whose address never leaves an element access ---------------------------- */

/* The most numbers and pointers an unpinned array holds: the save path
 * copies it once more on the stack (array_copies in emit.c), so a large
 * array stays pinned. Counted in scalars, not bytes, so that every ABI
 * decides alike (the frame and pinned records must match). */
enum { UNPINNED_SCALARS_MAX = 128 };

typedef struct flat_count {
    long long scalars;  /* -1: not flat */
    int depth;
} flat_count;

static enum CXVisitorResult flat_field(CXCursor field, CXClientData data)
{
    flat_count *fc = data;
    long long n = clang_Cursor_isBitField(field) ? -1 : flat_scalars(clang_getCursorType(field), fc->depth + 1);
    if (n < 0) {
        fc->scalars = -1;
        return CXVisit_Break;
    }
    fc->scalars += n;
    return CXVisit_Continue;
}

/* How many numbers and pointers t holds when it is one, or a struct of
 * such at any depth; -1 when it holds an array (a member array of a
 * struct element could decay: `f(a[i].name)`) or a bit-field. */
static long long flat_scalars(CXType t, int depth)
{
    CXType c = clang_getCanonicalType(t);
    if (c.kind == CXType_Record) {
        flat_count fc = { 0, depth };
        if (depth > FLAT_DEPTH_MAX)
            return -1;
        clang_Type_visitFields(c, flat_field, &fc);  /* unions are excluded before (holds_union) */
        return fc.scalars;
    }
    int scalar = c.kind != CXType_ConstantArray && c.kind != CXType_IncompleteArray &&
                 c.kind != CXType_VariableArray && c.kind != CXType_Vector && c.kind != CXType_Invalid;
    return scalar ? 1 : -1;
}

/* Marks (escapes[i] = 1) every array local of fn named anywhere but as the
 * base of a subscript `a[i]`: passed to a call, stored, compared, under
 * sizeof. A subscript's base is its first child as written (`i[a]` counts
 * as a use of the decayed pointer, conservatively); anything under a
 * unary & counts (`&a[i]`, `&a[i] + 1`, `&b[a[i]]` conservatively). */
static void find_escapes(tunit *t, func *fn, CXCursor c, char *escapes, int under_addr)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    kids ch = children(c);
    int skip = -1;
    if (k == CXCursor_UnaryOperator) {
        char *op = operator_of(t->tu, c);
        under_addr |= strcmp(op, "&") == 0;  /* &a[i]: a pointer into a */
        free(op);
    }
    if (k == CXCursor_ArraySubscriptExpr && ch.n == 2 && !under_addr) {
        CXCursor base = bare_expr(ch.c[0]);
        if (clang_getCursorKind(base) == CXCursor_DeclRefExpr)
            skip = 0;  /* a[i] reads or writes one element: a does not leave */
    } else if (k == CXCursor_DeclRefExpr) {
        int i = find_var(fn, clang_getCursorReferenced(c));
        if (i >= 0)
            escapes[i] = 1;
    }
    for (int i = 0; i < ch.n; i++)
        if (i != skip)
            find_escapes(t, fn, ch.c[i], escapes, under_addr);
    free(ch.c);
}

/* 1 when cursor c holds a call (an initializer that may hold a resume site
 * is split from its declaration, which an array's cannot be). */
static enum CXChildVisitResult find_call(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    if (clang_getCursorKind(c) == CXCursor_CallExpr) {
        *(int *)data = 1;
        return CXChildVisit_Break;
    }
    return CXChildVisit_Recurse;
}

/* Visitor: clears *(int *)data at anything but literals, enumerators,
 * operators, parentheses and implicit conversions. */
static enum CXChildVisitResult plain_constant_part(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    enum CXCursorKind k = clang_getCursorKind(c);
    int ok = k == CXCursor_IntegerLiteral || k == CXCursor_FloatingLiteral || k == CXCursor_CharacterLiteral ||
             k == CXCursor_UnaryOperator || k == CXCursor_BinaryOperator || k == CXCursor_ParenExpr ||
             k == CXCursor_UnexposedExpr ||
             (k == CXCursor_DeclRefExpr &&
              clang_getCursorKind(clang_getCursorReferenced(c)) == CXCursor_EnumConstantDecl);
    if (!ok) {
        *(int *)data = 0;
        return CXChildVisit_Break;
    }
    return CXChildVisit_Recurse;
}

/* 1 when e is a constant number written with literals, enumerators and
 * operators only: no sizeof, cast or offsetof, whose value could differ
 * between the writer's ABI and the reader's (the reader's compiler may
 * assume its own value for a const, whatever the restore stores). */
static int constant_number(CXCursor e)
{
    int plain = 1;
    plain_constant_part(e, clang_getNullCursor(), &plain);
    if (plain)
        clang_visitChildren(e, plain_constant_part, &plain);
    CXEvalResult r = plain ? clang_Cursor_Evaluate(e) : NULL;
    if (!r)
        return 0;
    CXEvalResultKind k = clang_EvalResult_getKind(r);
    clang_EvalResult_dispose(r);
    return k == CXEval_Int || k == CXEval_Float;
}

/* Visitor: marks (named[i] = 1) every local of fn that an expression names. */
typedef struct named_walk {
    func *fn;
    char *named;
} named_walk;

static enum CXChildVisitResult find_named(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    named_walk *w = data;
    if (clang_getCursorKind(c) == CXCursor_DeclRefExpr) {
        int i = find_var(w->fn, clang_getCursorReferenced(c));
        if (i >= 0)
            w->named[i] = 1;
    }
    return CXChildVisit_Recurse;
}

void unpin_local_arrays(tunit *t, func *fn, CXCursor body)
{
    char *escapes = xcalloc((size_t)fn->nvars + 1, 1);
    char *named = xcalloc((size_t)fn->nvars + 1, 1);
    find_escapes(t, fn, body, escapes, 0);
    named_walk nw = { fn, named };
    clang_visitChildren(body, find_named, &nw);
    for (int i = 0; i < fn->nvars; i++) {
        var *v = &fn->vars[i];
        if (!(v->array_pin || v->const_pin) || v->addr_taken || v->is_static)
            continue;
        int calls = 0;
        CXCursor init = clang_Cursor_getVarDeclInitializer(v->decl);
        if (!clang_Cursor_isNull(init))
            clang_visitChildren(v->decl, find_call, &calls);
        if (calls)
            continue;
        if (!named[i]) {
            /* declared and never named again: nothing can read it, so no
             * site saves it (live.c) and the compiler may drop it, which a
             * pinned record's stores would forbid (csmith seed 3407: an
             * unused 216-element array initialized on every turn of a
             * loop, 85 times the plain run's time) */
            v->pinned = 0;
            continue;
        }
        if (v->const_pin && !clang_Cursor_isNull(init)) {
            /* a const number: its reload copies into it (emit.c:
             * copy_value). Only with a constant initializer: a store into
             * a const object is one the compiler may ignore, so the value
             * it may assume must be the one restored */
            if (constant_number(init))
                v->pinned = 0;
            continue;
        }
        CXType ct = clang_getCanonicalType(v->type);
        long long per = flat_scalars(clang_getArrayElementType(ct), 0);
        if (v->array_pin && !escapes[i] && per > 0 && clang_getArraySize(ct) * per <= UNPINNED_SCALARS_MAX)
            v->pinned = 0;  /* in the function's own frame, saved and reloaded by value */
    }
    free(escapes);
    free(named);
}

/* ---- declarations of variables' copies ------------------------------------------------ */

/* The declaration of a variable of type t without its top-level const:
 * a pinned const local's member (its initializer is an assignment), and a
 * const parameter's frame member and twin local (a resume assigns them).
 * A pointee's const stays. */
static char *writable_declarator(CXType t, const char *name)
{
    if (!clang_isConstQualifiedType(t))
        return declarator(t, name);
    if (t.kind == CXType_Pointer) {  /* T *const p: the pointer part, unqualified */
        CXType p = clang_getPointeeType(t);
        int paren = p.kind == CXType_ConstantArray || p.kind == CXType_FunctionProto ||
                    p.kind == CXType_FunctionNoProto;  /* int (*const f)(int) */
        char inner[300];
        snprintf(inner, sizeof inner, paren ? "(*%s)" : "*%s", name);
        return declarator(p, inner);
    }
    char *d = declarator(t, name);
    if (d && strncmp(d, "const ", 6) == 0)
        memmove(d, d + 6, strlen(d + 6) + 1);
    return d;
}

/* The declaration of a variable's copy (frame member, twin local, pinned
 * member): writable, and a parameter written as an array is the pointer
 * it is. */
char *var_declarator(const var *v, const char *name)
{
    if (v->vla_ptr) {  /* its type names its bounds, which a frame cannot */
        char *d = xcalloc(1, strlen(name) + 8);
        sprintf(d, "void *%s", name);
        return d;
    }
    if (!v->decayed)
        return writable_declarator(v->type, name);
    CXType elem = clang_getArrayElementType(clang_getCanonicalType(v->type));
    enum CXTypeKind k = clang_getCanonicalType(elem).kind;
    int paren = k == CXType_ConstantArray || k == CXType_IncompleteArray;  /* int (*m)[3] */
    char inner[300];
    snprintf(inner, sizeof inner, paren ? "(*%s)" : "*%s", name);
    CXType written = clang_getArrayElementType(v->type);  /* invalid through a typedef */
    return declarator(written.kind != CXType_Invalid ? written : elem, inner);
}
