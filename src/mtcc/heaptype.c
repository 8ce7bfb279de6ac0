/* heaptype.c: the type of each heap allocation, and what the program does
 * with the blocks mtcc cannot type.
 *
 * The type comes from the size expression, normalised to a sum of
 * products (parentheses, implicit conversions and integer casts dropped):
 * sizeof(T) + n * sizeof(E) is a block of T followed by elements (T's
 * flexible array member when it has one), and so is sizeof(T) plus
 * several such terms whose E are all data pointers (one array of
 * pointers, which convert alike), a single product with one sizeof
 * gives the element, in any operand order; else from the pointer the
 * result goes to (an initialized variable, an assignment, a cast). A
 * struct with a flexible array member always makes a flexible block.
 *
 * Which calls allocate, and which argument is the size or the count,
 * comes from the spec table (libspec.c: the built-in libc.spec and the
 * user's --lib-spec files).
 *
 * Blocks left untyped (bytes) are followed through the unit by
 * heapflow.c. Every allocation passes a static site (file:line and what
 * its block is used as) that the runtime keeps with the block for its
 * refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heaptype.h"
#include "libspec.h"

/* ---- sizeof operands -------------------------------------------------------------- */

static char **tokens_of(CXTranslationUnit tu, CXCursor c, unsigned *n, CXToken **toks)
{
    clang_tokenize(tu, clang_getCursorExtent(c), toks, n);
    char **s = xcalloc(*n ? *n : 1, sizeof *s);
    for (unsigned i = 0; i < *n; i++) {
        CXString sp = clang_getTokenSpelling(tu, (*toks)[i]);
        s[i] = xstrdup(clang_getCString(sp));
        clang_disposeString(sp);
    }
    return s;
}

static void free_tokens(CXTranslationUnit tu, char **s, unsigned n, CXToken *toks)
{
    for (unsigned i = 0; i < n; i++)
        free(s[i]);
    free(s);
    clang_disposeTokens(tu, toks, n);
}

static int is_type_keyword(const char *t)
{
    static const char *const kw[] = { "char", "short", "int", "long", "signed", "unsigned", "float", "double",
                                      "_Bool", "void", "struct", "union", "enum", "const", "volatile", NULL };
    for (int i = 0; kw[i]; i++)
        if (strcmp(t, kw[i]) == 0)
            return 1;
    return 0;
}

static int has_token(char **s, unsigned from, unsigned to, const char *t)
{
    for (unsigned i = from; i < to; i++)
        if (strcmp(s[i], t) == 0)
            return 1;
    return 0;
}

/* The class of a builtin scalar written with keywords, or NULL. */
static const char *keyword_class(char **s, unsigned from, unsigned to, int *multibyte)
{
    *multibyte = !has_token(s, from, to, "char") && !has_token(s, from, to, "_Bool");
    if (has_token(s, from, to, "void") || has_token(s, from, to, "_Complex") || has_token(s, from, to, "__int128"))
        return NULL;
    if (has_token(s, from, to, "float") || has_token(s, from, to, "double"))
        return has_token(s, from, to, "long") && has_token(s, from, to, "double") ? "MT_CLASS_LDOUBLE"
                                                                                   : "MT_CLASS_FLOAT";
    if (has_token(s, from, to, "_Bool"))
        return "MT_CLASS_BOOL";
    if (has_token(s, from, to, "char") && !has_token(s, from, to, "signed") && !has_token(s, from, to, "unsigned"))
        return "MT_CLASS_BYTES";
    return has_token(s, from, to, "unsigned") ? "MT_CLASS_UINT" : "MT_CLASS_SINT";
}

/* sizeof(type) with the type written: a pointer (by its '*'), a named
 * type (its TypeRef), or keywords; array bounds are left out (the element
 * is what a block holds). */
static void written_type(CXCursor first, char **s, unsigned open, unsigned close, sz_type *out)
{
    unsigned end = close;
    int depth = 0, star = 0, fn = 0;
    for (unsigned i = open + 1; i < close; i++) {
        if (strcmp(s[i], "(") == 0 || strcmp(s[i], "[") == 0) {
            if (depth == 0 && strcmp(s[i], "[") == 0 && end == close)
                end = i;
            if (depth == 0 && strcmp(s[i], "(") == 0 && i > open + 1 && strcmp(s[i - 1], ")") == 0)
                fn = 1;  /* (*)(...) */
            depth++;
        } else if (strcmp(s[i], ")") == 0 || strcmp(s[i], "]") == 0) {
            depth--;
        } else if (strcmp(s[i], "*") == 0) {
            star = 1;
        }
    }
    if (star) {
        out->cls = fn ? "MT_CLASS_FNPTR" : "MT_CLASS_PTR";
        out->multibyte = 1;
    } else if (!clang_Cursor_isNull(first) && clang_getCursorKind(first) == CXCursor_TypeRef) {
        out->type = clang_getCursorType(first);
        out->ok = out->type.kind != CXType_Invalid;
        return;
    } else if (!(out->cls = keyword_class(s, open + 1, end, &out->multibyte))) {
        return;
    }
    if (star && fn)
        end = close;  /* a function pointer is spelled whole */
    size_t len = 0;
    for (unsigned i = open + 1; i < end; i++) {
        int n = snprintf(out->spelled + len, sizeof out->spelled - len, "%s%s", len ? " " : "", s[i]);
        if (n < 0 || (size_t)n >= sizeof out->spelled - len)
            return;
        len += (size_t)n;
    }
    out->ok = len > 0;
}

