/* types.c: describing C types to the runtime.
 *
 * For each type a global, frame, pinned record or heap block needs, emits
 * the runtime calls that build its descriptor from sizeof and offsetof at
 * start-up, on whatever ABI the program runs. Identities use classes, not
 * C spellings, for scalars ("sint", not "long"), so that size_t or
 * int64_t agree across ABIs although their canonical types differ. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"

typedef struct trec {
    char *key;
    int index;
} trec;

struct typereg {
    strbuf defs;
    trec *recs;
    int nrecs, ntypes;
};

typereg *tr_new(const char *file_base)
{
    (void)file_base;
    return xcalloc(1, sizeof(typereg));
}

int tr_count(typereg *tr) { return tr->ntypes; }

void tr_emit(typereg *tr, strbuf *out)
{
    if (tr->defs.s)
        sb_put(out, tr->defs.s);
}

static int find(typereg *tr, const char *key)
{
    for (int i = 0; i < tr->nrecs; i++)
        if (strcmp(tr->recs[i].key, key) == 0)
            return tr->recs[i].index;
    return -1;
}

static int remember(typereg *tr, const char *key)
{
    tr->recs = xrealloc(tr->recs, (size_t)(tr->nrecs + 1) * sizeof *tr->recs);
    tr->recs[tr->nrecs].key = xstrdup(key);
    tr->recs[tr->nrecs].index = tr->ntypes;
    tr->nrecs++;
    return tr->ntypes++;
}

/* The runtime class of a scalar type, or NULL. */
static const char *scalar_class(CXType canon, const char **idname)
{
    switch (canon.kind) {
    case CXType_Bool: *idname = "bool"; return "MT_CLASS_BOOL";
    case CXType_Char_S:
    case CXType_Char_U: *idname = "char"; return "MT_CLASS_BYTES";
    case CXType_SChar:
    case CXType_Short:
    case CXType_Int:
    case CXType_Long:
    case CXType_LongLong: *idname = "sint"; return "MT_CLASS_SINT";
    case CXType_UChar:
    case CXType_UShort:
    case CXType_UInt:
    case CXType_ULong:
    case CXType_ULongLong:
    case CXType_Char16:
    case CXType_Char32:
    case CXType_WChar: *idname = "uint"; return "MT_CLASS_UINT";
    case CXType_Float: *idname = "float"; return "MT_CLASS_FLOAT";
    case CXType_Double: *idname = "double"; return "MT_CLASS_FLOAT";
    case CXType_LongDouble: *idname = "long double"; return "MT_CLASS_LDOUBLE";
    case CXType_Enum: {
        CXType it = clang_getCanonicalType(clang_getEnumDeclIntegerType(clang_getTypeDeclaration(canon)));
        return scalar_class(it, idname);
    }
    case CXType_Pointer: {
        CXType p = clang_getCanonicalType(clang_getPointeeType(canon));
        int fn = p.kind == CXType_FunctionProto || p.kind == CXType_FunctionNoProto;
        *idname = fn ? "fnptr" : "ptr";
        return fn ? "MT_CLASS_FNPTR" : "MT_CLASS_PTR";
    }
    default: return NULL;
    }
}

/* Strips arrays, multiplying their sizes into *count. */
static CXType strip_arrays(CXType t, unsigned long long *count, const char **why)
{
    *count = 1;
    for (;;) {
        CXType c = clang_getCanonicalType(t);
        if (c.kind == CXType_IncompleteArray || c.kind == CXType_VariableArray ||
            c.kind == CXType_DependentSizedArray) {
            *why = "an array without a constant size";
            return t;
        }
        if (c.kind != CXType_ConstantArray)
            return t;
        *count *= (unsigned long long)clang_getArraySize(c);
        t = clang_getArrayElementType(c);
    }
}

typedef struct field_ctx {
    typereg *tr;
    const char *c_name;
    strbuf members;
    int n;
    const char *why;
} field_ctx;

static const char *member_line(typereg *tr, const char *c_name, const char *name, CXType t,
                               strbuf *out, const char **why);

static enum CXChildVisitResult add_field(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    field_ctx *fc = data;
    if (clang_getCursorKind(c) != CXCursor_FieldDecl || fc->why)
        return CXChildVisit_Continue;
    if (clang_Cursor_isBitField(c)) {
        fc->why = "a bit-field member";
        return CXChildVisit_Break;
    }
    CXString n = clang_getCursorSpelling(c);
    const char *name = clang_getCString(n);
    if (!*name)
        fc->why = "an unnamed member";
    else
        member_line(fc->tr, fc->c_name, name, clang_getCursorType(c), &fc->members, &fc->why);
    clang_disposeString(n);
    fc->n++;
    return fc->why ? CXChildVisit_Break : CXChildVisit_Continue;
}

