/* transform.c: rewriting one translation unit for capture and restore.
 *
 * Per function (docs/design.md, "The transformation"): every call to a
 * function that may unwind is lifted out of its expression into its own
 * statement with a temporary, and followed by one check of the state word
 * (a resume site); loops that are not innermost call-free loops get the
 * same check on their back-edge; address-taken locals, arrays and const
 * locals move into a pinned record; static locals and string literals move
 * to file scope. After the function comes its resume twin: the same body
 * with a dispatch to the site it must resume, and at each site the code
 * that reloads the frame. Functions mtcc cannot make safe lose their
 * adaptation points (a wrapper keeps captures from starting inside them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

#include "mtcc.h"
#include "transform.h"

typedef struct tunit {
    CXTranslationUnit tu;
    editbuf eb;
    typereg *tr;
    const char *base;         /* the source file's base name */
    func **funcs;
    int nfuncs;
    strbuf reg;               /* registration statements */
    int nstrings;
    uint64_t hash;
    CXCursor cur_fn_decl;     /* where hoisted file-scope text goes */
    char **globals;           /* registered so far */
    int nglobals;
    char **files;             /* the user's source files, for the identity */
    int nfiles;
} tunit;

typedef struct walk {
    tunit *t;
    func *fn;
    int *scope, nscope, capscope;
    CXCursor anchor;
    int anchor_wrap;
    int cond_ctx, unevaluated, loop_header;
    int loops_seen;
    CXCursor *anc;            /* ancestors, innermost last */
    int nanc, capanc;
} walk;

/* ---- small helpers ------------------------------------------------------------- */

static char *spell(CXCursor c)
{
    CXString s = clang_getCursorSpelling(c);
    char *r = xstrdup(clang_getCString(s));
    clang_disposeString(s);
    return r;
}

static int same_cursor(CXCursor a, CXCursor b) { return clang_equalCursors(a, b); }

static unsigned stmt_end(tunit *t, CXCursor c)
{
    unsigned e = cur_end(c);
    const char *s = t->eb.src;
    unsigned i = e;
    while (i < t->eb.len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i < t->eb.len && s[i] == ';' ? i + 1 : e;
}

static void set_fallback(func *fn, CXCursor at, const char *why)
{
    if (!fn->fallback) {
        fn->fallback = 1;
        fn->fallback_why = why;
        fn->fallback_at = at;
    }
}

static int find_var(func *fn, CXCursor decl)
{
    for (int i = 0; i < fn->nvars; i++)
        if (same_cursor(fn->vars[i].decl, decl))
            return i;
    return -1;
}

static int add_var(func *fn, CXCursor decl, int is_param)
{
    fn->vars = xrealloc(fn->vars, (size_t)(fn->nvars + 1) * sizeof *fn->vars);
    var *v = &fn->vars[fn->nvars];
    memset(v, 0, sizeof *v);
    v->decl = decl;
    v->name = spell(decl);
    v->type = clang_getCursorType(decl);
    v->is_param = is_param;
    char m[64];
    snprintf(m, sizeof m, is_param ? "a%d" : "v%d", fn->nvars);
    v->member = xstrdup(m);
    return fn->nvars++;
}

/* The variable an lvalue expression is rooted in: x, x.f, x[i], (x). */
static CXCursor root_var(CXCursor e)
{
    for (;;) {
        enum CXCursorKind k = clang_getCursorKind(e);
        if (k == CXCursor_DeclRefExpr)
            return clang_getCursorReferenced(e);
        kids ch = children(e);
        CXCursor next = clang_getNullCursor();
        if ((k == CXCursor_MemberRefExpr || k == CXCursor_ArraySubscriptExpr ||
             k == CXCursor_ParenExpr || k == CXCursor_UnexposedExpr) && ch.n > 0) {
            /* x.f has the base first; p->f is not rooted in a local object */
            int arrow = 0;
            if (k == CXCursor_MemberRefExpr) {
                CXToken *toks;
                unsigned n;
                CXTranslationUnit tu = clang_Cursor_getTranslationUnit(e);
                clang_tokenize(tu, clang_getCursorExtent(e), &toks, &n);
                for (unsigned i = 0; i < n; i++) {
                    CXString sp = clang_getTokenSpelling(tu, toks[i]);
                    if (strcmp(clang_getCString(sp), "->") == 0)
                        arrow = 1;
                    clang_disposeString(sp);
                }
                clang_disposeTokens(tu, toks, n);
            }
            CXType bt = clang_getCanonicalType(clang_getCursorType(ch.c[0]));
            if (!arrow && !(k == CXCursor_ArraySubscriptExpr && bt.kind == CXType_Pointer))
                next = ch.c[0];
        }
        free(ch.c);
        if (clang_Cursor_isNull(next))
            return next;
        e = next;
    }
}

/* ---- pass 1: variables, pinning, unsupported constructs ------------------------------ */

static const char *const forbidden[] = { "setjmp", "_setjmp", "__sigsetjmp", "sigsetjmp",
    "longjmp", "_longjmp", "siglongjmp", "alloca", "__builtin_alloca", NULL };

static void analyze(tunit *t, func *fn, CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_VarDecl) {
        enum CX_StorageClass sc = clang_Cursor_getStorageClass(c);
        if (sc != CX_SC_Extern) {
            int i = add_var(fn, c, 0);
            var *v = &fn->vars[i];
            CXType ct = clang_getCanonicalType(v->type);
            v->is_static = sc == CX_SC_Static;
            if (ct.kind == CXType_VariableArray || ct.kind == CXType_IncompleteArray)
                set_fallback(fn, c, "a variable-length array");
            else if (ct.kind == CXType_ConstantArray || clang_isConstQualifiedType(v->type))
                v->pinned = !v->is_static;
            char *d = declarator(v->type, "x");
            if (!d)
                set_fallback(fn, c, "a local whose type cannot be named at file scope");
            free(d);
        }
    } else if (k == CXCursor_UnaryOperator) {
        char *op = operator_of(t->tu, c);
        if (strcmp(op, "&") == 0) {
            kids ch = children(c);
            if (ch.n) {
                CXCursor r = root_var(ch.c[0]);
                int i = clang_Cursor_isNull(r) ? -1 : find_var(fn, r);
                if (i >= 0 && !fn->vars[i].is_static)
                    fn->vars[i].pinned = 1;
            }
            free(ch.c);
        }
        free(op);
    } else if (k == CXCursor_CallExpr) {
        CXCursor callee = clang_getCursorReferenced(c);
        if (!clang_Cursor_isNull(callee)) {
            char *name = spell(callee);
            for (int i = 0; forbidden[i]; i++)
                if (strcmp(name, forbidden[i]) == 0)
                    set_fallback(fn, c, strstr(name, "jmp") ? "setjmp/longjmp" : "alloca");
            free(name);
        }
    } else if (k == CXCursor_GCCAsmStmt || k == CXCursor_AsmStmt || k == CXCursor_MSAsmStmt) {
        set_fallback(fn, c, "inline assembly");
    } else if (k == CXCursor_IndirectGotoStmt || k == CXCursor_AddrLabelExpr) {
        set_fallback(fn, c, "a computed goto");
    } else if (k == CXCursor_StructDecl || k == CXCursor_UnionDecl || k == CXCursor_TypedefDecl) {
        /* a type local to the function: fine unless a variable uses it */
    }
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        analyze(t, fn, ch.c[i]);
    free(ch.c);
}

/* ---- pass 2: rewriting ------------------------------------------------------------------ */

static void visit(walk *w, CXCursor c, int stmt_pos, int wrap, int loop_body);