/* The type a sizeof names: its operand's type, or the type written. */
static int sizeof_type(CXTranslationUnit tu, CXCursor e, sz_type *out)
{
    memset(out, 0, sizeof *out);
    unsigned n;
    CXToken *toks;
    char **s = tokens_of(tu, e, &n, &toks);
    int is_sizeof = n > 0 && strcmp(s[0], "sizeof") == 0;
    if (is_sizeof) {
        kids ch = children(e);
        CXCursor first = ch.n ? ch.c[0] : clang_getNullCursor();
        int written = n > 2 && strcmp(s[1], "(") == 0 && strcmp(s[n - 1], ")") == 0 &&
                      (is_type_keyword(s[2]) || clang_Cursor_isNull(first) ||
                       clang_getCursorKind(first) == CXCursor_TypeRef);
        if (written)
            written_type(first, s, 1, n - 1, out);
        else if (!clang_Cursor_isNull(first)) {
            out->type = clang_getCursorType(first);
            out->ok = out->type.kind != CXType_Invalid;
        }
        free(ch.c);
    }
    free_tokens(tu, s, n, toks);
    return is_sizeof;
}

/* ---- Size expressions ------------------------------------------------------------- */

/* e without parentheses, implicit conversions and casts (to integers). */
static CXCursor strip(CXCursor e)
{
    for (int depth = 0; depth < 64; depth++) {
        enum CXCursorKind k = clang_getCursorKind(e);
        if (k != CXCursor_ParenExpr && k != CXCursor_UnexposedExpr && k != CXCursor_CStyleCastExpr)
            return e;
        kids ch = children(e);
        if (ch.n == 0 || (k != CXCursor_CStyleCastExpr && ch.n != 1)) {
            free(ch.c);
            return e;
        }
        CXCursor inner = ch.c[ch.n - 1];
        free(ch.c);
        if (clang_getCursorKind(inner) == CXCursor_TypeRef)
            return e;
        e = inner;
    }
    return e;
}

enum { MAX_TERMS = 8, MAX_FACTORS = 8 };

/* One product: the sizeofs among its factors (at most two kept). */
typedef struct term {
    int nfactors, nsizeof;
    sz_type sz;          /* the first sizeof */
    CXType offsetof_of;  /* __builtin_offsetof(T, m) alone: T */
    int is_offsetof;
} term;

/* __builtin_offsetof(T, m) (what offsetof expands to): libclang shows it
 * as an unexposed expression of T's TypeRef and the member. */
static int is_offsetof(CXTranslationUnit tu, CXCursor e)
{
    if (clang_getCursorKind(e) != CXCursor_UnexposedExpr)
        return 0;
    char *tok = first_token(tu, e);
    int r = strcmp(tok, "__builtin_offsetof") == 0;
    free(tok);
    return r;
}

static void add_factors(CXTranslationUnit tu, CXCursor e, term *t)
{
    e = strip(e);
    if (binary_op(tu, e, "*")) {
        kids ch = children(e);
        for (int i = 0; i < ch.n; i++)
            add_factors(tu, ch.c[i], t);
        free(ch.c);
        return;
    }
    t->nfactors++;
    sz_type sz;
    if (clang_getCursorKind(e) == CXCursor_UnaryExpr && sizeof_type(tu, e, &sz)) {
        if (t->nsizeof++ == 0)
            t->sz = sz;
    } else if (is_offsetof(tu, e)) {
        kids ch = children(e);
        if (ch.n > 0 && clang_getCursorKind(ch.c[0]) == CXCursor_TypeRef) {
            t->offsetof_of = clang_getCursorType(ch.c[0]);
            t->is_offsetof = 1;
        }
        free(ch.c);
    }
}

static void add_terms(CXTranslationUnit tu, CXCursor e, term *terms, int *n)
{
    e = strip(e);
    if (binary_op(tu, e, "+")) {
        kids ch = children(e);
        for (int i = 0; i < ch.n; i++)
            add_terms(tu, ch.c[i], terms, n);
        free(ch.c);
        return;
    }
    if (*n == MAX_TERMS) {
        (*n)++;  /* too many: not a shape this knows */
        return;
    }
    if (*n < MAX_TERMS) {
        memset(&terms[*n], 0, sizeof terms[*n]);
        add_factors(tu, e, &terms[(*n)++]);
    }
}

