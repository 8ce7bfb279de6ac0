/* transform.c: one translation unit: parses the preprocessed file with
 * libclang, transforms each function (analyze.c, rewrite.c, emit.c),
 * registers the globals, and appends the registration constructor and the
 * program's real main. The design is in docs/design.md ("The
 * transformation"); functions mtcc cannot make safe lose their adaptation
 * points rather than restore wrongly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

#include "mtcc.h"
#include "transform.h"

/* ---- globals and the registration function -------------------------------------------------- */

static void register_object(tunit *t, CXCursor c, const char *name, const char *reg, CXType ty);

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
    char reg[400];
    snprintf(reg, sizeof reg, sc == CX_SC_Static ? "%s:%s" : "%s%s", sc == CX_SC_Static ? t->base : "", name);
    register_object(t, c, name, reg, clang_getCursorType(c));
    free(name);
}

/* Registers a static object named name in the code as reg; c is where a
 * diagnostic points (and says whether it is thread-local). */
static void register_object(tunit *t, CXCursor c, const char *name, const char *reg, CXType ty)
{
    unsigned long long count;
    /* a declared variable's integers get the address class when hidden.c marked it */
    const char *why, *ref = clang_isDeclaration(clang_getCursorKind(c))
                                ? tr_ref_var_at(t->tr, c, name, reg, &count, &why)
                                : tr_ref_at(t->tr, ty, name, reg, &count, &why);
    int constant = elements_const(ty);
    if (ref && clang_getCursorTLSKind(c) != CXTLS_None) {
        /* one instance per thread: each thread finds its own through the accessor */
        int n = t->nglobals;
        sb_printf(&t->helpers, "static void *__mt_tls_%d(void) { return (void *)&%s; }\n", n, name);
        sb_printf(&t->reg, "    if (mt_register_tls(\"%s\", __mt_tls_%d, %s, %llu, &__mt_regerr) < 0) goto fail;\n", reg, n,
                  ref, count);
    } else if (clang_getCursorTLSKind(c) != CXTLS_None) {
        error_at(c, "thread-local %s: %s type is not supported", name, why ? why : "its");
    } else if (ref) {
        sb_printf(&t->reg, "    if (mt_register_%s(\"%s\", (void *)&%s, %s, %llu, &__mt_regerr) < 0) goto fail;\n",
                  constant ? "constant" : "global", reg, name, ref, count);
    } else {
        CXCursor at = tr_why_at();
        if (clang_Cursor_isNull(at))
            warn_at(c, "global %s: %s type is not supported (saved as raw bytes)", name, why);
        else
            warn_at(at, "%s is not supported (global %s is saved as raw bytes)", why, name);
        sb_printf(&t->reg, "    if (mt_register_%s_bytes(\"%s\", (void *)&%s, sizeof %s, &__mt_regerr) < 0) goto fail;\n",
                  constant ? "constant" : "global", reg, name, name);
    }
}

/* ---- file-scope compound literals --------------------------------------------------- */

/* static Obj *p = &(Obj){ 3, 0 }; int *v = (int[]){ 1, 2 };  The literal
 * is an object of static storage that a pointer keeps: it becomes a named
 * static object (static Obj __mt_cl_0 = { 3, 0 };), declared before the
 * variable and registered like a global, so that the pointer translates.
 * A literal used as a value (Obj o = (Obj){ 1 }) stays as it is. */
typedef struct literals {
    tunit *t;
    CXCursor var;
    edit *decls;       /* the declarations, innermost literal first */
    char *var_name;
    int n;
} literals;

static int keeps_address(CXCursor lit, CXCursor parent)
{
    if (clang_getCanonicalType(clang_getCursorType(lit)).kind == CXType_ConstantArray)
        return 1;  /* decays to a pointer */
    if (clang_getCursorKind(parent) != CXCursor_UnaryOperator)
        return 0;
    char *op = operator_of(clang_Cursor_getTranslationUnit(lit), parent);
    int addr = strcmp(op, "&") == 0;
    free(op);
    return addr;
}

static void hoist_literal(literals *l, CXCursor lit)
{
    tunit *t = l->t;
    kids ch = children(lit);
    CXCursor init = ch.n ? ch.c[ch.n - 1] : clang_getNullCursor();
    free(ch.c);
    char name[64];
    snprintf(name, sizeof name, "__mt_cl_%d", t->nliterals);
    CXType ty = clang_getCursorType(lit);
    char *decl = declarator(ty, name);
    if (!decl || clang_getCursorKind(init) != CXCursor_InitListExpr) {
        free(decl);
        return;  /* an anonymous type: left unregistered (a restore refuses a pointer into it by name) */
    }
    t->nliterals++;
    if (!l->decls) {
        unsigned at = cur_start(l->var);
        l->decls = ed_add(&t->eb, at, at, ORDER_LITERAL_DECLS);  /* after the strings hoisted from it */
    }
    ed_text(l->decls, "static ");
    ed_text(l->decls, decl);
    ed_text(l->decls, " = ");
    ed_range(l->decls, cur_start(init), cur_end(init));
    ed_text(l->decls, ";\n");
    free(decl);
    ed_text(ed_add(&t->eb, cur_start(lit), cur_end(lit), ORDER_PLAIN), name);
    char reg[400];
    snprintf(reg, sizeof reg, "%s:%s:literal%d", t->base, l->var_name, ++l->n);
    register_object(t, lit, name, reg, ty);
}

