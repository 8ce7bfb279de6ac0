/* types.c: describing C types to the runtime.
 *
 * For each type a global, frame, pinned record or heap block needs, emits
 * the runtime calls that build its descriptor from sizeof and offsetof at
 * start-up, on whatever ABI the program runs. Scalars are named by their
 * spelling as declared ("size_t", "int64_t"), never by the canonical type
 * ("unsigned long" on LP64, "unsigned int" on ILP32), so that identities
 * agree across ABIs; array elements keep that spelling through typedefs.
 * Records without a tag or typedef are named by where they are. */
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
    strbuf funcs;  /* bit-field readers, at file scope */
    int nreaders;
    trec *recs;
    int nrecs, ntypes;
    char *base;  /* the source's base name, for anonymous records' names */
};

typereg *tr_new(const char *file_base)
{
    typereg *tr = xcalloc(1, sizeof(typereg));
    tr->base = xstrdup(file_base);
    return tr;
}

int tr_count(typereg *tr) { return tr->ntypes; }

tr_mark tr_get_mark(typereg *tr)
{
    return (tr_mark){ tr->defs.len, tr->funcs.len, tr->nrecs, tr->ntypes, tr->nreaders };
}

void tr_rollback(typereg *tr, tr_mark m)
{
    for (int i = m.nrecs; i < tr->nrecs; i++)
        free(tr->recs[i].key);
    tr->nrecs = m.nrecs;
    tr->ntypes = m.ntypes;
    tr->defs.len = m.defs_len;
    if (tr->defs.s)
        tr->defs.s[m.defs_len] = '\0';
    tr->nreaders = m.nreaders;
    tr->funcs.len = m.funcs_len;
    if (tr->funcs.s)
        tr->funcs.s[m.funcs_len] = '\0';
}

void tr_emit(typereg *tr, strbuf *out)
{
    if (tr->defs.s)
        sb_put(out, tr->defs.s);
}

