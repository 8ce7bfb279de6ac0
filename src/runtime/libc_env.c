/* libc_env.c: the environment as tracked blocks.
 *
 * getenv returns pointers into the strings environ points at, which the
 * kernel put on the initial stack, where no checkpoint reaches. At
 * start-up environ is replaced by a tracked copy (an array of char *, and
 * each string as bytes), as argv is: a pointer the program keeps from
 * getenv or environ then translates like any pointer into the heap. A
 * restored program's environ is the restoring process's own (copied the
 * same way); what it had kept still points at the saved strings. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "libc_state.h"
#include "migthread-gen.h"

extern char **environ;

/* Two blocks whatever n is: a block per string cost a tracked allocation
 * each at every start (a third of the runtime's start-up with thirty
 * variables), and a pointer into the one block translates as well. */
char **lc_copy_strings(char *const *v, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += strlen(v[i]) + 1;
    const mt_type *ptr = mt_type_scalar("char *", MT_CLASS_PTR, sizeof(char *), _Alignof(char *));
    char **copy = mt_malloc((n + 1) * sizeof *copy, ptr, NULL);
    char *bytes = mt_malloc(total ? total : 1, NULL, NULL);
    if (!copy || !bytes) {
        if (copy)
            mt_free(copy);
        if (bytes)
            mt_free(bytes);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        copy[i] = memcpy(bytes, v[i], len);
        bytes += len;
    }
    copy[n] = NULL;
    return copy;
}

int lc_env_track(mt_error *err)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **copy = lc_copy_strings(environ, n);
    if (!copy)
        return mt_fail(err, MT_ENOMEM, "out of memory copying the environment");
    environ = copy;
    return 0;
}
