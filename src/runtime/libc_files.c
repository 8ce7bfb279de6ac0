/* libc_files.c: the program's open files, across a checkpoint.
 *
 * mtcc points the calls that open and close descriptors and streams
 * (fopen, open, dup, pipe, socket, ...) at the wrappers below, so the
 * runtime knows each descriptor's path and what it is. A capture saves
 * every regular file with its path, access mode, offset and, for a
 * stream, the input its buffer had read ahead (output was flushed), in a
 * FILES record; a pipe, socket, device or unnamed file is refused by name
 * then, with the program still running. A restore reopens each file on
 * the same descriptor number before any block is placed (missing, or
 * shorter than the saved offset: refused by name), and registers each new
 * FILE object under its stream's name, "<file ID>", an identity-only
 * global: a FILE * the program keeps anywhere translates to it like a
 * pointer to stdout does. All six ABIs use glibc, whose FILE read
 * pointers libc_stdio.c already relies on. */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt.h"
#include "error.h"
#include "libc_state.h"
#include "migthread-gen.h"
#include "state.h"

/* glibc's stream flags (libio.h, not installed): the indicators feof and
 * ferror read. */
#define GLIBC_IO_EOF_SEEN 0x10
#define GLIBC_IO_ERR_SEEN 0x20
/* ... and its buffering mode, which setvbuf sets */
#define GLIBC_IO_UNBUFFERED 0x0002
#define GLIBC_IO_LINE_BUF 0x0200

enum { NAME_LEN = 40, PATH_LEN = 4096 };

typedef struct lf_file {
    uint64_t id, group;  /* group: the id of the entry whose open file it shares */
    int fd;
    FILE *f;             /* the program's stream on fd, or NULL */
    char *path;          /* as opened; NULL for what has no name */
    char *cwd;           /* the working directory at the open when path is relative */
    const char *what;    /* what it is when it can never be saved ("a pipe"), else NULL */
} lf_file;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static lf_file *tab;
static size_t ntab, captab;
static uint64_t next_id = 1;

/* What a capture took (lc_files_capture), for the FILES record. */
static ck_file *taken;
static uint32_t ntaken;

static int write_record(struct ck_writer *w);

static void stream_name(uint64_t id, char *buf)
{
    snprintf(buf, NAME_LEN, CK_NAME_FILE_FMT, (unsigned long long)id);
}