void tr_emit_functions(typereg *tr, strbuf *out)
{
    if (tr->funcs.s)
        sb_put(out, tr->funcs.s);
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
    case CXType_Atomic: {  /* what clang's parse shows; gcc's reads as the plain type (driver.c) */
        CXType v = clang_getCanonicalType(clang_Type_getValueType(canon));
        /* as its value only where nothing pads it (an atomic may be wider) */
        return clang_Type_getSizeOf(v) == clang_Type_getSizeOf(canon) ? scalar_class(v, idname) : NULL;
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

/* The class of an integer that may hold an address (hidden.c's marks) or
 * a number of the layout (layoutnum.c's): mark is a MARK_*, made an
 * address's when integers of elem's type reached through pointers may
 * hold one. */
static const char *marked_class(const char *cls, int mark, CXType elem)
{
    if (mark != MARK_ADDRESS && hidden_elem(elem))
        mark = MARK_ADDRESS;
    int sint = strcmp(cls, "MT_CLASS_SINT") == 0, uint = strcmp(cls, "MT_CLASS_UINT") == 0;
    if (mark == MARK_ADDRESS && (sint || uint))
        return sint ? "MT_CLASS_ADDR_SINT" : "MT_CLASS_ADDR_UINT";
    if (mark == MARK_LAYOUT && (sint || uint))
        return sint ? "MT_CLASS_LAYOUT_SINT" : "MT_CLASS_LAYOUT_UINT";
    return cls;
}

/* The class of the parts of a _Complex type, or NULL. */
static const char *complex_class(CXType canon)
{
    if (canon.kind != CXType_Complex)
        return NULL;
    const char *idname, *cls = scalar_class(clang_getCanonicalType(clang_getElementType(canon)), &idname);
    return cls && strcmp(cls, "MT_CLASS_PTR") != 0 && strcmp(cls, "MT_CLASS_FNPTR") != 0 ? cls : NULL;
}

/* Where the last failure to describe a type was: the member at fault, or
 * a null cursor when it was the type itself. */
static CXCursor why_at;

CXCursor tr_why_at(void) { return why_at; }

/* The element type of array type t as written ("int64_t", not the
 * canonical "long" of one ABI): typedefs of arrays are peeled a step at a
 * time so that the element keeps its spelling. */
static CXType element_as_written(CXType t)
{
    for (int depth = 0; depth < 64 && t.kind != CXType_ConstantArray; depth++) {
        if (t.kind == CXType_Typedef)
            t = clang_getTypedefDeclUnderlyingType(clang_getTypeDeclaration(t));
        else if (t.kind == CXType_Elaborated)
            t = clang_Type_getNamedType(t);
        else
            break;
    }
    if (t.kind != CXType_ConstantArray)
        t = clang_getCanonicalType(t);
    return clang_getArrayElementType(t);
}

/* Strips arrays, multiplying their sizes into *count. */
static CXType strip_arrays(CXType t, unsigned long long *count, const char **why)
{
    *count = 1;
    for (;;) {
        CXType c = clang_getCanonicalType(t);
        if (c.kind == CXType_IncompleteArray) {
            *why = "an array without a size";
            return t;
        }
        if (c.kind == CXType_VariableArray || c.kind == CXType_DependentSizedArray) {
            *why = "a variable-length array";
            return t;
        }
        if (c.kind != CXType_ConstantArray)
            return t;
        *count *= (unsigned long long)clang_getArraySize(c);
        t = element_as_written(t);
    }
}

/* What a type MigThread cannot convert is, for a diagnostic. */
static const char *unsupported_kind(CXType canon)
{
    switch (canon.kind) {
    case CXType_Complex: return "_Complex";
    case CXType_Int128:
    case CXType_UInt128: return "__int128";
    case CXType_Vector:
    case CXType_ExtVector: return "vector";
    case CXType_Float128: return "__float128";
    case CXType_Half:
    case CXType_Float16: return "half-precision float";
    default: return "unconvertible";
    }
}

typedef struct field_ctx {
    typereg *tr;
    const char *c_name;
    const char *path;  /* the record's identity name: where nested anonymous records are */
    strbuf members;
    int n;
    CXCursor fam;      /* its flexible array member, if any (described apart: flex_ref) */
    const char *why;
    char whybuf[400];  /* "bit-field member mode of struct flags" */
} field_ctx;

/* Names member c of record c_name in fc->why: "<what> member <name> of <record>". */
static void member_why(field_ctx *fc, CXCursor c, const char *what, const char *name)
{
    snprintf(fc->whybuf, sizeof fc->whybuf, "%s member %s of %s", what, *name ? name : "(unnamed)", fc->c_name);
    fc->why = fc->whybuf;
    if (clang_Cursor_isNull(why_at))
        why_at = c;  /* the innermost member at fault */
}

static const char *member_line(typereg *tr, const char *c_name, const char *path, const char *name,
                               CXType t, int mark, strbuf *out, const char **why);
static const char *ref_at(typereg *tr, CXType t, int mark, const char *expr, const char *path,
                          unsigned long long *count, const char **why);

static const char *pthread_object(CXType t);
static void flex_define(typereg *tr, const char *rec_key, int rec_idx, const char *c_name, CXCursor fam);

/* Appends the member line of bit-field name and the function that reads
 * it, through which the runtime finds its bits on each ABI (bitfield.c):
 * it reads, so a const member is described too. */
static void bitfield_line(field_ctx *fc, CXCursor c, const char *name, CXType canon)
{
    const char *idname, *cls = scalar_class(canon, &idname);
    if (!cls || canon.kind == CXType_Pointer) {
        member_why(fc, c, "bit-field", name);
        return;
    }
    int k = fc->tr->nreaders++;
    sb_printf(&fc->tr->funcs,
              "__attribute__((unused))  /* its record may yet fail to be described */\n"
              "static unsigned long long __mt_bf_%d(const void *__mt_o, int *__mt_positive)\n{\n"
              "    const %s *__mt_r = (const %s *)__mt_o;\n"
              "    double __mt_sign = (double)__mt_r->%s;  /* compared as an integer, a 1-bit field warns */\n"
              "    *__mt_positive = __mt_sign > 0;\n"
              "    return (unsigned long long)__mt_r->%s;\n}\n",
              k, fc->c_name, fc->c_name, name, name);
    sb_printf(&fc->members, "        MT_BITFIELD(%s, __mt_bf_%d),\n", name, k);
}

/* What uniform_union gathers: the first field, and whether every field
 * so far is a named, non-bit-field member of the first one's type. */
typedef struct {
    CXCursor first;
    int n, uniform;
} union_scan;

static enum CXChildVisitResult scan_union_field(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    union_scan *u = data;
    if (clang_getCursorKind(c) != CXCursor_FieldDecl) {
        u->uniform = 0;  /* a record defined inside: not one scalar type */
        return CXChildVisit_Break;
    }
    CXString n = clang_getCursorSpelling(c);
    int named = *clang_getCString(n) != 0;
    clang_disposeString(n);
    CXType t = clang_getCanonicalType(clang_getCursorType(c));
    if (!named || clang_Cursor_isBitField(c) || t.kind == CXType_IncompleteArray ||
        (u->n && !clang_equalTypes(t, clang_getCanonicalType(clang_getCursorType(u->first))))) {
        u->uniform = 0;
        return CXChildVisit_Break;
    }
    if (u->n++ == 0)
        u->first = c;
    return CXChildVisit_Continue;
}

/* 1 when union c's members are all one type under several names: any of
 * them holds the value of all, so the union converts as its first. */
static int uniform_union(CXCursor c, CXCursor *first)
{
    union_scan u = { .first = clang_getNullCursor(), .n = 0, .uniform = 1 };
    clang_visitChildren(c, scan_union_field, &u);
    *first = u.first;
    return u.uniform && u.n > 0;
}

static enum CXChildVisitResult add_field(CXCursor c, CXCursor parent, CXClientData data)
{
    field_ctx *fc = data;
    if (fc->why)
        return CXChildVisit_Continue;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_StructDecl && clang_getCursorKind(parent) == CXCursor_StructDecl &&
        clang_Cursor_isAnonymousRecordDecl(c)) {
        /* an anonymous struct in a struct: its members are the outer
         * struct's, by name and offset (offsetof reaches them) */
        clang_visitChildren(c, add_field, fc);
        return fc->why ? CXChildVisit_Break : CXChildVisit_Continue;
    }
    CXCursor first;
    if (k == CXCursor_UnionDecl && clang_Cursor_isAnonymousRecordDecl(c) && uniform_union(c, &first)) {
        /* an anonymous union of one type under several names (glibc's
         * struct rusage: long ru_maxrss and __syscall_slong_t
         * __ru_maxrss_word): its first member holds every member's value */
        return add_field(first, c, fc);
    }
    if ((k == CXCursor_StructDecl || k == CXCursor_UnionDecl) && clang_Cursor_isAnonymousRecordDecl(c)) {
        /* a C11 anonymous member: libclang shows its record, not its
         * (implicit, unnamed) field; it must not be dropped in silence */
        snprintf(fc->whybuf, sizeof fc->whybuf, "anonymous %s member of %s", k == CXCursor_UnionDecl ? "union" : "struct",
                 fc->c_name);
        fc->why = fc->whybuf;
        if (clang_Cursor_isNull(why_at))
            why_at = c;
        return CXChildVisit_Break;
    }
    if (k != CXCursor_FieldDecl)
        return CXChildVisit_Continue;
    CXString n = clang_getCursorSpelling(c);
    const char *name = clang_getCString(n);
    CXType t = clang_getCursorType(c);
    CXType canon = clang_getCanonicalType(t);
    const char *why = NULL;
    if (clang_Cursor_isBitField(c)) {
        if (*name)  /* an unnamed one is padding: it holds no value */
            bitfield_line(fc, c, name, canon);
        else
            fc->n--;
    } else if (canon.kind == CXType_IncompleteArray)
        fc->fam = c;  /* not a member of the header: the heap block's type adds it */
    else if (canon.kind == CXType_ConstantArray && clang_getArraySize(canon) == 0)
        fc->n--;  /* gcc's zero-length array holds no value (a heap block's type may add it: hack_define) */
    else if (!*name)
        member_why(fc, c, "anonymous struct or union", name);
    else if (!member_line(fc->tr, fc->c_name, fc->path, name, t, number_mark(c), &fc->members, &why)) {
        unsigned long long count;
        CXType elem = clang_getCanonicalType(strip_arrays(t, &count, &why));
        int nested = elem.kind == CXType_Record && !clang_Cursor_isNull(why_at);
        if (nested)  /* a member of a nested record: that one's text says it */
            snprintf(fc->whybuf, sizeof fc->whybuf, "%s", why ? why : "");
        else if (why && strncmp(why, "an anonymous struct", 19) == 0) {
            snprintf(fc->whybuf, sizeof fc->whybuf, "member %s of %s, of an anonymous struct type without a typedef name,",
                     name, fc->c_name);
            why_at = c;
        } else if (why && strcmp(why, "a member type MigThread cannot convert") != 0)
            member_why(fc, c, why, name);
        else
            member_why(fc, c, unsupported_kind(elem), name);
        fc->why = fc->whybuf;
    }
    clang_disposeString(n);
    fc->n += clang_Cursor_isNull(fc->fam);
    return fc->why ? CXChildVisit_Break : CXChildVisit_Continue;
}

/* Appends "MT_MEMBER_OF(...)," for one member of struct c_name, whose
 * identity name is path; mark: what an integer member may hold (MARK_*). */
static const char *member_line(typereg *tr, const char *c_name, const char *path, const char *name,
                               CXType t, int mark, strbuf *out, const char **why)
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
    if (cls)
        cls = marked_class(cls, mark, elem);
    if (cls) {
        sb_printf(out, "        MT_MEMBER_OF(%s, %s, %s, %llu, 0),\n", c_name, name, cls, count);
        return "";
    }
    if ((cls = complex_class(canon))) {  /* the real and imaginary parts: two elements each */
        sb_printf(out, "        MT_MEMBER_OF(%s, %s, %s, %llu, 0),\n", c_name, name, cls, 2 * count);
        return "";
    }
    if (canon.kind != CXType_Record) {
        *why = "a member type MigThread cannot convert";
        return NULL;
    }
    unsigned long long one;
    char expr[600], where[600];
    snprintf(expr, sizeof expr, "((%s *)0)->%s", c_name, name);
    snprintf(where, sizeof where, "%s.%s", path, name);
    const char *ref = ref_at(tr, t, 0, expr, where, &one, why);
    if (!ref)
        return NULL;
    CXCursor decl = clang_getTypeDeclaration(canon);
    int is_union = clang_getCursorKind(decl) == CXCursor_UnionDecl && !pthread_object(elem);
    sb_printf(out, "        MT_MEMBER_OF(%s, %s, %s, %llu, %s),\n", c_name, name,
              is_union ? "MT_CLASS_UNION" : "MT_CLASS_STRUCT", count, ref);
    return "";
}

