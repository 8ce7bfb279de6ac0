/* heapflow.c: where the blocks mtcc could not type go, and what they are
 * used as (the seed's intra-procedural, flow-insensitive pointer
 * inference, over a whole unit).
 *
 * A holder is a variable, member or parameter that may hold such a block
 * or a pointer into one (pool, pool + used, &pool[used]), or a function
 * that may return one (a pool allocator handing out pieces). Values flow
 * through initializers, assignments, arguments and returns until nothing
 * changes; then every conversion of a held value to a pointer to a type
 * is a use, and what that type holds marks the block's site. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heaptype.h"

/* Enough for chains of holders much longer than real code's. */
enum { MAX_ROUNDS = 32 };

/* A declaration (variable, member, parameter) or function that holds or
 * returns untyped blocks, with the sites they may come from. */
typedef struct holder {
    CXCursor decl;
    unsigned char *from;   /* per site */
} holder;

typedef struct scan {
    CXTranslationUnit tu;
    asite *sites;
    int nsites;
    holder *holders;
    int nholders, capholders;
    int changed;
    CXCursor *anc;
    int nanc, capanc;
} scan;

/* 1 when a and b name one struct or union, whatever their qualifiers. */
static int same_record(CXType a, CXType b)
{
    CXType ca = clang_getCanonicalType(a), cb = clang_getCanonicalType(b);
    return ca.kind == CXType_Record && cb.kind == CXType_Record &&
           clang_equalCursors(clang_getTypeDeclaration(ca), clang_getTypeDeclaration(cb));
}

static int holds(CXType t, int depth)
{
    CXType c = clang_getCanonicalType(t);
    if (depth > 16)
        return HOLDS_POINTERS;  /* assume the worst */
    switch (c.kind) {
    case CXType_Pointer:
    case CXType_BlockPointer: return HOLDS_POINTERS;
    case CXType_Void:
    case CXType_Bool:
    case CXType_Char_S:
    case CXType_Char_U:
    case CXType_SChar:
    case CXType_UChar: return 0;
    case CXType_ConstantArray:
    case CXType_IncompleteArray:
    case CXType_VariableArray: return holds(clang_getArrayElementType(c), depth + 1);
    case CXType_Record: {
        int h = 0;
        kids ch = children(clang_getTypeDeclaration(c));
        for (int i = 0; i < ch.n; i++)
            if (clang_getCursorKind(ch.c[i]) == CXCursor_FieldDecl)
                h |= holds(clang_getCursorType(ch.c[i]), depth + 1);
        free(ch.c);
        return h;
    }
    default: return HOLDS_NUMBERS;
    }
}

int heap_holds(CXType t)
{
    return holds(t, 0);
}

char *heap_where(CXCursor c)
{
    CXString file;
    unsigned line, col;
    clang_getPresumedLocation(clang_getCursorLocation(c), &file, &line, &col);
    const char *f = clang_getCString(file), *slash = strrchr(f, '/');
    char buf[600];
    snprintf(buf, sizeof buf, "%s:%u", slash ? slash + 1 : f, line);
    clang_disposeString(file);
    for (char *p = buf; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < ' ')
            *p = '?';  /* it goes into a C string as it is */
    return xstrdup(buf);
}

static holder *holder_of(scan *s, CXCursor decl, int add)
{
    decl = clang_getCanonicalCursor(decl);
    for (int i = 0; i < s->nholders; i++)
        if (clang_equalCursors(s->holders[i].decl, decl))
            return &s->holders[i];
    if (!add)
        return NULL;
    if (s->nholders == s->capholders) {
        s->capholders = s->capholders ? s->capholders * 2 : 32;
        s->holders = xrealloc(s->holders, (size_t)s->capholders * sizeof *s->holders);
    }
    holder *h = &s->holders[s->nholders++];
    h->decl = decl;
    h->from = xcalloc((size_t)(s->nsites ? s->nsites : 1), 1);
    return h;
}

static asite *site_at(scan *s, unsigned offset)
{
    for (int i = 0; i < s->nsites; i++)
        if (s->sites[i].offset == offset)
            return &s->sites[i];
    return NULL;
}