static char *copy(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* ---- The table ---------------------------------------------------------------- */

static _Noreturn void out_of_memory(void)
{
    mt_error err;
    mt_fail(&err, MT_ENOMEM, "out of memory tracking an open file");
    mt_die(&err);
}

/* The stream's identity: a FILE * kept anywhere translates through it. */
static void name_stream(const lf_file *e)
{
    char name[NAME_LEN];
    stream_name(e->id, name);
    mt_error err;
    if (mt_register_constant(name, e->f, mt_type_scalar("char", MT_CLASS_BYTES, 1, 1), 1, &err) < 0)
        mt_die(&err);
}

static void unname_stream(const lf_file *e)
{
    char name[NAME_LEN];
    stream_name(e->id, name);
    state_forget_global(name);
}

/* Adds an entry; the caller holds the lock. path relative: the cwd is
 * noted, so that a chdir before the capture cannot change what it names. */
static lf_file *add_locked(int fd, FILE *f, const char *path, const char *what, uint64_t group)
{
    if (ntab == captab) {
        size_t cap = captab ? captab * 2 : 16;
        lf_file *grown = realloc(tab, cap * sizeof *grown);
        if (!grown)
            out_of_memory();
        tab = grown;
        captab = cap;
    }
    state_set_record_writer(write_record);
    lf_file *e = &tab[ntab++];
    *e = (lf_file){ next_id++, 0, fd, f, copy(path), NULL, what };
    e->group = group ? group : e->id;
    if (path && path[0] != '/')
        e->cwd = getcwd(NULL, 0);
    if ((path && !e->path) || (path && path[0] != '/' && !e->cwd))
        out_of_memory();
    if (f) {
        name_stream(e);
        lc_locks_mark(f);
    }
    return e;
}

static lf_file *by_fd(int fd)
{
    for (size_t i = 0; i < ntab; i++)
        if (tab[i].fd == fd)
            return &tab[i];
    return NULL;
}

static lf_file *by_stream(FILE *f)
{
    for (size_t i = 0; i < ntab; i++)
        if (tab[i].f == f)
            return &tab[i];
    return NULL;
}

/* Drops an entry (the caller holds the lock); the table stays in id order. */
static void drop_locked(lf_file *e)
{
    if (e->f)
        unname_stream(e);
    free(e->path);
    free(e->cwd);
    size_t i = (size_t)(e - tab);
    memmove(&tab[i], &tab[i + 1], (ntab - i - 1) * sizeof *tab);
    ntab--;
}

/* A bare descriptor 0, 1 or 2 (a file opened after the program closed a
 * standard descriptor, or put there with dup2: a redirection) stays the
 * restoring process's own, as the standard streams do. */
static int standard(int fd, FILE *f)
{
    return fd >= 0 && fd <= STDERR_FILENO && !f;
}

static void track(int fd, FILE *f, const char *path, const char *what)
{
    if (fd < 0 && !f)
        return;
    pthread_mutex_lock(&lock);
    lf_file *old = fd >= 0 ? by_fd(fd) : NULL;  /* closed behind the runtime's back */
    if (old)
        drop_locked(old);
    if (!standard(fd, f))
        add_locked(fd, f, path, what, 0);
    pthread_mutex_unlock(&lock);
}

static void untrack_fd(int fd)
{
    if (fd < 0)
        return;  /* a stream in memory has no descriptor */
    pthread_mutex_lock(&lock);
    lf_file *e = by_fd(fd);
    if (e)
        drop_locked(e);
    pthread_mutex_unlock(&lock);
}

/* newfd now shares oldfd's open file (dup). */
static void track_dup(int oldfd, int newfd)
{
    if (newfd < 0 || newfd == oldfd)
        return;
    pthread_mutex_lock(&lock);
    lf_file *old = by_fd(newfd);
    if (old)
        drop_locked(old);
    lf_file *from = standard(newfd, NULL) ? NULL : by_fd(oldfd);
    if (from) {
        lf_file src = *from;  /* add_locked may move the table */
        lf_file *e = add_locked(newfd, NULL, src.path, src.what, src.group);
        if (src.cwd) {
            free(e->cwd);
            if (!(e->cwd = strdup(src.cwd)))
                out_of_memory();
        }
    }
    pthread_mutex_unlock(&lock);
}

/* ---- The wrappers mtcc calls ------------------------------------------------------ */

FILE *mt_fopen(const char *path, const char *mode)
{
    FILE *f = fopen(path, mode);
    if (f)
        track(fileno(f), f, path, NULL);
    return f;
}

FILE *mt_fdopen(int fd, const char *mode)
{
    FILE *f = fdopen(fd, mode);
    if (!f)
        return f;
    pthread_mutex_lock(&lock);
    lf_file *e = by_fd(fd);
    if (!e)  /* a descriptor the runtime did not see opened: named at the capture */
        e = add_locked(fd, NULL, NULL, NULL, 0);
    if (!e->f) {
        e->f = f;
        name_stream(e);
    }
    lc_locks_mark(f);
    pthread_mutex_unlock(&lock);
    return f;
}

/* A standard stream reopened stays the restoring process's own; another
 * stream keeps its FILE object and takes the new file's entry. */
FILE *mt_freopen(const char *path, const char *mode, FILE *f)
{
    pthread_mutex_lock(&lock);
    lf_file *e = by_stream(f);
    if (e)
        drop_locked(e);
    pthread_mutex_unlock(&lock);
    lc_locks_forget(f);
    FILE *g = freopen(path, mode, f);
    if (g && g != stdin && g != stdout && g != stderr)
        track(fileno(g), g, path, NULL);
    else
        lc_locks_mark(g);
    return g;
}

int mt_fclose(FILE *f)
{
    pthread_mutex_lock(&lock);
    lf_file *e = by_stream(f);
    if (e)
        drop_locked(e);
    pthread_mutex_unlock(&lock);
    lc_locks_forget(f);
    state_stream_closed(f);  /* a FILE * kept after this dangles */
    return fclose(f);
}

FILE *mt_tmpfile(void)
{
    FILE *f = tmpfile();
    if (f)
        track(fileno(f), f, NULL, "an unnamed temporary file (tmpfile)");
    return f;
}

/* Streams in memory have no descriptor (fileno gives -1): refused at a
 * capture while they are open. */
FILE *mt_fmemopen(void *buf, size_t size, const char *mode)
{
    FILE *f = fmemopen(buf, size, mode);
    if (f)
        track(-1, f, NULL, "a stream in memory (fmemopen)");
    return f;
}

FILE *mt_open_memstream(char **buf, size_t *size)
{
    FILE *f = open_memstream(buf, size);
    if (f)
        track(-1, f, NULL, "a stream in memory (open_memstream)");
    return f;
}

FILE *mt_popen(const char *command, const char *mode)
{
    FILE *f = popen(command, mode);
    if (f)
        track(fileno(f), f, NULL, "a pipe to a command (popen)");
    return f;
}

int mt_pclose(FILE *f)
{
    pthread_mutex_lock(&lock);
    lf_file *e = by_stream(f);
    if (e)
        drop_locked(e);
    pthread_mutex_unlock(&lock);
    lc_locks_forget(f);
    return pclose(f);
}

static int needs_mode(int flags)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

int mt_open(const char *path, int flags, ...)
{
    unsigned mode = 0;
    if (needs_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, unsigned);
        va_end(ap);
    }
    int fd = open(path, flags, (mode_t)mode);
    if ((flags & O_TMPFILE) == O_TMPFILE)
        track(fd, NULL, NULL, "an unnamed temporary file (O_TMPFILE)");
    else
        track(fd, NULL, path, NULL);
    return fd;
}

