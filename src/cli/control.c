/* control.c: `migthread checkpoint [-o FILE] [--exit] [--fork] [--thread N]
 * [--timeout SECONDS] PID` asks a running program, through its control
 * channel, to checkpoint at its next adaptation point (the whole process,
 * or thread N alone, which with --exit leaves for elsewhere) and waits for
 * the outcome; `migthread list` shows this user's MigThread processes.
 * (`migthread restart` is restart.c.) */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ctlmsg.h"

/* ---- Talking to a program's control channel ----------------------------------------- */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The uid that owns process pid, or -1 when there is no such process. */
static long owner_of(long pid)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%ld", pid);
    return stat(path, &st) < 0 ? -1 : (long)st.st_uid;
}

/* Connects to the socket at path (shorter than sun_path: cm_socket_path
 * checks): a descriptor, or -1 with connect's errno. */
static int connect_path(const char *path)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    int err = errno;
    close(fd);
    errno = err;
    return -1;
}

/* Connects to pid's socket: a descriptor, or -1 with errno (ENOENT: no
 * socket in any place it may be). */
static int connect_to(long pid, uid_t uid)
{
    int err = ENOENT;
    for (int which = 0; which < 2; which++) {
        char dir[4096], path[4096];
        if (cm_socket_dir(uid, which, dir, sizeof dir) < 0 || cm_socket_path(dir, pid, path, sizeof path) < 0)
            continue;
        int fd = connect_path(path);
        if (fd >= 0)
            return fd;
        if (errno != ENOENT)
            err = errno;
    }
    errno = err;
    return -1;
}

/* Connects, waiting up to wait_ms for a program just started to open its
 * socket. Prints the reason and returns -1 when there is none. */
static int reach(long pid, long long wait_ms)
{
    long long until = now_ms() + wait_ms;
    for (;;) {
        long uid = owner_of(pid);
        if (uid < 0)
            return cli_fail("no process %ld", pid), -1;
        int fd = connect_to(pid, (uid_t)uid);
        if (fd >= 0)
            return fd;
        if (errno == EACCES || errno == EPERM)
            return cli_fail("process %ld's control channel is not open to this user", pid), -1;
        if (now_ms() >= until)
            return cli_fail("process %ld is not a MigThread program", pid), -1;
        struct timespec nap = { 0, 20 * 1000000 };  /* its socket may appear yet */
        nanosleep(&nap, NULL);
    }
}

int cli_control_connect(long pid, long long wait_ms)
{
    return reach(pid, wait_ms);
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !(v > 0) || v > 4e6)
        return -1;
    *out = v;
    return 0;
}

/* The absolute path of file (its directory must exist), for a program
 * whose working directory is its own. */
static int absolute(const char *file, char *out, size_t cap)
{
    char copy[4096], dir[4096];
    snprintf(copy, sizeof copy, "%s", file);
    char *slash = strrchr(copy, '/');
    const char *base = slash ? slash + 1 : copy;
    if (slash == copy)
        snprintf(dir, sizeof dir, "/");
    else if (slash) {
        *slash = '\0';
        if (!realpath(copy, dir))
            return -1;
    } else if (!getcwd(dir, sizeof dir))
        return -1;
    if (!*base)
        return errno = EISDIR, -1;
    return snprintf(out, cap, "%s/%s", strcmp(dir, "/") ? dir : "", base) < (int)cap ? 0 : (errno = ENAMETOOLONG, -1);
}

int cli_ask_checkpoint(long pid, cm_msg *m, long long wait_ms)
{
    int fd = reach(pid, wait_ms);
    if (fd < 0)
        return 1;
    /* (a send the program cut short: its refusal may be waiting to be read) */
    int sent = cm_send(fd, m), send_errno = errno;
    /* The program answers by its deadline if no adaptation point comes;
     * after BEGUN, the write takes what it takes. */
    char why[4200];
    long long grace = sent < 0 ? CM_READ_MS : cm_has(m, CM_F_TIMEOUT_MS) ? (long long)m->timeout_ms + 5000 : -1;
    for (;;) {
        int r = cm_recv(fd, m, grace < 0 ? -1 : (int)grace, why, sizeof why);
        if (r != 0 && sent < 0) {
            close(fd);
            return cli_fail("cannot ask process %ld: %s", pid, strerror(send_errno));
        }
        if (r != 0) {
            close(fd);
            return r == 1 ? cli_fail("process %ld ended before it answered", pid)
                          : cli_fail("process %ld did not answer: %s", pid, why);
        }
        if (m->kind == CM_BEGUN) {
            grace = -1;
            continue;
        }
        break;
    }
    close(fd);
    if (m->kind == CM_ERROR)
        return cli_fail("%s", cm_has(m, CM_F_MESSAGE) ? m->message : "no checkpoint");
    if (m->kind != CM_OK)
        return cli_fail("process %ld answered with frame kind %u", pid, m->kind);
    return 0;
}

