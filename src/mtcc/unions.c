/* unions.c: telling the runtime which member of a union object is active
 * (seed 4.4). Every store into a union member (assignment, compound
 * assignment, ++ and --, a member's address taken, unless as a pointer
 * to const: punned.c) reports the member,
 * a whole assignment of an object holding unions carries the members
 * along (or forgets them when the source is no object), and initializers
 * report the members they initialize, designated or first by default.
 * Locals holding unions are pinned, so that the address the runtime
 * keys them by is the address a capture saves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtcc.h"
#include "transform.h"


static int is_union_record(CXType t)
{
    CXType c = clang_getCanonicalType(t);
    return c.kind == CXType_Record && clang_getCursorKind(clang_getTypeDeclaration(c)) == CXCursor_UnionDecl;
}

typedef struct field_scan {
    int found, hits;
    int holds;      /* holds_union: a field holding a union */
    CXCursor want;
} field_scan;

int holds_union(CXType t);

static enum CXChildVisitResult scan_field(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    field_scan *fs = data;
    if (clang_getCursorKind(c) != CXCursor_FieldDecl)
        return CXChildVisit_Continue;
    if (!clang_Cursor_isNull(fs->want) && clang_equalCursors(c, fs->want))
        fs->found = fs->hits;
    fs->hits++;
    fs->holds |= holds_union(clang_getCursorType(c));
    return CXChildVisit_Continue;
}

/* The pthread objects are unions in glibc, described by the runtime as
 * structs of its own (types.c): not unions here. */
static int pthread_typedef(CXType t)
{
    while (t.kind == CXType_Typedef || t.kind == CXType_Elaborated) {
        if (t.kind == CXType_Elaborated) {
            t = clang_Type_getNamedType(t);
            continue;
        }
        CXString n = clang_getTypedefName(t);
        int hit = strncmp(clang_getCString(n), "pthread_", 8) == 0;
        clang_disposeString(n);
        if (hit)
            return 1;
        t = clang_getTypedefDeclUnderlyingType(clang_getTypeDeclaration(t));
    }
    return 0;
}

int holds_union(CXType t)
{
    if (pthread_typedef(t))
        return 0;
    CXType c = clang_getCanonicalType(t);
    while (c.kind == CXType_ConstantArray)
        c = clang_getCanonicalType(clang_getArrayElementType(c));
    if (c.kind != CXType_Record)
        return 0;
    if (is_union_record(c))
        return 1;
    field_scan fs = { .want = clang_getNullCursor() };
    clang_visitChildren(clang_getTypeDeclaration(c), scan_field, &fs);
    return fs.holds;
}

/* The index of a field among its record's fields, as the descriptor
 * lists them; -1 when unknown. */
static int field_index(CXCursor field)
{
    if (clang_getCursorKind(field) != CXCursor_FieldDecl)
        return -1;
    field_scan fs = { .found = -1, .want = field };
    clang_visitChildren(clang_getCursorSemanticParent(field), scan_field, &fs);
    return fs.found;
}

/* The descriptor of an anonymous record declared inside another, whose
 * descriptor is made with its enclosing record's (the member path names
 * it): a store into `c->as.i` written before anything else used struct
 * cell otherwise went unreported. NULL when no enclosing record names it. */
static const char *nested_ref(tunit *t, CXType ty, unsigned long long *count, int depth)
{
    enum { MAX_NESTING = 16 };
    CXCursor parent = clang_getCursorSemanticParent(clang_getTypeDeclaration(clang_getCanonicalType(ty)));
    enum CXCursorKind pk = clang_getCursorKind(parent);
    if (depth >= MAX_NESTING || (pk != CXCursor_StructDecl && pk != CXCursor_UnionDecl))
        return NULL;
    CXType pt = clang_getCursorType(parent);
    unsigned long long pcount;
    const char *why;
    if (!tr_ref(t->tr, pt, &pcount, &why) && !nested_ref(t, pt, &pcount, depth + 1))
        return NULL;
    return tr_ref(t->tr, ty, count, &why);  /* known now if the enclosing record's descriptor made it */
}

