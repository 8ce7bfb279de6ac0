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

int lc_env_track(mt_error *err)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    const mt_type *ptr = mt_type_scalar("char *", MT_CLASS_PTR, sizeof(char *), _Alignof(char *));
    char **copy = mt_malloc((n + 1) * sizeof *copy, ptr, NULL);
    if (!copy)
        return mt_fail(err, MT_ENOMEM, "out of memory copying the environment");
    for (size_t i = 0; i < n; i++)
        if (!(copy[i] = mt_strdup(environ[i])))
            return mt_fail(err, MT_ENOMEM, "out of memory copying the environment");
    copy[n] = NULL;
    environ = copy;
    return 0;
}
