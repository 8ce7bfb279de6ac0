/* layoutnum.c: mtcc's inference of numbers that depend on the layout.
 *
 * A size (sizeof, _Alignof), an offset (offsetof) or a distance in bytes
 * between addresses into objects whose layout differs between ABIs is the
 * writer's number only: kept across a checkpoint and restored onto another
 * layout it is wrong (lemon's list sort keeps the byte offset of its link).
 * This finds the integer storage such a number is stored into, by the same
 * flow-insensitive fixpoint as hidden.c's (a variable by its declaration, a
 * member by type and member, what a function returns, a parameter by its
 * arguments, what the pointers kept in any of these point to, a level of
 * keys for each level of pointers, and the members of a union together).
 * types.c gives that storage the runtime's layout class, which
 * a restore onto a layout that differs refuses by name unless it holds 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"

/* The fixpoint adds marks only; a bound keeps a pathological file cheap. */
#define MAX_ROUNDS 32
/* Nested types and typedef chains deeper than this are judged layout. */
#define MAX_DEPTH 64

/* What the size and alignment of a type are across the six ABIs. */
enum fix {
    FIX_NONE,  /* the size or a member's offset may differ: long, pointers, long double,
                  struct { int a; double b; } */
    FIX_SIZE,  /* size and offsets are one, the alignment inside a struct is not (double,
                  int64_t, struct { double x, y; }) */
    FIX_ALL    /* all are one: char, short, int, float, enums and structs of them */
};

static struct {
    markset marks;
    int ldouble;      /* a marked number may depend on where a long double goes */
    int shared;       /* several files in one command share their marks */
    CXTranslationUnit tu;
} ls;

/* ---- Marks ------------------------------------------------------------------------------ */

static char *decl_key(char kind, CXCursor decl) { return usr_key(kind, decl); }
static int marked(const char *key) { return markset_has(&ls.marks, key); }
static void key_mark(char *key) { markset_add(&ls.marks, key); }
static int key_marked(char *key) { return markset_take(&ls.marks, key); }

static int integer_storage(CXType t) { return plain_integer_type(t); }

static int is_array(CXType t)
{
    enum CXTypeKind k = clang_getCanonicalType(t).kind;
    return k == CXType_ConstantArray || k == CXType_IncompleteArray || k == CXType_VariableArray;
}

/* The canonical type of t's elements through arrays (t itself if none). */
static CXType element_type(CXType t)
{
    CXType c = clang_getCanonicalType(t);
    for (int depth = 0; is_array(c) && depth < MAX_DEPTH; depth++)
        c = clang_getCanonicalType(clang_getArrayElementType(c));
    return c;
}

/* An integer, or an array of them (its initializer list may hold sizes). */
static int integer_elements(CXType t) { return integer_storage(element_type(t)); }

/* ---- Which types have one layout --------------------------------------------------------- */

static int in_list(const char *name, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return 0;
}

/* glibc's exact-width integers: a typedef chain is judged by these names
 * before its canonical type, so that int64_t (long on LP64, long long on
 * ILP32) gets one verdict on every ABI, as the descriptors must. */
static const char *const narrow_exact[] = {
    "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t", "__int8_t", "__uint8_t",
    "__int16_t", "__uint16_t", "__int32_t", "__uint32_t", NULL
};
static const char *const wide_exact[] = { "int64_t", "uint64_t", "__int64_t", "__uint64_t", NULL };

/* Where a type's parts lie under the two ways the six ABIs align an
 * 8-byte scalar: to 8 (the 64-bit ABIs, armhf, ppc) and to 4 (i686, in
 * structs). Other scalars have one size and alignment on all six. A type
 * with a part of no one size (long, a pointer, long double, a bit-field,
 * a system typedef) has no shape: it moves. */
enum { ALIGN8, ALIGN4, MODELS };

typedef struct shape {
    int known;
    long long size[MODELS], align[MODELS];
    int moved;   /* a member lies at another offset under the two */
} shape;

static shape shape_of(CXType t, int depth);

static shape scalar_shape(long long size, long long align8, long long align4)
{
    shape sh = { 1, { size, size }, { align8, align4 }, 0 };
    return sh;
}

static long long round_up(long long n, long long to) { return (n + to - 1) / to * to; }

typedef struct field_walk {
    shape sh;
    long long end[MODELS];
    int is_union, depth;
} field_walk;

static enum CXVisitorResult place_field(CXCursor field, CXClientData data)
{
    field_walk *w = data;
    shape f = clang_Cursor_isBitField(field) ? (shape){ 0 } : shape_of(clang_getCursorType(field), w->depth + 1);
    if (!f.known) {
        w->sh.known = 0;
        return CXVisit_Break;
    }
    long long at[MODELS];
    for (int m = 0; m < MODELS; m++) {
        at[m] = w->is_union ? 0 : round_up(w->end[m], f.align[m]);
        long long end = at[m] + f.size[m];
        w->end[m] = w->is_union && w->end[m] > end ? w->end[m] : end;
        if (f.align[m] > w->sh.align[m])
            w->sh.align[m] = f.align[m];
    }
    w->sh.moved |= f.moved || at[ALIGN8] != at[ALIGN4];
    return CXVisit_Continue;
}

