/* punned.c: which union types a program reads through a member other than
 * the one it stored (type punning), found flow-insensitively over a file.
 * The bytes of such a union mean what its stored member's representation
 * makes them mean when read as another member: byte order and layout
 * decide, so a restore refuses them where those differ (convert.c).
 *
 * Every use of a union member is classified by one walk from the top with
 * an access context, so every expression shape (., ->, array elements,
 * nested members, macros, conditionals) reduces to the same cases:
 * stored (assigned, initialized, ++/--, address taken as a pointer to
 * something writable), read (a value used, or its address taken as a
 * pointer to const). A member read and never stored in the file, in its
 * type or in one variable reached only by name, is marked as read while
 * another is stored (mt_type_punned); a union whose bytes are viewed as
 * another type is marked whole (a pointer to it, to a type holding it or
 * to a member converted to a pointer to another non-void type; a system
 * function other than the copying, freeing and sorting ones given such a
 * pointer). docs/design.md, "Unions", says what stays unseen. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

#include "mtcc.h"

enum access {
    AC_READ,      /* the value is used */
    AC_READ_RO,   /* the value becomes a pointer to const: an address taken reads only */
    AC_STORE,     /* the object is written */
    AC_RW,        /* read and written (++, +=) */
    AC_ADDR,      /* its address escapes as a pointer to something writable */
    AC_ADDR_RO    /* its address escapes as a pointer to const */
};

enum { PUN_READ = 1, PUN_STORED = 2, PUN_ADDR = 4 /* its address escapes as a writable pointer */ };

/* A member's uses: in every object of its union type (object NULL), or
 * in one named object, a variable's union at a fixed path ("c:@g_646|",
 * "c:@s|.u", "c:@arr|[]"), whose only uses are by its name (the variable's
 * address, or the address of a part holding the union, never taken; no
 * whole value stored into it but its initializer). Such an object can
 * show a member read and never stored even when other objects of the type
 * store it (csmith's g_646). */
typedef struct pun_field {
    char *usr;       /* the union's USR */
    char *object;    /* NULL, or the object's key */
    CXCursor field;
    unsigned flags;
    uint64_t hash;   /* of the field and the object: the index's key */
} pun_field;

static pun_field *fields;
static int nfields, capfields;
static int *index_of;   /* open addressing over fields: -1 empty; size a power of two */
static size_t nindex;
static char **viewed;   /* USRs of unions whose bytes are viewed as another type */
static int nviewed, capviewed;
static char **escaped;  /* USRs of variables whose unions are reached otherwise than by name */
static int nescaped, capescaped;
/* The extents of the & operators whose result is a pointer to const:
 * they read, and store nothing (unions.c asks). */
typedef struct span {
    unsigned start, end;
} span;
static span *ro_addrs;
static int nro, capro;

static char *usr_of(CXCursor decl)
{
    CXString u = clang_getCursorUSR(clang_getCanonicalCursor(decl));
    char *s = xstrdup(clang_getCString(u));
    clang_disposeString(u);
    return s;
}

