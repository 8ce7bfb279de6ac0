/* hidden.c: mtcc's pointer inference for hidden pointers (seed section 4.4).
 *
 * Finds the integer storage that may hold an address: a pointer cast to an
 * integer and stored, and whatever integer storage such a value is copied
 * into (a fixpoint, flow-insensitive: a variable by its declaration, a
 * struct member by type and member, storage reached through a pointer by
 * its element type). types.c gives that storage the runtime's address
 * class. Arithmetic on an address the runtime cannot follow (XOR, hashing,
 * splitting) is a spot: a warning here and a refusal of every checkpoint
 * at capture, unless the user declares the spot safe. A split whose value
 * is only tested against zero is none (is_tested). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

/* The struct tag that MT_NOT_A_POINTER's expansion names. */
#define NOT_A_POINTER_TAG "__mt_not_a_pointer"
/* The alignment that every restored block keeps on every ABI (malloc's on
 * armhf): the bits of an address below it survive a restore, the others do
 * not. x & m with a constant m below it extracts tag bits, a number; a mask
 * that clears or keeps bits above it depends on where the block is. */
#define ALIGN_KEPT 8
/* The fixpoint adds marks only; a bound keeps a pathological file cheap. */
#define MAX_ROUNDS 32

/* ---- Marks and spots ----------------------------------------------------------------- */

typedef struct spot {
    char *file;
    unsigned line;
    char *text;   /* "the address in x is XOR-ed" */
} spot;

static struct {
    markset marks;
    int collect;  /* the last round records the spots */
    int notes_only; /* the first round: what calls pass to pointer parameters */
    spot *spots;
    int nspots;
    int safe_depth; /* inside MT_NOT_A_POINTER(...) */
    int in_place;   /* inside an address aligned in place: p = (T *)(p + k - p % k) */
    CXTranslationUnit tu;
    long long ptr_size;  /* bytes, on the target */
} hs;

static char **safe_spots;  /* --hidden-pointers-safe=FILE:LINE */
static int nsafe;

void hidden_declare_safe(const char *file_line)
{
    safe_spots = xrealloc(safe_spots, (size_t)(nsafe + 1) * sizeof *safe_spots);
    safe_spots[nsafe++] = xstrdup(file_line);
}

static int marked(const char *key) { return markset_has(&hs.marks, key); }
static void mark(const char *key) { markset_add(&hs.marks, key ? xstrdup(key) : NULL); }

/* "v:USR" for a variable, "f:USR" for a member, "r:USR" for what a
 * function returns. */
static char *decl_key(char kind, CXCursor decl) { return usr_key(kind, decl); }

/* "d:T" for storage reached through a pointer to integers of type T, T
 * as written without qualifiers ("uintptr_t", never the canonical
 * "unsigned long" of one ABI: every ABI must mark the same storage). */
static char *elem_key(CXType t)
{
    CXString sp = clang_getTypeSpelling(t);
    const char *s = clang_getCString(sp);
    for (int again = 1; again;) {
        again = 0;
        static const char *const quals[] = { "const ", "volatile ", "restrict " };
        for (int i = 0; i < 3; i++)
            if (strncmp(s, quals[i], strlen(quals[i])) == 0) {
                s += strlen(quals[i]);
                again = 1;
            }
    }
    char *key = xcalloc(1, strlen(s) + 3);
    sprintf(key, "d:%s", s);
    clang_disposeString(sp);
    return key;
}

static int key_marked(char *key)
{
    int r = marked(key);
    free(key);
    return r;
}

static void key_mark(char *key)
{
    mark(key);
    free(key);
}

/* The element type of t through arrays, as written (typedefs of arrays
 * peeled a step at a time so that the element keeps its spelling). */
static CXType element_of(CXType t)
{
    for (int depth = 0; depth < 64; depth++) {
        if (t.kind == CXType_Typedef && clang_getCanonicalType(t).kind == CXType_ConstantArray)
            t = clang_getTypedefDeclUnderlyingType(clang_getTypeDeclaration(t));
        else if (t.kind == CXType_Elaborated)
            t = clang_Type_getNamedType(t);
        else if (t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray)
            t = clang_getArrayElementType(t);
        else
            break;
    }
    return t;
}

int hidden_elem(CXType elem)
{
    elem = element_of(elem);
    if (!plain_integer_type(elem))
        return 0;
    /* uintptr_t marks a word declared uintptr_t or through a typedef of it */
    for (int depth = 0; depth < 64; depth++) {
        if (key_marked(elem_key(elem)))
            return 1;
        if (elem.kind == CXType_Elaborated)
            elem = clang_Type_getNamedType(elem);
        else if (elem.kind == CXType_Typedef)
            elem = clang_getTypedefDeclUnderlyingType(clang_getTypeDeclaration(elem));
        else
            return 0;
    }
    return 0;
}

