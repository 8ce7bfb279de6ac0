/* ckpt_tmp.h: the temporary files a checkpoint is written through
 * (PATH.tmp.PID, renamed over PATH once whole), and the removal of those
 * that writers killed mid-write left behind. */
#ifndef MT_CKPT_TMP_H
#define MT_CKPT_TMP_H

#include <stddef.h>

/* Writes PATH.tmp.PID (this process) into out; 0, or -1 when it does not
 * fit in cap bytes. */
int ck_tmp_name(const char *path, char *out, size_t cap);

/* Takes the lock a writer holds on its open temporary file until it
 * closes it, so that no other process removes it as a dead writer's;
 * 0, or -1 (the write goes on without it: the writer's PID still guards
 * the file). */
int ck_tmp_lock(int fd);

/* Removes the temporary files PATH.tmp.PID of writers that are gone: no
 * process has the PID, no process holds the file's lock, and the file is
 * a regular file of this user holding nothing or a checkpoint's start.
 * Quietly does nothing when the directory cannot be read. */
void ck_tmp_sweep(const char *path);

#endif
