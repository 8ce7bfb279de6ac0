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
#include "ckpt_chain.h"
#include "ckpt_tmp.h"
#include "cli.h"
#include "ctlmsg.h"
#include "input.h"
#include "zfile.h"

/* The runtime checks its own compressed files by the container header
 * (ckpt_chain.c's ck_file_is) with its own copy of the layout. */
_Static_assert(CK_ZHEAD_MAGIC == ZF_SKIP_MAGIC && (int)CK_ZHEAD_LEN == (int)ZF_HEAD_LEN, "the container header");
_Static_assert(sizeof CK_ZHEAD_TAG == sizeof ZF_TAG, "the container's tag");

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

void *cli_zfile_peek(const char *path, void *(*read)(st_stream *s, mt_error *err), mt_error *err)
{
    int fd = in_open_file(path, err);
    if (fd < 0)
        return NULL;
    uint8_t pre[ZF_MAGIC_LEN];
    size_t npre;
    int plain = fd, kind = cli_zfile_kind(fd, pre, &npre);
    cli_zfile_reader *z = kind == ZF_CONTAINER ? cli_zfile_reader_start(fd, pre, npre, &plain) : NULL;
    st_stream *s = kind == ZF_BARE_ZSTD || (kind == ZF_CONTAINER && !z) ? NULL : malloc(sizeof *s);
    void *got = NULL;
    if (s) {
        st_init_fd(s, plain);
        got = read(s, err);
    }
    free(s);
    if (z) {
        char why[512];
        zf_head h;
        uint64_t n;
        close(plain);  /* the thread stops on EPIPE: only the first records were wanted */
        cli_zfile_reader_end(z, why, sizeof why, &h, &n);
    }
    close(fd);
    return got;
}

/* ---- A chain's files: compressed parents decompressed for the reader ---------------------- */

/* The parent the checkpoint file at path names (its first records, through
 * a decompressing thread when it is compressed): its path (absolute, or
 * relative to path's directory, as ckpt_chain.c resolves it) into buf and
 * the name the record gives into name. 0, or -1 when it has none or
 * cannot be read (the reader then says why). */
static void *read_start(st_stream *s, mt_error *err) { return ck_read_start(s, err); }

static int parent_of(const char *path, char *buf, size_t cap, char *name, size_t ncap)
{
    mt_error err;
    ck_image *img = cli_zfile_peek(path, read_start, &err);
    char dir[4096];
    ck_chain_dir(path, dir, sizeof dir);
    int rc = -1;
    if (img && img->has_parent) {
        const char *p = img->parent.path;
        int n = p[0] == '/' ? snprintf(buf, cap, "%s", p) : snprintf(buf, cap, "%s/%s", dir, p);
        rc = n < (int)cap && snprintf(name, ncap, "%s", p) < (int)ncap ? 0 : -1;
    }
    ck_image_free(img);
    return rc;
}

static int is_container(const char *path)
{
    mt_error err;
    int fd = in_open_file(path, &err);
    uint8_t pre[ZF_MAGIC_LEN];
    size_t npre;
    int kind = fd >= 0 ? cli_zfile_kind(fd, pre, &npre) : ZF_PLAIN;
    if (fd >= 0)
        close(fd);
    return kind == ZF_CONTAINER;
}

int cli_chain_feed(const char *path, int *fds, int max)
{
    char at[4096], next[4096], name[4096];
    int n = 0;
    snprintf(at, sizeof at, "%s", path);
    for (int depth = 0; depth < CK_CHAIN_MAX && n < max && parent_of(at, next, sizeof next, name, sizeof name) == 0;
         depth++) {
        mt_error err;
        int fd = is_container(next) ? in_open_file(next, &err) : -1;
        if (fd >= 0) {
            /* unchecked here: the program's reader validates the stream
             * against what the child names, and a frame cut short is a
             * stream cut short */
            int plain = cli_zfile_feed(fd, NULL, 0, next);
            close(fd);
            if (plain < 0)
                break;
            fds[n++] = plain;
        }
        snprintf(at, sizeof at, "%s", next);
    }
    return n;
}

int cli_chain_hand_over(const char *path)
{
    int fds[CK_CHAIN_MAX], n = cli_chain_feed(path, fds, CK_CHAIN_MAX);
    char list[CK_CHAIN_MAX * 8] = "";
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        fcntl(fds[i], F_SETFD, 0);  /* open across exec; the runtime closes them on its own exec */
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%d", i ? "," : "", fds[i]);
    }
    return n ? setenv("MIGTHREAD_RESTORE_PARENT_FDS", list, 1) : unsetenv("MIGTHREAD_RESTORE_PARENT_FDS");
}

