/* unaligned.c: pointers that may hold the address of a member that a packed
 * struct places below its type's alignment. Every access through a pointer
 * of such a pointee type becomes one the compiler knows may be unaligned,
 * on the preprocessed text before the later passes (as normalise.c does).
 *
 * Why: `uint64_t *p = &packed.f` is then misaligned. In a plain build gcc
 * often folds a pointer the program never changes into the member itself
 * and sees the packing; mtcc registers every global, so its build loads
 * through the pointer and the compiler assumes the type's alignment: armhf's
 * ldrd, ldm and VFP loads of a misaligned address die of SIGBUS (csmith
 * seed 1962, `tests/mtcc/packed_member.c`).
 *
 * The pointee types are found flow-insensitively, by type: the type of an
 * lvalue whose address is taken (`&L`, or an array member decayed) where L
 * lies below its type's alignment; a member reached through a pointer to
 * such a type lies as low, so the set grows to a fixpoint. Each dereference
 * (`*p`, `p[i]`, `p->m`) of a pointer to a type of the set is then read
 * through a cast of the pointer to the same type typedef'd with
 * aligned(1): the canonical type does not change, so no later pass sees a
 * conversion, and the access is the one a packed member gets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

enum {
    MAX_ROUNDS = 16,                    /* fixpoint rounds over a file */
    MAX_SPELLING = 512,                 /* a type spelled longer is left as it is */
    ORDER_TYPEDEF = -200000,            /* a typedef before its function: before any cast */
    ORDER_OPEN_BASE = -100000,          /* a cast's opening text: outer before inner */
    ORDER_CLOSE_BASE = 100000           /* its closing text: inner before outer */
};

/* The pointee types found (keys), over the program with several files. */
static struct {
    char **keys;
    int nkeys, cap;
    int program;                        /* several files: keys kept across them */
    int grew;                           /* a key added in this round */
    CXTranslationUnit tu;
} us;

/* ---- types ------------------------------------------------------------------------- */

/* A type's identity for the set: its canonical spelling without
 * qualifiers at any level (a wider set only costs an unaligned access). */
static char *type_key(CXType t)
{
    CXString sp = clang_getTypeSpelling(clang_getCanonicalType(t));
    const char *s = clang_getCString(sp);
    strbuf b = { 0 };
    const char *words[] = { "const", "volatile", "restrict", "__restrict", NULL };
    while (*s) {
        int skipped = 0;
        for (int i = 0; words[i] && !skipped; i++) {
            size_t n = strlen(words[i]);
            if (strncmp(s, words[i], n) == 0 && (s[n] == ' ' || s[n] == '\0' || s[n] == ')' || s[n] == '*' ||
                                                  s[n] == ',')) {
                s += n;
                while (*s == ' ')
                    s++;
                skipped = 1;
            }
        }
        if (skipped)
            continue;
        const char *w = s;
        while (*s && *s != ' ')
            s++;
        while (*s == ' ')
            s++;
        sb_putn(&b, w, (size_t)(s - w));
    }
    clang_disposeString(sp);
    return b.s ? b.s : xstrdup("");
}

static int affected(CXType t)
{
    char *k = type_key(t);
    int hit = 0;
    for (int i = 0; i < us.nkeys && !hit; i++)
        hit = strcmp(us.keys[i], k) == 0;
    free(k);
    return hit;
}

static void add_key(CXType t)
{
    if (affected(t))
        return;
    if (us.nkeys == us.cap) {
        us.cap = us.cap ? 2 * us.cap : 8;
        us.keys = xrealloc(us.keys, (size_t)us.cap * sizeof *us.keys);
    }
    us.keys[us.nkeys++] = type_key(t);
    us.grew = 1;
}

static long long align_of(CXType t)
{
    long long a = clang_Type_getAlignOf(t);
    return a > 0 ? a : 1;
}

/* The alignment an offset in bytes keeps: its lowest set bit. */
static long long offset_align(long long off)
{
    return off ? (off & -off) : (1LL << 30);
}

static long long min_ll(long long a, long long b)
{
    return a < b ? a : b;
}

static int is_pointer(CXType t)
{
    return clang_getCanonicalType(t).kind == CXType_Pointer;
}