/* A path relative to a directory descriptor is named by the kernel. */
int mt_openat(int dirfd, const char *path, int flags, ...)
{
    unsigned mode = 0;
    if (needs_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, unsigned);
        va_end(ap);
    }
    int fd = openat(dirfd, path, flags, (mode_t)mode);
    if ((flags & O_TMPFILE) == O_TMPFILE)
        track(fd, NULL, NULL, "an unnamed temporary file (O_TMPFILE)");
    else
        track(fd, NULL, path[0] == '/' || dirfd == AT_FDCWD ? path : NULL, NULL);
    return fd;
}

int mt_creat(const char *path, unsigned mode)
{
    return mt_open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

int mt_mkstemp(char *template)
{
    int fd = mkstemp(template);
    track(fd, NULL, template, NULL);
    return fd;
}

int mt_close(int fd)
{
    untrack_fd(fd);
    return close(fd);
}

int mt_dup(int fd)
{
    int nfd = dup(fd);
    track_dup(fd, nfd);
    return nfd;
}

int mt_dup2(int fd, int nfd)
{
    int r = dup2(fd, nfd);
    track_dup(fd, r);
    return r;
}

int mt_dup3(int fd, int nfd, int flags)
{
    int r = dup3(fd, nfd, flags);
    track_dup(fd, r);
    return r;
}

/* fcntl's third argument is an int or a pointer by command; glibc's own
 * fcntl reads it as a pointer, which carries either on every ABI here. */
int mt_fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    int r = fcntl(fd, cmd, arg);
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
        track_dup(fd, r);
    return r;
}

