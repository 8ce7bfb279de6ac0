/* leaves.c: the functions of a translation unit that can never unwind. A
 * leaf has no adaptation point and calls nothing that has one: no loop
 * that gets a poll (one holding another loop, or a call of a leaf that may
 * run long, which counts as a loop), no call through a pointer, to a
 * function defined elsewhere or to pthreads (a blocking call is a safe
 * point), and no recursion. Nothing can start a capture while a leaf runs,
 * so a call to one needs no resume site and no check after it, and its
 * locals need no pinning: small helpers cost what they cost in C.
 *
 * Inside a leaf, a loop that calls only leaves without loops is an
 * innermost loop, with no poll, as if they were inlined (they usually
 * are); a call to a leaf that loops counts as a loop. Elsewhere (main,
 * thread functions and any function whose address is taken are never
 * leaves) a loop that calls any leaf polls, so that a long loop of small
 * calls still has an adaptation point; but a counted for loop inside
 * another loop (or any, with --leaf-loop-chunks) whose calls are all of
 * leaves without loops is cut into chunks like an innermost loop
 * (rewrite.c, stripmine.c). */
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

typedef struct fninfo {
    CXCursor canon;
    int unwinds;        /* by itself: a loop in a loop, an unknown callee */
    int has_loop;
    CXCursor *callees;  /* functions of the program it calls by name */
    int *in_loop;       /* per callee: the call is inside a loop */
    int ncallees;
    int leaf;
    int looping;        /* a leaf that may run long: a loop in it or below */
    int calls_back;     /* passes a function pointer to the system's code */
    int address_taken;  /* named other than as a callee */
} fninfo;

typedef struct scan {
    fninfo *f;
    int loop_depth;
} scan;

static int is_loop(enum CXCursorKind k)
{
    return k == CXCursor_ForStmt || k == CXCursor_WhileStmt || k == CXCursor_DoStmt;
}

CXCursor program_callee(CXCursor call, int *unknown)
{
    CXCursor callee = called_function(call);
    *unknown = clang_Cursor_isNull(callee);
    if (*unknown)
        return callee;
    CXString sp = clang_getCursorSpelling(callee);
    const char *name = clang_getCString(sp);
    int system = library_callee(callee);
    *unknown = system && (strncmp(name, "pthread_", 8) == 0 || strncmp(name, "sem_", 4) == 0 ||
                          blocking_runtime_call(name));
    clang_disposeString(sp);
    return system ? clang_getNullCursor() : clang_getCanonicalCursor(callee);
}

int passes_function(CXCursor call)
{
    int n = clang_Cursor_getNumArguments(call);
    for (int i = 0; i < n; i++) {
        CXType a = clang_getCanonicalType(clang_getCursorType(clang_Cursor_getArgument(call, (unsigned)i)));
        if (a.kind == CXType_Pointer) {
            enum CXTypeKind p = clang_getCanonicalType(clang_getPointeeType(a)).kind;
            if (p == CXType_FunctionProto || p == CXType_FunctionNoProto)
                return 1;
        }
    }
    return 0;
}

static void scan_node(scan *s, CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_CallExpr) {
        int unknown;
        CXCursor callee = program_callee(c, &unknown);
        if (unknown)
            s->f->unwinds = 1;
        if (clang_Cursor_isNull(callee) && !unknown && passes_function(c))
            s->f->calls_back = 1;  /* qsort(..., cmp): cmp runs inside the system's code */
        if (!clang_Cursor_isNull(callee)) {
            fninfo *f = s->f;
            f->callees = xrealloc(f->callees, (size_t)(f->ncallees + 1) * sizeof *f->callees);
            f->in_loop = xrealloc(f->in_loop, (size_t)(f->ncallees + 1) * sizeof *f->in_loop);
            f->in_loop[f->ncallees] = s->loop_depth > 0;
            f->callees[f->ncallees++] = callee;
        }
    }
    int loop = is_loop(k);
    if (loop) {
        s->f->has_loop = 1;
        if (s->loop_depth > 0 || loop_waits(c))
            s->f->unwinds = 1;  /* a loop inside a loop: the outer one polls; so does a loop that waits */
        s->loop_depth++;
    }
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        scan_node(s, ch.c[i]);
    free(ch.c);
    s->loop_depth -= loop;
}