static int is_array(CXType t)
{
    enum CXTypeKind k = clang_getCanonicalType(t).kind;
    return k == CXType_ConstantArray || k == CXType_IncompleteArray || k == CXType_VariableArray;
}

static CXType pointee(CXType t)
{
    return clang_getPointeeType(clang_getCanonicalType(t));
}

/* ---- where an lvalue lies ---------------------------------------------------------- */

/* What an object reached through a pointer to t is known to be aligned to. */
static long long deref_align(CXType t)
{
    return affected(t) ? 1 : align_of(t);
}

static CXCursor child(CXCursor c, int i)
{
    kids ch = children(c);
    CXCursor r = i < ch.n ? ch.c[i] : clang_getNullCursor();
    free(ch.c);
    return r;
}

/* The operand of a subscript that is the pointer (a[i] or i[a]). */
static CXCursor subscript_base(CXCursor e)
{
    kids ch = children(e);
    CXCursor r = clang_getNullCursor();
    for (int i = 0; i < ch.n && clang_Cursor_isNull(r); i++)
        if (is_pointer(clang_getCursorType(ch.c[i])))
            r = ch.c[i];
    free(ch.c);
    return r;
}

static long long lvalue_align(CXCursor e);

static long long member_align(CXCursor e)
{
    CXCursor base = child(e, 0);
    if (clang_Cursor_isNull(base))
        return align_of(clang_getCursorType(e));
    CXType bt = clang_getCursorType(base);
    long long a = is_pointer(bt) ? deref_align(pointee(bt)) : lvalue_align(base);
    long long bits = clang_Cursor_getOffsetOfField(clang_getCursorReferenced(e));
    if (bits >= 0 && bits % 8 == 0)
        a = min_ll(a, offset_align(bits / 8));
    return a;
}

static long long subscript_align(CXCursor e)
{
    CXCursor base = subscript_base(e);
    if (clang_Cursor_isNull(base))
        return align_of(clang_getCursorType(e));
    CXCursor array = bare_expr(base);
    if (is_array(clang_getCursorType(array)))
        return min_ll(lvalue_align(array), offset_align(clang_Type_getSizeOf(clang_getCursorType(e))));
    return deref_align(pointee(clang_getCursorType(base)));
}

static int is_unary(CXCursor e, const char *op)
{
    if (clang_getCursorKind(e) != CXCursor_UnaryOperator)
        return 0;
    char *o = operator_of(us.tu, e);
    int r = strcmp(o, op) == 0;
    free(o);
    return r;
}

/* The alignment the object an lvalue designates is known to have, the
 * packing of every struct on its way and the set's pointers counted. */
static long long lvalue_align(CXCursor e)
{
    switch (clang_getCursorKind(e)) {
    case CXCursor_ParenExpr:
        return lvalue_align(child(e, 0));
    case CXCursor_MemberRefExpr:
        return member_align(e);
    case CXCursor_ArraySubscriptExpr:
        return subscript_align(e);
    case CXCursor_UnaryOperator:
        if (is_unary(e, "*"))
            return deref_align(pointee(clang_getCursorType(child(e, 0))));
        return align_of(clang_getCursorType(e));
    default:
        return align_of(clang_getCursorType(e));
    }
}

/* ---- the set: addresses of lvalues below their alignment ----------------------------- */

/* Adds t and, for an array, its element types, when an object of type t
 * known only to be aligned to a has its address taken. */
static void note_address(CXType t, long long a)
{
    if (a < align_of(t))
        add_key(t);
    while (is_array(t)) {
        t = clang_getArrayElementType(clang_getCanonicalType(t));
        a = min_ll(a, offset_align(clang_Type_getSizeOf(t)));
        if (a < align_of(t))
            add_key(t);
    }
}

static int worth_a_look(CXCursor e)
{
    enum CXCursorKind k = clang_getCursorKind(e);
    return k == CXCursor_MemberRefExpr || k == CXCursor_ArraySubscriptExpr || k == CXCursor_UnaryOperator ||
           k == CXCursor_ParenExpr;
}