/* The element type of record t's flexible array member; 0 when it has none. */
static int fam_element(CXType t, CXType *elem)
{
    CXType c = clang_getCanonicalType(t);
    if (c.kind != CXType_Record)
        return 0;
    int found = 0;
    kids ch = children(clang_getTypeDeclaration(c));
    for (int i = 0; i < ch.n; i++) {
        CXType ft = clang_getCanonicalType(clang_getCursorType(ch.c[i]));
        if (clang_getCursorKind(ch.c[i]) == CXCursor_FieldDecl && ft.kind == CXType_IncompleteArray) {
            *elem = clang_getArrayElementType(ft);
            found = 1;
        }
    }
    free(ch.c);
    return found;
}

static int has_fam(CXType t)
{
    CXType elem;
    return fam_element(t, &elem);
}

/* What a header of a sizeof(T) + ... allocation ends in: its flexible
 * array member, or its struct-hack array. */
static int tail_element(CXType t, CXType *elem)
{
    return fam_element(t, elem) || hack_element(t, elem);
}

static int is_char(CXType t)
{
    enum CXTypeKind k = clang_getCanonicalType(t).kind;
    return k == CXType_Char_S || k == CXType_Char_U || k == CXType_SChar || k == CXType_UChar;
}

/* 1 when term t counts elements of e: bytes without a sizeof for a char
 * e, or n * sizeof(E) with E the type e is. */
static int counts_elements(const term *t, CXType e)
{
    if (t->is_offsetof)
        return 0;
    if (t->nsizeof == 0)
        return is_char(e);
    if (t->nsizeof != 1 || !t->sz.ok)
        return 0;
    if (!t->sz.cls)
        return clang_equalTypes(clang_getCanonicalType(t->sz.type), clang_getCanonicalType(e));
    CXString sp = clang_getTypeSpelling(clang_getCanonicalType(e));
    int same = strcmp(t->sz.spelled, clang_getCString(sp)) == 0;
    clang_disposeString(sp);
    return same;
}

/* 1 when sizeof(h) (term i of n) and the other terms make h's struct-hack
 * array longer: the others count its elements (bc's sizeof(bc_struct) +
 * length + scale). Another element type is a header followed by those
 * (AT_TRAIL), not the array continued. */
static int hack_lengthened(const term *terms, int n, int i, CXType h)
{
    CXType e;
    if (!hack_element(h, &e))
        return 0;
    for (int j = 0; j < n; j++)
        if (j != i && !counts_elements(&terms[j], e))
            return 0;
    return 1;
}

static int is_record(const sz_type *s)
{
    return s->ok && !s->cls && clang_getCanonicalType(s->type).kind == CXType_Record;
}

/* The header of a sum: a term that is sizeof(struct T) or offsetof(T, m) alone. */
static int header_term(const term *t, CXType *h)
{
    if (t->nfactors != 1)
        return 0;
    if (t->is_offsetof) {
        *h = t->offsetof_of;
        return 1;
    }
    if (t->nsizeof == 1 && is_record(&t->sz)) {
        *h = t->sz.type;
        return 1;
    }
    return 0;
}

/* 1 when s is a data pointer type: all of them convert alike (the
 * address is translated, whatever it points to). */
static int is_data_pointer(const sz_type *s)
{
    if (!s->ok)
        return 0;
    if (s->cls)
        return strcmp(s->cls, "MT_CLASS_PTR") == 0;
    CXType c = clang_getCanonicalType(s->type);
    if (c.kind != CXType_Pointer)
        return 0;
    enum CXTypeKind k = clang_getCanonicalType(clang_getPointeeType(c)).kind;
    return k != CXType_FunctionProto && k != CXType_FunctionNoProto;
}

/* sizeof(struct T) + n * sizeof(E1) + m * sizeof(E2) + ..., every E a
 * data pointer (lemon's rule: sizeof(struct rule) + sizeof(struct symbol *)
 * * n + sizeof(char *) * n): a header followed by one array of pointers,
 * since pointers of any type convert alike. 0 when the sum is not that. */
static int trail_of_pointers(const term *terms, int n, choice *ch)
{
    int header = -1;
    for (int i = 0; i < n; i++) {
        CXType h;
        if (header < 0 && header_term(&terms[i], &h) && !terms[i].is_offsetof) {
            header = i;
            ch->header = h;
        } else if (terms[i].nsizeof != 1 || terms[i].is_offsetof || !is_data_pointer(&terms[i].sz)) {
            return 0;
        }
    }
    if (header < 0)
        return 0;
    ch->kind = AT_TRAIL;
    ch->elem = terms[header == 0 ? 1 : 0].sz;
    return 1;
}

/* ---- Blocks of pointers alone -------------------------------------------------------- */

/* 1 when every byte of a t is a data pointer: a data pointer, an array of
 * such, or a struct of such members (no padding on any ABI, since every
 * member has a pointer's size and alignment). */