static int same_object(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static void note_use(CXCursor field, const char *object, unsigned flags)
{
    CXCursor parent = clang_getCursorSemanticParent(field);
    if (clang_getCursorKind(parent) != CXCursor_UnionDecl || !flags)
        return;
    uint64_t h = XXH3_64bits_withSeed(object ? object : "", object ? strlen(object) : 0, clang_hashCursor(field));
    size_t j = nindex ? (size_t)h & (nindex - 1) : 0;
    for (; nindex && index_of[j] >= 0; j = (j + 1) & (nindex - 1)) {
        pun_field *f = &fields[index_of[j]];
        if (f->hash == h && clang_equalCursors(f->field, field) && same_object(f->object, object)) {
            f->flags |= flags;
            return;
        }
    }
    if (nfields == capfields) {
        capfields = capfields ? capfields * 2 : 64;
        fields = xrealloc(fields, (size_t)capfields * sizeof *fields);
    }
    fields[nfields] = (pun_field){ usr_of(parent), object ? xstrdup(object) : NULL, field, flags, h };
    if ((size_t)(nfields + 1) * 2 > nindex) {  /* grow, and place every entry again */
        nindex = nindex ? nindex * 2 : 256;
        index_of = xrealloc(index_of, nindex * sizeof *index_of);
        for (size_t k = 0; k < nindex; k++)
            index_of[k] = -1;
        for (int i = 0; i <= nfields; i++) {
            size_t k = (size_t)fields[i].hash & (nindex - 1);
            while (index_of[k] >= 0)
                k = (k + 1) & (nindex - 1);
            index_of[k] = i;
        }
    } else {
        index_of[j] = nfields;
    }
    nfields++;
}

static void note_field(CXCursor field, unsigned flags)
{
    note_use(field, NULL, flags);
}

static void note_escaped(const char *var)
{
    for (int i = 0; i < nescaped; i++)
        if (strcmp(escaped[i], var) == 0)
            return;
    if (nescaped == capescaped) {
        capescaped = capescaped ? capescaped * 2 : 16;
        escaped = xrealloc(escaped, (size_t)capescaped * sizeof *escaped);
    }
    escaped[nescaped++] = xstrdup(var);
}

static int is_escaped(const char *object)
{
    size_t n = strcspn(object, "|");
    for (int i = 0; i < nescaped; i++)
        if (strlen(escaped[i]) == n && strncmp(escaped[i], object, n) == 0)
            return 1;
    return 0;
}

static void note_viewed(CXCursor decl)
{
    char *u = usr_of(decl);
    for (int i = 0; i < nviewed; i++)
        if (strcmp(viewed[i], u) == 0) {
            free(u);
            return;
        }
    if (nviewed == capviewed) {
        capviewed = capviewed ? capviewed * 2 : 16;
        viewed = xrealloc(viewed, (size_t)capviewed * sizeof *viewed);
    }
    viewed[nviewed++] = u;
}

static unsigned flags_of(enum access a)
{
    switch (a) {
    case AC_READ:
    case AC_READ_RO:
    case AC_ADDR_RO: return PUN_READ;
    case AC_STORE: return PUN_STORED;
    case AC_ADDR: return PUN_READ | PUN_STORED | PUN_ADDR;
    default: return PUN_READ | PUN_STORED;
    }
}

/* ---- types ------------------------------------------------------------------ */

static int is_array(CXType t)
{
    enum CXTypeKind k = clang_getCanonicalType(t).kind;
    return k == CXType_ConstantArray || k == CXType_IncompleteArray || k == CXType_VariableArray ||
           k == CXType_DependentSizedArray;
}

static CXType elem_of(CXType t)
{
    t = clang_getCanonicalType(t);
    while (is_array(t))
        t = clang_getCanonicalType(clang_getArrayElementType(t));
    return t;
}

/* The canonical spelling of t without its outer qualifiers, to compare
 * types as a pointer conversion sees them. */
static char *bare_spelling(CXType t)
{
    CXString s = clang_getTypeSpelling(clang_getCanonicalType(t));
    const char *p = clang_getCString(s);
    for (int again = 1; again;) {
        again = 0;
        static const char *const quals[] = { "const ", "volatile ", "restrict ", "_Atomic " };
        for (int i = 0; i < 4; i++)
            if (strncmp(p, quals[i], strlen(quals[i])) == 0) {
                p += strlen(quals[i]);
                again = 1;
            }
    }
    char *r = xstrdup(p);
    clang_disposeString(s);
    return r;
}

static int same_type(CXType a, CXType b)
{
    char *x = bare_spelling(a), *y = bare_spelling(b);
    int eq = strcmp(x, y) == 0;
    free(x);
    free(y);
    return eq;
}

static int is_void(CXType t) { return clang_getCanonicalType(t).kind == CXType_Void; }

static int is_char(CXType t)
{
    switch (clang_getCanonicalType(t).kind) {
    case CXType_Char_S: case CXType_Char_U: case CXType_SChar: case CXType_UChar: return 1;
    default: return 0;
    }
}

/* Calls fn on every union declaration inside t (t itself, members of
 * records at any depth, array elements). */
typedef struct held_walk {
    void (*fn)(CXCursor decl, void *ctx);
    void *ctx;
    int depth;
} held_walk;

static void each_held(CXType t, held_walk *h);

static enum CXChildVisitResult held_field(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    if (clang_getCursorKind(c) == CXCursor_FieldDecl)
        each_held(clang_getCursorType(c), data);
    return CXChildVisit_Continue;
}

static void each_held(CXType t, held_walk *h)
{
    CXType c = elem_of(t);
    if (c.kind != CXType_Record || h->depth > 32)
        return;
    CXCursor decl = clang_getTypeDeclaration(c);
    if (clang_getCursorKind(decl) == CXCursor_UnionDecl)
        h->fn(decl, h->ctx);
    h->depth++;
    clang_visitChildren(decl, held_field, h);
    h->depth--;
}

typedef struct find_decl {
    CXCursor want;
    int found;
} find_decl;

static void match_decl(CXCursor decl, void *ctx)
{
    find_decl *f = ctx;
    f->found |= clang_equalCursors(clang_getCanonicalCursor(decl), clang_getCanonicalCursor(f->want));
}

static int holds(CXType t, CXCursor decl)
{
    find_decl f = { decl, 0 };
    held_walk h = { match_decl, &f, 0 };
    each_held(t, &h);
    return f.found;
}

static void found_any(CXCursor decl, void *ctx)
{
    (void)decl;
    *(int *)ctx = 1;
}

static int holds_any(CXType t)
{
    int found = 0;
    held_walk h = { found_any, &found, 0 };
    each_held(t, &h);
    return found;
}

/* Each union in `from` that `to` does not also hold is viewed. */
typedef struct view_ctx {
    CXType other;
} view_ctx;

static void view_unless_held(CXCursor decl, void *ctx)
{
    if (!holds(((view_ctx *)ctx)->other, decl))
        note_viewed(decl);
}

static void view_all(CXCursor decl, void *ctx)
{
    (void)ctx;
    note_viewed(decl);
}

/* ---- origins of pointers -------------------------------------------------------- */

static CXCursor strip(CXCursor e)
{
    for (int depth = 0; depth < 32; depth++) {
        enum CXCursorKind k = clang_getCursorKind(e);
        if (k != CXCursor_ParenExpr && k != CXCursor_UnexposedExpr && k != CXCursor_CStyleCastExpr)
            return e;
        kids ch = children(e);
        CXCursor inner = ch.n ? ch.c[ch.n - 1] : clang_getNullCursor();
        int one = k == CXCursor_CStyleCastExpr || ch.n == 1;
        free(ch.c);
        if (clang_Cursor_isNull(inner) || !one)
            return e;
        e = inner;
    }
    return e;
}

static int unary_is(CXTranslationUnit tu, CXCursor c, const char *op)
{
    if (clang_getCursorKind(c) != CXCursor_UnaryOperator)
        return 0;
    char *o = first_token(tu, c);
    int r = strcmp(o, op) == 0;
    free(o);
    return r;
}

/* The union member whose storage a pointer expression points into (&u.m,
 * &u.m[2], u.arr decayed): its field, or a null cursor. */
static CXCursor member_origin(CXTranslationUnit tu, CXCursor e)
{
    e = strip(e);
    if (unary_is(tu, e, "&")) {
        kids ch = children(e);
        e = ch.n ? bare_expr(ch.c[0]) : clang_getNullCursor();
        free(ch.c);
    } else if (!is_array(clang_getCursorType(e))) {
        return clang_getNullCursor();
    }
    for (int depth = 0; depth < 32 && !clang_Cursor_isNull(e); depth++) {
        enum CXCursorKind k = clang_getCursorKind(e);
        if (k == CXCursor_MemberRefExpr) {
            CXCursor f = clang_getCursorReferenced(e);
            return clang_getCursorKind(clang_getCursorSemanticParent(f)) == CXCursor_UnionDecl
                       ? f : clang_getNullCursor();
        }
        if (k != CXCursor_ArraySubscriptExpr)
            return clang_getNullCursor();
        kids ch = children(e);
        CXCursor base = ch.n ? bare_expr(ch.c[0]) : clang_getNullCursor();
        free(ch.c);
        if (clang_Cursor_isNull(base) || !is_array(clang_getCursorType(base)))
            return clang_getNullCursor();
        e = base;
    }
    return clang_getNullCursor();
}

/* The type a pointer expression points to (an array decays to its element). */
static CXType pointee_of(CXType t)
{
    CXType c = clang_getCanonicalType(t);
    if (c.kind == CXType_Pointer)
        return clang_getPointeeType(c);
    if (is_array(c))
        return clang_getArrayElementType(c);
    CXType none = { CXType_Invalid, { 0 } };
    return none;
}

/* A conversion of the pointer `from` (an expression) to a pointer to
 * `to`: the bytes of unions it reaches are viewed as another type. */
static void check_view(CXTranslationUnit tu, CXCursor from, CXType to)
{
    CXType pf = pointee_of(clang_getCursorType(from));
    if (pf.kind == CXType_Invalid || to.kind == CXType_Invalid || is_void(pf) || is_void(to) || same_type(pf, to))
        return;
    view_ctx a = { to }, b = { pf };
    held_walk ha = { view_unless_held, &a, 0 }, hb = { view_unless_held, &b, 0 };
    each_held(pf, &ha);
    each_held(to, &hb);
    CXCursor f = member_origin(tu, from);
    if (!clang_Cursor_isNull(f) && !same_type(elem_of(clang_getCursorType(f)), to))
        note_viewed(clang_getCursorSemanticParent(f));
}

/* ---- system functions given a union's bytes --------------------------------------- */

static int harmless_call(const char *name, int arg, CXCursor call)
{
    static const char *const harmless[] = { "free", "cfree", "realloc", "reallocarray", "memset", "bzero",
                                             "explicit_bzero", "qsort", "qsort_r", "bsearch", "fread", "read",
                                             "pread", "recv", "recvfrom", "pthread_create", NULL };
    if (strncmp(name, "__builtin_", 10) == 0)
        name += 10;
    for (int i = 0; harmless[i]; i++)
        if (strcmp(name, harmless[i]) == 0)
            return 1;
    int copy = strcmp(name, "memcpy") == 0 || strcmp(name, "memmove") == 0 || strcmp(name, "mempcpy") == 0;
    if (!copy)
        return 0;
    if (arg == 0)
        return 1;  /* the destination: written, and the runtime forgets its member */
    if (arg != 1 || clang_Cursor_getNumArguments(call) < 2)
        return 0;
    /* a copy between objects of one type */
    CXType d = pointee_of(clang_getCursorType(strip(clang_Cursor_getArgument(call, 0))));
    CXType s = pointee_of(clang_getCursorType(strip(clang_Cursor_getArgument(call, 1))));
    return d.kind != CXType_Invalid && s.kind != CXType_Invalid && !is_void(d) && same_type(d, s);
}

static void check_system_call(CXTranslationUnit tu, CXCursor call)
{
    CXCursor callee = clang_getCursorReferenced(call);
    if (clang_Cursor_isNull(callee) || clang_getCursorKind(callee) != CXCursor_FunctionDecl)
        return;
    CXString sp = clang_getCursorSpelling(callee);
    char *name = xstrdup(clang_getCString(sp));
    clang_disposeString(sp);
    int system = in_system_header(callee) || strncmp(name, "__builtin_", 10) == 0;
    int n = clang_Cursor_getNumArguments(call);
    for (int i = 0; system && i < n; i++) {
        CXCursor a = strip(clang_Cursor_getArgument(call, (unsigned)i));
        CXType pt = pointee_of(clang_getCursorType(a));
        CXCursor f = member_origin(tu, a);
        int member = !clang_Cursor_isNull(f) && !is_char(elem_of(clang_getCursorType(f)));
        int whole = pt.kind != CXType_Invalid && clang_Cursor_isNull(f);
        if ((!member && !whole) || harmless_call(name, i, call))
            continue;
        if (member)
            note_viewed(clang_getCursorSemanticParent(f));
        held_walk h = { view_all, NULL, 0 };
        if (whole)
            each_held(pt, &h);
    }
    free(name);
}

/* ---- named objects ----------------------------------------------------------------- */

/* The key of the object e designates when it is a variable or a part of
 * one reached by '.' and array elements ("USR.s[].u"), malloc'd; NULL
 * otherwise (through a pointer, a parameter, a call's value). With
 * root_only, the variable's USR alone. */
static char *object_key(CXCursor e, int root_only)
{
    char path[512] = "";
    for (int depth = 0; depth < 32; depth++) {
        e = bare_expr(e);
        enum CXCursorKind k = clang_getCursorKind(e);
        char part[256];
        if (k == CXCursor_DeclRefExpr) {
            CXCursor v = clang_getCursorReferenced(e);
            if (clang_getCursorKind(v) != CXCursor_VarDecl)
                return NULL;
            char *u = usr_of(v);
            if (root_only)
                return u;
            char *key = xcalloc(1, strlen(u) + strlen(path) + 2);
            sprintf(key, "%s|%s", u, path);  /* a USR holds '.' and '[' but never '|' */
            free(u);
            return key;
        }
        kids ch = children(e);
        CXCursor base = ch.n ? ch.c[0] : clang_getNullCursor();
        if (k == CXCursor_ArraySubscriptExpr) {
            base = clang_getNullCursor();
            for (int i = 0; i < ch.n; i++)
                if (is_array(clang_getCursorType(bare_expr(ch.c[i]))))
                    base = ch.c[i];
            snprintf(part, sizeof part, "[]");
        } else if (k == CXCursor_MemberRefExpr && !clang_Cursor_isNull(base) &&
                   clang_getCanonicalType(clang_getCursorType(base)).kind != CXType_Pointer) {
            CXString n = clang_getCursorSpelling(e);
            snprintf(part, sizeof part, ".%s", clang_getCString(n));
            clang_disposeString(n);
        } else {
            base = clang_getNullCursor();
        }
        free(ch.c);
        if (clang_Cursor_isNull(base) || strlen(part) + strlen(path) + 1 >= sizeof path)
            return NULL;
        memmove(path + strlen(part), path, strlen(path) + 1);
        memcpy(path, part, strlen(part));
        e = base;
    }
    return NULL;
}

/* An object holding unions whose address escapes, or into which a whole
 * value is stored: its variable's unions are reached otherwise than by
 * name from now on. */
static void note_whole_access(CXCursor e, enum access ac)
{
    if (ac == AC_READ || ac == AC_READ_RO || !clang_isExpression(clang_getCursorKind(e)) ||
        !holds_any(clang_getCursorType(e)))
        return;
    char *var = object_key(e, 1);
    if (var)
        note_escaped(var);
    free(var);
}

enum { PATH_CAP = 1024 };

/* The members a braced initializer stores into the unions of the named
 * object key (of type t): a union's designated member or its first, at
 * every depth. A form not followed (brace elision, an index designator)
 * stores nothing here, which only marks more members read-only. */
static void init_stores(CXType t, CXCursor list, const char *key, int depth)
{
    CXType c = clang_getCanonicalType(t);
    if (depth > 16 || clang_getCursorKind(list) != CXCursor_InitListExpr || !holds_any(c))
        return;
    CXCursor decl = clang_getTypeDeclaration(c);
    int is_union = c.kind == CXType_Record && clang_getCursorKind(decl) == CXCursor_UnionDecl;
    kids fields = { 0 };
    if (c.kind == CXType_Record) {
        kids all = children(decl);
        for (int i = 0; i < all.n; i++)
            if (clang_getCursorKind(all.c[i]) == CXCursor_FieldDecl) {
                if (fields.n == fields.cap) {
                    fields.cap = fields.cap ? fields.cap * 2 : 8;
                    fields.c = xrealloc(fields.c, (size_t)fields.cap * sizeof *fields.c);
                }
                fields.c[fields.n++] = all.c[i];
            }
        free(all.c);
    }
    kids ch = children(list);
    for (int i = 0, pos = 0; i < ch.n; i++, pos++) {
        CXCursor value = ch.c[i], field = clang_getNullCursor();
        kids d = children(value);
        if (clang_getCursorKind(value) == CXCursor_UnexposedExpr && d.n >= 2) {  /* .m = value */
            if (clang_getCursorKind(d.c[0]) != CXCursor_MemberRef || d.n != 2) {
                free(d.c);
                break;  /* an index or a chain of designators: not followed */
            }
            field = clang_getCursorReferenced(d.c[0]);
            value = d.c[1];
            for (pos = 0; pos < fields.n && !clang_equalCursors(fields.c[pos], field); pos++)
                ;
        } else if (c.kind == CXType_Record) {
            field = pos < fields.n ? fields.c[pos] : clang_getNullCursor();
        }
        free(d.c);
        char sub[PATH_CAP];
        CXType st;
        if (is_array(c)) {
            snprintf(sub, sizeof sub, "%s[]", key);
            st = clang_getArrayElementType(c);
        } else if (!clang_Cursor_isNull(field)) {
            if (is_union)
                note_use(field, key, PUN_STORED);
            CXString n = clang_getCursorSpelling(field);
            snprintf(sub, sizeof sub, "%s.%s", key, clang_getCString(n));
            clang_disposeString(n);
            st = clang_getCursorType(field);
        } else {
            break;
        }
        if (clang_getCursorKind(bare_expr(value)) == CXCursor_InitListExpr)
            init_stores(st, bare_expr(value), sub, depth + 1);
        else if (holds_any(st) && !clang_equalTypes(clang_getCanonicalType(clang_getCursorType(value)),
                                                     clang_getCanonicalType(st)))
            break;  /* brace elision: the values that follow fill this one */
        if (is_union)
            break;  /* a union takes one value */
    }
    free(ch.c);
    free(fields.c);
}

/* ---- the walk -------------------------------------------------------------------- */

typedef struct pun_walk {
    CXTranslationUnit tu;
} pun_walk;

static void visit(pun_walk *w, CXCursor c, enum access ac);

static void visit_kids(pun_walk *w, CXCursor c, enum access ac)
{
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        visit(w, ch.c[i], ac);
    free(ch.c);
}

/* 1 for a pointer to a const-qualified type. */
static int points_to_const(CXType t)
{
    CXType c = clang_getCanonicalType(t);
    return c.kind == CXType_Pointer && clang_isConstQualifiedType(clang_getPointeeType(c));
}

/* An array used as a value decays: its address escapes. */
static enum access decayed(CXType t, enum access ac)
{
    if (!is_array(t))
        return ac;
    return ac == AC_READ ? AC_ADDR : ac == AC_READ_RO ? AC_ADDR_RO : ac;
}

/* A use of part of an object (e.m, e[i] of an array): each union member
 * along the path is used as ac says, in its type and in the named object
 * it belongs to; what is not a part (a pointer, an index) is read. */
static void visit_part(pun_walk *w, CXCursor e, enum access ac)
{
    for (int depth = 0; depth < 64; depth++) {
        e = bare_expr(e);
        enum CXCursorKind k = clang_getCursorKind(e);
        kids ch = children(e);
        if (k == CXCursor_MemberRefExpr && ch.n) {
            CXCursor base = ch.c[0];
            int arrow = clang_getCanonicalType(clang_getCursorType(base)).kind == CXType_Pointer;
            CXCursor field = clang_getCursorReferenced(e);
            note_field(field, flags_of(ac));
            char *object = arrow ? NULL : object_key(base, 0);
            if (object)
                note_use(field, object, flags_of(ac));
            free(object);
            free(ch.c);
            if (arrow) {
                visit(w, base, AC_READ);
                return;
            }
            e = base;
            continue;
        }
        if (k == CXCursor_ArraySubscriptExpr) {
            CXCursor arr = clang_getNullCursor();
            for (int i = 0; i < ch.n; i++) {
                if (clang_Cursor_isNull(arr) && is_array(clang_getCursorType(bare_expr(ch.c[i]))))
                    arr = ch.c[i];
                else
                    visit(w, ch.c[i], AC_READ);
            }
            free(ch.c);
            if (clang_Cursor_isNull(arr))
                return;
            e = arr;
            continue;
        }
        free(ch.c);
        if (k != CXCursor_DeclRefExpr)
            visit(w, e, AC_READ);
        return;
    }
}

static void visit_member(pun_walk *w, CXCursor c, enum access ac)
{
    visit_part(w, c, ac == AC_READ_RO ? AC_READ : ac);
}

static void visit_subscript(pun_walk *w, CXCursor c, enum access ac)
{
    visit_part(w, c, ac == AC_READ_RO ? AC_READ : ac);
}

static void visit_cast(pun_walk *w, CXCursor c, enum access ac, int implicit)
{
    kids ch = children(c);
    CXCursor inner = ch.n ? ch.c[ch.n - 1] : clang_getNullCursor();
    if (!clang_Cursor_isNull(inner) && (!implicit || ch.n == 1)) {
        CXType to = clang_getCursorType(c);
        if (clang_getCanonicalType(to).kind == CXType_Pointer)
            check_view(w->tu, inner, clang_getPointeeType(clang_getCanonicalType(to)));
        enum access next = points_to_const(to) ? AC_READ_RO
                           : implicit ? ac
                           : ac == AC_READ_RO ? AC_READ_RO : AC_READ;
        if (clang_getCanonicalType(to).kind == CXType_Pointer)
            next = decayed(clang_getCursorType(inner), next);
        for (int i = 0; i + 1 < ch.n; i++)
            visit(w, ch.c[i], AC_READ);
        visit(w, inner, next);
    } else {
        for (int i = 0; i < ch.n; i++)
            visit(w, ch.c[i], ac);
    }
    free(ch.c);
}

static void visit_operator(pun_walk *w, CXCursor c, enum access ac)
{
    kids ch = children(c);
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_CompoundAssignOperator && ch.n == 2) {
        visit(w, ch.c[0], AC_RW);
        visit(w, ch.c[1], AC_READ);
    } else if (k == CXCursor_BinaryOperator && ch.n == 2) {
        char *op = operator_of(w->tu, c);
        visit(w, ch.c[0], strcmp(op, "=") == 0 ? AC_STORE : AC_READ);
        visit(w, ch.c[1], strcmp(op, ",") == 0 ? ac : AC_READ);
        free(op);
    } else if (k == CXCursor_UnaryOperator && ch.n == 1) {
        char *first = first_token(w->tu, c), *op = operator_of(w->tu, c);
        enum access next = AC_READ;
        if (strcmp(op, "++") == 0 || strcmp(op, "--") == 0)
            next = AC_RW;
        else if (strcmp(first, "&") == 0)
            next = ac == AC_READ_RO ? AC_ADDR_RO : AC_ADDR;
        if (next == AC_ADDR_RO) {
            if (nro == capro) {
                capro = capro ? capro * 2 : 64;
                ro_addrs = xrealloc(ro_addrs, (size_t)capro * sizeof *ro_addrs);
            }
            ro_addrs[nro++] = (span){ cur_start(c), cur_end(c) };
        }
        visit(w, ch.c[0], next);
        free(first);
        free(op);
    } else {
        for (int i = 0; i < ch.n; i++)
            visit(w, ch.c[i], AC_READ);
    }
    free(ch.c);
}

