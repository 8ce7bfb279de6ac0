/* front.c: small helpers over libclang's C API: offsets, children,
 * tokens, and writing a type back as a C declarator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"

static unsigned offset_of(CXSourceLocation loc)
{
    unsigned off;
    clang_getFileLocation(loc, NULL, NULL, NULL, &off);
    return off;
}

unsigned cur_start(CXCursor c) { return offset_of(clang_getRangeStart(clang_getCursorExtent(c))); }
unsigned cur_end(CXCursor c) { return offset_of(clang_getRangeEnd(clang_getCursorExtent(c))); }

int in_system_header(CXCursor c)
{
    return clang_Location_isInSystemHeader(clang_getCursorLocation(c));
}

static enum CXChildVisitResult collect(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    kids *k = data;
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 8;
        k->c = xrealloc(k->c, (size_t)k->cap * sizeof *k->c);
    }
    k->c[k->n++] = c;
    return CXChildVisit_Continue;
}

kids children(CXCursor c)
{
    kids k = { 0 };
    clang_visitChildren(c, collect, &k);
    return k;
}

CXCursor function_body(CXCursor fn)
{
    kids ch = children(fn);
    CXCursor b = clang_getNullCursor();
    for (int i = 0; i < ch.n; i++)
        if (clang_getCursorKind(ch.c[i]) == CXCursor_CompoundStmt)
            b = ch.c[i];
    free(ch.c);
    return b;
}

int any_node(CXCursor c, int (*hit)(CXCursor), int (*closed)(CXCursor))
{
    if (hit(c))
        return 1;
    if (closed && closed(c))
        return 0;
    kids ch = children(c);
    int found = 0;
    for (int i = 0; i < ch.n && !found; i++)
        found = any_node(ch.c[i], hit, closed);
    free(ch.c);
    return found;
}

int is_call(CXCursor c)
{
    return clang_getCursorKind(c) == CXCursor_CallExpr;
}

int contains_call(CXCursor c)
{
    return any_node(c, is_call, NULL);
}

#define SPECIFIERS_BEFORE 256  /* bytes before a declaration's extent that may hold its specifiers */

static int is_token(CXTranslationUnit tu, CXToken tok, const char *text)
{
    CXString sp = clang_getTokenSpelling(tu, tok);
    int is = strcmp(clang_getCString(sp), text) == 0;
    clang_disposeString(sp);
    return is;
}

/* 1 when the tokens of range r spell _Atomic: all of them, or (backwards)
 * only the last ones up to a punctuator, a declaration's specifiers. */
static int atomic_in(CXTranslationUnit tu, CXSourceRange r, int last_specifiers)
{
    CXToken *toks;
    unsigned n;
    clang_tokenize(tu, r, &toks, &n);
    int found = 0;
    for (unsigned i = n; i-- > 0 && !found;) {
        if (last_specifiers && clang_getTokenKind(toks[i]) == CXToken_Punctuation)
            break;
        found = is_token(tu, toks[i], "_Atomic");
    }
    clang_disposeTokens(tu, toks, n);
    return found;
}

/* 1 when the source of declaration c spells _Atomic (the parse reads
 * _Atomic T as T: transform.c), or that of a typedef its type names. A
 * specifier that expands to nothing lies before the extent libclang
 * gives (struct { _Atomic int open; } starts at int), so the words just
 * before it count too. */
static int spells_atomic(CXCursor c, int depth)
{
    CXTranslationUnit tu = clang_Cursor_getTranslationUnit(c);
    CXSourceRange ext = clang_getCursorExtent(c);
    int found = atomic_in(tu, ext, 0);
    CXFile file;
    unsigned off;
    clang_getFileLocation(clang_getRangeStart(ext), &file, NULL, NULL, &off);
    if (!found && file) {
        CXSourceLocation from = clang_getLocationForOffset(tu, file, off > SPECIFIERS_BEFORE ? off - SPECIFIERS_BEFORE : 0);
        found = atomic_in(tu, clang_getRange(from, clang_getRangeStart(ext)), 1);
    }
    CXType t = clang_getCursorType(c);
    if (c.kind == CXCursor_TypedefDecl)
        t = clang_getTypedefDeclUnderlyingType(c);
    while (t.kind == CXType_Pointer)
        t = clang_getPointeeType(t);
    CXCursor td = clang_getTypeDeclaration(t);
    if (!found && depth < 8 && clang_getCursorKind(td) == CXCursor_TypedefDecl)
        found = spells_atomic(td, depth + 1);
    return found;
}

