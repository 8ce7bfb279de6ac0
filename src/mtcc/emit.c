/* emit.c: the code around a transformed function: the frame and pinned
 * record types, the out-of-line save helpers, the resume sites as rendered
 * in the function and in its twin, the twin itself, and the wrapper of a
 * function that falls back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"

/* " dst = src;", or a memcpy for an object that cannot be assigned (a
 * struct with a const member, an unpinned array): how mtcc's code copies a saved value. */
static void copy_value(strbuf *out, const char *dst, const char *src, CXType t)
{
    if (not_assignable(t) || clang_getCanonicalType(t).kind == CXType_ConstantArray)
        sb_printf(out, " __builtin_memcpy((void *)&%s, (const void *)&%s, sizeof %s);", dst, src, dst);
    else
        sb_printf(out, " %s = %s;", dst, src);
}

/* ---- emitting a site (edit.c calls this while rendering) --------------------------- */

/* 1 when v is an array local kept out of the pinned record
 * (unpin_local_arrays): saved and reloaded by value with memcpy. */
static int is_local_array(const var *v)
{
    return !v->is_param && !v->pinned && !v->is_static &&
           clang_getCanonicalType(v->type).kind == CXType_ConstantArray;
}

/* 1 when variable i is saved at site s and reloaded there in the twin:
 * a parameter or a local in scope there, not pinned (its record is saved
 * whole), and live after the site (live.c). */
static int site_saves(const site *s, int i)
{
    const var *v = &s->fn->vars[i];
    if (v->pinned || v->is_static || !s->live[i])
        return 0;
    if (v->is_param)
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
        char *d = declare ? var_declarator(v, v->member) : NULL;
        if (!declare && is_local_array(v))
            sb_printf(out, "%s__mt_c_%s", first ? "" : ", ", v->member);  /* its copy (array_copies) */
        else
            sb_printf(out, "%s%s", first ? "" : ", ", declare ? d : v->name);
        free(d);
        first = 0;
    }
    for (int i = 0; i < fn->ntemps; i++) {
        if (!s->live_temp[i])
            continue;
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
    char dst[340];
    for (int i = 0; i < fn->nvars; i++)
        if (site_saves(s, i) && is_local_array(&fn->vars[i]))  /* its parameter points to a copy */
            sb_printf(out, " __builtin_memcpy((void *)__mt_s->%s, (const void *)%s, sizeof __mt_s->%s);",
                      fn->vars[i].member, fn->vars[i].member, fn->vars[i].member);
        else if (site_saves(s, i)) {
            snprintf(dst, sizeof dst, "__mt_s->%s", fn->vars[i].member);
            copy_value(out, dst, fn->vars[i].member, fn->vars[i].type);
        }
    for (int i = 0; i < fn->ntemps; i++)
        if (s->live_temp[i]) {
            snprintf(dst, sizeof dst, "__mt_s->%s", fn->temps[i]);
            copy_value(out, dst, fn->temps[i], fn->temp_types[i]);
        }
    if (fn->npinned)
        sb_put(out, " __mt_s->__mt_p = __mt_p;");
    sb_put(out, "\n    return 1;\n}\n");
}

/* The copies of the unpinned arrays site s saves, taken before its save
 * helper is called with them: the array itself is never passed, so its
 * address does not escape and the compiler may keep it in registers. */
static int array_copies(site *s, strbuf *out)
{
    func *fn = s->fn;
    int n = 0;
    for (int i = 0; i < fn->nvars; i++)
        if (site_saves(s, i) && is_local_array(&fn->vars[i])) {
            sb_printf(out, "%s__typeof__(%s) __mt_c_%s; __builtin_memcpy((void *)__mt_c_%s, (const void *)%s, sizeof %s); ",
                      n ? "" : "{ ", fn->vars[i].name, fn->vars[i].member, fn->vars[i].member,
                      fn->vars[i].name, fn->vars[i].name);
            n++;
        }
    return n;
}