/* The descriptor of a struct or union, defined (members first) on first
 * use. A record without a name (no tag, no typedef) is written in C as
 * __typeof__(expr), expr being an object of the type, and named by where
 * it is: "struct <anon in file.c at struct outer.pos>", never by a line. */
static const char *record_ref(typereg *tr, CXType t, CXType canon, const char *expr, const char *path,
                              const char **why)
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
    int is_union = clang_getCursorKind(decl) == CXCursor_UnionDecl;
    char *c_name = declarator(canon, "");
    if (!c_name)
        c_name = declarator(t, "");  /* an anonymous struct named by a typedef */
    char *id_name = c_name ? xstrdup(c_name) : NULL;
    int c_name_named = c_name != NULL;
    if (!c_name && expr && path) {
        c_name = xcalloc(1, strlen(expr) + 16);
        sprintf(c_name, "__typeof__(%s)", expr);
        id_name = xcalloc(1, strlen(path) + strlen(tr->base) + 32);
        sprintf(id_name, "%s <anon in %s at %s>", is_union ? "union" : "struct", tr->base, path);
    }
    if (!c_name) {
        *why = "an anonymous struct without a typedef name";
        return NULL;
    }
    int anonymous = !c_name_named;
    field_ctx fc = { .tr = tr, .c_name = c_name, .path = anonymous ? path : id_name, .fam = clang_getNullCursor() };
    clang_visitChildren(decl, add_field, &fc);
    if (fc.why || fc.n == 0) {
        static char whybuf[400];  /* fc dies here; the text must not */
        snprintf(whybuf, sizeof whybuf, "%s", fc.why ? fc.why : "a struct without members");
        *why = whybuf;
        free(fc.members.s);
        free(c_name);
        free(id_name);
        return NULL;
    }
    idx = remember(tr, key);
    sb_printf(&tr->defs, "    {\n        mt_member __mt_members[] = {\n%s        };\n"
                         "        __mt_ty[%d] = mt_type_define(\"%s\", sizeof(%s), _Alignof(%s), %d, __mt_members, %d, &__mt_regerr);\n"
                         "        if (!__mt_ty[%d]) goto fail;\n    }\n",
              fc.members.s, idx, id_name, c_name, c_name, is_union, fc.n, idx);
    free(fc.members.s);
    snprintf(ref, sizeof ref, "__mt_ty[%d]", idx);
    if (is_union)
        punned_marks(decl, ref, &tr->defs);
    if (!clang_Cursor_isNull(fc.fam))
        flex_define(tr, key, idx, c_name, fc.fam);
    free(c_name);
    free(id_name);
    snprintf(ref, sizeof ref, "__mt_ty[%d]", idx);
    return ref;
}