/* The descriptor of t ("__mt_ty[3]"), copied, or NULL when the runtime
 * cannot describe it (its objects are then saved as bytes). */
static char *type_ref(tunit *t, CXType ty)
{
    unsigned long long count;
    const char *why, *ref = tr_ref(t->tr, ty, &count, &why);
    if (!ref)
        ref = nested_ref(t, ty, &count, 0);
    return ref && count == 1 ? xstrdup(ref) : NULL;
}

/* ---- expressions ----------------------------------------------------------------------- */

static int has_side_effects(tunit *t, CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_CallExpr || k == CXCursor_StmtExpr || k == CXCursor_CompoundAssignOperator)
        return 1;
    if (k == CXCursor_BinaryOperator || k == CXCursor_UnaryOperator) {
        char *op = operator_of(t->tu, c);
        int writes = strcmp(op, "=") == 0 || strcmp(op, "++") == 0 || strcmp(op, "--") == 0;
        free(op);
        if (writes)
            return 1;
    }
    kids ch = children(c);
    int any = 0;
    for (int i = 0; i < ch.n && !any; i++)
        any = has_side_effects(t, ch.c[i]);
    free(ch.c);
    return any;
}

/* 1 when &(e) is valid C: e designates an object. */
static int is_object(tunit *t, CXCursor e)
{
    e = bare_expr(e);
    enum CXCursorKind k = clang_getCursorKind(e);
    if (k == CXCursor_DeclRefExpr)
        return clang_getCursorKind(clang_getCursorReferenced(e)) == CXCursor_VarDecl ||
               clang_getCursorKind(clang_getCursorReferenced(e)) == CXCursor_ParmDecl;
    if (k == CXCursor_ArraySubscriptExpr || k == CXCursor_CompoundLiteralExpr)
        return 1;
    if (k == CXCursor_UnaryOperator) {
        char *op = first_token(t->tu, e);
        int deref = strcmp(op, "*") == 0;
        free(op);
        return deref;
    }
    if (k == CXCursor_MemberRefExpr) {
        kids ch = children(e);
        int ok = ch.n > 0 && (clang_getCanonicalType(clang_getCursorType(ch.c[0])).kind == CXType_Pointer ||
                              is_object(t, ch.c[0]));
        free(ch.c);
        return ok;
    }
    return 0;
}

/* A replacement of [start, end) by pre, the edited text of the range, post. */
static void wrap_range(tunit *t, unsigned start, unsigned end, const char *pre, const char *post)
{
    edit *e = ed_add(&t->eb, start, end, ORDER_UNION_OPERAND);
    ed_text(e, pre);
    ed_in_place(e, start, end);
    ed_text(e, post);
}

/* BASE.m (or BASE->m) stores into member idx of the union BASE. */
static void note_member(tunit *t, CXCursor base, int arrow, int idx, const char *ref)
{
    unsigned start = cur_start(base), end = cur_end(base);
    if (end <= start)
        return;
    char post[96];
    snprintf(post, sizeof post, "), %d, %s)", idx, ref);
    wrap_range(t, start, end, arrow ? "MT_UNION_VIA((" : "MT_UNION_AT(&(", post);
}

/* The unions a store into lhs stores into: each member access on a union
 * along lhs, through '.' and array elements, up to the first pointer. */
