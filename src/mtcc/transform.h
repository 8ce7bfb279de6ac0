/* transform.h: the state of one function while transform.c rewrites it. */
#ifndef MTCC_TRANSFORM_H
#define MTCC_TRANSFORM_H

#include <stdint.h>

#include "mtcc.h"

typedef struct var {
    CXCursor decl;
    char *name;        /* in the generated code */
    char *written;     /* in the source (name differs for a local renamed by name_local) */
    char *member;      /* its member in the frame or pinned record */
    CXType type;
    int is_param, pinned, is_static;
    int array_pin;     /* pinned only for being an array (analyze.c: unpin_local_arrays) */
    int const_pin;     /* pinned only for being a const number or pointer */
    int addr_taken;    /* named under a unary & */
    int decayed;       /* a parameter written as an array: a pointer to its element */
    int always_live;   /* saved at every site (tailcall.c's accumulator, vla.c's bounds) */
    int vla_ptr;       /* a parameter or local pointing to a variable-length array: saved as void * (vla.c) */
    int vla_bound;     /* a parameter such a parameter's type depends on */
    int bounds, nbounds; /* a local vla_ptr: the variables holding its bounds' values (vla.c) */
    char *vla_type;    /* its type with those variables as bounds: "double (*)[__mt_b3_0]" */
    char *static_name; /* hoisted static locals */
} var;

enum { SITE_CALL, SITE_POLL };

/* A loop around a site: the whole statement, and its body. */
typedef struct loop_span {
    unsigned start, end, body_start, body_end;
} loop_span;

typedef struct site {
    int no, kind;
    int order;                         /* among the code lifted to one offset (next_order) */
    unsigned call_start, call_end;     /* SITE_CALL: the call */
    unsigned callee_start, callee_end; /* its callee expression */
    char *direct_twin;                 /* the callee's twin when it is known here */
    int reissue;                       /* a blocking runtime call: resumed by calling it again */
    char *temp;                        /* result temporary, or NULL for void */
    int temp_index;                    /* its index in fn->temps, or -1 */
    char *fnptr_type;                  /* "RT (*)(void)" */
    int *vars, nvars;                  /* variables in scope there */
    unsigned pos;                      /* where its code goes: the start of its anchor */
    loop_span *loops;                  /* the loops around it, outermost first */
    int nloops;
    unsigned char *live;               /* per variable: may be read after the site (live.c) */
    unsigned char *live_temp;          /* per temporary: holds a value not yet used */
    struct func *fn;
} site;

/* A temporary that carries an operand's value out of code lifted before
 * its statement (lift.c): it holds a value from the lifted code at pos
 * with the given order until the statement reads it. */
typedef struct lifted_temp {
    int temp_index;
    unsigned pos;
    int order;
} lifted_temp;

typedef struct func {
    CXCursor cursor;
    char *name, *reg_name, *cname;     /* cname: the identifier used in generated names */
    int is_static, is_main, is_variadic, no_return;
    int unprototyped;                  /* int f() {...}, int f(a) int a; {...} */
    int fallback;                      /* unsupported construct: no adaptation points */
    int is_leaf;                       /* can never unwind (leaves.c) */
    int tail_calls;                    /* calls to itself that become jumps (tailcall.c) */
    int tail_op;                       /* '+' or '*' when they accumulate, else 0 */
    int tail_acc;                      /* the accumulator's variable */
    int tail_countdown;                /* its jumps may poll every TAIL_TURNS turns (1), and one does (2) */
    int loop_countdown;                /* a loop of short turns polls every LOOP_TURNS turns (rewrite.c) */
    int tail_unroll;                   /* its loop may be written TAIL_COPIES times over (tailcall.c) */
    struct tail_chunk *tail_chunk;     /* or, counted, cut into chunks instead (tailchunk.c) */
    CXCursor *sib_callees;             /* other functions it calls in tail position, no check after */
    int nsib;
    const char *fallback_why;
    CXCursor fallback_at;
    CXType ret;
    int ret_void;
    var *vars;
    int nvars;
    site **sites;
    int nsites;
    char **temps;
    CXType *temp_types;
    unsigned char *temp_marks;  /* MARK_*: what each temporary's integer may hold */
    int ntemps;
    lifted_temp *lifted;
    int nlifted;
    int orders;                        /* the last order handed out (next_order) */
    int npinned;
    unsigned body_start, body_end;     /* '{' and one past '}' */
} func;


