/* rewrite.c: the second pass over a function body: lifts calls into
 * resume sites, places loop polls, rewrites pinned and static locals,
 * types heap allocations, guards callbacks and hoists string literals, all
 * as edits in the edit buffer (rendered later, twice for the twin). In a
 * function that falls back only its pthread and heap calls change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "heaptype.h"
#include "libspec.h"
#include "transform.h"

/* ---- pass 2: rewriting ------------------------------------------------------------------ */

void visit(walk *w, CXCursor c, int how);

/* A local that hides another of the same name (an outer local or a
 * parameter) is renamed, in its declaration and its uses (visit): a site
 * names the variables it saves, and there only the inner one would be
 * visible. Called before its declaration is written. */
void name_local(walk *w, int vi)
{
    func *fn = w->fn;
    var *nv = &fn->vars[vi];
    int hides = 0;
    for (int i = 0; i < w->nscope && !hides; i++)
        hides = strcmp(fn->vars[w->scope[i]].written, nv->written) == 0;
    for (int i = 0; i < fn->nvars && !hides; i++)
        hides = fn->vars[i].is_param && strcmp(fn->vars[i].written, nv->written) == 0;
    if (!hides || nv->is_param)
        return;
    char name[300];
    snprintf(name, sizeof name, "__mt_%s_%d", nv->written, vi);
    free(nv->name);
    nv->name = xstrdup(name);
    unsigned at;
    clang_getFileLocation(clang_getCursorLocation(nv->decl), NULL, NULL, NULL, &at);
    ed_text(ed_add(&w->t->eb, at, at + (unsigned)strlen(nv->written), ORDER_PLAIN), name);
}

void scope_push(walk *w, int vi)
{
    if (w->nscope == w->capscope) {
        w->capscope = w->capscope ? w->capscope * 2 : 16;
        w->scope = xrealloc(w->scope, (size_t)w->capscope * sizeof *w->scope);
    }
    w->scope[w->nscope++] = vi;
}

static void push_ancestor(walk *w, CXCursor c)
{
    if (w->nanc == w->capanc) {
        w->capanc = w->capanc ? w->capanc * 2 : 32;
        w->anc = xrealloc(w->anc, (size_t)w->capanc * sizeof *w->anc);
    }
    w->anc[w->nanc++] = c;
}

site *new_site(walk *w, int kind)
{
    func *fn = w->fn;
    site *s = xcalloc(1, sizeof *s);
    s->no = fn->nsites + 1;
    s->kind = kind;
    s->fn = fn;
    s->temp_index = -1;
    s->order = next_order(w);
    s->nloops = w->nloops;
    s->loops = xcalloc((size_t)(w->nloops ? w->nloops : 1), sizeof *s->loops);
    memcpy(s->loops, w->loops, (size_t)w->nloops * sizeof *s->loops);
    s->nvars = w->nscope;
    s->vars = xcalloc((size_t)(w->nscope ? w->nscope : 1), sizeof(int));
    memcpy(s->vars, w->scope, (size_t)w->nscope * sizeof(int));
    fn->sites = xrealloc(fn->sites, (size_t)(fn->nsites + 1) * sizeof *fn->sites);
    fn->sites[fn->nsites++] = s;
    return s;
}

char *new_temp(func *fn, CXType type, CXCursor value)
{
    char name[32];
    snprintf(name, sizeof name, "__mt_t%d", fn->ntemps + 1);
    fn->temps = xrealloc(fn->temps, (size_t)(fn->ntemps + 1) * sizeof *fn->temps);
    fn->temp_types = xrealloc(fn->temp_types, (size_t)(fn->ntemps + 1) * sizeof *fn->temp_types);
    fn->temp_marks = xrealloc(fn->temp_marks, (size_t)(fn->ntemps + 1));
    fn->temps[fn->ntemps] = xstrdup(name);
    fn->temp_types[fn->ntemps] = type;
    fn->temp_marks[fn->ntemps] = (unsigned char)(layout_value(value) ? MARK_LAYOUT : MARK_NONE);
    fn->ntemps++;
    return xstrdup(name);
}

int next_order(walk *w)
{
    if (w->fn->orders >= ORDER_SPAN - 16)
        fatal("%s is too large to transform (more than %d pieces of lifted code)", w->fn->name, ORDER_SPAN - 16);
    return w->order_base + ++w->fn->orders;
}

int closing_order(int depth, int slot)
{
    if (depth > MAX_DEPTH)
        fatal("statements nested more than %d deep", MAX_DEPTH);
    return CLOSING_TOP - ORDER_SPAN * depth + slot;
}

int moved_code_base(int depth)
{
    return closing_order(depth + 1, 8);
}

unsigned lift_point(walk *w)
{
    tunit *t = w->t;
    if (w->anchor.at_set)
        return w->anchor.at;
    unsigned at = cur_start(w->anchor.stmt);
    if (w->anchor.wrap) {
        ed_text(ed_add(&t->eb, at, at, ORDER_WRAP), "{ ");
        unsigned end = stmt_end(t, w->anchor.stmt);
        ed_text(ed_add(&t->eb, end, end, closing_order(w->anchor.depth, CLOSE_WRAP)), " }");
        w->anchor.wrap = 0;
    }
    return at;
}

/* Places a site's code before the anchor statement. */
static void before_anchor(walk *w, site *s)
{
    unsigned at = lift_point(w);
    s->pos = at;
    ed_site(ed_add(&w->t->eb, at, at, s->order), s);
}

/* The spec's declaration of a function whose calls get typed, tracked
 * replacements (libspec.c): the built-in ones for the library's functions
 * (opaque), and whatever a user's spec declares, the program's own
 * functions included. */
static const ls_entry *heap_call(const char *name, int opaque)
{
    const ls_entry *e = libspec_find(name);
    return e && e->verb != LS_KEEPS && (opaque || !e->builtin) ? e : NULL;
}

/* For a call to a library function a spec says keeps a pointer: the
 * statement that refuses every capture from then on (no restore can give
 * the library a translated copy), as "mt_hidden_unsafe(\"...\"), ";
 * else NULL. */
static char *keeps_prefix(CXCursor c, const char *name, int opaque)
{
    const ls_entry *e = libspec_find(name);
    if (!e || e->verb != LS_KEEPS || !opaque)
        return NULL;
    char *where = heap_where(c);
    strbuf b = { 0 };
    sb_printf(&b, "%s: %s keeps its argument %d, a pointer the library holds on to that no restore can translate (%s)",
              where, name, e->ptr, e->where);
    free(where);
    strbuf out = { 0 };
    sb_put(&out, "mt_hidden_unsafe(\"");
    for (const char *p = b.s; *p; p++)
        sb_printf(&out, "%c", *p == '"' || *p == '\\' ? '_' : *p);
    sb_put(&out, "\"), ");
    free(b.s);
    return out.s;
}

/* (PREFIX CALL): the call, after what prefix does. */
static void prefix_call(walk *w, CXCursor c, const char *prefix)
{
    edit *e = ed_add(&w->t->eb, cur_start(c), cur_end(c), ORDER_PLAIN);
    ed_text(e, "(");
    ed_text(e, prefix);
    ed_range(e, cur_start(c), cur_end(c));
    ed_text(e, ")");
}

/* The pthread, semaphore and sleep calls the runtime replaces (threads.c,
 * sync.c, libc_sleep.c). Blocking
 * ones are safe points: they get a resume site like a call to a
 * transformed function, and are called again on resume. */
typedef struct pthread_call {
    const char *name;
    int blocking;
} pthread_call;

static const pthread_call pthread_calls[] = {
    { "pthread_create", 0 }, { "pthread_join", 1 }, { "pthread_detach", 0 }, { "pthread_exit", 0 },
    { "pthread_self", 0 }, { "pthread_equal", 0 },
    { "pthread_mutex_init", 0 }, { "pthread_mutex_destroy", 0 }, { "pthread_mutex_lock", 1 },
    { "pthread_mutex_trylock", 0 }, { "pthread_mutex_unlock", 0 },
    { "pthread_cond_init", 0 }, { "pthread_cond_destroy", 0 }, { "pthread_cond_wait", 1 },
    { "pthread_cond_signal", 0 }, { "pthread_cond_broadcast", 0 }, { "pthread_cond_timedwait", 1 },
    { "pthread_barrier_init", 0 }, { "pthread_barrier_destroy", 0 }, { "pthread_barrier_wait", 1 },
    { "pthread_rwlock_init", 0 }, { "pthread_rwlock_destroy", 0 }, { "pthread_rwlock_rdlock", 1 },
    { "pthread_rwlock_wrlock", 1 }, { "pthread_rwlock_tryrdlock", 0 }, { "pthread_rwlock_trywrlock", 0 },
    { "pthread_rwlock_unlock", 0 }, { "pthread_once", 1 },
    { "sem_init", 0 }, { "sem_destroy", 0 }, { "sem_wait", 1 }, { "sem_trywait", 0 }, { "sem_timedwait", 1 },
    { "sem_post", 0 }, { "sem_getvalue", 0 },
    /* sleeps: a capture ends them (libc_sleep.c) */
    { "sleep", 1 }, { "usleep", 1 }, { "nanosleep", 1 }, { "clock_nanosleep", 1 },
    { NULL, 0 }
};