int mt_pipe(int fds[2])
{
    int r = pipe(fds);
    if (r == 0) {
        track(fds[0], NULL, NULL, "a pipe");
        track(fds[1], NULL, NULL, "a pipe");
    }
    return r;
}

int mt_pipe2(int fds[2], int flags)
{
    int r = pipe2(fds, flags);
    if (r == 0) {
        track(fds[0], NULL, NULL, "a pipe");
        track(fds[1], NULL, NULL, "a pipe");
    }
    return r;
}

int mt_socket(int domain, int type, int protocol)
{
    int fd = socket(domain, type, protocol);
    track(fd, NULL, NULL, "a socket");
    return fd;
}

int mt_socketpair(int domain, int type, int protocol, int fds[2])
{
    int r = socketpair(domain, type, protocol, fds);
    if (r == 0) {
        track(fds[0], NULL, NULL, "a socket");
        track(fds[1], NULL, NULL, "a socket");
    }
    return r;
}

int mt_accept(int fd, void *addr, unsigned *len)
{
    int c = accept(fd, addr, (socklen_t *)len);
    track(c, NULL, NULL, "a socket");
    return c;
}

int mt_accept4(int fd, void *addr, unsigned *len, int flags)
{
    int c = accept4(fd, addr, (socklen_t *)len, flags);
    track(c, NULL, NULL, "a socket");
    return c;
}

/* ---- Capture ------------------------------------------------------------------------ */

/* What a descriptor that is no regular file is, for the refusal. */
static const char *kind_of(mode_t m)
{
    if (S_ISFIFO(m))
        return "a pipe";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISDIR(m))
        return "a directory";
    return "not a regular file";
}

/* "file descriptor 4 (a stream on out.txt)", "file descriptor 4" or "a
 * stream" (one in memory), for the messages. */
static void describe(const lf_file *e, char *buf, size_t cap)
{
    if (e->fd < 0)
        snprintf(buf, cap, "a stream");
    else if (e->path)
        snprintf(buf, cap, "file descriptor %d (%s%s)", e->fd, e->f ? "a stream on " : "", e->path);
    else
        snprintf(buf, cap, "file descriptor %d%s", e->fd, e->f ? " (a stream)" : "");
}

static int refuse(mt_error *err, const lf_file *e, const char *why)
{
    char what[PATH_LEN + 64];
    describe(e, what, sizeof what);
    return mt_fail(err, MT_EREFUSED, "%s is %s: it cannot be saved; checkpoint refused, the program carries on",
                   what, why);
}

/* The path to save: as opened, made absolute when the program has changed
 * directory since; the kernel's name for a descriptor opened otherwise. */
static char *path_to_save(const lf_file *e, mt_error *err)
{
    char *cwd = e->path && e->cwd ? getcwd(NULL, 0) : NULL;
    char *out = NULL;
    if (e->path && (!e->cwd || (cwd && strcmp(cwd, e->cwd) == 0)))
        out = strdup(e->path);
    else if (e->path) {
        size_t n = strlen(e->cwd) + strlen(e->path) + 2;
        if ((out = malloc(n)))
            snprintf(out, n, "%s/%s", e->cwd, e->path);
    } else {
        char link[64], target[PATH_LEN];
        snprintf(link, sizeof link, "/proc/self/fd/%d", e->fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0 || target[0] != '/') {
            free(cwd);
            refuse(err, e, "a file without a name");
            return NULL;
        }
        target[n] = '\0';
        out = strdup(target);
    }
    free(cwd);
    if (!out)
        mt_fail(err, MT_ENOMEM, "out of memory saving the open files");
    return out;
}

/* The stream's state: what its buffer read ahead (a copy, freed by
 * lc_files_release) and its indicators. Output was flushed before. */
