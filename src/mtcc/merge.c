/* merge.c: static functions written next to each other that call each
 * other only in tail position (is_even/is_odd, a scanner of one function per
 * state) become one function with a switch on which of them runs, and a
 * wrapper of each; gcc -O2 makes one loop of them in the plain build by
 * inlining, and here their calls become calls of one function to itself,
 * which tailcall.c makes the jumps of one loop (counted down, copied).
 *
 *   static R f(A a) { Bf }          static R __mt_group_f(int __mt_w, A __mt_g0_a, B __mt_g1_b)
 *   static R g(B b) { Bg }    ->    { switch (__mt_w) { default: { Bf' } Z case 1: { Bg' } Z } }
 *                                   static R f(A a) { return __mt_group_f(0, a, (B){0}); } ...
 *
 * where in Bf' and Bg' the parameters have their new names and
 * `return g(x);` is `return __mt_group_f(1, __mt_g0_a, x);`; Z,
 * `return (R){0};`, returns a zero value where falling off a body's end
 * would return an indeterminate one. The frame of a checkpoint inside is the group's, the
 * same on every ABI. A rewrite of the preprocessed text before the parse
 * the later passes read (transform.c), keeping every line where it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

enum { GROUP_MAX = 16 };

typedef struct cand {
    CXCursor fn, body;
    char *ret;         /* the canonical result type's spelling */
    int ok;            /* may be merged */
    int group;         /* the group it joins, else -1 */
    int index;         /* its place in the group (the switch's case) */
} cand;

typedef struct merger {
    tunit *t;
    editbuf eb;
    cand *c;
    int n, cap;
    unsigned char *tail; /* tail[i * n + j]: i calls j, always in tail position */
    int bad_call;        /* set by the body scan: a call between candidates not in tail position */
} merger;

static int find_cand(merger *m, CXCursor fn)
{
    if (clang_Cursor_isNull(fn))
        return -1;
    CXCursor canon = clang_getCanonicalCursor(fn);
    for (int i = 0; i < m->n; i++)
        if (same_cursor(clang_getCanonicalCursor(m->c[i].fn), canon))
            return i;
    return -1;
}

/* ---- which functions may be merged ----------------------------------------------------------- */

/* 1 for what a merged body cannot hold: a label (labels are the
 * function's), asm (its labels), __func__ (it would name the group), a
 * static or extern local, and what would pin a local (an array, a const
 * object, an address taken), which keeps tailcall.c from making jumps. */
static int unmergeable(CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_LabelStmt || k == CXCursor_AsmStmt || k == CXCursor_MSAsmStmt ||
        k == CXCursor_IndirectGotoStmt || k == CXCursor_StmtExpr || clang_getCursorKind(c) == CXCursor_FunctionDecl)
        return 1;
    if (k == CXCursor_UnexposedExpr || k == CXCursor_DeclRefExpr) {
        CXString s = clang_getCursorSpelling(c);
        int f = strcmp(clang_getCString(s), "__func__") == 0 || strcmp(clang_getCString(s), "__FUNCTION__") == 0 ||
                strcmp(clang_getCString(s), "__PRETTY_FUNCTION__") == 0;
        clang_disposeString(s);
        if (f)
            return 1;
    }
    if (k == CXCursor_VarDecl) {
        enum CX_StorageClass sc = clang_Cursor_getStorageClass(c);
        CXType t = clang_getCursorType(c);
        enum CXTypeKind tk = clang_getCanonicalType(t).kind;
        return sc == CX_SC_Static || sc == CX_SC_Extern || tk == CXType_ConstantArray || tk == CXType_VariableArray ||
               tk == CXType_IncompleteArray || not_assignable(t);
    }
    if (k == CXCursor_UnaryOperator) {
        kids ch = children(c);
        int addr = 0;
        if (ch.n == 1 && cur_start(c) < cur_start(ch.c[0])) {
            char *op = first_token(clang_Cursor_getTranslationUnit(c), c);
            addr = op && strcmp(op, "&") == 0;
            free(op);
        }
        free(ch.c);
        if (addr)
            return 1;
    }
    return 0;
}

/* 1 when fn could join a group: a static, prototyped, non-variadic
 * definition returning a value, with parameters that can be assigned and
 * written, and a body with nothing unmergeable. */
