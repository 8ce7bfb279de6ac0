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

#endif