int hidden_any(void)
{
    for (int i = 0; i < hs.marks.n; i++)
        if (strchr("vfdr", hs.marks.keys[i][0]))
            return 1;
    return 0;
}

int hidden_decl(CXCursor decl)
{
    CXType elem = element_of(clang_getCursorType(decl));
    if (!plain_integer_type(elem))
        return 0;
    enum CXCursorKind k = clang_getCursorKind(decl);
    return key_marked(decl_key(k == CXCursor_FieldDecl ? 'f' : 'v', decl)) || hidden_elem(elem);
}

/* ---- Expressions ------------------------------------------------------------------------ */

static int is_integer(CXType t) { return plain_integer_type(t); }

static int is_address_type(CXType t)
{
    CXType c = clang_getCanonicalType(t);
    return c.kind == CXType_Pointer || c.kind == CXType_ConstantArray || c.kind == CXType_IncompleteArray ||
           c.kind == CXType_FunctionProto || c.kind == CXType_FunctionNoProto || c.kind == CXType_BlockPointer;
}

static CXCursor only_child(CXCursor c)
{
    kids k = children(c);
    CXCursor r = k.n == 1 ? k.c[0] : clang_getNullCursor();
    free(k.c);
    return r;
}

static CXCursor child_at(CXCursor c, int i)
{
    kids k = children(c);
    CXCursor r = i < k.n ? k.c[i] : clang_getNullCursor();
    free(k.c);
    return r;
}

static CXCursor strip_parens(CXCursor e)
{
    while (!clang_Cursor_isNull(e) && (clang_getCursorKind(e) == CXCursor_ParenExpr ||
                                       clang_getCursorKind(e) == CXCursor_UnexposedExpr)) {
        CXCursor in = only_child(e);
        if (clang_Cursor_isNull(in))
            break;
        e = in;
    }
    return e;
}

/* The storage an lvalue names, as a mark key, or NULL. */
static char *storage_key(CXCursor lv)
{
    lv = strip_parens(lv);
    switch (clang_getCursorKind(lv)) {
    case CXCursor_DeclRefExpr: return decl_key('v', clang_getCursorReferenced(lv));
    case CXCursor_MemberRefExpr: return decl_key('f', clang_getCursorReferenced(lv));
    case CXCursor_ArraySubscriptExpr: {
        CXCursor base = strip_parens(child_at(lv, 0));
        CXType bt = clang_getCanonicalType(clang_getCursorType(base));
        if (bt.kind == CXType_ConstantArray)
            return storage_key(base);
        return elem_key(clang_getCursorType(lv));
    }
    case CXCursor_UnaryOperator: return elem_key(clang_getCursorType(lv));
    default: return NULL;
    }
}

/* A constant mask that reads or writes tag bits only: m below the kept
 * alignment (x & 7, x | 1), or its complement there (x & ~7). */
static int tag_mask(long long m)
{
    unsigned long long low = (unsigned long long)ALIGN_KEPT - 1;
    unsigned long long width = hs.ptr_size >= 8 ? ~0ULL : (1ULL << (hs.ptr_size * 8)) - 1;
    return (m >= 0 && (unsigned long long)m <= low) || ((~(unsigned long long)m & width) <= low);
}

/* x % m for a power of two m within the kept alignment is x & (m - 1). */
static int tag_modulus(long long m)
{
    return m > 0 && m <= ALIGN_KEPT && (m & (m - 1)) == 0;
}

static int addr_expr(CXCursor e);

/* A pointer parameter that every call passes a number cast to a pointer
 * ("n:" marks, never "p:"): pthread_create(&t, NULL, work, (void *)i). */
static int holds_numbers(CXCursor e)
{
    e = strip_parens(e);
    if (clang_getCursorKind(e) != CXCursor_DeclRefExpr)
        return 0;
    CXCursor d = clang_getCursorReferenced(e);
    return clang_getCursorKind(d) == CXCursor_ParmDecl && key_marked(decl_key('n', d)) &&
           !key_marked(decl_key('p', d));
}

/* a & m or a | m with one address: its tag bits set or stripped, still an
 * address; a & small (a constant) extracts the tag, a number. */
