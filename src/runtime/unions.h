/* unions.h: which member of each union object is active (seed 4.4: "the
 * preprocessor tells the runtime which member is active").
 *
 * mtcc's output reports every store into a union member (mt_union_set in
 * migthread-gen.h); the runtime keeps the last one per union object in a
 * side table keyed by the object's address and union type, which only
 * programs with unions fill. A capture saves the active member of every
 * union object in the blocks it writes (the UNIONS record); a restore
 * converts each union by it and puts the table back. */
#ifndef MT_UNIONS_H
#define MT_UNIONS_H

#include <stddef.h>
#include <stdint.h>

#include "ckpt.h"
#include "types.h"
#include "migthread-gen.h"

/* The member of the union object of type u at addr last stored into, or
 * -1 when no store is known. */
long unions_active(const void *addr, const struct mt_type *u);

/* unions_solo.c's: the slots of the empty table (mt_union_tab.slots before
 * the first entry). */
extern mt_union_slot mt_union_no_slots[1];

/* When the program's main starts (mt_run_main, before any thread of the
 * program but the first): the table is used without its lock, partly
 * inline (migthread-gen.h's mt_union_set_fast), until unions_shared. A
 * program that never calls it takes the lock on every use. */
void unions_solo(void);

/* Before a second thread that may run the program's code exists (a
 * thread the runtime starts, thrd_create, a SIGEV_THREAD notification),
 * or a signal handler of the program is installed (it may run in the
 * middle of a table operation of the thread it interrupts):
 * from then on, for good, every use of the table takes its lock. */
void unions_shared(void);

/* What a handler leaves as it found it: the per-thread hand-over of a
 * value the code it interrupted returned (mt_union_ret) and has not yet
 * stored (mt_union_take), which the handler's own returns would
 * overwrite. unions.c keeps it; the trampolines keep this on their stack. */
typedef struct unions_saved {
    const struct mt_type *type;
    uint32_t one;
    uint32_t *members;
    size_t n, cap;
} unions_saved;

/* Around every signal handler of the program (libc_signal.c's
 * trampolines): a handler that finds the table's lock held (perhaps by
 * the very operation it interrupted) queues its updates instead of
 * waiting; the next thread to take the lock applies them first. enter
 * also sets the hand-over aside, leave puts it back. */
void unions_handler_enter(unions_saved *s);
void unions_handler_leave(unions_saved *s);
/* 1 while this thread runs a handler of the program. */
int unions_in_handler(void);
/* unions.c hands these down as the program starts (unions_solo.c, which
 * the trampolines import, must not import unions.c). */
void unions_set_handover_hooks(void (*set_aside)(unions_saved *), void (*put_back)(unions_saved *));

/* 1 when some local type holds a union: a capture then notes members. */
int unions_in_program(void);

/* ---- Capture ---------------------------------------------------------------- */

/* What a capture collects while its blocks go out. */
typedef struct un_capture {
    ck_union *entries;
    uint64_t n, cap;
} un_capture;

/* The ck_writer.block_seen hook (ctx is an un_capture): notes the active
 * member of every union object in the block. Fails, naming the block,
 * the member and the reason, for a union that may hold a pointer (a
 * pointer member) whose active member is unknown and whose bytes are not
 * all zero: no reader could restore it. */
int unions_block_seen(void *ctx, const ck_block *b, const void *data, mt_error *err);

/* The entries, sorted for the UNIONS record. */
void unions_capture_sort(un_capture *c);
void unions_capture_free(un_capture *c);

/* ---- Restore ------------------------------------------------------------------ */

/* The writer's active member of the union of writer type index `type`
 * at old address addr in img, or -1. */
long unions_image_member(const ck_image *img, uint64_t addr, uint32_t type);

/* Empties the table (a restore replaces the program's state). */
void unions_reset(void);

/* Records member as active in the union object of type u at addr.
 * Returns 0, or -1 with err filled when out of memory. */
int unions_install(void *addr, const struct mt_type *u, uint32_t member, mt_error *err);

#endif