static void push(scan *s, CXCursor c)
{
    if (s->nanc == s->capanc) {
        s->capanc = s->capanc ? s->capanc * 2 : 64;
        s->anc = xrealloc(s->anc, (size_t)s->capanc * sizeof *s->anc);
    }
    s->anc[s->nanc++] = c;
}

static int reads_holders(scan *s, CXCursor e, unsigned char *mark, int under_addr);

static int is_pointer(CXCursor e)
{
    return clang_getCanonicalType(clang_getCursorType(e)).kind == CXType_Pointer;
}

/* 1 when the object lvalue e designates may lie in an untyped block, so
 * that &e points into one: a path through a pointer that holds one
 * (p[i], p->m, *p). A variable's own address (&p, &s.m, &pools[i] of an
 * array of pointers) is not into the block the variable holds. */
static int lvalue_into(scan *s, CXCursor e, unsigned char *mark)
{
    e = bare_expr(e);
    enum CXCursorKind k = clang_getCursorKind(e);
    kids ch = children(e);
    int any;
    if (k == CXCursor_DeclRefExpr || k == CXCursor_CompoundLiteralExpr || k == CXCursor_StringLiteral) {
        any = 0;
    } else if (k == CXCursor_ArraySubscriptExpr && ch.n == 2) {
        int p = is_pointer(ch.c[0]) ? 0 : is_pointer(ch.c[1]) ? 1 : -1;  /* p[i], or i[p] */
        any = p >= 0 ? reads_holders(s, ch.c[p], mark, 0) : lvalue_into(s, ch.c[0], mark);
    } else if (k == CXCursor_MemberRefExpr && ch.n == 1) {
        any = is_pointer(ch.c[0]) ? reads_holders(s, ch.c[0], mark, 0) : lvalue_into(s, ch.c[0], mark);
    } else if (k == CXCursor_UnaryOperator && ch.n == 1 && is_pointer(ch.c[0])) {
        any = reads_holders(s, ch.c[0], mark, 0);  /* *p */
    } else {
        any = reads_holders(s, e, mark, 1);  /* a shape not followed here: as if into the block */
    }
    free(ch.c);
    return any;
}

/* 1 when the value of e may be (or point into) an untyped block: it
 * reads a variable, member or parameter that holds one, calls a function
 * that returns one, or is such an allocation. Only pointer-valued parts
 * count (pool + used, &pool[used], but not pool[used]); mark (if set) gets
 * the sites. */
static int reads_holders(scan *s, CXCursor e, unsigned char *mark, int under_addr)
{
    enum CXCursorKind k = clang_getCursorKind(e);
    if (k == CXCursor_UnaryExpr)
        return 0;  /* sizeof, _Alignof: not evaluated */
    int any = 0;
    asite *call_site = k == CXCursor_CallExpr ? site_at(s, cur_start(e)) : NULL;
    if (call_site) {  /* an allocation (a spec's pool_alloc too): its own block, not what its body returns */
        if (call_site->untyped && mark)
            mark[call_site - s->sites] = 1;
        return call_site->untyped;
    }
    if (k == CXCursor_DeclRefExpr || k == CXCursor_MemberRefExpr || k == CXCursor_CallExpr) {
        CXCursor ref = clang_getCursorReferenced(e);
        holder *h = clang_Cursor_isNull(ref) ? NULL : holder_of(s, ref, 0);
        if (h) {
            any = 1;
            for (int i = 0; mark && i < s->nsites; i++)
                mark[i] |= h->from[i];
        }
    }
    if (k == CXCursor_CallExpr)
        return any;  /* its arguments are not its value */
    CXType et = clang_getCanonicalType(clang_getCursorType(e));
    int array = et.kind == CXType_ConstantArray || et.kind == CXType_IncompleteArray;
    if (k == CXCursor_MemberRefExpr && !under_addr && !array)
        return any;  /* a member's value, not its struct's address (an array member's is) */
    under_addr |= k == CXCursor_MemberRefExpr && array;
    int addr = under_addr;
    if (k == CXCursor_UnaryOperator) {
        char *op = operator_of(s->tu, e);
        int address_of = strcmp(op, "&") == 0;
        int deref = strcmp(op, "*") == 0;
        free(op);
        if (address_of) {
            kids ch = children(e);
            if (ch.n == 1)
                any |= lvalue_into(s, ch.c[0], mark);
            free(ch.c);
            return any;
        }
        if (deref && !under_addr)
            return any;
    }
    kids ch = children(e);
    for (int i = 0; i < ch.n; i++) {
        CXType ct = clang_getCanonicalType(clang_getCursorType(ch.c[i]));
        int pointerish = ct.kind == CXType_Pointer || ct.kind == CXType_ConstantArray ||
                         ct.kind == CXType_IncompleteArray;
        if (k == CXCursor_ArraySubscriptExpr && i > 0)
            continue;  /* the index */
        if (addr || pointerish || (k == CXCursor_ArraySubscriptExpr && i == 0))
            any |= reads_holders(s, ch.c[i], mark, addr);
    }
    free(ch.c);
    return any;
}