static enum CXChildVisitResult find_addresses(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)data;
    if (in_system_header(c))
        return CXChildVisit_Continue;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_UnaryOperator) {
        CXCursor l = bare_expr(child(c, 0));
        if (worth_a_look(l) && clang_getCanonicalType(clang_getCursorType(l)).kind != CXType_FunctionProto &&
            is_unary(c, "&"))
            note_address(clang_getCursorType(l), lvalue_align(l));
    } else if (k == CXCursor_UnexposedExpr && is_pointer(clang_getCursorType(c)) &&
               clang_getCursorKind(parent) != CXCursor_ArraySubscriptExpr) {
        /* an array decayed to a pointer to its first element */
        CXCursor l = bare_expr(child(c, 0));
        CXType lt = clang_getCursorType(l);
        if (!clang_Cursor_isNull(l) && is_array(lt) && worth_a_look(l)) {
            CXType elem = clang_getArrayElementType(clang_getCanonicalType(lt));
            note_address(elem, min_ll(lvalue_align(l), offset_align(clang_Type_getSizeOf(elem))));
        }
    }
    return CXChildVisit_Recurse;
}

static int scan(CXTranslationUnit tu)
{
    us.tu = tu;
    int any = 0;
    for (int round = 0; round < MAX_ROUNDS; round++) {
        us.grew = 0;
        clang_visitChildren(clang_getTranslationUnitCursor(tu), find_addresses, NULL);
        any |= us.grew;
        if (!us.grew)
            break;
    }
    return any;
}

static void reset(void)
{
    if (us.program)
        return;
    for (int i = 0; i < us.nkeys; i++)
        free(us.keys[i]);
    us.nkeys = 0;
}

void unaligned_program_begin(void)
{
    us.program = 0;
    reset();
    us.program = 1;
}

int unaligned_prescan(CXTranslationUnit tu)
{
    return scan(tu);
}

/* ---- the rewrite --------------------------------------------------------------------- */

typedef struct urw {
    tunit *t;
    editbuf eb;
    CXCursor fn;           /* the function definition being read */
    char **spellings;      /* the typedefs written, by index */
    int nspellings, cap;
    int depth;             /* of the dereference being wrapped */
} urw;

/* A spelling of t that means t at file scope, or NULL: anonymous records
 * and types declared inside a function have none, unless written (sugared)
 * as a typedef name declared at file scope. */
static char *file_scope_spelling(CXType t, CXType sugared)
{
    CXCursor name = clang_getTypeDeclaration(sugared);
    if (sugared.kind == CXType_Typedef && clang_getCursorKind(name) == CXCursor_TypedefDecl &&
        clang_getCursorKind(clang_getCursorSemanticParent(name)) == CXCursor_TranslationUnit) {
        CXString sp = clang_getTypeSpelling(sugared);
        char *r = xstrdup(clang_getCString(sp));
        clang_disposeString(sp);
        return r;
    }
    CXType c = clang_getCanonicalType(t);
    CXType base = c;
    while (is_array(base))
        base = clang_getArrayElementType(base);
    CXCursor decl = clang_getTypeDeclaration(base);
    if (!clang_Cursor_isNull(decl) && clang_getCursorKind(decl) != CXCursor_NoDeclFound) {
        CXCursor parent = clang_getCursorSemanticParent(decl);
        if (clang_getCursorKind(parent) != CXCursor_TranslationUnit)
            return NULL;
    }
    CXString sp = clang_getTypeSpelling(c);
    const char *s = clang_getCString(sp);
    char *r = strstr(s, "(unnamed") || strstr(s, "(anonymous") ? NULL : xstrdup(s);
    clang_disposeString(sp);
    return r;
}

/* The typedef name for t, written before the current function the first
 * time; -1 when t cannot be named at file scope. */
static int typedef_for(urw *u, CXType t, CXType sugared)
{
    char *s = file_scope_spelling(t, sugared);
    if (!s)
        return -1;
    for (int i = 0; i < u->nspellings; i++)
        if (strcmp(u->spellings[i], s) == 0) {
            free(s);
            return i;
        }
    if (strlen(s) > MAX_SPELLING) {
        free(s);
        return -1;
    }
    if (u->nspellings == u->cap) {
        u->cap = u->cap ? 2 * u->cap : 8;
        u->spellings = xrealloc(u->spellings, (size_t)u->cap * sizeof *u->spellings);
    }
    int n = u->nspellings++;
    u->spellings[n] = s;
    char text[MAX_SPELLING + 96];
    /* on the function's first line: every later line keeps its number */
    snprintf(text, sizeof text, "typedef __typeof__(%s) __mt_unaligned_%d __attribute__((aligned(1))); ", s, n);
    ed_text(ed_add(&u->eb, cur_start(u->fn), cur_start(u->fn), ORDER_TYPEDEF), text);
    return n;
}