/* Post-order: an inner literal is declared before the one holding it. */
static void find_literals(literals *l, CXCursor c, CXCursor parent)
{
    kids ch = children(c);
    enum CXCursorKind k = clang_getCursorKind(c);
    int transparent = k == CXCursor_ParenExpr || k == CXCursor_UnexposedExpr;
    for (int i = 0; i < ch.n; i++)
        find_literals(l, ch.c[i], transparent ? parent : c);
    free(ch.c);
    if (k == CXCursor_CompoundLiteralExpr && keeps_address(c, parent))
        hoist_literal(l, c);
}

static void hoist_global_literals(tunit *t, CXCursor c)
{
    CXCursor init = clang_Cursor_getVarDeclInitializer(c);
    if (clang_Cursor_isNull(init))
        return;
    literals l = { .t = t, .var = c, .var_name = spell(c) };
    find_literals(&l, init, c);
    free(l.var_name);
}

/* The union members a global's initializer initializes (unions.c); a
 * constant's never change and a thread-local's instances are the
 * threads' own: neither needs them. */
static void global_union_tags(tunit *t, CXCursor c)
{
    CXType ty = clang_getCursorType(c);
    CXCursor init = clang_Cursor_getVarDeclInitializer(c);
    if (clang_Cursor_getStorageClass(c) == CX_SC_Extern || clang_Cursor_isNull(init) || elements_const(ty) ||
        clang_getCursorTLSKind(c) != CXTLS_None)
        return;
    char *name = spell(c);
    union_init_tags(t, ty, init, name, &t->reg);
    free(name);
}

/* String literals in a global's initializer that pointers hold become
 * registered arrays. */