static int take_stream(const lf_file *e, ck_file *out, mt_error *err)
{
    FILE *f = e->f;
    out->flags |= CK_FILE_STREAM;
    if (f->_flags & GLIBC_IO_EOF_SEEN)
        out->flags |= CK_FILE_EOF;
    if (f->_flags & GLIBC_IO_ERR_SEEN)
        out->flags |= CK_FILE_ERROR;
    if (f->_flags & GLIBC_IO_UNBUFFERED)
        out->flags |= CK_FILE_UNBUFFERED;
    else if (f->_flags & GLIBC_IO_LINE_BUF)
        out->flags |= CK_FILE_LINE_BUFFERED;
    if (f->_IO_write_ptr > f->_IO_write_base)
        return refuse(err, e, "holding output it could not write");
    const char *at;
    size_t n;
    if (lc_stream_read_ahead(f, &at, &n) < 0)
        return refuse(err, e, "holding input pushed back with ungetc that its buffer does not hold");
    if (n == 0)
        return 0;
    uint8_t *bytes = malloc(n);
    if (!bytes)
        return mt_fail(err, MT_ENOMEM, "out of memory saving %zu unread bytes of a stream", n);
    memcpy(bytes, at, n);
    out->unread = bytes;
    out->nunread = n;
    return 0;
}

/* Whether this process holds a lock on fd's file (fcntl, lockf, flock,
 * OFD): the kernel lists them in fdinfo, also those taken by code mtcc
 * did not build. A restore could not take them again for sure (another
 * process may have the file by then), so such a file is refused. */
static int holds_lock(int fd)
{
    char name[64], line[256];
    snprintf(name, sizeof name, "/proc/self/fdinfo/%d", fd);
    FILE *info = fopen(name, "re");
    if (!info)
        return 0;
    int found = 0;
    while (!found && fgets(line, sizeof line, info))
        found = strncmp(line, "lock:", 5) == 0;
    fclose(info);
    return found;
}

static int take_one(const lf_file *e, ck_file *out, mt_error *err)
{
    struct stat sb;
    if (e->fd < 0 && e->what)
        return refuse(err, e, e->what);
    if (fstat(e->fd, &sb) < 0) {
        /* closed by code mtcc did not build: a bare descriptor is gone, but
         * a stream's name would reach the checkpoint without its file */
        return e->f ? refuse(err, e, "a stream whose descriptor was closed by code mtcc did not build") : 1;
    }
    if (e->what)
        return refuse(err, e, e->what);
    if (!S_ISREG(sb.st_mode))
        return refuse(err, e, kind_of(sb.st_mode));
    if (e->fd < 3)
        return refuse(err, e, "in the place of a standard stream");
    if (holds_lock(e->fd))
        return refuse(err, e, "locked by this process (fcntl, lockf or flock), and a restore cannot be sure to lock it again");
    int fl = fcntl(e->fd, F_GETFL), fd_flags = fcntl(e->fd, F_GETFD);
    off_t at = lseek(e->fd, 0, SEEK_CUR);
    if (fl < 0 || fd_flags < 0 || at < 0)
        return mt_fail(err, MT_EIO, "cannot read the state of file descriptor %d: %s", e->fd, strerror(errno));
    *out = (ck_file){ .id = e->id, .group = e->group, .fd = e->fd, .offset = (uint64_t)at };
    int acc = fl & O_ACCMODE;
    out->flags = (acc != O_WRONLY ? CK_FILE_READ : 0) | (acc != O_RDONLY ? CK_FILE_WRITE : 0) |
                 (fl & O_APPEND ? CK_FILE_APPEND : 0) | (fd_flags & FD_CLOEXEC ? CK_FILE_CLOEXEC : 0) |
                 (fl & O_NONBLOCK ? CK_FILE_NONBLOCK : 0);
    if (!(out->path = path_to_save(e, err)))
        return -1;
    /* the name must still be this file's, or the restore would open
     * another one, or none, after this process may have gone */
    struct stat named;
    if (stat(out->path, &named) < 0 || named.st_dev != sb.st_dev || named.st_ino != sb.st_ino)
        return refuse(err, e, "no longer under its name (renamed or deleted since it was opened)");
    return e->f ? take_stream(e, out, err) : 0;
}

