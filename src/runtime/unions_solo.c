/* unions_solo.c: the union table's slots as migthread-gen.h sees them,
 * whether the program has one thread (unions.h: unions_solo,
 * unions_shared), and whether this thread runs a signal handler of the
 * program (unions_handler_enter). Apart from unions.c, which uses the
 * runtime's heap and pin records, so that the files that end solo (a
 * thread started, a signal handler installed) and the trampolines import
 * nothing that imports them. */
#include "unions.h"

#include "migthread-gen.h"

/* The slots before the first entry: one, empty, never written. */
mt_union_slot mt_union_no_slots[1];

struct mt_union_table mt_union_tab = { mt_union_no_slots, 0, 0 };

static int ever_shared;  /* a second thread (or a handler) may have existed: never solo again */

void unions_solo(void)
{
    if (!__atomic_load_n(&ever_shared, __ATOMIC_RELAXED))
        mt_union_tab.solo = 1;
}

void unions_shared(void)
{
    /* while solo, by the one thread that touches the table, outside any
     * use of it: the thread it is about to start sees this
     * (pthread_create orders it), and this thread's next call takes the
     * lock. Once shared it is never written again (threads read it). */
    __atomic_store_n(&ever_shared, 1, __ATOMIC_RELAXED);
    if (mt_union_tab.solo)
        mt_union_tab.solo = 0;
}

/* Handlers of the program this thread is running (nested ones count):
 * written only by this thread's own trampolines, so a plain counter. */
static _Thread_local unsigned handler_depth;
/* unions.c's, for the hand-over of returned values (NULL before it
 * hands them down: nothing returned yet). */
static void (*set_aside_hook)(unions_saved *);
static void (*put_back_hook)(unions_saved *);

void unions_set_handover_hooks(void (*set_aside)(unions_saved *), void (*put_back)(unions_saved *))
{
    set_aside_hook = set_aside;
    put_back_hook = put_back;
}

void unions_handler_enter(unions_saved *s)
{
    if (set_aside_hook)
        set_aside_hook(s);
    handler_depth++;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);  /* counted before the handler's first store */
}

void unions_handler_leave(unions_saved *s)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    handler_depth--;
    if (put_back_hook)
        put_back_hook(s);
}

int unions_in_handler(void)
{
    return handler_depth != 0;
}