static void scope_push(walk *w, int vi)
{
    var *nv = &w->fn->vars[vi];
    for (int i = 0; i < w->nscope; i++)
        if (strcmp(w->fn->vars[w->scope[i]].name, nv->name) == 0)
            set_fallback(w->fn, nv->decl, "a local that shadows another");
    if (w->nscope == w->capscope) {
        w->capscope = w->capscope ? w->capscope * 2 : 16;
        w->scope = xrealloc(w->scope, (size_t)w->capscope * sizeof *w->scope);
    }
    w->scope[w->nscope++] = vi;
}

static site *new_site(walk *w, int kind)
{
    func *fn = w->fn;
    site *s = xcalloc(1, sizeof *s);
    s->no = fn->nsites + 1;
    s->kind = kind;
    s->fn = fn;
    s->nvars = w->nscope;
    s->vars = xcalloc((size_t)(w->nscope ? w->nscope : 1), sizeof(int));
    memcpy(s->vars, w->scope, (size_t)w->nscope * sizeof(int));
    fn->sites = xrealloc(fn->sites, (size_t)(fn->nsites + 1) * sizeof *fn->sites);
    fn->sites[fn->nsites++] = s;
    return s;
}

static char *new_temp(func *fn, CXType type)
{
    char name[32];
    snprintf(name, sizeof name, "__mt_t%d", fn->ntemps + 1);
    fn->temps = xrealloc(fn->temps, (size_t)(fn->ntemps + 1) * sizeof *fn->temps);
    fn->temp_types = xrealloc(fn->temp_types, (size_t)(fn->ntemps + 1) * sizeof *fn->temp_types);
    fn->temps[fn->ntemps] = xstrdup(name);
    fn->temp_types[fn->ntemps] = type;
    fn->ntemps++;
    return xstrdup(name);
}

/* Inserts text before the anchor statement, bracing it when it is the body
 * of a control statement. */
static void before_anchor(walk *w, site *s, const char *text)
{
    tunit *t = w->t;
    unsigned at = cur_start(w->anchor);
    if (w->anchor_wrap) {
        ed_text(ed_add(&t->eb, at, at, -1), "{ ");
        ed_text(ed_add(&t->eb, stmt_end(t, w->anchor), stmt_end(t, w->anchor), 1 << 30), " }");
        w->anchor_wrap = 0;
    }
    edit *e = ed_add(&t->eb, at, at, s ? s->no : 0);
    if (s)
        ed_site(e, s);
    else
        ed_text(e, text);
}