/* Appends "MT_MEMBER_OF(...)," for one member of struct c_name. */
static const char *member_line(typereg *tr, const char *c_name, const char *name, CXType t,
                               strbuf *out, const char **why)
{
    unsigned long long count;
    if (t.kind == CXType_Invalid) {  /* a generated pointer member */
        sb_printf(out, "        MT_MEMBER_OF(%s, %s, MT_CLASS_PTR, 1, 0),\n", c_name, name);
        return "";
    }
    CXType elem = strip_arrays(t, &count, why);
    if (*why)
        return NULL;
    CXType canon = clang_getCanonicalType(elem);
    const char *idname, *cls = scalar_class(canon, &idname);
    if (cls) {
        sb_printf(out, "        MT_MEMBER_OF(%s, %s, %s, %llu, 0),\n", c_name, name, cls, count);
        return "";
    }
    if (canon.kind != CXType_Record) {
        *why = "a member type MigThread cannot convert (complex, vector or 128-bit)";
        return NULL;
    }
    unsigned long long one;
    const char *ref = tr_ref(tr, elem, &one, why);
    if (!ref)
        return NULL;
    CXCursor decl = clang_getTypeDeclaration(canon);
    int is_union = clang_getCursorKind(decl) == CXCursor_UnionDecl;
    sb_printf(out, "        MT_MEMBER_OF(%s, %s, %s, %llu, %s),\n", c_name, name,
              is_union ? "MT_CLASS_UNION" : "MT_CLASS_STRUCT", count, ref);
    return "";
}

static const char *record_ref(typereg *tr, CXType t, CXType canon, const char **why)
{
    CXCursor decl = clang_getTypeDeclaration(canon);
    CXString usr = clang_getCursorUSR(decl);
    char key[512];
    snprintf(key, sizeof key, "rec:%s", clang_getCString(usr));
    clang_disposeString(usr);
    static char ref[64];
    int idx = find(tr, key);
    if (idx >= 0) {
        snprintf(ref, sizeof ref, "__mt_ty[%d]", idx);
        return ref;
    }
    char *c_name = declarator(canon, "");
    if (!c_name)
        c_name = declarator(t, "");  /* an anonymous struct named by a typedef */
    if (!c_name) {
        *why = "an anonymous struct without a typedef name";
        return NULL;
    }
    field_ctx fc = { .tr = tr, .c_name = c_name };
    clang_visitChildren(decl, add_field, &fc);
    if (fc.why || fc.n == 0) {
        *why = fc.why ? fc.why : "a struct without members";
        free(fc.members.s);
        free(c_name);
        return NULL;
    }
    int is_union = clang_getCursorKind(decl) == CXCursor_UnionDecl;
    idx = remember(tr, key);
    sb_printf(&tr->defs, "    {\n        mt_member m[] = {\n%s        };\n"
                         "        __mt_ty[%d] = mt_type_define(\"%s\", sizeof(%s), _Alignof(%s), %d, m, %d, &err);\n"
                         "        if (!__mt_ty[%d]) goto fail;\n    }\n",
              fc.members.s, idx, c_name, c_name, c_name, is_union, fc.n, idx);
    free(fc.members.s);
    free(c_name);
    snprintf(ref, sizeof ref, "__mt_ty[%d]", idx);
    return ref;
}

const char *tr_ref(typereg *tr, CXType t, unsigned long long *count, const char **why)
{
    *why = NULL;
    CXType elem = strip_arrays(t, count, why);
    if (*why)
        return NULL;
    CXType canon = clang_getCanonicalType(elem);
    const char *idname, *cls = scalar_class(canon, &idname);
    if (canon.kind == CXType_Record)
        return record_ref(tr, elem, canon, why);
    if (!cls) {
        *why = "a type MigThread cannot convert (complex, vector or 128-bit)";
        return NULL;
    }
    char *spelled = declarator(elem, "");
    if (!spelled) {
        *why = "a type that cannot be named at file scope";
        return NULL;
    }
    char key[300];
    snprintf(key, sizeof key, "scalar:%s", spelled);
    static char ref[64];
    int idx = find(tr, key);
    if (idx < 0) {
        idx = remember(tr, key);
        /* Named as declared ("long", "size_t"): the source's spelling is
         * the same on every ABI, and int and long stay distinct types. */
        sb_printf(&tr->defs, "    __mt_ty[%d] = mt_type_scalar(\"%s\", %s, sizeof(%s), _Alignof(%s));\n",
                  idx, spelled, cls, spelled, spelled);
    }
    free(spelled);
    snprintf(ref, sizeof ref, "__mt_ty[%d]", idx);
    return ref;
}

const char *tr_struct(typereg *tr, const char *c_name, const char *id_name, int n,
                      const char **names, CXType *types, const char **why)
{
    strbuf m = { 0 };
    *why = NULL;
    for (int i = 0; i < n && !*why; i++)
        member_line(tr, c_name, names[i], types[i], &m, why);
    if (*why) {
        free(m.s);
        return NULL;
    }
    int idx = remember(tr, id_name);
    if (n == 0)
        sb_printf(&tr->defs, "    __mt_ty[%d] = 0;\n", idx);
    else
        sb_printf(&tr->defs, "    {\n        mt_member m[] = {\n%s        };\n"
                             "        __mt_ty[%d] = mt_type_define(\"%s\", sizeof(%s), _Alignof(%s), 0, m, %d, &err);\n"
                             "        if (!__mt_ty[%d]) goto fail;\n    }\n",
                  m.s, idx, id_name, c_name, c_name, n, idx);
    free(m.s);
    static char ref[64];
    snprintf(ref, sizeof ref, "__mt_ty[%d]", idx);
    return ref;
}