static shape record_shape(CXType canon, int depth)
{
    CXCursor decl = clang_getTypeDeclaration(canon);
    field_walk w = { { 1, { 0, 0 }, { 1, 1 }, 0 }, { 0, 0 }, clang_getCursorKind(decl) == CXCursor_UnionDecl, depth };
    clang_Type_visitFields(canon, place_field, &w);
    for (int m = 0; m < MODELS; m++)
        w.sh.size[m] = round_up(w.end[m], w.sh.align[m]);
    return w.sh;
}

static shape builtin_shape(CXType canon)
{
    switch (canon.kind) {
    case CXType_Bool: case CXType_Char_U: case CXType_UChar: case CXType_Char_S: case CXType_SChar:
        return scalar_shape(1, 1, 1);
    case CXType_Short: case CXType_UShort: return scalar_shape(2, 2, 2);
    case CXType_Int: case CXType_UInt: case CXType_Float: case CXType_Enum: return scalar_shape(4, 4, 4);
    case CXType_LongLong: case CXType_ULongLong: case CXType_Double: return scalar_shape(8, 8, 4);
    default: return (shape){ 0 };
    }
}

static shape shape_of(CXType t, int depth)
{
    if (depth > MAX_DEPTH)
        return (shape){ 0 };
    if (t.kind == CXType_Elaborated)
        return shape_of(clang_Type_getNamedType(t), depth + 1);
    if (t.kind == CXType_Typedef) {
        CXString n = clang_getTypedefName(t);
        const char *name = clang_getCString(n);
        int narrow = in_list(name, narrow_exact), wide = in_list(name, wide_exact);
        clang_disposeString(n);
        CXCursor decl = clang_getTypeDeclaration(t);
        if (narrow || wide)
            return wide ? scalar_shape(8, 8, 4) : builtin_shape(clang_getCanonicalType(t));
        /* a system typedef other than those names may be another type on
         * another ABI (size_t, intptr_t, off64_t): it moves */
        if (clang_Location_isInSystemHeader(clang_getCursorLocation(decl)))
            return (shape){ 0 };
        return shape_of(clang_getTypedefDeclUnderlyingType(decl), depth + 1);
    }
    CXType canon = clang_getCanonicalType(t);
    int sugar = t.kind == CXType_ConstantArray || t.kind == CXType_VariableArray || t.kind == CXType_IncompleteArray;
    CXType arr = sugar ? t : canon;
    if (arr.kind == CXType_ConstantArray) {
        shape sh = shape_of(clang_getArrayElementType(arr), depth + 1);
        long long n = clang_getArraySize(arr);
        for (int m = 0; m < MODELS; m++)
            sh.size[m] *= n;
        return sh;
    }
    /* a variable-length array: its elements' (its size is a count of them) */
    if (arr.kind == CXType_VariableArray || arr.kind == CXType_IncompleteArray)
        return shape_of(clang_getArrayElementType(arr), depth + 1);
    if (canon.kind == CXType_Record)
        return record_shape(canon, depth);
    return builtin_shape(canon);
}

static enum fix fix_of_depth(CXType t, int depth)
{
    shape sh = shape_of(t, depth);
    if (!sh.known || sh.moved || sh.size[ALIGN8] != sh.size[ALIGN4])
        return FIX_NONE;
    return sh.align[ALIGN8] == sh.align[ALIGN4] ? FIX_ALL : FIX_SIZE;
}

static enum fix fix_of(CXType t) { return fix_of_depth(t, 0); }

/* 1 when a long double lies anywhere in t: where it goes is the one
 * difference between the layouts of x86_64 and s390x. */
static enum CXVisitorResult field_has_ldouble(CXCursor field, CXClientData data);

static int has_ldouble_depth(CXType t, int depth)
{
    CXType canon = clang_getCanonicalType(t);
    if (depth > MAX_DEPTH)
        return 1;
    if (canon.kind == CXType_LongDouble)
        return 1;
    if (canon.kind == CXType_Complex || canon.kind == CXType_ConstantArray || canon.kind == CXType_IncompleteArray)
        return has_ldouble_depth(canon.kind == CXType_Complex ? clang_getElementType(canon)
                                                              : clang_getArrayElementType(canon), depth + 1);
    if (canon.kind != CXType_Record)
        return 0;
    int found = 0;
    clang_Type_visitFields(canon, field_has_ldouble, &found);
    return found;
}

static enum CXVisitorResult field_has_ldouble(CXCursor field, CXClientData data)
{
    int *found = data;
    *found = has_ldouble_depth(clang_getCursorType(field), 1);
    return *found ? CXVisit_Break : CXVisit_Continue;
}

/* ---- Expressions ------------------------------------------------------------------------ */