/* The heap block type of a struct with a flexible array member (the
 * struct's own descriptor leaves the array out): mt_type_flex of the
 * header, the array's name, offset and element. Keyed "flex:" + the
 * record's key. A element mtcc cannot describe leaves the struct without
 * one: its heap blocks are bytes. */
static void flex_define(typereg *tr, const char *rec_key, int rec_idx, const char *c_name, CXCursor fam)
{
    CXString n = clang_getCursorSpelling(fam);
    char *name = xstrdup(clang_getCString(n));
    clang_disposeString(n);
    unsigned long long count;
    const char *why;
    CXCursor saved_why_at = why_at;
    const char *eref = ref_at(tr, clang_getArrayElementType(clang_getCursorType(fam)), number_mark(fam), NULL, NULL,
                              &count, &why);
    why_at = saved_why_at;
    if (eref) {
        char elem[64], key[600];
        snprintf(elem, sizeof elem, "%s", eref);
        snprintf(key, sizeof key, "flex:%s", rec_key);
        int idx = remember(tr, key);
        sb_printf(&tr->defs, "    __mt_ty[%d] = mt_type_flex(__mt_ty[%d], \"%s\", __builtin_offsetof(%s, %s), %s, %llu, &__mt_regerr);\n"
                             "    if (!__mt_ty[%d]) goto fail;\n",
                  idx, rec_idx, name, c_name, name, elem, count, idx);
    }
    free(name);
}