/* decl (a variable, member, parameter or function) gets the sites e reads. */
static void flow(scan *s, CXCursor decl, CXCursor e)
{
    if (clang_Cursor_isNull(decl) || clang_Cursor_isNull(e))
        return;
    unsigned char *mark = xcalloc((size_t)(s->nsites ? s->nsites : 1), 1);
    if (reads_holders(s, e, mark, 0)) {
        holder *h = holder_of(s, decl, 1);
        for (int i = 0; i < s->nsites; i++)
            if (mark[i] && !h->from[i]) {
                h->from[i] = 1;
                s->changed = 1;
            }
    }
    free(mark);
}

static void note_use(scan *s, CXType to, CXCursor e, CXCursor at);

/* The declaration an lvalue names (p, s.pool, s->pool, pools[i]), or a
 * null cursor. */
static CXCursor lvalue_decl(CXCursor e)
{
    e = bare_expr(e);
    enum CXCursorKind k = clang_getCursorKind(e);
    if (k == CXCursor_ArraySubscriptExpr) {
        kids ch = children(e);
        CXCursor base = ch.n ? ch.c[0] : clang_getNullCursor();
        free(ch.c);
        return clang_Cursor_isNull(base) ? base : lvalue_decl(base);
    }
    if (k == CXCursor_DeclRefExpr || k == CXCursor_MemberRefExpr)
        return clang_getCursorReferenced(e);
    return clang_getNullCursor();
}

static CXCursor enclosing_function(scan *s)
{
    for (int i = s->nanc - 1; i >= 0; i--)
        if (clang_getCursorKind(s->anc[i]) == CXCursor_FunctionDecl)
            return s->anc[i];
    return clang_getNullCursor();
}

/* Second pass, repeated until nothing changes: values flow into
 * variables, members, parameters and return values; conversions to
 * pointers are uses. */
static void flows(scan *s, CXCursor c, int uses)
{
    push(s, c);
    enum CXCursorKind k = clang_getCursorKind(c);
    kids ch = children(c);
    if (k == CXCursor_VarDecl && ch.n > 0) {
        CXCursor init = ch.c[ch.n - 1];
        if (clang_getCanonicalType(clang_getCursorType(c)).kind == CXType_Pointer) {
            flow(s, c, init);
            if (uses)
                note_use(s, clang_getCursorType(c), init, c);
        }
    } else if (k == CXCursor_BinaryOperator && ch.n == 2 && binary_op(s->tu, c, "=") &&
               clang_getCanonicalType(clang_getCursorType(ch.c[0])).kind == CXType_Pointer) {
        flow(s, lvalue_decl(ch.c[0]), ch.c[1]);
        if (uses)
            note_use(s, clang_getCursorType(ch.c[0]), ch.c[1], c);
    } else if (k == CXCursor_CompoundAssignOperator && ch.n == 2) {
        /* p += n keeps what p holds */
    } else if (k == CXCursor_ReturnStmt && ch.n == 1) {
        CXCursor f = enclosing_function(s);
        if (!clang_Cursor_isNull(f) && clang_getCanonicalType(clang_getCursorResultType(f)).kind == CXType_Pointer) {
            flow(s, f, ch.c[0]);
            if (uses)
                note_use(s, clang_getCursorResultType(f), ch.c[0], c);
        }
    } else if (k == CXCursor_CStyleCastExpr && ch.n > 0 && uses) {
        note_use(s, clang_getCursorType(c), ch.c[ch.n - 1], c);
    } else if (k == CXCursor_CallExpr) {
        CXCursor callee = clang_getCursorReferenced(c);
        CXCursor def = clang_Cursor_isNull(callee) ? callee : clang_getCursorDefinition(callee);
        int nargs = clang_Cursor_getNumArguments(c);
        for (int i = 0; !clang_Cursor_isNull(def) && i < nargs && i < clang_Cursor_getNumArguments(def); i++) {
            CXCursor parm = clang_Cursor_getArgument(def, (unsigned)i);
            if (clang_getCanonicalType(clang_getCursorType(parm)).kind != CXType_Pointer)
                continue;
            flow(s, parm, clang_Cursor_getArgument(c, (unsigned)i));
            if (uses)
                note_use(s, clang_getCursorType(parm), clang_Cursor_getArgument(c, (unsigned)i), c);
        }
    }
    for (int i = 0; i < ch.n; i++)
        if (!in_system_header(ch.c[i]))
            flows(s, ch.c[i], uses);
    free(ch.c);
    s->nanc--;
}

