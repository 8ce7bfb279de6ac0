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

#endif
