/* fuzz_zfile.c: libFuzzer over the compressed checkpoint container's
 * reader (src/zfile: zf_decompress), the only code of the tools that reads
 * a compressed file before a checkpoint reader sees the plain stream. Any
 * input must give 0 or -1 with a reason, never a crash, a sanitizer
 * report, a leak, or more output than its header admits. With
 * MT_FUZZ_SEED=PATH set, the target first writes a valid container there
 * (a plain stream of PATH's size, compressed by zf_compress). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zfile.h"

/* A descriptor holding len bytes from its start. */
static int memfd_of(const char *name, const void *data, size_t len)
{
    int fd = memfd_create(name, 0);
    if (fd < 0)
        return -1;
    if (pwrite(fd, data, len, 0) != (ssize_t)len || lseek(fd, 0, SEEK_SET) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A seed: a stream that starts like a checkpoint and repeats, compressed. */
static int write_seed(const char *path)
{
    enum { SEED_BYTES = 200000 };
    uint8_t *plain = malloc(SEED_BYTES);
    if (!plain)
        return -1;
    for (size_t i = 0; i < SEED_BYTES; i++)
        plain[i] = (uint8_t)(i % 251 < 64 ? i : i % 7);
    memcpy(plain, "MIGTHRD", 8);
    int in = memfd_of("seed-plain", plain, SEED_BYTES);
    free(plain);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    zf_edges e;
    char why[256];
    int rc = in < 0 || out < 0 ? -1 : zf_compress(in, out, ZF_LEVEL_DEFAULT, &e, why, sizeof why);
    zf_head h = { e.size, 1, 2 };
    if (rc == 0)
        rc = zf_head_write(out, &h);
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return rc;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *seed = getenv("MT_FUZZ_SEED");
    if (seed && write_seed(seed) < 0) {
        fprintf(stderr, "fuzz_zfile: cannot write the seed %s\n", seed);
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int in = -1;
    if (in < 0 && (in = memfd_create("fuzz-zfile", 0)) < 0)
        return 0;
    if (ftruncate(in, 0) < 0 || pwrite(in, data, size, 0) != (ssize_t)size || lseek(in, 0, SEEK_SET) < 0)
        return 0;
    zf_head h;
    zf_edges e;
    char why[512];
    /* whole, and with the first bytes handed over as a prefix (restart -) */
    int rc = zf_decompress(in, NULL, 0, -1, &h, &e, why, sizeof why);
    if (rc == 0 && e.size != h.size)
        abort();  /* a success always holds exactly the header's size */
    size_t n = size < ZF_MAGIC_LEN ? size : ZF_MAGIC_LEN;
    if (lseek(in, (off_t)n, SEEK_SET) < 0)
        return 0;
    if (zf_decompress(in, data, n, -1, &h, &e, why, sizeof why) != rc)
        abort();  /* the same verdict either way */
    return 0;
}