static void hoist_global_strings(tunit *t, CXCursor c)
{
    walk w = { .t = t };
    func dummy = { 0 };
    w.fn = &dummy;
    t->cur_fn_decl = c;
    CXCursor init = clang_Cursor_getVarDeclInitializer(c);
    if (clang_Cursor_isNull(init))
        return;
    /* only literals, not calls: a global initializer is constant; and
     * only those that decay to pointers, not a char array member's */
    hoist_decaying_strings(&w, init, c);
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

static uint64_t hash_sources(tunit *t)
{
    qsort(t->files, (size_t)t->nfiles, sizeof *t->files, by_name);
    uint64_t h = 0;
    for (int i = 0; i < t->nfiles; i++) {
        size_t len;
        char *text = read_file(t->files[i], &len);
        const char *slash = strrchr(t->files[i], '/');
        const char *base = slash ? slash + 1 : t->files[i];
        h = XXH3_64bits_withSeed(base, strlen(base), h);
        h = XXH3_64bits_withSeed(text, len, h);
        free(text);
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
        hoist_global_literals(t, c);
        register_global(t, c);
        global_union_tags(t, c);
    }
    return CXChildVisit_Continue;
}

static void emit_registration(tunit *t, strbuf *out, int has_main, func *main_fn)
{
    sb_printf(out, "\n\n/* ---- generated by mtcc: registration of %s ---- */\n", t->base);
    if (t->helpers.s)
        sb_put(out, t->helpers.s);
    tr_emit_functions(t->tr, out);
    emit_sibling_reach(t, out);
    sb_printf(out, "__attribute__((constructor)) static void __mt_register_unit(void)\n{\n"
                   "    mt_error __mt_regerr;\n    const mt_type *__mt_char = mt_type_scalar(\"char\", MT_CLASS_BYTES, 1, 1);\n"
                   "    (void)__mt_char;\n");
    tr_emit(t->tr, out);
    if (t->reg.s)
        sb_put(out, t->reg.s);
    sb_printf(out, "    mt_add_program_part(0x%016llxull);\n    return;\nfail:\n    mt_die(&__mt_regerr);\n}\n",
              (unsigned long long)t->hash);
    if (!has_main)
        return;
    /* the parameters it names: also int main(argc, argv) int argc; ... */
    int nargs = clang_Cursor_getNumArguments(main_fn->cursor);
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

/* Parses a preprocessed file for the target; NULL when libclang cannot. */
static CXTranslationUnit parse_unit(CXIndex index, const char *ipath, const char *triple, char **extra_args,
                                    int nextra, const char *text)
{
    /* (what gcc's preprocessed headers need, _Atomic and the _FloatN
     * keywords, comes in extra_args: the driver knows the compiler that
     * preprocessed the file) */
    const char *fixed[] = { "-x", "c", "-target", triple, "-D__malloc__(...)=__malloc__",
                            "-Wno-everything",
                            /* FILE *logf; int index; as gcc accepts them: no
                             * predeclared library functions in the parse */
                            "-fno-builtin" };
    int nfixed = (int)(sizeof fixed / sizeof fixed[0]);
    const char **args = xcalloc((size_t)(nfixed + nextra + 1), sizeof *args);
    for (int i = 0; i < nfixed; i++)
        args[i] = fixed[i];
    for (int i = 0; i < nextra; i++)
        args[nfixed + i] = extra_args[i];
    CXTranslationUnit tu = NULL;
    /* text, when given, is the file's contents (normalised) */
    struct CXUnsavedFile unsaved = { ipath, text, text ? (unsigned long)strlen(text) : 0 };
    enum CXErrorCode ec = clang_parseTranslationUnit2(index, ipath, args, nfixed + nextra, text ? &unsaved : NULL,
                                                      text ? 1 : 0, CXTranslationUnit_KeepGoing, &tu);
    free(args);
    return ec == CXError_Success ? tu : NULL;
}

/* Stops with the parse's errors, each at its original file and line. */
static void check_parse(CXTranslationUnit tu, const char *orig_name)
{
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
}

int transform_prescan(const char *ipath, const char *triple, char **extra_args, int nextra)
{
    CXIndex index = clang_createIndex(0, 0);
    CXTranslationUnit tu = parse_unit(index, ipath, triple, extra_args, nextra, NULL);
    int grew = tu ? hidden_prescan(tu) : 0;
    grew |= tu ? layout_prescan(tu) : 0;  /* after hidden.c's: it asks which integers hold addresses */
    grew |= tu ? stackpeek_prescan(tu) : 0;
    grew |= tu ? unaligned_prescan(tu) : 0;
    if (tu)
        clang_disposeTranslationUnit(tu);
    clang_disposeIndex(index);
    return grew;
}

char *transform_file(const char *ipath, const char *orig_name, const char *triple, char **extra_args,
                     int nextra)
{
    tunit t = { 0 };
    const char *slash = strrchr(orig_name, '/');
    t.base = slash ? slash + 1 : orig_name;
    t.eb.src = read_file(ipath, &t.eb.len);
    t.eb.render_site = emit_site;
    t.tr = tr_new(t.base);
    CXIndex index = clang_createIndex(0, 0);
    CXTranslationUnit tu = parse_unit(index, ipath, triple, extra_args, nextra, NULL);
    if (!tu)
        fatal("libclang could not parse %s", orig_name);
    check_parse(tu, orig_name);
    /* every later pass reads the normalised text (variable-length array
     * objects made heap blocks first, vla.c), its accesses through
     * pointers to packed members made unaligned ones */
    t.tu = tu;
    char *(*pre_passes[])(tunit *) = { vla_locals_unit, normalise_unit, merge_unit, unaligned_unit };
    for (size_t i = 0; i < sizeof pre_passes / sizeof pre_passes[0]; i++) {
        char *text = pre_passes[i](&t);
        if (!text)
            continue;
        clang_disposeTranslationUnit(tu);
        free((char *)t.eb.src);
        t.eb.src = text;
        t.eb.len = strlen(text);
        tu = parse_unit(index, ipath, triple, extra_args, nextra, text);
        if (!tu)
            fatal("libclang could not parse %s once normalised", orig_name);
        check_parse(tu, orig_name);
        t.tu = tu;
    }
    punned_scan(tu);  /* before any type is described: the marks go with the descriptors */
    heap_scan_unit(tu);
    find_leaves(&t);
    hidden_infer(tu, &t.reg);
    layout_infer(tu, &t.reg);  /* after hidden.c's marks, which it reads */
    stackpeek_infer(tu, &t.reg);  /* before any function is transformed: it decides their pinning */
    clang_visitChildren(clang_getTranslationUnitCursor(tu), top_level, &t);
    free_leaves(&t);
    t.hash = hash_sources(&t);
    func *main_fn = NULL;
    for (int i = 0; i < t.nfuncs; i++)
        if (t.funcs[i]->is_main)
            main_fn = t.funcs[i];
    if (mtcc_errors)
        fatal("%s uses what MigThread cannot migrate; not transformed", orig_name);
    strbuf head = { 0 };
    sb_printf(&head, "#include \"migthread-gen.h\"\nstatic const mt_type *__mt_ty[%d];\n", tr_count(t.tr) + 1);
    ed_text(ed_add(&t.eb, 0, 0, ORDER_FILE_HEAD), head.s);
    free(head.s);
    strbuf out = { 0 };
    t.eb.markers = 1;
    ed_render(&t.eb, 0, (unsigned)t.eb.len, 0, &out);
    emit_registration(&t, &out, main_fn != NULL, main_fn);
    clang_disposeTranslationUnit(tu);
    clang_disposeIndex(index);
    return out.s;
}