/* p (a pointer to a type of the set) -> ((__mt_unaligned_N *)(p)). */
static void wrap_pointer(urw *u, CXCursor p)
{
    CXType t = pointee(clang_getCursorType(p));
    enum CXTypeKind k = clang_getCanonicalType(t).kind;
    /* an _Atomic object is never packed below its alignment */
    if (k == CXType_Void || k == CXType_FunctionProto || k == CXType_FunctionNoProto || k == CXType_Atomic ||
        !affected(t))
        return;
    int n = typedef_for(u, t, clang_getPointeeType(clang_getCursorType(p)));
    if (n < 0)
        return;
    char open[64];
    snprintf(open, sizeof open, "((__mt_unaligned_%d *)(", n);
    ed_text(ed_add(&u->eb, cur_start(p), cur_start(p), ORDER_OPEN_BASE + u->depth), open);
    ed_text(ed_add(&u->eb, cur_end(p), cur_end(p), ORDER_CLOSE_BASE - u->depth), "))");
}

/* The pointer a dereference reads through, or a null cursor (a subscript
 * of an array, a member of a struct object). */
static CXCursor dereferenced(CXCursor c)
{
    switch (clang_getCursorKind(c)) {
    case CXCursor_UnaryOperator:
        return is_unary(c, "*") ? child(c, 0) : clang_getNullCursor();
    case CXCursor_MemberRefExpr: {
        CXCursor base = child(c, 0);
        return !clang_Cursor_isNull(base) && is_pointer(clang_getCursorType(base)) ? base : clang_getNullCursor();
    }
    case CXCursor_ArraySubscriptExpr: {
        CXCursor base = subscript_base(c);
        if (clang_Cursor_isNull(base) || is_array(clang_getCursorType(bare_expr(base))))
            return clang_getNullCursor();
        return base;
    }
    default:
        return clang_getNullCursor();
    }
}

static enum CXChildVisitResult rewrite_body(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    urw *u = data;
    /* sizeof and _Alignof evaluate nothing; _Alignof would see the typedef */
    if (clang_getCursorKind(c) == CXCursor_UnaryExpr)
        return CXChildVisit_Continue;
    CXCursor p = dereferenced(c);
    if (!clang_Cursor_isNull(p))
        wrap_pointer(u, p);
    u->depth++;
    clang_visitChildren(c, rewrite_body, u);
    u->depth--;
    return CXChildVisit_Continue;
}

static enum CXChildVisitResult each_function(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    urw *u = data;
    if (in_system_header(c) || clang_getCursorKind(c) != CXCursor_FunctionDecl || !clang_isCursorDefinition(c))
        return CXChildVisit_Continue;
    u->fn = c;
    u->depth = 0;
    clang_visitChildren(c, rewrite_body, u);
    return CXChildVisit_Continue;
}

char *unaligned_unit(tunit *t)
{
    reset();
    scan(t->tu);
    if (!us.nkeys)
        return NULL;
    urw u = { .t = t };
    u.eb.src = t->eb.src;
    u.eb.len = t->eb.len;
    clang_visitChildren(clang_getTranslationUnitCursor(t->tu), each_function, &u);
    char *out = NULL;
    if (u.eb.nedits) {
        strbuf b = { 0 };
        ed_render(&u.eb, 0, (unsigned)u.eb.len, 0, &b);
        out = b.s;
    }
    for (int i = 0; i < u.eb.nedits; i++) {
        for (int j = 0; j < u.eb.edits[i].nsegs; j++)
            free(u.eb.edits[i].segs[j].text);
        free(u.eb.edits[i].segs);
    }
    free(u.eb.edits);
    for (int i = 0; i < u.nspellings; i++)
        free(u.spellings[i]);
    free(u.spellings);
    return out;
}