/* A braced initializer of a union stores its designated member, or its
 * first; the values inside are walked like any expression. */
static void visit_init_list(pun_walk *w, CXCursor c)
{
    CXType t = clang_getCanonicalType(clang_getCursorType(c));
    CXCursor decl = clang_getTypeDeclaration(t);
    kids ch = children(c);
    if (t.kind == CXType_Record && clang_getCursorKind(decl) == CXCursor_UnionDecl && ch.n) {
        CXCursor first = ch.c[0];
        kids d = children(first);
        int designated = clang_getCursorKind(first) == CXCursor_UnexposedExpr && d.n >= 2 &&
                         clang_getCursorKind(d.c[0]) == CXCursor_MemberRef;
        if (designated) {
            note_field(clang_getCursorReferenced(d.c[0]), PUN_STORED);
        } else {
            kids f = children(decl);
            for (int i = 0; i < f.n; i++)
                if (clang_getCursorKind(f.c[i]) == CXCursor_FieldDecl) {
                    note_field(f.c[i], PUN_STORED);
                    break;
                }
            free(f.c);
        }
        free(d.c);
    }
    /* designators further in (.a.u.m = v) store into the unions they name */
    for (int i = 0; i < ch.n; i++) {
        kids d = children(ch.c[i]);
        if (clang_getCursorKind(ch.c[i]) == CXCursor_UnexposedExpr && d.n >= 2)
            for (int j = 0; j + 1 < d.n; j++)
                if (clang_getCursorKind(d.c[j]) == CXCursor_MemberRef)
                    note_field(clang_getCursorReferenced(d.c[j]), PUN_STORED);
        free(d.c);
        visit(w, ch.c[i], AC_READ);
    }
    free(ch.c);
}

