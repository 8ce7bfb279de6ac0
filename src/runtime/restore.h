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

/* Pipelined restore (docs/design.md, live migration): while a checkpoint
 * arrives, each heap block whose conversion needs nothing beyond its own
 * bytes (no pointer, no union) is converted into its new home piece by
 * piece as its bytes come (ck_read_with's hooks); restore_image_early then
 * places those and converts the rest: only what translates pointers waits
 * for the end. The result is the same as restore_image's, all or nothing:
 * nothing early is visible to the program before it succeeds. */
typedef struct restore_early restore_early;
/* NULL when out of memory (then restore without it). */
restore_early *restore_early_new(unsigned flags);
/* ck_read_hooks' part and block, with the restore_early as ctx. */
void restore_early_part(void *early, const ck_image *img, const uint8_t *payload, uint64_t have, uint64_t len);
int restore_early_block(void *early, const ck_image *img, const ck_block *b);
/* ck_read_hooks' run_begin, run_home and run_block: a BLOCKS record of
 * small heap blocks is placed as it arrives, each block in a new home
 * (converted there at once when it holds only numbers, else when the
 * restore has every home), and kept as runs of blocks a fixed stride
 * apart in both address spaces: neither the image nor the restore holds
 * a record per block. A large block whose bytes need no conversion is
 * unpacked straight into its home too, when its bytes may be dropped
 * (restore_early_drop_bytes). restore_on_placed is not told of these
 * (incr.c hashes only blocks of INCR_MIN_BLOCK bytes or more, which are
 * taken only when nothing hashes them). */
int restore_early_run_begin(void *early, const ck_image *img, const ck_block *first, uint32_t n, uint64_t max_len);
void *restore_early_run_home(void *early, const ck_image *img, const ck_block *b);
int restore_early_run_block(void *early, const ck_image *img, const ck_block *b, void *home);
/* With on set, restore_early_block tells the reader to free the bytes of
 * a block it converted (nothing else will read them: no incremental
 * checkpoint's seeding, restore_on_placed, needs them). */
void restore_early_drop_bytes(restore_early *e, int on);
/* restore_image, taking the blocks converted early (early may be NULL). */
int restore_image_early(const ck_image *img, restore_early *early, unsigned flags, mt_error *err);
/* How many blocks restore_image_early placed as converted early. */
uint64_t restore_early_taken(const restore_early *e);
/* How many heap blocks the last restore moved to keep the writer's
 * address order (0 when every home came in order). */
uint64_t restore_moved_for_order(void);
/* 0 when the last restore could not keep that order: malloc gave no
 * higher homes (homes.c); every value is restored, not how the blocks
 * compare. */
int restore_order_kept(void);
/* Frees what no restore took. */
void restore_early_free(restore_early *e);

/* Blocks placed ahead (a migration's pre-copies read ahead while the
 * source runs on: ckpt_chain.h). restore_early_place_ahead converts each
 * block of img (read ahead, resolved) that a DELTA could name (alone in
 * its record: heap blocks and the globals whose plans need nothing beyond
 * their own bytes) and has no home yet into one, kept in e (one
 * restore_early per image read ahead, flags as the restore's); returns
 * how many of img's blocks have one.
 * restore_early_inherit (ck_ahead_hooks' inherit) gives each DELTA block
 * of img whose parent block in pimg was placed ahead (pctx) that home,
 * with the elements of its changed chunks converted again from img's
 * resolved bytes: the same bytes as converting the block whole; anything
 * that differs (another type, address or length) is left to the loader.
 * restore_early_drop is ck_ahead_hooks' drop (restore_early_free). */
uint64_t restore_early_place_ahead(restore_early *e, const ck_image *img);
/* e is for an image read ahead: as it arrives (ck_read_hooks' part and
 * block), only blocks a DELTA can name are converted (not those of BLOCKS
 * records), and their bytes stay (a child may borrow them). */
void restore_early_for_ahead(restore_early *e);
void restore_early_inherit(void *ctx, const ck_image *img, void *pctx, const ck_image *pimg);
void restore_early_drop(void *ctx);
/* How many of the blocks restore_image_early may take were placed ahead. */
uint64_t restore_early_ahead(const restore_early *e);

/* Called for each global and heap block a restore puts in place (b is the
 * checkpoint's, new_addr where its bytes now are): incremental checkpoints
 * (incr.c) take the checkpoint a process came from as the first parent. */
void restore_on_placed(void (*fn)(const ck_block *b, const void *new_addr));

#endif
