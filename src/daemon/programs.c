/* programs.c: which build receives a checkpoint. The daemon reads the
 * checkpoint's header and first record (INFO, docs/checkpoint-format.md)
 * only to learn the writer's executable name; the build it picks runs
 * the full, checked restore (a checkpoint of another program identity is
 * refused there). Only files inside --programs are ever run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "daemon.h"

#define CK_MAGIC "MIGTHRD"        /* with its NUL: 8 bytes */
#define CK_HEADER_BYTES 74        /* magic, version, flags, arch length, arch, ids, checksum */
#define CK_ID_AT (CK_HEADER_BYTES - 16)  /* the checkpoint id, u64, before the header's checksum */
#define CK_RECORD_HEAD 16         /* u32 kind, u32 flags, u64 length */
#define CK_RECORD_TAIL 8          /* u64 checksum */
#define CK_KIND_INFO 4
#define INFO_MAX (64u * 1024u)    /* an INFO text is a few hundred bytes */

static const struct { const char *abi, *triple, *machine; } abis[D_ABIS] = {
    { "x86_64", "x86_64-linux-gnu", "x86_64" }, { "i686", "i686-linux-gnu", "i686" },
    { "aarch64", "aarch64-linux-gnu", "aarch64" }, { "s390x", "s390x-linux-gnu", "s390x" },
    { "ppc", "powerpc-linux-gnu", "ppc" }, { "armhf", "arm-linux-gnueabihf", "armv7l" },
};

int d_abi_index(const char *abi)
{
    for (int i = 0; i < D_ABIS; i++)
        if (strcmp(abis[i].abi, abi) == 0)
            return i;
    return -1;
}

const char *d_abi_name(int i) { return abis[i].abi; }

int d_host_abi(void)
{
    struct utsname u;
    if (uname(&u) < 0)
        return -1;
    for (int i = 0; i < D_ABIS; i++)
        if (strcmp(abis[i].machine, u.machine) == 0)
            return i;
    return -1;
}

static uint64_t le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

long d_info_span(const unsigned char *p, size_t n, char *why, size_t cap)
{
    if (n >= sizeof CK_MAGIC && memcmp(p, CK_MAGIC, sizeof CK_MAGIC) != 0)
        return snprintf(why, cap, "the stream is not a MigThread checkpoint"), -1;
    if (n < CK_HEADER_BYTES + CK_RECORD_HEAD)
        return 0;
    const unsigned char *r = p + CK_HEADER_BYTES;
    uint64_t len = le(r + 8, 8);
    if (le(r, 4) != CK_KIND_INFO || len > INFO_MAX)
        return snprintf(why, cap, "the checkpoint does not begin with the writer's INFO record"), -1;
    size_t span = CK_HEADER_BYTES + CK_RECORD_HEAD + (size_t)len + CK_RECORD_TAIL;
    return n < span ? 0 : (long)span;
}

int d_checkpoint_id(const unsigned char *p, size_t n, uint64_t *id)
{
    if (n < CK_HEADER_BYTES || memcmp(p, CK_MAGIC, sizeof CK_MAGIC) != 0)
        return -1;
    *id = le(p + CK_ID_AT, 8);
    return 0;
}

/* The value of "key: value" in text (n bytes), into out. */
static int info_value(const char *text, size_t n, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < n;) {
        const char *line = text + i;
        const char *nl = memchr(line, '\n', n - i);
        size_t llen = nl ? (size_t)(nl - line) : n - i;
        if (llen > klen + 2 && memcmp(line, key, klen) == 0 && line[klen] == ':' && line[klen + 1] == ' ') {
            size_t v = llen - klen - 2;
            if (v >= cap)
                return -1;
            memcpy(out, line + klen + 2, v);
            out[v] = '\0';
            return 0;
        }
        i += llen + 1;
    }
    return -1;
}

static int is_triple(const char *s)
{
    for (int i = 0; i < D_ABIS; i++)
        if (strcmp(s, abis[i].triple) == 0)
            return 1;
    return 0;
}

int d_program_name(const unsigned char *p, size_t n, char *name, size_t cap, char *why, size_t wcap)
{
    const char *text = (const char *)p + CK_HEADER_BYTES + CK_RECORD_HEAD;
    size_t tlen = n - CK_HEADER_BYTES - CK_RECORD_HEAD - CK_RECORD_TAIL;
    char exe[4096];
    if (info_value(text, tlen, "writer-exe", exe, sizeof exe) < 0 || exe[0] != '/')
        return snprintf(why, wcap, "the checkpoint does not name the program that wrote it"), -1;
    char *base = strrchr(exe, '/') + 1;
    if (is_triple(base) && base > exe + 1) {  /* PROGRAM/TRIPLE: the directory names it */
        base[-1] = '\0';
        base = strrchr(exe, '/') + 1;
    }
    char *dot = strrchr(base, '.');
    if (dot && is_triple(dot + 1))  /* PROGRAM.TRIPLE */
        *dot = '\0';
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strlen(base) >= cap)
        return snprintf(why, wcap, "the checkpoint names no usable program (%s)", exe), -1;
    strcpy(name, base);
    return 0;
}

static int runnable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The build for ABI i: PROGRAMS/NAME/TRIPLE, PROGRAMS/NAME.TRIPLE, or
 * (this host's ABI) PROGRAMS/NAME. */
static int build_for(const d_config *cfg, const char *name, int i, int host, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s/%s", cfg->programs, name, abis[i].triple);
    if (runnable(path))
        return 0;
    snprintf(path, cap, "%s/%s.%s", cfg->programs, name, abis[i].triple);
    if (runnable(path))
        return 0;
    snprintf(path, cap, "%s/%s", cfg->programs, name);
    return i == host && runnable(path) ? 0 : -1;
}

int d_find_build(const d_config *cfg, const char *name, char *path, size_t cap, int *abi, char *why, size_t wcap)
{
    int host = d_host_abi();
    if (host >= 0 && build_for(cfg, name, host, host, path, cap) == 0)
        return *abi = host, 0;
    for (int i = 0; i < D_ABIS; i++)
        if (i != host && cfg->runner[i][0] && build_for(cfg, name, i, host, path, cap) == 0)
            return *abi = i, 0;
    return snprintf(why, wcap, "no build of program %s in %s for %s or an ABI with a --runner", name, cfg->programs,
                    host >= 0 ? abis[host].abi : "this host"), -1;
}