/* The element type of record t's last member when that is an array of
 * zero or one element, or of chars (the struct hack older C uses for a
 * flexible array member: `char n_value[1]`, or Ptrdist bc's
 * `char n_value[1024]`, allocated as sizeof(T) + n); 0 otherwise. */
int hack_element(CXType t, CXType *elem)
{
    CXType c = clang_getCanonicalType(t);
    if (c.kind != CXType_Record)
        return 0;
    kids ch = children(clang_getTypeDeclaration(c));
    int found = 0;
    for (int i = ch.n - 1; i >= 0; i--) {
        if (clang_getCursorKind(ch.c[i]) != CXCursor_FieldDecl)
            continue;
        CXType ft = clang_getCanonicalType(clang_getCursorType(ch.c[i]));
        CXType et = clang_getCanonicalType(clang_getArrayElementType(ft));
        int chars = et.kind == CXType_Char_S || et.kind == CXType_Char_U || et.kind == CXType_SChar ||
                    et.kind == CXType_UChar;
        if (ft.kind == CXType_ConstantArray && (clang_getArraySize(ft) <= 1 || chars)) {
            *elem = clang_getArrayElementType(ft);
            found = 1;
        }
        break;  /* only the last member */
    }
    free(ch.c);
    return found;
}

/* The heap block type of a struct-hack record (keyed like a flexible
 * one): its own descriptor, whose last member the runtime leaves out of
 * a block type where the array starts (flex.c), then mt_type_flex of
 * that member. -1 when the record or its element has no descriptor. */