static int addr_masked(const char *op, CXCursor a, CXCursor b)
{
    long long m;
    int am = addr_expr(a), bm = addr_expr(b);
    if (am == bm)
        return 0;
    if (strcmp(op, "&") == 0 && constant_int(am ? b : a, &m))
        return !(m >= 0 && m < ALIGN_KEPT);
    return 1;
}

static int addr_binary(CXCursor e)
{
    char *op = operator_of(hs.tu, e);
    CXCursor a = child_at(e, 0), b = child_at(e, 1);
    int r = 0;
    if (strcmp(op, "+") == 0)
        r = addr_expr(a) || addr_expr(b);
    else if (strcmp(op, "-") == 0)
        r = addr_expr(a) && !addr_expr(b);  /* an address minus an address is a distance */
    else if (strcmp(op, "&") == 0 || strcmp(op, "|") == 0)
        r = addr_masked(op, a, b);
    else if (strcmp(op, ",") == 0 || strcmp(op, "=") == 0)
        r = addr_expr(b);
    free(op);
    return r;
}

/* 1 when integer expression e may hold an address. */
static int addr_expr(CXCursor e)
{
    if (clang_Cursor_isNull(e))
        return 0;
    enum CXCursorKind k = clang_getCursorKind(e);
    if (k == CXCursor_ParenExpr)
        return addr_expr(only_child(e));
    if (k == CXCursor_CStyleCastExpr || k == CXCursor_UnexposedExpr) {
        kids ch = children(e);
        CXCursor in = ch.n ? ch.c[ch.n - 1] : clang_getNullCursor();
        free(ch.c);
        if (clang_Cursor_isNull(in))
            return 0;
        if (!is_address_type(clang_getCursorType(in)))
            return addr_expr(in);
        /* only an explicit cast turns an address into an integer (an
         * implicit one here is a decay, or va_arg reading its list);
         * &((T *)0)->m is offsetof written by hand (layoutnum.c's) */
        CXType record;
        return k == CXCursor_CStyleCastExpr && is_integer(clang_getCursorType(e)) && !holds_numbers(in) &&
               !null_member_address(in, &record);
    }
    switch (k) {
    case CXCursor_DeclRefExpr:
    case CXCursor_MemberRefExpr:
    case CXCursor_ArraySubscriptExpr: {
        char *key = storage_key(e);
        int r = marked(key);
        free(key);
        return r;
    }
    case CXCursor_UnaryOperator: {
        char *op = operator_of(hs.tu, e);
        int r = 0;
        if (strcmp(op, "*") == 0)
            r = key_marked(storage_key(e));
        else if (strcmp(op, "+") == 0)
            r = addr_expr(only_child(e));
        free(op);
        return r;
    }
    case CXCursor_BinaryOperator: return addr_binary(e);
    case CXCursor_CompoundAssignOperator: return addr_expr(child_at(e, 0));
    case CXCursor_ConditionalOperator: return addr_expr(child_at(e, 1)) || addr_expr(child_at(e, 2));
    case CXCursor_CallExpr: {
        CXCursor callee = clang_getCursorReferenced(e);
        return !clang_Cursor_isNull(callee) && key_marked(decl_key('r', callee));
    }
    default: return 0;
    }
}

/* A name for what an address expression came from, for messages. */
static char *name_of(CXCursor e)
{
    e = strip_parens(e);
    enum CXCursorKind k = clang_getCursorKind(e);
    if (k == CXCursor_DeclRefExpr || k == CXCursor_MemberRefExpr)
        return spell(clang_getCursorReferenced(e));
    kids ch = children(e);
    char *r = NULL;
    for (int i = 0; i < ch.n && !r; i++)
        r = name_of(ch.c[i]);
    free(ch.c);
    return r;
}

/* ---- Spots --------------------------------------------------------------------------------- */

static void add_spot(CXCursor at, CXCursor operand, const char *what)
{
    if (!hs.collect || hs.safe_depth)
        return;
    CXString file;
    unsigned line, col;
    clang_getPresumedLocation(clang_getCursorLocation(at), &file, &line, &col);
    const char *f = clang_getCString(file);
    const char *slash = strrchr(f, '/');
    char *name = name_of(operand);
    char text[400];
    snprintf(text, sizeof text, "the address in %s is %s", name ? name : "an integer", what);
    free(name);
    for (int i = 0; i < hs.nspots; i++)
        if (hs.spots[i].line == line && strcmp(hs.spots[i].text, text) == 0 &&
            strcmp(hs.spots[i].file, slash ? slash + 1 : f) == 0) {
            clang_disposeString(file);
            return;
        }
    hs.spots = xrealloc(hs.spots, (size_t)(hs.nspots + 1) * sizeof *hs.spots);
    hs.spots[hs.nspots++] = (spot){ xstrdup(slash ? slash + 1 : f), line, xstrdup(text) };
    clang_disposeString(file);
}