int cli_chain_links(const char *path, char (*out)[4096], int max)
{
    const char *slash = strrchr(path, '/');
    const char *head = slash ? slash + 1 : path;
    char at[4096], next[4096], name[4096], want[4096];
    int n = 0;
    snprintf(at, sizeof at, "%s", path);
    while (n < max && parent_of(at, next, sizeof next, name, sizeof name) == 0) {
        /* only the files a writer kept beside path under its chain names */
        uint64_t id = strtoull(strrchr(name, '.') ? strrchr(name, '.') + 1 : "", NULL, 16);
        if (ck_chain_link_name(head, id, want, sizeof want) < 0 || strcmp(want, name) != 0)
            break;
        snprintf(out[n++], sizeof out[0], "%s", next);
        snprintf(at, sizeof at, "%s", next);
    }
    return n;
}

void cli_chain_remove_links(const char *path)
{
    char (*links)[4096] = malloc(sizeof *links * CK_CHAIN_MAX);
    int n = links ? cli_chain_links(path, links, CK_CHAIN_MAX) : 0;
    for (int i = 0; i < n; i++)
        unlink(links[i]);
    free(links);
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
    struct sigaction pipe_was;  /* SIGPIPE's disposition before: a program exec'd later inherits it */
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
    struct sigaction ign = { .sa_handler = SIG_IGN };
    sigaction(SIGPIPE, &ign, &r->pipe_was);  /* a reader that stops early: the thread sees EPIPE */
    fcntl(p[1], F_SETPIPE_SZ, ZF_PIPE_BYTES);
    r->fd = fd;
    r->npre = npre < sizeof r->pre ? npre : sizeof r->pre;
    memcpy(r->pre, pre, r->npre);
    r->out = p[1];
    if (pthread_create(&r->thread, NULL, feed_thread, r) != 0) {
        close(p[0]);
        close(p[1]);
        sigaction(SIGPIPE, &r->pipe_was, NULL);
        free(r);
        return NULL;
    }
    *plain = p[0];
    return r;
}

int cli_zfile_reader_end(cli_zfile_reader *r, char *why, size_t cap, zf_head *h, uint64_t *plain_size)
{
    pthread_join(r->thread, NULL);
    sigaction(SIGPIPE, &r->pipe_was, NULL);
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

/* path, absolute (as this command sees it: where it writes), into out. */
static int absolute_path(const char *path, char *out, size_t cap)
{
    if (path[0] == '/')
        return snprintf(out, cap, "%s", path) < (int)cap ? 0 : -1;
    char cwd[4096];
    return getcwd(cwd, sizeof cwd) && snprintf(out, cap, "%s/%s", cwd, path) < (int)cap ? 0 : -1;
}

/* The stream just written (its header's first bytes in e) refers to a
 * parent. */
static int stream_has_parent(const zf_edges *e)
{
    enum { FEATURES_AT = CK_MAGIC_LEN + 2 };
    return e->head_len > FEATURES_AT + 1 && (le_uint(e->head + FEATURES_AT, 2) & CK_FEATURE_PARENT);
}

int cli_checkpoint_compressed(long pid, cm_msg *m, long long wait_ms, uint64_t *file_size, uint64_t *plain_size)
{
    if (!cm_has(m, CM_F_PATH) && program_path(pid, m, wait_ms) < 0)
        return 1;
    char path[sizeof m->path], tmp[sizeof m->path + 32];
    if (absolute_path(m->path, path, sizeof path) < 0)
        return cli_fail("cannot write %s: its name is too long", m->path);
    /* the chain files the checkpoint at path needs: a whole one put in
     * its place removes them (an incremental one keeps them) */
    char (*old)[4096] = malloc(sizeof *old * CK_CHAIN_MAX);
    int nold = old ? cli_chain_links(path, old, CK_CHAIN_MAX) : 0;
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
    /* with the descriptor, the path the stream becomes: an incremental
     * checkpoint refers to the file there (the runtime checks it by its
     * container header) and names its parent beside it */
    snprintf(m->path, sizeof m->path, "%s", path);
    cm_set(m, CM_F_PATH);
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
    for (int i = 0; rc == 0 && !stream_has_parent(&j.e) && i < nold; i++)
        unlink(old[i]);
    free(old);
    snprintf(m->path, sizeof m->path, "%s", path);
    cm_set(m, CM_F_PATH);
    struct stat st;
    *file_size = rc == 0 && stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
    *plain_size = j.e.size;
    return rc;
}