/* pthread and semaphore functions that work on the objects above or on
 * thread handles in ways the runtime does not model: refused rather than
 * run on state they would misread (sem_open's named semaphores live
 * outside the process). (Attribute calls and keys are left alone.) */
static int pthread_unsupported(const char *name)
{
    if (strncmp(name, "sem_", 4) == 0)
        return 1;
    static const char *const ok_prefixes[] = { "pthread_attr_", "pthread_mutexattr_", "pthread_condattr_",
                                               "pthread_barrierattr_", "pthread_rwlockattr_",
                                               "pthread_key_", "pthread_getspecific", "pthread_setspecific",
                                               "pthread_sigmask", "pthread_atfork", NULL };
    if (strncmp(name, "pthread_", 8) != 0)
        return 0;
    for (int i = 0; ok_prefixes[i]; i++)
        if (strncmp(name, ok_prefixes[i], strlen(ok_prefixes[i])) == 0)
            return 0;
    return 1;
}

static const pthread_call *find_pthread_call(const char *name)
{
    for (int i = 0; pthread_calls[i].name; i++)
        if (strcmp(name, pthread_calls[i].name) == 0)
            return &pthread_calls[i];
    return NULL;
}

int blocking_runtime_call(const char *name)
{
    const pthread_call *pc = find_pthread_call(name);
    return pc && pc->blocking;
}

/* Functions of the C standard library (C11 7.4 <ctype.h>, 7.12 <math.h>,
 * 7.22 <stdlib.h>'s conversions and arithmetic, 7.24 <string.h>) that
 * never call into the program: names reserved for the library, so a
 * program's own `extern double sqrt(double);` (old code writes that
 * rather than include <math.h>; Olden's bh and tsp do) declares the
 * library's function. (Those that take a callback, qsort and bsearch,
 * and those whose state the runtime keeps, libc.c, are not here.) */