int cmd_checkpoint(int argc, char **argv)
{
    const char *synopsis = "checkpoint [-o FILE|-] [--exit] [--fork] [--incremental] [--compress] [--thread N] [--timeout SECONDS] PID";
    cm_msg *m = calloc(1, sizeof *m);
    if (!m)
        return cli_fail("out of memory");
    cm_init(m, CM_CHECKPOINT);
    const char *pid_arg = NULL, *out = NULL;
    double timeout = 0;
    int compress = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--compress") == 0)
            compress = 1;  /* this command compresses: the program writes its plain stream to a pipe */
        else if (strcmp(argv[i], "--exit") == 0) {
            m->flags |= CM_FLAG_EXIT;
            cm_set(m, CM_F_FLAGS);
        } else if (strcmp(argv[i], "--fork") == 0) {
            m->flags |= CM_FLAG_FORK;  /* the program forks its writer: the answer comes once it is done */
            cm_set(m, CM_F_FLAGS);
        } else if (strcmp(argv[i], "--incremental") == 0) {
            m->flags |= CM_FLAG_INCREMENTAL;
            cm_set(m, CM_F_FLAGS);
        } else if (strcmp(argv[i], "--thread") == 0 && i + 1 < argc) {
            char *end;
            long thread = strtol(argv[++i], &end, 10);
            if (*end || thread <= 0 || thread > 0x7fffffff)
                return cli_fail("'%s' is not a thread number (the main thread is 1)", argv[i]);
            m->thread = (uint32_t)thread;
            cm_set(m, CM_F_THREAD);
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            if (parse_seconds(argv[++i], &timeout) < 0)
                return cli_fail("'%s' is not a number of seconds", argv[i]);
            m->timeout_ms = (uint32_t)(timeout * 1e3) ? (uint32_t)(timeout * 1e3) : 1;
            cm_set(m, CM_F_TIMEOUT_MS);
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if ((argv[i][0] == '-' && argv[i][1]) || pid_arg)
            return cli_usage(synopsis);
        else
            pid_arg = argv[i];
    }
    if (!pid_arg)
        return cli_usage(synopsis);
    char *end;
    long pid = strtol(pid_arg, &end, 10);
    if (*end || pid <= 0)
        return cli_fail("'%s' is not a process id", pid_arg);
    if (compress && out && strcmp(out, "-") == 0)
        return cli_fail("--compress writes a file: give -o FILE (a stream is compressed by migthread migrate --compress)");
    if (out && strcmp(out, "-") == 0) {
        m->fd = STDOUT_FILENO;  /* the checkpoint streams out; the line goes to stderr */
        cm_set(m, CM_F_FD);
    } else if (out) {
        if (absolute(out, m->path, sizeof m->path) < 0)
            return cli_fail("cannot write %s: %s", out, strerror(errno));
        cm_set(m, CM_F_PATH);
    }
    uint64_t zsize = 0, plain = 0;
    if ((compress ? cli_checkpoint_compressed(pid, m, (long long)(timeout * 1e3), &zsize, &plain)
                  : cli_ask_checkpoint(pid, m, (long long)(timeout * 1e3))) != 0) {
        free(m);
        return 1;
    }
    if (compress) {
        printf("%s: %llu bytes, captured %.3f ms after the request, written in %.3f ms (zstd, %llu bytes plain)\n",
               m->path, (unsigned long long)zsize, m->wait_us / 1e3, m->write_us / 1e3, (unsigned long long)plain);
        free(m);
        return 0;
    }
    FILE *line = out && strcmp(out, "-") == 0 ? stderr : stdout;
    fprintf(line, "%s: %llu bytes, captured %.3f ms after the request, written in %.3f ms\n",
            cm_has(m, CM_F_PATH) ? m->path : "-", (unsigned long long)m->size, m->wait_us / 1e3, m->write_us / 1e3);
    free(m);
    return 0;
}

/* One socket of the list: its program's answer to HELLO, or 0 when it is
 * a dead process's (removed). */
static void list_one(const char *dir, const char *name)
{
    char *end;
    long pid = strtol(name, &end, 10);
    char path[4096];
    if (pid <= 0 || strcmp(end, ".sock") != 0 || cm_socket_path(dir, pid, path, sizeof path) < 0)
        return;
    int fd = connect_path(path);
    if (fd < 0) {
        if (errno == ECONNREFUSED)
            unlink(path);  /* nobody listens: a process that is gone */
        return;
    }
    cm_msg *m = malloc(sizeof *m);
    char why[4200];
    if (m) {
        cm_init(m, CM_HELLO);
        if (cm_send(fd, m) == 0 && cm_recv(fd, m, CM_READ_MS, why, sizeof why) == 0 && m->kind == CM_OK)
            printf("%-8ld %-24s %s\n", (long)m->pid, m->program, path);
    }
    free(m);
    close(fd);
}

int cmd_list(int argc, char **argv)
{
    (void)argv;
    if (argc != 0)
        return cli_usage("list");
    printf("%-8s %-24s %s\n", "PID", "PROGRAM", "SOCKET");
    for (int which = 0; which < 2; which++) {
        char dir[4096], why[4200];
        if (cm_socket_dir(geteuid(), which, dir, sizeof dir) < 0 || cm_check_dir(dir, geteuid(), why, sizeof why) < 0)
            continue;
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d)))
            list_one(dir, e->d_name);
        closedir(d);
    }
    return 0;
}
