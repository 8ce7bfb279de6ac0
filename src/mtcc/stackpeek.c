/* stackpeek.c: programs that look at their own C stack (a conservative
 * collector's root scan, a recursion-depth check) through the addresses
 * of their locals.
 *
 * Such a program compares or subtracts the address of a local with the
 * address of another object (usually a local of an outer frame whose
 * address it keeps in a global). mtcc keeps address-taken locals in pinned
 * records on the shadow stack, which would move one side of that
 * arithmetic to another region: the program would run differently. So
 * where this file finds such a spot, the locals of the program stay on the
 * C stack (emit.c), mtcc warns with file:line, and the registration makes
 * the runtime refuse every capture before any thread unwinds: the
 * addresses of C-stack locals are not reproducible by a restore, and a
 * collector that scans the C stack would miss what mtcc keeps elsewhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

/* The fixpoint adds marks only; a bound keeps a pathological file cheap. */
#define MAX_ROUNDS 32

/* Where an address-valued expression comes from. */
enum origin_kind {
    O_NONE,     /* nothing this file follows: a heap or global address, a number */
    O_LOCAL,    /* the address of an automatic object of this frame (&x, a local array) */
    O_ESCAPED,  /* read from storage that holds the address of a local (a global stack_start) */
};

/* Names outlive the translation unit they were found in (several files in
 * one command share the marks): they are strings, never cursors. */
typedef struct origin {
    enum origin_kind kind;
    const char *local; /* O_LOCAL: "here of depth", interned (one pointer per local) */
    const char *via;   /* O_ESCAPED: the storage it was read from ("stack_start"), or NULL */
    int array;         /* O_LOCAL: a pointer into a local array, which pointers into it may be compared with */
} origin;

typedef struct peek_spot {
    char *file;
    unsigned line;
    char *text;
} peek_spot;

/* A mark: storage that holds the address of a local. A parameter or
 * local given the address of one and the same local keeps that local as
 * its origin (pointers into it may be compared); any other storage holds
 * an escaped address. */
typedef struct peek_mark {
    char *key;         /* "v:USR" a variable or parameter, "f:USR" a member, "r:USR" what a function returns */
    char *name;        /* as written, for messages */
    const char *local; /* the local it points into (interned), or NULL: escaped */
} peek_mark;

/* A local whose address was seen: "USR" and "here of depth". */
typedef struct peek_local {
    char *usr;
    char *text;
} peek_local;

static struct {
    peek_mark *marks;
    int nmarks;
    peek_local *locals;
    int nlocals;
    int changed;
    int collect;   /* the last round records the spots */
    peek_spot *spots;
    int nspots;
    CXTranslationUnit tu;
    int program;       /* several files in one command: marks and the verdict are shared */
    int program_found; /* a spot in any file of the command */
    int unit_found;    /* a spot in the file being transformed */
} ps;

/* ---- Marks ------------------------------------------------------------------------------ */

/* kind 0: by the declaration's own kind, a member's or a variable's. */
static char *decl_key(CXCursor decl, char kind)
{
    if (!kind && !clang_Cursor_isNull(decl))
        kind = clang_getCursorKind(decl) == CXCursor_FieldDecl ? 'f' : 'v';
    return usr_key(kind, decl);
}

static peek_mark *find_mark(CXCursor decl, char kind)
{
    char *key = decl_key(decl, kind);
    peek_mark *r = NULL;
    for (int i = 0; key && i < ps.nmarks && !r; i++)
        if (strcmp(ps.marks[i].key, key) == 0)
            r = &ps.marks[i];
    free(key);
    return r;
}

/* Marks decl (kind 0: by its own kind) as holding the address of local,
 * or an escaped one (local NULL); two different locals make it escaped. */
static void mark_as(CXCursor decl, char kind, const char *local)
{
    peek_mark *m = find_mark(decl, kind);
    if (m) {
        if (m->local && m->local != local) {
            m->local = NULL;
            ps.changed = 1;
        }
        return;
    }
    char *key = decl_key(decl, kind);
    if (!key)
        return;
    ps.marks = xrealloc(ps.marks, (size_t)(ps.nmarks + 1) * sizeof *ps.marks);
    ps.marks[ps.nmarks++] = (peek_mark){ key, spell(decl), local };
    ps.changed = 1;
}