static int all_pointers(CXType t)
{
    CXType c = clang_getCanonicalType(t);
    if (c.kind == CXType_Pointer) {
        enum CXTypeKind k = clang_getCanonicalType(clang_getPointeeType(c)).kind;
        return k != CXType_FunctionProto && k != CXType_FunctionNoProto;
    }
    if (c.kind == CXType_ConstantArray)
        return clang_getArraySize(c) > 0 && all_pointers(clang_getArrayElementType(c));
    if (c.kind != CXType_Record || clang_getCursorKind(clang_getTypeDeclaration(c)) != CXCursor_StructDecl)
        return 0;
    kids ch = children(clang_getTypeDeclaration(c));
    int fields = 0, ok = 1;
    for (int i = 0; i < ch.n && ok; i++) {
        enum CXCursorKind k = clang_getCursorKind(ch.c[i]);
        if (k == CXCursor_FieldDecl) {
            fields++;
            ok = !clang_Cursor_isBitField(ch.c[i]) && all_pointers(clang_getCursorType(ch.c[i]));
        } else if (k == CXCursor_StructDecl || k == CXCursor_UnionDecl) {
            ok = !clang_Cursor_isAnonymousRecordDecl(ch.c[i]);  /* its members are the struct's */
        }
    }
    free(ch.c);
    return ok && fields > 0;
}

static int mentions_sizeof(CXTranslationUnit tu, CXCursor e)
{
    unsigned n;
    CXToken *toks;
    char **s = tokens_of(tu, e, &n, &toks);
    int r = has_token(s, 0, n, "sizeof");
    free_tokens(tu, s, n, toks);
    return r;
}

/* 1 when size e counts data pointers alone: sizeof of such a type, a sum
 * of such sizes, or such a size times a count. lemon's hash tables are
 * (sizeof(x4node) + sizeof(x4node *)) * 64, an array of nodes followed by
 * as many pointers in one block. */
static int counts_pointers(CXTranslationUnit tu, CXCursor e)
{
    e = strip(e);
    int plus = binary_op(tu, e, "+"), times = !plus && binary_op(tu, e, "*");
    if (plus || times) {
        kids ch = children(e);
        int r = ch.n == 2;
        if (r && plus)
            r = counts_pointers(tu, ch.c[0]) && counts_pointers(tu, ch.c[1]);
        else if (r)
            r = (counts_pointers(tu, ch.c[0]) && !mentions_sizeof(tu, ch.c[1])) ||
                (counts_pointers(tu, ch.c[1]) && !mentions_sizeof(tu, ch.c[0]));
        free(ch.c);
        return r;
    }
    sz_type sz;
    if (clang_getCursorKind(e) != CXCursor_UnaryExpr || !sizeof_type(tu, e, &sz) || !sz.ok)
        return 0;
    return sz.cls ? strcmp(sz.cls, "MT_CLASS_PTR") == 0 : all_pointers(sz.type);
}

/* A block of data pointers alone is an array of them, however the program
 * groups them: pointers of any type convert alike, and a pointer into the
 * block keeps its place among them on every ABI. */
static choice pointer_array(void)
{
    choice ch = { .kind = AT_ELEM, .pointers = 1 };
    ch.elem.ok = 1;
    ch.elem.cls = "MT_CLASS_PTR";
    ch.elem.multibyte = 1;
    snprintf(ch.elem.spelled, sizeof ch.elem.spelled, "void *");
    return ch;
}

/* The choice a size expression gives. */
static choice from_size(CXTranslationUnit tu, CXCursor size)
{
    term terms[MAX_TERMS];
    int n = 0;
    choice ch = { .kind = AT_NONE };
    add_terms(tu, size, terms, &n);
    if (n == 0 || n > MAX_TERMS)
        return ch;
    for (int i = 0; i < n && n > 1; i++) {
        CXType h;
        if (header_term(&terms[i], &h) &&
            (has_fam(h) || (!terms[i].is_offsetof && hack_lengthened(terms, n, i, h)))) {
            ch.kind = AT_FLEX;  /* the other terms only say how long its array is */
            ch.header = h;
            return ch;
        }
    }
    if (n == 2) {
        for (int i = 0; i < 2; i++) {
            CXType h;
            const term *other = &terms[1 - i];
            if (header_term(&terms[i], &h) && !terms[i].is_offsetof && other->nsizeof == 1 && other->sz.ok) {
                ch.kind = AT_TRAIL;
                ch.header = h;
                ch.elem = other->sz;
                return ch;
            }
        }
    }
    if (n > 2 && trail_of_pointers(terms, n, &ch))
        return ch;
    if (n == 1 && terms[0].nsizeof == 1 && terms[0].sz.ok) {
        ch.kind = AT_ELEM;
        ch.elem = terms[0].sz;
    } else if (counts_pointers(tu, size)) {
        ch = pointer_array();
    }
    return ch;
}

/* calloc(n, size) and reallocarray(p, n, size): the two factors, in
 * either order, each of which may be the whole story. */
static choice from_pair(CXTranslationUnit tu, CXCursor a, CXCursor b)
{
    choice x = from_size(tu, a), y = from_size(tu, b);
    if (x.kind != AT_NONE && y.kind == AT_NONE)
        return x;
    if (y.kind != AT_NONE && x.kind == AT_NONE)
        return y;
    return (choice){ .kind = AT_NONE };
}