static void visit(pun_walk *w, CXCursor c, enum access ac)
{
    note_whole_access(c, ac);
    switch (clang_getCursorKind(c)) {
    case CXCursor_UnaryExpr:   /* sizeof, _Alignof: not evaluated */
    case CXCursor_TypeRef:
    case CXCursor_MemberRef:
        return;
    case CXCursor_ParenExpr: visit_kids(w, c, ac); return;
    case CXCursor_MemberRefExpr: visit_member(w, c, ac); return;
    case CXCursor_ArraySubscriptExpr: visit_subscript(w, c, ac); return;
    case CXCursor_CStyleCastExpr: visit_cast(w, c, ac, 0); return;
    case CXCursor_UnexposedExpr: visit_cast(w, c, ac, 1); return;
    case CXCursor_BinaryOperator:
    case CXCursor_CompoundAssignOperator:
    case CXCursor_UnaryOperator: visit_operator(w, c, ac); return;
    case CXCursor_InitListExpr: visit_init_list(w, c); return;
    case CXCursor_ConditionalOperator: {
        kids ch = children(c);
        for (int i = 0; i < ch.n; i++)
            visit(w, ch.c[i], i == 0 ? AC_READ : ac);
        free(ch.c);
        return;
    }
    case CXCursor_VarDecl: {
        /* a value stored whole (not braces): the variable's unions take
         * whatever members that value had */
        kids ch = children(c);
        CXCursor init = ch.n ? ch.c[ch.n - 1] : clang_getNullCursor();
        if (!clang_Cursor_isNull(init) && clang_isExpression(clang_getCursorKind(init)) &&
            holds_any(clang_getCursorType(c))) {
            char *u = usr_of(c);
            if (clang_getCursorKind(bare_expr(init)) == CXCursor_InitListExpr) {
                char key[PATH_CAP];
                snprintf(key, sizeof key, "%s|", u);
                init_stores(clang_getCursorType(c), bare_expr(init), key, 0);
            } else {
                note_escaped(u);
            }
            free(u);
        }
        free(ch.c);
        visit_kids(w, c, AC_READ);
        return;
    }
    case CXCursor_CallExpr:
        check_system_call(w->tu, c);
        visit_kids(w, c, AC_READ);
        return;
    default:
        visit_kids(w, c, AC_READ);
        return;
    }
}