/* Each saved entry's group becomes the id of the first saved entry that
 * shares its open file: the one the group was named after may be closed. */
static int share_groups(mt_error *err)
{
    uint64_t *was = malloc((ntaken ? ntaken : 1) * sizeof *was);
    if (!was)
        return mt_fail(err, MT_ENOMEM, "out of memory saving the open files");
    for (uint32_t i = 0; i < ntaken; i++)
        was[i] = taken[i].group;
    for (uint32_t i = 0; i < ntaken; i++)
        for (uint32_t j = 0; j <= i; j++)
            if (was[j] == was[i]) {
                taken[i].group = taken[j].id;
                break;
            }
    free(was);
    return 0;
}

int lc_files_capture(mt_error *err)
{
    pthread_mutex_lock(&lock);
    int rc = 0;
    ntaken = 0;
    taken = ntab ? calloc(ntab, sizeof *taken) : NULL;
    if (ntab && !taken)
        rc = mt_fail(err, MT_ENOMEM, "out of memory saving the open files");
    for (size_t i = 0; i < ntab && rc == 0; i++) {
        int r = take_one(&tab[i], &taken[ntaken], err);
        if (r < 0)
            rc = -1;
        if (r == 0 || taken[ntaken].path)
            ntaken++;  /* a failed entry's copies are freed too */
    }
    pthread_mutex_unlock(&lock);
    if (rc == 0)
        rc = share_groups(err);
    return rc;
}

void lc_files_release(void)
{
    for (uint32_t i = 0; i < ntaken; i++) {
        free(taken[i].path);
        free((void *)taken[i].unread);
    }
    free(taken);
    taken = NULL;
    ntaken = 0;
}

/* The hook save.c calls: the FILES record, after the function table. */
static int write_record(struct ck_writer *w)
{
    return ck_write_files(w, taken, ntaken);
}

/* ---- Restore ------------------------------------------------------------------------- */

static const char *fdopen_mode(uint32_t flags)
{
    int r = (flags & CK_FILE_READ) != 0, w = (flags & CK_FILE_WRITE) != 0;
    if (flags & CK_FILE_APPEND)
        return r ? "a+" : "a";
    return r && w ? "r+" : w ? "w" : "r";
}

/* Opens the saved file on a spare descriptor (not yet its own number,
 * which another saved file's spare may hold): the same open file as an
 * earlier entry of its group, else the path again, never created or
 * truncated. A file missing, not regular or shorter than the saved offset
 * is refused by name. */
static int reopen_spare(const ck_file *f, const ck_file *all, const int *spare, uint32_t i, int floor,
                        mt_error *err)
{
    for (uint32_t j = 0; j < i; j++)
        if (all[j].id == f->group) {
            int fd = fcntl(spare[j], F_DUPFD_CLOEXEC, floor);
            if (fd < 0)
                mt_fail(err, MT_EIO, "cannot reopen %s: %s", f->path, strerror(errno));
            return fd;
        }
    int acc = (f->flags & CK_FILE_READ) && (f->flags & CK_FILE_WRITE) ? O_RDWR
              : (f->flags & CK_FILE_WRITE)                            ? O_WRONLY
                                                                      : O_RDONLY;
    int fd = open(f->path, acc | (f->flags & CK_FILE_APPEND ? O_APPEND : 0) |
                               (f->flags & CK_FILE_NONBLOCK ? O_NONBLOCK : 0) | O_CLOEXEC);
    if (fd < 0)
        return mt_fail(err, MT_EIO, "cannot reopen %s (file descriptor %d of the checkpointed program): %s",
                       f->path, f->fd, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return mt_fail(err, MT_EIO, "cannot reopen %s (file descriptor %d of the checkpointed program): "
                       "it is not a regular file here", f->path, f->fd);
    }
    if ((uint64_t)sb.st_size < f->offset) {
        close(fd);
        return mt_fail(err, MT_EIO, "cannot reopen %s (file descriptor %d of the checkpointed program): "
                       "it holds %lld bytes here, fewer than the offset %llu the program had reached",
                       f->path, f->fd, (long long)sb.st_size, (unsigned long long)f->offset);
    }
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, floor);
    if (moved < 0)
        mt_fail(err, MT_EIO, "cannot reopen %s: %s", f->path, strerror(errno));
    close(fd);
    return moved;
}