static int candidate(CXCursor fn, CXCursor body)
{
    CXType ft = clang_getCursorType(fn);
    if (clang_Cursor_isNull(body) || clang_getCursorLinkage(fn) != CXLinkage_Internal ||
        ft.kind != CXType_FunctionProto || clang_isFunctionTypeVariadic(ft) ||
        clang_getCanonicalType(clang_getResultType(ft)).kind == CXType_Void)
        return 0;
    char *r = declarator(clang_getResultType(ft), "x");
    if (!r)
        return 0;
    free(r);
    int n = clang_Cursor_getNumArguments(fn);
    for (int i = 0; i < n; i++) {
        CXCursor p = clang_Cursor_getArgument(fn, (unsigned)i);
        CXType t = clang_getCursorType(p);
        CXString s = clang_getCursorSpelling(p);
        int named = *clang_getCString(s) != '\0';
        clang_disposeString(s);
        char *d = declarator(t, "x");
        int ok = named && d && !not_assignable(t) && clang_getCanonicalType(t).kind != CXType_ConstantArray &&
                 clang_getCanonicalType(t).kind != CXType_IncompleteArray &&
                 clang_getCanonicalType(t).kind != CXType_VariableArray;
        free(d);
        if (!ok)
            return 0;
    }
    return !any_node(body, unmergeable, NULL);
}

/* ---- the calls between them ------------------------------------------------------------------- */

/* Records c's calls of candidates: a `return g(args);` is a tail call
 * (of g's result type exactly, with g's number of arguments); any other
 * call of a candidate makes both unmergeable. */
static void scan_calls(merger *m, int from, CXCursor c, CXCursor tail_call)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    kids ch = children(c);
    if (k == CXCursor_ReturnStmt && ch.n == 1) {
        CXCursor v = bare_expr(ch.c[0]);
        if (clang_getCursorKind(v) == CXCursor_CallExpr)
            tail_call = v;
    }
    if (k == CXCursor_CallExpr) {
        int to = find_cand(m, called_function(c));
        if (to >= 0 && m->c[to].ok) {
            int tail = same_cursor(c, tail_call) &&
                       clang_Cursor_getNumArguments(c) == clang_Cursor_getNumArguments(m->c[to].fn) &&
                       strcmp(m->c[from].ret, m->c[to].ret) == 0;
            if (tail)
                m->tail[from * m->n + to] = 1;
            else
                m->c[from].ok = m->c[to].ok = 0;
        }
    }
    for (int i = 0; i < ch.n; i++)  /* (a call inside the tail call is another cursor) */
        scan_calls(m, from, ch.c[i], tail_call);
    free(ch.c);
}

/* 1 when only blanks and line markers lie between a and b. */
static int adjacent(merger *m, unsigned a, unsigned b)
{
    const char *s = m->t->eb.src;
    for (unsigned i = a; i < b; i++) {
        if (s[i] == '#' && (i == 0 || s[i - 1] == '\n')) {
            while (i < b && s[i] != '\n')
                i++;
            continue;
        }
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != ';')
            return 0;
    }
    return 1;
}

/* Groups: runs of adjacent mergeable candidates of one result type, each
 * reaching every other through tail calls (one strongly connected set). */
static int find_groups(merger *m)
{
    int n = m->n, groups = 0;
    unsigned char *reach = xcalloc((size_t)n * (size_t)n, 1);
    memcpy(reach, m->tail, (size_t)n * (size_t)n);
    for (int k = 0; k < n; k++)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (reach[i * n + k] && reach[k * n + j])
                    reach[i * n + j] = 1;
    for (int i = 0; i < n;) {
        int j = i + 1;
        while (m->c[i].ok && j < n && j - i < GROUP_MAX && m->c[j].ok && strcmp(m->c[i].ret, m->c[j].ret) == 0 &&
               adjacent(m, cur_end(m->c[j - 1].fn), cur_start(m->c[j].fn)) && reach[i * n + j] && reach[j * n + i])
            j++;
        if (j - i >= 2) {
            for (int k = i; k < j; k++) {
                m->c[k].group = groups;
                m->c[k].index = k - i;
            }
            groups++;
        }
        i = j;
    }
    free(reach);
    return groups;
}

/* ---- the rewrite ------------------------------------------------------------------------------ */

static void replace_lines(merger *m, unsigned start, unsigned end, const char *text)
{
    ed_replace_keeping_lines(&m->eb, m->t->eb.src, start, end, text);
}

static char *spelling(CXCursor c)
{
    CXString s = clang_getCursorSpelling(c);
    char *r = xstrdup(clang_getCString(s));
    clang_disposeString(s);
    return r;
}

/* The new name of parameter p of the group's member k. */
static char *param_name(int k, CXCursor p)
{
    char *s = spelling(p);
    strbuf b = { 0 };
    sb_printf(&b, "__mt_g%d_%s", k, s);
    free(s);
    return b.s;
}

typedef struct rename_ctx {
    merger *m;
    int member, first;   /* the member's place, and its candidate index */
    CXCursor fn;
    const char *group;
    cand **members;
    int nmembers;
} rename_ctx;