/* 1 when t, or what it points to at any depth, is volatile. */
static int volatile_at_all(CXType t)
{
    for (int depth = 0; depth < 8; depth++) {
        if (clang_isVolatileQualifiedType(t) || clang_isVolatileQualifiedType(clang_getCanonicalType(t)))
            return 1;
        if (clang_getCanonicalType(t).kind != CXType_Pointer)
            return 0;
        t = clang_getPointeeType(clang_getCanonicalType(t));
    }
    return 0;
}

static int touches_shared(CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_CallExpr) {
        CXString sp = clang_getCursorSpelling(c);
        const char *name = clang_getCString(sp);
        int atomic = strncmp(name, "__atomic_", 9) == 0 || strncmp(name, "__sync_", 7) == 0 ||
                     strncmp(name, "__c11_atomic_", 13) == 0;
        clang_disposeString(sp);
        return atomic;
    }
    if (k != CXCursor_DeclRefExpr && k != CXCursor_MemberRefExpr)
        return 0;
    CXCursor d = clang_getCursorReferenced(c);
    enum CXCursorKind dk = clang_getCursorKind(d);
    if (dk != CXCursor_VarDecl && dk != CXCursor_ParmDecl && dk != CXCursor_FieldDecl)
        return 0;
    return volatile_at_all(clang_getCursorType(d)) || spells_atomic(d, 0);
}

int loop_waits(CXCursor c)
{
    return any_node(c, touches_shared, NULL);
}

/* The function a call names, or a null cursor for a call through an
 * expression. libclang's referenced cursor of pick(k)(h) is pick, whose
 * twin is not the one to resume in: a callee holding a call is indirect. */
CXCursor called_function(CXCursor call)
{
    CXCursor callee = clang_getCursorReferenced(call);
    if (clang_Cursor_isNull(callee) || clang_getCursorKind(callee) != CXCursor_FunctionDecl)
        return clang_getNullCursor();
    kids ch = children(call);
    int through_call = ch.n > 0 && contains_call(ch.c[0]);
    free(ch.c);
    return through_call ? clang_getNullCursor() : callee;
}

CXCursor bare_expr(CXCursor e)
{
    for (;;) {
        enum CXCursorKind k = clang_getCursorKind(e);
        if (k != CXCursor_ParenExpr && k != CXCursor_UnexposedExpr)
            return e;
        kids ch = children(e);
        CXCursor inner = ch.n == 1 ? ch.c[0] : clang_getNullCursor();
        free(ch.c);
        if (clang_Cursor_isNull(inner))
            return e;  /* GNU a ?: b is unexposed too, with four children */
        e = inner;
    }
}

/* The innermost operand of member accesses and subscripts: the base of
 * a.b[i].c, or of p->m. */
static CXCursor access_base(CXCursor e)
{
    for (int depth = 0; depth < 64; depth++) {
        e = bare_expr(e);
        enum CXCursorKind k = clang_getCursorKind(e);
        if (k != CXCursor_MemberRefExpr && k != CXCursor_ArraySubscriptExpr)
            return e;
        kids ch = children(e);
        CXCursor in = ch.n ? ch.c[0] : clang_getNullCursor();
        free(ch.c);
        if (clang_Cursor_isNull(in))
            return e;
        e = in;
    }
    return e;
}

int null_member_address(CXCursor e, CXType *record)
{
    e = bare_expr(e);
    if (clang_getCursorKind(e) != CXCursor_UnaryOperator)
        return 0;
    kids ch = children(e);
    CXCursor operand = ch.n == 1 ? ch.c[0] : clang_getNullCursor();
    free(ch.c);
    enum CXCursorKind ok = clang_Cursor_isNull(operand) ? CXCursor_InvalidCode : clang_getCursorKind(bare_expr(operand));
    if (ok != CXCursor_MemberRefExpr && ok != CXCursor_ArraySubscriptExpr)
        return 0;  /* not &x.m: *p, -x, &v */
    CXCursor base = access_base(operand);
    if (clang_getCursorKind(base) != CXCursor_CStyleCastExpr)
        return 0;
    kids bc = children(base);
    CXCursor zero = bc.n ? bare_expr(bc.c[bc.n - 1]) : clang_getNullCursor();
    free(bc.c);
    long long v;
    CXType pt = clang_getCanonicalType(clang_getCursorType(base));
    if (clang_Cursor_isNull(zero) || pt.kind != CXType_Pointer || !constant_int(zero, &v) || v != 0)
        return 0;
    *record = clang_getPointeeType(clang_getCursorType(base));
    return 1;
}

int plain_integer_type(CXType t)
{
    t = clang_getCanonicalType(t);
    switch (t.kind) {
    case CXType_Char_U: case CXType_UChar: case CXType_UShort: case CXType_UInt:
    case CXType_ULong: case CXType_ULongLong: case CXType_Char_S: case CXType_SChar:
    case CXType_Short: case CXType_Int: case CXType_Long: case CXType_LongLong:
        return clang_Type_getSizeOf(t) <= 8;
    default:
        return 0;
    }
}

