/* zfile.c: compressed checkpoint files on the command's side (src/zfile:
 * the container). `checkpoint --compress` asks the program for its plain
 * stream on a pipe and compresses it into the file; restart and inspect
 * find a compressed file by its first bytes and give the reader the plain
 * stream back on a pipe. The program's runtime never sees zstd. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpt.h"
#include "ckpt_tmp.h"
#include "cli.h"
#include "ctlmsg.h"
#include "zfile.h"

/* The capacity asked for the pipes the plain stream goes through (Linux's
 * default most for a user): fewer switches between writer and reader. */
enum { ZF_PIPE_BYTES = 1 << 20 };

/* ---- The plain stream's id and digest, from its edges ------------------------------------ */

/* An END record: kind, flags, length 12, record count, digest, checksum. */
enum { END_RECORD_LEN = 16 + 12 + 8, HEADER_ID_AT = CK_HEADER_LEN - 16 };

static uint64_t le_uint(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* The id and END digest of the plain stream whose edges are e: 0, or -1
 * when it does not start and end as a checkpoint does. */
static int stream_ids(const zf_edges *e, zf_head *h)
{
    if (e->head_len < CK_HEADER_LEN || e->tail_len < END_RECORD_LEN || memcmp(e->head, CK_MAGIC, CK_MAGIC_LEN) != 0)
        return -1;
    const uint8_t *end = e->tail + e->tail_len - END_RECORD_LEN;
    if (le_uint(end, 4) != CK_END || le_uint(end + 8, 8) != 12)
        return -1;
    h->size = e->size;
    h->id = le_uint(e->head + HEADER_ID_AT, 8);
    h->digest = le_uint(end + 20, 8);
    return 0;
}

int cli_zfile_kind(int fd, uint8_t *pre, size_t *npre)
{
    struct stat st;
    *npre = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        uint8_t magic[ZF_MAGIC_LEN];
        return pread(fd, magic, sizeof magic, 0) == (ssize_t)sizeof magic ? zf_kind(magic) : ZF_PLAIN;
    }
    /* a stream: its first bytes are read once and handed on */
    ssize_t n;
    while (*npre < ZF_MAGIC_LEN && ((n = read(fd, pre + *npre, ZF_MAGIC_LEN - *npre)) > 0 || (n < 0 && errno == EINTR)))
        *npre += n > 0 ? (size_t)n : 0;
    return *npre == ZF_MAGIC_LEN ? zf_kind(pre) : ZF_PLAIN;
}

/* ---- Reading a compressed file ----------------------------------------------------------- */

int cli_zfile_check(int fd, const char *label)
{
    zf_head h, inside;
    zf_edges e;
    char why[512];
    if (zf_decompress(fd, NULL, 0, -1, &h, &e, why, sizeof why) < 0)
        return cli_fail("%s: %s", label, why);
    if (stream_ids(&e, &inside) < 0)
        return cli_fail("%s: corrupt compressed checkpoint: what it holds is not a MigThread checkpoint", label);
    if (inside.id != h.id || inside.digest != h.digest)
        return cli_fail("%s: corrupt compressed checkpoint: its container header names checkpoint %016llx "
                        "(digest %016llx), the checkpoint inside is %016llx (digest %016llx)", label,
                        (unsigned long long)h.id, (unsigned long long)h.digest, (unsigned long long)inside.id,
                        (unsigned long long)inside.digest);
    if (lseek(fd, 0, SEEK_SET) < 0)
        return cli_fail("%s: %s", label, strerror(errno));
    return 0;
}

int cli_zfile_feed(int fd, const uint8_t *pre, size_t npre, const char *label)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return cli_fail("cannot make a pipe for %s: %s", label, strerror(errno));
    fcntl(p[1], F_SETPIPE_SZ, ZF_PIPE_BYTES);
    pid_t child = fork();
    if (child == 0) {
        /* the feeder's parent leaves at once: the program that takes this
         * process's place never sees a child it did not make */
        if (fork() != 0)
            _exit(0);
        close(p[0]);
        signal(SIGPIPE, SIG_IGN);
        zf_head h;
        zf_edges e;
        char why[512];
        /* silent: a stream it cannot pass on whole is cut short, and the
         * program's reader says so in the one line a bad input gets (a
         * file was checked whole before, cli_zfile_check) */
        _exit(zf_decompress(fd, pre, npre, p[1], &h, &e, why, sizeof why) < 0);
    }
    close(p[1]);
    if (child < 0) {
        close(p[0]);
        return cli_fail("cannot start decompressing %s: %s", label, strerror(errno));
    }
    waitpid(child, NULL, 0);
    return p[0];
}

/* ---- inspect: a thread decompresses while the reader reads --------------------------------- */

struct cli_zfile_reader {
    pthread_t thread;
    uint8_t pre[ZF_MAGIC_LEN];
    size_t npre;
    int fd, out, rc, err;
    zf_head h;
    zf_edges e;
    char why[512];
};

static void *feed_thread(void *arg)
{
    cli_zfile_reader *r = arg;
    r->rc = zf_decompress(r->fd, r->pre, r->npre, r->out, &r->h, &r->e, r->why, sizeof r->why);
    r->err = errno;
    close(r->out);
    return NULL;
}