/* The arguments of a call of member `to`: its own from call (or the
 * wrapper's parameters when call is null), and for the other members'
 * parameters zeros (zeros set) or their current values. */
static void group_args(edit *e, rename_ctx *r, int to, CXCursor call, int zeros)
{
    char head[64];
    snprintf(head, sizeof head, "(%d", to);
    ed_text(e, head);
    for (int k = 0; k < r->nmembers; k++) {
        CXCursor fn = r->members[k]->fn;
        int np = clang_Cursor_getNumArguments(fn);
        for (int i = 0; i < np; i++) {
            CXCursor p = clang_Cursor_getArgument(fn, (unsigned)i);
            ed_text(e, ", ");
            if (k == to && !clang_Cursor_isNull(call)) {  /* the call's own argument */
                CXCursor a = clang_Cursor_getArgument(call, (unsigned)i);
                ed_text(e, "(");
                ed_expr(e, cur_start(a), cur_end(a));
                ed_text(e, ")");
            } else if (k == to || !zeros) {  /* the wrapper's parameter, or the group's as it is */
                char *nm = param_name(k, p);
                ed_text(e, nm);
                free(nm);
            } else {
                char *ty = declarator(clang_getCursorType(p), "");
                strbuf b = { 0 };
                sb_printf(&b, "(%s){0}", ty);
                ed_text(e, b.s);
                free(b.s);
                free(ty);
            }
        }
    }
    ed_text(e, ")");
}

static enum CXChildVisitResult rename_visit(CXCursor c, CXCursor parent, CXClientData data);

/* Renames the parameters in c and below. */
static void rename_in(CXCursor c, rename_ctx *r)
{
    if (rename_visit(c, clang_getNullCursor(), r) == CXChildVisit_Recurse)
        clang_visitChildren(c, rename_visit, r);
}

static enum CXChildVisitResult rename_visit(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    rename_ctx *r = data;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_DeclRefExpr) {
        CXCursor d = clang_getCursorReferenced(c);
        if (clang_getCursorKind(d) == CXCursor_ParmDecl) {
            int np = clang_Cursor_getNumArguments(r->fn);
            for (int i = 0; i < np; i++)
                if (same_cursor(d, clang_Cursor_getArgument(r->fn, (unsigned)i))) {
                    char *nm = param_name(r->member, d);
                    ed_replace_by_name(&r->m->eb, cur_start(c), cur_end(c), nm);
                    free(nm);
                }
        }
        return CXChildVisit_Continue;
    }
    if (k == CXCursor_CallExpr) {
        int to = find_cand(r->m, called_function(c));
        if (to >= 0 && r->m->c[to].group == r->m->c[r->first].group) {
            /* a tail call of a member: the group's, with zeros for the other
             * members' parameters (dead until a call of their member sets them) */
            edit *e = ed_add(&r->m->eb, cur_start(c), cur_end(c), ORDER_PLAIN);
            ed_text(e, r->group);
            group_args(e, r, r->m->c[to].index, c, 1);
            int n = clang_Cursor_getNumArguments(c);
            for (int i = 0; i < n; i++)  /* their renames, rendered inside (ed_expr) */
                rename_in(clang_Cursor_getArgument(c, (unsigned)i), r);
            return CXChildVisit_Continue;
        }
    }
    return CXChildVisit_Recurse;
}