char *first_token(CXTranslationUnit tu, CXCursor c)
{
    CXToken *toks;
    unsigned n;
    clang_tokenize(tu, clang_getCursorExtent(c), &toks, &n);
    char *s = NULL;
    if (n) {
        CXString sp = clang_getTokenSpelling(tu, toks[0]);
        s = xstrdup(clang_getCString(sp));
        clang_disposeString(sp);
    }
    clang_disposeTokens(tu, toks, n);
    return s ? s : xstrdup("");
}

/* The operator is the first punctuation token after the first operand
 * (binary) or the first token (unary, prefix) or the last (postfix). The
 * preprocessor's line markers inside an expression (around a macro from a
 * system header, such as NULL) lex as '#' tokens: never an operator. */
char *operator_of(CXTranslationUnit tu, CXCursor c)
{
    kids k = children(c);
    CXToken *toks;
    unsigned n;
    clang_tokenize(tu, clang_getCursorExtent(c), &toks, &n);
    char *op = NULL;
    unsigned after = k.n ? cur_end(k.c[0]) : 0;
    for (unsigned i = 0; i < n && !op; i++) {
        if (clang_getTokenKind(toks[i]) != CXToken_Punctuation &&
            clang_getTokenKind(toks[i]) != CXToken_Keyword)
            continue;
        unsigned off;
        clang_getFileLocation(clang_getTokenLocation(tu, toks[i]), NULL, NULL, NULL, &off);
        if (clang_getCursorKind(c) == CXCursor_UnaryOperator || off >= after) {
            CXString sp = clang_getTokenSpelling(tu, toks[i]);
            if (strcmp(clang_getCString(sp), "#") != 0)
                op = xstrdup(clang_getCString(sp));
            clang_disposeString(sp);
        }
    }
    clang_disposeTokens(tu, toks, n);
    free(k.c);
    return op ? op : xstrdup("");
}

/* 1 when e is a binary operator spelled op. */
int binary_op(CXTranslationUnit tu, CXCursor e, const char *op)
{
    if (clang_getCursorKind(e) != CXCursor_BinaryOperator)
        return 0;
    char *o = operator_of(tu, e);
    int r = strcmp(o, op) == 0;
    free(o);
    return r;
}

int find_token(CXTranslationUnit tu, CXCursor c, unsigned from, const char *tok, unsigned *at)
{
    CXToken *toks;
    unsigned n;
    clang_tokenize(tu, clang_getCursorExtent(c), &toks, &n);
    int depth = 0, found = 0;
    for (unsigned i = 0; i < n && !found; i++) {
        unsigned off;
        clang_getFileLocation(clang_getTokenLocation(tu, toks[i]), NULL, NULL, NULL, &off);
        if (off < from || clang_getTokenKind(toks[i]) != CXToken_Punctuation)
            continue;
        CXString sp = clang_getTokenSpelling(tu, toks[i]);
        const char *p = clang_getCString(sp);
        if (depth == 0 && strcmp(p, tok) == 0) {
            *at = off;
            found = 1;
        } else if (strcmp(p, "(") == 0 || strcmp(p, "[") == 0 || strcmp(p, "{") == 0)
            depth++;
        else if (strcmp(p, ")") == 0 || strcmp(p, "]") == 0 || strcmp(p, "}") == 0)
            depth--;
        clang_disposeString(sp);
        if (depth < 0)
            break;
    }
    clang_disposeTokens(tu, toks, n);
    return found;
}

static char *cat3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = xcalloc(1, n);
    strcpy(s, a);
    strcat(s, b);
    strcat(s, c);
    return s;
}

static int writable_spelling(const char *s)
{
    return !strstr(s, "(unnamed") && !strstr(s, "(anonymous") && !strstr(s, "(lambda");
}

/* A struct, union, enum or typedef declared inside a function: the code
 * mtcc generates at file scope (records, registration) cannot name it. */
static int declared_in_function(CXType t)
{
    CXCursor d = clang_getTypeDeclaration(t);
    for (int depth = 0; depth < 64 && !clang_isInvalid(clang_getCursorKind(d)); depth++) {
        enum CXCursorKind k = clang_getCursorKind(d);
        if (k == CXCursor_FunctionDecl)
            return 1;
        if (k == CXCursor_TranslationUnit)
            return 0;
        d = clang_getCursorSemanticParent(d);
    }
    return 0;
}

static char *decl_of(CXType t, const char *name, int vla_star);