static int hack_define(typereg *tr, CXType record, CXType canon, const char *flex_key)
{
    unsigned long long one;
    const char *why;
    const char *rref = tr_ref(tr, canon, &one, &why);
    int rec_idx;
    if (!rref || one != 1 || sscanf(rref, "__mt_ty[%d]", &rec_idx) != 1)
        return -1;
    char *c_name = declarator(canon, "");
    if (!c_name)
        c_name = declarator(record, "");  /* an anonymous struct named by a typedef */
    CXCursor last = clang_getNullCursor();
    kids ch = children(clang_getTypeDeclaration(canon));
    for (int i = 0; i < ch.n; i++)
        if (clang_getCursorKind(ch.c[i]) == CXCursor_FieldDecl)
            last = ch.c[i];
    free(ch.c);
    if (c_name && !clang_Cursor_isNull(last))
        flex_define(tr, flex_key + strlen("flex:"), rec_idx, c_name, last);
    free(c_name);
    return find(tr, flex_key);
}

const char *tr_flex_ref(typereg *tr, CXType record)
{
    CXType canon = clang_getCanonicalType(record);
    if (canon.kind != CXType_Record)
        return NULL;
    CXString usr = clang_getCursorUSR(clang_getTypeDeclaration(canon));
    char key[600];
    snprintf(key, sizeof key, "flex:rec:%s", clang_getCString(usr));
    clang_disposeString(usr);
    if (find(tr, key) < 0) {
        unsigned long long count;
        const char *why;
        tr_ref(tr, record, &count, &why);  /* defines the record and its flex type */
    }
    int idx = find(tr, key);
    CXType elem;
    if (idx < 0 && hack_element(canon, &elem))  /* the struct hack: its last member is the array */
        idx = hack_define(tr, record, canon, key);
    if (idx < 0)
        return NULL;
    static char ref[64];
    snprintf(ref, sizeof ref, "__mt_ty[%d]", idx);
    return ref;
}

const char *tr_trailing_ref(typereg *tr, CXType header, const char *elem_ref, unsigned long long count)
{
    unsigned long long one;
    const char *why, *href = tr_ref(tr, header, &one, &why);
    char *c_name = declarator(clang_getCanonicalType(header), "");
    if (!href || one != 1 || !c_name || clang_getCanonicalType(header).kind != CXType_Record) {
        free(c_name);
        return NULL;
    }
    char h[64], key[700];
    snprintf(h, sizeof h, "%s", href);
    snprintf(key, sizeof key, "trail:%s:%s:%llu", h, elem_ref, count);
    int idx = find(tr, key);
    if (idx < 0) {
        idx = remember(tr, key);
        sb_printf(&tr->defs, "    __mt_ty[%d] = mt_type_flex(%s, \"[]\", sizeof(%s), %s, %llu, &__mt_regerr);\n"
                             "    if (!__mt_ty[%d]) goto fail;\n",
                  idx, h, c_name, elem_ref, count, idx);
    }
    free(c_name);
    static char ref[64];
    snprintf(ref, sizeof ref, "__mt_ty[%d]", idx);
    return ref;
}

const char *tr_ref_spelled(typereg *tr, const char *spelling, const char *cls)
{
    char key[300];
    const char *kind = strncmp(cls, "MT_CLASS_LAYOUT", 15) == 0 ? "layout"
                       : strncmp(cls, "MT_CLASS_ADDR", 13) == 0 ? "addr" : "scalar";  /* as ref_at's keys */
    snprintf(key, sizeof key, "%s:%s", kind, spelling);
    int idx = find(tr, key);
    if (idx < 0) {
        idx = remember(tr, key);
        sb_printf(&tr->defs, "    __mt_ty[%d] = mt_type_scalar(\"%s\", %s, sizeof(%s), _Alignof(%s));\n", idx, spelling,
                  cls, spelling, spelling);
    }
    static char ref[64];
    snprintf(ref, sizeof ref, "__mt_ty[%d]", idx);
    return ref;
}