static CXCursor child_at(CXCursor c, int i)
{
    kids k = children(c);
    CXCursor r = i < k.n ? k.c[i] : clang_getNullCursor();
    free(k.c);
    return r;
}

static int nchildren(CXCursor c)
{
    kids k = children(c);
    free(k.c);
    return k.n;
}

static int is_pointer(CXType t) { return clang_getCanonicalType(t).kind == CXType_Pointer; }

/* 1 when e is the unary operator op (*p, &x). */
static int unary_is(CXCursor e, const char *op)
{
    if (clang_getCursorKind(e) != CXCursor_UnaryOperator)
        return 0;
    char *o = operator_of(clang_Cursor_getTranslationUnit(e), e);
    int r = strcmp(o, op) == 0;
    free(o);
    return r;
}

/* A layout number found: what it depends on decides the runtime's test. */
static int layout_found(CXType of)
{
    if (of.kind == CXType_Invalid || has_ldouble_depth(of, 0))
        ls.ldouble = 1;
    return 1;
}

/* sizeof, _Alignof: the type is the operand's, or the type written (a
 * TypeRef child, or none for keywords: one "long" is long or long
 * double); "*" among the tokens makes it a pointer whatever the TypeRef
 * names. A size moves when the type's does, an alignment unless nothing
 * in the type moves. Tokens out of sight (a macro) count as _Alignof. */
static int trait_is_layout(CXCursor e)
{
    CXCursor first = child_at(e, 0);
    unsigned n;
    CXToken *toks;
    clang_tokenize(ls.tu, clang_getCursorExtent(e), &toks, &n);
    int is_sizeof = 0, stars = 0, longs = 0, doubles = 0;
    for (unsigned i = 0; i < n; i++) {
        CXString sp = clang_getTokenSpelling(ls.tu, toks[i]);
        const char *s = clang_getCString(sp);
        is_sizeof |= i == 0 && strcmp(s, "sizeof") == 0;
        stars += strcmp(s, "*") == 0;
        longs += strcmp(s, "long") == 0;
        doubles += strcmp(s, "double") == 0;
        clang_disposeString(sp);
    }
    clang_disposeTokens(ls.tu, toks, n);
    CXType none = { CXType_Invalid, { 0, 0 } };
    int typed = !clang_Cursor_isNull(first);
    if (is_sizeof && !typed && !stars && longs == 1) {  /* long, or long double */
        ls.ldouble |= doubles > 0;
        return 1;
    }
    if (is_sizeof && !typed)
        return stars ? 1 : 0;  /* a pointer: no long double in it */
    if (is_sizeof && stars && clang_getCursorKind(first) == CXCursor_TypeRef)
        return 1;  /* a pointer to a type named */
    if (!typed)
        return layout_found(none);
    CXType t = clang_getCursorType(first);
    enum fix f = fix_of(t);
    return (is_sizeof ? f == FIX_NONE : f != FIX_ALL) ? layout_found(t) : 0;
}

/* offsetof(T, m): an unexposed expression whose first child names T. */
static int offsetof_is_layout(CXCursor e)
{
    CXCursor first = child_at(e, 0);
    if (clang_Cursor_isNull(first) || clang_getCursorKind(first) != CXCursor_TypeRef)
        return -1;  /* not an offsetof */
    CXType t = clang_getCursorType(first);
    return fix_of(t) == FIX_NONE ? layout_found(t) : 0;  /* offsets are one under FIX_SIZE too */
}

/* The pointer a byte view (char *)p or (uintptr_t)p is made of, or a
 * null cursor when e is none. */
static CXCursor viewed_pointer(CXCursor e)
{
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
        e = bare_expr(e);
        if (clang_getCursorKind(e) != CXCursor_CStyleCastExpr)
            return clang_getNullCursor();
        CXCursor in = bare_expr(child_at(e, nchildren(e) - 1));
        if (clang_Cursor_isNull(in) || is_pointer(clang_getCursorType(in)))
            return in;
        e = in;
    }
    return clang_getNullCursor();
}

/* What the pointer p points to, as written, or an invalid type. */
static CXType pointee_of(CXCursor p)
{
    CXType none = { CXType_Invalid, { 0, 0 } };
    return clang_Cursor_isNull(p) ? none : clang_getPointeeType(clang_getCursorType(p));
}

/* 1 when e views as bytes an object whose layout differs: (char *)p or
 * (uintptr_t)p for p pointing to such a type (lemon's char **next). */
static int views_layout(CXCursor e)
{
    CXType t = pointee_of(viewed_pointer(e));
    if (t.kind == CXType_Invalid || clang_getCanonicalType(t).kind == CXType_Void)
        return 0;
    return fix_of(t) == FIX_NONE;
}

/* A distance between two addresses moves with the layout of the object
 * around them: a long double there matters unless one operand views a
 * struct, the object whose insides the distance measures. */
