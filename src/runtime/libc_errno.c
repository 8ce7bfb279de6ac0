/* libc_errno.c: errno across a checkpoint, per thread.
 *
 * A thread's errno is noted when it begins to unwind for a capture (before
 * the runtime's own calls can change it), kept in a registered
 * thread-local that the checkpoint saves like the program's, and put back
 * when the thread's rewinding is over, just before its code goes on. */
#include <errno.h>
#include <stdint.h>

#include "ckpt.h"
#include "libc_state.h"
#include "migthread-gen.h"

/* The errno of this thread when its capture began. */
static _Thread_local int32_t noted;

void lc_errno_note(int value)
{
    noted = value;
}

void lc_errno_put_back(void)
{
    errno = noted;
}

static void *noted_addr(void)
{
    return &noted;
}

int lc_errno_register(mt_error *err)
{
    const mt_type *t = mt_type_scalar("int", MT_CLASS_SINT, sizeof(int32_t), _Alignof(int32_t));
    return mt_register_tls(CK_NAME_ERRNO, noted_addr, t, 1, err);
}