/* One translation unit being transformed. */
typedef struct tunit {
    CXTranslationUnit tu;
    editbuf eb;
    typereg *tr;
    const char *base;         /* the source file's base name */
    func **funcs;
    int nfuncs;
    strbuf reg;               /* registration statements */
    strbuf helpers;           /* file-scope helpers the registration uses */
    int nstrings;
    int nliterals;            /* file-scope compound literals made objects (transform.c) */
    uint64_t hash;
    CXCursor cur_fn_decl;     /* where hoisted file-scope text goes */
    char **globals;           /* registered so far */
    int nglobals;
    char **files;             /* the user's source files, for the identity */
    int nfiles;
    struct fninfo *fns;       /* its function definitions, for leaves.c */
    int nfns;
} tunit;

/* Where the calls of the statement being visited are lifted to
 * (lift_point): a nested visit that moves it saves and restores it whole. */
typedef struct lift_anchor {
    CXCursor stmt;            /* the statement: lifted code goes before it */
    int wrap;                 /* stmt is braced first (the body of a control statement) */
    int depth;                /* stmt's depth among the ancestors */
    int at_set;               /* lifted code goes to at instead */
    unsigned at;
} lift_anchor;

typedef struct walk {
    tunit *t;
    func *fn;
    int *scope, nscope, capscope;
    lift_anchor anchor;
    int order_base;           /* added to next_order's (code moved to a body's end) */
    int cond_ctx, unevaluated, loop_header;
    int decl_hoisted;         /* a for clause's declaration, moved before the loop */
    int leaf_calls;           /* calls to leaves (no site) seen so far */
    int short_leaf_calls;     /* of leaf_calls, those of leaves without loops */
    int counted_body;         /* visiting the body of a counted loop: its calls of leaves without loops need no poll */
    int loops_seen;
    int long_loops;           /* loops seen that are not short (a poll's reason) */
    long inner_work;          /* the most iterations of the short loops nested here */
    long body_trips;          /* the loop being visited runs at most this often (0: unknown) */
    int waits;                /* the loop being visited may wait for another thread (loop_waits): it polls */
    loop_span *loops;         /* the loops around the walk, outermost first */
    int nloops, caploops;
    CXCursor after_check;     /* the block item just after one that checks after its call, if any */
    CXCursor *anc;            /* ancestors, innermost last */
    int nanc, capanc;
} walk;

/* ---- analyze.c ---- */
char *spell(CXCursor c);
int same_cursor(CXCursor a, CXCursor b);
unsigned stmt_end(tunit *t, CXCursor c);
void set_fallback(func *fn, CXCursor at, const char *why);
int find_var(func *fn, CXCursor decl);
int add_var(func *fn, CXCursor decl, int is_param);
void analyze(tunit *t, func *fn, CXCursor c);
/* After analyze: an array of numbers or pointers named only as `a[i]`
 * (no &, never decayed to a pointer that leaves the subscript) and
 * initialized without calls is not pinned: it lives in the function's
 * frame and is saved and reloaded by value like a scalar. */
void unpin_local_arrays(tunit *t, func *fn, CXCursor body);
/* The declaration of variable v under the given name (a parameter written
 * as an array is declared as the pointer it is). */
char *var_declarator(const var *v, const char *name);

/* ---- unions.c ---- */
/* 1 when objects of type t hold a union (t is one, or has one inside). */
int holds_union(CXType t);
/* Edits after the walk visited c (an assignment, compound assignment, ++,
 * -- or &) that tell the runtime which union members it stores into. */