int elements_const(CXType ty)
{
    CXType elem = ty;
    int constant = 0;
    for (;;) {
        constant |= clang_isConstQualifiedType(elem) || clang_isConstQualifiedType(clang_getCanonicalType(elem));
        CXType canon = clang_getCanonicalType(elem);
        if (canon.kind != CXType_ConstantArray)
            break;
        elem = clang_getArrayElementType(canon);
    }
    return constant;
}

const char *tr_ref(typereg *tr, CXType t, unsigned long long *count, const char **why)
{
    return tr_ref_at(tr, t, NULL, NULL, count, why);
}

const char *tr_ref_marked(typereg *tr, CXType t, int mark, unsigned long long *count, const char **why)
{
    why_at = clang_getNullCursor();
    return ref_at(tr, t, mark, NULL, NULL, count, why);
}

const char *tr_ref_var_at(typereg *tr, CXCursor decl, const char *expr, const char *path,
                          unsigned long long *count, const char **why)
{
    why_at = clang_getNullCursor();
    return ref_at(tr, clang_getCursorType(decl), number_mark(decl), expr, path, count, why);
}

const char *tr_ref_at(typereg *tr, CXType t, const char *expr, const char *path, unsigned long long *count,
                      const char **why)
{
    why_at = clang_getNullCursor();
    return ref_at(tr, t, 0, expr, path, count, why);
}

/* The pthread object a typedef chain names (pthread_mutex_t...), whose
 * portable state the runtime describes, or NULL. */
static const char *pthread_object(CXType t)
{
    static const char *const kinds[] = { "pthread_mutex_t", "pthread_cond_t", "pthread_barrier_t",
                                         "pthread_rwlock_t", "sem_t", "pthread_mutexattr_t", "pthread_condattr_t",
                                         "pthread_rwlockattr_t", "pthread_barrierattr_t", NULL };
    while (t.kind == CXType_Typedef || t.kind == CXType_Elaborated) {
        if (t.kind == CXType_Elaborated) {
            t = clang_Type_getNamedType(t);
            continue;
        }
        CXString n = clang_getTypedefName(t);
        const char *name = clang_getCString(n);
        for (int i = 0; kinds[i]; i++)
            if (strcmp(name, kinds[i]) == 0) {
                clang_disposeString(n);
                return kinds[i];
            }
        clang_disposeString(n);
        t = clang_getTypedefDeclUnderlyingType(clang_getTypeDeclaration(t));
    }
    /* jmp_buf and sigjmp_buf are arrays of struct __jmp_buf_tag: the
     * runtime describes it as holding nothing a reader needs (its own
     * comment in sync.c says why) */
    CXType canon = clang_getCanonicalType(t);
    if (canon.kind == CXType_Record) {
        CXString n = clang_getCursorSpelling(clang_getTypeDeclaration(canon));
        int jmp = strcmp(clang_getCString(n), "__jmp_buf_tag") == 0;
        clang_disposeString(n);
        if (jmp)
            return "jmp_buf";
    }
    return NULL;
}