/* The stream on f's descriptor, with the input it had read ahead first
 * and its indicators. */
static FILE *restore_stream(const ck_file *f, mt_error *err)
{
    FILE *s = fdopen(f->fd, fdopen_mode(f->flags));
    if (!s) {
        mt_fail(err, MT_EIO, "cannot reopen the stream on %s: %s", f->path, strerror(errno));
        return NULL;
    }
    if (lc_stream_give_unread(s, f->unread, (size_t)f->nunread) < 0) {
        mt_fail(err, MT_ENOMEM, "cannot give the stream on %s a buffer for its unread input", f->path);
        return NULL;
    }
    /* the program's buffering mode (a stream with unread input keeps the
     * full buffer that holds it: that input is read ahead already) */
    int mode = f->flags & CK_FILE_UNBUFFERED ? _IONBF : f->flags & CK_FILE_LINE_BUFFERED ? _IOLBF : _IOFBF;
    if (!f->nunread && mode != _IOFBF && setvbuf(s, NULL, mode, 0) != 0) {
        mt_fail(err, MT_EIO, "cannot make the stream on %s %s buffered again", f->path,
                mode == _IONBF ? "un" : "line");
        return NULL;
    }
    if (f->flags & CK_FILE_EOF)
        s->_flags |= GLIBC_IO_EOF_SEEN;
    if (f->flags & CK_FILE_ERROR)
        s->_flags |= GLIBC_IO_ERR_SEEN;
    return s;
}

/* Puts the spare descriptor on its own number at its offset, with its
 * stream, and enters it in the table. */
static int place(const ck_file *f, int spare, mt_error *err)
{
    int flags = f->flags & CK_FILE_CLOEXEC ? O_CLOEXEC : 0;
    if (dup3(spare, f->fd, flags) < 0 || lseek(f->fd, (off_t)f->offset, SEEK_SET) < 0)
        return mt_fail(err, MT_EIO, "cannot reopen %s on file descriptor %d: %s", f->path, f->fd, strerror(errno));
    FILE *s = NULL;
    if ((f->flags & CK_FILE_STREAM) && !(s = restore_stream(f, err)))
        return -1;
    pthread_mutex_lock(&lock);
    lf_file *old = by_fd(f->fd);
    if (old)
        drop_locked(old);
    uint64_t keep = next_id;
    next_id = f->id;
    add_locked(f->fd, s, f->path, NULL, f->group);
    next_id = keep > f->id ? keep : f->id + 1;
    pthread_mutex_unlock(&lock);
    return 0;
}

int lc_files_reopen(const ck_image *img, mt_error *err)
{
    uint32_t n = img->nfiles;
    if (!n)
        return 0;
    int floor = 3;
    for (uint32_t i = 0; i < n; i++)
        if (img->files[i].fd >= floor)
            floor = img->files[i].fd + 1;
    int *spare = malloc(n * sizeof *spare);
    if (!spare)
        return mt_fail(err, MT_ENOMEM, "out of memory reopening the open files");
    int rc = 0;
    uint32_t opened = 0;
    for (; opened < n && rc == 0; opened++)
        if ((spare[opened] = reopen_spare(&img->files[opened], img->files, spare, opened, floor, err)) < 0)
            rc = -1;
    for (uint32_t i = 0; i < n && rc == 0; i++)
        rc = place(&img->files[i], spare[i], err);
    for (uint32_t i = 0; i < opened; i++)
        if (spare[i] >= 0)
            close(spare[i]);
    free(spare);
    return rc;
}
