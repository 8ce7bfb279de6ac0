/* tlsvars.c: the registry of the program's thread-local variables. mtcc's
 * registration code and the C library's state (errno, the signal mask)
 * register them; the thread code notes each thread's instances. */
#include "tlsvars.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "migthread-gen.h"
#include "state.h"

/* Registrations may come from several threads (a library's constructor):
 * the array grows under this lock, and readers copy under it. */
static pthread_mutex_t tls_mu = PTHREAD_MUTEX_INITIALIZER;
static tls_var *vars;
static size_t nvars;

int mt_register_tls(const char *name, void *(*addr)(void), const mt_type *t, size_t count, mt_error *err)
{
    pthread_mutex_lock(&tls_mu);
    tls_var *grown = realloc(vars, (nvars + 1) * sizeof *grown);
    char *copy = strdup(name);
    if (!grown || !copy) {
        free(copy);
        if (grown)
            vars = grown;
        pthread_mutex_unlock(&tls_mu);
        return mt_fail(err, MT_ENOMEM, "out of memory registering %s", name);
    }
    vars = grown;
    vars[nvars++] = (tls_var){ copy, state_name_key(name), addr, t, count };
    pthread_mutex_unlock(&tls_mu);
    return 0;
}

size_t tls_count(void)
{
    pthread_mutex_lock(&tls_mu);
    size_t n = nvars;
    pthread_mutex_unlock(&tls_mu);
    return n;
}

tls_var tls_at(size_t i)
{
    pthread_mutex_lock(&tls_mu);
    tls_var v = vars[i];
    pthread_mutex_unlock(&tls_mu);
    return v;
}