void union_note_store(tunit *t, CXCursor c);
/* The same for a return statement of a function returning ret. */
void union_note_return(tunit *t, CXType ret, CXCursor stmt);
/* Appends " mt_union_set(...);" statements to out for the union members
 * that init (a braced initializer) initializes in the object obj (C text). */
void union_init_tags(tunit *t, CXType type, CXCursor init, const char *obj, strbuf *out);
/* The same after a pinned local's initialization (edit e), which copies
 * the members of an object it is initialized from. */
void union_pinned_init(tunit *t, edit *e, const char *obj, CXType type, CXCursor init);
/* The allocation wrapper for blocks of elem: the _u one when they hold unions. */
const char *union_heap_wrapper(const char *wrapper, CXType elem);

/* ---- rewrite.c ---- */
/* How visit takes a node (flags; VISIT_PART alone for a part of the
 * statement being visited, whose calls are lifted before that statement). */
enum visit_how {
    VISIT_PART = 0,
    VISIT_STMT = 1 << 0,       /* a statement: the calls in it are lifted to just before it */
    VISIT_WRAP = 1 << 1,       /* with VISIT_STMT: braced first when code is lifted before it */
    VISIT_LOOP_BODY = 1 << 2   /* a loop's body: given a poll at its end when it needs one */
};
void visit(walk *w, CXCursor c, int how);
site *new_site(walk *w, int kind);
/* A new temporary of the function, named __mt_tN, that will carry the
 * value of expression value (a call, a conditional: layoutnum.c says
 * whether it may be a number of the layout). */
char *new_temp(func *fn, CXType type, CXCursor value);
/* Orders code lifted to one offset: each site and each piece of lifted
 * text takes the next, so that they render in the order they were made
 * (above w->order_base, which code moved to a loop body's end sets). */
int next_order(walk *w);
/* Where calls of the statement being visited are lifted to: before it (the
 * statement braced first when it is the body of a control statement), or
 * where a loop moved its condition. */
unsigned lift_point(walk *w);
/* Where several constructs end at one offset, what closes them (a loop
 * body's poll, braces mtcc added) renders innermost first: the order for
 * the construct at AST depth depth (ancestors, itself included), by slot. */
enum { CLOSE_POLL, CLOSE_BODY, CLOSE_MOVED, CLOSE_LOOP_REWRITE, CLOSE_FOR_INIT, CLOSE_WRAP };
enum { CLOSING_TOP = ORDER_CLOSING_TOP, ORDER_SPAN = 1 << 20, MAX_DEPTH = 1300 };
int closing_order(int depth, int slot);
/* The order base for code moved to the end of the body of the loop at
 * depth: after whatever inside the body ends there, before the loop's own
 * closers. */
int moved_code_base(int depth);

/* ---- lift.c ---- */
/* Visits c with the calls it lifts placed at offset at (where a loop moved
 * its part to) rather than before the statement; 1 when it made sites. */
int visit_lifted(walk *w, CXCursor c, unsigned at);
/* Operands evaluated on some paths only: &&, ||, ?:, and the comma's
 * right operand, which must run after its left. */
void visit_logical(walk *w, CXCursor c, int is_or);
void visit_conditional(walk *w, CXCursor c);
void visit_comma(walk *w, CXCursor c);
/* GNU a ?: b, which libclang shows as an unexposed expression whose
 * children are a three times, then b. */
int is_binary_conditional(tunit *t, CXCursor c);
void visit_binary_conditional(walk *w, CXCursor c);
/* Loop parts evaluated after the body: lifted to its end. */
void lift_do_condition(walk *w, CXCursor body, CXCursor cond);
void lift_for_increment(walk *w, CXCursor body, CXCursor inc);
/* The parts of a for statement among its children (libclang omits empty
 * ones): indices into ch, or -1. */
void for_parts(tunit *t, CXCursor loop, kids ch, int *init, int *cond, int *inc);
/* The same from the translation unit alone (kills.c). */
void for_clauses(CXTranslationUnit tu, CXCursor loop, kids ch, int *init, int *cond, int *inc);
void scope_push(walk *w, int vi);
void name_local(walk *w, int vi);
void hoist_string(walk *w, CXCursor c);
/* hoist_string for the literals under c (whose parent is parent) that
 * decay to pointers, whatever surrounds them: in static initializers. */
