/* tlsvars.h: the registry of the program's thread-local variables
 * (mt_register_tls): what each is and how to find a thread's instance. It
 * sits below the thread code and the C library's state, which both use it. */
#ifndef MT_TLSVARS_H
#define MT_TLSVARS_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

typedef struct tls_var {
    char *name;                 /* the registry's copy */
    uint64_t key;               /* state_name_key(name) */
    void *(*addr)(void);        /* the calling thread's instance */
    const mt_type *type;
    size_t count;
} tls_var;

/* How many variables are registered; they are numbered from 0 in the
 * order of registration, and never leave. */
size_t tls_count(void);

/* Variable i (below tls_count()). */
tls_var tls_at(size_t i);

#endif