static void note_chain(tunit *t, CXCursor lhs)
{
    CXCursor e = bare_expr(lhs);
    for (int depth = 0; depth < 64; depth++) {
        enum CXCursorKind k = clang_getCursorKind(e);
        kids ch = children(e);
        CXCursor base = ch.n ? ch.c[0] : clang_getNullCursor();
        free(ch.c);
        if (clang_Cursor_isNull(base))
            return;
        if (k == CXCursor_MemberRefExpr) {
            CXType bt = clang_getCanonicalType(clang_getCursorType(base));
            int arrow = bt.kind == CXType_Pointer;
            CXType rt = arrow ? clang_getCanonicalType(clang_getPointeeType(bt)) : bt;
            if (is_union_record(rt) && !pthread_typedef(clang_getCursorType(base))) {
                int idx = field_index(clang_getCursorReferenced(e));
                char *ref = idx >= 0 ? type_ref(t, rt) : NULL;
                if (ref)
                    note_member(t, base, arrow, idx, ref);
                free(ref);
            }
            if (arrow)
                return;
            e = bare_expr(base);
        } else if (k == CXCursor_ArraySubscriptExpr) {
            CXCursor arr = bare_expr(base);
            if (clang_getCanonicalType(clang_getCursorType(arr)).kind != CXType_ConstantArray)
                return;
            e = arr;
        } else {
            return;
        }
    }
}

/* 1 when e is a call to a function of the program (or through a
 * pointer), whose returns hand over the members of the unions (mtcc's
 * output; the system's functions do not). */
static int returned_by_program(CXCursor e)
{
    e = bare_expr(e);
    if (clang_getCursorKind(e) != CXCursor_CallExpr)
        return 0;
    int unknown;
    return !clang_Cursor_isNull(program_callee(e, &unknown)) || unknown;
}

/* Makes the evaluation of e, a value of a type holding unions (ref),
 * leave its members for mt_union_take: a call to a function of the
 * program does (its return did), an object hands its own over, a
 * conditional does what its arm does, and anything else clears them once
 * it is computed (its own calls may have handed some over). */
static void carry(tunit *t, CXCursor e, const char *ref, int depth)
{
    CXCursor b = bare_expr(e);
    if (clang_getCursorKind(b) == CXCursor_ConditionalOperator && depth < 16) {
        kids ch = children(b);
        if (ch.n == 3) {
            carry(t, ch.c[1], ref, depth + 1);
            carry(t, ch.c[2], ref, depth + 1);
            free(ch.c);
            return;
        }
        free(ch.c);
    }
    if (returned_by_program(b))
        return;
    char buf[160];
    if (is_object(t, b)) {
        snprintf(buf, sizeof buf, "), %s)", ref);
        wrap_range(t, cur_start(b), cur_end(b), "MT_UNION_RET(&(", buf);
        return;
    }
    snprintf(buf, sizeof buf, "); mt_union_ret(0, %s); __mt_rv; })", ref);
    edit *r = ed_add(&t->eb, cur_start(b), cur_end(b), ORDER_UNION_OPERAND);
    ed_text(r, "__extension__ ({ __typeof__(");
    ed_expr(r, cur_start(b), cur_end(b));
    ed_text(r, ") __mt_rv = (");
    ed_expr(r, cur_start(b), cur_end(b));
    ed_text(r, buf);
}

/* The unions along e's member path (as note_chain finds them) are
 * forgotten: code mtcc does not see may store into them. */
static void forget_chain(tunit *t, CXCursor e)
{
    e = bare_expr(e);
    for (int depth = 0; depth < 64; depth++) {
        enum CXCursorKind k = clang_getCursorKind(e);
        kids ch = children(e);
        CXCursor base = ch.n ? ch.c[0] : clang_getNullCursor();
        free(ch.c);
        if (clang_Cursor_isNull(base))
            return;
        if (k == CXCursor_MemberRefExpr) {
            CXType bt = clang_getCanonicalType(clang_getCursorType(base));
            int arrow = bt.kind == CXType_Pointer;
            CXType rt = arrow ? clang_getCanonicalType(clang_getPointeeType(bt)) : bt;
            char *ref = is_union_record(rt) ? type_ref(t, rt) : NULL;
            if (ref) {
                char post[96];
                snprintf(post, sizeof post, "), %s)", ref);
                wrap_range(t, cur_start(base), cur_end(base), arrow ? "MT_UNION_FORGET_VIA((" : "MT_UNION_FORGET(&(",
                           post);
            }
            free(ref);
            if (arrow)
                return;
            e = bare_expr(base);
        } else if (k == CXCursor_ArraySubscriptExpr) {
            CXCursor arr = bare_expr(base);
            if (clang_getCanonicalType(clang_getCursorType(arr)).kind != CXType_ConstantArray)
                return;
            e = arr;
        } else {
            return;
        }
    }
}