static void merge_group(merger *m, int g)
{
    cand *members[GROUP_MAX];
    int nm = 0;
    for (int i = 0; i < m->n; i++)
        if (m->c[i].group == g)
            members[nm++] = &m->c[i];
    char *first = spelling(members[0]->fn);
    strbuf group = { 0 };
    sb_printf(&group, "__mt_group_%s", first);
    free(first);
    CXType ret = clang_getResultType(clang_getCursorType(members[0]->fn));
    char *zero = declarator(ret, "");
    strbuf fall = { 0 };  /* falling off a member's end */
    sb_printf(&fall, " return (%s){0};", zero);
    free(zero);
    /* the group's head, in place of the first member's */
    strbuf params = { 0 };
    sb_put(&params, "int __mt_w");
    for (int k = 0; k < nm; k++) {
        int np = clang_Cursor_getNumArguments(members[k]->fn);
        for (int i = 0; i < np; i++) {
            CXCursor p = clang_Cursor_getArgument(members[k]->fn, (unsigned)i);
            char *nmp = param_name(k, p);
            char *d = declarator(clang_getCursorType(p), nmp);
            sb_printf(&params, ", %s", d);
            free(d);
            free(nmp);
        }
    }
    strbuf head = { 0 };
    sb_printf(&head, "%s(%s)", group.s, params.s);
    char *decl = declarator(ret, head.s);
    strbuf text = { 0 };
    sb_printf(&text, "static %s", decl);
    free(decl);
    replace_lines(m, cur_start(members[0]->fn), cur_start(members[0]->body), text.s);
    /* the members' bodies are the cases of a switch (no goto: tailcall.c
     * counts the turns of a loop without one) */
    unsigned open = cur_start(members[0]->body);
    ed_text(ed_add(&m->eb, open, open + 1, ORDER_PLAIN), "{ switch (__mt_w) { default: {");
    /* between two members: the fall-through return and the next one's case */
    for (int k = 1; k < nm; k++) {
        text.len = 0;
        sb_printf(&text, "%s case %d: ", fall.s, k);
        replace_lines(m, cur_end(members[k - 1]->body), cur_start(members[k]->body), text.s);
    }
    /* the group's end, and the wrappers, on the last member's last line */
    text.len = 0;
    sb_printf(&text, "%s } }", fall.s);
    unsigned end = cur_end(members[nm - 1]->body);
    edit *e = ed_add(&m->eb, end, end, ORDER_PLAIN);
    ed_text(e, text.s);
    rename_ctx r = { .m = m, .group = group.s, .members = members, .nmembers = nm };
    for (int k = 0; k < nm; k++) {
        int np = clang_Cursor_getNumArguments(members[k]->fn);
        text.len = 0;
        params.len = 0;
        for (int i = 0; i < np; i++) {
            CXCursor p = clang_Cursor_getArgument(members[k]->fn, (unsigned)i);
            char *nmp = param_name(k, p);
            char *d = declarator(clang_getCursorType(p), nmp);
            sb_printf(&params, "%s%s", i ? ", " : "", d);
            free(d);
            free(nmp);
        }
        char *name = spelling(members[k]->fn);
        head.len = 0;
        sb_printf(&head, "%s(%s)", name, np ? params.s : "void");
        free(name);
        decl = declarator(ret, head.s);
        sb_printf(&text, " static %s { return %s", decl, group.s);
        free(decl);
        ed_text(e, text.s);
        group_args(e, &r, k, clang_getNullCursor(), 1);
        ed_text(e, "; }");
    }
    /* the members' bodies: parameters renamed, calls of members made the group's */
    for (int k = 0; k < nm; k++) {
        r.member = k;
        r.fn = members[k]->fn;
        r.first = (int)(members[0] - m->c);
        clang_visitChildren(members[k]->body, rename_visit, &r);
    }
    free(group.s);
    free(fall.s);
    free(params.s);
    free(head.s);
    free(text.s);
}

static enum CXChildVisitResult collect(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    merger *m = data;
    if (in_system_header(c) || clang_getCursorKind(c) != CXCursor_FunctionDecl || !clang_isCursorDefinition(c))
        return CXChildVisit_Continue;
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 32;
        m->c = xrealloc(m->c, (size_t)m->cap * sizeof *m->c);
    }
    cand *k = &m->c[m->n++];
    memset(k, 0, sizeof *k);
    k->fn = c;
    k->body = function_body(c);
    k->ok = candidate(c, k->body);
    k->group = -1;
    CXString s = clang_getTypeSpelling(clang_getCanonicalType(clang_getResultType(clang_getCursorType(c))));
    k->ret = xstrdup(clang_getCString(s));
    clang_disposeString(s);
    return CXChildVisit_Continue;
}

char *merge_unit(tunit *t)
{
    merger m = { .t = t };
    m.eb.src = t->eb.src;
    m.eb.len = t->eb.len;
    clang_visitChildren(clang_getTranslationUnitCursor(t->tu), collect, &m);
    char *out_text = NULL;
    if (m.n >= 2) {
        m.tail = xcalloc((size_t)m.n * (size_t)m.n, 1);
        for (int i = 0; i < m.n; i++)
            if (m.c[i].ok)  /* (other functions call the wrappers) */
                scan_calls(&m, i, m.c[i].body, clang_getNullCursor());
        int groups = find_groups(&m);
        for (int g = 0; g < groups; g++)
            merge_group(&m, g);
        if (m.eb.nedits) {
            strbuf out = { 0 };
            ed_render(&m.eb, 0, (unsigned)m.eb.len, 0, &out);
            out_text = out.s;
        }
        free(m.tail);
    }
    for (int i = 0; i < m.eb.nedits; i++) {
        for (int j = 0; j < m.eb.edits[i].nsegs; j++) {
            free(m.eb.edits[i].segs[j].text);
            free(m.eb.edits[i].segs[j].label);
        }
        free(m.eb.edits[i].segs);
    }
    free(m.eb.edits);
    for (int i = 0; i < m.n; i++)
        free(m.c[i].ret);
    free(m.c);
    return out_text;
}
