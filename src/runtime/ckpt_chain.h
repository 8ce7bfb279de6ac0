/* ckpt_chain.h: reading a chain of incremental checkpoints (ckpt_chain.c).
 * A child's DELTA blocks get their unchanged chunks from its parent, which
 * is read and validated like any checkpoint, then checked against the id,
 * digest and size the child names; a missing, replaced or changed parent,
 * a cycle or a chain longer than CK_CHAIN_MAX is one line. */
#ifndef MT_CKPT_CHAIN_H
#define MT_CKPT_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "ckpt.h"

/* Reads img's parents (paths relative to dir, the child's directory; label
 * names the child in messages), each validated whole, and gives every
 * DELTA block its bytes. 0, or -1 with err one line. Nothing to do for a
 * checkpoint without a parent. */
int ck_chain_resolve(ck_image *img, const char *dir, const char *label, mt_error *err);

/* The block a DELTA names by its parent's record (blocks are in record
 * order): NULL when that record holds no block, or several (a BLOCKS
 * record's, which a DELTA cannot name). */
const ck_block *ck_chain_parent_block(const ck_image *img, uint32_t record);

/* The directory of path ("." when it has none) into buf. */
void ck_chain_dir(const char *path, char *buf, size_t cap);

/* Reads a checkpoint by path ("-": standard input, parents relative to the
 * working directory) with its chain. NULL with err one line. */
ck_image *ck_chain_read_file(const char *path, mt_error *err);

/* The checkpoint a restored program starts from (in_read_restore) with its
 * chain: parents relative to MIGTHREAD_RESTORE's directory. */
ck_image *ck_chain_read_restore(const char *path, mt_error *err);
/* The same, ck_read_with's hooks told of the first file's blocks as they
 * arrive (the pipelined restore; a parent's blocks come after, whole). */
ck_image *ck_chain_read_restore_with(const char *path, const ck_read_hooks *hooks, mt_error *err);

/* A compressed parent (a tool's container, which a program does not
 * decompress) is read from the next of these descriptors: its plain
 * stream, in the order the chain names compressed files (migthread
 * inspect; a restore takes them from MIGTHREAD_RESTORE_PARENT_FDS).
 * Replaces (and closes) those not taken. */
void ck_chain_hand_parents(const int *fds, int n);

/* 1 when the checkpoint file at fd has this id, end digest and size (its
 * header and its END record, read without reading the rest; for a
 * compressed file, its container header), else 0. */
int ck_file_is(int fd, uint64_t id, uint64_t digest, uint64_t size);

/* The name a child gives its parent when the parent sits at path: path,
 * a dot and the parent's id in 16 hex digits (the chain's files). */
int ck_chain_link_name(const char *path, uint64_t id, char *buf, size_t cap);

/* The files of path's chain that are named as ck_chain_link_name names
 * them, beside it (the files a writer kept for it), not path itself, into
 * out (at most max); stops at the first parent that is missing or not one
 * of them. Returns how many. */
int ck_chain_links(const char *path, char (*out)[4096], int max);
/* Removes them. */
void ck_chain_remove_links(const char *path);

/* ---- Parents read ahead (a migration's destination) ----------------------------------------
 * A migration's kept pre-copies are in the destination's workdir before
 * the held checkpoint that names the last of them arrives: the restore
 * reads each ahead as it arrives (validated whole, its own chain
 * resolved, its blocks placed by the caller while the source still runs). A child whose
 * parent's path opens the very file read ahead (device and inode), and
 * which names it by the id, digest and size it has (and its header and END
 * record on disk still say so), takes that image in place of reading the
 * file again; any other parent, or a mismatch, is read as always. */

/* What the layer above keeps per image read ahead (its blocks placed). */
typedef struct ck_ahead_hooks {
    /* img's DELTA blocks got their bytes from pimg: the context of the
     * parent (pctx) may give its blocks to the child's (ctx) */
    void (*inherit)(void *ctx, const ck_image *img, void *pctx, const ck_image *pimg);
    void (*drop)(void *ctx);  /* a context no longer needed */
} ck_ahead_hooks;
void ck_chain_ahead_hooks(const ck_ahead_hooks *h);

/* Keeps img, a checkpoint read ahead from a stream, as the file at path
 * (which must hold it: its header's id, END digest and size), its chain
 * resolved (parents kept before it taken from here), with ctx (the
 * caller's, for this image). img and ctx are the chain's from then on
 * (img valid until the restore's read ends; ctx dropped by the hooks);
 * -1 with err one line, both still the caller's. */
int ck_chain_keep_ahead(ck_image *img, const char *path, void *ctx, mt_error *err);
/* Frees what was read ahead and not taken (ck_chain_read_restore_with does
 * at its end). */
void ck_chain_ahead_clear(void);

typedef struct ck_ahead_stats {
    unsigned read;   /* files read ahead */
    unsigned used;   /* taken as a child's parent */
    unsigned stale;  /* the file a child names, read ahead, but not as it names it: read again */
    unsigned reread; /* parents read from their files at the hold (not read ahead, or not as read) */
    uint64_t bytes;  /* read ahead */
} ck_ahead_stats;
ck_ahead_stats ck_chain_ahead_stats(void);

#endif