static CXCursor strip_casts(CXCursor e)
{
    for (int depth = 0; depth < 16; depth++) {
        e = bare_expr(e);
        if (clang_getCursorKind(e) != CXCursor_CStyleCastExpr)
            return e;
        kids ch = children(e);
        CXCursor inner = ch.n ? ch.c[ch.n - 1] : clang_getNullCursor();
        free(ch.c);
        if (clang_Cursor_isNull(inner))
            return e;
        e = inner;
    }
    return e;
}

/* A call into the system (memcpy, strcpy, fread...) may store into what
 * it is given: `&X` of an object holding unions forgets X's members, and
 * `&u.m` or an array member `u.s` of a union forgets u's. */
static void note_system_call(tunit *t, CXCursor call)
{
    CXCursor callee = clang_getCursorReferenced(call);
    if (clang_Cursor_isNull(callee) || !in_system_header(callee))
        return;
    int n = clang_Cursor_getNumArguments(call);
    for (int i = 0; i < n; i++) {
        CXCursor a = strip_casts(clang_Cursor_getArgument(call, (unsigned)i));
        CXCursor target = a;
        if (clang_getCursorKind(a) == CXCursor_UnaryOperator) {
            char *op = first_token(t->tu, a);
            int addr = strcmp(op, "&") == 0;
            free(op);
            if (!addr)
                continue;
            kids ch = children(a);
            target = ch.n ? bare_expr(ch.c[0]) : clang_getNullCursor();
            free(ch.c);
            if (clang_Cursor_isNull(target))
                continue;
            char *ref = holds_union(clang_getCursorType(target)) ? type_ref(t, clang_getCursorType(target)) : NULL;
            if (ref) {
                char post[96];
                snprintf(post, sizeof post, "), %s)", ref);
                wrap_range(t, cur_start(target), cur_end(target), "MT_UNION_FORGET(&(", post);
                free(ref);
                continue;  /* the object's own unions: its path's are left as they are */
            }
        } else if (clang_getCanonicalType(clang_getCursorType(a)).kind != CXType_ConstantArray) {
            continue;  /* only an array member, decayed, gives the callee a union's bytes */
        }
        forget_chain(t, target);
    }
}

/* X = Y for objects holding unions: Y's members go along when Y is an
 * object, else X's are forgotten. */
