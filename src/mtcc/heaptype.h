/* heaptype.h: what heaptype.c (the type of each allocation) and
 * heapflow.c (what the program does with the blocks left untyped) share:
 * the choice made for an allocation call and the record of its site. */
#ifndef MTCC_HEAPTYPE_H
#define MTCC_HEAPTYPE_H

#include "transform.h"

/* A type as a size expression names it: a libclang type, or (for a sizeof
 * of a written type that libclang does not expose, such as long or
 * struct item *) its spelling and runtime class. */
typedef struct sz_type {
    int ok;
    CXType type;
    char spelled[200];
    const char *cls;     /* MT_CLASS_* when spelled */
    int multibyte;       /* spelled: a number wider than a byte */
} sz_type;

/* What an allocation makes. */
enum { AT_NONE, AT_ELEM, AT_FLEX, AT_TRAIL };
typedef struct choice {
    int kind;
    sz_type elem;    /* AT_ELEM: the element; AT_TRAIL: the trailing element */
    CXType header;   /* AT_FLEX, AT_TRAIL: the struct before the array */
    int pointers;    /* AT_ELEM: data pointers alone, grouped otherwise by the program */
} choice;

/* What a type holds, for the sites' marks (the runtime's MT_SITE_*). */
enum { HOLDS_POINTERS = 1, HOLDS_NUMBERS = 2 };

/* One allocation call of the unit. */
typedef struct asite {
    unsigned offset;       /* the call's start */
    choice ch;
    int untyped;           /* the block will be bytes */
    int flags;             /* HOLDS_* seen done with it */
    char *used_as;         /* the first such use: "struct node at f.c:30" */
    char *where;           /* "f.c:12" */
    int emitted;           /* its mt_site is defined (by number) */
    int number;
} asite;

/* 1 for char, signed and unsigned char and void (heaptype.c): a pointer
 * to them says nothing about a block. */
int heap_says_nothing(CXType t);

/* HOLDS_* of a type: pointers anywhere in it, numbers wider than a byte. */
int heap_holds(CXType t);

/* "file.c:12" for a cursor (the user's file and line), safe in a C string. */
char *heap_where(CXCursor c);

/* Follows the untyped blocks of sites[] through the unit and sets the
 * flags and first use of each site whose block is used as a type with
 * pointers or multi-byte numbers, with a diagnostic for pointers. */
void heap_follow(CXTranslationUnit tu, asite *sites, int nsites);

#endif