static int distance_found(CXCursor a, CXCursor b)
{
    CXType ta = pointee_of(viewed_pointer(a)), tb = pointee_of(viewed_pointer(b));
    int ra = clang_getCanonicalType(ta).kind == CXType_Record, rb = clang_getCanonicalType(tb).kind == CXType_Record;
    CXType none = { CXType_Invalid, { 0, 0 } };
    if (!ra && !rb)
        return layout_found(none);
    if ((ra && has_ldouble_depth(ta, 0)) || (rb && has_ldouble_depth(tb, 0)))
        ls.ldouble = 1;
    return 1;
}

/* An address as an integer: a pointer cast, or storage hidden.c saw an
 * address stored in (what it points to is not known: assumed to move). */
static int integer_address(CXCursor e, int *moves)
{
    e = bare_expr(e);
    enum CXCursorKind k = clang_getCursorKind(e);
    if (k == CXCursor_CStyleCastExpr) {
        if (clang_Cursor_isNull(viewed_pointer(e)))
            return 0;
        *moves |= views_layout(e);
        return 1;
    }
    if ((k == CXCursor_DeclRefExpr || k == CXCursor_MemberRefExpr) && hidden_decl(clang_getCursorReferenced(e))) {
        *moves = 1;
        return 1;
    }
    return 0;
}

/* 1 when e is the address of a member (&s->b, (char *)&s.b), whose
 * distance to anything else in the struct moves with the struct's layout
 * whatever the member's own type: &s->b - &s->a counts ints, two or four
 * of them. */
static int member_address_moves(CXCursor e)
{
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
        e = bare_expr(e);
        if (clang_getCursorKind(e) != CXCursor_CStyleCastExpr)
            break;
        e = child_at(e, nchildren(e) - 1);
    }
    if (!unary_is(e, "&"))
        return 0;
    CXCursor m = bare_expr(child_at(e, 0));
    if (clang_getCursorKind(m) != CXCursor_MemberRefExpr)
        return 0;
    CXCursor record = clang_getCursorSemanticParent(clang_getCursorReferenced(m));
    CXType rt = clang_getCursorType(record);
    if (rt.kind == CXType_Invalid || fix_of(rt) != FIX_NONE)
        return 0;
    return layout_found(rt);
}

/* a - b of two addresses counted in bytes: a pointer difference of
 * character pointers, or of two addresses cast to integers; or of any
 * two addresses of which one is a member's in a struct that moves. */
static int distance_is_layout(CXCursor a, CXCursor b)
{
    CXType at = clang_getCursorType(a);
    if (member_address_moves(a) || member_address_moves(b))
        return 1;
    if (is_pointer(at)) {
        CXType pointee = clang_getCanonicalType(clang_getPointeeType(clang_getCanonicalType(at)));
        if (clang_Type_getSizeOf(pointee) != 1 && pointee.kind != CXType_Void)
            return 0;  /* counted in elements of one type: the same count everywhere */
        return (views_layout(a) || views_layout(b)) && distance_found(a, b);
    }
    int moves = 0;
    return integer_address(a, &moves) && integer_address(b, &moves) && moves && distance_found(a, b);
}

static char *storage_key(CXCursor lv);
static int layout_expr(CXCursor e);

static int binary_is_layout(CXCursor e)
{
    char *op = operator_of(ls.tu, e);
    CXCursor a = child_at(e, 0), b = child_at(e, 1);
    int r;
    if (strcmp(op, "=") == 0 || strcmp(op, ",") == 0)
        r = layout_expr(b);
    else if (strcmp(op, "/") == 0)  /* a size over a size is a count: sizeof a / sizeof a[0] */
        r = layout_expr(a) != layout_expr(b);
    else if (strcmp(op, "-") == 0 && distance_is_layout(a, b))
        r = 1;
    else
        r = layout_expr(a) || layout_expr(b);
    free(op);
    return r;
}

/* What an element of an initializer list is: a plain value, .a.b = v
 * (*field the last member named) or another designator ([3] = v). A
 * designated value is an unexposed expression of two children or more,
 * the designators first (offsetof's first child is a TypeRef). */
enum designation { PLAIN, MEMBER, OTHER };

static enum designation designated(CXCursor e, CXCursor *field, CXCursor *value)
{
    *field = clang_getNullCursor();
    *value = e;
    kids ch = children(e);
    enum designation d = PLAIN;
    if (clang_getCursorKind(e) == CXCursor_UnexposedExpr && ch.n >= 2 &&
        clang_getCursorKind(ch.c[0]) != CXCursor_TypeRef) {
        d = MEMBER;
        for (int i = 0; i < ch.n - 1; i++)
            if (clang_getCursorKind(ch.c[i]) == CXCursor_MemberRef)
                *field = clang_getCursorReferenced(ch.c[i]);
            else
                d = OTHER;
        *value = ch.c[ch.n - 1];
    }
    if (d != MEMBER)
        *field = clang_getNullCursor();
    free(ch.c);
    return d;
}

/* { sizeof(a), sizeof(b) } of an array of integers: one value of the
 * layout marks the array. A struct's list marks members instead. */