static void note_whole(tunit *t, CXCursor assign, CXCursor x, CXCursor y)
{
    char *ref = type_ref(t, clang_getCursorType(x));
    if (!ref)
        return;
    char buf[160];
    CXCursor lit = bare_expr(y);
    kids lk = children(lit);
    CXCursor list = clang_getCursorKind(lit) == CXCursor_CompoundLiteralExpr && lk.n
                        ? lk.c[lk.n - 1] : clang_getNullCursor();
    free(lk.c);
    if (!clang_Cursor_isNull(list) && clang_getCursorKind(list) == CXCursor_InitListExpr) {
        /* X = (T){ ... }: the members the braces name, as for an initializer */
        strbuf tags = { 0 };
        union_init_tags(t, clang_getCursorType(x), list, "*__mt_ud", &tags);
        edit *e = ed_add(&t->eb, cur_start(assign), cur_end(assign), ORDER_UNION_OPERAND);
        ed_text(e, "__extension__ ({ __typeof__(&(");
        ed_expr(e, cur_start(x), cur_end(x));
        ed_text(e, ")) __mt_ud = &(");
        ed_expr(e, cur_start(x), cur_end(x));
        ed_text(e, "); *__mt_ud = (");
        ed_expr(e, cur_start(y), cur_end(y));
        snprintf(buf, sizeof buf, "); mt_union_forget(__mt_ud, %s);", ref);
        ed_text(e, buf);
        if (tags.s)
            ed_text(e, tags.s);
        ed_text(e, " *__mt_ud; })");
        free(tags.s);
    } else if (is_object(t, y)) {
        /* a statement expression: its value may go unused without a warning */
        edit *e = ed_add(&t->eb, cur_start(assign), cur_end(assign), ORDER_UNION_OPERAND);
        ed_text(e, "__extension__ ({ __typeof__(&(");
        ed_expr(e, cur_start(x), cur_end(x));
        ed_text(e, ")) __mt_ud = &(");
        ed_expr(e, cur_start(x), cur_end(x));
        ed_text(e, "); mt_union_assign(__mt_ud, &(");
        ed_expr(e, cur_start(y), cur_end(y));
        snprintf(buf, sizeof buf, "), sizeof *__mt_ud, %s); *__mt_ud; })", ref);
        ed_text(e, buf);
    } else {
        carry(t, y, ref, 0);
        /* after the call, which C does not order against X's address: X's
         * address first, then the store, then the take */
        edit *e = ed_add(&t->eb, cur_start(assign), cur_end(assign), ORDER_UNION_OPERAND);
        ed_text(e, "__extension__ ({ __typeof__(&(");
        ed_expr(e, cur_start(x), cur_end(x));
        ed_text(e, ")) __mt_ud = &(");
        ed_expr(e, cur_start(x), cur_end(x));
        ed_text(e, "); *__mt_ud = (");
        ed_expr(e, cur_start(y), cur_end(y));
        snprintf(buf, sizeof buf, "); mt_union_take(__mt_ud, %s); *__mt_ud; })", ref);
        ed_text(e, buf);
    }
    free(ref);
}

/* return E; in a function whose value holds unions: E's members go to
 * the caller (mt_union_ret), or none when E is no object; a call to a
 * function of the program hands on what that one returned. */
void union_note_return(tunit *t, CXType ret, CXCursor stmt)
{
    if (!holds_union(ret))
        return;
    kids ch = children(stmt);
    CXCursor e = ch.n ? ch.c[0] : clang_getNullCursor();
    free(ch.c);
    if (clang_Cursor_isNull(e))
        return;
    char *ref = type_ref(t, ret);
    if (ref)
        carry(t, e, ref, 0);
    free(ref);
}

/* ++ or -- (before or after) and & before: the operator of a unary
 * expression, read from its first and last tokens. */
static int unary_store(tunit *t, CXCursor c)
{
    CXToken *toks;
    unsigned n;
    clang_tokenize(t->tu, clang_getCursorExtent(c), &toks, &n);
    int store = 0;
    for (unsigned i = 0; i < n && i < 2 && !store; i++) {
        CXString sp = clang_getTokenSpelling(t->tu, toks[i ? n - 1 : 0]);
        const char *s = clang_getCString(sp);
        store = strcmp(s, "++") == 0 || strcmp(s, "--") == 0 || (i == 0 && strcmp(s, "&") == 0);
        clang_disposeString(sp);
    }
    clang_disposeTokens(t->tu, toks, n);
    return store;
}

void union_note_store(tunit *t, CXCursor c)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_CallExpr) {
        note_system_call(t, c);
        return;
    }
    if (k != CXCursor_BinaryOperator && k != CXCursor_CompoundAssignOperator && k != CXCursor_UnaryOperator)
        return;
    kids ch = children(c);
    if (ch.n == 0) {
        free(ch.c);
        return;
    }
    CXCursor lhs = ch.c[0];
    if (k == CXCursor_UnaryOperator) {
        if (unary_store(t, c) && !punned_read_only_address(c))
            note_chain(t, lhs);
    } else if (k == CXCursor_CompoundAssignOperator) {
        note_chain(t, lhs);
    } else if (ch.n == 2) {
        char *op = operator_of(t->tu, c);
        if (strcmp(op, "=") == 0) {
            note_chain(t, lhs);
            if (holds_union(clang_getCursorType(lhs)))
                note_whole(t, c, lhs, ch.c[1]);
        }
        free(op);
    }
    free(ch.c);
}

