/* restore.h: loading checkpoint images into the running program. */
#ifndef MT_RESTORE_H
#define MT_RESTORE_H

#include "ckpt.h"

/* Reads and validates a checkpoint file: a regular file (anything else
 * is refused unopened, input.h), or standard input when path is "-".
 * NULL with err filled on failure. */
ck_image *restore_read_file(const char *path, mt_error *err);

/* Converts an image into this program's globals and fresh heap blocks.
 * All or nothing: on failure the program is untouched. */
int restore_image(const ck_image *img, unsigned flags, mt_error *err);

/* Called for each global and heap block a restore puts in place (b is the
 * checkpoint's, new_addr where its bytes now are): incremental checkpoints
 * (incr.c) take the checkpoint a process came from as the first parent. */
void restore_on_placed(void (*fn)(const ck_block *b, const void *new_addr));

#endif