/* What an operator does to an address that no checkpoint can follow. */
static const char *lost_by(const char *op)
{
    static const char *const ops[][2] = { { "^", "XOR-ed" },      { "^=", "XOR-ed" },
                                          { "*", "multiplied" },  { "*=", "multiplied" },
                                          { "/", "divided" },     { "/=", "divided" },
                                          { "%", "hashed (taken modulo)" }, { "%=", "hashed (taken modulo)" },
                                          { "<<", "shifted" },    { "<<=", "shifted" },
                                          { ">>", "shifted" },    { ">>=", "shifted" },
                                          { "&", "masked" },      { "&=", "masked" },
                                          { "|", "combined" },    { "|=", "combined" },
                                          { "~", "complemented" } };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(op, ops[i][0]) == 0)
            return ops[i][1];
    return NULL;
}

/* An operator on an address and a number that the runtime follows: tag
 * bits set, stripped or read with & and | (a constant only within the
 * alignment a restore keeps), or x % m read as x & (m - 1). NULL when it
 * follows, else what it loses. */
static const char *tag_operation(const char *op, CXCursor e, CXCursor number)
{
    long long m;
    int known = constant_int(number, &m);
    if (op[0] == '&' || op[0] == '|')
        return !known || tag_mask(m) ? NULL : "masked beyond the alignment a restore keeps";
    CXType t = clang_getCanonicalType(clang_getCursorType(e));
    int is_unsigned = t.kind >= CXType_Char_U && t.kind <= CXType_UInt128;
    if (op[0] == '%' && known && tag_modulus(m) && is_unsigned)
        return NULL;
    return lost_by(op);
}

/* A binary or compound operator applied to an address: a spot unless it
 * is one the runtime follows (+, -, tag bits, comparisons). */
static void check_operator(CXCursor e)
{
    char *op = operator_of(hs.tu, e);
    CXCursor a = child_at(e, 0), b = child_at(e, 1);
    const char *what = lost_by(op);
    int am = what ? addr_expr(a) : 0, bm = what ? addr_expr(b) : 0;
    if (am && bm && (op[0] == '&' || op[0] == '|'))
        add_spot(e, a, "combined with another address");
    else if ((am || bm) && !hs.in_place && (what = am && bm ? what : tag_operation(op, e, am ? b : a)))
        add_spot(e, am ? a : b, what);
    free(op);
}

static void check_unary(CXCursor e)
{
    char *op = operator_of(hs.tu, e);
    const char *what = strcmp(op, "~") == 0 ? lost_by(op) : strcmp(op, "-") == 0 ? "negated" : NULL;
    if (what && !hs.in_place && addr_expr(only_child(e)))
        add_spot(e, only_child(e), what);
    free(op);
}

/* ---- Values only tested against zero ---------------------------------------------------- */

/* The operands, parentheses and implicit conversions aside, whose value is
 * only tested against zero or thrown away: of !, && and ||, the parts of
 * if, while, do and for, a statement's (not a block's last, which may be
 * a statement expression's value). An address split there means
 * what it meant (a restore brings the same number back, and only whether
 * it is zero is ever used), as old code's (int)strchr(s, c) does. */
#define MAX_TESTED 256
static CXCursor tested[MAX_TESTED];
static int ntested;

/* 1 when e was written by a macro: its place is the macro's use, which
 * other expressions of the expansion share. */
static int from_macro(CXCursor e)
{
    CXSourceLocation at = clang_getRangeStart(clang_getCursorExtent(e));
    unsigned spelled_at, expanded_at;
    CXFile sf, ef;
    clang_getSpellingLocation(at, &sf, NULL, NULL, &spelled_at);
    clang_getExpansionLocation(at, &ef, NULL, NULL, &expanded_at);
    return spelled_at != expanded_at || !clang_File_isEqual(sf, ef);
}

/* By kind and place (a cursor reached from the unit's top and the same
 * one reached inside its function do not compare equal); never inside a
 * macro's expansion, where places are shared. */
static int is_tested(CXCursor e)
{
    if (from_macro(e))
        return 0;
    enum CXCursorKind k = clang_getCursorKind(e);
    unsigned start = cur_start(e), end = cur_end(e);
    for (int i = 0; i < ntested; i++)
        if (clang_getCursorKind(tested[i]) == k && cur_start(tested[i]) == start && cur_end(tested[i]) == end)
            return 1;
    return 0;
}

