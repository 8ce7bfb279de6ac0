/* unions_solo.c: the union table's slots as migthread-gen.h sees them,
 * and whether the program has one thread (unions.h: unions_solo,
 * unions_shared). Apart from unions.c, which uses the runtime's heap and
 * pin records, so that the files that end solo (a thread started, a
 * signal handler installed) import nothing that imports them. */
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