static void mark(CXCursor decl) { mark_as(decl, 0, NULL); }

/* The one string that stands for local d in every file: "here of depth". */
static const char *intern_local(CXCursor d)
{
    CXString usr = clang_getCursorUSR(d);
    const char *u = clang_getCString(usr);
    const char *r = NULL;
    for (int i = 0; i < ps.nlocals && !r; i++)
        if (strcmp(ps.locals[i].usr, u ? u : "") == 0)
            r = ps.locals[i].text;
    if (!r) {
        char *name = spell(d), *fn = spell(clang_getCursorSemanticParent(d));
        char *text = xcalloc(1, strlen(name) + strlen(fn) + 8);
        sprintf(text, "%s of %s", name, fn);
        free(name);
        free(fn);
        ps.locals = xrealloc(ps.locals, (size_t)(ps.nlocals + 1) * sizeof *ps.locals);
        ps.locals[ps.nlocals++] = (peek_local){ xstrdup(u ? u : ""), text };
        r = text;
    }
    clang_disposeString(usr);
    return r;
}

/* ---- What an expression's address comes from ---------------------------------------------- */

static CXCursor last_child(CXCursor c)
{
    kids k = children(c);
    CXCursor r = k.n ? k.c[k.n - 1] : clang_getNullCursor();
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

static int is_array(CXType t)
{
    enum CXTypeKind k = clang_getCanonicalType(t).kind;
    return k == CXType_ConstantArray || k == CXType_IncompleteArray || k == CXType_VariableArray;
}

static int is_pointer(CXType t)
{
    return clang_getCanonicalType(t).kind == CXType_Pointer || is_array(t);
}

/* A parameter, or a local that is neither static nor extern: it lives in
 * the frame. */
static int automatic(CXCursor d)
{
    enum CXCursorKind k = clang_getCursorKind(d);
    if (k == CXCursor_ParmDecl)
        return 1;
    if (k != CXCursor_VarDecl)
        return 0;
    enum CX_StorageClass sc = clang_Cursor_getStorageClass(d);
    return sc != CX_SC_Static && sc != CX_SC_Extern &&
           clang_getCursorKind(clang_getCursorSemanticParent(d)) != CXCursor_TranslationUnit;
}

static origin none(void) { return (origin){ O_NONE, NULL, NULL, 0 }; }

static origin escaped(const char *via) { return (origin){ O_ESCAPED, NULL, via, 0 }; }

/* An address plus a number, or either arm of ?:. Arms from two objects
 * are never to be matched with one of them. */
static origin merge(origin a, origin b)
{
    if (a.kind == O_NONE)
        return b;
    if (b.kind == O_NONE || (a.kind == O_LOCAL && b.kind == O_LOCAL && a.local == b.local))
        return a;
    return escaped(a.kind == O_ESCAPED ? a.via : b.via);
}

/* The object whose address &lv takes: a local reached through `.` and
 * subscripts of local arrays (x, x.m, x.a[i]), or none. */
static origin address_of(CXCursor lv)
{
    int into_array = 0;
    for (int depth = 0; depth < 64; depth++) {
        lv = bare_expr(lv);
        enum CXCursorKind k = clang_getCursorKind(lv);
        if (k == CXCursor_DeclRefExpr) {
            CXCursor d = clang_getCursorReferenced(lv);
            if (!automatic(d))
                return none();
            return (origin){ O_LOCAL, intern_local(d), NULL, into_array || is_array(clang_getCursorType(d)) };
        }
        CXCursor base = child_at(lv, 0);
        if (clang_Cursor_isNull(base))
            return none();
        if (k == CXCursor_MemberRefExpr && !is_pointer(clang_getCursorType(bare_expr(base)))) {
            into_array |= is_array(clang_getCursorType(lv));
            lv = base;  /* x.m: inside x */
        } else if (k == CXCursor_ArraySubscriptExpr && is_array(clang_getCursorType(bare_expr(base)))) {
            into_array = 1;
            lv = base;  /* a[i] of an array object a */
        } else {
            return none();  /* through a pointer: not this frame's object as far as this file knows */
        }
    }
    return none();
}

static origin classify(CXCursor e);

static origin classify_binary(CXCursor e)
{
    char *op = operator_of(ps.tu, e);
    CXCursor a = child_at(e, 0), b = child_at(e, 1);
    origin r = none();
    if (strcmp(op, ",") == 0 || strcmp(op, "=") == 0) {
        r = classify(b);
    } else if (strcmp(op, "+") == 0) {
        r = merge(classify(a), classify(b));  /* an address plus a number */
    } else if (strcmp(op, "-") == 0) {
        origin oa = classify(a), ob = classify(b);
        if (ob.kind == O_NONE && !is_pointer(clang_getCursorType(b)))
            r = oa;  /* minus a number; an address minus an address is a distance */
    }
    free(op);
    return r;
}

/* Where the address e evaluates to comes from, through parentheses, casts
 * (to pointers and to integers), commas, assignments, ?:, and a number
 * added or subtracted. */
static origin classify(CXCursor e)
{
    if (clang_Cursor_isNull(e))
        return none();
    switch (clang_getCursorKind(e)) {
    case CXCursor_ParenExpr:
    case CXCursor_UnexposedExpr:
    case CXCursor_CStyleCastExpr: return classify(last_child(e));
    case CXCursor_BinaryOperator: return classify_binary(e);
    case CXCursor_CompoundAssignOperator: return classify(child_at(e, 0));
    case CXCursor_ConditionalOperator: {
        kids k = children(e);
        origin r = k.n >= 2 ? merge(classify(k.c[k.n - 2]), classify(k.c[k.n - 1])) : none();
        free(k.c);
        return r;
    }
    case CXCursor_UnaryOperator: {
        char *op = operator_of(ps.tu, e);
        origin r = none();
        if (strcmp(op, "&") == 0)
            r = address_of(child_at(e, 0));
        else if (strcmp(op, "++") == 0 || strcmp(op, "--") == 0 || strcmp(op, "+") == 0)
            r = classify(child_at(e, 0));
        free(op);
        return r;
    }
    case CXCursor_DeclRefExpr:
    case CXCursor_MemberRefExpr: {
        CXCursor d = clang_getCursorReferenced(e);
        const peek_mark *m = find_mark(d, 0);
        if (m && m->local)
            return (origin){ O_LOCAL, m->local, NULL, 0 };  /* given one local's address (a caller's) */
        if (m)
            return escaped(m->name);
        if (is_array(clang_getCursorType(e)))
            return address_of(e);  /* a local array decays to its address */
        return none();
    }
    case CXCursor_CallExpr: {
        CXCursor callee = clang_getCursorReferenced(e);
        const peek_mark *m = clang_Cursor_isNull(callee) ? NULL : find_mark(callee, 'r');
        return m ? escaped(m->name) : none();
    }
    default: return none();
    }
}

/* ---- Where a local's address goes ------------------------------------------------------------ */

/* Storage d takes the address what: a global, a static local or a member
 * (of any object) holds an escaped address; a local or parameter that is
 * given the address of one and the same local points into it (compared
 * with it, as a byte pointer walks a struct), of several, escaped. */
static void keep(CXCursor d, origin what)
{
    if (what.kind == O_ESCAPED)
        mark(d);
    else if (what.kind == O_LOCAL && !what.array)
        mark_as(d, 0, automatic(d) ? what.local : NULL);
}

static void store(CXCursor lhs, origin what)
{
    lhs = bare_expr(lhs);
    enum CXCursorKind k = clang_getCursorKind(lhs);
    if (k == CXCursor_DeclRefExpr || k == CXCursor_MemberRefExpr)
        keep(clang_getCursorReferenced(lhs), what);
}

/* An address passed to a function of the file: its parameter holds it
 * (mark_locations(stack_start, &here)). Pointers into a local array are
 * compared with pointers into it (a buffer and its end): not followed. */
static void check_call(CXCursor call)
{
    CXCursor ref = clang_getCursorReferenced(call);
    CXCursor callee = clang_Cursor_isNull(ref) ? ref : clang_getCursorDefinition(ref);
    if (clang_Cursor_isNull(callee) || clang_getCursorKind(callee) != CXCursor_FunctionDecl)
        return;
    int n = clang_Cursor_getNumArguments(call), np = clang_Cursor_getNumArguments(callee);
    for (int i = 0; i < n && i < np; i++)
        keep(clang_Cursor_getArgument(callee, (unsigned)i), classify(clang_Cursor_getArgument(call, (unsigned)i)));
}

/* ---- Spots ----------------------------------------------------------------------------------- */

static void add_spot(CXCursor at, const char *text)
{
    CXString file;
    unsigned line, col;
    clang_getPresumedLocation(clang_getCursorLocation(at), &file, &line, &col);
    const char *f = clang_getCString(file);
    const char *slash = strrchr(f, '/');
    const char *base = slash ? slash + 1 : f;
    int seen = 0;
    for (int i = 0; i < ps.nspots && !seen; i++)
        seen = ps.spots[i].line == line && strcmp(ps.spots[i].file, base) == 0;
    if (!seen) {
        ps.spots = xrealloc(ps.spots, (size_t)(ps.nspots + 1) * sizeof *ps.spots);
        ps.spots[ps.nspots++] = (peek_spot){ xstrdup(base), line, xstrdup(text) };
    }
    clang_disposeString(file);
}

/* "the address of local here of depth_bytes", "the address of a local
 * kept in stack_start", "the address of another object". */
static char *describe(origin o)
{
    char text[400];
    if (o.kind == O_LOCAL)
        snprintf(text, sizeof text, "the address of local %s", o.local);
    else if (o.kind == O_ESCAPED && o.via)
        snprintf(text, sizeof text, "the address of a local kept in %s", o.via);
    else
        snprintf(text, sizeof text, "the address of %s", o.kind == O_ESCAPED ? "one of several objects" : "another object");
    return xstrdup(text);
}

/* 1 when the two sides may be addresses of different objects, one of
 * them in a frame: pointers into one local (p - buf, (char *)&s + sizeof s
 * against &s) are not. */
static int different_objects(origin a, origin b)
{
    if (a.kind == O_NONE && b.kind == O_NONE)
        return 0;
    if (a.kind == O_LOCAL && b.kind == O_LOCAL)
        return a.local != b.local;
    if (a.kind == O_NONE || b.kind == O_NONE) {
        origin o = a.kind == O_NONE ? b : a;
        return o.kind == O_ESCAPED || !o.array;  /* a pointer variable may point into a local array */
    }
    return 1;
}

/* A pointer, or an integer cast from one: (uintptr_t)p. */
static int address_valued(CXCursor e)
{
    if (is_pointer(clang_getCursorType(e)))
        return 1;
    e = bare_expr(e);
    return clang_getCursorKind(e) == CXCursor_CStyleCastExpr && address_valued(last_child(e));
}

/* x < y, x - y (and >, <=, >=) where x and y are addresses of different
 * objects, one a local's: the program measures its stack. */
static void check_operator(CXCursor e)
{
    char *op = operator_of(ps.tu, e);
    int relational = strcmp(op, "<") == 0 || strcmp(op, ">") == 0 || strcmp(op, "<=") == 0 || strcmp(op, ">=") == 0;
    int minus = strcmp(op, "-") == 0;
    free(op);
    if (!relational && !minus)
        return;
    CXCursor a = child_at(e, 0), b = child_at(e, 1);
    origin oa = classify(a), ob = classify(b);
    if (!different_objects(oa, ob))
        return;
    /* a side with no origin is a second object when it may be an address:
     * not a constant (&x - 1, (uintptr_t)&x < 4096), and for a subtraction
     * a pointer (an address minus a number is an address) */
    if (oa.kind == O_NONE || ob.kind == O_NONE) {
        CXCursor plain = oa.kind == O_NONE ? a : b;
        long long v;
        if (constant_int(plain, &v) || (minus && !address_valued(plain)))
            return;
    }
    /* the local of this frame first: it is what moved */
    int swap = ob.kind == O_LOCAL && oa.kind != O_LOCAL;
    char *first = describe(swap ? ob : oa), *second = describe(swap ? oa : ob);
    char text[800];
    snprintf(text, sizeof text, relational ? "%s is compared with %s" : "%s and %s are subtracted", first, second);
    free(first);
    free(second);
    add_spot(e, text);
}

/* ---- The walk --------------------------------------------------------------------------------- */

static void walk_node(CXCursor c, CXCursor fn);

static enum CXChildVisitResult walk_child(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    walk_node(c, *(CXCursor *)data);
    return CXChildVisit_Continue;
}

/* fn: the function c is in, or a null cursor at file scope. */
static void walk_node(CXCursor c, CXCursor fn)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_VarDecl) {
        CXCursor init = clang_Cursor_getVarDeclInitializer(c);
        if (!clang_Cursor_isNull(init))
            keep(c, classify(init));
    } else if (k == CXCursor_BinaryOperator) {
        char *op = operator_of(ps.tu, c);
        int assign = strcmp(op, "=") == 0;
        free(op);
        if (assign)
            store(child_at(c, 0), classify(child_at(c, 1)));
        else if (ps.collect)
            check_operator(c);
    } else if (k == CXCursor_CompoundAssignOperator) {
        char *op = operator_of(ps.tu, c);
        if (strcmp(op, "+=") == 0 || strcmp(op, "-=") == 0)
            store(child_at(c, 0), classify(child_at(c, 1)));
        free(op);
    } else if (k == CXCursor_CallExpr) {
        check_call(c);
    } else if (k == CXCursor_ReturnStmt && !clang_Cursor_isNull(fn)) {
        origin o = classify(last_child(c));
        if (o.kind == O_ESCAPED || (o.kind == O_LOCAL && !o.array))
            mark_as(fn, 'r', NULL);  /* void *approx_sp(void) { char c; return &c; } */
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

/* ---- Entry ------------------------------------------------------------------------------------- */

static void reset(void)
{
    for (int i = 0; i < ps.nspots; i++) {
        free(ps.spots[i].file);
        free(ps.spots[i].text);
    }
    free(ps.spots);
    ps.spots = NULL;
    ps.nspots = 0;
    ps.unit_found = 0;
    if (ps.program)
        return;
    for (int i = 0; i < ps.nmarks; i++) {
        free(ps.marks[i].key);
        free(ps.marks[i].name);
    }
    free(ps.marks);
    ps.marks = NULL;
    ps.nmarks = 0;
    for (int i = 0; i < ps.nlocals; i++) {
        free(ps.locals[i].usr);
        free(ps.locals[i].text);
    }
    free(ps.locals);
    ps.locals = NULL;
    ps.nlocals = 0;
}

/* The marks' fixpoint, then one more round that records the spots. */
static void scan(CXTranslationUnit tu)
{
    reset();
    ps.tu = tu;
    CXCursor top = clang_getTranslationUnitCursor(tu);
    ps.collect = 0;
    int rounds = 0;
    do {
        ps.changed = 0;
        clang_visitChildren(top, walk_top, NULL);
    } while (ps.changed && ++rounds < MAX_ROUNDS);
    ps.collect = 1;
    clang_visitChildren(top, walk_top, NULL);
    ps.collect = 0;
}

void stackpeek_program_begin(void)
{
    ps.program = 0;
    reset();
    ps.program = 1;
    ps.program_found = 0;
}

int stackpeek_prescan(CXTranslationUnit tu)
{
    int before = ps.nmarks;
    scan(tu);
    ps.program_found |= ps.nspots > 0;
    return ps.nmarks > before;
}

void stackpeek_infer(CXTranslationUnit tu, strbuf *reg)
{
    scan(tu);
    ps.unit_found = ps.nspots > 0;
    for (int i = 0; i < ps.nspots; i++) {
        const peek_spot *s = &ps.spots[i];
        fprintf(stderr,
                "mtcc: %s:%u: warning: %s: the program looks at its own C stack, so its locals stay there "
                "and every checkpoint of it is refused\n",
                s->file, s->line, s->text);
        strbuf esc = { 0 };
        for (const char *p = s->text; *p; p++)
            sb_printf(&esc, "%c", *p == '"' || *p == '\\' ? '_' : *p);
        sb_printf(reg, "    mt_stack_unsafe(\"%s:%u: %s (the program looks at its own C stack, which no restore "
                       "can reproduce)\");\n",
                  s->file, s->line, esc.s);
        free(esc.s);
    }
}

int stackpeek_found(void)
{
    return ps.unit_found || ps.program_found;
}