/* ---- Destinations ------------------------------------------------------------------- */

/* 1 for char, signed and unsigned char and void: a pointer to them says
 * nothing about the block. */
int heap_says_nothing(CXType t)
{
    CXType c = clang_getCanonicalType(t);
    return c.kind == CXType_Void || c.kind == CXType_Char_S || c.kind == CXType_Char_U ||
           c.kind == CXType_SChar || c.kind == CXType_UChar;
}

/* What pointer type t points to, as written: uintptr_t, not one ABI's
 * unsigned long, also through typedefs of the pointer itself (typedef
 * uintptr_t *words), so that a block has one type identity on every ABI.
 * 0 when t is no pointer. */
static int pointee_as_written(CXType t, CXType *pointee)
{
    if (clang_getCanonicalType(t).kind != CXType_Pointer)
        return 0;
    for (int depth = 0; depth < 64 && t.kind != CXType_Pointer; depth++) {
        if (t.kind == CXType_Elaborated)
            t = clang_Type_getNamedType(t);
        else if (t.kind == CXType_Typedef)
            t = clang_getTypedefDeclUnderlyingType(clang_getTypeDeclaration(t));
        else
            break;
    }
    *pointee = clang_getPointeeType(t.kind == CXType_Pointer ? t : clang_getCanonicalType(t));
    return 1;
}

/* The pointer type the call's value goes to: an initialized variable,
 * the left side of an assignment, a cast. */
static int destination(CXCursor *anc, int nanc, CXCursor call, CXType *pointee)
{
    for (int i = nanc - 1; i >= 0; i--) {
        CXCursor a = anc[i];
        enum CXCursorKind k = clang_getCursorKind(a);
        if (k == CXCursor_UnexposedExpr || k == CXCursor_ParenExpr || clang_equalCursors(a, call))
            continue;
        CXType dest = { .kind = CXType_Invalid };
        if (k == CXCursor_CStyleCastExpr || k == CXCursor_VarDecl)
            dest = clang_getCursorType(a);
        else if (k == CXCursor_BinaryOperator) {
            kids ch = children(a);
            if (ch.n == 2)
                dest = clang_getCursorType(ch.c[0]);
            free(ch.c);
        }
        return pointee_as_written(dest, pointee);
    }
    return 0;
}

/* ---- Blocks handed back to the caller ------------------------------------------------ */

typedef struct returned {
    CXCursor var;  /* the variable the block went to */
    int found;
} returned;

static CXCursor bare(CXCursor e)
{
    for (int depth = 0; depth < 64; depth++) {
        enum CXCursorKind k = clang_getCursorKind(e);
        if (k != CXCursor_ParenExpr && k != CXCursor_UnexposedExpr && k != CXCursor_CStyleCastExpr)
            break;
        kids ch = children(e);
        CXCursor in = ch.n ? ch.c[ch.n - 1] : clang_getNullCursor();
        free(ch.c);
        if (clang_Cursor_isNull(in) || clang_getCursorKind(in) == CXCursor_TypeRef)
            break;
        e = in;
    }
    return e;
}

static enum CXChildVisitResult find_return_of(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    returned *r = data;
    if (clang_getCursorKind(c) == CXCursor_ReturnStmt) {
        kids ch = children(c);
        CXCursor v = ch.n == 1 ? bare(ch.c[0]) : clang_getNullCursor();
        free(ch.c);
        if (!clang_Cursor_isNull(v) && clang_getCursorKind(v) == CXCursor_DeclRefExpr &&
            clang_equalCursors(clang_getCursorReferenced(v), r->var))
            r->found = 1;
    }
    return r->found ? CXChildVisit_Break : CXChildVisit_Recurse;
}

/* 1 when the function around the call returns the block, directly or
 * through the variable it went to: an allocator of the program's own
 * (spiff's _Z_myalloc: int *tmp = (int *)calloc(k, 1); ... return tmp),
 * whose callers give the block its type. */
static int handed_back(CXCursor *anc, int nanc, CXCursor call)
{
    CXCursor fn = clang_getNullCursor(), var = clang_getNullCursor();
    int direct = 0, placed = 0;
    for (int i = nanc - 1; i >= 0; i--) {
        enum CXCursorKind k = clang_getCursorKind(anc[i]);
        if (k == CXCursor_FunctionDecl) {
            fn = anc[i];
            break;
        }
        if (placed || k == CXCursor_UnexposedExpr || k == CXCursor_ParenExpr || k == CXCursor_CStyleCastExpr ||
            clang_equalCursors(anc[i], call))
            continue;
        placed = 1;
        if (k == CXCursor_ReturnStmt)
            direct = 1;
        else if (k == CXCursor_VarDecl)
            var = anc[i];
        else if (k == CXCursor_BinaryOperator) {
            kids ch = children(anc[i]);
            CXCursor lhs = ch.n == 2 ? bare(ch.c[0]) : clang_getNullCursor();
            free(ch.c);
            if (!clang_Cursor_isNull(lhs) && clang_getCursorKind(lhs) == CXCursor_DeclRefExpr)
                var = clang_getCursorReferenced(lhs);
        }
    }
    if (direct)
        return 1;
    if (clang_Cursor_isNull(fn) || clang_Cursor_isNull(var))
        return 0;
    returned r = { var, 0 };
    clang_visitChildren(fn, find_return_of, &r);
    return r.found;
}

