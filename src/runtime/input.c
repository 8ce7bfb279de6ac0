/* input.c: where a checkpoint is read from (input.h).
 *
 * open(2) of a FIFO blocks until a writer comes, and a read of a device
 * or socket may never end: a path is therefore checked with stat before
 * it is opened, opened without blocking, and checked again on the
 * descriptor (the name may have changed in between). Streams come only
 * as descriptors the caller hands over on purpose. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"

/* What a file that is not a regular one is, for the message. */
static const char *kind_of(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    return "not a regular file";
}

static int refuse_kind(mt_error *err, const char *path, mode_t mode)
{
    if (S_ISDIR(mode) || S_ISREG(mode))
        return mt_fail(err, MT_EUSAGE, "%s is %s, not a checkpoint file", path, kind_of(mode));
    return mt_fail(err, MT_EUSAGE,
                   "%s is %s, not a checkpoint file: a stream is read only when given as standard input ('-')",
                   path, kind_of(mode));
}

int in_open_file(const char *path, mt_error *err)
{
    struct stat sb;
    if (stat(path, &sb) < 0)
        return mt_fail(err, MT_EIO, "cannot open %s: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return refuse_kind(err, path, sb.st_mode);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return mt_fail(err, MT_EIO, "cannot open %s: %s", path, strerror(errno));
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return refuse_kind(err, path, sb.st_mode);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

static ck_image *read_fd_with(int fd, const void *prefix, size_t n, const ck_read_hooks *hooks, mt_error *err)
{
    st_stream *s = malloc(sizeof *s);
    if (!s) {
        mt_fail(err, MT_ENOMEM, "out of memory reading a checkpoint");
        return NULL;
    }
    st_init_fd_after(s, fd, prefix, n);
    ck_image *img = ck_read_with(s, hooks, err);
    free(s);
    return img;
}

ck_image *in_read_fd(int fd, const void *prefix, size_t n, mt_error *err)
{
    return read_fd_with(fd, prefix, n, NULL, err);
}

ck_image *in_read_fd_with(int fd, const ck_read_hooks *hooks, mt_error *err)
{
    return read_fd_with(fd, NULL, 0, hooks, err);
}

/* A descriptor number from the environment, or -1 when unset. */
static int env_fd(const char *name, mt_error *err)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return -1;
    char *end;
    errno = 0;
    long fd = strtol(v, &end, 10);
    if (*end || errno || fd < 0 || fd > 65535 || fcntl((int)fd, F_GETFD) < 0) {
        mt_fail(err, MT_EUSAGE, "%s=%s is not an open descriptor", name, v);
        return -2;
    }
    return (int)fd;
}

/* All the bytes of the prefix descriptor (a small file migthread restart
 * wrote: the header and first record it read to find the program). */
static uint8_t *read_prefix(int fd, size_t *n, mt_error *err)
{
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (buf && len == cap) {
            uint8_t *grown = realloc(buf, cap * 2);
            if (!grown)
                free(buf);
            buf = grown;
            cap *= 2;
        }
        if (!buf) {
            mt_fail(err, MT_ENOMEM, "out of memory reading a checkpoint");
            return NULL;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            free(buf);
            mt_fail(err, MT_EIO, "cannot read the checkpoint's first bytes: %s", strerror(errno));
            return NULL;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    *n = len;
    return buf;
}

/* The checkpoint on inherited descriptor fd, after the prefix on pfd. */
static ck_image *read_handed(int fd, int pfd, const ck_read_hooks *hooks, mt_error *err)
{
    size_t n = 0;
    uint8_t *prefix = pfd >= 0 ? read_prefix(pfd, &n, err) : NULL;
    ck_image *img = pfd < 0 || prefix ? read_fd_with(fd, prefix, n, hooks, err) : NULL;
    free(prefix);
    if (pfd >= 0)
        close(pfd);
    if (fd != STDIN_FILENO)
        close(fd);  /* the program never sees it */
    return img;
}

ck_image *in_read_restore(const char *path, mt_error *err)
{
    return in_read_restore_with(path, NULL, err);
}

ck_image *in_read_restore_with(const char *path, const ck_read_hooks *hooks, mt_error *err)
{
    int fd = env_fd("MIGTHREAD_RESTORE_FD", err);
    int pfd = fd >= 0 ? env_fd("MIGTHREAD_RESTORE_PREFIX_FD", err) : -1;
    if (fd == -2 || pfd == -2)
        return NULL;
    if (fd >= 0)
        return read_handed(fd, pfd, hooks, err);
    if (strcmp(path, IN_STDIN) == 0)
        return read_fd_with(STDIN_FILENO, NULL, 0, hooks, err);
    fd = in_open_file(path, err);
    if (fd < 0)
        return NULL;
    unsigned char magic[CK_ZSTD_MAGIC_LEN];
    if (pread(fd, magic, sizeof magic, 0) == (ssize_t)sizeof magic && ck_zstd_magic(magic)) {
        /* only migthread's tools decompress (src/zfile): the program is not linked with zstd */
        close(fd);
        mt_fail(err, MT_EFORMAT, "%s is a compressed checkpoint (zstd), which a program does not read: "
                "restore it with `migthread restart %s`", path, path);
        return NULL;
    }
    ck_image *img = read_fd_with(fd, NULL, 0, hooks, err);
    close(fd);
    return img;
}

/* Where the ready descriptor goes: above the program's usual numbers
 * (a restored file takes its own number back) and below the control
 * channel's (channel.c's CH_FD_FLOOR). */
enum { IN_READY_FLOOR = 850 };

int in_ready_fd(mt_error *err)
{
    int fd = env_fd("MIGTHREAD_READY_FD", err);
    if (fd < 0)
        return fd;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, IN_READY_FLOOR);
    if (high < 0) {
        mt_fail(err, MT_EIO, "MIGTHREAD_READY_FD: %s", strerror(errno));
        return -2;
    }
    close(fd);
    return high;
}

int in_ahead_fd(void)
{
    static const char hello[] = "ahead\n";
    mt_error ignored;
    int fd = env_fd("MIGTHREAD_PRECOPY_FD", &ignored);
    if (fd < 0)
        return -1;  /* unset, or not open (a migrated program's child): nothing to read ahead */
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    ssize_t w;
    do  /* (no SIGPIPE: the daemon may have ended the channel already, the held checkpoint on its way) */
        w = send(fd, hello, sizeof hello - 1, MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)(sizeof hello - 1)) {
        close(fd);
        return -1;
    }
    return fd;
}