static int list_is_layout(CXCursor list)
{
    if (clang_getCanonicalType(clang_getCursorType(list)).kind == CXType_Record)
        return 0;
    kids ch = children(list);
    int r = 0;
    for (int i = 0; i < ch.n && !r; i++) {
        CXCursor field, value;
        designated(ch.c[i], &field, &value);
        r = layout_expr(value);
    }
    free(ch.c);
    return r;
}

/* 1 when integer expression e may be a number of the layout. */
static int layout_expr(CXCursor e)
{
    if (clang_Cursor_isNull(e))
        return 0;
    switch (clang_getCursorKind(e)) {
    case CXCursor_UnaryExpr: return trait_is_layout(e);
    case CXCursor_UnexposedExpr: {  /* offsetof, or an implicit conversion */
        int off = offsetof_is_layout(e);
        int n = nchildren(e);
        return off >= 0 ? off : n ? layout_expr(child_at(e, n - 1)) : 0;
    }
    case CXCursor_CStyleCastExpr: {  /* (size_t)&((T *)0)->m: offsetof written by hand */
        CXType record;
        int n = nchildren(e);
        CXCursor in = n ? child_at(e, n - 1) : clang_getNullCursor();
        if (!clang_Cursor_isNull(in) && null_member_address(in, &record))
            return fix_of(record) == FIX_NONE ? layout_found(record) : 0;
        return n ? layout_expr(in) : 0;
    }
    case CXCursor_ParenExpr: {
        int n = nchildren(e);
        return n ? layout_expr(child_at(e, n - 1)) : 0;
    }
    case CXCursor_DeclRefExpr:
    case CXCursor_MemberRefExpr:
    case CXCursor_ArraySubscriptExpr: return key_marked(storage_key(e));  /* p[i]: what p points to */
    case CXCursor_UnaryOperator:
        if (unary_is(e, "*"))  /* the value p points to, not p's */
            return key_marked(storage_key(e));
        return !unary_is(e, "&") && layout_expr(child_at(e, 0));
    case CXCursor_BinaryOperator: return binary_is_layout(e);
    case CXCursor_CompoundAssignOperator: return layout_expr(child_at(e, 0)) || layout_expr(child_at(e, 1));
    case CXCursor_ConditionalOperator:
        return layout_expr(child_at(e, 0)) || layout_expr(child_at(e, 1)) || layout_expr(child_at(e, 2));
    case CXCursor_CallExpr: {
        CXCursor callee = clang_getCursorReferenced(e);
        return !clang_Cursor_isNull(callee) && key_marked(decl_key('r', callee));
    }
    case CXCursor_InitListExpr: return list_is_layout(e);
    default: return 0;
    }
}

/* ---- Keys of storage ---------------------------------------------------------------------- */

/* A key names storage: "v:USR" a variable or parameter (every element of
 * an array variable), "f:USR" a member (in every object of its struct or
 * union), "r:USR" what a function returns; "o" before a key names what
 * the pointers kept there point to: "ov:USR" the integers an out
 * parameter size_t *out reaches, "of:USR" those a member size_t *offs
 * reaches in every object of its struct, "oov:USR" those reached through
 * size_t **pp. Takes key; NULL stays NULL. */
static char *deref_key(char *key)
{
    if (!key)
        return NULL;
    char *o = xcalloc(1, strlen(key) + 2);
    o[0] = 'o';
    strcpy(o + 1, key);
    free(key);
    return o;
}

static int pointer_or_array(CXCursor e) { return is_pointer(clang_getCursorType(e)) || is_array(clang_getCursorType(e)); }

static char *target_key(CXCursor p);

/* The storage an lvalue names, as a key, or NULL: a variable, a member,
 * an element of an array (the array's key), what a pointer points to
 * (*p, p[i], *c->psize, **pp). */
static char *storage_key(CXCursor lv)
{
    lv = bare_expr(lv);
    switch (clang_getCursorKind(lv)) {
    case CXCursor_DeclRefExpr: return decl_key('v', clang_getCursorReferenced(lv));
    case CXCursor_MemberRefExpr: return decl_key('f', clang_getCursorReferenced(lv));
    case CXCursor_ArraySubscriptExpr: {  /* a[i], or i[a] */
        CXCursor base = child_at(lv, 0);
        return target_key(pointer_or_array(base) ? base : child_at(lv, 1));
    }
    case CXCursor_UnaryOperator: return unary_is(lv, "*") ? target_key(child_at(lv, 0)) : NULL;
    default: return NULL;
    }
}

/* The operand of a pointer sum or difference (p + n, n + p, p - n), or
 * of an assignment or comma (its value's). */
static CXCursor pointer_operand(CXCursor e)
{
    CXCursor a = child_at(e, 0), b = child_at(e, 1);
    CXTranslationUnit tu = clang_Cursor_getTranslationUnit(e);  /* heaptype.c asks too */
    if (binary_op(tu, e, "+") || binary_op(tu, e, "-"))
        return pointer_or_array(a) ? a : b;
    return b;  /* p = q, (x, q) */
}

