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

/* One thread's saved frames and pinned records; frames_mine() is the
 * calling thread's. */
typedef struct frames_thread frames_thread;
frames_thread *frames_mine(void);

/* Writes a thread's pinned records (stack order) and frame records
 * (outermost first) as PIN and FRAME blocks. */
int frames_write(ck_writer *w, const frames_thread *ft);

/* Restore side: homes for a PIN or FRAME block of the image, in file
 * order; the thread only sees them after frames_commit. */
void *frames_new_pin(frames_thread *ft, const struct mt_type *local);
void *frames_new_frame(frames_thread *ft, uint64_t fn_id, uint64_t site, const struct mt_type *local);
void frames_commit(frames_thread *ft);
void frames_abandon(frames_thread *ft);

/* The calling thread's state word once its rewind completes
 * (MT_STATE_COUNTING when a restored run counts polls toward another
 * checkpoint). */
void frames_set_state_after_rewind(int state);

/* A blocking call (lock, wait, join) is giving way to a capture: the
 * first frame saved resumes by re-entering the call. */
void frames_mark_in_call(void);
/* 1, once, when the rewind that just ended re-enters a blocking call.
 * Every blocking call asks, so the flag is read in place: one load. */
extern _Thread_local int frames_reissue;
static inline int frames_take_reissue(void)
{
    int r = frames_reissue;
    if (__builtin_expect(r, 0))
        frames_reissue = 0;
    return r;
}

/* Visits a thread's pinned records and saved frame records (roots of the
 * memory graph besides the globals). */
int frames_each(const frames_thread *ft,
                int (*fn)(void *data, const struct mt_type *t, uint64_t count, void *ctx), void *ctx);

/* Notes where the calling thread's program stack begins: top is the
 * address of a local in the runtime's frame below the program's first. */
void frames_note_stack(const void *top);

/* Visits what a thread's dangling pointers to locals may point into: the
 * unused tail of each chunk of its shadow stack (pinned records of calls
 * that have returned) and, during a capture (capture set: the thread is
 * stopped at an adaptation point), its C stack below its first frame
 * (locals of leaves that have returned). */
void frames_dead_each(const frames_thread *ft, int capture, void (*fn)(uintptr_t start, uintptr_t end, void *ctx),
                      void *ctx);

int frames_pins_each(const frames_thread *ft,
                     int (*fn)(void *data, const struct mt_type *t, uint64_t count, void *ctx), void *ctx);

/* 1 when the thread holds frames to rewind. */
int frames_pending(const frames_thread *ft);

/* Releases every saved frame record (after a failed or finished capture). */
void frames_clear(frames_thread *ft);

/* Frees the calling thread's shadow stack (a thread that ends). */
void frames_pins_drop(void);

const mt_function_info *frames_info_by_id(uint64_t id);

#endif