/* The heap functions that get typed, tracked replacements. */
static const char *heap_wrapper(const char *name)
{
    static const char *const map[][2] = { { "malloc", "mt_malloc" }, { "calloc", "mt_calloc" },
        { "realloc", "mt_realloc" }, { "free", "mt_free" }, { "strdup", "mt_strdup" }, { NULL, NULL } };
    for (int i = 0; map[i][0]; i++)
        if (strcmp(name, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* The element type an allocation makes: the destination pointer's target
 * (an assignment, an initializer, a cast), else the operand of a sizeof
 * in the arguments. */
static int find_sizeof_type(tunit *t, CXCursor c, CXType *out)
{
    if (clang_getCursorKind(c) == CXCursor_UnaryExpr) {
        char *tok = first_token(t->tu, c);
        int is_sizeof = strcmp(tok, "sizeof") == 0;
        free(tok);
        kids ch = children(c);
        if (is_sizeof && ch.n > 0) {
            *out = clang_getCursorType(ch.c[0]);
            free(ch.c);
            return 1;
        }
        free(ch.c);
    }
    kids ch = children(c);
    int found = 0;
    for (int i = 0; i < ch.n && !found; i++)
        found = find_sizeof_type(t, ch.c[i], out);
    free(ch.c);
    return found;
}

static int alloc_type(walk *w, CXCursor call, CXType *elem)
{
    for (int i = w->nanc - 1; i >= 0; i--) {
        CXCursor a = w->anc[i];
        enum CXCursorKind k = clang_getCursorKind(a);
        if (k == CXCursor_UnexposedExpr || k == CXCursor_ParenExpr || same_cursor(a, call))
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
        dest = clang_getCanonicalType(dest);
        if (dest.kind == CXType_Pointer) {
            CXType p = clang_getCanonicalType(clang_getPointeeType(dest));
            if (p.kind != CXType_Void) {
                *elem = clang_getPointeeType(dest);
                return 1;
            }
        }
        break;
    }
    return find_sizeof_type(w->t, call, elem);
}

static void rewrite_heap_call(walk *w, CXCursor c, const char *wrapper)
{
    tunit *t = w->t;
    kids ch = children(c);
    if (ch.n == 0) {
        free(ch.c);
        return;
    }
    ed_text(ed_add(&t->eb, cur_start(ch.c[0]), cur_end(ch.c[0]), 0), wrapper);
    free(ch.c);
    if (strcmp(wrapper, "mt_free") == 0 || strcmp(wrapper, "mt_strdup") == 0)
        return;
    CXType elem;
    const char *ref = NULL, *why = NULL;
    unsigned long long count;
    if (alloc_type(w, c, &elem))
        ref = tr_ref(t->tr, elem, &count, &why);
    if (!ref)
        warn_at(c, "the type of this allocation is unknown; it is saved as raw bytes");
    char arg[80];
    snprintf(arg, sizeof arg, ", %s", ref ? ref : "0");
    unsigned close = cur_end(c) - 1;  /* the ')' */
    ed_text(ed_add(&t->eb, close, close, 0), arg);
}

static int has_fnptr_arg(CXCursor call)
{
    int n = clang_Cursor_getNumArguments(call);
    for (int i = 0; i < n; i++) {
        CXType a = clang_getCanonicalType(clang_getCursorType(clang_Cursor_getArgument(call, (unsigned)i)));
        if (a.kind == CXType_Pointer) {
            CXType p = clang_getCanonicalType(clang_getPointeeType(a));
            if (p.kind == CXType_FunctionProto || p.kind == CXType_FunctionNoProto)
                return 1;
        }
    }
    return 0;
}

/* A call into code mtcc did not transform that may call back. */
static void guard_callback(walk *w, CXCursor c)
{
    tunit *t = w->t;
    CXType rt = clang_getCursorType(c);
    if (same_cursor(w->anchor, c) || rt.kind == CXType_Void) {
        ed_text(ed_add(&t->eb, cur_start(c), cur_start(c), -2), "(mt_callback_enter(), ");
        ed_text(ed_add(&t->eb, cur_end(c), cur_end(c), -2), ", mt_callback_leave())");
        return;
    }
    char *tmp = new_temp(w->fn, rt);
    char pre[64];
    snprintf(pre, sizeof pre, "(mt_callback_enter(), %s = ", tmp);
    ed_text(ed_add(&t->eb, cur_start(c), cur_start(c), -2), pre);
    char post[64];
    snprintf(post, sizeof post, ", mt_callback_leave(), %s)", tmp);
    ed_text(ed_add(&t->eb, cur_end(c), cur_end(c), 1 << 29), post);
    free(tmp);
}

static int defined_before(tunit *t, CXCursor callee)
{
    for (int i = 0; i < t->nfuncs; i++)
        if (same_cursor(clang_getCanonicalCursor(t->funcs[i]->cursor), clang_getCanonicalCursor(callee)) &&
            !t->funcs[i]->fallback)
            return i;
    return -1;
}

static void make_call_site(walk *w, CXCursor c, CXCursor callee)
{
    func *fn = w->fn;
    tunit *t = w->t;
    if (w->cond_ctx || w->loop_header) {
        set_fallback(fn, c, w->loop_header ? "a call in a loop condition" : "a call in a conditional operand (&&, ||, ?:)");
        return;
    }
    CXType rt = clang_getCursorType(c);
    char *fp = declarator(rt, "(*)(void)");
    if (!fp) {
        set_fallback(fn, c, "a call whose result type cannot be named");
        return;
    }
    site *s = new_site(w, SITE_CALL);
    s->call_start = cur_start(c);
    s->call_end = cur_end(c);
    s->fnptr_type = fp;
    kids ch = children(c);
    s->callee_start = ch.n ? cur_start(ch.c[0]) : s->call_start;
    s->callee_end = ch.n ? cur_end(ch.c[0]) : s->call_start;
    free(ch.c);
    if (!clang_Cursor_isNull(callee) && clang_getCursorKind(callee) == CXCursor_FunctionDecl) {
        int i = defined_before(t, callee);
        if (i >= 0) {
            char tw[300];
            snprintf(tw, sizeof tw, "__mt_twin_%s", t->funcs[i]->cname);
            s->direct_twin = xstrdup(tw);
        }
    }
    if (rt.kind != CXType_Void)
        s->temp = new_temp(fn, rt);
    before_anchor(w, s, NULL);
    ed_text(ed_add(&t->eb, s->call_start, s->call_end, 0), s->temp ? s->temp : "(void)0");
}

static void visit_call(walk *w, CXCursor c)
{
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        visit(w, ch.c[i], 0, 0, 0);
    free(ch.c);
    if (w->unevaluated)
        return;
    CXCursor callee = clang_getCursorReferenced(c);
    int direct = !clang_Cursor_isNull(callee) && clang_getCursorKind(callee) == CXCursor_FunctionDecl;
    if (direct) {
        char *name = spell(callee);
        int opaque = in_system_header(callee) || strncmp(name, "__builtin", 9) == 0;
        const char *wrapper = opaque ? heap_wrapper(name) : NULL;
        free(name);
        if (wrapper) {
            rewrite_heap_call(w, c, wrapper);
            return;
        }
        if (opaque) {
            if (has_fnptr_arg(c))
                guard_callback(w, c);
            return;
        }
    }
    make_call_site(w, c, callee);
}

/* A string literal whose address may be kept: moved to a registered array. */
static void hoist_string(walk *w, CXCursor c)
{
    tunit *t = w->t;
    CXType ty = clang_getCanonicalType(clang_getCursorType(c));
    if (ty.kind != CXType_ConstantArray)
        return;
    enum CXTypeKind ek = clang_getCanonicalType(clang_getArrayElementType(ty)).kind;
    if (ek != CXType_Char_S && ek != CXType_Char_U)
        return;
    for (int i = w->nanc - 1; i >= 0; i--) {
        enum CXCursorKind k = clang_getCursorKind(w->anc[i]);
        if (k == CXCursor_UnexposedExpr || k == CXCursor_ParenExpr || k == CXCursor_StringLiteral)
            continue;
        if (k == CXCursor_CallExpr) {
            CXCursor callee = clang_getCursorReferenced(w->anc[i]);
            if (!clang_Cursor_isNull(callee) && in_system_header(callee))
                return;    /* printf("...") and friends keep no pointer */
        }
        if (k == CXCursor_InitListExpr || k == CXCursor_UnaryExpr)
            return;
        if (k == CXCursor_VarDecl && clang_getCanonicalType(clang_getCursorType(w->anc[i])).kind == CXType_ConstantArray)
            return;
        break;
    }
    int n = t->nstrings++;
    char name[48];
    snprintf(name, sizeof name, "__mt_str_%d", n);
    unsigned at = cur_start(t->cur_fn_decl);
    edit *e = ed_add(&t->eb, at, at, -10);
    char head[96];
    snprintf(head, sizeof head, "static char %s[] = ", name);
    ed_text(e, head);
    ed_range(e, cur_start(c), cur_end(c));
    ed_text(e, ";\n");
    ed_text(ed_add(&t->eb, cur_start(c), cur_end(c), 0), name);
    sb_printf(&t->reg, "    if (mt_register_constant(\"%s:str:%d\", %s, __mt_char, sizeof %s, &err) < 0) goto fail;\n",
              t->base, n, name, name);
}

static void visit_decl_stmt(walk *w, CXCursor c)
{
    tunit *t = w->t;
    func *fn = w->fn;
    kids ch = children(c);
    int special = 0;
    for (int i = 0; i < ch.n; i++) {
        int vi = find_var(fn, ch.c[i]);
        if (vi >= 0 && (fn->vars[vi].pinned || fn->vars[vi].is_static))
            special++;
    }
    if (special && ch.n > 1)
        set_fallback(fn, c, "a declaration of several variables, some address-taken, const, arrays or static");
    for (int i = 0; i < ch.n; i++) {
        CXCursor d = ch.c[i];
        int vi = find_var(fn, d);
        CXCursor init = clang_getCursorKind(d) == CXCursor_VarDecl ? clang_Cursor_getVarDeclInitializer(d)
                                                                  : clang_getNullCursor();
        if (vi < 0) {
            visit(w, d, 0, 0, 0);
            continue;
        }
        var *v = &fn->vars[vi];
        if (!v->is_static && !clang_Cursor_isNull(init)) {
            w->anc[w->nanc++] = d;  /* the declaration is the initializer's context */
            visit(w, init, 0, 0, 0);
            w->nanc--;
        }
        if (v->is_static) {
            char nm[300];
            snprintf(nm, sizeof nm, "__mt_s_%s_%s", fn->cname, v->name);
            v->static_name = xstrdup(nm);
            char *decl = declarator(v->type, nm);
            unsigned at = cur_start(t->cur_fn_decl);
            edit *e = ed_add(&t->eb, at, at, -5);
            char head[400];
            snprintf(head, sizeof head, "static %s", decl ? decl : nm);
            ed_text(e, head);
            if (!clang_Cursor_isNull(init)) {
                ed_text(e, " = ");
                ed_range(e, cur_start(init), cur_end(init));
            }
            ed_text(e, ";\n");
            free(decl);
            ed_text(ed_add(&t->eb, cur_start(c), stmt_end(t, c), 0), ";");
            unsigned long long count;
            const char *why, *ref = tr_ref(t->tr, v->type, &count, &why);
            if (ref)
                sb_printf(&t->reg, "    if (mt_register_global(\"%s:%s:%s\", &%s, %s, %llu, &err) < 0) goto fail;\n",
                          t->base, fn->cname, v->name, nm, ref, count);
            else
                warn_at(d, "static local %s is not saved: %s", v->name, why);
        } else if (v->pinned) {
            edit *e = ed_add(&t->eb, cur_start(c), stmt_end(t, c), 0);
            if (clang_Cursor_isNull(init)) {
                ed_text(e, ";");
            } else {
                CXType ct = clang_getCanonicalType(v->type);
                char buf[400];
                if (ct.kind == CXType_ConstantArray || ct.kind == CXType_Record) {
                    char *decl = declarator(v->type, "__mt_init");
                    snprintf(buf, sizeof buf, "{ %s = ", decl);
                    free(decl);
                    ed_text(e, buf);
                    ed_range(e, cur_start(init), cur_end(init));
                    snprintf(buf, sizeof buf, "; __builtin_memcpy((void *)&__mt_p->%s, (const void *)&__mt_init, sizeof __mt_init); }", v->member);
                    ed_text(e, buf);
                } else {
                    snprintf(buf, sizeof buf, "__mt_p->%s = ", v->member);
                    ed_text(e, buf);
                    ed_range(e, cur_start(init), cur_end(init));
                    ed_text(e, ";");
                }
            }
        } else {
            scope_push(w, vi);
        }
    }
    free(ch.c);
}

static void add_poll(walk *w, unsigned at)
{
    site *s = new_site(w, SITE_POLL);
    ed_site(ed_add(&w->t->eb, at, at, s->no), s);
}

static void visit_children_as(walk *w, CXCursor c, int from, int to, int stmt_pos, int wrap, int loop_body)
{
    kids ch = children(c);
    for (int i = from; i < ch.n && i < to; i++)
        visit(w, ch.c[i], stmt_pos, wrap, loop_body);
    free(ch.c);
}

static void visit_loop(walk *w, CXCursor c, int body_first)
{
    kids ch = children(c);
    int mark = w->nscope;
    int outer_loops = w->loops_seen;
    w->loops_seen = 0;
    for (int i = 0; i < ch.n; i++) {
        int is_body = body_first ? i == 0 : i == ch.n - 1;
        if (is_body) {
            visit(w, ch.c[i], 1, clang_getCursorKind(ch.c[i]) != CXCursor_CompoundStmt, 1);
        } else {
            int save = w->loop_header;
            w->loop_header = 1;
            visit(w, ch.c[i], 0, 0, 0);
            w->loop_header = save;
        }
    }
    w->nscope = mark;
    w->loops_seen = outer_loops + 1;
    free(ch.c);
}

static void visit_return(walk *w, CXCursor c)
{
    tunit *t = w->t;
    func *fn = w->fn;
    visit_children_as(w, c, 0, 1 << 30, 0, 0, 0);
    if (!fn->npinned)
        return;
    kids ch = children(c);
    edit *e = ed_add(&t->eb, cur_start(c), stmt_end(t, c), 0);
    if (ch.n == 0 || fn->ret_void) {
        ed_text(e, "{ mt_pin_leave(__mt_p); return; }");
    } else {
        char *decl = declarator(fn->ret, "__mt_r");
        char head[400];
        snprintf(head, sizeof head, "{ %s = (", decl);
        free(decl);
        ed_text(e, head);
        ed_range(e, cur_start(ch.c[0]), cur_end(ch.c[0]));
        ed_text(e, "); mt_pin_leave(__mt_p); return __mt_r; }");
    }
    free(ch.c);
}

static void visit(walk *w, CXCursor c, int stmt_pos, int wrap, int loop_body)
{
    tunit *t = w->t;
    enum CXCursorKind k = clang_getCursorKind(c);
    CXCursor saved_anchor = w->anchor;
    int saved_wrap = w->anchor_wrap;
    if (stmt_pos) {
        w->anchor = c;
        w->anchor_wrap = wrap;
    }
    if (w->nanc == w->capanc) {
        w->capanc = w->capanc ? w->capanc * 2 : 32;
        w->anc = xrealloc(w->anc, (size_t)w->capanc * sizeof *w->anc);
    }
    w->anc[w->nanc++] = c;
    int sites_before = w->fn->nsites;
    int loops_before = w->loops_seen;
    switch (k) {
    case CXCursor_CompoundStmt: {
        int mark = w->nscope;
        visit_children_as(w, c, 0, 1 << 30, 1, 0, 0);
        if (loop_body && (w->fn->nsites > sites_before || w->loops_seen > loops_before))
            add_poll(w, cur_end(c) - 1);
        w->nscope = mark;
        break;
    }
    case CXCursor_DeclStmt:
        visit_decl_stmt(w, c);
        break;
    case CXCursor_DeclRefExpr: {
        CXCursor d = clang_getCursorReferenced(c);
        int vi = find_var(w->fn, d);
        if (vi >= 0 && w->fn->vars[vi].pinned) {
            char buf[80];
            snprintf(buf, sizeof buf, "__mt_p->%s", w->fn->vars[vi].member);
            ed_text(ed_add(&t->eb, cur_start(c), cur_end(c), 0), buf);
        } else if (vi >= 0 && w->fn->vars[vi].is_static && w->fn->vars[vi].static_name) {
            ed_text(ed_add(&t->eb, cur_start(c), cur_end(c), 0), w->fn->vars[vi].static_name);
        }
        break;
    }
    case CXCursor_CallExpr:
        visit_call(w, c);
        break;
    case CXCursor_StringLiteral:
        if (!w->unevaluated)
            hoist_string(w, c);
        break;
    case CXCursor_UnaryExpr: {
        char *tok = first_token(t->tu, c);
        int uneval = strcmp(tok, "sizeof") == 0 || strcmp(tok, "_Alignof") == 0 ||
                     strcmp(tok, "__alignof__") == 0;
        free(tok);
        w->unevaluated += uneval;
        visit_children_as(w, c, 0, 1 << 30, 0, 0, 0);
        w->unevaluated -= uneval;
        break;
    }
    case CXCursor_ConditionalOperator: {
        visit_children_as(w, c, 0, 1, 0, 0, 0);
        w->cond_ctx++;
        visit_children_as(w, c, 1, 3, 0, 0, 0);
        w->cond_ctx--;
        break;
    }
    case CXCursor_BinaryOperator: {
        char *op = operator_of(t->tu, c);
        int logical = strcmp(op, "&&") == 0 || strcmp(op, "||") == 0;
        free(op);
        visit_children_as(w, c, 0, 1, 0, 0, 0);
        w->cond_ctx += logical;
        visit_children_as(w, c, 1, 2, 0, 0, 0);
        w->cond_ctx -= logical;
        break;
    }
    case CXCursor_IfStmt: {
        kids ch = children(c);
        for (int i = 0; i < ch.n; i++)
            visit(w, ch.c[i], i > 0, i > 0 && clang_getCursorKind(ch.c[i]) != CXCursor_CompoundStmt, 0);
        free(ch.c);
        break;
    }
    case CXCursor_SwitchStmt:   /* the last child is the statement */
    case CXCursor_CaseStmt:
    case CXCursor_DefaultStmt:
    case CXCursor_LabelStmt: {
        kids ch = children(c);
        for (int i = 0; i < ch.n; i++)
            visit(w, ch.c[i], i == ch.n - 1, 0, 0);
        free(ch.c);
        break;
    }
    case CXCursor_WhileStmt:
    case CXCursor_ForStmt:
        visit_loop(w, c, 0);
        break;
    case CXCursor_DoStmt:
        visit_loop(w, c, 1);
        break;
    case CXCursor_ReturnStmt:
        visit_return(w, c);
        break;
    default:
        visit_children_as(w, c, 0, 1 << 30, 0, 0, 0);
        break;
    }
    /* A loop body that is a single statement: braced, with its poll. */
    if (loop_body && k != CXCursor_CompoundStmt &&
        (w->fn->nsites > sites_before || w->loops_seen > loops_before)) {
        ed_text(ed_add(&t->eb, cur_start(c), cur_start(c), -100), "{ ");
        unsigned end = stmt_end(t, c);
        site *s = new_site(w, SITE_POLL);
        ed_site(ed_add(&t->eb, end, end, 1 << 20), s);
        ed_text(ed_add(&t->eb, end, end, (1 << 20) + 1), " }");
    }
    w->nanc--;
    w->anchor = saved_anchor;
    w->anchor_wrap = saved_wrap;
}

/* ---- emitting a site (edit.c calls this while rendering) --------------------------- */

/* 1 when variable i is saved at site s: parameters always, locals when
 * in scope there. */
static int site_saves(const site *s, int i)
{
    const var *v = &s->fn->vars[i];
    if (v->is_param && !v->pinned)
        return 1;
    for (int j = 0; j < s->nvars; j++)
        if (s->vars[j] == i)
            return 1;
    return 0;
}

/* Appends one saved value per variable the site saves: "n, x, __mt_t1". */
static void saved_values(site *s, strbuf *out, int declare)
{
    func *fn = s->fn;
    int first = 1;
    for (int i = 0; i < fn->nvars; i++) {
        var *v = &fn->vars[i];
        if (!site_saves(s, i))
            continue;
        char *d = declare ? declarator(v->type, v->member) : NULL;
        sb_printf(out, "%s%s", first ? "" : ", ", declare ? d : v->name);
        free(d);
        first = 0;
    }
    for (int i = 0; i < fn->ntemps; i++) {
        char *d = declare ? declarator(fn->temp_types[i], fn->temps[i]) : NULL;
        sb_printf(out, "%s%s", first ? "" : ", ", declare ? d : fn->temps[i]);
        free(d);
        first = 0;
    }
    if (fn->npinned) {
        if (declare)
            sb_printf(out, "%sstruct __mt_pin_%s *__mt_p", first ? "" : ", ", fn->cname);
        else
            sb_printf(out, "%s__mt_p", first ? "" : ", ");
        first = 0;
    }
    if (first && declare)
        sb_put(out, "void");
}

/* The slow path of a site, out of line: the hot function stays small (so
 * that the compiler still inlines and unrolls it) and pays one load and a
 * branch. Returns 1 when the frame was saved and the caller must return. */
static void save_helper(site *s, strbuf *out)
{
    func *fn = s->fn;
    sb_printf(out, "static __attribute__((noinline, cold)) int __mt_save_%s_%d(", fn->cname, s->no);
    saved_values(s, out, 1);
    sb_printf(out, ")\n{\n    if (!mt_adapt())\n        return 0;\n"
                   "    struct __mt_frame_%s *__mt_s = mt_frame_push(&__mt_fi_%s, %d);\n   ",
              fn->cname, fn->cname, s->no);
    for (int i = 0; i < fn->nvars; i++)
        if (site_saves(s, i))
            sb_printf(out, " __mt_s->%s = %s;", fn->vars[i].member, fn->vars[i].member);
    for (int i = 0; i < fn->ntemps; i++)
        sb_printf(out, " __mt_s->%s = %s;", fn->temps[i], fn->temps[i]);
    if (fn->npinned)
        sb_put(out, " __mt_s->__mt_p = __mt_p;");
    sb_put(out, "\n    return 1;\n}\n");
}

static void save_code(site *s, strbuf *out)
{
    func *fn = s->fn;
    sb_printf(out, "if (MT_UNLIKELY(mt_state) && __mt_save_%s_%d(", fn->cname, s->no);
    saved_values(s, out, 0);
    sb_put(out, ")) ");
    if (fn->ret_void)
        sb_put(out, "return;");
    else {
        char *z = declarator(fn->ret, "__mt_z");
        sb_printf(out, "{ %s = {0}; return __mt_z; }", z);
        free(z);
    }
}

static void restore_code(site *s, strbuf *out)
{
    func *fn = s->fn;
    for (int i = 0; i < fn->nvars; i++)
        if (fn->vars[i].is_param && !fn->vars[i].pinned)
            sb_printf(out, " %s = __mt_f->%s;", fn->vars[i].name, fn->vars[i].member);
    for (int i = 0; i < s->nvars; i++)
        sb_printf(out, " %s = __mt_f->%s;", fn->vars[s->vars[i]].name, fn->vars[s->vars[i]].member);
    for (int i = 0; i < fn->ntemps; i++)
        sb_printf(out, " %s = __mt_f->%s;", fn->temps[i], fn->temps[i]);
    if (fn->npinned)
        sb_put(out, " __mt_p = __mt_f->__mt_p;");
    sb_put(out, " mt_frame_release(__mt_f);");
}

void emit_site(editbuf *eb, site *s, strbuf *out)
{
    strbuf call = { 0 };
    if (s->kind == SITE_CALL)
        ed_render(eb, s->call_start, s->call_end, 1, &call);
    const char *assign = s->temp ? s->temp : "";
    const char *eq = s->temp ? " = " : "";
    if (s->kind == SITE_CALL && eb->twin) {
        sb_printf(out, "if (0) { __mt_in_%d:", s->no);
        restore_code(s, out);
        sb_printf(out, " %s%s", assign, eq);
        if (s->direct_twin) {
            sb_printf(out, "%s();", s->direct_twin);
        } else {
            strbuf callee = { 0 };
            ed_render(eb, s->callee_start, s->callee_end, 1, &callee);
            sb_printf(out, "((%s)mt_twin_of((void (*)(void))(%s)))();", s->fnptr_type, callee.s ? callee.s : "");
            free(callee.s);
        }
        sb_printf(out, " } else %s%s%s; ", assign, eq, call.s);
    } else if (s->kind == SITE_CALL) {
        sb_printf(out, "%s%s%s; ", assign, eq, call.s);
    }
    save_code(s, out);
    if (eb->twin) {
        sb_printf(out, " if (0) { __mt_af_%d:", s->no);
        restore_code(s, out);
        sb_put(out, " }");
    }
    sb_put(out, " ");
    free(call.s);
}

/* ---- per function ------------------------------------------------------------------------ */

static func *new_func(tunit *t, CXCursor c)
{
    func *fn = xcalloc(1, sizeof *fn);
    fn->cursor = c;
    fn->name = spell(c);
    fn->is_static = clang_Cursor_getStorageClass(c) == CX_SC_Static;
    fn->is_main = strcmp(fn->name, "main") == 0 && !fn->is_static;
    fn->cname = xstrdup(fn->name);
    char reg[400];
    snprintf(reg, sizeof reg, fn->is_static ? "%s:%s" : "%s%s", fn->is_static ? t->base : "", fn->name);
    fn->reg_name = xstrdup(reg);
    CXType ft = clang_getCursorType(c);
    fn->ret = clang_getResultType(ft);
    fn->ret_void = clang_getCanonicalType(fn->ret).kind == CXType_Void;
    fn->is_variadic = clang_isFunctionTypeVariadic(ft);
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++) {
        if (clang_getCursorKind(ch.c[i]) == CXCursor_ParmDecl) {
            int vi = add_var(fn, ch.c[i], 1);
            if (!*fn->vars[vi].name)
                set_fallback(fn, c, "an unnamed parameter");
            if (clang_isConstQualifiedType(fn->vars[vi].type))
                set_fallback(fn, ch.c[i], "a const parameter");
        }
        if (clang_getCursorKind(ch.c[i]) == CXCursor_CompoundStmt) {
            fn->body_start = cur_start(ch.c[i]);
            fn->body_end = cur_end(ch.c[i]);
        }
    }
    free(ch.c);
    if (fn->is_variadic)
        set_fallback(fn, c, "a variadic function");
    if (!declarator(fn->ret, "x") && !fn->ret_void)
        set_fallback(fn, c, "a return type that cannot be named");
    return fn;
}

static CXCursor body_of(CXCursor fnc)
{
    kids ch = children(fnc);
    CXCursor b = clang_getNullCursor();
    for (int i = 0; i < ch.n; i++)
        if (clang_getCursorKind(ch.c[i]) == CXCursor_CompoundStmt)
            b = ch.c[i];
    free(ch.c);
    return b;
}

/* The text before a transformed function: prototypes, records, its info. */
static void emit_prologue(tunit *t, func *fn, const char *pin_ref)
{
    strbuf b = { 0 };
    char *proto = declarator(clang_getCursorType(fn->cursor), fn->is_main ? "__mt_user_main" : fn->name);
    char *twin = declarator(fn->ret, "");
    sb_printf(&b, "\n%s%s;\nstatic %s __mt_twin_%s(void);\n", fn->is_static ? "static " : "", proto, twin, fn->cname);
    free(proto);
    free(twin);
    if (fn->npinned) {
        sb_printf(&b, "struct __mt_pin_%s {", fn->cname);
        for (int i = 0; i < fn->nvars; i++)
            if (fn->vars[i].pinned) {
                char *d = declarator(fn->vars[i].type, fn->vars[i].member);
                /* records must be assignable: drop a top-level const */
                char *c = strncmp(d, "const ", 6) == 0 ? d + 6 : d;
                sb_printf(&b, " %s;", c);
                free(d);
            }
        sb_put(&b, " };\n");
    }
    sb_printf(&b, "struct __mt_frame_%s { char __mt_unused;", fn->cname);
    for (int i = 0; i < fn->nvars; i++)
        if (!fn->vars[i].pinned && !fn->vars[i].is_static) {
            char *d = declarator(fn->vars[i].type, fn->vars[i].member);
            sb_printf(&b, " %s;", d);
            free(d);
        }
    for (int i = 0; i < fn->ntemps; i++) {
        char *d = declarator(fn->temp_types[i], fn->temps[i]);
        sb_printf(&b, " %s;", d);
        free(d);
    }
    if (fn->npinned)
        sb_printf(&b, " struct __mt_pin_%s *__mt_p;", fn->cname);
    sb_put(&b, " };\n");
    sb_printf(&b, "static mt_function_info __mt_fi_%s = { \"%s\", (void (*)(void))%s, (void (*)(void))__mt_twin_%s, 0, 0 };\n",
              fn->cname, fn->reg_name, fn->is_main ? "__mt_user_main" : fn->name, fn->cname);
    (void)pin_ref;
    for (int i = 0; i < fn->nsites; i++)
        save_helper(fn->sites[i], &b);
    unsigned at = cur_start(fn->cursor);
    ed_text(ed_add(&t->eb, at, at, -20), b.s);
    free(b.s);
}

static void declare_locals(func *fn, strbuf *b, int twin, const char *pin_ref)
{
    if (twin)
        for (int i = 0; i < fn->nvars; i++)
            if (fn->vars[i].is_param) {
                char *d = declarator(fn->vars[i].type, fn->vars[i].name);
                sb_printf(b, " %s;", d);
                free(d);
            }
    for (int i = 0; i < fn->ntemps; i++) {
        char *d = declarator(fn->temp_types[i], fn->temps[i]);
        sb_printf(b, " %s = {0};", d);  /* saved at every site, so never indeterminate */
        free(d);
    }
    if (fn->npinned) {
        if (twin)
            sb_printf(b, " struct __mt_pin_%s *__mt_p;", fn->cname);
        else
            sb_printf(b, " struct __mt_pin_%s *__mt_p = mt_pin_enter(%s);", fn->cname, pin_ref);
    }
}

/* Registers the frame (and pinned record) types of a function. */
static const char *register_records(tunit *t, func *fn, const char **pin_ref_out)
{
    int n = 0;
    const char **names = xcalloc((size_t)(fn->nvars + fn->ntemps + 2), sizeof *names);
    CXType *types = xcalloc((size_t)(fn->nvars + fn->ntemps + 2), sizeof *types);
    char cname[300], idname[300];
    const char *why = NULL;
    *pin_ref_out = NULL;
    if (fn->npinned) {
        for (int i = 0; i < fn->nvars; i++)
            if (fn->vars[i].pinned) {
                names[n] = fn->vars[i].member;
                types[n++] = fn->vars[i].type;
            }
        snprintf(cname, sizeof cname, "struct __mt_pin_%s", fn->cname);
        snprintf(idname, sizeof idname, "pin %s", fn->reg_name);
        const char *r = tr_struct(t->tr, cname, idname, n, names, types, &why);
        if (!r) {
            free(names);
            free(types);
            return why;
        }
        *pin_ref_out = xstrdup(r);
        n = 0;
    }
    for (int i = 0; i < fn->nvars; i++)
        if (!fn->vars[i].pinned && !fn->vars[i].is_static) {
            names[n] = fn->vars[i].member;
            types[n++] = fn->vars[i].type;
        }
    for (int i = 0; i < fn->ntemps; i++) {
        names[n] = fn->temps[i];
        types[n++] = fn->temp_types[i];
    }
    if (fn->npinned) {
        names[n] = "__mt_p";
        types[n++].kind = CXType_Invalid;  /* a data pointer */
    }
    snprintf(cname, sizeof cname, "struct __mt_frame_%s", fn->cname);
    snprintf(idname, sizeof idname, "frame %s", fn->reg_name);
    const char *r = tr_struct(t->tr, cname, idname, n, names, types, &why);
    free(names);
    free(types);
    if (!r)
        return why;
    sb_printf(&t->reg, "    __mt_fi_%s.frame = %s;\n", fn->cname, r);
    sb_printf(&t->reg, "    if (mt_register_function_info(&__mt_fi_%s, &err) < 0) goto fail;\n", fn->cname);
    return NULL;
}

static void emit_twin(tunit *t, func *fn)
{
    strbuf b = { 0 };
    char *ret = declarator(fn->ret, "");
    sb_printf(&b, "\nstatic %s __mt_twin_%s(void)\n{", ret, fn->cname);
    free(ret);
    declare_locals(fn, &b, 1, NULL);
    sb_printf(&b, " unsigned __mt_site; struct __mt_frame_%s *__mt_f = mt_frame_pop(&__mt_fi_%s, &__mt_site);\n"
                  "    switch (__mt_site) {", fn->cname, fn->cname);
    for (int i = 0; i < fn->nsites; i++) {
        site *s = fn->sites[i];
        sb_printf(&b, " case %d: goto __mt_af_%d;", 2 * s->no, s->no);
        if (s->kind == SITE_CALL)
            sb_printf(&b, " case %d: goto __mt_in_%d;", 2 * s->no + 1, s->no);
    }
    sb_put(&b, " default: mt_frame_bad_site(); }\n");
    edit *e = ed_add(&t->eb, fn->body_end, fn->body_end, 50);
    ed_text(e, b.s);
    free(b.s);
    /* the body, rendered as the twin */
    e->segs = xrealloc(e->segs, (size_t)(e->nsegs + 1) * sizeof *e->segs);
    memset(&e->segs[e->nsegs], 0, sizeof e->segs[0]);
    e->segs[e->nsegs].kind = SEG_TWIN_BODY;
    e->segs[e->nsegs].start = fn->body_start + 1;
    e->segs[e->nsegs].end = fn->body_end;
    e->nsegs++;
}

/* A function mtcc cannot make safe: renamed, and wrapped so that no capture
 * starts while it runs (its callees see the callback depth raised). */
static void emit_fallback(tunit *t, func *fn)
{
    warn_at(fn->fallback_at, "%s in %s: the function has no adaptation points", fn->fallback_why, fn->name);
    const char *inner_prefix = "__mt_nc_";
    CXSourceLocation loc = clang_getCursorLocation(fn->cursor);
    unsigned off;
    clang_getFileLocation(loc, NULL, NULL, NULL, &off);
    char inner[300];
    snprintf(inner, sizeof inner, "%s%s", inner_prefix, fn->name);
    if (fn->is_variadic) {
        ed_text(ed_add(&t->eb, fn->body_start + 1, fn->body_start + 1, 0), " mt_callback_enter();");
        sb_printf(&t->reg, "    /* %s is variadic: not wrapped */\n", fn->name);
        return;
    }
    ed_text(ed_add(&t->eb, off, off + (unsigned)strlen(fn->name), 0), inner);
    strbuf b = { 0 };
    const char *outer = fn->is_main ? "__mt_user_main" : fn->name;
    strbuf params = { 0 }, args = { 0 };
    CXType ft = clang_getCursorType(fn->cursor);
    int n = clang_getNumArgTypes(ft);
    for (int i = 0; i < n; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "__mt_a%d", i);
        char *d = declarator(clang_getArgType(ft, (unsigned)i), nm);
        sb_printf(&params, "%s%s", i ? ", " : "", d);
        sb_printf(&args, "%s%s", i ? ", " : "", nm);
        free(d);
    }
    char *ret = declarator(fn->ret, "");
    sb_printf(&b, "\n%s%s %s(%s)\n{\n    mt_callback_enter();\n", fn->is_static || fn->is_main ? "static " : "",
              ret, outer, n ? params.s : "void");
    if (fn->ret_void)
        sb_printf(&b, "    %s(%s);\n    mt_callback_leave();\n}\n", inner, n ? args.s : "");
    else {
        char *r = declarator(fn->ret, "__mt_r");
        sb_printf(&b, "    %s = %s(%s);\n    mt_callback_leave();\n    return __mt_r;\n}\n", r, inner, n ? args.s : "");
        free(r);
    }
    free(ret);
    free(params.s);
    free(args.s);
    ed_text(ed_add(&t->eb, fn->body_end, fn->body_end, 50), b.s);
    char proto_name[300];
    snprintf(proto_name, sizeof proto_name, "%s", inner);
    char *proto = declarator(ft, proto_name);
    char pro[700];
    snprintf(pro, sizeof pro, "\nstatic %s;\n", proto);
    free(proto);
    ed_text(ed_add(&t->eb, cur_start(fn->cursor), cur_start(fn->cursor), -20), pro);
    free(b.s);
    sb_printf(&t->reg, "    if (mt_register_function(\"%s\", (void (*)(void))%s, &err) < 0) goto fail;\n",
              fn->reg_name, outer);
}

static void transform_function(tunit *t, CXCursor c)
{
    func *fn = new_func(t, c);
    t->funcs = xrealloc(t->funcs, (size_t)(t->nfuncs + 1) * sizeof *t->funcs);
    t->funcs[t->nfuncs++] = fn;
    t->cur_fn_decl = c;
    CXCursor body = body_of(c);
    analyze(t, fn, body);
    for (int i = 0; i < fn->nvars; i++)
        fn->npinned += fn->vars[i].pinned;
    int first_edit = t->eb.nedits;
    int strings_before = t->nstrings;
    size_t reg_before = t->reg.len;
    if (!fn->fallback) {
        walk w = { .t = t, .fn = fn, .anchor = body };
        for (int i = 0; i < fn->nvars; i++)
            if (fn->vars[i].is_param)
                scope_push(&w, i);
        w.nscope = 0;  /* parameters are saved separately */
        visit(&w, body, 0, 0, 0);
        free(w.scope);
        free(w.anc);
    }
    const char *pin_ref = NULL;
    if (!fn->fallback) {
        const char *why = register_records(t, fn, &pin_ref);
        if (why)
            set_fallback(fn, c, why);
    }
    if (fn->fallback) {
        t->eb.nedits = first_edit;  /* undo this function's rewriting */
        t->nstrings = strings_before;
        t->reg.len = reg_before;
        if (t->reg.s)
            t->reg.s[reg_before] = '\0';
        emit_fallback(t, fn);
        return;
    }
    if (fn->is_main) {
        unsigned off;
        clang_getFileLocation(clang_getCursorLocation(c), NULL, NULL, NULL, &off);
        ed_text(ed_add(&t->eb, off, off + 4, 0), "__mt_user_main");
    }
    emit_prologue(t, fn, pin_ref);
    strbuf b = { 0 };
    declare_locals(fn, &b, 0, pin_ref);
    edit *e = ed_add(&t->eb, fn->body_start + 1, fn->body_start + 1, -1000);
    e->segs = xrealloc(e->segs, sizeof *e->segs);
    memset(e->segs, 0, sizeof *e->segs);
    e->segs[0].kind = SEG_NORMAL_ONLY;
    e->segs[0].text = xstrdup(b.s ? b.s : "");
    e->nsegs = 1;
    free(b.s);
    strbuf tail = { 0 };
    if (fn->npinned)
        sb_put(&tail, " mt_pin_leave(__mt_p);");
    if (fn->is_main && !fn->ret_void)
        sb_put(&tail, " return 0;");
    if (tail.s)
        ed_text(ed_add(&t->eb, fn->body_end - 1, fn->body_end - 1, 1 << 28), tail.s);
    free(tail.s);
    emit_twin(t, fn);
}

/* ---- globals and the registration function -------------------------------------------------- */

static void register_global(tunit *t, CXCursor c)
{
    enum CX_StorageClass sc = clang_Cursor_getStorageClass(c);
    if (sc == CX_SC_Extern)
        return;
    char *name = spell(c);
    /* a tentative definition and a definition of one variable: once */
    for (int i = 0; i < t->nglobals; i++)
        if (strcmp(t->globals[i], name) == 0) {
            free(name);
            return;
        }
    t->globals = xrealloc(t->globals, (size_t)(t->nglobals + 1) * sizeof *t->globals);
    t->globals[t->nglobals++] = xstrdup(name);
    CXType ty = clang_getCursorType(c);
    unsigned long long count;
    const char *why, *ref = tr_ref(t->tr, ty, &count, &why);
    char reg[400];
    snprintf(reg, sizeof reg, sc == CX_SC_Static ? "%s:%s" : "%s%s", sc == CX_SC_Static ? t->base : "", name);
    CXType elem = clang_getCanonicalType(ty);
    while (elem.kind == CXType_ConstantArray)
        elem = clang_getCanonicalType(clang_getArrayElementType(elem));
    int constant = clang_isConstQualifiedType(elem);
    if (ref)
        sb_printf(&t->reg, "    if (mt_register_%s(\"%s\", (void *)&%s, %s, %llu, &err) < 0) goto fail;\n",
                  constant ? "constant" : "global", reg, name, ref, count);
    else {
        warn_at(c, "global %s is saved as raw bytes: %s", name, why);
        sb_printf(&t->reg, "    if (mt_register_global_bytes(\"%s\", (void *)&%s, sizeof %s, &err) < 0) goto fail;\n",
                  reg, name, name);
    }
    free(name);
}

/* String literals in a global's initializer become registered arrays. */
static void hoist_global_strings(tunit *t, CXCursor c)
{
    walk w = { .t = t };
    func dummy = { 0 };
    w.fn = &dummy;
    t->cur_fn_decl = c;
    CXCursor init = clang_Cursor_getVarDeclInitializer(c);
    if (clang_Cursor_isNull(init))
        return;
    if (clang_getCanonicalType(clang_getCursorType(c)).kind == CXType_ConstantArray &&
        clang_getCursorKind(init) == CXCursor_StringLiteral)
        return;
    w.anc = xcalloc(1, sizeof *w.anc);
    w.capanc = 1;
    w.anc[w.nanc++] = c;
    /* only literals, not calls: a global initializer is constant */
    kids stack = children(c);
    for (int i = 0; i < stack.n; i++) {
        CXCursor k = stack.c[i];
        if (clang_getCursorKind(k) == CXCursor_StringLiteral) {
            w.nanc = 0;
            hoist_string(&w, k);
        } else {
            kids more = children(k);
            for (int j = 0; j < more.n; j++) {
                stack.c = xrealloc(stack.c, (size_t)(stack.n + 1) * sizeof *stack.c);
                stack.c[stack.n++] = more.c[j];
            }
            free(more.c);
        }
    }
    free(stack.c);
    free(w.anc);
}

/* The program identity hashes the user's own source files as written
 * (not as expanded: system macros such as PRIu64 differ between ABIs), so
 * every ABI's build of one source agrees and any edit changes it. */
static void note_source_file(tunit *t, CXCursor c)
{
    CXString file;
    unsigned line, col;
    clang_getPresumedLocation(clang_getCursorLocation(c), &file, &line, &col);
    const char *name = clang_getCString(file);
    int known = 0;
    for (int i = 0; i < t->nfiles && !known; i++)
        known = strcmp(t->files[i], name) == 0;
    if (!known && *name) {
        t->files = xrealloc(t->files, (size_t)(t->nfiles + 1) * sizeof *t->files);
        t->files[t->nfiles++] = xstrdup(name);
    }
    clang_disposeString(file);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint64_t hash_sources(tunit *t)
{
    qsort(t->files, (size_t)t->nfiles, sizeof *t->files, by_name);
    uint64_t h = 0;
    for (int i = 0; i < t->nfiles; i++) {
        FILE *f = fopen(t->files[i], "rb");
        if (!f)
            fatal("cannot read %s to compute the program identity", t->files[i]);
        strbuf b = { 0 };
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            sb_putn(&b, buf, n);
        fclose(f);
        const char *slash = strrchr(t->files[i], '/');
        const char *base = slash ? slash + 1 : t->files[i];
        h = XXH3_64bits_withSeed(base, strlen(base), h);
        h = XXH3_64bits_withSeed(b.s ? b.s : "", b.len, h);
        free(b.s);
    }
    return h;
}

static enum CXChildVisitResult top_level(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    tunit *t = data;
    if (in_system_header(c))
        return CXChildVisit_Continue;
    note_source_file(t, c);
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_FunctionDecl && clang_isCursorDefinition(c))
        transform_function(t, c);
    else if (k == CXCursor_VarDecl) {
        hoist_global_strings(t, c);
        register_global(t, c);
    }
    return CXChildVisit_Continue;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fatal("cannot read %s", path);
    strbuf b = { 0 };
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_putn(&b, buf, n);
    fclose(f);
    *len = b.len;
    return b.s ? b.s : xstrdup("");
}

static void emit_registration(tunit *t, strbuf *out, int has_main, func *main_fn)
{
    sb_printf(out, "\n\n/* ---- generated by mtcc: registration of %s ---- */\n", t->base);
    sb_printf(out, "__attribute__((constructor)) static void __mt_register_unit(void)\n{\n"
                   "    mt_error err;\n    const mt_type *__mt_char = mt_type_scalar(\"char\", MT_CLASS_BYTES, 1, 1);\n"
                   "    (void)__mt_char;\n");
    tr_emit(t->tr, out);
    if (t->reg.s)
        sb_put(out, t->reg.s);
    sb_printf(out, "    mt_add_program_part(0x%016llxull);\n    return;\nfail:\n    mt_die(&err);\n}\n",
              (unsigned long long)t->hash);
    if (!has_main)
        return;
    CXType ft = clang_getCursorType(main_fn->cursor);
    int nargs = clang_getNumArgTypes(ft);
    sb_put(out, "static int __mt_main_adapter(int argc, char **argv)\n{\n");
    if (nargs == 0)
        sb_put(out, "    (void)argc; (void)argv;\n    return __mt_user_main();\n}\n");
    else if (nargs == 2)
        sb_put(out, "    return __mt_user_main(argc, argv);\n}\n");
    else
        sb_put(out, "    extern char **environ;\n    return __mt_user_main(argc, argv, environ);\n}\n");
    sb_printf(out, "int main(int argc, char **argv)\n{\n    return mt_run_main(argc, argv, __mt_main_adapter, %s);\n}\n",
              main_fn->fallback ? "0" : "(int (*)(void))__mt_twin_main");
}

char *transform_file(const char *ipath, const char *orig_name, const char *triple, char **extra_args,
                     int nextra)
{
    tunit t = { 0 };
    const char *slash = strrchr(orig_name, '/');
    t.base = slash ? slash + 1 : orig_name;
    t.eb.src = read_file(ipath, &t.eb.len);
    t.tr = tr_new(t.base);
    const char *fixed[] = { "-x", "c", "-target", triple, "-D_Float32=float", "-D_Float64=double", "-D_Float32x=double",
                            "-D_Float64x=long double", "-D_Float128=__float128", "-D__malloc__(...)=__malloc__",
                            "-Wno-everything" };
    int nfixed = (int)(sizeof fixed / sizeof fixed[0]);
    const char **args = xcalloc((size_t)(nfixed + nextra + 1), sizeof *args);
    for (int i = 0; i < nfixed; i++)
        args[i] = fixed[i];
    for (int i = 0; i < nextra; i++)
        args[nfixed + i] = extra_args[i];
    CXIndex index = clang_createIndex(0, 0);
    CXTranslationUnit tu = NULL;
    enum CXErrorCode ec = clang_parseTranslationUnit2(index, ipath, args, nfixed + nextra, NULL, 0,
                                                      CXTranslationUnit_KeepGoing, &tu);
    if (ec != CXError_Success || !tu)
        fatal("libclang could not parse %s", orig_name);
    int errors = 0;
    for (unsigned i = 0; i < clang_getNumDiagnostics(tu); i++) {
        CXDiagnostic d = clang_getDiagnostic(tu, i);
        if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
            /* the original file and line, from the preprocessor's markers */
            CXString file, text = clang_getDiagnosticSpelling(d);
            unsigned line, col;
            clang_getPresumedLocation(clang_getDiagnosticLocation(d), &file, &line, &col);
            fprintf(stderr, "%s:%u:%u: error: %s\n", clang_getCString(file), line, col, clang_getCString(text));
            clang_disposeString(file);
            clang_disposeString(text);
            errors++;
        }
        clang_disposeDiagnostic(d);
    }
    if (errors)
        fatal("%s does not parse; not transformed", orig_name);
    t.tu = tu;
    clang_visitChildren(clang_getTranslationUnitCursor(tu), top_level, &t);
    t.hash = hash_sources(&t);
    func *main_fn = NULL;
    for (int i = 0; i < t.nfuncs; i++)
        if (t.funcs[i]->is_main)
            main_fn = t.funcs[i];
    strbuf head = { 0 };
    sb_printf(&head, "#include \"migthread-gen.h\"\nstatic const mt_type *__mt_ty[%d];\n", tr_count(t.tr) + 1);
    ed_text(ed_add(&t.eb, 0, 0, -(1 << 30)), head.s);
    free(head.s);
    strbuf out = { 0 };
    ed_render(&t.eb, 0, (unsigned)t.eb.len, 0, &out);
    emit_registration(&t, &out, main_fn != NULL, main_fn);
    clang_disposeTranslationUnit(tu);
    clang_disposeIndex(index);
    free(args);
    return out.s;
}
