/* sync.h: what the rest of the runtime asks of sync.c (the program calls
 * its mt_pthread_* functions through migthread-gen.h). */
#ifndef MT_SYNC_H
#define MT_SYNC_H

#include <stddef.h>

#include "ckpt.h"
#include "error.h"

/* The calling thread ends (returned, pthread_exit, moved to another
 * process): gives back the read locks it still holds, as a mutex whose
 * owner is gone is given up. (The thread code calls it as a hook.) */
void sync_drop_reads(void);

/* The reader counts a checkpoint writes for the rwlocks that threads it
 * leaves behind hold for reading: the live count less those readers.
 * *out (to free) is sorted by address for ck_writer.patches; none outside
 * a thread capture. Returns 0, or -1 with err. */
int sync_reader_patches(ck_patch **out, size_t *n, mt_error *err);

/* A restored thread waits on cond again (th_record.c queued it): counted
 * among the condition's waiters, so that a signal looks for it. (The
 * thread code calls it as a hook.) */
void sync_cond_waiter_restored(void *cond);

#endif