/* What the value of pointer or array expression p points to, as a key,
 * or NULL when that is not known here (a block of the C library, an
 * integer cast to a pointer): &x is x, an array its elements, a pointer
 * kept in storage what that storage's pointers point to, a call what the
 * function's returns do; p + n, p++ and casts between pointers what p
 * does. */
static char *target_key(CXCursor p)
{
    p = bare_expr(p);
    if (is_array(clang_getCursorType(p)))
        return storage_key(p);
    if (!is_pointer(clang_getCursorType(p)))
        return NULL;
    switch (clang_getCursorKind(p)) {
    case CXCursor_DeclRefExpr:
    case CXCursor_MemberRefExpr:
    case CXCursor_ArraySubscriptExpr: return deref_key(storage_key(p));
    case CXCursor_UnaryOperator:
        if (unary_is(p, "&"))
            return storage_key(child_at(p, 0));
        return unary_is(p, "*") ? deref_key(storage_key(p)) : target_key(child_at(p, 0));  /* p++ */
    case CXCursor_CStyleCastExpr: {
        CXCursor in = child_at(p, nchildren(p) - 1);
        return !clang_Cursor_isNull(in) && pointer_or_array(in) ? target_key(in) : NULL;
    }
    case CXCursor_BinaryOperator: return target_key(pointer_operand(p));
    case CXCursor_CompoundAssignOperator: return target_key(child_at(p, 0));  /* p += n */
    case CXCursor_CallExpr: {  /* a function that returns storage of the program's: what it returns */
        CXCursor callee = clang_getCursorReferenced(p);
        return key_marked(decl_key('k', callee)) ? deref_key(decl_key('r', callee)) : NULL;
    }
    default: return NULL;
    }
}

static void store(CXCursor lhs, CXCursor rhs)
{
    if (integer_storage(clang_getCursorType(lhs)) && layout_expr(rhs))
        key_mark(storage_key(lhs));  /* also an out parameter: *size = sizeof(T) */
}

/* Keys a and b name the same storage: a mark on either is on both
 * (numbers stored through one pointer are read through the other). */
static void link_keys(const char *a, const char *b)
{
    if (marked(a) && !marked(b))
        key_mark(xstrdup(b));
    if (marked(b) && !marked(a))
        key_mark(xstrdup(a));
}

/* d and s name what two pointers of type t point to, the same storage;
 * so are what the pointers kept there point to, a level deeper for each
 * level of pointers in t (size_t **pp = &p: *pp is p, **pp is *p). Takes
 * d and s. */
static void link_levels(char *d, char *s, CXType t)
{
    for (int depth = 0; d && s && depth < MAX_DEPTH; depth++) {
        link_keys(d, s);
        t = clang_getPointeeType(clang_getCanonicalType(t));
        if (!is_pointer(t))
            break;
        d = deref_key(d);
        s = deref_key(s);
    }
    free(d);
    free(s);
}

/* Pointer value src stored into pointer storage dst of type t (an
 * assignment, an initializer, an argument, a return): dst's pointers
 * then point where src does. Numbers of the layout flow both ways:
 * stored through dst they mark that storage, and read through dst from
 * storage already marked they are numbers of the layout too. Takes dst. */
static void flows_into(char *dst, CXType t, CXCursor src)
{
    src = bare_expr(src);
    if (clang_getCursorKind(src) == CXCursor_ConditionalOperator && nchildren(src) == 3) {
        flows_into(dst ? xstrdup(dst) : NULL, t, child_at(src, 1));
        flows_into(dst, t, child_at(src, 2));
        return;
    }
    link_levels(deref_key(dst), target_key(src), t);
}

/* return v in a function that returns a pointer: a "k:" mark says that
 * it may return storage of the program's (not a new block of malloc's,
 * which would make every caller's pointer one), and v flows into what it
 * returns. */
static void returns_pointer(CXCursor fn, CXCursor v)
{
    char *known = target_key(v);
    if (known)
        key_mark(decl_key('k', fn));
    free(known);
    flows_into(decl_key('r', fn), clang_getCursorResultType(fn), v);
}

/* The pointer storage lhs = rhs assigns to, followed into. */
static void assign(CXCursor lhs, CXCursor rhs)
{
    CXType t = clang_getCursorType(lhs);
    if (is_pointer(t))
        flows_into(storage_key(lhs), t, rhs);
    else
        store(lhs, rhs);
}

/* Arguments that carry layout numbers into a defined function's integer
 * parameters, or pointers into its pointer parameters; and pthread_create's
 * argument into its start routine's parameter. */
