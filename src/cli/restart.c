/* restart.c: `migthread restart [--binary PROG] FILE|-` resumes a
 * checkpoint, under the matching qemu-user when PROG was built for another
 * ABI. FILE must be a regular file; a checkpoint arriving on a pipe or
 * socket is given as standard input ('-').
 *
 * The checkpoint is read once: without --binary the header and the first
 * record (the writer's INFO, which names its executable) are read here,
 * and the program gets them on a small in-memory file together with the
 * descriptor to read the rest from (MIGTHREAD_RESTORE_FD and
 * MIGTHREAD_RESTORE_PREFIX_FD, runtime input.c), so even a FIFO that a
 * writer fills once restores. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ckpt.h"
#include "cli.h"
#include "input.h"
#include "zfile.h"

/* The qemu-user program and sysroot for an ELF machine, or NULL when the
 * binary runs here natively. */
static int emulator_for(unsigned machine, const char **qemu, const char **sysroot)
{
    static const struct { unsigned machine; const char *qemu, *sysroot; } table[] = {
        { 3, "qemu-i386", "/usr/i686-linux-gnu" },
        { 20, "qemu-ppc", "/usr/powerpc-linux-gnu" },
        { 22, "qemu-s390x", "/usr/s390x-linux-gnu" },
        { 40, "qemu-arm", "/usr/arm-linux-gnueabihf" },
        { 183, "qemu-aarch64", "/usr/aarch64-linux-gnu" },
    };
    *qemu = *sysroot = NULL;
    if (machine == 62)  /* x86-64: this machine */
        return 0;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].machine == machine) {
            *qemu = table[i].qemu;
            *sysroot = table[i].sysroot;
            return 0;
        }
    return -1;
}

static int elf_machine(const char *path, unsigned *machine)
{
    unsigned char h[20];
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(h, 1, sizeof h, f);
    fclose(f);
    if (n < sizeof h || memcmp(h, "\177ELF", 4) != 0)
        return -2;
    *machine = h[5] == 2 ? (unsigned)(h[18] << 8 | h[19]) : (unsigned)(h[19] << 8 | h[18]);
    return 0;
}

char *cli_info_value(const char *info, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = info; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, key, klen) == 0 && p[klen] == ':' && p[klen + 1] == ' ') {
            p += klen + 2;
            size_t n = strcspn(p, "\n");
            return n ? strndup(p, n) : NULL;
        }
    return NULL;
}

/* A descriptor holding the n bytes at buf from its start, for the
 * program to read first; -1 with errno set. */