void hoist_decaying_strings(walk *w, CXCursor c, CXCursor parent);
/* A function that falls back: its pthread and heap calls still become the
 * runtime's (renamed, and allocations typed); nothing else changes. */
void rewrite_fallback_calls(tunit *t, func *fn, CXCursor body);

/* 1 for a function of the C library or the compiler (declared in a system
 * header, a __builtin), also when the program declares a library function
 * the runtime wraps (malloc, pthread_create...) itself and does not define
 * it: its calls are the runtime's whatever declared them. */
int library_callee(CXCursor callee);
/* 1 for a library call the runtime replaces that blocks (a join, a lock,
 * a wait, a sleep): a safe point, so a function making one is no leaf. */
int blocking_runtime_call(const char *name);

/* ---- leaves.c ---- */
/* A call's callee of the program (not the system's), canonical, or a null
 * cursor; *unknown is set for a call through a pointer and for pthreads. */
CXCursor program_callee(CXCursor call, int *unknown);
/* 1 when a call passes a function pointer (qsort's comparator). */
int passes_function(CXCursor call);
/* Finds the functions of the unit that can never unwind (before any is
 * transformed); a call to one gets no resume site. */
void find_leaves(tunit *t);
/* 1 for a leaf; *looping (if not NULL) says whether it may run long (a
 * loop in it or below), so that a loop calling it polls. */
int is_leaf(tunit *t, CXCursor callee, int *looping);
/* 1 for a static function called from one place only, never named
 * otherwise (leaves.c). */
int called_once(tunit *t, CXCursor fn, int own_jumps);
/* 1 for a function defined in this unit that is not a leaf (leaves.c). */
int unwinding_here(tunit *t, CXCursor fn);
/* 1 when the function passes a function pointer to the system's code
 * (qsort's comparator), which may be one with adaptation points. */
int calls_back(tunit *t, CXCursor fn);
void free_leaves(tunit *t);

/* ---- normalise.c ---- */
/* The unit's text with equivalent forms rewritten into the ones the later
 * passes match (a returned conditional as an if, a self-call kept in a
 * local only to be returned as the returned call), lines kept; NULL when
 * nothing changed. Reads t->tu and t->eb.src. */
char *normalise_unit(tunit *t);
/* merge.c: static functions written together that call each other only in
 * tail position become one function (and a wrapper each); the new text,
 * or NULL when nothing changed. */
char *merge_unit(tunit *t);

/* ---- unaligned.c ---- */
/* The unit's text with every access through a pointer that may hold a
 * packed struct's under-aligned member made an unaligned one, lines kept;
 * NULL when nothing changed. Reads t->tu and t->eb.src. */
char *unaligned_unit(tunit *t);

/* ---- tailcall.c ---- */
/* Decides whether the function's self tail calls become jumps: sets
 * fn->tail_calls (their number) and fn->tail_op. */
void plan_tail_calls(tunit *t, func *fn, CXCursor body);
/* The jumps' target, after the locals mtcc declares (and, in the twin,
 * after the dispatch on the resume point). */
#define TAIL_LABEL " __mt_tail: __attribute__((unused));"
/* How many turns of a loop of self tail calls with short turns run
 * between two polls (tailcall.c), and the countdown that counts them. */
#define TAIL_TURNS "256"
#define TAIL_COUNTDOWN " unsigned __mt_cd = " TAIL_TURNS ";"
/* How many turns of a loop whose body has no loop and calls only leaves
 * without loops run between two polls (rewrite.c): one chunk of a cut
 * loop (stripmine.c), and the countdown that counts them (not saved: a
 * resumed loop polls a little later). */