/* Pushes c's children as tested operands when c tests or discards them;
 * returns how many were pushed. */
static int push_tested(CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    int tests = k == CXCursor_IfStmt || k == CXCursor_WhileStmt || k == CXCursor_DoStmt || k == CXCursor_ForStmt ||
                k == CXCursor_CompoundStmt;
    if (k == CXCursor_UnaryOperator || k == CXCursor_BinaryOperator) {
        char *op = operator_of(hs.tu, c);
        tests = strcmp(op, "!") == 0 || strcmp(op, "&&") == 0 || strcmp(op, "||") == 0;
        free(op);
    }
    if (!tests)
        return 0;
    kids ch = children(c);
    int n = 0, last = k == CXCursor_CompoundStmt ? ch.n - 1 : ch.n;
    for (int i = 0; i < last && ntested < MAX_TESTED; i++, n++)
        tested[ntested++] = strip_parens(ch.c[i]);
    free(ch.c);
    return n;
}

typedef struct fn_uses {
    CXCursor fn;
    int refs, tested_calls;
} fn_uses;

static enum CXChildVisitResult count_uses(CXCursor c, CXCursor parent, CXClientData data)
{
    fn_uses *u = data;
    enum CXCursorKind k = clang_getCursorKind(c);
    CXCursor to = clang_getCursorReferenced(c);
    int of_fn = !clang_Cursor_isNull(to) && clang_equalCursors(clang_getCanonicalCursor(to), u->fn);
    if (k == CXCursor_DeclRefExpr && of_fn)
        u->refs++;
    if (k == CXCursor_CallExpr && of_fn) {
        int pushed = push_tested(parent);
        u->tested_calls += is_tested(c);
        ntested -= pushed;
    }
    return CXChildVisit_Recurse;
}

/* 1 when every use of static function fn in the unit is a call whose
 * value is only tested against zero or thrown away (spiff's _P_in_alpha,
 * which returns (int)index(...), called as isalpha(c) || _P_in_alpha(c)). */
static int result_only_tested(CXCursor fn)
{
    if (clang_Cursor_isNull(fn) || clang_getCursorLinkage(fn) != CXLinkage_Internal)
        return 0;
    fn_uses u = { clang_getCanonicalCursor(fn), 0, 0 };
    clang_visitChildren(clang_getTranslationUnitCursor(hs.tu), count_uses, &u);
    return u.refs > 0 && u.refs == u.tested_calls;
}

/* A cast of an address to an integer narrower than a pointer keeps half
 * of it, unless only whether it is zero is used. */
static void check_cast(CXCursor e)
{
    kids ch = children(e);
    CXCursor in = ch.n ? ch.c[ch.n - 1] : clang_getNullCursor();
    free(ch.c);
    CXType to = clang_getCursorType(e);
    if (clang_Cursor_isNull(in) || !is_integer(to))
        return;
    CXType record;
    int address = addr_expr(in) ||
                  (is_address_type(clang_getCursorType(in)) && !holds_numbers(in) && !null_member_address(in, &record));
    if (clang_Type_getSizeOf(to) < hs.ptr_size && address && !is_tested(e))
        add_spot(e, in, "split (cast to a narrower integer)");
}

/* ---- An address aligned in place ---------------------------------------------------- */

/* p = (T *)((uintptr_t)p + k - (uintptr_t)p % k), or (((uintptr_t)p + k - 1) & ~(k - 1)):
 * a pointer moved by a function of its own bits, the old value gone. What
 * the program keeps is a pointer into the block like any other, translated
 * by its offset, so the restored program reads and writes the same bytes;
 * what a restore does not keep is the alignment itself (docs/design.md,
 * "Hidden pointers"). Anything else in the expression (a second address, a
 * call, a store) makes it an ordinary spot. */

/* The tokens of c, joined by spaces: two pure lvalues spelled alike are
 * the same storage. */
static char *spelled(CXCursor c)
{
    CXToken *toks;
    unsigned n;
    clang_tokenize(hs.tu, clang_getCursorExtent(c), &toks, &n);
    strbuf b = { 0 };
    for (unsigned i = 0; i < n; i++) {
        CXString sp = clang_getTokenSpelling(hs.tu, toks[i]);
        sb_printf(&b, "%s%s", i ? " " : "", clang_getCString(sp));
        clang_disposeString(sp);
    }
    clang_disposeTokens(hs.tu, toks, n);
    return b.s ? b.s : xstrdup("");
}