static void check_call(CXCursor call)
{
    CXCursor arg, parm = thread_start_param(call, &arg);
    if (is_pointer(clang_getCursorType(parm)))
        flows_into(decl_key('v', parm), clang_getCursorType(parm), arg);
    CXCursor ref = clang_getCursorReferenced(call);
    CXCursor callee = clang_Cursor_isNull(ref) ? ref : clang_getCursorDefinition(ref);
    if (clang_Cursor_isNull(callee) || clang_getCursorKind(callee) != CXCursor_FunctionDecl)
        return;
    int n = clang_Cursor_getNumArguments(call), np = clang_Cursor_getNumArguments(callee);
    for (int i = 0; i < n && i < np; i++) {
        CXCursor parm = clang_Cursor_getArgument(callee, (unsigned)i);
        CXCursor arg = clang_Cursor_getArgument(call, (unsigned)i);
        if (integer_storage(clang_getCursorType(parm)) && layout_expr(arg))
            key_mark(decl_key('v', parm));
        if (is_pointer(clang_getCursorType(parm)))
            flows_into(decl_key('v', parm), clang_getCursorType(parm), arg);
    }
}

typedef struct field_list {
    CXCursor *c;
    int n;
} field_list;

static enum CXVisitorResult collect_field(CXCursor field, CXClientData data)
{
    field_list *f = data;
    f->c = xrealloc(f->c, (size_t)(f->n + 1) * sizeof *f->c);
    f->c[f->n++] = field;
    return CXVisit_Continue;
}

static void mark_field(CXCursor field)
{
    if (integer_elements(clang_getCursorType(field)))
        key_mark(decl_key('f', field));
}

/* { "a", offsetof(struct cfg, a) } for a struct or union: each number of
 * the layout marks the member it initializes, by position or by its
 * designator. Where the positions may not be the members' (a nested
 * aggregate's braces elided, an array designator), a number of the layout
 * anywhere in the list marks every integer member. */
static void check_init_list(CXCursor list)
{
    CXType t = clang_getCanonicalType(clang_getCursorType(list));
    if (t.kind != CXType_Record)
        return;
    field_list f = { NULL, 0 };
    clang_Type_visitFields(t, collect_field, &f);
    kids ch = children(list);
    int at = 0, lost = 0, any = 0;
    for (int i = 0; i < ch.n; i++) {
        CXCursor field, value;
        if (designated(ch.c[i], &field, &value) == OTHER)
            lost = 1;  /* an array designator here: positions are lost */
        if (clang_Cursor_isNull(field) && at < f.n)
            field = f.c[at];
        else if (clang_Cursor_isNull(field))
            lost = 1;
        for (int k = 0; k < f.n; k++)
            if (clang_equalCursors(f.c[k], field))
                at = k;
        at++;
        CXType ft = clang_getCanonicalType(clang_getCursorType(field));
        int aggregate = ft.kind == CXType_Record || ft.kind == CXType_ConstantArray;
        if (aggregate && clang_getCursorKind(bare_expr(value)) != CXCursor_InitListExpr)
            lost = 1;  /* braces elided: the next values fill its members */
        if (is_pointer(ft) && !clang_Cursor_isNull(field))  /* { &size, offs }: where its pointers point */
            flows_into(decl_key('f', field), clang_getCursorType(field), value);
        if (!layout_expr(value))
            continue;
        any = 1;
        if (!clang_Cursor_isNull(field))
            mark_field(field);
    }
    for (int k = 0; lost && any && k < f.n; k++)
        mark_field(f.c[k]);
    free(ch.c);
    free(f.c);
}

/* A pointer variable's initializer, or an array of pointers' list ({ &a,
 * &b }): each value flows into the variable. */
static void init_pointers(CXCursor var, CXCursor init)
{
    CXType t = clang_getCursorType(var);
    if (is_pointer(t)) {
        flows_into(decl_key('v', var), t, init);
        return;
    }
    CXType elem = clang_getArrayElementType(clang_getCanonicalType(t));
    if (!is_pointer(elem) || clang_getCursorKind(bare_expr(init)) != CXCursor_InitListExpr)
        return;
    kids ch = children(bare_expr(init));
    for (int i = 0; i < ch.n; i++)
        flows_into(decl_key('v', var), elem, ch.c[i]);
    free(ch.c);
}

/* ---- Unions ------------------------------------------------------------------------------- */

/* The members of a union share its bytes: a number of the layout stored
 * in an integer member is read through every other (and through the
 * integer members of its struct members, whose bytes it overlays), and a
 * pointer stored in one pointer member (or a struct member's) is read
 * through every other. */
typedef struct union_walk {
    int marked;       /* an integer member has a mark */
    int marking;      /* the second pass: mark them all */
    CXCursor pointer; /* the first pointer member, or a null cursor */
    int depth;
} union_walk;

static enum CXVisitorResult union_member(CXCursor field, CXClientData data)
{
    union_walk *w = data;
    CXType t = clang_getCursorType(field), elem = element_type(t);
    if (integer_storage(elem) && w->marking)
        key_mark(decl_key('f', field));
    else if (integer_storage(elem))
        w->marked |= key_marked(decl_key('f', field));
    else if (elem.kind == CXType_Record && w->depth < MAX_DEPTH) {
        w->depth++;
        clang_Type_visitFields(elem, union_member, w);
        w->depth--;
    } else if (is_pointer(t) && !w->marking) {
        if (clang_Cursor_isNull(w->pointer))
            w->pointer = field;
        else
            link_levels(deref_key(decl_key('f', w->pointer)), deref_key(decl_key('f', field)), t);
    }
    return CXVisit_Continue;
}