/* posix_memalign((void **)&p, ...): what p points to (argument arg). */
static int out_param(CXTranslationUnit tu, CXCursor call, unsigned arg, CXType *elem)
{
    if (clang_Cursor_getNumArguments(call) <= (int)arg)
        return 0;
    CXCursor a = clang_Cursor_getArgument(call, arg);
    for (int depth = 0; depth < 16; depth++) {
        enum CXCursorKind k = clang_getCursorKind(a);
        kids ch = children(a);
        CXCursor inner = ch.n ? ch.c[ch.n - 1] : clang_getNullCursor();
        free(ch.c);
        if (clang_Cursor_isNull(inner))
            return 0;
        if (k == CXCursor_UnaryOperator) {
            char *op = operator_of(tu, a);
            int addr = strcmp(op, "&") == 0;
            free(op);
            return addr && pointee_as_written(clang_getCursorType(inner), elem);
        }
        if (k != CXCursor_UnexposedExpr && k != CXCursor_CStyleCastExpr && k != CXCursor_ParenExpr)
            return 0;
        a = inner;
    }
    return 0;
}

static choice elem_choice(CXType t)
{
    choice ch = { .kind = AT_ELEM };
    ch.elem.ok = 1;
    ch.elem.type = t;
    return ch;
}

/* The size's flexible or trailing shape first (it says more than any
 * destination), then the destination unless it is char or void, then
 * the size's sizeof. A struct with a flexible array member as the
 * element is always a flexible block. */
static choice choose(CXTranslationUnit tu, CXCursor *anc, int nanc, CXCursor call, const ls_entry *fn)
{
    CXType dest;
    if (fn->out && out_param(tu, call, (unsigned)fn->out - 1, &dest) && !heap_says_nothing(dest))
        return has_fam(dest) ? (choice){ .kind = AT_FLEX, .header = dest } : elem_choice(dest);
    int nargs = clang_Cursor_getNumArguments(call);
    choice size = { .kind = AT_NONE };
    if (fn->count && nargs >= fn->size && nargs >= fn->count)
        size = from_pair(tu, clang_Cursor_getArgument(call, (unsigned)fn->count - 1),
                         clang_Cursor_getArgument(call, (unsigned)fn->size - 1));
    else if (fn->size && nargs >= fn->size)
        size = from_size(tu, clang_Cursor_getArgument(call, (unsigned)fn->size - 1));
    if (size.kind == AT_FLEX || size.kind == AT_TRAIL || size.pointers)
        return size;  /* the destination's type would not tile the block */
    if (destination(anc, nanc, call, &dest) && !heap_says_nothing(dest)) {
        /* a block handed back to the caller passes through a pointer
         * whose type says nothing of it: its callers say what it holds,
         * in files mtcc may not see, so it is bytes (a char or void
         * destination already says nothing, and goes on below) */
        if (size.kind == AT_NONE && handed_back(anc, nanc, call))
            return size;
        return has_fam(dest) ? (choice){ .kind = AT_FLEX, .header = dest } : elem_choice(dest);
    }
    if (size.kind == AT_ELEM && is_record(&size.elem) && has_fam(size.elem.type))
        return (choice){ .kind = AT_FLEX, .header = size.elem.type };
    if (size.kind == AT_NONE && destination(anc, nanc, call, &dest) &&
        clang_getCanonicalType(dest).kind != CXType_Void)
        return elem_choice(dest);  /* char: bytes, as the program says */
    return size;
}


/* ---- The unit's allocation sites ------------------------------------------------------------ */

/* The allocation calls of the unit being transformed (one at a time). */
typedef struct unit_sites {
    CXTranslationUnit tu;
    asite *sites;
    int nsites, capsites;
    CXCursor *anc;         /* the ancestors of the cursor visited */
    int nanc, capanc;
} unit_sites;

static unit_sites unit;
static int site_numbers;   /* site names stay unique across the units of one run */

static asite *site_at(unit_sites *u, unsigned offset)
{
    for (int i = 0; i < u->nsites; i++)
        if (u->sites[i].offset == offset)
            return &u->sites[i];
    return NULL;
}

/* The spec's declaration of an allocating call, or NULL: the library's
 * function (or one declared by the program without a body here), or any
 * function a user's spec declares. */