static enum CXChildVisitResult collect_function(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    tunit *t = data;
    if (in_system_header(c) || clang_getCursorKind(c) != CXCursor_FunctionDecl || !clang_isCursorDefinition(c))
        return CXChildVisit_Continue;
    t->fns = xrealloc(t->fns, (size_t)(t->nfns + 1) * sizeof *t->fns);
    fninfo *f = &t->fns[t->nfns++];
    memset(f, 0, sizeof *f);
    f->canon = clang_getCanonicalCursor(c);
    scan s = { .f = f };
    scan_node(&s, c);
    CXString sp = clang_getCursorSpelling(c);
    if (strcmp(clang_getCString(sp), "main") == 0)
        f->unwinds = 1;  /* the root: its loops poll whatever they call */
    clang_disposeString(sp);
    return CXChildVisit_Continue;
}

static fninfo *find_fn(tunit *t, CXCursor canon)
{
    for (int i = 0; i < t->nfns; i++)
        if (clang_equalCursors(t->fns[i].canon, canon))
            return &t->fns[i];
    return NULL;
}

/* Functions named other than as the callee of a call (passed to
 * pthread_create or qsort, kept in a table) are roots like main: they may
 * run long, called from places a leaf's callers cannot see, so they are
 * not leaves. callee says c is in a call's callee position. */
static void find_address_taken(tunit *t, CXCursor c, int callee)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_DeclRefExpr && !callee) {
        CXCursor d = clang_getCursorReferenced(c);
        fninfo *f = clang_getCursorKind(d) == CXCursor_FunctionDecl ? find_fn(t, clang_getCanonicalCursor(d)) : NULL;
        if (f)
            f->unwinds = f->address_taken = 1;
    }
    int through = k == CXCursor_UnexposedExpr || k == CXCursor_ParenExpr;
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        find_address_taken(t, ch.c[i], k == CXCursor_CallExpr ? i == 0 : through && callee);
    free(ch.c);
}

static enum CXChildVisitResult address_taken_at_top(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    if (!in_system_header(c))
        find_address_taken(data, c, 0);
    return CXChildVisit_Continue;
}

/* A function becomes a leaf once all its callees are, and none called in
 * a loop may run long (that loop would poll, rewrite.c): cycles never do. */
void find_leaves(tunit *t)
{
    clang_visitChildren(clang_getTranslationUnitCursor(t->tu), collect_function, t);
    clang_visitChildren(clang_getTranslationUnitCursor(t->tu), address_taken_at_top, t);
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < t->nfns; i++) {
            fninfo *f = &t->fns[i];
            if (f->leaf || f->unwinds)
                continue;
            int all = 1, looping = f->has_loop;
            for (int j = 0; j < f->ncallees && all; j++) {
                fninfo *g = find_fn(t, f->callees[j]);
                all = g && g->leaf && !(f->in_loop[j] && g->looping);
                looping |= all && g->looping;
            }
            if (all) {
                f->leaf = changed = 1;
                f->looping = looping;
            }
        }
    }
}

int is_leaf(tunit *t, CXCursor callee, int *looping)
{
    fninfo *f = find_fn(t, clang_getCanonicalCursor(callee));
    if (looping)
        *looping = f && f->looping;
    return f && f->leaf;
}

int calls_back(tunit *t, CXCursor fn)
{
    fninfo *f = find_fn(t, clang_getCanonicalCursor(fn));
    return !f || f->calls_back;
}

/* 1 for a function of internal linkage that the unit calls from one
 * place only, in another function, and never names otherwise. gcc inlines
 * such a function whatever its size (its body then goes); mtcc's
 * registration takes its address and its caller's twin calls it a second
 * time, which stops that, so its definition is marked inline (emit.c).
 * Its own calls that became jumps (own_jumps of them, tailcall.c) do not
 * make it recursive. */
int called_once(tunit *t, CXCursor fn, int own_jumps)
{
    CXCursor canon = clang_getCanonicalCursor(fn);
    fninfo *f = find_fn(t, canon);
    if (!f || f->address_taken || clang_getCursorLinkage(fn) != CXLinkage_Internal)
        return 0;
    int calls = 0, own = 0;
    for (int i = 0; i < t->nfns; i++)
        for (int j = 0; j < t->fns[i].ncallees; j++)
            if (clang_equalCursors(t->fns[i].callees[j], canon)) {
                calls += &t->fns[i] != f;
                own += &t->fns[i] == f;
            }
    /* a call of its own that stays a call: recursive, never inlined whole */
    return calls == 1 && own == own_jumps;
}

int unwinding_here(tunit *t, CXCursor fn)
{
    fninfo *f = find_fn(t, clang_getCanonicalCursor(fn));
    return f && !f->leaf;
}

void free_leaves(tunit *t)
{
    for (int i = 0; i < t->nfns; i++) {
        free(t->fns[i].callees);
        free(t->fns[i].in_loop);
    }
    free(t->fns);
}