char *declarator(CXType t, const char *name)
{
    return decl_of(t, name, 0);
}

char *proto_declarator(CXType t, const char *name)
{
    return decl_of(t, name, 1);
}

/* vla_star: a variable-length array is written [*], as in a prototype. */
static char *decl_of(CXType t, const char *name, int vla_star)
{
    char *inner, *r = NULL;
    const char *q = clang_isConstQualifiedType(t) ? " const" : "";
    switch (t.kind) {
    case CXType_Pointer: {
        CXType p = clang_getPointeeType(t);
        int paren = p.kind == CXType_ConstantArray || p.kind == CXType_IncompleteArray ||
                    p.kind == CXType_VariableArray || p.kind == CXType_FunctionProto ||
                    p.kind == CXType_FunctionNoProto;
        char *star = cat3(*q ? "*const " : "*", "", name);
        inner = paren ? cat3("(", star, ")") : xstrdup(star);
        free(star);
        r = decl_of(p, inner, vla_star);
        free(inner);
        return r;
    }
    case CXType_ConstantArray: {
        char num[48];
        snprintf(num, sizeof num, "[%lld]", clang_getArraySize(t));
        inner = cat3(name, num, "");
        r = decl_of(clang_getArrayElementType(t), inner, vla_star);
        free(inner);
        return r;
    }
    case CXType_IncompleteArray:  /* a parameter as written: char *argv[] */
        inner = cat3(name, "[]", "");
        r = decl_of(clang_getArrayElementType(t), inner, vla_star);
        free(inner);
        return r;
    case CXType_VariableArray:
        if (!vla_star)
            return NULL;  /* int (*rows)[n]: its size lives in one function */
        inner = cat3(name, "[*]", "");
        r = decl_of(clang_getArrayElementType(t), inner, vla_star);
        free(inner);
        return r;
    case CXType_DependentSizedArray:
        return NULL;
    case CXType_FunctionProto:
    case CXType_FunctionNoProto: {
        strbuf params = { 0 };
        sb_put(&params, "(");
        int n = clang_getNumArgTypes(t);
        for (int i = 0; i < n; i++) {
            char *a = decl_of(clang_getArgType(t, (unsigned)i), "", vla_star);
            if (!a)
                return NULL;
            sb_printf(&params, "%s%s", i ? ", " : "", a);
            free(a);
        }
        /* libclang calls a function without a prototype, int (*f)(),
         * variadic: its parameter list stays empty */
        if (t.kind == CXType_FunctionProto && clang_isFunctionTypeVariadic(t))
            sb_put(&params, n ? ", ..." : "...");
        else if (n == 0 && t.kind == CXType_FunctionProto)
            sb_put(&params, "void");
        sb_put(&params, ")");
        inner = cat3(name, params.s, "");
        free(params.s);
        r = decl_of(clang_getResultType(t), inner, vla_star);
        free(inner);
        return r;
    }
    default: {
        CXType canon = clang_getCanonicalType(t);
        if (t.kind == CXType_Unexposed && canon.kind != CXType_Unexposed)
            return decl_of(canon, name, vla_star);  /* __typeof__(acc): its expression is local */
        CXString sp = clang_getTypeSpelling(t);
        const char *base = clang_getCString(sp);
        if (writable_spelling(base) && !declared_in_function(t))
            r = cat3(base, *name ? " " : "", name);
        clang_disposeString(sp);
        return r;
    }
    }
}

static enum CXVisitorResult const_field(CXCursor field, CXClientData data)
{
    if (not_assignable(clang_getCursorType(field))) {
        *(int *)data = 1;
        return CXVisit_Break;
    }
    return CXVisit_Continue;
}

int not_assignable(CXType t)
{
    for (int depth = 0; depth < 64; depth++) {
        CXType canon = clang_getCanonicalType(t);
        if (clang_isConstQualifiedType(t) || clang_isConstQualifiedType(canon))
            return 1;
        if (canon.kind == CXType_ConstantArray || canon.kind == CXType_IncompleteArray) {
            t = clang_getArrayElementType(canon);
            continue;
        }
        int found = 0;
        if (canon.kind == CXType_Record)
            clang_Type_visitFields(canon, const_field, &found);
        return found;
    }
    return 0;
}

/* The value of a constant integer expression into *v; 0 if it is not one. */
int constant_int(CXCursor e, long long *v)
{
    CXEvalResult r = clang_Cursor_Evaluate(e);
    if (!r)
        return 0;
    int ok = clang_EvalResult_getKind(r) == CXEval_Int;
    if (ok)
        *v = clang_EvalResult_getAsLongLong(r);
    clang_EvalResult_dispose(r);
    return ok;
}