/* The operand of a cast (its last child: a TypeRef may come first). */
static CXCursor cast_operand(CXCursor cast)
{
    kids ch = children(cast);
    CXCursor in = ch.n ? ch.c[ch.n - 1] : clang_getNullCursor();
    free(ch.c);
    return in;
}

static int has_side_effect(CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_CallExpr || k == CXCursor_CompoundAssignOperator || k == CXCursor_StmtExpr)
        return 1;
    if (k != CXCursor_BinaryOperator && k != CXCursor_UnaryOperator)
        return 0;
    char *op = operator_of(hs.tu, c);
    int r = strcmp(op, "=") == 0 || strcmp(op, "++") == 0 || strcmp(op, "--") == 0 || strcmp(op, ",") == 0;
    free(op);
    return r;
}

typedef struct one_source {
    const char *want;  /* the spelling of the storage assigned */
    int seen, other;   /* casts of it to an integer; other addresses */
} one_source;

static enum CXChildVisitResult scan_sources(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    one_source *os = data;
    CXCursor in = clang_getCursorKind(c) == CXCursor_CStyleCastExpr ? cast_operand(c) : clang_getNullCursor();
    if (!clang_Cursor_isNull(in) && is_integer(clang_getCursorType(c)) && is_address_type(clang_getCursorType(in))) {
        char *sp = spelled(strip_parens(in));
        *(strcmp(sp, os->want) == 0 ? &os->seen : &os->other) += 1;
        free(sp);
        return CXChildVisit_Continue;
    }
    enum CXCursorKind k = clang_getCursorKind(c);
    int names = k == CXCursor_DeclRefExpr || k == CXCursor_MemberRefExpr || k == CXCursor_ArraySubscriptExpr ||
                k == CXCursor_CallExpr || k == CXCursor_UnaryOperator;
    if (names && (is_address_type(clang_getCursorType(c)) || addr_expr(c))) {
        os->other++;  /* another address, or an integer that holds one */
        return CXChildVisit_Continue;
    }
    return CXChildVisit_Recurse;
}

/* 1 when lhs = rhs aligns the pointer lhs in place. */
static int aligned_in_place(CXCursor lhs, CXCursor rhs)
{
    rhs = strip_parens(rhs);
    if (clang_getCanonicalType(clang_getCursorType(lhs)).kind != CXType_Pointer ||
        clang_getCursorKind(rhs) != CXCursor_CStyleCastExpr)
        return 0;
    CXCursor number = cast_operand(rhs);
    if (clang_Cursor_isNull(number) || !is_integer(clang_getCursorType(number)) ||
        any_node(number, has_side_effect, NULL) || any_node(lhs, has_side_effect, NULL))
        return 0;
    char *want = spelled(strip_parens(lhs));
    one_source os = { want, 0, 0 };
    clang_visitChildren(number, scan_sources, &os);
    free(want);
    return os.seen && !os.other;
}

/* ---- The walk ----------------------------------------------------------------------------- */

/* MT_NOT_A_POINTER(e) expands to ((void)sizeof(struct __mt_not_a_pointer *), (e)):
 * a comma whose left operand names that tag. */
static int not_a_pointer_annotation(CXCursor c)
{
    if (clang_getCursorKind(c) != CXCursor_BinaryOperator)
        return 0;
    CXCursor a = child_at(c, 0);
    if (clang_Cursor_isNull(a))
        return 0;
    CXToken *toks;
    unsigned n;
    clang_tokenize(hs.tu, clang_getCursorExtent(a), &toks, &n);
    int found = 0;
    for (unsigned i = 0; i < n && !found; i++) {
        CXString sp = clang_getTokenSpelling(hs.tu, toks[i]);
        found = strcmp(clang_getCString(sp), NOT_A_POINTER_TAG) == 0;
        clang_disposeString(sp);
    }
    clang_disposeTokens(hs.tu, toks, n);
    return found;
}

/* Marks the storage an address-valued integer is stored into. */
static void store(CXCursor lhs, CXCursor rhs)
{
    if (is_integer(clang_getCursorType(lhs)) && addr_expr(rhs))
        key_mark(storage_key(lhs));
}

