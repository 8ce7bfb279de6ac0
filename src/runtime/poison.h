/* poison.h: where a restore points the pointers that dangled into freed
 * memory in the writer: a reserved region that no access can succeed in. */
#ifndef MT_POISON_H
#define MT_POISON_H

#include <stdint.h>

#include "error.h"

/* An address offset bytes into the poison region, which is reserved (and a
 * fault handler that names it installed) on first use. NULL with err set
 * when the region cannot be reserved. */
void *poison_address(uint64_t offset, mt_error *err);

#endif
