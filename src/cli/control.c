/* control.c: `migthread checkpoint [--exit] [--thread N] PID` asks a
 * running program to checkpoint at its next adaptation point (the whole
 * process, or thread N alone, which with --exit leaves for elsewhere); `migthread restart [--binary
 * PROG] FILE` resumes a checkpoint, under the matching qemu-user when PROG
 * was built for another ABI. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "restore.h"

int cmd_checkpoint(int argc, char **argv)
{
    const char *synopsis = "checkpoint [--exit] [--thread N] PID";
    int exit_after = 0;
    long thread = 0;
    const char *pid_arg = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--exit") == 0)
            exit_after = 1;
        else if (strcmp(argv[i], "--thread") == 0) {
            char *end;
            if (i + 1 == argc)
                return cli_usage(synopsis);
            thread = strtol(argv[++i], &end, 10);
            if (*end || thread <= 0 || thread > 0x7fffffff)
                return cli_fail("'%s' is not a thread number (the main thread is 1)", argv[i]);
        } else if (argv[i][0] == '-' || pid_arg)
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
    /* the thread number rides on the signal (0: the whole process) */
    union sigval value = { .sival_int = (int)thread };
    if (sigqueue((pid_t)pid, exit_after ? SIGUSR2 : SIGUSR1, value) < 0)
        return cli_fail("cannot signal process %ld: %s", pid, strerror(errno));
    return 0;
}

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

/* The writer's executable, from the checkpoint's INFO record. */
static char *writer_exe(const char *file)
{
    mt_error err;
    ck_image *img = restore_read_file(file, &err);
    if (!img) {
        cli_fail("%s: %s", file, err.msg);
        exit(1);
    }
    char *exe = NULL;
    const char *p = img->info ? strstr(img->info, "writer-exe: ") : NULL;
    if (p) {
        p += strlen("writer-exe: ");
        size_t n = strcspn(p, "\n");
        exe = malloc(n + 1);
        if (exe) {
            memcpy(exe, p, n);
            exe[n] = '\0';
        }
    }
    ck_image_free(img);
    return exe;
}

int cmd_restart(int argc, char **argv)
{
    const char *synopsis = "restart [--binary PROG] FILE";
    const char *binary = NULL, *file = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--binary") == 0 && i + 1 < argc)
            binary = argv[++i];
        else if (argv[i][0] == '-' || file)
            return cli_usage(synopsis);
        else
            file = argv[i];
    }
    if (!file)
        return cli_usage(synopsis);
    char *found = binary ? NULL : writer_exe(file);
    if (!binary && !(binary = found))
        return cli_fail("%s does not name the program that wrote it; give --binary PROG", file);
    unsigned machine;
    int r = elf_machine(binary, &machine);
    if (r == -1)
        return cli_fail("cannot read %s: %s", binary, strerror(errno));
    if (r == -2)
        return cli_fail("%s is not an ELF executable", binary);
    const char *qemu, *sysroot;
    if (emulator_for(machine, &qemu, &sysroot) < 0)
        return cli_fail("%s is built for ELF machine %u, which MigThread does not know", binary, machine);
    if (setenv("MIGTHREAD_RESTORE", file, 1) < 0)
        return cli_fail("cannot set MIGTHREAD_RESTORE: %s", strerror(errno));
    if (qemu)
        execlp(qemu, qemu, "-L", sysroot, binary, (char *)NULL);
    else
        execl(binary, binary, (char *)NULL);
    return cli_fail("cannot run %s%s%s: %s", qemu ? qemu : "", qemu ? " " : "", binary, strerror(errno));
}