static void save_code(site *s, strbuf *out)
{
    func *fn = s->fn;
    strbuf copies = { 0 };
    if (array_copies(s, &copies))
        sb_printf(out, "if (MT_UNLIKELY(mt_state_busy())) %sif (__mt_save_%s_%d(", copies.s, fn->cname, s->no);
    else
        sb_printf(out, "if (MT_UNLIKELY(mt_state_busy()) && __mt_save_%s_%d(", fn->cname, s->no);
    saved_values(s, out, 0);
    sb_put(out, ")) ");
    if (fn->ret_void)
        sb_put(out, "return;");
    else {
        char *z = declarator(fn->ret, "__mt_z");
        sb_printf(out, "{ %s = {0}; return __mt_z; }", z);
        free(z);
    }
    if (copies.s)
        sb_put(out, " }");
    free(copies.s);
}

/* Reloads what the site saved. In the call (in_call), the site's own
 * temporary is about to be assigned by the callee's twin: not reloaded. */
static void restore_code(site *s, int in_call, strbuf *out)
{
    func *fn = s->fn;
    char src[340];
    for (int i = 0; i < fn->nvars; i++)
        if (site_saves(s, i)) {
            snprintf(src, sizeof src, "__mt_f->%s", fn->vars[i].member);
            copy_value(out, fn->vars[i].name, src, fn->vars[i].type);
        }
    for (int i = 0; i < fn->ntemps; i++)
        if (s->live_temp[i] && !(in_call && i == s->temp_index)) {
            snprintf(src, sizeof src, "__mt_f->%s", fn->temps[i]);
            copy_value(out, fn->temps[i], src, fn->temp_types[i]);
        }
    if (fn->npinned)
        sb_put(out, " __mt_p = __mt_f->__mt_p;");
    sb_put(out, " mt_frame_release(__mt_f);");
}

/* "call;" or "temp = call;", the value taken through a local of its own
 * type when the temporary cannot be assigned (a struct with a const
 * member: initialized, then copied). */
static void call_statement(const site *s, const char *call, strbuf *out)
{
    if (!s->temp)
        sb_printf(out, "%s;", call);
    else if (not_assignable(s->fn->temp_types[s->temp_index]))
        sb_printf(out, "{ __typeof__(%s) __mt_v = %s; __builtin_memcpy((void *)&%s, (const void *)&__mt_v, sizeof __mt_v); }",
                  s->temp, call, s->temp);
    else
        sb_printf(out, "%s = %s;", s->temp, call);
}

void emit_site(editbuf *eb, site *s, strbuf *out)
{
    strbuf call = { 0 };
    if (s->kind == SITE_CALL)
        ed_render(eb, s->call_start, s->call_end, 1, &call);
    if (s->kind == SITE_CALL && eb->twin) {
        sb_printf(out, "if (0) { __mt_in_%d:", s->no);
        restore_code(s, 1, out);
        sb_put(out, " ");
        strbuf resumed = { 0 };
        if (s->reissue) {
            sb_put(&resumed, call.s);
        } else if (s->direct_twin) {
            sb_printf(&resumed, "%s()", s->direct_twin);
        } else {
            strbuf callee = { 0 };
            ed_render(eb, s->callee_start, s->callee_end, 3, &callee);
            sb_printf(&resumed, "((%s)mt_twin_of((void (*)(void))(%s)))()", s->fnptr_type, callee.s ? callee.s : "");
            free(callee.s);
        }
        call_statement(s, resumed.s, out);
        free(resumed.s);
        sb_put(out, " } else ");
        call_statement(s, call.s, out);
        sb_put(out, " ");
    } else if (s->kind == SITE_CALL) {
        call_statement(s, call.s, out);
        sb_put(out, " ");
    }
    save_code(s, out);
    if (eb->twin) {
        sb_printf(out, " if (0) { __mt_af_%d:", s->no);
        restore_code(s, 0, out);
        sb_put(out, " }");
    }
    sb_put(out, " ");
    free(call.s);
}