cli_zfile_reader *cli_zfile_reader_start(int fd, const uint8_t *pre, size_t npre, int *plain)
{
    cli_zfile_reader *r = calloc(1, sizeof *r);
    int p[2];
    if (!r || pipe2(p, O_CLOEXEC) < 0) {
        free(r);
        return NULL;
    }
    signal(SIGPIPE, SIG_IGN);  /* a reader that stops early: the thread sees EPIPE */
    fcntl(p[1], F_SETPIPE_SZ, ZF_PIPE_BYTES);
    r->fd = fd;
    r->npre = npre < sizeof r->pre ? npre : sizeof r->pre;
    memcpy(r->pre, pre, r->npre);
    r->out = p[1];
    if (pthread_create(&r->thread, NULL, feed_thread, r) != 0) {
        close(p[0]);
        close(p[1]);
        free(r);
        return NULL;
    }
    *plain = p[0];
    return r;
}

int cli_zfile_reader_end(cli_zfile_reader *r, char *why, size_t cap, zf_head *h, uint64_t *plain_size)
{
    pthread_join(r->thread, NULL);
    int rc = r->rc < 0 && r->err != EPIPE ? -1 : 0;
    if (rc < 0)
        snprintf(why, cap, "%s", r->why);
    *h = r->h;
    *plain_size = r->e.size;
    free(r);
    return rc;
}

/* ---- checkpoint --compress ----------------------------------------------------------------- */

typedef struct compress_job {
    int in, out, rc, level;
    zf_edges e;
    char why[512];
} compress_job;

static void *compress_thread(void *arg)
{
    compress_job *j = arg;
    j->rc = zf_compress(j->in, j->out, j->level, &j->e, j->why, sizeof j->why);
    close(j->in);
    return NULL;
}

/* The program's own checkpoint path (its answer to HELLO), into path. */
static int program_path(long pid, cm_msg *m, long long wait_ms)
{
    int fd = cli_control_connect(pid, wait_ms);
    if (fd < 0)
        return -1;
    char why[4200];
    cm_msg *hello = malloc(sizeof *hello);
    int rc = hello ? 0 : cli_fail("out of memory");
    if (rc == 0) {
        cm_init(hello, CM_HELLO);
        if (cm_send(fd, hello) < 0 || cm_recv(fd, hello, CM_READ_MS, why, sizeof why) != 0 ||
            hello->kind != CM_OK || !cm_has(hello, CM_F_PATH))
            rc = cli_fail("process %ld did not say where its checkpoint goes; give -o FILE", pid);
        else
            snprintf(m->path, sizeof m->path, "%s", hello->path);
    }
    free(hello);
    close(fd);
    return rc;
}

/* The file's end: the header over the placeholder, fsync, close, rename. */
static int finish_file(compress_job *j, const char *tmp, const char *path)
{
    zf_head h;
    if (stream_ids(&j->e, &h) < 0)
        return cli_fail("%s not written: the program's stream is not a whole checkpoint (%llu bytes)", path,
                        (unsigned long long)j->e.size);
    if (zf_head_write(j->out, &h) < 0 || fsync(j->out) < 0)
        return cli_fail("%s not written: cannot write %s: %s", path, tmp, strerror(errno));
    if (close(j->out) < 0) {
        j->out = -1;
        return cli_fail("%s not written: cannot close %s: %s", path, tmp, strerror(errno));
    }
    j->out = -1;
    if (rename(tmp, path) < 0)
        return cli_fail("cannot rename %s to %s: %s", tmp, path, strerror(errno));
    return 0;
}

int cli_checkpoint_compressed(long pid, cm_msg *m, long long wait_ms, uint64_t *file_size, uint64_t *plain_size)
{
    if (!cm_has(m, CM_F_PATH) && program_path(pid, m, wait_ms) < 0)
        return 1;
    char path[sizeof m->path], tmp[sizeof m->path + 32];
    snprintf(path, sizeof path, "%s", m->path);
    if (ck_tmp_name(path, tmp, sizeof tmp) < 0)
        return cli_fail("cannot write %s: its name is too long", path);
    ck_tmp_sweep(path);  /* what writers killed mid-write left behind */
    compress_job j = { .level = ZF_LEVEL_DEFAULT };
    int p[2];
    if ((j.out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
        return cli_fail("checkpoint %s not written: cannot create %s: %s", path, tmp, strerror(errno));
    ck_tmp_lock(j.out);
    pthread_t thread;
    if (pipe2(p, O_CLOEXEC) < 0 || (j.in = p[0], pthread_create(&thread, NULL, compress_thread, &j)) != 0) {
        close(j.out);
        unlink(tmp);
        return cli_fail("checkpoint %s not written: %s", path, strerror(errno));
    }
    /* the program writes the plain stream to the pipe, as for -o -; a
     * larger pipe lets it write on while the compressor takes a buffer */
    fcntl(p[1], F_SETPIPE_SZ, ZF_PIPE_BYTES);
    m->fd = p[1];
    cm_set(m, CM_F_FD);
    m->have &= ~(1u << CM_F_PATH);
    int rc = cli_ask_checkpoint(pid, m, wait_ms);
    close(p[1]);  /* the program's copy is closed once it answered: the thread sees the end */
    pthread_join(thread, NULL);
    if (rc == 0 && j.rc < 0)
        rc = cli_fail("checkpoint %s not written: %s", path, j.why);
    if (rc == 0)
        rc = finish_file(&j, tmp, path);
    if (j.out >= 0)
        close(j.out);
    if (rc != 0)
        unlink(tmp);  /* the previous checkpoint at path stays as it was */
    snprintf(m->path, sizeof m->path, "%s", path);
    cm_set(m, CM_F_PATH);
    struct stat st;
    *file_size = rc == 0 && stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
    *plain_size = j.e.size;
    return rc;
}