static int standard_function(const char *name)
{
    static const char *const names[] = {
        "isalnum", "isalpha", "isblank", "iscntrl", "isdigit", "isgraph", "islower", "isprint", "ispunct",
        "isspace", "isupper", "isxdigit", "tolower", "toupper",
        "acos", "asin", "atan", "atan2", "cos", "sin", "tan", "acosh", "asinh", "atanh", "cosh", "sinh", "tanh",
        "exp", "exp2", "expm1", "frexp", "ilogb", "ldexp", "log", "log10", "log1p", "log2", "logb", "modf",
        "scalbn", "scalbln", "cbrt", "fabs", "hypot", "pow", "sqrt", "erf", "erfc", "lgamma", "tgamma",
        "ceil", "floor", "nearbyint", "rint", "lrint", "llrint", "round", "lround", "llround", "trunc",
        "fmod", "remainder", "remquo", "copysign", "nan", "nextafter", "nexttoward", "fdim", "fmax", "fmin",
        "fma", "sqrtf", "sinf", "cosf", "expf", "logf", "powf", "fabsf", "floorf", "ceilf", "atan2f",
        "atof", "atoi", "atol", "atoll", "strtod", "strtof", "strtold", "strtol", "strtoll", "strtoul",
        "strtoull", "abs", "labs", "llabs", "div", "ldiv", "lldiv",
        "memcpy", "memmove", "strcpy", "strncpy", "strcat", "strncat", "memcmp", "strcmp", "strcoll",
        "strncmp", "strxfrm", "memchr", "strchr", "strcspn", "strpbrk", "strrchr", "strspn", "strstr",
        "memset", "strlen", NULL };
    for (int i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

int library_callee(CXCursor callee)
{
    if (in_system_header(callee))
        return 1;
    char *name = spell(callee);
    /* the compiler's builtins: __builtin_*, and the atomic ones, which
     * must be called directly (never through a pointer, as a twin's
     * resume would) */
    int lib = strncmp(name, "__builtin", 9) == 0 || strncmp(name, "__sync_", 7) == 0 ||
              strncmp(name, "__atomic_", 9) == 0 || strncmp(name, "__c11_atomic_", 13) == 0;
    /* extern void *malloc(unsigned); written by the program itself, or an
     * implicit declaration: the C library's function all the same, unless
     * the unit defines it */
    if (!lib && (libspec_find(name) || find_pthread_call(name) || pthread_unsupported(name) ||
                 standard_function(name)))
        lib = clang_Cursor_isNull(clang_getCursorDefinition(callee));
    free(name);
    return lib;
}

/* The runtime function that does what a verb says, for a declared
 * function without a wrapper of its own. */
static const char *runtime_of(const ls_entry *fn)
{
    switch (fn->verb) {
    case LS_CALLOC: return "mt_calloc";
    case LS_REALLOC: return fn->count ? "mt_reallocarray" : "mt_realloc";
    case LS_FREE: return "mt_free";
    default: return "mt_malloc";
    }
}

/* The inline fast path (migthread-gen.h, migthread-heap.h) of a runtime
 * allocation function that has one: a malloc of a small block at a site
 * is then malloc, zeroing and one store into the heap table, a free one
 * tag. */
static const char *fast_of(const char *runtime)
{
    if (strcmp(runtime, "mt_malloc") == 0)
        return "mt_malloc_fast";
    if (strcmp(runtime, "mt_calloc") == 0)
        return "mt_calloc_fast";
    if (strcmp(runtime, "mt_free") == 0)
        return "mt_free_fast";
    return runtime;
}

/* Checks a declared function's parameters against its spec; 0 (after an
 * error) when its calls cannot be adapted. */
static int adaptable(CXCursor call, const ls_entry *fn, CXType ft)
{
    int nparams = clang_getNumArgTypes(ft);
    if (nparams < 0 || clang_isFunctionTypeVariadic(ft)) {
        error_at(call, "%s (declared at %s) needs a prototype with a fixed number of parameters", fn->name, fn->where);
        return 0;
    }
    int args[] = { fn->size, fn->count, fn->ptr };
    for (int i = 0; i < 3; i++)
        if (args[i] > nparams) {
            error_at(call, "%s names argument %d of %s, which takes %d", fn->where, args[i], fn->name, nparams);
            return 0;
        }
    return 1;
}

/* The statements of an adapter: the runtime's call with the declared
 * arguments (__a1, __a2, ...), the others only evaluated. */
static void adapter_body(strbuf *body, const ls_entry *fn, const char *runtime, int nparams)
{
    for (int i = 0; i < nparams; i++)
        sb_printf(body, "(void)__a%d; ", i + 1);
    if (fn->verb == LS_FREE)
        sb_printf(body, "mt_free_fast(__a%d);", fn->ptr);
    else if (fn->verb == LS_CALLOC)
        sb_printf(body, "return %s(__a%d, __a%d, __mt_t, __mt_s);", runtime, fn->count, fn->size);
    else if (fn->verb == LS_REALLOC && fn->count)
        sb_printf(body, "return %s(__a%d, __a%d, __a%d, __mt_t, __mt_s);", runtime, fn->ptr, fn->count, fn->size);
    else if (fn->verb == LS_REALLOC)
        sb_printf(body, "return %s(__a%d, __a%d, __mt_t, __mt_s);", runtime, fn->ptr, fn->size);
    else
        sb_printf(body, "return %s(__a%d, __mt_t, __mt_s);", runtime, fn->size);
}

/* The adapter's parameters: the declared function's, named __a1, __a2,
 * ..., and for an allocation the type and site; 0 when a type cannot be
 * named. */
static int adapter_params(strbuf *params, CXType ft, const ls_entry *fn)
{
    int nparams = clang_getNumArgTypes(ft);
    for (int i = 0; i < nparams; i++) {
        char pname[16];
        snprintf(pname, sizeof pname, "__a%d", i + 1);
        char *d = declarator(clang_getArgType(ft, (unsigned)i), pname);
        if (!d)
            return 0;
        sb_printf(params, "%s%s", i ? ", " : "", d);
        free(d);
    }
    if (fn->verb != LS_FREE)
        sb_printf(params, "%sconst mt_type *__mt_t, mt_site *__mt_s", nparams ? ", " : "");
    else if (nparams == 0)
        sb_put(params, "void");
    return 1;
}

/* Writes, before the function being rewritten, an adapter that takes the
 * declared function's arguments (and for an allocation the type and site)
 * and calls the runtime's function instead; returns its name, or NULL
 * after an error. The declared function is not called: the spec says it
 * only hands out, resizes or frees memory. */
static char *lib_adapter(tunit *t, CXCursor call, const ls_entry *fn, const char *runtime)
{
    static int adapters;  /* names stay unique across the units of one run */
    CXType ft = clang_getCursorType(clang_getCursorReferenced(call));
    if (!adaptable(call, fn, ft))
        return NULL;
    CXType rt = clang_getResultType(ft);
    char name[64];
    snprintf(name, sizeof name, "__mt_lib_%d", adapters++);
    strbuf params = { 0 }, body = { 0 }, text = { 0 };
    char *decl = NULL;
    if (!adapter_params(&params, ft, fn)) {
        error_at(call, "a parameter of %s (declared at %s) has a type mtcc cannot name", fn->name, fn->where);
    } else {
        char head[300];
        snprintf(head, sizeof head, "%s(%s)", name, params.s);
        /* a free that returns something: what it would return is not known */
        int free_void = fn->verb == LS_FREE && clang_getCanonicalType(rt).kind == CXType_Void;
        if (free_void || (fn->verb != LS_FREE && clang_getCanonicalType(rt).kind == CXType_Pointer))
            decl = declarator(rt, head);
        if (!decl)
            error_at(call, "%s (declared at %s) must return %s", fn->name, fn->where,
                     fn->verb == LS_FREE ? "void (what it returns is not known)" : "a pointer");
    }
    int made = decl != NULL;
    if (made) {
        adapter_body(&body, fn, runtime, clang_getNumArgTypes(ft));
        sb_printf(&text, "static __attribute__((unused)) %s { %s }\n", decl, body.s);
        unsigned at = cur_start(t->cur_fn_decl);
        ed_text(ed_add(&t->eb, at, at, ORDER_HOISTED), text.s);
    }
    free(text.s);
    free(decl);
    free(params.s);
    free(body.s);
    return made ? xstrdup(name) : NULL;
}

/* malloc(n) -> mt_malloc(n, TYPE, &SITE); a call to a function a user's
 * spec declares without a wrapper goes through an adapter (lib_adapter). */
static void rewrite_heap_call(walk *w, CXCursor c, const ls_entry *fn)
{
    tunit *t = w->t;
    kids ch = children(c);
    if (ch.n == 0) {
        free(ch.c);
        return;
    }
    unsigned name_start = cur_start(ch.c[0]), name_end = cur_end(ch.c[0]);
    free(ch.c);
    char *to;
    if (fn->verb == LS_FREE || fn->verb == LS_BYTES) {  /* text is bytes */
        to = fn->wrapper ? xstrdup(fast_of(fn->wrapper)) : lib_adapter(t, c, fn, "mt_free");
        if (to)
            ed_text(ed_add(&t->eb, name_start, name_end, ORDER_PLAIN), to);
        free(to);
        return;
    }
    char arg[160];
    CXType elem;  /* the element type when the block is an array of one type */
    heap_type_args(t, w->anc, w->nanc, c, fn, arg, sizeof arg, &elem);  /* heaptype.c */
    const char *runtime = fn->wrapper ? fn->wrapper : runtime_of(fn);
    if (elem.kind != CXType_Invalid)
        runtime = union_heap_wrapper(runtime, elem);
    runtime = fast_of(runtime);
    to = fn->wrapper ? xstrdup(runtime) : lib_adapter(t, c, fn, runtime);
    if (!to)
        return;
    ed_text(ed_add(&t->eb, name_start, name_end, ORDER_PLAIN), to);
    free(to);
    unsigned close = cur_end(c) - 1;  /* the ')' */
    ed_text(ed_add(&t->eb, close, close, ORDER_PLAIN), arg);
}

/* A call into code mtcc did not transform that may call back: it runs
 * with captures held off. A replacement of the call rather than insertions
 * around it, so that the call moves as one piece when its operand is
 * lifted (lift.c). */
static void guard_callback(walk *w, CXCursor c, const char *prefix)
{
    tunit *t = w->t;
    CXType rt = clang_getCursorType(c);
    edit *e = ed_add(&t->eb, cur_start(c), cur_end(c), ORDER_PLAIN);
    ed_text(e, "(");
    ed_text(e, prefix);  /* a kept pointer's refusal (keeps_prefix), or "" */
    if (same_cursor(w->anchor.stmt, c) || rt.kind == CXType_Void) {
        ed_text(e, "mt_callback_enter(), ");
        ed_range(e, cur_start(c), cur_end(c));
        ed_text(e, ", mt_callback_leave())");
        return;
    }
    char *tmp = new_temp(w->fn, rt, c);
    char text[64];
    snprintf(text, sizeof text, "mt_callback_enter(), %s = ", tmp);
    ed_text(e, text);
    ed_range(e, cur_start(c), cur_end(c));
    snprintf(text, sizeof text, ", mt_callback_leave(), %s)", tmp);
    ed_text(e, text);
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

static site *make_call_site(walk *w, CXCursor c, CXCursor callee)
{
    func *fn = w->fn;
    tunit *t = w->t;
    if (w->cond_ctx || w->loop_header) {
        set_fallback(fn, c, w->loop_header ? "a call in a loop header mtcc could not read"
                                           : "a call in an operand of a GNU conditional (a ?: b)");
        return NULL;
    }
    CXType rt = clang_getCursorType(c);
    char *fp = declarator(rt, "(*)(void)");
    if (!fp) {
        set_fallback(fn, c, "a call whose result type cannot be named");
        return NULL;
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
    if (rt.kind != CXType_Void) {
        s->temp = new_temp(fn, rt, c);
        s->temp_index = fn->ntemps - 1;
    }
    int whole_statement = same_cursor(w->anchor.stmt, c);
    before_anchor(w, s);
    if (s->temp && whole_statement) {  /* f(x); whose result is unused */
        char use[64];
        snprintf(use, sizeof use, "(void)%s", s->temp);
        ed_text(ed_add(&t->eb, s->call_start, s->call_end, ORDER_PLAIN), use);
    } else
        ed_replace_by_name(&t->eb, s->call_start, s->call_end, s->temp ? s->temp : "(void)0");
    return s;
}

static void refuse_pthread(CXCursor c, const char *name)
{
    error_at(c, "%s is not supported: MigThread models pthread_create, join, detach, exit, self, equal, mutexes, condition variables, barriers, rwlocks, once and unnamed semaphores", name);
}

/* pthread_mutex_lock(m) -> mt_pthread_mutex_lock(m) */
static void rename_pthread(walk *w, CXCursor c, const pthread_call *pc)
{
    kids ch = children(c);
    if (ch.n > 0) {
        char wrapper[64];
        snprintf(wrapper, sizeof wrapper, "mt_%s", pc->name);
        ed_text(ed_add(&w->t->eb, cur_start(ch.c[0]), cur_end(ch.c[0]), ORDER_PLAIN), wrapper);
    }
    free(ch.c);
}

/* A pthread call: renamed to the runtime's; a blocking one is a site. */
static void rewrite_pthread_call(walk *w, CXCursor c, const pthread_call *pc)
{
    rename_pthread(w, c, pc);
    if (!pc->blocking)
        return;
    site *s = make_call_site(w, c, clang_getNullCursor());
    if (s)
        s->reissue = 1;
}

/* sizeof, _Alignof: an operand that is not evaluated. */
static int is_unevaluated(tunit *t, CXCursor c)
{
    if (clang_getCursorKind(c) != CXCursor_UnaryExpr)
        return 0;
    char *tok = first_token(t->tu, c);
    int uneval = strcmp(tok, "sizeof") == 0 || strcmp(tok, "_Alignof") == 0 || strcmp(tok, "__alignof__") == 0;
    free(tok);
    return uneval;
}

/* A call to a function with no declaration in scope (getpid without
 * <unistd.h>, which C90 and gcc allow): the compiler declares it in the
 * calling function's block only, where the twin cannot see it, so the
 * implicit declaration is written out at file scope between the function
 * and its twin (the function itself keeps the compiler's diagnostic). */
static void declare_implicit(walk *w, CXCursor callee)
{
    CXCursor parent = clang_getCursorLexicalParent(callee);
    if (clang_getCursorKind(parent) == CXCursor_TranslationUnit ||
        !clang_Range_isNull(clang_getCursorExtent(callee)))
        return;  /* written by the program */
    char *name = spell(callee);
    char *decl = declarator(clang_getCursorType(callee), name);
    free(name);
    if (!decl)
        return;
    unsigned at = w->fn->body_end;
    edit *e = ed_add(&w->t->eb, at, at, ORDER_TWIN_DECLS);
    ed_text(e, "\n");
    ed_text(e, decl);
    ed_text(e, ";");
    free(decl);
}

static void visit_call(walk *w, CXCursor c)
{
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        visit(w, ch.c[i], VISIT_PART);
    free(ch.c);
    if (w->unevaluated)
        return;
    CXCursor callee = called_function(c);
    int direct = !clang_Cursor_isNull(callee);
    if (direct) {
        declare_implicit(w, callee);
        char *name = spell(callee);
        int opaque = library_callee(callee);
        const ls_entry *heap = heap_call(name, opaque);
        /* a redeclaration by the program after the system header's is the same function */
        int sys = opaque || in_system_header(clang_getCanonicalCursor(callee));
        const char *lib = sys ? libc_wrapper(callee, name) : NULL;
        const pthread_call *pc = opaque && !lib ? find_pthread_call(name) : NULL;
        if (opaque && !pc && !lib && pthread_unsupported(name))
            refuse_pthread(c, name);
        /* a kept pointer's refusal, for a call left as it is */
        char *kept = !lib && !heap && !pc ? keeps_prefix(c, name, opaque) : NULL;
        free(name);
        if (lib) {  /* C library state the runtime keeps */
            kids ch = children(c);
            if (ch.n > 0)
                ed_text(ed_add(&w->t->eb, cur_start(ch.c[0]), cur_end(ch.c[0]), ORDER_PLAIN), lib);
            free(ch.c);
            return;
        }
        if (heap) {
            rewrite_heap_call(w, c, heap);
            return;
        }
        if (pc) {
            rewrite_pthread_call(w, c, pc);
            return;
        }
        if (opaque) {
            if (passes_function(c))
                guard_callback(w, c, kept ? kept : "");
            else if (kept)
                prefix_call(w, c, kept);
            free(kept);
            return;
        }
        free(kept);
        int looping;
        if (is_leaf(w->t, callee, &looping)) {
            /* no site; the loop around it polls unless this is a leaf too
             * (leaves.c), or the loop is counted, the leaf has no loop and a
             * loop encloses it (or --leaf-loop-chunks): then it is cut into
             * chunks like an innermost one */
            int polls = looping || (!w->fn->is_leaf && !w->counted_body);
            w->leaf_calls += polls;
            w->short_leaf_calls += polls && !looping;
            return;
        }
    }
    make_call_site(w, c, callee);
}

/* 1 when the string literal being visited decays to a pointer (libclang
 * shows the decay as an UnexposedExpr of pointer type around it), rather
 * than filling a char array. */
static int decays_to_pointer(walk *w)
{
    if (w->nanc < 2)
        return 0;
    CXCursor parent = w->anc[w->nanc - 2];
    return clang_getCursorKind(parent) == CXCursor_UnexposedExpr &&
           clang_getCanonicalType(clang_getCursorType(parent)).kind == CXType_Pointer;
}

/* A string literal whose address may be kept: moved to a registered array. */
void hoist_string(walk *w, CXCursor c)
{
    tunit *t = w->t;
    CXType ty = clang_getCanonicalType(clang_getCursorType(c));
    if (ty.kind != CXType_ConstantArray)
        return;
    enum CXTypeKind ek = clang_getCanonicalType(clang_getArrayElementType(ty)).kind;
    if (ek != CXType_Char_S && ek != CXType_Char_U)
        return;
    if (t->eb.src[cur_start(c)] != '"')
        return;  /* __func__, __PRETTY_FUNCTION__ (assert's): not text mtcc can move */
    for (int i = w->nanc - 1; i >= 0; i--) {
        enum CXCursorKind k = clang_getCursorKind(w->anc[i]);
        if (k == CXCursor_UnexposedExpr || k == CXCursor_ParenExpr || k == CXCursor_StringLiteral)
            continue;
        if (k == CXCursor_CallExpr) {
            CXCursor callee = clang_getCursorReferenced(w->anc[i]);
            if (!clang_Cursor_isNull(callee) && in_system_header(callee))
                return;    /* printf("...") and friends keep no pointer */
        }
        if (k == CXCursor_InitListExpr && decays_to_pointer(w))
            break;  /* const char *names[] = { "a", "b" } */
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
    edit *e = ed_add(&t->eb, at, at, ORDER_HOISTED);
    char head[96];
    snprintf(head, sizeof head, "static char %s[] = ", name);
    ed_text(e, head);
    ed_range(e, cur_start(c), cur_end(c));
    ed_text(e, ";\n");
    ed_text(ed_add(&t->eb, cur_start(c), cur_end(c), ORDER_PLAIN), name);
    sb_printf(&t->reg, "    if (mt_register_constant(\"%s:str:%d\", %s, __mt_char, sizeof %s, &__mt_regerr) < 0) goto fail;\n",
              t->base, n, name, name);
}

/* The string literals in a static local's or a global's initializer
 * that decay to pointers ({ "a", "b" } for a const char *[]; libclang shows the decay
 * as an UnexposedExpr of pointer type) become registered arrays, as in
 * code; a literal that fills a char array stays as it is. */
void hoist_decaying_strings(walk *w, CXCursor c, CXCursor parent)
{
    if (clang_getCursorKind(c) == CXCursor_StringLiteral) {
        if (clang_getCursorKind(parent) == CXCursor_UnexposedExpr &&
            clang_getCanonicalType(clang_getCursorType(parent)).kind == CXType_Pointer) {
            int saved = w->nanc;
            w->nanc = 0;  /* no context to look through: it decays */
            hoist_string(w, c);
            w->nanc = saved;
        }
        return;
    }
    /* ("a" "b") decays as a whole: the parentheses pass the decay on */
    CXCursor context = clang_getCursorKind(c) == CXCursor_ParenExpr ? parent : c;
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        hoist_decaying_strings(w, ch.c[i], context);
    free(ch.c);
}

/* A pinned variable's initializer becomes an assignment into its record
 * (arrays and structs through a temporary of the declared type), followed
 * by what it tells of the variable's unions (unions.c). */
static void pinned_init_value(edit *e, const var *v, CXCursor init);

static void pinned_init(tunit *t, edit *e, const var *v, CXCursor init)
{
    pinned_init_value(e, v, init);
    char obj[300];
    snprintf(obj, sizeof obj, "__mt_p->%s", v->member);
    union_pinned_init(t, e, obj, v->type, init);
}

static void pinned_init_value(edit *e, const var *v, CXCursor init)
{
    char buf[400];
    CXType ct = clang_getCanonicalType(v->type);
    if (ct.kind == CXType_ConstantArray || ct.kind == CXType_Record) {
        char *decl = declarator(v->type, "__mt_init");
        snprintf(buf, sizeof buf, "{ %s = ", decl);
        free(decl);
        ed_text(e, buf);
        ed_expr(e, cur_start(init), cur_end(init));
        snprintf(buf, sizeof buf, "; __builtin_memcpy((void *)&__mt_p->%s, (const void *)&__mt_init, sizeof __mt_init); }", v->member);
        ed_text(e, buf);
    } else {
        snprintf(buf, sizeof buf, "__mt_p->%s = ", v->member);
        ed_text(e, buf);
        ed_expr(e, cur_start(init), cur_end(init));
        ed_text(e, ";");
    }
}

/* ---- a declaration whose initializer names what it declares -------------------- */

static int may_call_site(CXCursor c);
static int is_program_call(CXCursor c);

/* 1 when the code of c moves out of its expression whole, to before the
 * statement, where it may make a site: a call that may be a resume site
 * (arguments and all), or &&, ||, ?:, ?: (GNU) or a comma holding one
 * (lift.c moves their condition and operands too). */
static int moves_out(tunit *t, CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_CallExpr)
        return is_program_call(c);
    int moves = k == CXCursor_ConditionalOperator || is_binary_conditional(t, c);
    if (k == CXCursor_BinaryOperator) {
        char *op = operator_of(t->tu, c);
        moves = strcmp(op, "&&") == 0 || strcmp(op, "||") == 0 || strcmp(op, ",") == 0;
        free(op);
    }
    return moves && may_call_site(c);
}

/* 1 when c names the variable declared by d (sizeof *p, &p, __typeof__(p),
 * also where a macro wrote them: mtcc reads the preprocessed text) in code
 * that moves out of the initializer (moves_out; moved when already 1).
 * What stays in place may name it: `struct pt p = { f(), p.x }` keeps
 * p.x in the initializer, read as the compiler reads it. */
static int names_var_moved(tunit *t, CXCursor c, CXCursor d, int moved)
{
    if (clang_getCursorKind(c) == CXCursor_DeclRefExpr && clang_equalCursors(clang_getCursorReferenced(c), d))
        return moved;
    moved = moved || moves_out(t, c);
    kids ch = children(c);
    int found = 0;
    for (int i = 0; i < ch.n && !found; i++)
        found = names_var_moved(t, ch.c[i], d, moved);
    free(ch.c);
    return found;
}

/* 1 when variable vi must be declared before its initializer's lifted code
 * runs: the code names the variable, which C puts in scope in its own
 * initializer (`struct item *it = get(sizeof *it);`, `void *p = f(&p);`),
 * or the variable points to a variable-length array, whose bounds C
 * evaluates before the initializer. A pinned variable lives in its record
 * from the function's start, a static one at file scope: neither needs it. */
static int declared_first(tunit *t, func *fn, int vi, CXCursor init)
{
    const var *v = &fn->vars[vi];
    if (v->is_static || v->pinned || clang_Cursor_isNull(init) || !may_call_site(init))
        return 0;
    return v->vla_ptr || names_var_moved(t, init, v->decl, 0);
}

/* The '=' between variable d's declarator and its initializer init: the
 * last '=' token before it (a declarator may hold others, in a bound). */
static int initializer_equals(tunit *t, CXCursor d, CXCursor init, unsigned *eq)
{
    CXToken *toks;
    unsigned n, found = 0;
    clang_tokenize(t->tu, clang_getCursorExtent(d), &toks, &n);
    for (unsigned i = 0; i < n; i++) {
        unsigned off;
        clang_getFileLocation(clang_getTokenLocation(t->tu, toks[i]), NULL, NULL, NULL, &off);
        if (off >= cur_start(init))
            break;
        CXString sp = clang_getTokenSpelling(t->tu, toks[i]);
        if (clang_getTokenKind(toks[i]) == CXToken_Punctuation && strcmp(clang_getCString(sp), "=") == 0) {
            *eq = off;
            found = 1;
        }
        clang_disposeString(sp);
    }
    clang_disposeTokens(t->tu, toks, n);
    return (int)found;
}

/* "x =", the assignment that replaces a declared-first variable's '=':
 * a braced initializer becomes a compound literal of x's type. */
static void assigned_text(char *buf, size_t size, const var *v, CXCursor init)
{
    if (!clang_Cursor_isNull(init) && clang_getCursorKind(init) == CXCursor_InitListExpr)
        snprintf(buf, size, "%s = (__typeof__(%s))", v->name, v->name);
    else
        snprintf(buf, size, "%s =", v->name);
}

/* `T x = init;` for a variable declared first (declared_first): inside the
 * declaration's own text, so that its type, however written, stays
 *     T x = {0}; sites of init; x = init;
 * x is in scope at those sites (saved there, zero until assigned, as an
 * uninitialized local is), and the initializer is assigned: a braced one as
 * a compound literal of x's type. Returns the offset the sites go to; 0
 * when the declaration cannot be read (the function falls back). */
static unsigned declare_ahead(walk *w, int vi, CXCursor init)
{
    var *v = &w->fn->vars[vi];
    unsigned eq;
    if (!initializer_equals(w->t, v->decl, init, &eq)) {
        set_fallback(w->fn, v->decl, "a declaration whose initializer names it, which mtcc could not read");
        return 0;
    }
    ed_text(ed_add(&w->t->eb, eq, eq, next_order(w)), "= {0}; ");
    char text[640];
    assigned_text(text, sizeof text, v, init);
    ed_text(ed_add(&w->t->eb, eq, eq + 1, ORDER_PLAIN), text);
    scope_push(w, vi);
    return eq;
}

/* The same in a declaration of several variables split into statements
 * (split_declaration), where the variable's own statement starts at
 * piece: its declaration goes in before the sites there. The first
 * variable's sites go where the statement's go (before the loop for a
 * for clause's declaration, which moves there after them), and so does
 * its declaration. */
static int declare_piece_ahead(walk *w, int vi, unsigned piece, int is_first)
{
    if (is_first)
        piece = lift_point(w);
    var *v = &w->fn->vars[vi];
    char *decl = declarator(v->type, v->name);
    if (!decl) {
        set_fallback(w->fn, v->decl, "a local whose type cannot be named at file scope");
        return 0;
    }
    edit *e = ed_add(&w->t->eb, piece, piece, next_order(w));
    ed_text(e, is_first ? "; " : " ");  /* a label before the declaration keeps its statement */
    ed_text(e, decl);
    ed_text(e, " = {0};");
    free(decl);
    scope_push(w, vi);
    return 1;
}

/* An automatic local named where only its type counts (sizeof n,
 * __typeof__(n) in a static local's initializer), out of its scope: an
 * object of its type, (*(T (*))0), never evaluated. NULL when the type
 * cannot be named there. */
static char *typed_stand_in(const var *v)
{
    char *decl = declarator(v->type, "(*)");
    if (!decl)
        return NULL;
    char *text = xcalloc(1, strlen(decl) + 16);
    sprintf(text, "(*(%s)0)", decl);
    free(decl);
    return text;
}

/* The locals named in a static local's initializer, which moves to file
 * scope: a static one by its new name (`static void *self = &self;`,
 * `static int *p = &q;`), an automatic one (only in sizeof or
 * __typeof__, C allows no more) by an object of its type, else a global
 * of the same name would be read there. */
static void rename_statics(walk *w, CXCursor c)
{
    if (clang_getCursorKind(c) == CXCursor_DeclRefExpr) {
        int vi = find_var(w->fn, clang_getCursorReferenced(c));
        const var *v = vi >= 0 ? &w->fn->vars[vi] : NULL;
        char *text = !v ? NULL : v->is_static ? (v->static_name ? xstrdup(v->static_name) : NULL) : typed_stand_in(v);
        if (text)
            ed_text(ed_add(&w->t->eb, cur_start(c), cur_end(c), ORDER_PLAIN), text);
        else if (v && !v->is_static)
            set_fallback(w->fn, c, "a static local whose initializer names a local of a type that cannot be named");
        free(text);
        return;
    }
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        rename_statics(w, ch.c[i]);
    free(ch.c);
}

/* `T a = f(), *b = g(&a);` where some of the variables are pinned, or a
 * later initializer calls a function: one statement per variable, in order
 * (a pinned one an assignment into its record, an ordinary one its own
 * declaration), so that the calls of each initializer are lifted to just
 * before its own statement, after the variables declared before it. Each
 * variable's piece of the text, up to and including the comma after it,
 * is replaced by its statement; lifted code goes between the pieces. */
static void visit_type_operands(walk *w, CXCursor d, CXCursor init);

static void split_declaration(walk *w, CXCursor c, kids ch)
{
    tunit *t = w->t;
    func *fn = w->fn;
    unsigned piece = cur_start(c);
    for (int i = 0; i < ch.n; i++) {
        CXCursor d = ch.c[i];
        int vi = find_var(fn, d);
        if (vi < 0 || clang_getCursorKind(d) != CXCursor_VarDecl || fn->vars[vi].is_static) {
            set_fallback(fn, c, "a declaration of several variables, some static or not variables");
            return;
        }
        unsigned comma, end = stmt_end(t, c);
        if (i + 1 < ch.n) {
            if (!find_token(t->tu, c, cur_end(d), ",", &comma)) {
                set_fallback(fn, c, "a declaration of several variables mtcc could not read");
                return;
            }
            end = comma + 1;
        }
        var *v = &fn->vars[vi];
        CXCursor init = clang_Cursor_getVarDeclInitializer(d);
        visit_type_operands(w, d, init);
        int first = 0;
        if (!v->pinned) {
            name_local(w, vi);  /* before the initializer, where C has the new name in scope */
            first = declared_first(t, fn, vi, init);
        }
        if (first && !declare_piece_ahead(w, vi, piece, i == 0))
            return;
        if (!clang_Cursor_isNull(init)) {
            w->anc[w->nanc++] = d;
            if (i == 0)
                visit(w, init, VISIT_PART);
            else
                visit_lifted(w, init, piece);
            w->nanc--;
        }
        edit *e = ed_add(&t->eb, piece, end, ORDER_PLAIN);
        if (i == 0)
            ed_text(e, ";");  /* a label or case before the declaration keeps its statement */
        piece = end;
        if (v->pinned) {
            if (!clang_Cursor_isNull(init)) {
                ed_text(e, " ");
                pinned_init(t, e, v, init);
            }
            continue;
        }
        char buf[400];
        char *decl = first ? NULL : declarator(v->type, v->name);
        if (first)
            assigned_text(buf, sizeof buf, v, init);
        else
            snprintf(buf, sizeof buf, "%s =", decl ? decl : v->name);
        free(decl);
        ed_text(e, " ");
        ed_text(e, buf);
        ed_text(e, " ");
        if (clang_Cursor_isNull(init))
            ed_text(e, "{0}");
        else
            ed_expr(e, cur_start(init), cur_end(init));
        ed_text(e, ";");
        if (!first)
            scope_push(w, vi);
    }
}

/* 1 when a call in c may become a resume site: a call to a function that
 * is not the system's, or through a pointer (pthread calls count too). */
static int is_program_call(CXCursor c)
{
    int unknown;
    return is_call(c) && (!clang_Cursor_isNull(program_callee(c, &unknown)) || unknown);
}

static int may_call_site(CXCursor c)
{
    return any_node(c, is_program_call, NULL);
}

/* 1 when an initializer after the first may lift calls: they must not go
 * before the variables declared ahead of them. */
static int later_init_calls(kids ch)
{
    for (int i = 1; i < ch.n; i++)
        if (clang_getCursorKind(ch.c[i]) == CXCursor_VarDecl) {
            CXCursor init = clang_Cursor_getVarDeclInitializer(ch.c[i]);
            if (!clang_Cursor_isNull(init) && may_call_site(init))
                return 1;
        }
    return 0;
}

/* The expressions in a declaration's type, __typeof__(acc) *p: not
 * evaluated, but a pinned or renamed variable they name is renamed there
 * too (the frame's copy is declared by the canonical type). */
static void visit_type_operands(walk *w, CXCursor d, CXCursor init)
{
    kids ch = children(d);
    w->unevaluated++;
    for (int i = 0; i < ch.n; i++)
        if (clang_Cursor_isNull(init) || !clang_equalCursors(ch.c[i], init))
            visit(w, ch.c[i], VISIT_PART);
    w->unevaluated--;
    free(ch.c);
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
    for (int i = 0; i < ch.n; i++) {
        int vi = find_var(fn, ch.c[i]);
        if (vi >= 0 && fn->vars[vi].vla_ptr && (ch.n > 1 || fn->vars[vi].pinned))
            set_fallback(fn, ch.c[i], ch.n > 1 ? "a pointer to a variable-length array declared with other variables"
                                               : "a pointer to a variable-length array whose address is taken");
    }
    int in_block = w->decl_hoisted ||
                   (w->nanc >= 2 && clang_getCursorKind(w->anc[w->nanc - 2]) == CXCursor_CompoundStmt);
    w->decl_hoisted = 0;
    int nvar = 0, firsts = 0;  /* a variable declared first cannot share its statement */
    for (int i = 0; i < ch.n; i++) {
        int vi = find_var(fn, ch.c[i]);
        nvar += clang_getCursorKind(ch.c[i]) == CXCursor_VarDecl;
        firsts += vi >= 0 && declared_first(t, fn, vi, clang_Cursor_getVarDeclInitializer(ch.c[i]));
    }
    int split = ch.n > 1 && (special || later_init_calls(ch) || (firsts && nvar > 1));
    if (split && !in_block)
        set_fallback(fn, c, special ? "a declaration of several variables, some address-taken, const, arrays or static"
                                    : "a call in the initializer of a second variable in a for loop's first clause");
    if (split && in_block) {
        split_declaration(w, c, ch);
        free(ch.c);
        return;
    }
    for (int i = 0; i < ch.n; i++) {
        CXCursor d = ch.c[i];
        int vi = find_var(fn, d);
        CXCursor init = clang_getCursorKind(d) == CXCursor_VarDecl ? clang_Cursor_getVarDeclInitializer(d)
                                                                  : clang_getNullCursor();
        if (vi < 0) {
            visit(w, d, VISIT_PART);
            continue;
        }
        var *v = &fn->vars[vi];
        visit_type_operands(w, d, init);
        int first = 0;
        if (!v->is_static && !v->pinned) {
            name_local(w, vi);  /* before the initializer, where C has the new name in scope */
            if (v->vla_ptr)
                rewrite_vla_decl(w, c, vi);
            first = declared_first(t, fn, vi, init);
        }
        if (!v->is_static && !clang_Cursor_isNull(init)) {
            unsigned at = first ? declare_ahead(w, vi, init) : 0;
            w->anc[w->nanc++] = d;  /* the declaration is the initializer's context */
            if (at)
                visit_lifted(w, init, at);
            else
                visit(w, init, VISIT_PART);
            w->nanc--;
        }
        if (v->is_static) {
            char nm[300];
            snprintf(nm, sizeof nm, "__mt_s_%s_%s", fn->cname, v->name);
            v->static_name = xstrdup(nm);
            if (!clang_Cursor_isNull(init))
                rename_statics(w, init);
            char *decl = declarator(v->type, nm);
            unsigned at = cur_start(t->cur_fn_decl);
            /* (before ed_add: hoisting adds edits, which may move the one held) */
            if (!clang_Cursor_isNull(init))
                hoist_decaying_strings(w, init, d);
            edit *e = ed_add(&t->eb, at, at, ORDER_STATIC_LOCAL);
            char head[400];
            snprintf(head, sizeof head, "static %s", decl ? decl : nm);
            ed_text(e, head);
            if (!clang_Cursor_isNull(init)) {
                /* in place: an initializer that is one literal or one
                 * name has its hoisted string's or renamed static's edit
                 * over exactly its range (bison's static char *msg = "...") */
                ed_text(e, " = ");
                ed_in_place(e, cur_start(init), cur_end(init));
            }
            ed_text(e, ";\n");
            free(decl);
            ed_text(ed_add(&t->eb, cur_start(c), stmt_end(t, c), ORDER_PLAIN), ";");
            unsigned long long count;
            char where[400];
            snprintf(where, sizeof where, "%s:%s:%s", t->base, fn->cname, v->name);
            const char *why, *ref = tr_ref_var_at(t->tr, v->decl, nm, where, &count, &why);
            if (ref) {
                sb_printf(&t->reg, "    if (mt_register_%s(\"%s:%s:%s\", &%s, %s, %llu, &__mt_regerr) < 0) goto fail;\n",
                          elements_const(v->type) ? "constant" : "global", t->base, fn->cname, v->name, nm,
                          ref, count);
                if (!elements_const(v->type))
                    union_init_tags(t, v->type, init, nm, &t->reg);
            }
            else
                warn_at(d, "static local %s is not saved: %s", v->name, why);
        } else if (v->pinned) {
            edit *e = ed_add(&t->eb, cur_start(c), stmt_end(t, c), ORDER_PLAIN);
            if (clang_Cursor_isNull(init))
                ed_text(e, ";");
            else
                pinned_init(t, e, v, init);
        } else {
            /* A site saves every live local in scope, and a local whose
             * first assignment comes after the site is live there (live.c
             * counts writes as uses), so none may be left indeterminate:
             * zero is one of the values it could have had. */
            if (clang_Cursor_isNull(init))
                ed_text(ed_add(&t->eb, cur_end(d), cur_end(d), ORDER_PLAIN), " = {0}");
            if (!first)
                scope_push(w, vi);
        }
    }
    free(ch.c);
}

/* A loop's back-edge poll at `at` (in edit order `order`), behind a
 * countdown of LOOP_TURNS turns when the body's turns are short. */
static void add_loop_poll(walk *w, unsigned at, int order, int countdown)
{
    site *s = new_site(w, SITE_POLL);
    s->pos = at;
    edit *e = ed_add(&w->t->eb, at, at, order < 0 ? s->order : order);
    if (countdown) {
        w->fn->loop_countdown = 1;
        ed_text(e, "if (MT_UNLIKELY(--__mt_lcd == 0)) { __mt_lcd = " LOOP_TURNS "; ");
    }
    ed_site(e, s);
    if (countdown)
        ed_text(e, " }");
}

static void visit_children_as(walk *w, CXCursor c, int how)
{
    kids ch = children(c);
    for (int i = 0; i < ch.n; i++)
        visit(w, ch.c[i], how);
    free(ch.c);
}

/* How the body s of a control statement is visited: a statement, braced
 * (VISIT_WRAP) when it is not a block, so that code lifted before it stays
 * inside the control statement. */
static int as_body(CXCursor s)
{
    return VISIT_STMT | (clang_getCursorKind(s) != CXCursor_CompoundStmt ? VISIT_WRAP : 0);
}

/* while (C) B, with calls in C, becomes for (;;) { sites; if (!(C)) break; B }:
 * continue still reaches the condition. */
static void rewrite_while(walk *w, CXCursor c, CXCursor cond, CXCursor body)
{
    editbuf *eb = &w->t->eb;
    if (!visit_lifted(w, cond, cur_start(cond)))
        return;
    ed_text(ed_add(eb, cur_start(c), cur_start(cond), ORDER_PLAIN), "for (;;) { ");
    ed_text(ed_add(eb, cur_start(cond), cur_start(cond), ORDER_LOOP_COND), "if (!(");
    ed_text(ed_add(eb, cur_end(cond), cur_start(body), ORDER_PLAIN), ")) break; ");
    unsigned end = stmt_end(w->t, body);
    ed_text(ed_add(eb, end, end, closing_order(w->nanc, CLOSE_LOOP_REWRITE)), " }");
}

/* for (I; C; N) B, with calls in C, becomes for (I; ; N) { sites;
 * if (!(C)) break; B }: continue runs N, then the condition. */
static void rewrite_for(walk *w, CXCursor cond, CXCursor body)
{
    editbuf *eb = &w->t->eb;
    unsigned top = cur_start(body);
    if (!visit_lifted(w, cond, top))
        return;
    edit *blank = ed_add(eb, cur_start(cond), cur_end(cond), ORDER_HIDDEN);  /* before the call's own edit */
    blank->hidden = 1;
    ed_text(blank, "");
    ed_text(ed_add(eb, top, top, ORDER_WHILE_BRACE), "{ ");
    /* after the condition's sites, before the body's (a body that is a
     * single statement lifts its calls to this same offset) */
    edit *e = ed_add(eb, top, top, next_order(w));
    ed_text(e, "if (!(");
    ed_range_all(e, cur_start(cond), cur_end(cond));
    ed_text(e, ")) break; ");
    unsigned end = stmt_end(w->t, body);
    ed_text(ed_add(eb, end, end, closing_order(w->nanc, CLOSE_LOOP_REWRITE)), " }");
}

/* Liveness (live.c) needs the loops around each site. */
static void push_loop(walk *w, CXCursor loop, CXCursor body)
{
    if (w->nloops == w->caploops) {
        w->caploops = w->caploops ? w->caploops * 2 : 8;
        w->loops = xrealloc(w->loops, (size_t)w->caploops * sizeof *w->loops);
    }
    w->loops[w->nloops++] = (loop_span){ cur_start(loop), cur_end(loop), cur_start(body), cur_end(body) };
}

/* 1 when a for clause's declaration must become statements of its own
 * (visit_decl_stmt): it declares a pinned variable, or several variables
 * of which a later one's initializer calls a function. */
static int needs_statements(tunit *t, func *fn, CXCursor decl)
{
    kids ch = children(decl);
    int apart = 0;  /* a variable pinned or declared first (declared_first) */
    for (int i = 0; i < ch.n; i++) {
        int vi = find_var(fn, ch.c[i]);
        apart |= vi >= 0 && (fn->vars[vi].pinned ||
                             declared_first(t, fn, vi, clang_Cursor_getVarDeclInitializer(ch.c[i])));
    }
    int yes = apart || later_init_calls(ch);
    free(ch.c);
    return yes;
}

/* A for loop's first clause runs once, before the loop: its calls go there
 * like any statement's. An expression left holding only their values is
 * cast to void (no "statement with no effect"). A declaration that must
 * become statements (a pinned variable's is an assignment into its
 * record, which a for clause cannot hold) moves before the loop, in a
 * block around it:
 *     { sites; T v = init; for (; C; N) B } */
static void visit_for_init(walk *w, CXCursor loop, CXCursor init)
{
    editbuf *eb = &w->t->eb;
    int sites = w->fn->nsites;
    int is_decl = clang_getCursorKind(init) == CXCursor_DeclStmt;
    if (is_decl && needs_statements(w->t, w->fn, init)) {
        unsigned at = lift_point(w);
        ed_text(ed_add(eb, at, at, ORDER_PLAIN), "{ ");
        w->decl_hoisted = 1;
        visit(w, init, VISIT_PART);
        w->decl_hoisted = 0;
        edit *hide = ed_add(eb, cur_start(init), cur_end(init), ORDER_HIDDEN);
        hide->hidden = 1;
        ed_text(hide, ";");
        ed_range_all(ed_add(eb, at, at, next_order(w)), cur_start(init), cur_end(init));
        unsigned end = stmt_end(w->t, loop);
        ed_text(ed_add(eb, end, end, closing_order(w->nanc, CLOSE_FOR_INIT)), " }");
        return;
    }
    visit(w, init, VISIT_PART);
    if (w->fn->nsites > sites && !is_decl) {
        ed_text(ed_add(eb, cur_start(init), cur_start(init), ORDER_VOID_CAST), "(void)(");
        ed_text(ed_add(eb, cur_end(init), cur_end(init), ORDER_VOID_CAST), ")");
    }
}

/* A while, for or do statement. Calls in a condition evaluated before the
 * body move to the top of the body (rewrite_while, rewrite_for); those in
 * a do condition or a for increment to its end (lift.c); those in a for's
 * first clause, which runs once, go before the loop like any statement's. */
static void visit_loop(walk *w, CXCursor c, int body_first)
{
    kids ch = children(c);
    int mark = w->nscope;
    int outer_loops = w->loops_seen;
    long outer_work = w->inner_work, outer_trips = w->body_trips;
    int long_before = w->long_loops;
    w->loops_seen = 0;
    w->inner_work = 1;
    int outer_waits = w->waits;
    w->waits = loop_waits(c);
    CXCursor body = ch.c[body_first ? 0 : ch.n - 1];
    push_loop(w, c, body);
    enum CXCursorKind k = clang_getCursorKind(c);
    int init = -1, cond = -1, inc = -1;
    int sites_before = w->fn->nsites, leaf_calls_before = w->leaf_calls;
    if (k == CXCursor_ForStmt)
        for_parts(w->t, c, ch, &init, &cond, &inc);
    else
        cond = body_first ? 1 : 0;
    w->body_trips = k == CXCursor_ForStmt && init >= 0 && cond >= 0 && inc >= 0
                        ? short_trips(w, ch.c[init], ch.c[cond], ch.c[inc], body) : 0;
    /* Calls of leaves without loops in a counted loop's body are like an
     * inlined body: the loop is cut into chunks (or is short), the poll
     * between chunks bounds the wait, and no turn polls. By default only
     * in a loop that another encloses (w->loops holds both), whose back
     * edge polls: programs use a top-level loop of leaf calls as a clock
     * of adaptation points (--leaf-loop-chunks cuts those too). */
    int outer_counted = w->counted_body;
    int counted = (mtcc_leaf_loop_chunks || w->nloops > 1) && k == CXCursor_ForStmt && cond >= 0 && inc >= 0 && !w->cond_ctx && !w->fn->is_leaf &&
                  counted_for(w, ch.c[cond], ch.c[inc], body);
    w->counted_body = 0;  /* the other parts run once a turn, or once */
    for (int i = 0; i < ch.n; i++) {
        int is_body = body_first ? i == 0 : i == ch.n - 1;
        if (is_body) {
            w->counted_body = counted;
            visit(w, ch.c[i], as_body(ch.c[i]) | VISIT_LOOP_BODY);
            w->counted_body = 0;
        } else if (i == cond && !w->cond_ctx && k == CXCursor_DoStmt) {
            lift_do_condition(w, body, ch.c[i]);
        } else if (i == cond && !w->cond_ctx) {
            if (k == CXCursor_WhileStmt)
                rewrite_while(w, c, ch.c[i], body);
            else
                rewrite_for(w, ch.c[i], body);
        } else if (i == inc && !w->cond_ctx) {
            lift_for_increment(w, body, ch.c[i]);
        } else if (i == init) {
            visit_for_init(w, c, ch.c[i]);
        } else {
            int save = w->loop_header;
            w->loop_header = 1;
            visit(w, ch.c[i], VISIT_PART);
            w->loop_header = save;
        }
    }
    /* an innermost loop with no adaptation point inside, not known short */
    int innermost = !w->loops_seen && w->fn->nsites == sites_before && w->leaf_calls == leaf_calls_before && !w->waits;
    if (k == CXCursor_ForStmt && innermost && !w->body_trips && cond >= 0 && inc >= 0 && !w->cond_ctx &&
        !w->fn->is_leaf)
        strip_mine(w, init >= 0 ? ch.c[init] : clang_getNullCursor(), ch.c[cond], ch.c[inc], body);
    /* A short nest (a few known iterations, nothing inside that polls)
     * is an innermost loop: the loop around it needs no poll for it. */
    long trips = w->long_loops == long_before && w->fn->nsites == sites_before &&
                 w->leaf_calls == leaf_calls_before && !w->waits ? w->body_trips : 0;
    long work = trips * w->inner_work;
    if (!trips || work > SHORT_NEST)
        w->long_loops++;
    w->inner_work = outer_work > work ? outer_work : work;
    w->body_trips = outer_trips;
    w->waits = outer_waits;
    w->counted_body = outer_counted;
    w->nscope = mark;
    w->loops_seen = outer_loops + 1;
    w->nloops--;
    free(ch.c);
}

static void visit_return(walk *w, CXCursor c)
{
    tunit *t = w->t;
    func *fn = w->fn;
    if (visit_tail_return(w, c) || visit_sibling_return(w, c))
        return;
    visit_children_as(w, c, VISIT_PART);
    if (!fn->npinned)
        return;
    kids ch = children(c);
    edit *e = ed_add(&t->eb, cur_start(c), stmt_end(t, c), ORDER_PLAIN);
    if (ch.n == 0 || fn->ret_void) {
        ed_text(e, "{ mt_pin_leave(__mt_p); return; }");
    } else {
        char *decl = declarator(fn->ret, "__mt_r");
        char head[400];
        snprintf(head, sizeof head, "{ %s = (", decl);
        free(decl);
        ed_text(e, head);
        ed_expr(e, cur_start(ch.c[0]), cur_end(ch.c[0]));
        ed_text(e, "); mt_pin_leave(__mt_p); return __mt_r; }");
    }
    free(ch.c);
}

/* What a loop body had seen before it was visited. */
typedef struct body_marks {
    int sites, loops, long_loops, leaf_calls, short_leaf_calls;
} body_marks;

/* 1 when the loop body just visited polls only for calls of leaves
 * without loops: no resume site, no loop, no leaf that loops. Each turn
 * is then a bounded straight path (leaves have no recursion), so the
 * poll may wait LOOP_TURNS turns, as a cut loop's chunk does. */
static int short_turns(walk *w, const body_marks *b)
{
    return mtcc_leaf_loop_chunks && w->fn->nsites == b->sites && w->loops_seen == b->loops && w->long_loops == b->long_loops &&
           w->leaf_calls - b->leaf_calls == w->short_leaf_calls - b->short_leaf_calls;
}

/* 1 when the loop body just visited needs a poll on its back edge: it
 * has a resume site, a call of a leaf, a loop that is not short, or
 * short loops whose iterations, with the loop's own, are many. A short
 * loop in a short loop, up to SHORT_NEST iterations in all, counts as
 * one innermost loop (a 16x16 block's update). */
static int body_needs_poll(walk *w, const body_marks *b)
{
    if (w->fn->nsites > b->sites || w->leaf_calls > b->leaf_calls || w->long_loops > b->long_loops || w->waits)
        return 1;
    int short_nest = w->body_trips && w->body_trips * w->inner_work <= SHORT_NEST;
    return w->loops_seen > b->loops && !short_nest;
}

/* The call a statement makes whatever happens: the statement is the call,
 * assigns its result, or declares one variable initialized with it. A
 * null cursor for anything else (a call under ?:, && or || may not run). */
static CXCursor statement_call(tunit *t, CXCursor stmt)
{
    enum CXCursorKind k = clang_getCursorKind(stmt);
    CXCursor e = clang_getNullCursor();
    kids ch = children(stmt);
    if (k == CXCursor_CallExpr)
        e = stmt;
    else if (k == CXCursor_DeclStmt && ch.n == 1 && clang_getCursorKind(ch.c[0]) == CXCursor_VarDecl)
        e = clang_Cursor_getVarDeclInitializer(ch.c[0]);
    else if (k == CXCursor_CompoundAssignOperator && ch.n == 2)
        e = ch.c[1];
    else if (k == CXCursor_BinaryOperator && ch.n == 2) {
        char *op = operator_of(t->tu, stmt);
        if (strcmp(op, "=") == 0)
            e = ch.c[1];
        free(op);
    }
    free(ch.c);
    e = clang_Cursor_isNull(e) ? e : bare_expr(e);
    return clang_getCursorKind(e) == CXCursor_CallExpr ? e : clang_getNullCursor();
}

/* 1 when one of the sites made since site number `from` checks after call. */
static int made_site_for(func *fn, int from, CXCursor call)
{
    for (int i = from; i < fn->nsites; i++)
        if (fn->sites[i]->kind == SITE_CALL && fn->sites[i]->call_start == cur_start(call))
            return 1;
    return 0;
}

static int is_continue(CXCursor c)
{
    return clang_getCursorKind(c) == CXCursor_ContinueStmt;
}

static int is_loop(CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    return k == CXCursor_ForStmt || k == CXCursor_WhileStmt || k == CXCursor_DoStmt;
}

/* A label or a goto, which could jump past a statement. */
static int is_jump(CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    return k == CXCursor_LabelStmt || k == CXCursor_GotoStmt || k == CXCursor_IndirectGotoStmt;
}

/* Visits the statements of a loop body; 1 when every turn of the loop
 * passes one of them that checks after a call (a statement of its own,
 * with no continue before it and no label or goto in the body): that
 * check is the turn's adaptation point, and the back edge needs none. */
static int visit_loop_body(walk *w, CXCursor body)
{
    kids ch = children(body);
    int polled = 0, open = !any_node(body, is_jump, NULL);
    for (int i = 0; i < ch.n; i++) {
        int from = w->fn->nsites;
        visit(w, ch.c[i], VISIT_STMT);
        CXCursor call = open && !polled ? statement_call(w->t, ch.c[i]) : clang_getNullCursor();
        if (!clang_Cursor_isNull(call) && made_site_for(w->fn, from, call))
            polled = 1;
        else if (open && any_node(ch.c[i], is_continue, is_loop))  /* a continue of this loop */
            open = 0;
    }
    free(ch.c);
    return polled;
}

/* Visits a block's items, noting (w->after_check) the item that follows
 * one whose call checks whatever happens: a self tail call there needs
 * no poll of its own (tailcall.c), its pass has one. */
static void visit_block_items(walk *w, CXCursor block)
{
    CXCursor saved = w->after_check;
    kids ch = children(block);
    for (int i = 0; i < ch.n; i++) {
        int from = w->fn->nsites;
        visit(w, ch.c[i], VISIT_STMT);
        CXCursor call = statement_call(w->t, ch.c[i]);
        int checked = !clang_Cursor_isNull(call) && made_site_for(w->fn, from, call);
        w->after_check = checked && i + 1 < ch.n ? ch.c[i + 1] : clang_getNullCursor();
    }
    free(ch.c);
    w->after_check = saved;
}

void visit(walk *w, CXCursor c, int how)
{
    int stmt_pos = (how & VISIT_STMT) != 0, wrap = (how & VISIT_WRAP) != 0;
    int loop_body = (how & VISIT_LOOP_BODY) != 0;
    tunit *t = w->t;
    enum CXCursorKind k = clang_getCursorKind(c);
    lift_anchor saved = w->anchor;
    if (stmt_pos) {
        w->anchor.stmt = c;
        w->anchor.wrap = wrap;
        w->anchor.depth = w->nanc + 1;  /* with c, pushed below */
    }
    push_ancestor(w, c);
    body_marks before = { w->fn->nsites, w->loops_seen, w->long_loops, w->leaf_calls, w->short_leaf_calls };
    switch (k) {
    case CXCursor_CompoundStmt: {
        int mark = w->nscope;
        int polled = 0;
        if (loop_body)
            polled = visit_loop_body(w, c);
        else
            visit_block_items(w, c);
        if (loop_body && !polled && body_needs_poll(w, &before))
            add_loop_poll(w, cur_end(c) - 1, -1, short_turns(w, &before));
        w->nscope = mark;
        break;
    }
    case CXCursor_DeclStmt:
        visit_decl_stmt(w, c);
        break;
    case CXCursor_DeclRefExpr: {
        CXCursor d = clang_getCursorReferenced(c);
        int vi = find_var(w->fn, d);
        if (vi >= 0 && rewrite_vla_use(w, c, vi)) {
            /* read through its type (vla.c) */
        } else if (vi >= 0 && w->fn->vars[vi].pinned) {
            char buf[80];
            snprintf(buf, sizeof buf, "__mt_p->%s", w->fn->vars[vi].member);
            ed_text(ed_add(&t->eb, cur_start(c), cur_end(c), ORDER_PLAIN), buf);
        } else if (vi >= 0 && w->fn->vars[vi].is_static && w->fn->vars[vi].static_name) {
            ed_text(ed_add(&t->eb, cur_start(c), cur_end(c), ORDER_PLAIN), w->fn->vars[vi].static_name);
        } else if (vi >= 0 && strcmp(w->fn->vars[vi].name, w->fn->vars[vi].written) != 0) {
            ed_text(ed_add(&t->eb, cur_start(c), cur_end(c), ORDER_PLAIN), w->fn->vars[vi].name);  /* renamed */
        }
        break;
    }
    case CXCursor_CallExpr:
        if (!visit_tail_statement(w, c) && !visit_sibling_statement(w, c))
            visit_call(w, c);
        break;
    case CXCursor_StringLiteral:
        if (!w->unevaluated)
            hoist_string(w, c);
        break;
    case CXCursor_UnaryExpr: {
        int uneval = is_unevaluated(t, c);
        w->unevaluated += uneval;
        visit_children_as(w, c, VISIT_PART);
        w->unevaluated -= uneval;
        break;
    }
    case CXCursor_ConditionalOperator:
        visit_conditional(w, c);
        break;
    case CXCursor_UnexposedExpr:
        if (is_binary_conditional(t, c))
            visit_binary_conditional(w, c);
        else
            visit_children_as(w, c, VISIT_PART);
        break;
    case CXCursor_BinaryOperator: {
        char *op = operator_of(t->tu, c);
        if (strcmp(op, "&&") == 0 || strcmp(op, "||") == 0)
            visit_logical(w, c, op[0] == '|');
        else if (strcmp(op, ",") == 0)
            visit_comma(w, c);
        else
            visit_children_as(w, c, VISIT_PART);
        free(op);
        break;
    }
    case CXCursor_IfStmt: {
        kids ch = children(c);
        for (int i = 0; i < ch.n; i++)
            visit(w, ch.c[i], i > 0 ? as_body(ch.c[i]) : VISIT_PART);
        free(ch.c);
        break;
    }
    case CXCursor_SwitchStmt:   /* the last child is the statement */
    case CXCursor_CaseStmt:
    case CXCursor_DefaultStmt:
    case CXCursor_LabelStmt: {
        kids ch = children(c);
        for (int i = 0; i < ch.n; i++)
            visit(w, ch.c[i], i == ch.n - 1 ? VISIT_STMT : VISIT_PART);
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
        visit_children_as(w, c, VISIT_PART);
        break;
    }
    if (!w->unevaluated)
        union_note_store(t, c);
    if (k == CXCursor_ReturnStmt)
        union_note_return(t, w->fn->ret, c);
    /* A loop body that is a single statement: braced, with its poll. */
    if (loop_body && k != CXCursor_CompoundStmt && body_needs_poll(w, &before)) {
        ed_text(ed_add(&t->eb, cur_start(c), cur_start(c), ORDER_POLL_BRACE), "{ ");
        unsigned end = stmt_end(t, c);
        /* the loop's depth */
        add_loop_poll(w, end, closing_order(w->nanc - 1, CLOSE_POLL), short_turns(w, &before));
        ed_text(ed_add(&t->eb, end, end, closing_order(w->nanc - 1, CLOSE_BODY)), " }");
    }
    w->nanc--;
    w->anchor = saved;
}

/* ---- functions that fall back ------------------------------------------------------- */

/* In a function that falls back (no adaptation points) pthread calls are
 * still the runtime's, so that thread numbers and lock states mean the
 * same everywhere (its blocking calls are not safe points), and heap calls
 * are still the typed wrappers: a block it allocates is tracked, so a
 * pointer kept to it translates, and a tracked block it frees is forgotten. */
static void fallback_call(walk *w, CXCursor c)
{
    CXCursor callee = clang_getCursorReferenced(c);
    if (clang_Cursor_isNull(callee) || clang_getCursorKind(callee) != CXCursor_FunctionDecl)
        return;
    char *name = spell(callee);
    int opaque = library_callee(callee);
    const ls_entry *heap = heap_call(name, opaque);
    const pthread_call *pc = opaque ? find_pthread_call(name) : NULL;
    if (heap && !w->unevaluated)
        rewrite_heap_call(w, c, heap);
    else if (pc)
        rename_pthread(w, c, pc);
    else if (opaque && pthread_unsupported(name))
        refuse_pthread(c, name);
    char *kept = w->unevaluated ? NULL : keeps_prefix(c, name, opaque);
    if (kept)
        prefix_call(w, c, kept);
    free(kept);
    free(name);
}

/* Visits every expression keeping the ancestors, from which an
 * allocation's element type is inferred as in a transformed function. */
static void fallback_visit(walk *w, CXCursor c)
{
    push_ancestor(w, c);
    int uneval = is_unevaluated(w->t, c);
    w->unevaluated += uneval;
    kids ch = children(c);
    int twice_more = is_binary_conditional(w->t, c);  /* a ?: b shows a three times */
    for (int i = 0; i < ch.n; i++)
        if (!twice_more || (i != 1 && i != 2))
            fallback_visit(w, ch.c[i]);
    free(ch.c);
    w->unevaluated -= uneval;
    if (clang_getCursorKind(c) == CXCursor_CallExpr)
        fallback_call(w, c);
    if (!w->unevaluated)
        union_note_store(w->t, c);
    if (clang_getCursorKind(c) == CXCursor_ReturnStmt)
        union_note_return(w->t, w->fn->ret, c);
    w->nanc--;
}

void rewrite_fallback_calls(tunit *t, func *fn, CXCursor body)
{
    walk w = { .t = t, .fn = fn };
    fallback_visit(&w, body);
    free(w.anc);
}