/* memcpy(dst, src, n) with src pointing to pointers and dst to integers. */
static void check_memcpy(CXCursor call)
{
    CXCursor callee = clang_getCursorReferenced(call);
    if (clang_Cursor_isNull(callee))
        return;
    char *name = spell(callee);
    int copy = strcmp(name, "memcpy") == 0 || strcmp(name, "memmove") == 0 ||
               strcmp(name, "__builtin_memcpy") == 0 || strcmp(name, "__builtin_memmove") == 0;
    free(name);
    if (!copy || clang_Cursor_getNumArguments(call) != 3)
        return;
    CXCursor dst = strip_parens(clang_Cursor_getArgument(call, 0));
    CXCursor src = strip_parens(clang_Cursor_getArgument(call, 1));
    CXType st = clang_getCanonicalType(clang_getCursorType(src));
    if (st.kind != CXType_Pointer && st.kind != CXType_ConstantArray)
        return;
    CXType spointee = st.kind == CXType_Pointer ? clang_getPointeeType(st) : clang_getArrayElementType(st);
    if (!is_address_type(clang_getCanonicalType(element_of(spointee))))
        return;
    /* dst: &x, an array x, or a pointer to integers */
    char *key = NULL;
    if (clang_getCursorKind(dst) == CXCursor_UnaryOperator)
        key = storage_key(only_child(dst));
    else if (clang_getCanonicalType(clang_getCursorType(dst)).kind == CXType_ConstantArray)
        key = storage_key(dst);
    CXType dt = clang_getCursorType(dst);
    CXType delem = clang_getCanonicalType(dt).kind == CXType_Pointer ? clang_getPointeeType(clang_getCanonicalType(dt))
                                                                      : element_of(dt);
    if (!is_integer(element_of(delem))) {
        free(key);
        return;
    }
    if (!key)
        key = elem_key(element_of(delem));
    key_mark(key);
}

/* An argument that is a number cast to a pointer: (void *)(size_t)i. */
static int number_cast(CXCursor arg)
{
    arg = strip_parens(arg);
    if (clang_getCursorKind(arg) != CXCursor_CStyleCastExpr)
        return 0;
    kids ch = children(arg);
    CXCursor in = ch.n ? ch.c[ch.n - 1] : clang_getNullCursor();
    free(ch.c);
    return !clang_Cursor_isNull(in) && (is_integer(clang_getCursorType(in)) || number_cast(in));
}

/* What a call passes to a pointer parameter: numbers only, or not. */
static void note_pointer_param(CXCursor parm, CXCursor arg)
{
    if (clang_getCanonicalType(clang_getCursorType(parm)).kind == CXType_Pointer)
        key_mark(decl_key(number_cast(arg) ? 'n' : 'p', parm));
}

/* pthread_create(&t, attr, start, arg): arg is start's parameter. */
static void check_thread_start(CXCursor call)
{
    CXCursor arg, parm = thread_start_param(call, &arg);
    if (!clang_Cursor_isNull(parm))
        note_pointer_param(parm, arg);
}

/* Arguments that carry addresses into a defined function's integer
 * parameters, or numbers into its pointer parameters. */
