/* ckpt_tmp.c: the temporary files a checkpoint is written through.
 *
 * A checkpoint goes to PATH.tmp.PID and is renamed over PATH once whole.
 * A writer killed mid-write (kill -9, a crash) leaves its temporary file
 * behind; the next checkpoint to the same PATH removes those whose writer
 * is gone, and never a file that could still be some writer's. */
#include "ckpt_tmp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt.h"

#define TMP_INFIX ".tmp."

int ck_tmp_name(const char *path, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s" TMP_INFIX "%ld", path, (long)getpid());
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int ck_tmp_lock(int fd)
{
    return flock(fd, LOCK_EX | LOCK_NB);
}

/* The PID in NAME when NAME is BASE.tmp.PID (digits only), else 0. */
static long writer_pid(const char *name, const char *base)
{
    size_t blen = strlen(base), ilen = strlen(TMP_INFIX);
    if (strncmp(name, base, blen) != 0 || strncmp(name + blen, TMP_INFIX, ilen) != 0)
        return 0;
    const char *digits = name + blen + ilen;
    if (*digits < '1' || *digits > '9')
        return 0;
    char *end;
    errno = 0;
    long pid = strtol(digits, &end, 10);
    return *end || errno || pid <= 0 || pid > INT_MAX ? 0 : pid;
}

/* A writer is gone when no process has its PID and no process holds the
 * lock every writer takes on its file (a PID reused by another process,
 * or a writer in another PID namespace, keeps the file). */
static int writer_gone(long pid, int fd)
{
    if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
        return 0;
    return flock(fd, LOCK_EX | LOCK_NB) == 0;
}

/* The file is a checkpoint writer's: a regular file of this user that
 * is empty (killed before its first buffer went out) or starts with the
 * checkpoint magic, or a compressed one's (migthread checkpoint --compress). */
static int looks_ours(int fd, const struct stat *sb)
{
    if (!S_ISREG(sb->st_mode) || sb->st_uid != geteuid())
        return 0;
    if (sb->st_size == 0)
        return 1;
    unsigned char magic[CK_MAGIC_LEN];
    return pread(fd, magic, sizeof magic, 0) == (ssize_t)sizeof magic &&
           (memcmp(magic, CK_MAGIC, CK_MAGIC_LEN) == 0 || ck_zstd_magic(magic));
}

/* Removes dir/name when it is a dead writer's temporary file. The file
 * is checked through the descriptor, and removed only while the name
 * still refers to it. */
static void sweep_one(int dirfd, const char *name, long pid)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat sb, now;
    if (fstat(fd, &sb) == 0 && looks_ours(fd, &sb) && writer_gone(pid, fd) &&
        fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_ino == sb.st_ino &&
        now.st_dev == sb.st_dev)
        unlinkat(dirfd, name, 0);
    close(fd);
}

void ck_tmp_sweep(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base)
        return;
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if (snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path) >= (int)sizeof dir)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;  /* the write itself will say what is wrong with the directory */
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = writer_pid(e->d_name, base);
        if (pid)
            sweep_one(dirfd(d), e->d_name, pid);
    }
    closedir(d);
}
