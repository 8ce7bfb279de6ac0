/* mtcc.h: the internal interface of mtcc, one section per source file.
 *
 * mtcc preprocesses each C file with the target compiler, parses the result
 * with libclang, rewrites it through an edit buffer (frames, resume twins,
 * pinned locals, typed allocation, registration of types, globals and
 * functions) and compiles the rewritten text with the target compiler. */
#ifndef MTCC_H
#define MTCC_H

#include <clang-c/Index.h>
#include <stddef.h>

/* ---- util.c: strings and diagnostics ---------------------------------------- */

typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;

void sb_put(strbuf *b, const char *s);
void sb_putn(strbuf *b, const char *s, size_t n);
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *xstrdup(const char *s);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Warns about a construct at a cursor as "file:line: mtcc: ..." using the
 * original file and line from the preprocessor's line markers. */
void warn_at(CXCursor c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A construct mtcc refuses: the file is not transformed (mtcc_errors counts). */
void error_at(CXCursor c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
extern int mtcc_errors;
extern int mtcc_verbose;
/* --leaf-loop-chunks: loops whose turns call only leaves without loops
 * poll once per 4096 turns, not every turn (rewrite.c) */
extern int mtcc_leaf_loop_chunks;

/* ---- edit.c: the edit buffer ---------------------------------------------------- */

/* A piece of replacement text: literal text, the (edited) source of a
 * range, or a resume site, which renders differently in a function and in
 * its twin. */
enum { SEG_TEXT, SEG_RANGE, SEG_SITE, SEG_TWIN_ONLY, SEG_NORMAL_ONLY, SEG_TWIN_BODY, SEG_RANGE_ALL, SEG_EXPR, SEG_IN_PLACE,
       SEG_COPIES, SEG_NEXT_COPY, SEG_COPY };
typedef struct seg {
    int kind;
    char *text;
    unsigned start, end;
    struct site *site;
    int not_in_copy;       /* left out of the copies SEG_COPIES renders */
    int count;             /* SEG_COPIES: how many copies; SEG_COPY: its number */
    int only_copy;         /* text rendered in copy N only (a chunk's exit test, tailchunk.c) */
    char *label;           /* SEG_COPIES, SEG_NEXT_COPY: the copies' labels, numbered from 1 */
} seg;

typedef struct edit {
    unsigned start, end;   /* start == end: an insertion */
    int order;             /* among insertions at one offset */
    int hidden;            /* ignored inside SEG_RANGE_ALL renderings */
    int busy;              /* being rendered: its own SEG_EXPR of its range leaves it out */
    int seq;               /* creation order: the last tie-break of the sort (qsort is not stable) */
    seg *segs;
    int nsegs;
} edit;

typedef struct editbuf {
    const char *src;
    size_t len;
    edit *edits;
    int nedits, cap;
    int sorted;            /* edits sorted by position since the last ed_add (per file, not per process) */
    int twin;              /* rendering the resume twin */
    int copy;              /* rendering copy N (from 1) of an unrolled body (SEG_COPIES), else 0 */
    int markers;           /* re-synchronise line numbers after generated text */
    struct linemap *lines; /* built on first use by the markers */
    /* Renders a resume site's code (SEG_SITE): given by the layer that
     * knows sites (emit_site), so that this one does not call up. */
    void (*render_site)(struct editbuf *eb, struct site *s, strbuf *out);
} editbuf;

/* Where several edits start at one offset, insertions render before
 * replacements, and each kind in ascending order of its edit_order: what
 * opens (the file's head, a frame's locals, braces mtcc adds) comes before
 * what it encloses (code lifted before a statement, numbered from 1 by
 * next_order), and what closes (closing_order, counting down from
 * ORDER_CLOSING_TOP by nesting depth so that the innermost closes first)
 * comes after it.  The values are part of the output: changing one reorders
 * generated text. */
enum edit_order {
    ORDER_FILE_HEAD = -(1 << 30),  /* the generated header and type table, before everything at offset 0 */
    ORDER_LOCALS = -1000,          /* a frame's locals after its body's '{': before code lifted there */
    ORDER_STRIPMINE_HEAD = -300,   /* a strip-mined loop's inner loop at its body's start */
    ORDER_WHILE_BRACE = -200,      /* the '{' around a loop body that receives the loop's condition */
    ORDER_MOVED_BRACE = -150,      /* the '{' around a body a part of the loop is moved to the end of */
    ORDER_POLL_BRACE = -100,       /* the '{' around a single-statement loop body given a poll */
    ORDER_UNION_OPERAND = -50,     /* a union operand's replacement: before the edits it renders inside itself */
    ORDER_FN_PROLOGUE = -20,       /* save helpers and the prologue before a function */
    ORDER_HOISTED = -10,           /* strings, adapters, site descriptors hoisted before a function */
    ORDER_LITERAL_DECLS = -9,      /* a literal's declarations: after the strings hoisted from it */
    ORDER_STATIC_LOCAL = -5,       /* a static local moved before its function: after what its initialiser hoisted */
    ORDER_VOID_CAST = -3,          /* "(void)(" ")" around a for-init that made sites */
    ORDER_WRAP = -1,               /* a '{' bracing a statement: before code lifted before it */
    ORDER_HIDDEN = -1,             /* a part blanked or hidden: before the part's own edits */
    ORDER_PLAIN = 0,               /* a replacement or insertion with nothing else at its offset */
    ORDER_TWIN_DECLS = 49,         /* what the twin needs declared: just before the twin */
    ORDER_TWIN = 50,               /* the resume twin after a function's body */
    ORDER_CALLBACK_WRAPPER = 50,   /* a callback's wrapper after its function's body (the twin's slot) */
    ORDER_LOOP_COND = 1 << 29,     /* "if (!(" before a moved condition: after the code lifted there */
    ORDER_CLOSING_TOP = 1500000000, /* closing_order counts down from here by depth */
    ORDER_FN_TAIL = 2000000000     /* a function's epilogue before its '}': after every closer */
};
edit *ed_add(editbuf *eb, unsigned start, unsigned end, int order);
void ed_text(edit *e, const char *text);
/* Replaces [start, end) of src by text followed by the range's own
 * newlines and line markers (a macro of a system header leaves some inside
 * a statement), so that every later line keeps its number. */
void ed_replace_keeping_lines(editbuf *eb, const char *src, unsigned start, unsigned end, const char *text);
void ed_range(edit *e, unsigned start, unsigned end);
/* The edited text of a range, edits exactly on the range included, hidden
 * ones excluded (a loop condition moved into its body). */
void ed_range_all(edit *e, unsigned start, unsigned end);
/* The edited text of an expression moved into generated code (an
 * initializer, a returned value): every edit inside it included, one on
 * exactly its range too (a lifted call there is its temporary, not a
 * second call) and insertions at its edges (a guarded callback's). */
void ed_expr(edit *e, unsigned start, unsigned end);
/* The edited text of an expression wrapped where it stands (a union store's
 * base): every edit inside it and one on exactly its range, but not the
 * insertions at its edges, which the enclosing text renders (a call lifted
 * before the statement that the expression begins). */
void ed_in_place(edit *e, unsigned start, unsigned end);
/* A replacement of [start, end) by a name (a lifted call's temporary), with
 * a space in front where the source glues the range to a word before it
 * (`return(*f)(x)`, which would otherwise read `return__mt_t1`). */
edit *ed_replace_by_name(editbuf *eb, unsigned start, unsigned end, const char *name);
void ed_site(edit *e, struct site *s);
void ed_twin_text(edit *e, const char *text);
/* The copies of an unrolled loop body (tailcall.c): count copies of the
 * edited [start, end) (a function body from after its '{' to past its
 * '}'), each in braces, followed by after (what falling off its end
 * does) and by its successor's label, `LABEL1:`, `LABEL2:`, ... The
 * original body, rendered in place after them, is the last copy. Within a
 * copy, segments marked not_in_copy are left out and SEG_NEXT_COPY is
 * `goto LABELn;` to the next one. */
void ed_copies(edit *e, unsigned start, unsigned end, int count, const char *label, const char *after);
void ed_next_copy(edit *e, const char *label);
/* One copy, numbered n, of the edited [start, end) as ed_copies writes it
 * (in braces, followed by after), with no label: the caller places the
 * labels its jumps name (a loop of self tail calls cut into chunks,
 * tailchunk.c); and text written in copy n only. */
void ed_copy(edit *e, unsigned start, unsigned end, int n, const char *after);
void ed_copy_text(edit *e, int n, const char *text);
void ed_normal_text(edit *e, const char *text);
/* Renders [start, end) with every edit inside it applied (an edit exactly
 * equal to the range is skipped when skip_exact is 1; insertions at either
 * edge when it is 1, 2 or 3, so 3 keeps a replacement of the whole range:
 * a callee that is itself a lifted call). With markers set,
 * a line marker ("# 12 \"file.c\"") follows every edit that changes the
 * number of lines, and precedes every copied range, so that the compiler's
 * messages name the user's file and line. */
void ed_render(editbuf *eb, unsigned start, unsigned end, int skip_exact, strbuf *out);
/* skip_exact for a function body rendered as its twin: the insertions at
 * its start are its own (a call lifted before a first statement written
 * right after the '{'), those at its end are not (the twin itself). */
enum { ED_BODY = 4 };
/* skip_exact for an expression wrapped in place (SEG_IN_PLACE): a
 * replacement of the whole range kept, insertions at its edges left out. */
enum { ED_IN_PLACE = 3 };

/* ---- front.c: libclang helpers ------------------------------------------------- */

unsigned cur_start(CXCursor c);
unsigned cur_end(CXCursor c);
int in_system_header(CXCursor c);
/* The declaration of type t around the name (which may be empty for an
 * abstract declarator): "int (*name)(int)", "char *name". NULL when the
 * type cannot be written at file scope (anonymous or local types). */
char *declarator(CXType t, const char *name);
/* The same in a prototype, where a variable-length array is written [*]:
 * void mul(int n, double (*a)[*]). */
char *proto_declarator(CXType t, const char *name);
/* Children of a cursor, in order. */
typedef struct kids {
    CXCursor *c;
    int n, cap;
} kids;
kids children(CXCursor c);
/* A function definition's body (its compound statement), or a null cursor. */
CXCursor function_body(CXCursor fn);
/* 1 when hit holds for c or a node below it; below a node for which
 * closed holds (if given) nothing is looked at. */
int any_node(CXCursor c, int (*hit)(CXCursor), int (*closed)(CXCursor));
/* 1 when c is a call. */
int is_call(CXCursor c);
/* 1 when expression c holds a call. */
int contains_call(CXCursor c);
/* 1 when loop c reads or writes what another thread or a signal handler
 * may change while it runs: an object declared volatile or _Atomic, or
 * one passed to an __atomic or __sync builtin (C11's <stdatomic.h>). Such
 * a loop may wait for a thread that a capture has stopped, so it polls. */
int loop_waits(CXCursor c);
/* The function a call names, or a null cursor for a call through an
 * expression (pick(k)(h) included). */
CXCursor called_function(CXCursor call);
/* e without its parentheses and implicit conversions (libclang shows
 * those as unexposed expressions of one child). */
CXCursor bare_expr(CXCursor e);
/* 1 when e is &((T *)0)->m (through members and subscripts): offsetof
 * written by hand, a number; *record is T as written. */
int null_member_address(CXCursor e, CXType *record);
/* 1 for a char, short, int, long or long long, signed or not, of at most
 * 64 bits (not _Bool, whose conversion is not by bits, nor an enum). */
int plain_integer_type(CXType t);
/* 1 when an object of type t cannot be assigned as a whole: it is const,
 * or a struct or union with a const member at any depth (csmith's
 * `const union U1 l`, a struct with a const field). mtcc's own copies of
 * such an object are made with memcpy. */
int not_assignable(CXType t);
/* The spelling of the first token of a cursor's extent. */
char *first_token(CXTranslationUnit tu, CXCursor c);
/* The operator of a binary or unary operator cursor, read from tokens. */
char *operator_of(CXTranslationUnit tu, CXCursor c);
int binary_op(CXTranslationUnit tu, CXCursor e, const char *op);
int constant_int(CXCursor e, long long *v);
/* Finds the first token spelled tok in c's extent at or after offset from
 * and outside any bracket opened after from; stops at a bracket that
 * closes one opened before from. Returns 1 and sets *at to its offset. */
int find_token(CXTranslationUnit tu, CXCursor c, unsigned from, const char *tok, unsigned *at);

/* ---- types.c: runtime type descriptors for C types ---------------------------------- */

typedef struct typereg typereg;
typereg *tr_new(const char *file_base);
/* 1 when the elements of t are const as written, through any arrays (a
 * canonical array type may carry it on the array: T (*const table[3])(T)):
 * such an object is registered as a constant, never written on restore. */
int elements_const(CXType t);
/* An expression yielding the const mt_type * for count elements of t
 * (the element type of arrays), defining descriptors as needed; NULL with
 * *why set when t cannot be described. */
const char *tr_ref(typereg *tr, CXType t, unsigned long long *count, const char **why);
/* The same for integers that may hold what mark says (MARK_*). */
const char *tr_ref_marked(typereg *tr, CXType t, int mark, unsigned long long *count, const char **why);
/* The same for an object expr of type t whose place is path ("g",
 * "file.c:g"): a record without a tag or typedef is then written as
 * __typeof__(expr) and named "struct <anon in file.c at path>". */
const char *tr_ref_at(typereg *tr, CXType t, const char *expr, const char *path, unsigned long long *count,
                      const char **why);
/* The same for a variable or parameter decl: its integers get the address
 * class when hidden.c marked it. */
const char *tr_ref_var_at(typereg *tr, CXCursor decl, const char *expr, const char *path,
                          unsigned long long *count, const char **why);
/* Heap block types that end in an array of run-time length (the
 * runtime's mt_type_flex): for a struct with a flexible array member
 * (NULL when record has none or its element cannot be described), for a
 * header followed by count-scalar elements of elem_ref (NULL when the
 * header cannot be named), and the descriptor of a scalar or pointer type
 * known only by its spelling (a sizeof(type) operand) and class. */
const char *tr_flex_ref(typereg *tr, CXType record);
const char *tr_trailing_ref(typereg *tr, CXType header, const char *elem_ref, unsigned long long count);
const char *tr_ref_spelled(typereg *tr, const char *spelling, const char *cls);
/* The element type of record t's last member when that is an array of
 * zero or one element, or of chars (the struct hack); 0 otherwise. */
int hack_element(CXType t, CXType *elem);
/* Describes a generated struct (frame or pin) from member names and
 * types (marks, when not NULL: per member, what an integer may hold,
 * MARK_*); returns its reference expression. */
const char *tr_struct(typereg *tr, const char *c_name, const char *id_name, int n,
                      const char **names, CXType *types, const unsigned char *marks, const char **why);
/* The member at fault in the last failed tr_ref or tr_struct, so that a
 * diagnostic can name its line; a null cursor when the type itself was. */
CXCursor tr_why_at(void);
/* Writes the descriptor definitions (into the registration function). */
void tr_emit(typereg *tr, strbuf *out);
/* Writes the functions the definitions use (a reader per bit-field, by
 * which the runtime finds its bits), at file scope before them. */
void tr_emit_functions(typereg *tr, strbuf *out);
int tr_count(typereg *tr);
/* What the registry holds at a moment, to forget what a function that
 * then falls back had described (its frame and pinned records). */
typedef struct tr_mark {
    size_t defs_len, funcs_len;
    int nrecs, ntypes, nreaders;
} tr_mark;
tr_mark tr_get_mark(typereg *tr);
void tr_rollback(typereg *tr, tr_mark m);

/* ---- marks.c: the key sets of the inferences -------------------------------------- */

/* "k:USR": declaration decl under kind k ('v' a variable, 'f' a member,
 * 'r' what a function returns...), or NULL when it has no USR. */
char *usr_key(char kind, CXCursor decl);
typedef struct markset {
    char **keys;
    int n;
    int changed;  /* set by every new key: the fixpoint goes round again */
} markset;
int markset_has(const markset *m, const char *key);
/* Adds key (taken: freed when it is there already, or NULL). */
void markset_add(markset *m, char *key);
/* markset_has, then frees key. */
int markset_take(markset *m, char *key);
void markset_clear(markset *m);
/* pthread_create(&t, attr, start, arg) with start defined in the file and
 * taking one parameter: that parameter, and *arg the value it receives;
 * else a null cursor. */
CXCursor thread_start_param(CXCursor call, CXCursor *arg);

/* ---- hidden.c: the pointer inference for integers that hold addresses ---------- */

/* The definition mtcc gives MT_NOT_A_POINTER(e) when it preprocesses. */
#define HIDDEN_ANNOTATION_DEFINE "-DMT_NOT_A_POINTER(e)=((void)sizeof(struct __mt_not_a_pointer *), (e))"
/* --hidden-pointers-safe=FILE:LINE: the user vouches for that spot. */
void hidden_declare_safe(const char *file_line);
/* Runs the inference over a translation unit: marks the integer storage
 * that may hold addresses, warns about the spots it cannot follow and
 * appends to reg the runtime calls that refuse checkpoints for them. The
 * marks hold until the next call. */
void hidden_infer(CXTranslationUnit tu, strbuf *reg);
/* Several files in one command: their marks are shared from now on. */
void hidden_program_begin(void);
/* Adds the marks one file implies; returns 1 when any was new. */
int hidden_prescan(CXTranslationUnit tu);
/* 1 when a variable, parameter or member (an integer or array of them)
 * may hold an address. */
int hidden_decl(CXCursor decl);
/* 1 when integers of type elem reached through pointers may hold one. */
int hidden_elem(CXType elem);
/* 1 when the file has any integer that may hold an address: then the
 * temporaries that carry a lifted call's integer result across another
 * call are treated as such too (which value one carries is not known). */
int hidden_any(void);

/* ---- layoutnum.c: integers that hold numbers of the layout ------------------- */

/* Runs the inference over a translation unit: marks the integer storage
 * that may hold a size, an offset or a byte distance that differs between
 * layouts, and appends to reg the runtime call that says such a number may
 * depend on where a long double goes. The marks hold until the next call. */
void layout_infer(CXTranslationUnit tu, strbuf *reg);
/* Several files in one command: their marks are shared from now on. */
void layout_program_begin(void);
/* Adds the marks one file implies; returns 1 when any was new. */
int layout_prescan(CXTranslationUnit tu);
/* 1 when a variable, parameter or member (an integer or array of them)
 * may hold a number of the layout. */
int layout_decl(CXCursor decl);
/* 1 when what dest points to may hold numbers of the layout (a heap
 * block allocated for it: its integers): dest is a pointer variable or
 * parameter, or the pointer lvalue assigned (c->offs, *pp, rows[i]). */
int layout_pointee(CXCursor dest);
/* 1 when integer expression e may be a number of the layout (what a
 * temporary that carries its value across a call holds). */
int layout_value(CXCursor e);
/* What the runtime must know of an integer's values: the class types.c
 * gives it. An address wins over a layout number (hidden.c's marks). */
enum { MARK_NONE, MARK_ADDRESS, MARK_LAYOUT };
int number_mark(CXCursor decl);

/* ---- stackpeek.c: programs that look at their own C stack --------------------- */

/* Finds, over a translation unit, where the address of a local is
 * compared with or subtracted from another object's (a stack-depth check,
 * a conservative collector's stack scan): warns with file:line and appends
 * to reg the runtime calls that refuse every capture of the program. */
void stackpeek_infer(CXTranslationUnit tu, strbuf *reg);
/* Several files in one command: a local's address kept in a global of one
 * file and measured in another is followed, and a spot in any file keeps
 * the locals of every file on the C stack. */
void stackpeek_program_begin(void);
/* Adds what one file implies; returns 1 when a new mark was added. */
int stackpeek_prescan(CXTranslationUnit tu);
/* 1 when the file being transformed (or the command's program) looks at
 * its C stack: its locals are then never pinned (emit.c). */
int stackpeek_found(void);

/* ---- punned.c: union types read through a member other than the one stored ---- */

/* Finds, over one file, the union types it reads through a member it
 * never stores, or whose bytes it views as another type. */
void punned_scan(CXTranslationUnit tu);
/* Appends to out the mt_type_punned calls for the union declared at decl,
 * whose descriptor is ref (punned_scan's last file). */
void punned_marks(CXCursor decl, const char *ref, strbuf *out);
/* 1 when c, an & operator, makes a pointer to const: it stores nothing. */
int punned_read_only_address(CXCursor c);

/* ---- unaligned.c: pointers to packed structs' under-aligned members ------------- */

/* Several files in one command: the pointee types found are shared. */
void unaligned_program_begin(void);
/* Adds the pointee types one file implies; returns 1 when any was new. */
int unaligned_prescan(CXTranslationUnit tu);

/* ---- transform.c (with analyze.c, rewrite.c, emit.c; see transform.h) ----------- */

/* The pointer inference's look at one preprocessed file of several
 * (hidden.c); returns 1 when it marked anything new. */
int transform_prescan(const char *ipath, const char *triple, char **extra_args, int nextra);
/* Rewrites one preprocessed file; returns the new text (malloc'd). */
char *transform_file(const char *ipath, const char *orig_name, const char *triple,
                     char **extra_args, int nextra);

#endif
