/* libspec.h: the table of library and program functions that allocate,
 * resize or free heap blocks, read from spec files (docs/lib-spec.md):
 * the built-in one (share/migthread/libc.spec, compiled in) and the
 * user's (mtcc --lib-spec FILE). */
#ifndef MTCC_LIBSPEC_H
#define MTCC_LIBSPEC_H

/* What a function does with heap blocks. */
typedef enum ls_verb {
    LS_ALLOC,    /* returns a new block of size= bytes (or stores it through out=) */
    LS_CALLOC,   /* returns a new zeroed block of count= times size= bytes */
    LS_REALLOC,  /* resizes the block ptr= to size= (times count=) bytes */
    LS_FREE,     /* frees the block ptr= */
    LS_BYTES,    /* makes blocks of text (wrapper= tracks them as bytes) */
    LS_KEEPS     /* a library function that keeps the pointer ptr= after it returns */
} ls_verb;

/* One declared function. Argument numbers count from 1; 0 is none. */
typedef struct ls_entry {
    ls_verb verb;
    char *name;
    char *wrapper;   /* the call is renamed to it; NULL: mtcc writes an adapter onto the runtime */
    int size, count, ptr, out;
    int builtin;     /* from the built-in spec: a function the unit defines stays the program's */
    char *where;     /* "FILE:LINE" of the declaration, for messages */
} ls_entry;

/* Reads the built-in spec (once; later calls do nothing). A defect in it
 * is fatal like one in a user's file. */
void libspec_load_builtin(void);

/* Reads a user's spec file; its declarations replace earlier ones of the
 * same function. Any defect (no such file, an unknown verb or key, a bad
 * argument number, a function declared twice in the file) prints one
 * "mtcc: FILE:LINE: ..." line and exits with status 1. */
void libspec_load_file(const char *path);

/* The declaration of a function, or NULL. */
const ls_entry *libspec_find(const char *name);

#endif