int in_ahead_more(int fd)
{
    char c;
    ssize_t r;
    do
        r = recv(fd, &c, 1, MSG_PEEK);
    while (r < 0 && errno == EINTR);
    return r == 1;
}

int in_ahead_name(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;  /* the end (the held checkpoint comes), or the daemon gone */
        if (c == '\n') {
            if (n > 0 && n < cap) {
                buf[n] = '\0';
                return 0;
            }
            n = 0;  /* empty or too long: not a name, skipped */
            continue;
        }
        if (n < cap)
            buf[n] = c;
        n++;
    }
}

int in_await_go(int fd, mt_error *err)
{
    static const char ready[] = "ready\n";
    ssize_t w;
    do
        w = write(fd, ready, sizeof ready - 1);
    while (w < 0 && errno == EINTR);
    char c = 0;
    ssize_t r = -1;
    if (w == (ssize_t)(sizeof ready - 1))
        do
            r = read(fd, &c, 1);
        while (r < 0 && errno == EINTR);
    close(fd);
    if (r == 1 && c == 'g')
        return 0;
    return mt_fail(err, MT_EIO, "%s", "the migration was called off before this restored program went on");
}

void in_forget_handover(void)
{
    static const char *const handover[] = {
        "MIGTHREAD_RESTORE",          "MIGTHREAD_RESTORE_FD", "MIGTHREAD_RESTORE_PREFIX_FD",
        "MIGTHREAD_RESTORE_PARENT_FDS", "MIGTHREAD_READY_FD", "MIGTHREAD_PRECOPY_FD",
    };
    for (size_t i = 0; i < sizeof handover / sizeof handover[0]; i++)
        unsetenv(handover[i]);
}