/* ---- per function ------------------------------------------------------------------------ */

/* The head of a function of fn's return type named name with parameters
 * params: "long name(int a)", or "int (*name(int a))(int, int)" for a
 * function returning a function pointer, whose name and parameters go
 * inside the return type's declarator. NULL when the type has no name. */
static char *fn_head(const func *fn, const char *name, const char *params)
{
    char *inner = xcalloc(1, strlen(name) + strlen(params) + 3);
    sprintf(inner, "%s(%s)", name, params);
    char *head = declarator(fn->ret, inner);
    free(inner);
    return head;
}

/* 1 when the function is declared not to return: the attribute shows in
 * its type, C11's _Noreturn only among its tokens before its name. */
static int declared_noreturn(tunit *t, CXCursor c)
{
    CXString sp = clang_getTypeSpelling(clang_getCursorType(c));
    int yes = strstr(clang_getCString(sp), "noreturn") != NULL;
    clang_disposeString(sp);
    unsigned name_at;
    clang_getFileLocation(clang_getCursorLocation(c), NULL, NULL, NULL, &name_at);
    CXToken *toks;
    unsigned n;
    clang_tokenize(t->tu, clang_getCursorExtent(c), &toks, &n);
    for (unsigned i = 0; i < n && !yes; i++) {
        unsigned off;
        clang_getFileLocation(clang_getTokenLocation(t->tu, toks[i]), NULL, NULL, NULL, &off);
        if (off >= name_at)
            break;
        CXString ts = clang_getTokenSpelling(t->tu, toks[i]);
        yes = strcmp(clang_getCString(ts), "_Noreturn") == 0;
        clang_disposeString(ts);
    }
    clang_disposeTokens(t->tu, toks, n);
    return yes;
}

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
    /* libclang calls a definition without a prototype (int main(),
     * int f(a) int a; {...}) variadic: it is not, its parameters are the
     * ones it names */
    fn->is_variadic = ft.kind == CXType_FunctionProto && clang_isFunctionTypeVariadic(ft);
    fn->unprototyped = ft.kind == CXType_FunctionNoProto;
    /* The parameters as the declaration lists them: among the cursor's
     * children are also the unnamed parameters of a returned function
     * pointer's type, int (*pick(int k))(int, int). */
    int nargs = clang_Cursor_getNumArguments(c);
    for (int i = 0; i < nargs; i++) {
        CXCursor p = clang_Cursor_getArgument(c, (unsigned)i);
        int vi = add_var(fn, p, 1);
        /* char *argv[] is a char ** (libclang gives the type as written) */
        enum CXTypeKind k = clang_getCanonicalType(fn->vars[vi].type).kind;
        fn->vars[vi].decayed = k == CXType_IncompleteArray || k == CXType_ConstantArray || k == CXType_VariableArray;
        if (!*fn->vars[vi].name)
            set_fallback(fn, c, "an unnamed parameter");
    }
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        if (clang_getCursorKind(ch.c[i]) == CXCursor_CompoundStmt) {
            fn->body_start = cur_start(ch.c[i]);
            fn->body_end = cur_end(ch.c[i]);
        }
    free(ch.c);
    if (fn->is_variadic)
        set_fallback(fn, c, "a variadic function");
    fn->no_return = declared_noreturn(t, c);
    if (fn->no_return)  /* an unwinding capture would return from it */
        set_fallback(fn, c, "a function declared noreturn");
    char *named = fn_head(fn, "x", "void");
    if (!named)
        set_fallback(fn, c, "a return type that cannot be named");
    free(named);
    return fn;
}