/* e, holding untyped blocks, becomes a pointer to: what the pointed-to
 * type holds marks the sites, and a type with pointers is reported. */
static void note_use(scan *s, CXType to, CXCursor e, CXCursor at)
{
    CXType c = clang_getCanonicalType(to);
    if (c.kind != CXType_Pointer || heap_says_nothing(clang_getPointeeType(c)))
        return;
    unsigned char *mark = xcalloc((size_t)(s->nsites ? s->nsites : 1), 1);
    if (reads_holders(s, e, mark, 0)) {
        while (to.kind == CXType_Typedef || to.kind == CXType_Elaborated)  /* nump, a typedef of num * */
            to = to.kind == CXType_Typedef ? clang_getTypedefDeclUnderlyingType(clang_getTypeDeclaration(to))
                                           : clang_Type_getNamedType(to);
        CXType pointee = clang_getPointeeType(to);
        if (pointee.kind == CXType_Invalid)
            pointee = clang_getPointeeType(c);
        int h = holds(pointee, 0);
        CXString sp = clang_getTypeSpelling(pointee);
        const char *spelled = clang_getCString(sp);
        while (strncmp(spelled, "const ", 6) == 0 || strncmp(spelled, "volatile ", 9) == 0)
            spelled = strchr(spelled, ' ') + 1;  /* the type, not how this use may touch it */
        for (int i = 0; i < s->nsites; i++) {
            asite *a = &s->sites[i];
            if (!mark[i] || !a->untyped || (a->flags & h) == h)
                continue;
            if (a->ch.kind == AT_FLEX && same_record(pointee, a->ch.header))
                continue;  /* the block as its own header (const or not): typed */
            char *use_where = heap_where(at);
            if ((h & HOLDS_POINTERS) && !(a->flags & HOLDS_POINTERS)) {
                warn_at(at, "the block from the allocation at %s is used as %s, which holds pointers: type the "
                        "allocation (with a sizeof of that type); a checkpoint that holds it is refused",
                        a->where, spelled);
                free(a->used_as);
                a->used_as = NULL;
            }
            if (!a->used_as || (h & HOLDS_POINTERS)) {
                char buf[700];
                snprintf(buf, sizeof buf, "%s at %s", spelled, use_where);
                free(a->used_as);
                a->used_as = xstrdup(buf);
            }
            a->flags |= h;
            free(use_where);
        }
        clang_disposeString(sp);
    }
    free(mark);
}

void heap_follow(CXTranslationUnit tu, asite *sites, int nsites)
{
    scan s = { .tu = tu, .sites = sites, .nsites = nsites };
    CXCursor root = clang_getTranslationUnitCursor(tu);
    int rounds = 0;
    do {  /* what flows where, until nothing more does */
        s.changed = 0;
        flows(&s, root, 0);
    } while (s.changed && ++rounds < MAX_ROUNDS);
    flows(&s, root, 1);
    for (int i = 0; i < s.nholders; i++)
        free(s.holders[i].from);
    free(s.holders);
    free(s.anc);
}