static enum CXChildVisitResult top(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    if (!in_system_header(c))
        visit(data, c, AC_READ);
    return CXChildVisit_Continue;
}

/* ---- interface -------------------------------------------------------------------- */

void punned_scan(CXTranslationUnit tu)
{
    for (int i = 0; i < nfields; i++)
        free(fields[i].usr);
    for (int i = 0; i < nviewed; i++)
        free(viewed[i]);
    for (int i = 0; i < nfields; i++)
        free(fields[i].object);
    for (int i = 0; i < nescaped; i++)
        free(escaped[i]);
    nfields = nviewed = nro = nescaped = 0;
    for (size_t k = 0; k < nindex; k++)
        index_of[k] = -1;
    pun_walk w = { tu };
    clang_visitChildren(clang_getTranslationUnitCursor(tu), top, &w);
}

int punned_read_only_address(CXCursor c)
{
    unsigned start = cur_start(c), end = cur_end(c);
    for (int i = 0; i < nro; i++)
        if (ro_addrs[i].start == start && ro_addrs[i].end == end)
            return 1;
    return 0;
}

/* 1 when the runtime's active member of union usr may be stale: the
 * addresses of two different members escape as writable pointers. The
 * active member is the one whose address was taken last, but a store
 * through the pointer taken first is no store the runtime sees (csmith
 * seed 1663: &g_336.f1 and &g_337.f0 kept, f0 stored through its
 * pointer): every member read is then marked as read while another may
 * be the one stored. (One member's pointer used after another member was
 * stored directly stays unseen: README, "Limits today".) */