static const ls_entry *alloc_call(CXCursor c)
{
    if (clang_getCursorKind(c) != CXCursor_CallExpr)
        return NULL;
    CXCursor callee = clang_getCursorReferenced(c);
    if (clang_Cursor_isNull(callee) || clang_getCursorKind(callee) != CXCursor_FunctionDecl)
        return NULL;
    CXString n = clang_getCursorSpelling(callee);
    const ls_entry *fn = libspec_find(clang_getCString(n));
    clang_disposeString(n);
    if (!fn || !(fn->verb == LS_ALLOC || fn->verb == LS_CALLOC || fn->verb == LS_REALLOC))
        return NULL;
    if (fn->builtin && !in_system_header(callee) && !clang_Cursor_isNull(clang_getCursorDefinition(callee)))
        return NULL;  /* the program's own malloc */
    return fn;
}

/* 1 when the block will be bytes, or end in bytes: nothing said, char,
 * or a struct whose flexible array member is of char. */
static int untyped_choice(const choice *ch)
{
    CXType elem;
    if (ch->kind == AT_NONE)
        return 1;
    if (ch->kind == AT_FLEX)  /* a header before chars: the chars are an arena's bytes */
        return tail_element(ch->header, &elem) && heap_says_nothing(elem);
    if (ch->kind != AT_ELEM)
        return 0;
    if (ch->elem.cls)
        return strcmp(ch->elem.cls, "MT_CLASS_BYTES") == 0 || !ch->elem.multibyte;
    return heap_says_nothing(ch->elem.type);
}

/* A typed site's marks: what its block holds, should it still end up
 * bytes (a size that is not a whole number of elements). */
static void mark_typed(asite *a)
{
    const choice *ch = &a->ch;
    CXType t = ch->kind == AT_ELEM ? ch->elem.type : ch->header;
    if (ch->kind == AT_ELEM && ch->elem.cls) {
        a->flags = strstr(ch->elem.cls, "PTR") ? HOLDS_POINTERS : HOLDS_NUMBERS;
        a->used_as = xstrdup(ch->elem.spelled);
        return;
    }
    a->flags = heap_holds(t);
    if (ch->kind == AT_TRAIL)
        a->flags |= ch->elem.cls ? HOLDS_NUMBERS | (strstr(ch->elem.cls, "PTR") ? HOLDS_POINTERS : 0)
                                 : heap_holds(ch->elem.type);
    CXString sp = clang_getTypeSpelling(t);
    a->used_as = xstrdup(clang_getCString(sp));
    clang_disposeString(sp);
}

static void add_site(unit_sites *u, CXCursor c, const ls_entry *fn)
{
    if (u->nsites == u->capsites) {
        u->capsites = u->capsites ? u->capsites * 2 : 16;
        u->sites = xrealloc(u->sites, (size_t)u->capsites * sizeof *u->sites);
    }
    asite *a = &u->sites[u->nsites++];
    memset(a, 0, sizeof *a);
    a->offset = cur_start(c);
    a->ch = choose(u->tu, u->anc, u->nanc - 1, c, fn);
    a->where = heap_where(c);
    a->untyped = untyped_choice(&a->ch);
    if (!a->untyped)
        mark_typed(a);
}

/* Every allocation call and its choice, with the ancestors for the
 * destination. */
static void find_sites(unit_sites *u, CXCursor c)
{
    if (u->nanc == u->capanc) {
        u->capanc = u->capanc ? u->capanc * 2 : 64;
        u->anc = xrealloc(u->anc, (size_t)u->capanc * sizeof *u->anc);
    }
    u->anc[u->nanc++] = c;
    const ls_entry *fn = alloc_call(c);
    if (fn)
        add_site(u, c, fn);
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        if (!in_system_header(ch.c[i]))
            find_sites(u, ch.c[i]);
    free(ch.c);
    u->nanc--;
}

void heap_scan_unit(CXTranslationUnit tu)
{
    for (int i = 0; i < unit.nsites; i++) {
        free(unit.sites[i].used_as);
        free(unit.sites[i].where);
    }
    free(unit.sites);
    free(unit.anc);
    memset(&unit, 0, sizeof unit);
    unit.tu = tu;
    find_sites(&unit, clang_getTranslationUnitCursor(tu));
    int untyped = 0;
    for (int i = 0; i < unit.nsites; i++)
        untyped |= unit.sites[i].untyped;
    if (untyped)  /* else nothing to follow */
        heap_follow(tu, unit.sites, unit.nsites);
}

/* ---- The rewritten call ------------------------------------------------------------------- */

/* The descriptor expression for a choice, or NULL (bytes). */
static const char *choice_ref(typereg *tr, const choice *ch)
{
    unsigned long long count;
    const char *why;
    if (ch->kind == AT_FLEX)
        return tr_flex_ref(tr, ch->header);
    if (ch->kind == AT_NONE || !ch->elem.ok)
        return NULL;
    const char *eref;
    if (ch->elem.cls) {
        eref = tr_ref_spelled(tr, ch->elem.spelled, ch->elem.cls);
        count = 1;
    } else if (ch->kind == AT_ELEM && has_fam(ch->elem.type)) {
        return tr_flex_ref(tr, ch->elem.type);
    } else {
        eref = tr_ref(tr, ch->elem.type, &count, &why);
    }
    if (!eref || ch->kind == AT_ELEM)
        return eref;
    char e[64];
    snprintf(e, sizeof e, "%s", eref);
    return tr_trailing_ref(tr, ch->header, e, count);
}