static void check_call(CXCursor call)
{
    if (!hs.notes_only)
        check_memcpy(call);
    CXCursor ref = clang_getCursorReferenced(call);
    if (clang_Cursor_isNull(ref))
        return;
    check_thread_start(call);
    CXCursor callee = clang_getCursorDefinition(ref);
    if (clang_Cursor_isNull(callee) || clang_getCursorKind(callee) != CXCursor_FunctionDecl)
        return;
    int n = clang_Cursor_getNumArguments(call), np = clang_Cursor_getNumArguments(callee);
    for (int i = 0; i < n && i < np; i++) {
        CXCursor parm = clang_Cursor_getArgument(callee, (unsigned)i);
        CXCursor arg = clang_Cursor_getArgument(call, (unsigned)i);
        if (!hs.notes_only && is_integer(clang_getCursorType(parm)) && addr_expr(arg))
            key_mark(decl_key('v', parm));
        note_pointer_param(parm, arg);
    }
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
    if (hs.notes_only) {
        if (k == CXCursor_CallExpr)
            check_call(c);
        clang_visitChildren(c, walk_child, &fn);
        return;
    }
    int annotated = not_a_pointer_annotation(c), in_place = 0;
    hs.safe_depth += annotated;
    if (k == CXCursor_VarDecl) {
        CXCursor init = clang_Cursor_getVarDeclInitializer(c);
        if (!clang_Cursor_isNull(init) && is_integer(clang_getCursorType(c)) && addr_expr(init))
            key_mark(decl_key('v', c));
    } else if (k == CXCursor_BinaryOperator) {
        char *op = operator_of(hs.tu, c);
        if (strcmp(op, "=") == 0)
            store(child_at(c, 0), child_at(c, 1));
        else
            check_operator(c);
        in_place = strcmp(op, "=") == 0 && aligned_in_place(child_at(c, 0), child_at(c, 1));
        free(op);
    } else if (k == CXCursor_CompoundAssignOperator) {
        char *op = operator_of(hs.tu, c);
        if (strcmp(op, "+=") == 0 || strcmp(op, "-=") == 0 || strcmp(op, "|=") == 0 || strcmp(op, "&=") == 0)
            store(child_at(c, 0), child_at(c, 1));
        check_operator(c);
        free(op);
    } else if (k == CXCursor_UnaryOperator) {
        check_unary(c);
    } else if (k == CXCursor_CStyleCastExpr) {
        check_cast(c);
    } else if (k == CXCursor_ReturnStmt && !clang_Cursor_isNull(fn)) {
        CXCursor v = only_child(c);
        if (is_integer(clang_getCursorResultType(fn)) && addr_expr(v))
            key_mark(decl_key('r', fn));
    } else if (k == CXCursor_CallExpr) {
        check_call(c);
    }
    int pushed = hs.collect ? push_tested(c) : 0;
    if (hs.collect && k == CXCursor_ReturnStmt && ntested < MAX_TESTED &&
        clang_getCursorKind(strip_parens(only_child(c))) == CXCursor_CStyleCastExpr && result_only_tested(fn)) {
        tested[ntested++] = strip_parens(only_child(c));
        pushed++;
    }
    if (k == CXCursor_FunctionDecl)
        fn = c;
    hs.in_place += in_place;
    clang_visitChildren(c, walk_child, &fn);
    hs.in_place -= in_place;
    ntested -= pushed;
    hs.safe_depth -= annotated;
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

static int declared_safe(const spot *s)
{
    char want[600];
    snprintf(want, sizeof want, "%s:%u", s->file, s->line);
    for (int i = 0; i < nsafe; i++) {
        const char *g = safe_spots[i], *slash = strrchr(g, '/');
        if (strcmp(g, want) == 0 || (slash && strcmp(slash + 1, want) == 0))
            return 1;
    }
    return 0;
}

static void reset_spots(void)
{
    for (int i = 0; i < hs.nspots; i++) {
        free(hs.spots[i].file);
        free(hs.spots[i].text);
    }
    free(hs.spots);
    hs.spots = NULL;
    hs.nspots = 0;
}

/* Several files built in one command share their marks (a struct member
 * one file stores an address in is marked in every file, so that every
 * file describes the struct alike); a file built alone starts afresh. */
static int program_marks;

static void reset(void)
{
    reset_spots();
    if (program_marks)
        return;
    markset_clear(&hs.marks);
}

void hidden_program_begin(void)
{
    reset();
    program_marks = 1;
}

/* The notes on pointer parameters, then the marks' fixpoint. */
static void infer_marks(CXCursor top)
{
    hs.notes_only = 1;
    clang_visitChildren(top, walk_top, NULL);
    hs.notes_only = 0;
    int rounds = 0;
    do {
        hs.marks.changed = 0;
        clang_visitChildren(top, walk_top, NULL);
    } while (hs.marks.changed && ++rounds < MAX_ROUNDS);
}

static void begin_unit(CXTranslationUnit tu)
{
    reset();
    hs.tu = tu;
    hs.collect = 0;
    hs.safe_depth = 0;
    hs.in_place = 0;
    CXTargetInfo ti = clang_getTranslationUnitTargetInfo(tu);
    hs.ptr_size = clang_TargetInfo_getPointerWidth(ti) / 8;
    clang_TargetInfo_dispose(ti);
}

int hidden_prescan(CXTranslationUnit tu)
{
    begin_unit(tu);
    int before = hs.marks.n;
    infer_marks(clang_getTranslationUnitCursor(tu));
    return hs.marks.n > before;
}

void hidden_infer(CXTranslationUnit tu, strbuf *reg)
{
    begin_unit(tu);
    CXCursor top = clang_getTranslationUnitCursor(tu);
    infer_marks(top);
    hs.collect = 1;
    clang_visitChildren(top, walk_top, NULL);
    for (int i = 0; i < hs.nspots; i++) {
        const spot *s = &hs.spots[i];
        if (declared_safe(s))
            continue;
        fprintf(stderr,
                "mtcc: %s:%u: warning: %s: a checkpoint of this program is refused unless this line is "
                "declared safe (mtcc --hidden-pointers-safe=%s:%u, or MT_NOT_A_POINTER(...))\n",
                s->file, s->line, s->text, s->file, s->line);
        sb_printf(reg, "    mt_hidden_unsafe(\"%s:%u: %s (mtcc --hidden-pointers-safe=%s:%u declares it safe)\");\n",
                  s->file, s->line, s->text, s->file, s->line);
    }
}