/* "RT __mt_twin_f(void)": the twin returns what the function returns. */
static char *twin_head(const func *fn)
{
    char name[300];
    snprintf(name, sizeof name, "__mt_twin_%s", fn->cname);
    return fn_head(fn, name, "void");
}

/* The text before a transformed function: prototypes, records, its info. */
static void emit_prologue(tunit *t, func *fn, const char *pin_ref)
{
    strbuf b = { 0 };
    char *proto = proto_declarator(clang_getCursorType(fn->cursor), fn->is_main ? "__mt_user_main" : fn->name);
    char *twin = twin_head(fn);
    sb_printf(&b, "\n%s%s;\nstatic %s;\n", fn->is_static ? "static " : "", proto, twin);
    free(proto);
    free(twin);
    if (fn->npinned) {
        sb_printf(&b, "struct __mt_pin_%s {", fn->cname);
        for (int i = 0; i < fn->nvars; i++)
            if (fn->vars[i].pinned) {
                char *d = var_declarator(&fn->vars[i], fn->vars[i].member);
                sb_printf(&b, " %s;", d);
                free(d);
            }
        sb_put(&b, " };\n");
    }
    sb_printf(&b, "struct __mt_frame_%s { char __mt_unused;", fn->cname);
    for (int i = 0; i < fn->nvars; i++)
        if (!fn->vars[i].pinned && !fn->vars[i].is_static) {
            char *d = var_declarator(&fn->vars[i], fn->vars[i].member);
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
    sibling_prototype(fn, &b);
    for (int i = 0; i < fn->nsites; i++)
        save_helper(fn->sites[i], &b);
    unsigned at = cur_start(fn->cursor);
    ed_text(ed_add(&t->eb, at, at, ORDER_FN_PROLOGUE), b.s);
    free(b.s);
}

static void declare_locals(func *fn, strbuf *b, int twin, const char *pin_ref)
{
    if (twin)
        for (int i = 0; i < fn->nvars; i++)
            if (fn->vars[i].is_param && !fn->vars[i].vla_ptr) {  /* those after the pop (vla.c) */
                char *d = var_declarator(&fn->vars[i], fn->vars[i].name);
                sb_printf(b, " %s;", d);
                free(d);
            }
    if (!twin && fn->tail_op)  /* tailcall.c: what the jumps accumulated, in the type they compute in */
        sb_printf(b, " %s __mt_acc = %d;", tail_acc_type(fn), fn->tail_op == '*');
    if (fn->tail_countdown == 2 && !twin && fn->tail_chunk)
        ;  /* cut into chunks: polls once a chunk (tailchunk.c) */
    else if (fn->tail_countdown == 2 && !twin && fn->tail_unroll)  /* rounds of TAIL_COPIES turns (tailcall.c) */
        sb_printf(b, " unsigned __mt_cd = %d;", TAIL_TURNS_N / TAIL_COPIES);
    else if (fn->tail_countdown == 2)  /* not saved: a resumed loop polls a little later */
        sb_put(b, TAIL_COUNTDOWN);
    if (fn->loop_countdown)  /* rewrite.c: loops of short turns */
        sb_put(b, LOOP_COUNTDOWN);
    if (!twin && fn->tail_calls)
        sb_put(b, TAIL_LABEL);
    for (int i = 0; i < fn->ntemps; i++) {
        char *d = declarator(fn->temp_types[i], fn->temps[i]);
        sb_printf(b, " %s = {0};", d);  /* a known value, though only saved once assigned */
        free(d);
    }
    if (fn->npinned) {
        if (twin)
            sb_printf(b, " struct __mt_pin_%s *__mt_p;", fn->cname);
        else {
            int unions = 0;  /* what the runtime knew at the record's address is forgotten (unions.c) */
            for (int i = 0; i < fn->nvars; i++)
                unions |= fn->vars[i].pinned && holds_union(fn->vars[i].type);
            sb_printf(b, " struct __mt_pin_%s *__mt_p = mt_pin_enter%s(%s);", fn->cname, unions ? "_u" : "",
                      pin_ref);
            /* a parameter whose address is taken lives in the record from the start */
            for (int i = 0; i < fn->nvars; i++)
                if (fn->vars[i].is_param && fn->vars[i].pinned) {
                    char dst[340];
                    snprintf(dst, sizeof dst, "__mt_p->%s", fn->vars[i].member);
                    copy_value(b, dst, fn->vars[i].name, fn->vars[i].type);
                }
        }
    }
}

/* Registers the frame (and pinned record) types of a function. */
static const char *register_records(tunit *t, func *fn, const char **pin_ref_out)
{
    int n = 0;
    const char **names = xcalloc((size_t)(fn->nvars + fn->ntemps + 2), sizeof *names);
    CXType *types = xcalloc((size_t)(fn->nvars + fn->ntemps + 2), sizeof *types);
    unsigned char *addr = xcalloc((size_t)(fn->nvars + fn->ntemps + 2), 1);
    char cname[300], idname[300];
    const char *why = NULL;
    *pin_ref_out = NULL;
    if (fn->npinned) {
        for (int i = 0; i < fn->nvars; i++)
            if (fn->vars[i].pinned) {
                names[n] = fn->vars[i].member;
                types[n].kind = CXType_Invalid;  /* a decayed parameter: a data pointer */
                if (!fn->vars[i].decayed && !fn->vars[i].vla_ptr)
                    types[n] = fn->vars[i].type;
                addr[n] = (unsigned char)number_mark(fn->vars[i].decl);
                n++;
            }
        snprintf(cname, sizeof cname, "struct __mt_pin_%s", fn->cname);
        snprintf(idname, sizeof idname, "pin %s", fn->reg_name);
        const char *r = tr_struct(t->tr, cname, idname, n, names, types, addr, &why);
        if (!r) {
            free(names);
            free(types);
            free(addr);
            return why;
        }
        memset(addr, 0, (size_t)(fn->nvars + fn->ntemps + 2));
        *pin_ref_out = xstrdup(r);
        n = 0;
    }
    for (int i = 0; i < fn->nvars; i++)
        if (!fn->vars[i].pinned && !fn->vars[i].is_static) {
            names[n] = fn->vars[i].member;
            types[n].kind = CXType_Invalid;
            if (!fn->vars[i].decayed && !fn->vars[i].vla_ptr)
                types[n] = fn->vars[i].type;
            addr[n] = (unsigned char)number_mark(fn->vars[i].decl);
            n++;
        }
    for (int i = 0; i < fn->ntemps; i++) {
        names[n] = fn->temps[i];
        addr[n] = hidden_any() ? MARK_ADDRESS : fn->temp_marks[i];
        types[n++] = fn->temp_types[i];
    }
    if (fn->npinned) {
        names[n] = "__mt_p";
        types[n++].kind = CXType_Invalid;  /* a data pointer */
    }
    snprintf(cname, sizeof cname, "struct __mt_frame_%s", fn->cname);
    snprintf(idname, sizeof idname, "frame %s", fn->reg_name);
    const char *r = tr_struct(t->tr, cname, idname, n, names, types, addr, &why);
    free(names);
    free(types);
    free(addr);
    if (!r)
        return why;
    sb_printf(&t->reg, "    __mt_fi_%s.frame = %s;\n", fn->cname, r);
    sb_printf(&t->reg, "    if (mt_register_function_info(&__mt_fi_%s, &__mt_regerr) < 0) goto fail;\n", fn->cname);
    return NULL;
}

static void emit_twin(tunit *t, func *fn)
{
    strbuf b = { 0 };
    char *head = twin_head(fn);
    sb_printf(&b, "\nstatic %s\n{", head);
    free(head);
    declare_locals(fn, &b, 1, NULL);
    sibling_twin_entry(fn, &b);
    sb_printf(&b, " unsigned __mt_site; struct __mt_frame_%s *__mt_f = mt_frame_pop(&__mt_fi_%s, &__mt_site);\n",
              fn->cname, fn->cname);
    declare_vla_params(t, fn, &b);
    sb_put(&b, "    switch (__mt_site) {");
    for (int i = 0; i < fn->nsites; i++) {
        site *s = fn->sites[i];
        sb_printf(&b, " case %d: goto __mt_af_%d;", 2 * s->no, s->no);
        if (s->kind == SITE_CALL)
            sb_printf(&b, " case %d: goto __mt_in_%d;", 2 * s->no + 1, s->no);
    }
    sb_put(&b, " default: mt_frame_bad_site(); }\n");
    if (fn->tail_calls)  /* after the dispatch: a jump back must not pop again */
        sb_put(&b, TAIL_LABEL "\n");
    edit *e = ed_add(&t->eb, fn->body_end, fn->body_end, ORDER_TWIN);
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

/* 1 when every parameter's type can be written (a wrapper can declare it). */
static int params_writable(const func *fn)
{
    CXType ft = clang_getCursorType(fn->cursor);
    int n = clang_getNumArgTypes(ft);
    for (int i = 0; i < n; i++) {
        char *d = declarator(clang_getArgType(ft, (unsigned)i), "x");
        if (!d)
            return 0;
        free(d);
    }
    return 1;
}

/* A function mtcc cannot make safe: renamed, and wrapped so that no capture
 * starts while it runs (its callees see the callback depth raised). */
static void emit_fallback(tunit *t, func *fn)
{
    /* a leaf that calls nothing back never had an adaptation point, nor
     * anything that runs while it does: no capture to hold off */
    int leaf = fn->is_leaf && !calls_back(t, fn->cursor) && !fn->is_main;
    if (!leaf)
        warn_at(fn->fallback_at, "%s in %s: the function has no adaptation points", fn->fallback_why, fn->name);
    /* its static locals stay inside it, where no registration reaches */
    for (int i = 0; i < fn->nvars; i++)
        if (fn->vars[i].is_static)
            warn_at(fn->vars[i].decl, "static local %s in %s is not saved: a restore starts it afresh",
                    fn->vars[i].name, fn->name);
    const char *inner_prefix = "__mt_nc_";
    CXSourceLocation loc = clang_getCursorLocation(fn->cursor);
    unsigned off;
    clang_getFileLocation(loc, NULL, NULL, NULL, &off);
    char inner[300];
    snprintf(inner, sizeof inner, "%s%s", inner_prefix, fn->name);
    if (leaf) {  /* no wrapper to keep it from being inlined */
        sb_printf(&t->reg, "    if (mt_register_function(\"%s\", (void (*)(void))%s, &__mt_regerr) < 0) goto fail;\n",
                  fn->reg_name, fn->name);
        return;
    }
    if (fn->is_variadic || fn->unprototyped || fn->no_return || !params_writable(fn)) {
        /* no wrapper can pass its arguments on (a variadic function, an
         * unprototyped one, whose callers promote the arguments, a
         * variable-length array parameter) or should return (noreturn):
         * the body holds captures off */
        ed_text(ed_add(&t->eb, fn->body_start + 1, fn->body_start + 1, ORDER_PLAIN),
                " int __mt_cb __attribute__((cleanup(mt_callback_scope_end), unused)) ="
                " mt_callback_scope_begin();");
        if (fn->is_main)
            ed_text(ed_add(&t->eb, off, off + 4, ORDER_PLAIN), "__mt_user_main");
        sb_printf(&t->reg, "    if (mt_register_function(\"%s\", (void (*)(void))%s, &__mt_regerr) < 0) goto fail;\n",
                  fn->reg_name, fn->is_main ? "__mt_user_main" : fn->name);
        return;
    }
    ed_text(ed_add(&t->eb, off, off + (unsigned)strlen(fn->name), ORDER_PLAIN), inner);
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
    char *head = fn_head(fn, outer, n ? params.s : "void");
    sb_printf(&b, "\n%s%s\n{\n    mt_callback_enter();\n", fn->is_static || fn->is_main ? "static " : "", head);
    free(head);
    if (fn->ret_void)
        sb_printf(&b, "    %s(%s);\n    mt_callback_leave();\n}\n", inner, n ? args.s : "");
    else {
        char *r = declarator(fn->ret, "__mt_r");
        sb_printf(&b, "    %s = %s(%s);\n    mt_callback_leave();\n    return __mt_r;\n}\n", r, inner, n ? args.s : "");
        free(r);
    }
    free(args.s);
    ed_text(ed_add(&t->eb, fn->body_end, fn->body_end, ORDER_CALLBACK_WRAPPER), b.s);
    char proto_name[300];
    snprintf(proto_name, sizeof proto_name, "%s", inner);
    char *proto = proto_declarator(ft, proto_name);
    /* the wrapper's prototype too: the body may call itself through it */
    char *outer_head = fn_head(fn, outer, n ? params.s : "void");
    strbuf pro = { 0 };
    sb_printf(&pro, "\nstatic %s;\n%s%s;\n", proto, fn->is_static || fn->is_main ? "static " : "",
              outer_head);
    free(outer_head);
    free(params.s);
    free(proto);
    ed_text(ed_add(&t->eb, cur_start(fn->cursor), cur_start(fn->cursor), ORDER_FN_PROLOGUE), pro.s);
    free(pro.s);
    free(b.s);
    sb_printf(&t->reg, "    if (mt_register_function(\"%s\", (void (*)(void))%s, &__mt_regerr) < 0) goto fail;\n",
              fn->reg_name, outer);
}

/* In a program that looks at its own C stack (stackpeek.c) a local whose
 * address is taken stays where the plain build has it, on the C stack:
 * its captures are refused before any unwinding, so it is never saved. An
 * array, a const object and one holding a union keep their records
 * (their copies and initializers are written for a record). */
static int stays_on_c_stack(const var *v)
{
    CXType ct = clang_getCanonicalType(v->type);
    return ct.kind != CXType_ConstantArray && !not_assignable(v->type) && !holds_union(v->type);
}

/* 1 when a declaration of fn, from its start to its body or its end,
 * says noinline (or noipa, which implies it): inline would contradict it. */
static int says_noinline(tunit *t, CXCursor fn)
{
    for (CXCursor d = clang_getCanonicalCursor(fn); !clang_Cursor_isNull(d);) {
        unsigned from = cur_start(d), to = cur_end(d);
        CXCursor body = function_body(d);
        if (!clang_Cursor_isNull(body))
            to = cur_start(body);
        for (unsigned i = from; i < to && i < t->eb.len; i++)
            if (strncmp(t->eb.src + i, "noinline", 8) == 0 || strncmp(t->eb.src + i, "noipa", 5) == 0)
                return 1;
        if (same_cursor(d, fn))
            break;
        d = fn;  /* the prototype, then the definition */
    }
    return 0;
}

/* A static function called from one place only becomes inline (gcc
 * inlines such a function whatever its size when its body can go; the
 * registration's pointer to it and its caller's twin stop that): the
 * matrix-vector product, called once from main, kept its partial result
 * in memory, 1.13x the plain build's instructions. */
static void inline_called_once(tunit *t, func *fn, CXCursor c)
{
    if (fn->is_main || !called_once(t, c, fn->tail_calls) || says_noinline(t, c))
        return;
    unsigned at = cur_start(c);
    ed_text(ed_add(&t->eb, at, at, ORDER_PLAIN), "inline ");
}

void transform_function(tunit *t, CXCursor c)
{
    func *fn = new_func(t, c);
    t->funcs = xrealloc(t->funcs, (size_t)(t->nfuncs + 1) * sizeof *t->funcs);
    t->funcs[t->nfuncs++] = fn;
    t->cur_fn_decl = c;
    CXCursor body = function_body(c);
    analyze(t, fn, body);
    unpin_local_arrays(t, fn, body);
    /* No capture happens while a leaf runs (leaves.c), so no pointer to its
     * locals is ever saved: they stay ordinary locals, unpinned. */
    fn->is_leaf = is_leaf(t, c, NULL);
    int on_c_stack = stackpeek_found();
    for (int i = 0; i < fn->nvars; i++) {
        if (fn->is_leaf && !fn->vars[i].is_param && !holds_union(fn->vars[i].type))
            fn->vars[i].pinned = 0;  /* one holding a union keeps its record: entering it forgets stale members */
        else if (on_c_stack && stays_on_c_stack(&fn->vars[i]))
            fn->vars[i].pinned = 0;
        fn->npinned += fn->vars[i].pinned;
    }
    plan_vla_params(t, fn, body);
    plan_tail_calls(t, fn, body);
    plan_sibling_calls(t, fn, body);
    int first_edit = t->eb.nedits;
    int strings_before = t->nstrings;
    size_t reg_before = t->reg.len;
    if (!fn->fallback) {
        walk w = { .t = t, .fn = fn, .anchor.stmt = body };  /* parameters are saved separately: not in scope */
        begin_tail_loop(&w);
        visit(&w, body, VISIT_PART);
        free(w.scope);
        free(w.anc);
        free(w.loops);
        if (fn->is_leaf && fn->nsites && !fn->fallback)
            fatal("internal error: %s, found to be a leaf, has %d resume sites", fn->name, fn->nsites);
        add_accumulator(fn);
        liveness(fn, body);
    }
    const char *pin_ref = NULL;
    if (!fn->fallback) {
        tr_mark mark = tr_get_mark(t->tr);
        const char *why = register_records(t, fn, &pin_ref);
        if (why) {
            tr_rollback(t->tr, mark);  /* the pinned record's type may be described already */
            set_fallback(fn, c, why);
        }
    }
    if (fn->fallback) {
        t->eb.nedits = first_edit;  /* undo this function's rewriting */
        t->nstrings = strings_before;
        t->reg.len = reg_before;
        if (t->reg.s)
            t->reg.s[reg_before] = '\0';
        rewrite_fallback_calls(t, fn, body);
        emit_fallback(t, fn);
        return;
    }
    if (fn->is_main) {
        unsigned off;
        clang_getFileLocation(clang_getCursorLocation(c), NULL, NULL, NULL, &off);
        ed_text(ed_add(&t->eb, off, off + 4, ORDER_PLAIN), "__mt_user_main");
    }
    inline_called_once(t, fn, c);
    emit_prologue(t, fn, pin_ref);
    strbuf b = { 0 };
    declare_locals(fn, &b, 0, pin_ref);
    edit *e = ed_add(&t->eb, fn->body_start + 1, fn->body_start + 1, ORDER_LOCALS);
    e->segs = xrealloc(e->segs, sizeof *e->segs);
    memset(e->segs, 0, sizeof *e->segs);
    e->segs[0].kind = SEG_NORMAL_ONLY;
    e->segs[0].text = xstrdup(b.s ? b.s : "");
    e->nsegs = 1;
    free(b.s);
    tail_copies(fn, e);
    strbuf tail = { 0 };
    if (fn->npinned)
        sb_put(&tail, " mt_pin_leave(__mt_p);");
    if (fn->is_main && !fn->ret_void)
        sb_put(&tail, " return 0;");
    if (tail.s)
        ed_text(ed_add(&t->eb, fn->body_end - 1, fn->body_end - 1, ORDER_FN_TAIL), tail.s);  /* after every closer */
    free(tail.s);
    emit_twin(t, fn);
}