#define LOOP_TURNS "4096"
#define LOOP_COUNTDOWN " unsigned __mt_lcd = " LOOP_TURNS ";"
/* Such a loop's body, when short, is written TAIL_COPIES times over in
 * the function (not in its twin): the copies jump to the next one without
 * a poll and the last counts TAIL_TURNS / TAIL_COPIES rounds, so the turns
 * between two polls stay TAIL_TURNS. TAIL_COPY_BYTES bounds the body's
 * preprocessed text. */
enum { TAIL_TURNS_N = 256, TAIL_COPIES = 8, TAIL_COPY_BYTES = 2048 };
#define TAIL_COPY_LABEL "__mt_tail_"
/* The copies of an unrolled body, inserted by e after the function's own
 * locals (emit.c): nothing when the function has none. */
void tail_copies(func *fn, edit *e);
/* Makes the body a loop around every site, for liveness. */
void begin_tail_loop(walk *w);
/* A return (or, in a void function, a call statement) rewritten as a
 * jump, or as a return of the accumulated value: 1 when it handled it. */
int visit_tail_return(walk *w, CXCursor ret);
int visit_tail_statement(walk *w, CXCursor call);
/* 1 when the statement anc[n-1] (anc[0] being the body) is the last thing
 * a void function does. */
int in_tail_position(CXCursor *anc, int n);
/* The accumulator, as a variable saved at every site. */
void add_accumulator(func *fn);
/* The type the function's accumulator computes in: the unsigned type of
 * its result's width (unsigned int for narrower results). */
const char *tail_acc_type(const func *fn);

/* ---- tailchunk.c ---- */
/* A loop of self tail calls counted by a parameter, cut into chunks:
 * the guard and the chunk loop's opening before the first copy (the
 * chunk, without the exit test), what stands between it and the second
 * (the short loop), and the exit test's condition, which the chunk's copy
 * makes constant. */
typedef struct tail_chunk {
    char *head, *mid;
    unsigned cond_start, cond_end;
    int exit_in_else;                  /* the test's else branch leaves: the chunk's condition is true */
} tail_chunk;
/* The chunking of fn's loop when it is counted (calls being its ncalls
 * jumps), else NULL. */
tail_chunk *plan_tail_chunk(tunit *t, func *fn, CXCursor body, const CXCursor *calls, int ncalls);

/* ---- sibling.c ---- */
/* Finds the calls to other functions in tail position that need no check
 * after them (sets fn->sib_callees). */
void plan_sibling_calls(tunit *t, func *fn, CXCursor body);
/* `return g(x);` as a poll and the call alone: 1 when it handled it. */
int visit_sibling_return(walk *w, CXCursor ret);
/* In a void function, `g(x);` as its last action, the same way. */
int visit_sibling_statement(walk *w, CXCursor call);
/* The twin's hand-over to the function whose frame comes next, the
 * prototype of the test it makes, and the tests (with the registration). */
void sibling_twin_entry(const func *fn, strbuf *b);
void sibling_prototype(const func *fn, strbuf *b);
void emit_sibling_reach(tunit *t, strbuf *out);

/* ---- stripmine.c ---- */
/* Cuts a counted for loop with no adaptation point inside and no loop
 * around it into chunks with a poll between them (when it can prove the
 * loop counted; otherwise leaves it). */
void strip_mine(walk *w, CXCursor init, CXCursor cond, CXCursor inc, CXCursor body);
/* How many times a for loop runs at most when that is known from its
 * text and small (a counted loop between constants); 0 otherwise. */
long short_trips(walk *w, CXCursor init, CXCursor cond, CXCursor inc, CXCursor body);
/* 1 when the for loop is counted as strip_mine needs (cut, or known to run at most one chunk). */
int counted_for(walk *w, CXCursor cond, CXCursor inc, CXCursor body);
/* What the proof that a loop is counted is made of, shared with
 * tailchunk.c: the function's variable an expression names (bare), or -1;
 * 1 when variable vi is an unpinned, non-static local or parameter of
 * plain integer type; 1 for an integer type of int or wider; 1 when e is
 * made of literals and such variables, which it marks in vars; 1 when a
 * and b are one integer type; 1 when body writes (or takes the address
 * of) none of the variables marked in vars and has no goto, label, break
 * out of it or statement expression. */