static void union_shares(CXCursor decl)
{
    CXType t = clang_getCursorType(decl);
    union_walk w = { 0, 0, clang_getNullCursor(), 0 };
    clang_Type_visitFields(t, union_member, &w);
    w.marking = w.marked;
    if (w.marking)
        clang_Type_visitFields(t, union_member, &w);
}

static void walk_node(CXCursor c, CXCursor fn);

static enum CXChildVisitResult walk_child(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    walk_node(c, *(CXCursor *)data);
    return CXChildVisit_Continue;
}

static void walk_node(CXCursor c, CXCursor fn)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_VarDecl) {
        CXCursor init = clang_Cursor_getVarDeclInitializer(c);
        if (!clang_Cursor_isNull(init) && integer_elements(clang_getCursorType(c)) && layout_expr(init))
            key_mark(decl_key('v', c));
        if (!clang_Cursor_isNull(init))
            init_pointers(c, init);
    } else if (k == CXCursor_BinaryOperator) {
        if (binary_op(ls.tu, c, "="))
            assign(bare_expr(child_at(c, 0)), child_at(c, 1));
    } else if (k == CXCursor_CompoundAssignOperator) {
        store(bare_expr(child_at(c, 0)), c);  /* x op= e: a layout number when either is */
    } else if (k == CXCursor_ReturnStmt && !clang_Cursor_isNull(fn)) {
        CXType rt = clang_getCursorResultType(fn);
        if (integer_storage(rt) && layout_expr(child_at(c, 0)))
            key_mark(decl_key('r', fn));
        if (is_pointer(rt) && nchildren(c))  /* return &c->size: what *f() reaches */
            returns_pointer(fn, child_at(c, 0));
    } else if (k == CXCursor_UnionDecl && clang_isCursorDefinition(c)) {
        union_shares(c);
    } else if (k == CXCursor_CallExpr) {
        check_call(c);
    } else if (k == CXCursor_InitListExpr) {
        check_init_list(c);
    }
    if (k == CXCursor_FunctionDecl)
        fn = c;
    clang_visitChildren(c, walk_child, &fn);
}

static enum CXChildVisitResult walk_top(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    (void)data;
    if (!in_system_header(c))
        walk_node(c, clang_getNullCursor());
    return CXChildVisit_Continue;
}

/* ---- Entry ---------------------------------------------------------------------------------- */

static void begin_unit(CXTranslationUnit tu)
{
    ls.tu = tu;
    if (ls.shared)
        return;
    markset_clear(&ls.marks);
    ls.ldouble = 0;
}

/* 1 when some storage may hold a number of the layout ("k:" marks name
 * functions that return the program's storage). */
static int numbers_marked(void)
{
    for (int i = 0; i < ls.marks.n; i++)
        if (ls.marks.keys[i][0] != 'k')
            return 1;
    return 0;
}

static void infer(CXTranslationUnit tu)
{
    CXCursor top = clang_getTranslationUnitCursor(tu);
    int rounds = 0;
    do {
        ls.marks.changed = 0;
        clang_visitChildren(top, walk_top, NULL);
    } while (ls.marks.changed && ++rounds < MAX_ROUNDS);
}

void layout_program_begin(void)
{
    ls.shared = 0;
    begin_unit(NULL);
    ls.shared = 1;
}

int layout_prescan(CXTranslationUnit tu)
{
    begin_unit(tu);
    int before = ls.marks.n;
    infer(tu);
    return ls.marks.n > before;
}

void layout_infer(CXTranslationUnit tu, strbuf *reg)
{
    begin_unit(tu);
    infer(tu);
    if (numbers_marked() && ls.ldouble)
        sb_printf(reg, "    mt_layout_uses_ldouble();\n");
}

int layout_decl(CXCursor decl)
{
    CXType t = clang_getCursorType(decl);
    while (clang_getCanonicalType(t).kind == CXType_ConstantArray)
        t = clang_getArrayElementType(clang_getCanonicalType(t));
    if (!integer_storage(t))
        return 0;
    return key_marked(decl_key(clang_getCursorKind(decl) == CXCursor_FieldDecl ? 'f' : 'v', decl));
}

int layout_pointee(CXCursor dest)
{
    enum CXCursorKind k = clang_getCursorKind(dest);
    int decl = k == CXCursor_VarDecl || k == CXCursor_ParmDecl;
    return key_marked(deref_key(decl ? decl_key('v', dest) : storage_key(dest)));
}

int layout_value(CXCursor e)
{
    return !clang_Cursor_isNull(e) && integer_storage(clang_getCursorType(e)) && layout_expr(e);
}

int number_mark(CXCursor decl)
{
    return hidden_decl(decl) ? MARK_ADDRESS : layout_decl(decl) ? MARK_LAYOUT : MARK_NONE;
}