static int prefix_file(const void *buf, size_t n)
{
    int fd = memfd_create("migthread-restart-prefix", 0);
    if (fd < 0)
        return -1;
    const char *p = buf;
    for (size_t done = 0; done < n;) {
        ssize_t w = write(fd, p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    if (lseek(fd, 0, SEEK_SET) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads the header and the INFO record from fd to find the writer's
 * executable; *pfd gets a descriptor with the bytes read. Returns the
 * executable's path (malloc'd) or NULL after printing the reason. */
static char *find_writer(int fd, const uint8_t *pre, size_t npre, const char *label, int *pfd)
{
    st_stream *s = malloc(sizeof *s);
    if (!s) {
        cli_fail("out of memory reading %s", label);
        return NULL;
    }
    st_init_fd_after(s, fd, pre, npre);
    st_keep(s);
    mt_error err;
    char *info = ck_read_info(s, &err);
    size_t n;
    uint8_t *kept = st_kept(s, &n);
    free(s);
    char *exe = info ? cli_info_value(info, "writer-exe") : NULL;
    if (!info)
        cli_fail("%s: %s", label, err.msg);
    else if (!exe)
        cli_fail("%s does not name the program that wrote it; give --binary PROG", label);
    else if (!kept || (*pfd = prefix_file(kept, n)) < 0)
        cli_fail("cannot keep the first bytes of %s: %s", label, kept ? strerror(errno) : "out of memory");
    if (exe && *pfd < 0) {
        free(exe);
        exe = NULL;
    }
    free(info);
    free(kept);
    return exe;
}

/* Hands fd (and pfd, when not -1) over to the program through its
 * environment, open across exec. */
static int hand_over(const char *label, int fd, int pfd)
{
    char num[16];
    snprintf(num, sizeof num, "%d", fd);
    if (setenv("MIGTHREAD_RESTORE", label, 1) < 0 || setenv("MIGTHREAD_RESTORE_FD", num, 1) < 0)
        return -1;
    fcntl(fd, F_SETFD, 0);
    if (pfd < 0)
        return unsetenv("MIGTHREAD_RESTORE_PREFIX_FD");
    snprintf(num, sizeof num, "%d", pfd);
    fcntl(pfd, F_SETFD, 0);
    return setenv("MIGTHREAD_RESTORE_PREFIX_FD", num, 1);
}

int cmd_restart(int argc, char **argv)
{
    const char *synopsis = "restart [--binary PROG] FILE|-";
    const char *binary = NULL, *file = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--binary") == 0 && i + 1 < argc)
            binary = argv[++i];
        else if ((argv[i][0] == '-' && strcmp(argv[i], IN_STDIN) != 0) || file)
            return cli_usage(synopsis);
        else
            file = argv[i];
    }
    if (!file)
        return cli_usage(synopsis);
    int from_stdin = strcmp(file, IN_STDIN) == 0;
    const char *label = from_stdin ? "standard input" : file;
    mt_error err;
    int fd = from_stdin ? STDIN_FILENO : in_open_file(file, &err);
    if (fd < 0)
        return cli_fail("%s", err.msg);
    uint8_t pre[ZF_MAGIC_LEN];
    size_t npre = 0;
    int kind = cli_zfile_kind(fd, pre, &npre);
    if (kind == ZF_BARE_ZSTD)
        return cli_fail("%s: a zstd frame without the container header of a compressed checkpoint", label);
    if (kind == ZF_CONTAINER) {
        if (!from_stdin && cli_zfile_check(fd, label) != 0)
            return 1;
        int plain = cli_zfile_feed(fd, pre, npre, label);
        if (plain < 0)
            return 1;
        if (from_stdin) {  /* the feeder reads standard input: the program does not */
            int null = open("/dev/null", O_RDONLY);
            if (null >= 0 && null != STDIN_FILENO) {
                dup2(null, STDIN_FILENO);
                close(null);
            }
        } else
            close(fd);
        fd = plain;
        npre = 0;
    }
    int pfd = -1;
    if (binary && npre > 0 && (pfd = prefix_file(pre, npre)) < 0)
        return cli_fail("cannot keep the first bytes of %s: %s", label, strerror(errno));
    char *found = binary ? NULL : find_writer(fd, pre, npre, label, &pfd);
    if (!binary && !(binary = found))
        return 1;
    unsigned machine;
    int r = elf_machine(binary, &machine);
    if (r == -1)
        return cli_fail("cannot read %s: %s", binary, strerror(errno));
    if (r == -2)
        return cli_fail("%s is not an ELF executable", binary);
    const char *qemu, *sysroot;
    if (emulator_for(machine, &qemu, &sysroot) < 0)
        return cli_fail("%s is built for ELF machine %u, which MigThread does not know", binary, machine);
    /* a chain's compressed parents: decompressed by feeders of their own */
    if (!from_stdin && cli_chain_hand_over(file) < 0)
        return cli_fail("cannot set MIGTHREAD_RESTORE_PARENT_FDS: %s", strerror(errno));
    if (hand_over(file, fd, pfd) < 0)
        return cli_fail("cannot set MIGTHREAD_RESTORE: %s", strerror(errno));
    /* qemu-i386 (and at times qemu-arm) hangs in a dynamically linked
     * program's first pthread_create: no control thread there */
    if (qemu && (strcmp(qemu, "qemu-i386") == 0 || strcmp(qemu, "qemu-arm") == 0) && !getenv("MIGTHREAD_CONTROL"))
        setenv("MIGTHREAD_CONTROL", "0", 1);
    if (qemu)
        execlp(qemu, qemu, "-L", sysroot, binary, (char *)NULL);
    else
        execl(binary, binary, (char *)NULL);
    return cli_fail("cannot run %s%s%s: %s", qemu ? qemu : "", qemu ? " " : "", binary, strerror(errno));
}