/* Defines the call's mt_site before the function around it: writable,
 * since the site's fast path remembers its block descriptor in it
 * (migthread-heap.h). */
static void define_site(tunit *t, asite *a)
{
    if (a->emitted)
        return;
    a->emitted = 1;
    a->number = site_numbers++;
    unsigned at = cur_start(t->cur_fn_decl);
    char text[1200];
    int flags = (a->flags & HOLDS_POINTERS ? 1 : 0) | (a->flags & HOLDS_NUMBERS ? 2 : 0);
    if (a->used_as && !strchr(a->used_as, '"') && !strchr(a->used_as, '\\'))
        snprintf(text, sizeof text, "static mt_site __mt_site_%d __attribute__((unused)) = { \"%s\", %d, \"%s\", 0, 0 };\n", a->number,
                 a->where, flags, a->used_as);
    else
        snprintf(text, sizeof text, "static mt_site __mt_site_%d __attribute__((unused)) = { \"%s\", %d, 0, 0, 0 };\n", a->number, a->where,
                 flags);
    ed_text(ed_add(&t->eb, at, at, ORDER_HOISTED), text);
}

/* The pointer variable the call's block initializes, or the lvalue it is
 * assigned to (p, c->offs, *pp), or a null cursor. */
static CXCursor destination_var(CXCursor *anc, int nanc, CXCursor call)
{
    for (int i = nanc - 1; i >= 0; i--) {
        enum CXCursorKind k = clang_getCursorKind(anc[i]);
        if (k == CXCursor_UnexposedExpr || k == CXCursor_ParenExpr || k == CXCursor_CStyleCastExpr ||
            clang_equalCursors(anc[i], call))
            continue;
        if (k == CXCursor_VarDecl)
            return anc[i];
        if (k != CXCursor_BinaryOperator || !binary_op(clang_Cursor_getTranslationUnit(anc[i]), anc[i], "="))
            break;
        kids ch = children(anc[i]);
        CXCursor lhs = ch.n == 2 ? bare(ch.c[0]) : clang_getNullCursor();
        free(ch.c);
        return lhs;
    }
    return clang_getNullCursor();
}

/* An array of integers that receives numbers of the layout (offs[i] =
 * offsetof(...), layoutnum.c): its elements get the layout class. */
static const char *layout_elements_ref(typereg *tr, const choice *ch)
{
    if (ch->kind != AT_ELEM || !ch->elem.ok)
        return NULL;
    if (ch->elem.cls) {
        const char *cls = strcmp(ch->elem.cls, "MT_CLASS_SINT") == 0   ? "MT_CLASS_LAYOUT_SINT"
                          : strcmp(ch->elem.cls, "MT_CLASS_UINT") == 0 ? "MT_CLASS_LAYOUT_UINT" : NULL;
        return cls ? tr_ref_spelled(tr, ch->elem.spelled, cls) : NULL;
    }
    if (!plain_integer_type(ch->elem.type))
        return NULL;
    unsigned long long count;
    const char *why;
    return tr_ref_marked(tr, ch->elem.type, MARK_LAYOUT, &count, &why);
}

void heap_type_args(tunit *t, CXCursor *anc, int nanc, CXCursor call, const ls_entry *fn, char *out, size_t cap,
                    CXType *elem)
{
    asite *a = unit.tu == t->tu ? site_at(&unit, cur_start(call)) : NULL;
    choice ch = a ? a->ch : choose(t->tu, anc, nanc, call, fn);
    /* double (*a)[n] = malloc(...): rows of n doubles are doubles (vla.c) */
    while (ch.kind == AT_ELEM && !ch.elem.cls && clang_getCanonicalType(ch.elem.type).kind == CXType_VariableArray)
        ch.elem.type = clang_getArrayElementType(clang_getCanonicalType(ch.elem.type));
    CXCursor dest = destination_var(anc, nanc, call);
    const char *ref = !clang_Cursor_isNull(dest) && layout_pointee(dest) ? layout_elements_ref(t->tr, &ch) : NULL;
    if (!ref)
        ref = choice_ref(t->tr, &ch);
    elem->kind = CXType_Invalid;
    if (ref && ch.kind == AT_ELEM && !ch.elem.cls)
        *elem = ch.elem.type;
    if (!ref && fn->verb != LS_REALLOC)  /* a resize without a type keeps the block's */
        warn_at(call, "the type of this allocation is unknown; it is saved as raw bytes");
    char r[64];
    snprintf(r, sizeof r, "%s", ref ? ref : "0");
    if (!a) {
        snprintf(out, cap, ", %s, 0", r);
        return;
    }
    a->emitted = 0;  /* a function that falls back is rewritten again: define it again */
    define_site(t, a);
    snprintf(out, cap, ", %s, &__mt_site_%d", r, a->number);
}