/* ---- initializers ----------------------------------------------------------------------- */

typedef struct init_walk {
    tunit *t;
    strbuf *out;
    int bail;    /* a form not followed (brace elision): nothing more is said */
} init_walk;

static void init_object(init_walk *w, CXType type, CXCursor init, const char *obj);

/* 1 for a designated initializer (libclang: an unexposed expression of
 * type void, designators first, the value last). */
static int designated(CXCursor c)
{
    if (clang_getCursorKind(c) != CXCursor_UnexposedExpr ||
        clang_getCanonicalType(clang_getCursorType(c)).kind != CXType_Void)
        return 0;
    kids ch = children(c);
    int n = ch.n;
    free(ch.c);
    return n >= 2;
}

/* The i-th field of a record, or a null cursor. */
typedef struct nth_field {
    int want, seen;
    CXCursor hit;
} nth_field;

static enum CXChildVisitResult find_nth(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    nth_field *nf = data;
    if (clang_getCursorKind(c) != CXCursor_FieldDecl)
        return CXChildVisit_Continue;
    if (nf->seen++ == nf->want) {
        nf->hit = c;
        return CXChildVisit_Break;
    }
    return CXChildVisit_Continue;
}

static CXCursor nth_field_of(CXType rec, int i)
{
    nth_field nf = { i, 0, clang_getNullCursor() };
    clang_visitChildren(clang_getTypeDeclaration(clang_getCanonicalType(rec)), find_nth, &nf);
    return nf.hit;
}

static void note_init_member(init_walk *w, CXType rec, const char *obj, int idx)
{
    if (!is_union_record(rec))
        return;
    char *ref = type_ref(w->t, rec);
    if (ref)
        sb_printf(w->out, " mt_union_set(&(%s), %d, %s);", obj, idx, ref);
    free(ref);
}

/* value initializes the subobject of type ty at sub: a braced list, a
 * string for a char array, a scalar, or an object of the same type. */
static void init_value(init_walk *w, CXType ty, CXCursor value, const char *sub)
{
    CXType c = clang_getCanonicalType(ty);
    int aggregate = c.kind == CXType_Record || c.kind == CXType_ConstantArray;
    if (clang_getCursorKind(value) == CXCursor_InitListExpr) {
        init_object(w, ty, value, sub);
    } else if (aggregate && clang_getCursorKind(bare_expr(value)) != CXCursor_StringLiteral &&
               !clang_equalTypes(clang_getCanonicalType(clang_getCursorType(value)), c)) {
        w->bail = 1;  /* brace elision: the following values fill this subobject */
    }
}

/* One designator chain (.a.b[2] = value) applied from the object obj of type ty. */
static void init_designated(init_walk *w, CXType ty, CXCursor d, const char *obj, int *pos)
{
    kids ch = children(d);
    char cur[1024];
    snprintf(cur, sizeof cur, "%s", obj);
    CXType at = ty;
    for (int i = 0; i + 1 < ch.n && !w->bail; i++) {
        CXCursor g = ch.c[i];
        CXType c = clang_getCanonicalType(at);
        char next[1024];
        if (clang_getCursorKind(g) == CXCursor_MemberRef && c.kind == CXType_Record) {
            CXCursor f = clang_getCursorReferenced(g);
            int idx = field_index(f);
            char *name = spell(f);
            if (idx < 0) {
                w->bail = 1;
            } else {
                note_init_member(w, c, cur, idx);
                if (i == 0)
                    *pos = idx + 1;
                if (snprintf(next, sizeof next, "(%s).%s", cur, name) >= (int)sizeof next)
                    w->bail = 1;
                at = clang_getCursorType(f);
            }
            free(name);
        } else if (c.kind == CXType_ConstantArray) {
            CXEvalResult r = clang_Cursor_Evaluate(g);
            if (!r || clang_EvalResult_getKind(r) != CXEval_Int) {
                w->bail = 1;
            } else {
                long long k = clang_EvalResult_getAsLongLong(r);
                if (i == 0)
                    *pos = (int)k + 1;
                if (snprintf(next, sizeof next, "(%s)[%lld]", cur, k) >= (int)sizeof next)
                    w->bail = 1;
                at = clang_getArrayElementType(c);
            }
            if (r)
                clang_EvalResult_dispose(r);
        } else {
            w->bail = 1;
        }
        if (!w->bail)
            snprintf(cur, sizeof cur, "%s", next);
    }
    if (!w->bail && ch.n >= 2)
        init_value(w, at, ch.c[ch.n - 1], cur);
    free(ch.c);
}

