/* incr.h: incremental checkpoints, the writer's side (incr.c). A checkpoint
 * to the path of the previous one this process wrote refers to it for the
 * chunks of blocks whose content hash (XXH3-128) did not change; the
 * previous file is kept beside it under ck_chain_link_name's name. */
#ifndef MT_INCR_H
#define MT_INCR_H

#include <stdint.h>
#include <stdio.h>

#include "ckpt.h"

/* Whether the next checkpoints may be incremental (MIGTHREAD_INCREMENTAL,
 * migthread checkpoint --incremental): set before each one. */
void incr_want(int on);

/* Before a checkpoint is written to path (mt_save): decides whether it
 * refers to the previous one (which must still be at path with the id and
 * digest it was written with, and is linked to its chain name), or is a
 * full one that keeps hashes for the next. */
void incr_prepare(const char *path);
/* The header's required features for the checkpoint being written. */
uint16_t incr_features(void);
/* After the INFO record: the PARENT record, and the writer's block hook. */
int incr_begin(ck_writer *w);
/* After the END record (rc: the write's outcome). */
void incr_written(const ck_writer *w, int rc);
/* The file is in place at path: its hashes are the next one's parent's;
 * a full checkpoint removes the chain files the old one at path needed. */
void incr_commit(const char *path);
/* The stream was written to a descriptor whose tool makes it the file at
 * path (migthread checkpoint --compress) once it has the answer: its
 * hashes are the next one's parent's, as incr_commit's; the chain files
 * of the one it replaces are left to the tool. */
void incr_commit_stream(const char *path);
/* The write failed: the previous checkpoint stays the parent. */
void incr_abort(void);

/* A forked checkpoint (program.c, forkcap.c) is written in a copy of the
 * process, whose table of hashes would be lost with it: the copy sends it
 * back through a memory file, so that the next checkpoint may refer to
 * the forked one (docs/design.md, "Incremental checkpoints").
 * incr_fork_begin, in the program before the fork: the memory file, or
 * -1 (the next checkpoint after this one is then whole); keep: also
 * when no checkpoint is incremental (a pre-copy to a descriptor, whose
 * hashes are to be the kept parent). incr_send, in
 * the copy after mt_save: what the next checkpoint needs; 0 or -1 (the
 * file is then left empty). incr_receive, in the program once the copy
 * reported its file complete: takes it over when it is whole and
 * consistent, else leaves the state as it was (the next checkpoint finds
 * the file at its path replaced and is whole); closes fd; 0 when taken
 * over, -1 when not. */
int incr_fork_begin(int keep);
int incr_send(int fd);
int incr_receive(int fd);
/* No parent at all: the next checkpoint is whole. For a forked pre-copy
 * (keep: its hashes were to become the kept parent) whose table did not
 * come back whole: an older kept parent is not the one the destination
 * holds now, so the held checkpoint must not refer to it. */
void incr_forget(void);
/* A checkpoint into a descriptor (migthread migrate's pre-copy): keep, its
 * hashes become the parent of a later delta (a descriptor has no file the
 * process could check: the reader holds it under incr_stream_name's name,
 * in its working directory); delta, it refers to that parent when there is
 * one (else it is full). Either may be 0 (the checkpoint is then full and
 * leaves the parent as it was). incr_begin and incr_written as for a file;
 * then incr_stream_done with the write's outcome. */
void incr_prepare_stream(int keep, int delta);
void incr_stream_done(int rc);
/* The name a delta's PARENT record gives its kept parent: relative (the
 * reader's working directory), from the parent's checkpoint id. 0, or -1
 * when cap is too small. migthreadd names the file it keeps so. */
int incr_stream_name(uint64_t id, char *buf, size_t cap);

/* A restored process (MIGTHREAD_INCREMENTAL): the checkpoint it was
 * restored from, when read from a file written on this ABI, is the parent
 * of its first checkpoint to that file. Begin before the restore, each
 * block as it is placed (restore_on_placed), end once it succeeded. */
void incr_seed_begin(const ck_image *img, const char *path);
void incr_seed_block(const ck_block *b, const void *new_addr);
void incr_seed_end(void);

/* With MIGTHREAD_VERBOSE: the line that says what the last checkpoint took
 * from its parent (nothing for a full one). */
void incr_report(FILE *out, const char *path);

#endif
