/* frames.h: frame records and pinned records of the running thread.
 *
 * While a capture unwinds, each function pushes a frame record (its live
 * locals and resume site); the list, outermost first, is written to the
 * checkpoint after the globals and heap, preceded by the pinned records
 * (address-taken locals) that are still on the shadow stack. A restore
 * rebuilds both, and resume twins pop the frames while rewinding. */
#ifndef MT_FRAMES_H
#define MT_FRAMES_H

#include <stdint.h>

#include "ckpt.h"
#include "migthread-gen.h"

/* Writes the thread's pinned records (stack order) and frame records
 * (outermost first) as PIN and FRAME blocks. */
int frames_write(ck_writer *w);

/* Restore side: homes for a PIN or FRAME block of the image, in file
 * order; the program only sees them after frames_commit. */
void *frames_new_pin(const struct mt_type *local);
void *frames_new_frame(uint64_t fn_id, uint64_t site, const struct mt_type *local);
void frames_commit(void);
void frames_abandon(void);

/* The state word once the rewind completes (MT_STATE_COUNTING when a
 * restored run counts polls toward another checkpoint). */
void frames_set_state_after_rewind(int state);

/* Visits the thread's pinned records and saved frame records (the roots
 * of the memory graph besides the globals). */
int frames_each(int (*fn)(void *data, const struct mt_type *t, uint64_t count, void *ctx), void *ctx);

/* 1 when the thread holds frames to rewind. */
int frames_pending(void);

/* Releases every saved frame record (after a failed or finished capture). */
void frames_clear(void);

const mt_function_info *frames_info_by_id(uint64_t id);

#endif
