/* reach.h: which heap blocks a checkpoint must hold (SNOW's memory-graph
 * traversal): those reachable from the globals, the pinned records and the
 * frames, through pointer slots. Leaked blocks are left out. Pointer slots
 * that dangle into freed blocks mark those ranges, so that a restore can
 * give them a value that faults instead of refusing them. */
#ifndef MT_REACH_H
#define MT_REACH_H

#include "state.h"

/* An address range [start, end) the program freed. */
typedef struct reach_range {
    uintptr_t start, end;
    int pointed;             /* a reachable pointer slot points into it */
} reach_range;

typedef struct reach_set {
    st_heap_block *blocks;   /* every tracked block, sorted by address */
    unsigned char *marked;   /* 1 for the reachable ones */
    size_t n;
    reach_range *freed;      /* the blocks freed lately, merged and sorted */
    size_t nfreed;
} reach_set;

/* reach_compute's answer when no reader could restore the state. */
#define REACH_REFUSED (-2)

/* Computes the reachable blocks and checks every pointer the checkpoint
 * would hold. Returns 0; -1 when out of memory (the caller then saves
 * every block); or REACH_REFUSED with err naming the variable, the member
 * and the reason (a pointer into nothing saved, a pointer in raw bytes or
 * in a union, an unregistered function, a program whose addresses mtcc
 * saw hidden: mt_hidden_unsafe). The state lock is held by the caller. */
int reach_compute(reach_set *rs, mt_error *err);
void reach_free(reach_set *rs);

#endif