static void init_object(init_walk *w, CXType type, CXCursor init, const char *obj)
{
    CXType c = clang_getCanonicalType(type);
    if (w->bail || !holds_union(c) || clang_getCursorKind(init) != CXCursor_InitListExpr)
        return;
    int is_array = c.kind == CXType_ConstantArray;
    long long n = is_array ? clang_getArraySize(c) : 0;
    kids ch = children(init);
    int pos = 0;
    for (int i = 0; i < ch.n && !w->bail; i++) {
        if (designated(ch.c[i])) {
            init_designated(w, type, ch.c[i], obj, &pos);
            continue;
        }
        char sub[1024];
        if (is_array) {
            if (pos >= n)
                break;
            snprintf(sub, sizeof sub, "(%s)[%d]", obj, pos);
            init_value(w, clang_getArrayElementType(c), ch.c[i], sub);
        } else {
            CXCursor f = nth_field_of(c, pos);
            if (clang_Cursor_isNull(f))
                break;
            note_init_member(w, c, obj, pos);
            char *name = spell(f);
            snprintf(sub, sizeof sub, "(%s).%s", obj, name);
            free(name);
            init_value(w, clang_getCursorType(f), ch.c[i], sub);
            if (is_union_record(c))
                break;  /* a union takes one value */
        }
        pos++;
    }
    free(ch.c);
}

void union_init_tags(tunit *t, CXType type, CXCursor init, const char *obj, strbuf *out)
{
    if (clang_Cursor_isNull(init) || !holds_union(type))
        return;
    init_walk w = { t, out, 0 };
    init_object(&w, type, init, obj);
}

void union_pinned_init(tunit *t, edit *e, const char *obj, CXType type, CXCursor init)
{
    if (clang_Cursor_isNull(init) || !holds_union(type))
        return;
    if (clang_getCursorKind(init) == CXCursor_InitListExpr) {
        strbuf tags = { 0 };
        union_init_tags(t, type, init, obj, &tags);
        if (tags.s)
            ed_text(e, tags.s);
        free(tags.s);
        return;
    }
    char *ref = type_ref(t, type);
    if (ref && !(is_object(t, init) && !has_side_effects(t, init))) {  /* Value v = f(); */
        carry(t, init, ref, 0);
        char buf[1200];
        snprintf(buf, sizeof buf, " mt_union_take(&(%s), %s);", obj, ref);
        ed_text(e, buf);
    } else if (ref) {  /* Value v = w; */
        char buf[1200];
        snprintf(buf, sizeof buf, " mt_union_copy(&(%s), &(", obj);
        ed_text(e, buf);
        ed_expr(e, cur_start(init), cur_end(init));
        snprintf(buf, sizeof buf, "), %s);", ref);
        ed_text(e, buf);
    }
    free(ref);
}

const char *union_heap_wrapper(const char *wrapper, CXType elem)
{
    static const char *const with_unions[] = { "mt_malloc", "mt_calloc", "mt_realloc", "mt_reallocarray",
                                               "mt_aligned_alloc", "mt_posix_memalign", "mt_memalign",
                                               "mt_valloc", NULL };
    static char name[64];
    if (!holds_union(elem))
        return wrapper;
    for (int i = 0; with_unions[i]; i++)
        if (strcmp(wrapper, with_unions[i]) == 0) {
            snprintf(name, sizeof name, "%s_u", wrapper);
            return name;
        }
    return wrapper;
}