static int active_uncertain(const char *usr)
{
    CXCursor first = clang_getNullCursor();
    for (int i = 0; i < nfields; i++) {
        if (strcmp(fields[i].usr, usr) != 0 || !(fields[i].flags & PUN_ADDR))
            continue;
        if (clang_Cursor_isNull(first))
            first = fields[i].field;
        else if (!clang_equalCursors(first, fields[i].field))
            return 1;  /* a second member's address */
    }
    return 0;
}

void punned_marks(CXCursor decl, const char *ref, strbuf *out)
{
    if (clang_getCursorKind(decl) != CXCursor_UnionDecl)
        return;
    char *u = usr_of(decl);
    int view = 0;
    for (int i = 0; i < nviewed && !view; i++)
        view = strcmp(viewed[i], u) == 0;
    if (view)
        sb_printf(out, "    mt_type_punned(%s, 0);\n", ref);
    int uncertain = !view && active_uncertain(u);
    for (int i = 0; i < nfields && !view; i++) {
        int read_only = (fields[i].flags & (PUN_READ | PUN_STORED)) == PUN_READ &&
                        !(fields[i].object && is_escaped(fields[i].object));
        if (strcmp(fields[i].usr, u) != 0 || !(read_only || (uncertain && (fields[i].flags & PUN_READ))))
            continue;
        int again = 0;  /* one mark per member */
        for (int j = 0; j < i && !again; j++)
            again = clang_equalCursors(fields[j].field, fields[i].field) && strcmp(fields[j].usr, u) == 0 &&
                    (((fields[j].flags & (PUN_READ | PUN_STORED)) == PUN_READ &&
                      !(fields[j].object && is_escaped(fields[j].object))) ||
                     (uncertain && (fields[j].flags & PUN_READ)));
        if (again)
            continue;
        CXString n = clang_getCursorSpelling(fields[i].field);
        const char *name = clang_getCString(n);
        if (*name)
            sb_printf(out, "    mt_type_punned(%s, \"%s\");\n", ref, name);
        else   /* an unnamed member is no member of the description: the whole union */
            sb_printf(out, "    mt_type_punned(%s, 0);\n", ref);
        clang_disposeString(n);
    }
    free(u);
}