static const char *ref_at(typereg *tr, CXType t, int mark, const char *expr, const char *path,
                          unsigned long long *count, const char **why)
{
    *why = NULL;
    CXType elem = strip_arrays(t, count, why);
    if (*why)
        return NULL;
    const char *pthread_kind = pthread_object(elem);
    if (pthread_kind) {
        static char pref[64];
        char key[80];
        snprintf(key, sizeof key, "pthread:%s", pthread_kind);
        int pidx = find(tr, key);
        if (pidx < 0) {
            pidx = remember(tr, key);
            const char *spelled = strcmp(pthread_kind, "jmp_buf") == 0 ? "struct __jmp_buf_tag" : pthread_kind;
            sb_printf(&tr->defs, "    __mt_ty[%d] = mt_type_pthread(\"%s\", sizeof(%s), _Alignof(%s));\n", pidx,
                      pthread_kind, spelled, spelled);
        }
        snprintf(pref, sizeof pref, "__mt_ty[%d]", pidx);
        return pref;
    }
    CXType canon = clang_getCanonicalType(elem);
    const char *idname, *cls = scalar_class(canon, &idname);
    if (canon.kind == CXType_Record) {
        /* an element of the array expr: expr[0][0]... */
        char *e = NULL;
        if (expr) {
            int dims = 0;
            for (CXType a = clang_getCanonicalType(t); a.kind == CXType_ConstantArray;
                 a = clang_getCanonicalType(clang_getArrayElementType(a)))
                dims++;
            e = xcalloc(1, strlen(expr) + 3 * (size_t)dims + 3);
            sprintf(e, "(%s)", expr);
            for (int i = 0; i < dims; i++)
                strcat(e, "[0]");
        }
        const char *r = record_ref(tr, elem, canon, e, path, why);
        free(e);
        return r;
    }
    const char *parts = complex_class(canon);
    if (!cls && !parts) {
        *why = unsupported_kind(canon);
        return NULL;
    }
    char *spelled = declarator(elem, "");
    if (!spelled) {
        *why = "a type that cannot be named at file scope";
        return NULL;
    }
    if (cls)  /* a _Complex has no class of its own */
        cls = marked_class(cls, mark, elem);
    int is_addr = cls && strncmp(cls, "MT_CLASS_ADDR", 13) == 0;
    int is_layout = cls && strncmp(cls, "MT_CLASS_LAYOUT", 15) == 0;
    char key[300];
    snprintf(key, sizeof key, "%s:%s", is_addr ? "addr" : is_layout ? "layout" : "scalar", spelled);
    static char ref[64];
    int idx = find(tr, key);
    if (idx < 0) {
        idx = remember(tr, key);
        /* Named as declared ("long", "size_t"): the source's spelling is
         * the same on every ABI, and int and long stay distinct types. */
        if (parts)  /* _Complex: a real and an imaginary part */
            sb_printf(&tr->defs, "    {\n        mt_member __mt_members[] = { { \"\", %s, sizeof(%s) / 2, 0, 2, 0, 0 } };\n"
                                 "        __mt_ty[%d] = mt_type_define(\"%s\", sizeof(%s), _Alignof(%s), 0, __mt_members, 1, &__mt_regerr);\n"
                                 "        if (!__mt_ty[%d]) goto fail;\n    }\n",
                      parts, spelled, idx, spelled, spelled, spelled, idx);
        else
            sb_printf(&tr->defs, "    __mt_ty[%d] = mt_type_scalar(\"%s\", %s, sizeof(%s), _Alignof(%s));\n",
                      idx, spelled, cls, spelled, spelled);
    }
    free(spelled);
    snprintf(ref, sizeof ref, "__mt_ty[%d]", idx);
    return ref;
}

const char *tr_struct(typereg *tr, const char *c_name, const char *id_name, int n,
                      const char **names, CXType *types, const unsigned char *marks, const char **why)
{
    strbuf m = { 0 };
    *why = NULL;
    why_at = clang_getNullCursor();
    for (int i = 0; i < n && !*why; i++)
        member_line(tr, c_name, id_name, names[i], types[i], marks ? marks[i] : MARK_NONE, &m, why);
    if (*why) {
        free(m.s);
        return NULL;
    }
    int idx = remember(tr, id_name);
    if (n == 0)  /* a frame that saves nothing is still a frame of the stack: its one char */
        sb_printf(&tr->defs, "    {\n        mt_member __mt_members[] = { MT_MEMBER_OF(%s, __mt_unused, MT_CLASS_BYTES, 1, 0) };\n"
                             "        __mt_ty[%d] = mt_type_define(\"%s\", sizeof(%s), _Alignof(%s), 0, __mt_members, 1, &__mt_regerr);\n"
                             "        if (!__mt_ty[%d]) goto fail;\n    }\n",
                  c_name, idx, id_name, c_name, c_name, idx);
    else
        sb_printf(&tr->defs, "    {\n        mt_member __mt_members[] = {\n%s        };\n"
                             "        __mt_ty[%d] = mt_type_define(\"%s\", sizeof(%s), _Alignof(%s), 0, __mt_members, %d, &__mt_regerr);\n"
                             "        if (!__mt_ty[%d]) goto fail;\n    }\n",
                  m.s, idx, id_name, c_name, c_name, n, idx);
    free(m.s);
    static char ref[64];
    snprintf(ref, sizeof ref, "__mt_ty[%d]", idx);
    return ref;
}
