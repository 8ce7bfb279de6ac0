/* transform.h: the state of one function while transform.c rewrites it. */
#ifndef MTCC_TRANSFORM_H
#define MTCC_TRANSFORM_H

#include "mtcc.h"

typedef struct var {
    CXCursor decl;
    char *name;        /* as written */
    char *member;      /* its member in the frame or pinned record */
    CXType type;
    int is_param, pinned, is_static;
    char *static_name; /* hoisted static locals */
} var;

enum { SITE_CALL, SITE_POLL };

typedef struct site {
    int no, kind;
    unsigned call_start, call_end;     /* SITE_CALL: the call */
    unsigned callee_start, callee_end; /* its callee expression */
    char *direct_twin;                 /* the callee's twin when it is known here */
    char *temp;                        /* result temporary, or NULL for void */
    char *fnptr_type;                  /* "RT (*)(void)" */
    int *vars, nvars;                  /* variables in scope, saved and restored */
    struct func *fn;
} site;

typedef struct func {
    CXCursor cursor;
    char *name, *reg_name, *cname;     /* cname: the identifier used in generated names */
    int is_static, is_main, is_variadic;
    int fallback;                      /* unsupported construct: no adaptation points */
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
    int ntemps;
    int npinned;
    unsigned body_start, body_end;     /* '{' and one past '}' */
} func;

void emit_site(editbuf *eb, site *s, strbuf *out);

#endif