int named_var(func *fn, CXCursor e);
int private_integer(func *fn, int vi);
int unpromoted(CXType t);
int invariant_bound(tunit *t, func *fn, CXCursor e, unsigned char *vars);
int same_integer_type(CXType a, CXType b);
int writes_none(tunit *t, func *fn, CXCursor body, const unsigned char *vars);
/* The most iterations, all levels together, of a nest of short loops that
 * counts as one innermost loop: microseconds, so latency stays low. */
enum { SHORT_NEST = 65536 };

/* ---- vla.c ---- */
/* A variable-length array, or a pointer to or array of one: int (*rows)[n]. */
int variably_modified(CXType t);
/* 1 for a parameter whose type (adjusted: an array is a pointer) is
 * variably modified: double (*a)[n], double a[n][m]. */
int variably_modified_param(const var *v);
/* Marks such parameters (vla_ptr) and their bounds (vla_bound, saved at
 * every site), or makes the function fall back when a bound is not a
 * parameter, has side effects or changes in the body. */
void plan_vla_params(tunit *t, func *fn, CXCursor body);
/* In the twin, after the frame is popped: the bounds reloaded, then the
 * parameters declared with their types as written. */
void declare_vla_params(tunit *t, func *fn, strbuf *out);
/* A local double (*a)[n] = init (pass 1): its bounds get variables of
 * their own, __mt_bK_J, which hold their values from the declaration on
 * and are saved at every site in their scope. */
void add_vla_bounds(tunit *t, func *fn, int vi);
/* Pass 2: the declaration becomes "int __mt_bK_0 = (n); void *a = init;"
 * and every use of a reads ((double (*)[__mt_bK_0])a), so that no
 * variably modified declaration is left for the twin to jump over. */
void rewrite_vla_decl(walk *w, CXCursor decl_stmt, int vi);
/* A use of such a local (a DeclRefExpr): 1 when it rewrote it. */
int rewrite_vla_use(walk *w, CXCursor ref, int vi);
/* A pre-pass (as normalise_unit): a variable-length array object declared
 * alone at a function body's top level becomes a pointer to one whose
 * storage is a heap block, freed on every way out; the new text, or NULL. */
char *vla_locals_unit(tunit *t);

/* ---- live.c ---- */
/* Fills each site's live and live_temp, after the walk made the sites. */
void liveness(func *fn, CXCursor body);

/* ---- kills.c ---- */
/* 1 when every path from site s assigns variable vi (or reaches its
 * declaration or a return) before naming it otherwise: it is dead at s.
 * at[0..nat) are the offsets of vi's names, rest[0..nrest) those of them
 * that s's statement still evaluates after s (not in calls that ran). */
int overwritten_first(const func *fn, CXCursor body, const site *s, int vi, const unsigned *at, int nat,
                      const unsigned *rest, int nrest);

/* ---- libc.c ---- */
/* The runtime's replacement for a call to the C library function name
 * (declared by callee, in a system header) whose state it keeps, or NULL. */
const char *libc_wrapper(CXCursor callee, const char *name);

/* ---- emit.c ---- */
void emit_site(editbuf *eb, site *s, strbuf *out);
void transform_function(tunit *t, CXCursor c);

/* heaptype.c: the unit's allocation sites and what is done with the
 * blocks mtcc cannot type (run once per unit, before rewriting), and the
 * arguments a typed heap call gets after its own: ", TYPE, &SITE" for the
 * call to fn (a spec's allocating function), with the ancestors of the call. */
void heap_scan_unit(CXTranslationUnit tu);
struct ls_entry;
/* elem: the element type when the block is an array of one described
 * type, else of kind CXType_Invalid. */
void heap_type_args(tunit *t, CXCursor *anc, int nanc, CXCursor call, const struct ls_entry *fn, char *out, size_t cap,
                    CXType *elem);

#endif
